/* SPDX-License-Identifier: BSD-3-Clause */
/* KSP type "rlalsq": min ||A x - b||_2 for the operator A (m x d, m >= d) by rla's least-squares
   solver, by default its accurate method (sketch-preconditioned CG with iterative refinement,
   SPIR, Epperly, Meier, Nakatsukasa, arXiv 2406.03468; see src/lsq/refine.c), which stops on a
   backward-error estimate rather than on the KSP's rtol.
   The rows of A and b are copied from PETSc's row ownership into rla's row blocks (rank r holds
   rows [r mb, (r + 1) mb), mb = ceil(m / P)) with MatCreateSubMatrices and a VecScatter, so the
   solve holds a dense copy of its m d / P local entries besides A (an AIJ A is densified).
   Cost: that copy (one redistribution of the rows), then the solver's: one sketch of [A b],
   2 l d^2 flops for the factorization, and 4 m d / P flops plus one d-word allreduce per
   iteration (typically 20 to 40 iterations); the solution (d words) is replicated and each
   rank keeps its part. */
#include <string.h>

#include <petsc/private/kspimpl.h>

#include "plugin_impl.h"

static const char *const method_names[3] = {"accurate", "solve", "direct"};

typedef struct {
  /* options */
  PetscInt method;      /* an rla_lsq_method */
  PetscInt sketch_type; /* an rla_sketch_type */
  PetscReal oversample; /* 0: the method's default */
  PetscInt seed;
  PetscReal tol;      /* 0: the method's default (2 eps) */
  PetscReal rank_tol; /* < 0: 30 sqrt(d) eps */
  /* the last solve */
  PetscBool solved;
  rla_lsq_info info;
  double residual_norm, backward_error, backward_error_estimate;
} KSP_RlaLsq;

static PetscErrorCode KSPSetUp_RlaLsq(KSP ksp)
{
  Mat Amat, Pmat, A;
  PetscBool normal, hermitian, from_normal;

  PetscFunctionBegin;
  PetscCall(KSPGetOperators(ksp, &Amat, &Pmat));
  PetscCall(PetscObjectTypeCompare((PetscObject)Amat, MATNORMAL, &normal));
  PetscCall(PetscObjectTypeCompare((PetscObject)Amat, MATNORMALHERMITIAN, &hermitian));
  PetscCheck(!normal && !hermitian, PetscObjectComm((PetscObject)ksp), PETSC_ERR_ARG_WRONG,
             "KSP " RLA_KSPLSQ ": the operator is a normal matrix A^T A; give A itself "
             "(KSPSetOperators(ksp, A, A)) and b of length m: it solves min ||A x - b||");
  PetscCall(rla_petsc_least_squares_mat(Amat, Amat, "KSP " RLA_KSPLSQ, &A, &from_normal));
  /* the solver preconditions itself: the PC (KSPSetFromOptions gives it a default type that
     cannot be set up on a rectangular A) becomes PCNONE before KSPSetUp sets it up */
  PetscCall(PCSetType(ksp->pc, PCNONE));
  PetscFunctionReturn(0);
}

