/* SPDX-License-Identifier: BSD-3-Clause */
/* PC type "rlasketch": the sketch preconditioner of sketch-and-precondition least squares
   (Rokhlin, Tygert, PNAS 105, 2008; Avron, Maymounkov, Toledo, "Blendenpik", SISC 32, 2010;
   Meng, Saunders, Mahoney, "LSRN", SISC 36, 2014 for the rank-deficient case).
   Setup: sketch A (m x d) to S A (l x d, l = ceil(oversample d)), equilibrate its columns
   (S A D, D the inverse column norms), factor S A D = Q R by Householder QR on rank 0 and
   broadcast R; when R is numerically rank-deficient (LAPACK's 1-norm estimate of 1/kappa(R)
   below rank_tol) or on request, take the SVD R = U diag(sigma) V^T and keep the k singular
   values above rank_tol sigma_1. For a subspace embedding of distortion eps_e, A D R^-1 has
   condition number at most (1 + eps_e) / (1 - eps_e), about 3 at oversampling 4 with a
   Gaussian sketch, so LSQR and CG on the normal equations converge by a fixed factor per step
   whatever kappa(A) is.
   Apply (to a d-vector, as KSPLSQR, KSPCGLS and CG on A^T A do): y = D R^-1 R^-T D x, or
   y = D V_k diag(sigma_k)^-2 V_k^T D x after truncation; symmetric, so it is its own transpose.
   Cost: setup is the sketch (see rla/sketch.h; one reduction of l d words to rank 0) plus
   2 l d^2 flops on rank 0 (d^3 more with the SVD) and a broadcast of d^2 words; every apply is
   2 d^2 replicated flops and one allgather of d words. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include <petsc/private/pcimpl.h>

#include "plugin_impl.h"

typedef struct {
  /* options: the sketch's (rla_sketch_options) are held by options, the rest are the PC's */
  rla_ctx ctx; /* over the PC's communicator */
  rla_sketch options;
  PetscReal oversample;
  PetscReal rank_tol; /* < 0: 30 sqrt(d) eps */
  PetscBool force_svd;
  /* set up */
  PetscInt m, d, l, block, rank;
  PetscBool from_normal, use_svd;
  PetscBool replaced_pmat;  /* the rectangular Pmat A was replaced by MatCreateNormal(A) */
  PetscObjectState a_state; /* state of A at the last setup */
  PetscReal kappa, rank_tol_used, time_sketch, time_factor;
  double *scale;  /* D (d) */
  double *factor; /* R (d x d, upper) or W = V_k diag(sigma_k)^-1 (d x k) */
  double *xfull, *tfull;
  PetscMPIInt *counts, *displs;
} PC_RlaSketch;

static PetscErrorCode PCReset_RlaSketch(PC pc)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;

  PetscFunctionBegin;
  PetscCall(PetscFree(s->scale));
  PetscCall(PetscFree(s->factor));
  PetscCall(PetscFree2(s->xfull, s->tfull));
  PetscCall(PetscFree2(s->counts, s->displs));
  s->m = s->d = s->l = s->block = s->rank = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_RlaSketch(PC pc)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCReset_RlaSketch(pc));
  rla_sketch_destroy(&s->options);
  PetscCheck(!rla_ctx_destroy(&s->ctx), PETSC_COMM_SELF, PETSC_ERR_LIB, "rla context");
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

/* Rank 0: equilibrate sa (l x d) into s->scale, factor it, and leave in s->factor either R or
   W; info[0] LAPACK status, info[1] use_svd, info[2] rank k; kappa from the factorization. */
