/* SPDX-License-Identifier: BSD-3-Clause */
/* The PETSc plugin librla_petsc: a sketch preconditioner (PC type "rlasketch") and an accurate
   least-squares solver (KSP type "rlalsq") for tall A (m >= d) in min ||A x - b||_2.
   Programs load it at run time with -dll_append <libdir>/librla_petsc.so (PETSc then calls
   PetscDLLibraryRegister_rla_petsc), or link it and call rla_petsc_register() once after
   PetscInitialize(). Options are listed by -help and shown by -ksp_view:
   - -pc_type rlasketch: from the sketch S A (l = ceil(oversample d) rows) it factors the
     column-equilibrated S A D = Q R and applies y = D R^-1 R^-T D x to d-vectors (truncated SVD
     of R when the sketch is numerically rank-deficient), the preconditioner KSPLSQR, KSPCGLS
     and CG on the normal equations expect. Pmat: A itself, or MATNORMAL / MATNORMALHERMITIAN
     of A. Options: the sketch's (rla_sketch_options) -pc_rlasketch_sketch_type
     srht|gaussian|sparse, _seed, _block_size, _sparsity; the preconditioner's _oversample,
     _rank_tol, _svd.
   - -ksp_type rlalsq: the accurate method of rla-lsq (sketch-preconditioned CG with iterative
     refinement, stopping on a backward-error estimate) on the operator A and the right-hand
     side b; options: rla-lsq's, with its defaults and help (rla_lsq_options), as
     -ksp_rlalsq_method, _sketch, _oversample, _sketch_rows, _seed, _tol, _max_iterations,
     _rank_tol.
   Both accept MATMPIAIJ, MATMPIDENSE and their sequential forms on any number of ranks. */
#ifndef RLA_PETSC_H
#define RLA_PETSC_H

#include <petscksp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* PC type name of the sketch preconditioner. */
#define RLA_PCSKETCH "rlasketch"
/* KSP type name of the accurate least-squares solver. */
#define RLA_KSPLSQ "rlalsq"

/* Register the PC type RLA_PCSKETCH and the KSP type RLA_KSPLSQ with PETSc. Call after
   PetscInitialize(); calling it again is harmless. Not collective. Errors: PETSc's, from
   PCRegister/KSPRegister. */
PetscErrorCode rla_petsc_register(void);

#ifdef __cplusplus
}
#endif
#endif
