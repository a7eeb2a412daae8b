/* SPDX-License-Identifier: BSD-3-Clause */
/* The sketch preconditioner of sketch-and-precondition least squares (Rokhlin, Tygert, PNAS
   105, 2008; Avron, Maymounkov, Toledo, "Blendenpik", SISC 32, 2010; Meng, Saunders, Mahoney,
   "LSRN", SISC 36, 2014 for the rank-deficient case), one object for the accurate method and
   the PETSc PC: the sketch S A (l x d) of the operator, its Householder QR S A = Q R11, the
   column equilibration D = diag(1 / ||S a_j||) read off R11 (Householder QR is backward stable
   column by column, so R = R11 D is as good an R factor of S A D as a QR of S A D itself), and,
   when LAPACK's 1-norm condition estimate says R may be numerically singular (or on request),
   the SVD R = U diag(sigma) V^T truncated at rank_tol sigma_1. P = R^-1 or V_k diag(sigma_k)^-1;
   A D P has condition number about (1 + eps_e) / (1 - eps_e) for an embedding of distortion
   eps_e. Applying D P or P^T D costs d^2 replicated flops (2 d k with the SVD).
   Cost of the setup: the sketch (see the operator), a reduce-scatter of l d words, TSQR
   (2 (l / Pq) d^2 flops per rank, log2 Pq tree levels of d^2 words), O(d^3) replicated for the
   SVD when made. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/alloc.h"
#include "lsq_impl.h"

rla_err lsq_factor_plan(rla_ctx ctx, lsq_factor *F, int64_t d, int64_t nrhs)
{
  int64_t nw = d > nrhs ? d : nrhs;
  if (F->cap_d < d) {
    double **dd[] = {&F->r, &F->v, &F->u, &F->nullspace};
    double **dv[] = {&F->scale, &F->sigma, &F->tau};
    F->cap_d = 0;
    for (size_t i = 0; i < sizeof(dd) / sizeof(dd[0]); i++) {
      rla_free(dd[i]);
      RLA_CALL(ctx, rla_calloc(ctx, (size_t)(d * d), sizeof(double), dd[i]));
    }
    for (size_t i = 0; i < sizeof(dv) / sizeof(dv[0]); i++) {
      rla_free(dv[i]);
      RLA_CALL(ctx, rla_calloc(ctx, (size_t)d, sizeof(double), dv[i]));
    }
    F->cap_d = d;
  }
  if (F->cap_work < nw) {
    rla_free(&F->work);
    F->cap_work = 0;
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)nw, sizeof(double), &F->work));
    F->cap_work = nw;
  }
  return RLA_SUCCESS;
}

void lsq_factor_free(lsq_factor *F)
{
  double **arrays[] = {&F->scale, &F->r,         &F->sigma, &F->v,
                       &F->u,     &F->nullspace, &F->tau,   &F->work};
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
    rla_free(arrays[i]);
  F->cap_d = F->cap_work = 0;
}

void lsq_factor_reset(lsq_factor *F, int64_t d, int64_t l)
{
  F->d = d;
  F->l = l;
  F->k = 0;
  F->use_svd = F->cholesky = 0;
  F->sketch_max = F->sketch_bound = F->kappa = 0.0;
  memset(F->r, 0, sizeof(double) * (size_t)(d * d));
}

double lsq_rank_tol(double rank_tol, int64_t d)
{
  return rank_tol >= 0 ? rank_tol : 30.0 * sqrt((double)d) * RLA_EPS;
}

void lsq_precond_apply(const lsq_factor *F, const double *y, double *x)
{
  if (F->use_svd) {
    for (int64_t i = 0; i < F->k; i++)
      F->work[i] = y[i] / F->sigma[i];
    if (F->k == 0) {
      memset(x, 0, sizeof(double) * (size_t)F->d);
      return;
    }
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)F->d, (int)F->k, 1.0, F->v, (int)F->d, F->work, 1,
                0.0, x, 1);
  } else {
    memcpy(x, y, sizeof(double) * (size_t)F->d);
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)F->d, F->r, (int)F->d,
                x, 1);
  }
}

void lsq_precond_apply_transpose(const lsq_factor *F, const double *g, double *y)
{
  if (F->use_svd) {
    if (F->k == 0) return;
    cblas_dgemv(CblasColMajor, CblasTrans, (int)F->d, (int)F->k, 1.0, F->v, (int)F->d, g, 1, 0.0, y,
                1);
    for (int64_t i = 0; i < F->k; i++)
      y[i] /= F->sigma[i];
  } else {
    memcpy(y, g, sizeof(double) * (size_t)F->d);
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)F->d, F->r, (int)F->d, y,
                1);
  }
}

void lsq_project_nullspace(const lsq_factor *F, int64_t nrhs, double *x, int64_t ldx)
{
  int64_t nn = F->d - F->k;
  if (!F->use_svd || nn == 0) return;
  for (int64_t j = 0; j < nrhs; j++) {
    /* x -= N (N^T x) */
    cblas_dgemv(CblasColMajor, CblasTrans, (int)F->d, (int)nn, 1.0, F->nullspace, (int)F->d,
                x + j * ldx, 1, 0.0, F->work, 1);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)F->d, (int)nn, -1.0, F->nullspace, (int)F->d,
                F->work, 1, 1.0, x + j * ldx, 1);
  }
}

