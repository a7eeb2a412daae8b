/* SPDX-License-Identifier: BSD-3-Clause */
/* Private helpers of the PETSc plugin shared by the PC and the KSP type. */
#ifndef RLA_PETSC_PLUGIN_IMPL_H
#define RLA_PETSC_PLUGIN_IMPL_H

#include <petscksp.h>

#include "rla/base.h"
#include "rla/lsq.h"
#include "rla/options.h"
#include "rla/petsc.h"
#include "rla/sketch.h"


/* Raise a PETSc error carrying rla's message when a collective rla call (one whose error all
   ranks agree on) fails. */
#define RLA_PETSC_CALL(comm, ctx, expr)                                                            \
  do {                                                                                             \
    rla_err rla_petsc_err_ = (expr);                                                               \
    PetscCheck(!rla_petsc_err_, (comm), PETSC_ERR_LIB, "rla: %s", rla_ctx_error_message(ctx));    \
  } while (0)

/* The least-squares matrix A behind the PC operators: Pmat itself when it is Amat (or the matrix
   inside a normal Amat), the inner matrix of a MATNORMAL / MATNORMALHERMITIAN Pmat; anything
   else is an error. *from_normal tells which. Then checks m >= d. Collective. */
PetscErrorCode rla_petsc_least_squares_mat(Mat Amat, Mat Pmat, const char *who, Mat *A,
                                           PetscBool *from_normal);

/* The plugin's log events (registered by rla_petsc_register): this rank's part of the sketch
   S A; the sketch's reduction and factorization; the PC's apply; rlalsq's passes over A after
   the factorization (its CG steps and residual evaluations). */
extern PetscLogEvent rla_petsc_event_sketch, rla_petsc_event_factor, rla_petsc_event_apply,
    rla_petsc_event_iterate;

/* The rla operator of the PETSc Mat A (m x d; its rows are A's row ownership), over A itself
   (referenced until rla_op_destroy): products through MatMult / MatMultTranspose, the sketch
   from A's storage for AIJ and dense A, from products for other types (op_mat.c, with the
   costs). Its sketch is logged as RLASketch; with phases, the passes over A after the sketch
   are logged as RLAFactor until the first of them, then RLAIterate until
   rla_petsc_op_end_phases. Collective. */
PetscErrorCode rla_petsc_op_create(rla_ctx ctx, Mat A, PetscBool phases, rla_op *op);
/* This rank's part of the sketch S A of the operator's A (S set up, l x m) into part (l x d,
   leading dimension ldp >= l); the sum over the ranks is S A. Collective. */
PetscErrorCode rla_petsc_op_sketch(rla_op op, rla_sketch S, double *part, PetscInt ldp);
/* End the open phase event of an operator made with phases. Collective. */
PetscErrorCode rla_petsc_op_end_phases(rla_op op);

/* Copy the rows [row0, row0 + lm) of the parallel A (m x d) into the column-major local array
   a (leading dimension lda) and the same rows of b into bl: the redistribution from PETSc's row
   ownership to any other row blocks. Collective. */
PetscErrorCode rla_petsc_copy_rows(Mat A, Vec b, PetscInt row0, PetscInt lm, double *a,
                                   PetscInt lda, double *bl);

/* Read the n options desc of obj (an rla object of ctx) as PETSc options prefix + name ('-'
   becoming '_'; prefix like "-ksp_rlalsq_", after the object's own options prefix), each with
   the object's current value as default and desc's help text: PetscOptionsBoundedInt (lower
   bound desc->min), PetscOptionsReal, PetscOptionsEList, PetscOptionsBool; a value given is set
   through desc->set, whose refusal is a PETSc error with rla's message. Collective. */
PetscErrorCode rla_petsc_options(PetscOptionItems *PetscOptionsObject, const char *prefix,
                                 const char *manual, const rla_option_desc *desc, int n, void *obj,
                                 rla_ctx ctx);
/* The current value of the option name of obj among desc[0 .. n) (zero when there is none). */
rla_option_value rla_petsc_option_value(const rla_option_desc *desc, int n, const void *obj,
                                        const char *name);

/* The constructors registered by rla_petsc_register (pc_sketch.c and ksp_lsq.c). */
PetscErrorCode rla_petsc_pc_create(PC pc);
PetscErrorCode rla_petsc_ksp_create(KSP ksp);

#endif
