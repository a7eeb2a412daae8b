/* SPDX-License-Identifier: BSD-3-Clause */
/* KSP type "rlalsq": min ||A x - b||_2 for the operator A (m x d, m >= d) by rla's least-squares
   solver, by default its accurate method (sketch-preconditioned CG with iterative refinement,
   SPIR, Epperly, Meier, Nakatsukasa, arXiv 2406.03468; see src/lsq/refine.c), which stops on a
   backward-error estimate rather than on the KSP's rtol.
   The accurate and solve methods see A through an rla operator over the Mat itself (op_mat.c):
   products by MatMult / MatMultTranspose on PETSc's own row ownership, so any Mat type works
   (MATSHELL included) and nothing of A is copied; b is read in place. Memory besides A: the
   solver's arrays (the l x (d + 1) sketch, O(d^2) for the factor, O(d) vectors) and, for AIJ,
   the O(nnz / P) CSR copy that lives during the sketch alone. Cost: one sketch of [A b] (AIJ:
   O(nnz / P) with the sparse sign or Gaussian sketch; dense: the sketch on the local array;
   other types: d MatMults), 2 l d^2 flops for the factorization, then per iteration one
   MatMult and one MatMultTranspose plus one d-word allreduce (typically 20 to 40 iterations);
   the solution (d words) is replicated and each rank keeps its part. The direct method
   (PDGELS) needs A's entries: its rows are copied into rla's row blocks (MatCreateSubMatrices
   and a VecScatter), m d / P dense words per rank.
   Each backward-error estimate goes to KSPMonitor (iteration k: 0 at the sketch-and-solve
   start, then one per pass A^T (A v) of the refinement) and KSPLogResidualHistory; the events
   RLASketch, RLAFactor and RLAIterate time the phases. */
#include <string.h>

#include <petsc/private/kspimpl.h>

#include "plugin_impl.h"

typedef struct {
  rla_ctx ctx; /* over the KSP's communicator */
  rla_lsq L;   /* the solver: its options are the KSP's (rla_lsq_options) */
  PetscErrorCode monitor_err; /* the first failure of the KSP's monitors in a solve */
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

/* the current value of the solver's option name */
static rla_option_value value_of(KSP_RlaLsq *s, const char *name)
{
  int n;
  const rla_option_desc *desc = rla_lsq_options(&n);
  return rla_petsc_option_value(desc, n, s->L, name);
}

/* The solver's monitor: each backward-error estimate into the residual history and to the KSP's
   monitors as iteration k; the first PETSc error is kept for after the solve. */
static void monitor_estimate(void *ctx, int64_t k, double estimate)
{
  KSP ksp = (KSP)ctx;
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;

  if (s->monitor_err) return;
  ksp->its = (PetscInt)k;
  ksp->rnorm = estimate;
  s->monitor_err = KSPLogResidualHistory(ksp, estimate);
  if (!s->monitor_err) s->monitor_err = KSPMonitor(ksp, (PetscInt)k, estimate);
}

/* Sketching methods: A as an rla operator over the Mat (no copy), b's local array in place (its
   rows are A's), x (d) replicated. An AIJ A takes the sparse sign sketch (O(nnz)) unless
   -ksp_rlalsq_sketch was given: the operator says it is sparse (rla_petsc_op_create). Collective. */
static PetscErrorCode solve_operator(KSP ksp, Mat A, double *x, rla_lsq_info *info, rla_err *err)
{
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;
  const PetscScalar *b;
  double none = 0.0;
  PetscInt m, d, lm;
  rla_op op = NULL;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &m, &d));
  PetscCall(MatGetLocalSize(A, &lm, NULL));
  PetscCall(rla_petsc_op_create(s->ctx, A, PETSC_TRUE, &op));
  PetscCall(VecGetArrayRead(ksp->vec_rhs, &b));
  s->monitor_err = 0;
  *err = rla_lsq_set_operator(s->L, op);
  if (!*err) *err = rla_lsq_set_monitor(s->L, monitor_estimate, ksp);
  if (!*err) *err = rla_lsq_setup(s->L);
  if (!*err) *err = rla_lsq_solve_operator(s->L, 1, b ? b : &none, lm > 1 ? lm : 1, x, d, info);
  PetscCall(VecRestoreArrayRead(ksp->vec_rhs, &b));
  PetscCall(rla_petsc_op_end_phases(op));
  rla_op_destroy(&op);
  PetscCall(s->monitor_err);
  PetscFunctionReturn(0);
}

/* The direct method (PDGELS needs A's entries): A's rows copied into rla's row blocks, a dense
   m d / P per rank. Collective. */