/* SVD of R (U into F->u), rank decision and the orthonormal null-space basis of A in original
   coordinates. Local. */
static rla_err factor_svd(rla_ctx ctx, lsq_factor *F, double rank_tol)
{
  int64_t d = F->d, nn;
  lapack_int info;

  /* the SVD overwrites its input: a copy of R in F->nullspace (filled only afterwards), V^T
     into F->v, transposed there */
  memcpy(F->nullspace, F->r, sizeof(double) * (size_t)(d * d));
  info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)d, (lapack_int)d, F->nullspace,
                        (lapack_int)d, F->sigma, F->u, (lapack_int)d, F->v, (lapack_int)d);
  RLA_CHECK(ctx, info == 0, RLA_ERR_LIB,
            "the SVD of the %lld x %lld sketched R factor failed (LAPACK dgesdd info %d)",
            (long long)d, (long long)d, (int)info);
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = i + 1; j < d; j++) {
      double t = F->v[i + j * d];
      F->v[i + j * d] = F->v[j + i * d];
      F->v[j + i * d] = t;
    }
  F->use_svd = 1;
  F->k = 0;
  while (F->k < d && F->sigma[F->k] > rank_tol * F->sigma[0])
    F->k++;
  F->kappa = F->k > 0 ? F->sigma[0] / F->sigma[F->k - 1] : NAN;
  nn = d - F->k;
  if (nn == 0) return RLA_SUCCESS;
  /* N = orth(D V(:, k:d)): the null space of A = (A D) D^-1 is D null(A D) */
  for (int64_t j = 0; j < nn; j++)
    for (int64_t i = 0; i < d; i++)
      F->nullspace[i + j * d] = F->scale[i] * F->v[i + (F->k + j) * d];
  info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)d, (lapack_int)nn, F->nullspace,
                        (lapack_int)d, F->tau);
  if (info == 0)
    info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)d, (lapack_int)nn, (lapack_int)nn,
                          F->nullspace, (lapack_int)d, F->tau);
  RLA_CHECK(ctx, info == 0, RLA_ERR_LIB,
            "the QR of the %lld-dimensional null-space basis failed (LAPACK info %d)",
            (long long)nn, (int)info);
  return RLA_SUCCESS;
}

rla_err lsq_factor_decide(rla_ctx ctx, lsq_factor *F, double rank_tol, int want_svd,
                          double rcond_known)
{
  int64_t d = F->d;
  if (!want_svd) {
    double rcond = rcond_known;
    int zero_diag = 0;
    lapack_int info;
    for (int64_t i = 0; i < d && rcond_known == 0.0; i++)
      zero_diag |= F->r[i + i * d] == 0.0;
    if (rcond_known == 0.0 && !zero_diag) {
      info = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', (lapack_int)d, F->r, (lapack_int)d,
                            &rcond);
      RLA_CHECK(ctx, info == 0, RLA_ERR_LIB,
                "the condition estimate of the sketched R factor failed (LAPACK info %d)",
                (int)info);
    }
    /* kappa_2 <= d kappa_1: a 1-norm estimate above 1 / (d rank_tol) may hide a 2-norm
       condition above 1 / rank_tol, so the SVD decides */
    want_svd = rcond < (double)d * rank_tol;
    F->kappa = rcond > 0.0 ? 1.0 / rcond : INFINITY;
  }
  if (want_svd) return factor_svd(ctx, F, rank_tol);
  F->k = d;
  return RLA_SUCCESS;
}

/* ---- the public object ---- */

#define CHECK_PRECOND(P)                                                                           \
  do {                                                                                             \
    if (!(P))                                                                                      \
      return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__,                        \
                           "NULL preconditioner");                                                 \
  } while (0)