static void factor_sketch(PC_RlaSketch *s, double *sa, PetscInt l, PetscInt d, double tol,
                          int *info, double *kappa)
{
  double *tau = s->xfull, *sigma = s->tfull, rcond = 0.0;
  lapack_int rc;

  for (PetscInt j = 0; j < d; j++) {
    double nrm = cblas_dnrm2((int)l, sa + j * l, 1);
    s->scale[j] = nrm > 0.0 ? 1.0 / nrm : 1.0;
    cblas_dscal((int)l, s->scale[j], sa + j * l, 1);
  }
  rc = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)l, (lapack_int)d, sa, (lapack_int)l, tau);
  info[0] = (int)rc;
  if (rc != 0) return;
  memset(s->factor, 0, sizeof(double) * (size_t)d * d);
  for (PetscInt j = 0; j < d; j++)
    for (PetscInt i = 0; i <= j; i++)
      s->factor[i + j * d] = sa[i + j * l];
  rc = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', (lapack_int)d, s->factor, (lapack_int)d,
                      &rcond);
  info[0] = (int)rc;
  if (rc != 0) return;
  info[1] = s->force_svd || !(rcond > tol);
  info[2] = (int)d;
  *kappa = rcond > 0.0 ? 1.0 / rcond : INFINITY;
  if (info[1]) {
    /* R = U diag(sigma) V^T: the rows of V^T overwrite sa, then W(:, i) = V(:, i) / sigma_i */
    double *vt = sa, *superb = tau;
    int k = 0;
    rc = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'A', (lapack_int)d, (lapack_int)d, s->factor,
                        (lapack_int)d, sigma, NULL, 1, vt, (lapack_int)d, superb);
    info[0] = (int)rc;
    if (rc != 0) return;
    while (k < d && sigma[k] > tol * sigma[0])
      k++;
    for (int i = 0; i < k; i++)
      for (PetscInt j = 0; j < d; j++)
        s->factor[j + i * d] = vt[i + j * d] / sigma[i];
    info[2] = k;
    *kappa = k > 0 ? sigma[0] / sigma[k - 1] : INFINITY;
  }
}