static PetscErrorCode solve_dense_copy(KSP ksp, Mat A, double *x, rla_lsq_info *info, rla_err *err)
{
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;
  rla_dmat Ad = NULL, B = NULL;
  double *a, *b;
  int64_t lm, lld, ldb;
  PetscInt m, d;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &m, &d));
  *err = rla_lsq_setup(s->L);
  if (!*err) *err = rla_dmat_create_rowblock(s->ctx, m, d, 0, &Ad);
  if (!*err) *err = rla_dmat_create_rowblock(s->ctx, m, 1, 0, &B);
  if (!*err) {
    rla_dmat_local(Ad, &a, &lm, NULL, &lld);
    rla_dmat_local(B, &b, NULL, NULL, &ldb);
    PetscCall(rla_petsc_copy_rows(A, ksp->vec_rhs, (PetscInt)rla_dmat_row_offset(Ad), (PetscInt)lm,
                                  a, (PetscInt)lld, b));
    *err = rla_lsq_solve(s->L, Ad, B, x, d, info);
  }
  rla_dmat_destroy(&B);
  rla_dmat_destroy(&Ad);
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPSolve_RlaLsq(KSP ksp)
{
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;
  MPI_Comm comm = PetscObjectComm((PetscObject)ksp);
  rla_lsq_info info;
  rla_lsq_method method = (rla_lsq_method)value_of(s, "method").i;
  double *x;
  Mat Amat;
  PetscInt m, d, lo, hi;
  PetscScalar *xa;
  rla_err err = RLA_SUCCESS;

  PetscFunctionBegin;
  PetscCall(KSPGetOperators(ksp, &Amat, NULL));
  PetscCall(MatGetSize(Amat, &m, &d));
  PetscCall(PetscMalloc1(d, &x));
  ksp->its = 0;
  if (method == RLA_LSQ_DIRECT)
    PetscCall(solve_dense_copy(ksp, Amat, x, &info, &err));
  else
    PetscCall(solve_operator(ksp, Amat, x, &info, &err));
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
  PetscCheck(!err, comm, PETSC_ERR_LIB, "KSP " RLA_KSPLSQ ": rla: %s",
             rla_ctx_error_message(s->ctx));
  /* iterations: the passes A^T (A v) after the start, one per estimate of the history (CG steps
     and the refinement's residual evaluations); none for the one-shot methods */
  ksp->its = s->info.nhistory > 0 ? (PetscInt)s->info.nhistory - 1 : 0;
  ksp->rnorm = s->residual_norm;
  if (method != RLA_LSQ_ACCURATE)
    ksp->reason = KSP_CONVERGED_ITS; /* sketch-and-solve and PDGELS: a fixed amount of work */
  else if (s->info.converged)
    ksp->reason = KSP_CONVERGED_RTOL_NORMAL;
  else if (s->info.iterations >= value_of(s, "max-iterations").i)
    ksp->reason = KSP_DIVERGED_ITS;
  else
    ksp->reason = KSP_DIVERGED_BREAKDOWN; /* the refinement stagnated above tol */
  PetscFunctionReturn(0);
}

static PetscErrorCode KSPSetFromOptions_RlaLsq(KSP ksp, PetscOptionItems *PetscOptionsObject)
{
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;
  const rla_option_desc *desc;
  int n;

  PetscFunctionBegin;
  desc = rla_lsq_options(&n);
  PetscOptionsHeadBegin(PetscOptionsObject, "rla least-squares solver options (rla-lsq's)");
  PetscCall(rla_petsc_options(PetscOptionsObject, "-ksp_rlalsq_", "rla/lsq.h", desc, n, s->L,
                              s->ctx));
  PetscOptionsHeadEnd();
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
  double oversample = value_of(s, "oversample").r, rank_tol = value_of(s, "rank-tol").r;
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "  rla least squares: method %s, sketch %s, oversample %g%s, seed %lld\n",
      rla_lsq_method_names[value_of(s, "method").i],
      value_of(s, "sketch").i < 0 ? "from A (sparse for AIJ, else srht)"
                                  : rla_sketch_type_names[value_of(s, "sketch").i],
      oversample, oversample == 0.0 ? " (the method's default)" : "",
      (long long)value_of(s, "seed").i));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  backward-error target %g, max iterations %lld, rank_tol %g%s "
                                   "(rtol, max_it and the PC not used)\n",
                                   value_of(s, "tol").r, (long long)value_of(s, "max-iterations").i,
                                   rank_tol, rank_tol < 0.0 ? " (default 30 sqrt(d) eps)" : ""));
  if (!s->solved) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(
      viewer,
      "  last solve: %" PetscInt_FMT " x %" PetscInt_FMT ", sketch %s%s, sketch rows %" PetscInt_FMT
      ", rank %" PetscInt_FMT "%s\n",
      (PetscInt)in->m, (PetscInt)in->d,
      in->method == RLA_LSQ_DIRECT ? "none" : rla_sketch_type_names[in->sketch_type],
      in->method != RLA_LSQ_DIRECT && value_of(s, "sketch").i < 0 ? " (A's default)" : "",
      (PetscInt)in->sketch_rows, (PetscInt)in->rank, in->truncated ? " (truncated)" : ""));
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
  KSP_RlaLsq *s = (KSP_RlaLsq *)ksp->data;

  PetscFunctionBegin;
  rla_lsq_destroy(&s->L);
  PetscCheck(!rla_ctx_destroy(&s->ctx), PETSC_COMM_SELF, PETSC_ERR_LIB, "rla context");
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
  ksp->data = s;
  PetscCheck(!rla_ctx_create(PetscObjectComm((PetscObject)ksp), &s->ctx),
             PetscObjectComm((PetscObject)ksp), PETSC_ERR_LIB,
             "KSP " RLA_KSPLSQ ": cannot create an rla context");
  rla_ctx_set_verbosity(s->ctx, 0);
  RLA_PETSC_CALL(PetscObjectComm((PetscObject)ksp), s->ctx,
                 rla_ctx_agree(s->ctx, rla_lsq_create(s->ctx, &s->L)));
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
