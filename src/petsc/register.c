/* SPDX-License-Identifier: BSD-3-Clause */
/* Registration of the plugin's PC and KSP types and its log events, from a program or from
   PETSc's -dll_append. */
#include "plugin_impl.h"

PetscLogEvent rla_petsc_event_sketch, rla_petsc_event_factor, rla_petsc_event_apply,
    rla_petsc_event_iterate;

static PetscBool registered = PETSC_FALSE; /* the events, until PetscFinalize */

static PetscErrorCode forget_events(void)
{
  registered = PETSC_FALSE;
  return 0;
}

PetscErrorCode rla_petsc_register(void)
{
  PetscFunctionBegin;
  if (!registered) { /* -log_view lists them by these names */
    PetscCall(PetscLogEventRegister("RLASketch", PC_CLASSID, &rla_petsc_event_sketch));
    PetscCall(PetscLogEventRegister("RLAFactor", PC_CLASSID, &rla_petsc_event_factor));
    PetscCall(PetscLogEventRegister("RLAApply", PC_CLASSID, &rla_petsc_event_apply));
    PetscCall(PetscLogEventRegister("RLAIterate", KSP_CLASSID, &rla_petsc_event_iterate));
    PetscCall(PetscRegisterFinalize(forget_events));
    registered = PETSC_TRUE;
  }
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
