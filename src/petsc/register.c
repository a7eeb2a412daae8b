/* SPDX-License-Identifier: BSD-3-Clause */
/* Registration of the plugin's PC and KSP types, from a program or from PETSc's -dll_append. */
#include "plugin_impl.h"

PetscErrorCode rla_petsc_register(void)
{
  PetscFunctionBegin;
  PetscCall(PCRegister(RLA_PCSKETCH, rla_petsc_pc_create));
  PetscCall(KSPRegister(RLA_KSPLSQ, rla_petsc_ksp_create));
  PetscFunctionReturn(0);
}

/* The entry point PETSc looks up when it loads librla_petsc.so with -dll_append or
   -dll_prepend (the name is "PetscDLLibraryRegister_" and the file name without "lib" and
   ".so"). Not collective. */
PETSC_EXTERN PetscErrorCode PetscDLLibraryRegister_rla_petsc(void);

PetscErrorCode PetscDLLibraryRegister_rla_petsc(void)
{
  PetscFunctionBegin;
  PetscCall(rla_petsc_register());
  PetscFunctionReturn(0);
}