static PetscErrorCode PCSetUp_RlaSketch(PC pc)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;
  MPI_Comm comm = PetscObjectComm((PetscObject)pc);
  PetscMPIInt rank, size;
  rla_sketch S = NULL;
  double *sa, t0, tol, kappa = 0.0;
  int info[3] = {0, 0, 0};
  const PetscInt *ranges;
  Mat A;
  PetscInt m, d, l;
  PetscBool from_normal;

  PetscFunctionBegin;
  PetscCall(rla_petsc_least_squares_mat(pc->mat, pc->pmat, "PC " RLA_PCSKETCH, &A, &from_normal));
  PetscCall(PCReset_RlaSketch(pc));
  PetscCall(MatGetSize(A, &m, &d));
  PetscCall(PetscObjectStateGet((PetscObject)A, &s->a_state));
  if (!from_normal && m != d) {
    /* PCApply checks vector sizes against the Pmat: a rectangular Pmat A cannot precondition
       the d-vectors of KSPLSQR, so the PC's Pmat becomes the normal matrix of A (which keeps A
       referenced), with the state recorded so that PCSetUp does not see it as a new matrix */
    Mat N;
    PetscCall(MatCreateNormal(A, &N));
    PetscCall(MatDestroy(&pc->pmat));
    pc->pmat = N;
    PetscCall(PetscObjectStateGet((PetscObject)N, &pc->matstate));
    PetscCall(MatGetNonzeroState(N, &pc->matnonzerostate));
    s->replaced_pmat = PETSC_TRUE;
  }
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  l = (PetscInt)ceil(s->oversample * (double)d);
  if (l < d) l = d;
  tol = s->rank_tol >= 0.0 ? s->rank_tol : 30.0 * sqrt((double)d) * RLA_EPS;
  s->m = m;
  s->d = d;
  s->l = l;
  s->from_normal = from_normal;
  s->rank_tol_used = tol;

  t0 = MPI_Wtime();
  /* a sketch with the settings of the options' one, sized for A */
  RLA_PETSC_CALL(comm, s->ctx, rla_ctx_agree(s->ctx, rla_sketch_create(s->ctx, &S)));
  {
    int n;
    const rla_option_desc *desc = rla_sketch_options(&n);
    rla_err err = RLA_SUCCESS;
    for (int k = 0; k < n && !err; k++) {
      rla_option_value v;
      desc[k].get(s->options, &v);
      err = desc[k].set(S, v);
    }
    if (!err) err = rla_sketch_set_sizes(S, l, m);
    err = rla_ctx_agree(s->ctx, err);
    if (err) rla_sketch_destroy(&S);
    RLA_PETSC_CALL(comm, s->ctx, err);
  }
  RLA_PETSC_CALL(comm, s->ctx, rla_sketch_setup(S));
  s->block = (PetscInt)rla_sketch_get_block_size(S);
  sa = NULL;
  if (rank == 0) PetscCall(PetscMalloc1((size_t)l * d, &sa));
  PetscCall(rla_petsc_sketch_mat(s->ctx, S, A, l, sa));
  rla_sketch_destroy(&S);
  s->time_sketch = MPI_Wtime() - t0;

  t0 = MPI_Wtime();
  PetscCall(PetscCalloc1(d, &s->scale));
  PetscCall(PetscCalloc1((size_t)d * d, &s->factor));
  PetscCall(PetscCalloc2(d, &s->xfull, d, &s->tfull));
  if (rank == 0) factor_sketch(s, sa, l, d, tol, info, &kappa);
  PetscCall(PetscFree(sa));
  PetscCallMPI(MPI_Bcast(info, 3, MPI_INT, 0, comm));
  PetscCheck(info[0] == 0, comm, PETSC_ERR_LIB,
             "PC " RLA_PCSKETCH ": LAPACK failed (info %d) factoring the %" PetscInt_FMT
             " x %" PetscInt_FMT " sketch; is A finite?",
             info[0], l, d);
  PetscCallMPI(MPI_Bcast(&kappa, 1, MPI_DOUBLE, 0, comm));
  PetscCallMPI(MPI_Bcast(s->scale, (int)d, MPI_DOUBLE, 0, comm));
  PetscCallMPI(MPI_Bcast(s->factor, (int)(d * (info[1] ? info[2] : d)), MPI_DOUBLE, 0, comm));
  s->use_svd = info[1] ? PETSC_TRUE : PETSC_FALSE;
  s->rank = info[2];
  s->kappa = kappa;
  s->time_factor = MPI_Wtime() - t0;

  /* the column layout of d-vectors, for the allgather in the apply */
  PetscCall(MatGetOwnershipRangesColumn(A, &ranges));
  PetscCall(PetscMalloc2(size, &s->counts, size, &s->displs));
  for (PetscMPIInt r = 0; r < size; r++) {
    s->counts[r] = (PetscMPIInt)(ranges[r + 1] - ranges[r]);
    s->displs[r] = (PetscMPIInt)ranges[r];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApply_RlaSketch(PC pc, Vec x, Vec y)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;
  MPI_Comm comm = PetscObjectComm((PetscObject)pc);
  const PetscScalar *xa;
  PetscScalar *ya;
  PetscInt n, lo, hi, d = s->d;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(VecGetSize(x, &n));
  PetscCheck(n == d, comm, PETSC_ERR_ARG_SIZ,
             "PC " RLA_PCSKETCH ": the Krylov method applied it to a vector of length %" PetscInt_FMT
             ", but it preconditions the normal equations of the %" PetscInt_FMT " x %" PetscInt_FMT
             " least-squares matrix A (vectors of length %" PetscInt_FMT
             "): this KSP type treats A as a square system; use -ksp_type lsqr (or cgls), or CG "
             "with the operator MatCreateNormal(A)",
             n, s->m, d, d);
  PetscCall(VecGetOwnershipRange(x, &lo, &hi));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(hi - lo == s->counts[rank], PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "PC " RLA_PCSKETCH ": the vector's layout differs from the column layout of A");
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCallMPI(MPI_Allgatherv(xa, (PetscMPIInt)(hi - lo), MPI_DOUBLE, s->xfull, s->counts,
                              s->displs, MPI_DOUBLE, comm));
  PetscCall(VecRestoreArrayRead(x, &xa));
  for (PetscInt i = 0; i < d; i++)
    s->xfull[i] *= s->scale[i];
  if (s->use_svd) {
    /* t = W^T D x, x = W t */
    if (s->rank > 0) {
      cblas_dgemv(CblasColMajor, CblasTrans, (int)d, (int)s->rank, 1.0, s->factor, (int)d,
                  s->xfull, 1, 0.0, s->tfull, 1);
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)d, (int)s->rank, 1.0, s->factor, (int)d,
                  s->tfull, 1, 0.0, s->xfull, 1);
    } else {
      memset(s->xfull, 0, sizeof(double) * (size_t)d);
    }
  } else {
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, s->factor, (int)d,
                s->xfull, 1);
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)d, s->factor, (int)d,
                s->xfull, 1);
  }
  PetscCall(VecGetArray(y, &ya));
  for (PetscInt i = lo; i < hi; i++)
    ya[i - lo] = s->scale[i] * s->xfull[i];
  PetscCall(VecRestoreArray(y, &ya));
  PetscCall(PetscLogFlops(4.0 * (double)d * (double)(s->use_svd ? s->rank : d)));
  PetscFunctionReturn(0);
}