rla_err rla_lsq_precond_create(rla_ctx ctx, rla_lsq_precond *P)
{
  struct rla_lsq_precond_s *p = NULL;
  RLA_CHECK(ctx, P != NULL, RLA_ERR_ARG, "rla_lsq_precond_create: the output pointer is NULL");
  *P = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(*p), &p));
  p->ctx = ctx;
  p->rank_tol = -1.0;
  *P = p;
  return RLA_SUCCESS;
}

rla_err rla_lsq_precond_destroy(rla_lsq_precond *P)
{
  if (!P || !*P) return RLA_SUCCESS;
  lsq_factor_free(&(*P)->f);
  rla_free(&(*P)->sketch_work);
  rla_free(&(*P)->rf);
  rla_free(P);
  return RLA_SUCCESS;
}

rla_err rla_lsq_precond_set_rank_tol(rla_lsq_precond P, double rank_tol, int force_svd)
{
  CHECK_PRECOND(P);
  RLA_CHECK(P->ctx, !isnan(rank_tol) && rank_tol < 1.0, RLA_ERR_ARG,
            "rank tolerance %g: it must be below 1 (negative for the default 30 sqrt(d) eps)",
            rank_tol);
  P->rank_tol = rank_tol < 0.0 ? -1.0 : rank_tol;
  P->force_svd = force_svd != 0;
  P->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err lsq_reserve(rla_ctx ctx, double **a, int64_t *cap, int64_t n)
{
  if (*cap >= n) return RLA_SUCCESS;
  rla_free(a);
  *cap = 0;
  RLA_CALL(ctx, rla_calloc_matrix(ctx, (size_t)n, sizeof(double), a));
  *cap = n;
  return RLA_SUCCESS;
}

rla_err rla_lsq_precond_setup(rla_lsq_precond P, rla_op A, rla_sketch S)
{
  rla_ctx ctx;
  int64_t l, m, d, sm;
  lsq_cost cost = {0, 0, 0};
  lsq_factor *F;
  rla_err err;
  CHECK_PRECOND(P);
  ctx = P->ctx;
  RLA_CHECK(ctx, A && S, RLA_ERR_ARG, "rla_lsq_precond_setup: A and S must not be NULL");
  rla_op_sizes(A, &m, &d);
  rla_sketch_get_sizes(S, &l, &sm);
  RLA_CHECK(ctx, sm == m && l >= d && m >= d, RLA_ERR_SHAPE,
            "rla_lsq_precond_setup: the sketch is %lld x %lld and A %lld x %lld: it needs "
            "m >= d columns and a sketch of l >= d rows by m columns",
            (long long)l, (long long)sm, (long long)m, (long long)d);
  P->is_setup = 0;
  F = &P->f;
  err = lsq_factor_plan(ctx, F, d, 1);
  if (!err) err = lsq_reserve(ctx, &P->sketch_work, &P->sketch_cap, l * d);
  if (!err) err = lsq_reserve(ctx, &P->rf, &P->rf_cap, d * d);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_CALL(ctx, rla_op_setup(A, 1));
  lsq_factor_reset(F, d, l);
  RLA_CALL(ctx, lsq_sketch_phase(ctx, A, S, 0, NULL, 0, P->sketch_work, F, &cost, NULL));
  RLA_CHECK(ctx, F->sketch_max <= F->sketch_bound, RLA_ERR_VALUE,
            "the sketch of A holds a NaN or Inf, or an entry above %.3g: A must be finite and "
            "scaled down",
            F->sketch_bound);
  RLA_CALL(ctx, lsq_sketch_qr(ctx, P->sketch_work, l, d, 0, P->rf, F, &cost, NULL));
  RLA_CALL(ctx, rla_ctx_agree(ctx, lsq_factor_decide(ctx, F, lsq_rank_tol(P->rank_tol, d),
                                                     P->force_svd, 0.0)));
  P->is_setup = 1;
  return RLA_SUCCESS;
}

/* Rank 0: the Householder QR of the l x d sketch sa (leading dimension lds, overwritten) and
   the equilibrated R = R11 D into F->r and F->scale; status: LAPACK's info. */
static void factor_on_root(lsq_factor *F, double *sa, int64_t l, int64_t d, int64_t lds,
                           double *status)
{
  lapack_int rc =
      LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)l, (lapack_int)d, sa, (lapack_int)lds, F->tau);
  *status = (double)rc;
  if (rc != 0) return;
  for (int64_t j = 0; j < d; j++) {
    double nrm = cblas_dnrm2((int)(j + 1), sa + j * lds, 1);
    F->scale[j] = nrm > 0.0 ? 1.0 / nrm : 1.0;
    for (int64_t i = 0; i <= j; i++)
      F->r[i + j * d] = sa[i + j * lds] * F->scale[j];
  }
}