/* set an rla solver up with the options */
static PetscErrorCode configure(KSP ksp, rla_ctx ctx, rla_lsq L)
{
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;
  MPI_Comm comm = PetscObjectComm((PetscObject)ksp);

  PetscFunctionBegin;
  RLA_PETSC_CALL(comm, ctx, rla_lsq_set_method(L, (rla_lsq_method)s->method));
  RLA_PETSC_CALL(comm, ctx, rla_lsq_set_sketch_type(L, (rla_sketch_type)s->sketch_type));
  RLA_PETSC_CALL(comm, ctx, rla_lsq_set_oversample(L, s->oversample));
  RLA_PETSC_CALL(comm, ctx, rla_lsq_set_seed(L, (uint64_t)s->seed));
  if (s->tol > 0.0) RLA_PETSC_CALL(comm, ctx, rla_lsq_set_tol(L, s->tol));
  RLA_PETSC_CALL(comm, ctx, rla_lsq_set_rank_tol(L, s->rank_tol));
  RLA_PETSC_CALL(comm, ctx, rla_lsq_set_max_iterations(L, ksp->max_it));
  RLA_PETSC_CALL(comm, ctx, rla_lsq_setup(L));
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPSolve_RlaLsq(KSP ksp)
{
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;
  MPI_Comm comm = PetscObjectComm((PetscObject)ksp);
  rla_ctx ctx = NULL;
  rla_lsq L = NULL;
  rla_dmat A = NULL, B = NULL;
  rla_lsq_info info;
  double *a, *b, *x;
  int64_t lm, lld, ldb;
  Mat Amat;
  PetscInt m, d, lo, hi;
  PetscScalar *xa;
  rla_err err;

  PetscFunctionBegin;
  PetscCall(KSPGetOperators(ksp, &Amat, NULL));
  PetscCall(MatGetSize(Amat, &m, &d));
  PetscCheck(!rla_ctx_create(comm, &ctx), comm, PETSC_ERR_LIB,
             "KSP " RLA_KSPLSQ ": cannot create an rla context");
  rla_ctx_set_verbosity(ctx, 0);
  err = rla_lsq_create(ctx, &L);
  err = rla_ctx_agree(ctx, err);
  if (!err) err = rla_dmat_create_rowblock(ctx, m, d, 0, &A);
  if (!err) err = rla_dmat_create_rowblock(ctx, m, 1, 0, &B);
  if (err) {
    rla_dmat_destroy(&B);
    rla_dmat_destroy(&A);
    rla_lsq_destroy(&L);
    SETERRQ(comm, PETSC_ERR_LIB, "KSP " RLA_KSPLSQ ": rla: %s", rla_ctx_error_message(ctx));
  }
  PetscCall(configure(ksp, ctx, L));
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  rla_dmat_local(B, &b, NULL, NULL, &ldb);
  PetscCall(rla_petsc_copy_rows(Amat, ksp->vec_rhs, (PetscInt)rla_dmat_row_offset(A),
                                (PetscInt)lm, a, (PetscInt)lld, b));
  PetscCall(PetscMalloc1(d, &x));
  err = rla_lsq_solve(L, A, B, x, d, &info);
  if (!err) {
    s->info = info;
    s->residual_norm = info.residual_norm[0];
    s->backward_error = info.backward_error[0];
    s->backward_error_estimate = info.backward_error_estimate[0];
    s->solved = PETSC_TRUE;
    PetscCall(VecGetOwnershipRange(ksp->vec_sol, &lo, &hi));
    PetscCall(VecGetArray(ksp->vec_sol, &xa));
    memcpy(xa, x + lo, sizeof(double) * (size_t)(hi - lo));
    PetscCall(VecRestoreArray(ksp->vec_sol, &xa));
  }
  PetscCall(PetscFree(x));
  rla_dmat_destroy(&B);
  rla_dmat_destroy(&A);
  rla_lsq_destroy(&L);
  if (err) {
    char msg[1024];
    PetscCall(PetscStrncpy(msg, rla_ctx_error_message(ctx), sizeof(msg)));
    rla_ctx_destroy(&ctx);
    SETERRQ(comm, PETSC_ERR_LIB, "KSP " RLA_KSPLSQ ": rla: %s", msg);
  }
  rla_ctx_destroy(&ctx);
  ksp->its = (PetscInt)s->info.iterations;
  ksp->rnorm = s->residual_norm;
  if (s->info.converged)
    ksp->reason = KSP_CONVERGED_RTOL_NORMAL;
  else if (s->info.iterations >= ksp->max_it)
    ksp->reason = KSP_DIVERGED_ITS;
  else
    ksp->reason = KSP_DIVERGED_BREAKDOWN; /* the refinement stagnated above tol */
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPSetFromOptions_RlaLsq(KSP ksp, PetscOptionItems *PetscOptionsObject)
{
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;
  MPI_Comm comm = PetscObjectComm((PetscObject)ksp);

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "rla least-squares solver options");
  PetscCall(PetscOptionsEList("-ksp_rlalsq_method",
                              "accurate (sketch-preconditioned with refinement), solve "
                              "(sketch-and-solve), direct (ScaLAPACK PDGELS)",
                              "rla/lsq.h", method_names, 3, method_names[s->method], &s->method,
                              NULL));
  PetscCall(PetscOptionsEList("-ksp_rlalsq_sketch_type", "sketch operator", "rla/sketch.h",
                              rla_petsc_sketch_names, 3, rla_petsc_sketch_names[s->sketch_type],
                              &s->sketch_type, NULL));
  PetscCall(PetscOptionsReal("-ksp_rlalsq_oversample",
                             "sketch rows l = ceil(oversample (d + 1)); 0: the method's default "
                             "(12 accurate, 4 solve)",
                             "rla/lsq.h", s->oversample, &s->oversample, NULL));
  PetscCall(PetscOptionsBoundedInt("-ksp_rlalsq_seed", "seed of the sketch", "rla/lsq.h", s->seed,
                                   &s->seed, NULL, 0));
  PetscCall(PetscOptionsReal("-ksp_rlalsq_tol",
                             "accurate: target of the backward-error estimate (0: 2 eps); the "
                             "KSP's rtol is not used",
                             "rla/lsq.h", s->tol, &s->tol, NULL));
  PetscCall(PetscOptionsReal("-ksp_rlalsq_rank_tol",
                             "drop singular values of the sketch below rank_tol * sigma_1 "
                             "(negative: 30 sqrt(d) eps)",
                             "rla/lsq.h", s->rank_tol, &s->rank_tol, NULL));
  PetscOptionsHeadEnd();
  PetscCheck(s->oversample == 0.0 || s->oversample > 1.0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-ksp_rlalsq_oversample %g: give a value > 1, or 0 for the default",
             (double)s->oversample);
  PetscCheck(s->tol >= 0.0 && s->tol < 1.0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-ksp_rlalsq_tol %g: give a value in [0, 1) (0 for the default 2 eps)",
             (double)s->tol);
  PetscCheck(s->rank_tol < 1.0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-ksp_rlalsq_rank_tol %g: give a value below 1 (negative for the default)",
             (double)s->rank_tol);
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPView_RlaLsq(KSP ksp, PetscViewer viewer)
{
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;
  const rla_lsq_info *in = &s->info;
  PetscBool ascii;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  rla least squares: method %s, sketch %s, oversample %g%s, "
                                   "seed %" PetscInt_FMT "\n",
                                   method_names[s->method], rla_petsc_sketch_names[s->sketch_type],
                                   (double)s->oversample, s->oversample == 0.0 ? " (default)" : "",
                                   s->seed));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  backward-error target %g%s, rank_tol %g%s (rtol and the PC not used)\n",
                                   (double)(s->tol > 0.0 ? s->tol : 2.0 * RLA_EPS),
                                   s->tol > 0.0 ? "" : " (default 2 eps)", (double)s->rank_tol,
                                   s->rank_tol < 0.0 ? " (default 30 sqrt(d) eps)" : ""));
  if (!s->solved) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  last solve: %" PetscInt_FMT " x %" PetscInt_FMT
                                   ", sketch rows %" PetscInt_FMT ", rank %" PetscInt_FMT "%s\n",
                                   (PetscInt)in->m, (PetscInt)in->d, (PetscInt)in->sketch_rows,
                                   (PetscInt)in->rank, in->truncated ? " (truncated)" : ""));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  iterations %" PetscInt_FMT ", refinements %" PetscInt_FMT
                                   ", passes over A %" PetscInt_FMT ", %s\n",
                                   (PetscInt)in->iterations, (PetscInt)in->refinements,
                                   (PetscInt)in->passes,
                                   in->converged ? "converged" : "not converged"));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  ||b - A x|| %g, backward error ||A^T r||/(||A||_F ||r||) %g, "
                                   "backward-error estimate %g\n",
                                   s->residual_norm, s->backward_error,
                                   s->backward_error_estimate));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  kappa(S A D) %g, kappa preconditioned %g, time %g s "
                                   "(sketch %g, factor %g, iterate %g)\n",
                                   in->kappa_sketch, in->kappa_preconditioned, in->time_total,
                                   in->time_sketch, in->time_factor, in->time_iterate));
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPDestroy_RlaLsq(KSP ksp)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(ksp->data));
  PetscFunctionReturn(0);
}

PetscErrorCode rla_petsc_ksp_create(KSP ksp)
{
  KSP_RlaLsq *s;
  PC pc;
  PCType pctype;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->method = RLA_LSQ_ACCURATE;
  s->sketch_type = RLA_SKETCH_SRHT;
  s->seed = 1;
  s->rank_tol = -1.0;
  ksp->data = s;
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCGetType(pc, &pctype));
  if (!pctype) PetscCall(PCSetType(pc, PCNONE));
  PetscCall(KSPSetSupportedNorm(ksp, KSP_NORM_NONE, PC_LEFT, 3));
  PetscCall(KSPSetSupportedNorm(ksp, KSP_NORM_NONE, PC_RIGHT, 2));
  ksp->ops->setup = KSPSetUp_RlaLsq;
  ksp->ops->solve = KSPSolve_RlaLsq;
  ksp->ops->setfromoptions = KSPSetFromOptions_RlaLsq;
  ksp->ops->view = KSPView_RlaLsq;
  ksp->ops->destroy = KSPDestroy_RlaLsq;
  ksp->ops->buildsolution = KSPBuildSolutionDefault;
  ksp->ops->buildresidual = KSPBuildResidualDefault;
  PetscFunctionReturn(0);
}