/* Before each KSPSolve: rebuild when the values of a replaced Pmat A changed; refuse a Krylov
   method other than LSQR on a rectangular operator: it treats it as a square system, which
   this preconditioner (of the normal equations) cannot serve. */
static PetscErrorCode PCPreSolve_RlaSketch(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;
  PetscInt m, n;
  PetscBool lsqr;
  KSPType type;

  PetscFunctionBegin;
  (void)b;
  (void)x;
  PetscCall(MatGetSize(pc->mat, &m, &n));
  if (s->replaced_pmat && pc->setupcalled) {
    /* PCSetUp watches the state of the normal matrix that replaced A, which does not change
       with A's values: rebuild here when A changed, as PCSetUp would have for Pmat A */
    Mat A;
    PetscObjectState state;
    PetscBool normal;
    PetscCall(PetscObjectTypeCompare((PetscObject)pc->pmat, MATNORMAL, &normal));
    if (normal) {
      PetscCall(MatNormalGetMat(pc->pmat, &A));
      PetscCall(PetscObjectStateGet((PetscObject)A, &state));
      if (state != s->a_state) PetscCall(PCSetUp_RlaSketch(pc));
    }
  }
  PetscCall(PetscObjectTypeCompare((PetscObject)ksp, KSPLSQR, &lsqr));
  PetscCall(KSPGetType(ksp, &type));
  PetscCheck(m == n || lsqr, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_INCOMP,
             "PC " RLA_PCSKETCH ": KSP type %s solves square systems, but the operator A is %" PetscInt_FMT
             " x %" PetscInt_FMT ": for least squares min ||A x - b|| use -ksp_type lsqr, or a "
             "square-system KSP such as cg on the normal equations (operator MatCreateNormal(A), "
             "right-hand side A^T b)",
             type ? type : "unset", m, n);
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetFromOptions_RlaSketch(PC pc, PetscOptionItems *PetscOptionsObject)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;

  PetscFunctionBegin;
  const rla_option_desc *desc;
  int n;

  desc = rla_sketch_options(&n);
  PetscOptionsHeadBegin(PetscOptionsObject, "rla sketch preconditioner options");
  PetscCall(rla_petsc_options(PetscOptionsObject, "-pc_rlasketch_", "rla/sketch.h", desc, n,
                              s->options, s->ctx));
  PetscCall(PetscOptionsReal("-pc_rlasketch_oversample",
                             "sketch rows l = ceil(oversample * d); kappa(A R^-1) is about "
                             "(1 + 1/sqrt(oversample)) / (1 - 1/sqrt(oversample))",
                             "rla/petsc.h", s->oversample, &s->oversample, NULL));
  PetscCall(PetscOptionsReal("-pc_rlasketch_rank_tol",
                             "drop singular values of the sketch below rank_tol * sigma_1 "
                             "(negative: 30 sqrt(d) eps)",
                             "rla/petsc.h", s->rank_tol, &s->rank_tol, NULL));
  PetscCall(PetscOptionsBool("-pc_rlasketch_svd",
                             "always use the SVD of the sketch (else only when rank-deficient)",
                             "rla/petsc.h", s->force_svd, &s->force_svd, NULL));
  PetscOptionsHeadEnd();
  PetscCheck(s->oversample >= 1.0, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE,
             "-pc_rlasketch_oversample %g: give a value >= 1 (2 to 4 is typical)",
             (double)s->oversample);
  PetscCheck(s->rank_tol < 1.0, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE,
             "-pc_rlasketch_rank_tol %g: give a value below 1 (negative for the default)",
             (double)s->rank_tol);
  PetscFunctionReturn(0);
}