rla_err rla_lsq_precond_setup_sketch(rla_lsq_precond P, int64_t l, int64_t d, double *sa,
                                     int64_t lds)
{
  rla_ctx ctx;
  lsq_factor *F;
  double status = 0.0;
  rla_err err;
  CHECK_PRECOND(P);
  ctx = P->ctx;
  RLA_CHECK(ctx, d >= 1 && l >= d && lds >= l && (sa || rla_ctx_rank(ctx) != 0), RLA_ERR_ARG,
            "rla_lsq_precond_setup_sketch: a %lld x %lld sketch (leading dimension %lld) needs "
            "d >= 1, l >= d, lds >= l and the array on rank 0",
            (long long)l, (long long)d, (long long)lds);
  P->is_setup = 0;
  F = &P->f;
  err = rla_ctx_agree(ctx, lsq_factor_plan(ctx, F, d, 1));
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  lsq_factor_reset(F, d, l);
  if (rla_ctx_rank(ctx) == 0) factor_on_root(F, sa, l, d, lds, &status);
  RLA_MPI(ctx, MPI_Bcast(&status, 1, MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
  RLA_CHECK(ctx, status == 0.0, RLA_ERR_LIB,
            "the QR of the %lld x %lld sketch failed (LAPACK info %d): is A finite?", (long long)l,
            (long long)d, (int)status);
  RLA_MPI(ctx, MPI_Bcast(F->scale, (int)d, MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
  RLA_MPI(ctx, MPI_Bcast(F->r, (int)(d * d), MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
  RLA_CALL(ctx, rla_ctx_agree(ctx, lsq_factor_decide(ctx, F, lsq_rank_tol(P->rank_tol, d),
                                                     P->force_svd, 0.0)));
  P->is_setup = 1;
  return RLA_SUCCESS;
}

rla_err rla_lsq_precond_apply(rla_lsq_precond P, const double *y, double *x)
{
  CHECK_PRECOND(P);
  RLA_CHECK(P->ctx, P->is_setup && x && y, RLA_ERR_ARG,
            "rla_lsq_precond_apply: NULL vector, or the preconditioner is not set up");
  lsq_precond_apply(&P->f, y, x);
  for (int64_t i = 0; i < P->f.d; i++)
    x[i] *= P->f.scale[i];
  return RLA_SUCCESS;
}

rla_err rla_lsq_precond_apply_transpose(rla_lsq_precond P, const double *g, double *y)
{
  const lsq_factor *F;
  CHECK_PRECOND(P);
  RLA_CHECK(P->ctx, P->is_setup && g && y, RLA_ERR_ARG,
            "rla_lsq_precond_apply_transpose: NULL vector, or the preconditioner is not set up");
  F = &P->f;
  /* D g in the scratch the SVD path of lsq_precond_apply also uses (not at the same time) */
  for (int64_t i = 0; i < F->d; i++)
    F->tau[i] = F->scale[i] * g[i];
  lsq_precond_apply_transpose(F, F->tau, y);
  return RLA_SUCCESS;
}

rla_err rla_lsq_precond_project_nullspace(rla_lsq_precond P, int64_t nrhs, double *x, int64_t ldx)
{
  CHECK_PRECOND(P);
  RLA_CHECK(P->ctx, P->is_setup && x && ldx >= P->f.d && nrhs >= 0, RLA_ERR_ARG,
            "rla_lsq_precond_project_nullspace: NULL x, ldx < d, nrhs < 0, or not set up");
  lsq_project_nullspace(&P->f, nrhs, x, ldx);
  return RLA_SUCCESS;
}

rla_err rla_lsq_precond_get_info(rla_lsq_precond P, int64_t *d, int64_t *rank, int *svd,
                                 double *kappa)
{
  CHECK_PRECOND(P);
  RLA_CHECK(P->ctx, P->is_setup, RLA_ERR_ARG, "rla_lsq_precond_get_info: not set up");
  if (d) *d = P->f.d;
  if (rank) *rank = P->f.k;
  if (svd) *svd = P->f.use_svd;
  if (kappa) *kappa = P->f.kappa;
  return RLA_SUCCESS;
}