static PetscErrorCode PCView_RlaSketch(PC pc, PetscViewer viewer)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;
  PetscBool ascii;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  int n;
  const rla_option_desc *desc = rla_sketch_options(&n);
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "  rla sketch: %s, oversample %g, seed %lld\n",
      rla_sketch_type_names[rla_petsc_option_value(desc, n, s->options, "sketch-type").i],
      (double)s->oversample, (long long)rla_petsc_option_value(desc, n, s->options, "seed").i));
  if (!pc->setupcalled || s->d == 0) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "  not set up\n"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  A: %" PetscInt_FMT " x %" PetscInt_FMT " (from %s), sketch rows %" PetscInt_FMT
                                   ", SRHT block %" PetscInt_FMT "\n",
                                   s->m, s->d, s->from_normal ? "the normal matrix Pmat" : s->replaced_pmat ? "Pmat A, replaced by MatCreateNormal(A)" : "Pmat",
                                   s->l, s->block));
  if (s->use_svd)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  factor: SVD, rank %" PetscInt_FMT " of %" PetscInt_FMT
                                     " (rank_tol %g), kappa(S A D) restricted %g\n",
                                     s->rank, s->d, (double)s->rank_tol_used, (double)s->kappa));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  factor: QR, kappa(S A D) 1-norm estimate %g (rank_tol %g)\n",
                                     (double)s->kappa, (double)s->rank_tol_used));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  setup time: sketch %g s, factor %g s\n",
                                   (double)s->time_sketch, (double)s->time_factor));
  PetscFunctionReturn(0);
}

PetscErrorCode rla_petsc_pc_create(PC pc)
{
  PC_RlaSketch *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->oversample = 4.0;
  s->rank_tol = -1.0;
  s->force_svd = PETSC_FALSE;
  pc->data = s;
  PetscCheck(!rla_ctx_create(PetscObjectComm((PetscObject)pc), &s->ctx),
             PetscObjectComm((PetscObject)pc), PETSC_ERR_LIB,
             "PC " RLA_PCSKETCH ": cannot create an rla context");
  rla_ctx_set_verbosity(s->ctx, 0);
  RLA_PETSC_CALL(PetscObjectComm((PetscObject)pc), s->ctx,
                 rla_ctx_agree(s->ctx, rla_sketch_create(s->ctx, &s->options)));
  pc->ops->setup = PCSetUp_RlaSketch;
  pc->ops->apply = PCApply_RlaSketch;
  pc->ops->applytranspose = PCApply_RlaSketch;
  pc->ops->setfromoptions = PCSetFromOptions_RlaSketch;
  pc->ops->presolve = PCPreSolve_RlaSketch;
  pc->ops->view = PCView_RlaSketch;
  pc->ops->reset = PCReset_RlaSketch;
  pc->ops->destroy = PCDestroy_RlaSketch;
  PetscFunctionReturn(0);
}
