/* SPDX-License-Identifier: BSD-3-Clause */
/* Accuracy metrics of a truncated SVD A ~ U diag(sigma) V^T with E = A - U diag(sigma) V^T never
   formed in full: the 2-norm of E by matrix-free power iteration, the Frobenius norm of E, the
   per-triplet residuals, orthogonality loss and the relative error of the singular values
   against known ones.
   Method. Every metric of an operator (rla_op: dense, sparse or matrix-free) reaches A only
   through products. ||E||_F^2 = ||A||_F^2 - 2 tr(S U^T A V) + tr(S (U^T U) S (V^T V)), S =
   diag(sigma): one product A V (k columns) and k x k Gram matrices; the sum cancels down to
   ||E||_F^2 from terms of size ||A||_F^2, so it resolves ||E||_F only above the energy
   identity's floor (src/svd/svd.c, rla_svd_tol_min). The 2-norm: power steps on E^T E, each
   x -> A^T (A x) minus the rank-k terms (Kuczynski, Wozniakowski, SIMAX 13(4), 1992, for its
   convergence from a random start). The metrics of a matrix (rla_dmat) run the same code on the
   dense operator of A, except its Frobenius residual, which forms E a panel of rows at a time
   (exact to rounding, no cancellation floor).
   Layout: U in the operator's row split (for a matrix: redistributed to the row blocks of A when
   they differ, and a cyclic A copied once to row blocks); V (n x k) gathered on every rank
   (n k words).
   Cost per rank (nnz: the operator's nonzeros or m n for a dense one): Frobenius residual of an
   operator 2 nnz k / P + 2 (m/P + n) k^2 flops, reductions of k^2 + k and 2 words; of a matrix
   2 m n k / P; each power step 4 nnz / P + 4 (m/P + n) k flops, one sum of n words and one
   scalar; triplet residuals 2 nnz k / P (4 nnz k / P with the transposed ones) and sums of k
   (and n k) words. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "rla/rng.h"
#include "svd_impl.h"

rla_err rla_svd_norm_fro_sq(rla_op op, double *colsq, double *sq)
{
  rla_ctx ctx = op->ctx;
  rla_svd_ksum sum = {0.0, 0.0};
  double s[2];
  rla_err err;
  memset(colsq, 0, sizeof(double) * (size_t)op->n);
  err = rla_op_column_sumsq_local(op, colsq);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  for (int64_t j = 0; j < op->n; j++)
    rla_svd_ksum_add(&sum, colsq[j]);
  s[0] = sum.sum;
  s[1] = sum.comp;
  RLA_CALL(ctx, rla_reduce_sum_replicated(ctx, s, 2));
  *sq = s[0] + s[1];
  return RLA_SUCCESS;
}

/* The operands of a metric of an operator: U's local rows in the operator's split. */
struct triplets {
  rla_ctx ctx;
  rla_op op;
  int64_t m, n, k, lm, ly; /* ly = max(lm, 1): the leading dimension of local blocks */
  const double *u, *sigma;
  int64_t ldu;
  double *v; /* n x k, replicated */
};

static void triplets_free(struct triplets *t) { rla_free(&t->v); }

/* The checks of an operator metric on one rank. */
static rla_err triplets_args(rla_op A, int64_t k, const double *sigma, const double *u, int64_t ldu,
                             rla_dmat V)
{
  rla_ctx ctx = rla_op_ctx(A);
  int64_t m, n, lm, vn, vk;
  RLA_CHECK(ctx, V != NULL, RLA_ERR_ARG, "NULL V given to an SVD metric");
  rla_op_sizes(A, &m, &n);
  rla_op_local_rows(A, NULL, &lm);
  rla_dmat_sizes(V, &vn, &vk);
  RLA_CHECK(ctx, rla_dmat_ctx(V) == ctx, RLA_ERR_ARG,
            "V belongs to another context than the operator given to an SVD metric");
  RLA_CHECK(ctx, rla_dmat_get_layout(V) == RLA_DMAT_ROWBLOCK, RLA_ERR_ARG,
            "the SVD metrics need a row-block V");
  RLA_CHECK(ctx, k >= 0 && vn == n && vk >= k, RLA_ERR_SHAPE,
            "the operator is %lld x %lld but V is %lld x %lld for k = %lld", (long long)m,
            (long long)n, (long long)vn, (long long)vk, (long long)k);
  RLA_CHECK(ctx, (u != NULL || lm == 0 || k == 0) && ldu >= (lm > 1 ? lm : 1), RLA_ERR_ARG,
            "U's local rows: NULL, or a leading dimension %lld below the %lld rows of this rank",
            (long long)ldu, (long long)lm);
  RLA_CHECK(ctx, sigma != NULL || k == 0, RLA_ERR_ARG, "NULL singular values");
  return RLA_SUCCESS;
}

/* The checks (agreed) and the gathered V. Collective. */
static rla_err triplets_make(rla_op A, int64_t k, const double *sigma, const double *u, int64_t ldu,
                             rla_dmat V, struct triplets *t)
{
  rla_ctx ctx;
  int64_t nv;
  rla_err err;

  memset(t, 0, sizeof(*t));
  if (!A)
    return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                         "NULL operator given to an SVD metric");
  ctx = rla_op_ctx(A);
  err = rla_ctx_agree(ctx, triplets_args(A, k, sigma, u, ldu, V));
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  t->ctx = ctx;
  t->op = A;
  t->k = k;
  t->u = u;
  t->sigma = sigma;
  t->ldu = ldu;
  rla_op_sizes(A, &t->m, &t->n);
  rla_op_local_rows(A, NULL, &t->lm);
  t->ly = t->lm > 1 ? t->lm : 1;
  rla_dmat_sizes(V, NULL, &nv);
  err = rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)(t->n * nv), sizeof(double), &t->v));
  RLA_CALL_GOTO(ctx, err, fail, err);
  RLA_CALL_GOTO(ctx, err, fail, rla_dmat_gather(V, -1, t->v));
  return RLA_SUCCESS;
fail:
  triplets_free(t);
  return err;
}

rla_err rla_svd_residual_norm_fro_operator(rla_op A, int64_t k, const double *sigma,
                                           const double *u, int64_t ldu, rla_dmat V, double *nrm,
                                           double *fro_floor)
{
  struct triplets t;
  rla_svd_ksum sum = {0.0, 0.0};
  double *colsq = NULL, *av = NULL, *g = NULL, *h = NULL, a2, r2;
  rla_err err;

  RLA_CALL(rla_op_ctx(A), triplets_make(A, k, sigma, u, ldu, V, &t));
  err = rla_calloc(t.ctx, (size_t)t.n, sizeof(double), &colsq);
  if (!err) err = rla_calloc(t.ctx, (size_t)(t.ly * k), sizeof(double), &av);
  if (!err) err = rla_calloc(t.ctx, (size_t)(k * k + k), sizeof(double), &g);
  if (!err) err = rla_calloc(t.ctx, (size_t)(k * k), sizeof(double), &h);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  /* the workspace of a matrix-free operator's column norms */
  RLA_CALL_GOTO(t.ctx, err, done, rla_op_setup(A, 1));
  RLA_CALL_GOTO(t.ctx, err, done, rla_svd_norm_fro_sq(A, colsq, &a2));
  err = rla_op_mult(A, k, t.v, t.n, av, t.ly);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  /* g: U^T U (upper triangle) and, after it, the diagonal of U^T (A V); summed over the ranks */
  if (t.lm > 0 && k > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)k, (int)t.lm, 1.0, u, (int)ldu, 0.0, g,
                (int)k);
  for (int64_t j = 0; j < k && t.lm > 0; j++)
    g[k * k + j] = cblas_ddot((int)t.lm, u + j * ldu, 1, av + j * t.ly, 1);
  RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, g, k * k + k));
  if (k > 0) /* V^T V: V is replicated, the same on every rank */
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)k, (int)t.n, 1.0, t.v, (int)t.n, 0.0, h,
                (int)k);
  rla_svd_ksum_add(&sum, a2);
  for (int64_t j = 0; j < k; j++) {
    rla_svd_ksum_add(&sum, -2.0 * sigma[j] * g[k * k + j]);
    for (int64_t i = 0; i <= j; i++)
      rla_svd_ksum_add(&sum,
                       (i == j ? 1.0 : 2.0) * sigma[i] * sigma[j] * g[i + j * k] * h[i + j * k]);
  }
  r2 = rla_svd_ksum_value(&sum);
  *nrm = r2 > 0.0 ? sqrt(r2) : 0.0;
  if (fro_floor) {
    /* an error of c eps ||A||_F^2 in r2, c up to 64 (svd.c's floor, tol_min^2 = 64 eps), moves
       sqrt(r2) by at most min(tol_min ||A||_F, c eps ||A||_F^2 / ||E||_F), within a factor 2
       of the expression below */
    double tm = rla_svd_tol_min(), na = sqrt(a2);
    *fro_floor = na > 0.0 ? tm * tm * a2 / (*nrm + tm * na) : 0.0;
  }
done:
  rla_free(&colsq);
  rla_free(&av);
  rla_free(&g);
  rla_free(&h);
  triplets_free(&t);
  return err;
}

/* res[j] = the sum of squares of x_j - sigma_j y_j over the len rows of X and Y (k columns,
   leading dimensions ldx, ldy). Local. */
static void column_distances(int64_t len, int64_t k, const double *x, int64_t ldx, const double *y,
                             int64_t ldy, const double *sigma, double *res)
{
  for (int64_t j = 0; j < k; j++) {
    double s = 0.0;
    for (int64_t i = 0; i < len; i++) {
      double d = x[i + j * ldx] - sigma[j] * y[i + j * ldy];
      s += d * d;
    }
    res[j] = s;
  }
}

rla_err rla_svd_triplet_residuals_operator(rla_op A, int64_t k, const double *sigma,
                                           const double *u, int64_t ldu, rla_dmat V, double *res,
                                           double *res_t)
{
  struct triplets t;
  double *av = NULL, *w = NULL;
  rla_err err;

  RLA_CALL(rla_op_ctx(A), triplets_make(A, k, sigma, u, ldu, V, &t));
  err = rla_calloc(t.ctx, (size_t)(t.ly * k), sizeof(double), &av);
  if (!err && res_t) err = rla_calloc(t.ctx, (size_t)(t.n * k), sizeof(double), &w);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  err = rla_op_mult(A, k, t.v, t.n, av, t.ly);
  if (!err && res_t) err = rla_op_mult_transpose_add(A, k, u, ldu, w, t.n);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  column_distances(t.lm, k, av, t.ly, u, ldu, sigma, res);
  RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, res, k));
  for (int64_t j = 0; j < k; j++)
    res[j] = sqrt(res[j]);
  if (res_t) {
    /* A^T U summed over the ranks, then sigma_i v_i subtracted on every rank alike */
    RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, w, t.n * k));
    column_distances(t.n, k, w, t.n, t.v, t.n, sigma, res_t);
    for (int64_t j = 0; j < k; j++)
      res_t[j] = sqrt(res_t[j]);
  }
done:
  rla_free(&av);
  rla_free(&w);
  triplets_free(&t);
  return err;
}

/* y (local rows) = E x = A x - U (diag(sigma) V^T x), x replicated; c is k scratch. Local. */
static rla_err residual_apply(struct triplets *t, const double *x, double *y, double *c)
{
  RLA_CALL(t->ctx, rla_op_mult(t->op, 1, x, t->n, y, t->ly));
  if (t->lm == 0 || t->k == 0) return RLA_SUCCESS;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)t->n, (int)t->k, 1.0, t->v, (int)t->n, x, 1, 0.0, c,
              1);
  for (int64_t j = 0; j < t->k; j++)
    c[j] *= t->sigma[j];
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)t->lm, (int)t->k, -1.0, t->u, (int)t->ldu, c, 1,
              1.0, y, 1);
  return RLA_SUCCESS;
}

/* x (this rank's part of the sum) = E^T y = A^T y - V (diag(sigma) U^T y) for local y. Local. */
static rla_err residual_apply_transpose(struct triplets *t, const double *y, double *x, double *c)
{
  memset(x, 0, sizeof(double) * (size_t)t->n);
  RLA_CALL(t->ctx, rla_op_mult_transpose_add(t->op, 1, y, t->ly, x, t->n));
  if (t->lm == 0 || t->k == 0) return RLA_SUCCESS;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)t->lm, (int)t->k, 1.0, t->u, (int)t->ldu, y, 1, 0.0,
              c, 1);
  for (int64_t j = 0; j < t->k; j++)
    c[j] *= t->sigma[j];
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)t->n, (int)t->k, -1.0, t->v, (int)t->n, c, 1, 1.0,
              x, 1);
  return RLA_SUCCESS;
}

rla_err rla_svd_residual_norm2_estimate_operator(rla_op A, int64_t k, const double *sigma,
                                                 const double *u, int64_t ldu, rla_dmat V,
                                                 int iters, uint64_t seed, double *est)
{
  struct triplets t;
  double *x = NULL, *y = NULL, *c = NULL, nx = 0.0, ny;
  rla_err err;

  RLA_CALL(rla_op_ctx(A), triplets_make(A, k, sigma, u, ldu, V, &t));
  err = rla_calloc(t.ctx, (size_t)t.n, sizeof(double), &x);
  if (!err) err = rla_calloc(t.ctx, (size_t)t.ly, sizeof(double), &y);
  if (!err) err = rla_calloc(t.ctx, (size_t)(k > 0 ? k : 1), sizeof(double), &c);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  *est = 0.0;
  for (int64_t j = 0; j < t.n; j++)
    rla_rng_gaussian(rla_rng_make(seed, RLA_RNG_NORM_EST), (uint64_t)j, 0, 1, &x[j]);
  nx = cblas_dnrm2((int)t.n, x, 1);
  for (int it = 0; it < iters && nx > 0.0; it++) {
    cblas_dscal((int)t.n, 1.0 / nx, x, 1);
    RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, residual_apply(&t, x, y, c)));
    ny = t.lm > 0 ? cblas_ddot((int)t.lm, y, 1, y, 1) : 0.0;
    RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, &ny, 1));
    ny = sqrt(ny);
    if (ny > *est) *est = ny;
    if (ny == 0.0) break;
    RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, residual_apply_transpose(&t, y, x, c)));
    RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, x, t.n));
    nx = cblas_dnrm2((int)t.n, x, 1);
    if (nx / ny > *est) *est = nx / ny; /* ||E^T y|| / ||y|| <= ||E||_2 */
  }
done:
  rla_free(&x);
  rla_free(&y);
  rla_free(&c);
  triplets_free(&t);
  return err;
}

/* ---- the metrics of a matrix: the same on the dense operator of A ---------------------------- */

/* The operands of a metric of a matrix: row-block A and U with its row blocks (copies where
   needed), and A's dense operator. */
struct dense_operands {
  rla_dmat A, U;
  int own_a, own_u;
  rla_op op;
  const double *u; /* U's local rows, leading dimension ldu */
  int64_t ldu;
};

static void dense_free(struct dense_operands *d)
{
  rla_op_destroy(&d->op);
  if (d->own_a) rla_dmat_destroy(&d->A);
  if (d->own_u) rla_dmat_destroy(&d->U);
}

static rla_err dense_args(rla_dmat A, int64_t k, const double *sigma, rla_dmat U, rla_dmat V)
{
  rla_ctx ctx = A ? rla_dmat_ctx(A) : NULL;
  int64_t m, n, um, uk, vn, vk;
  RLA_CHECK(ctx, A && U && V, RLA_ERR_ARG, "NULL matrix given to an SVD metric");
  rla_dmat_sizes(A, &m, &n);
  rla_dmat_sizes(U, &um, &uk);
  rla_dmat_sizes(V, &vn, &vk);
  RLA_CHECK(ctx,
            rla_dmat_get_layout(U) == RLA_DMAT_ROWBLOCK &&
                rla_dmat_get_layout(V) == RLA_DMAT_ROWBLOCK,
            RLA_ERR_ARG, "the SVD metrics need row-block U and V");
  RLA_CHECK(ctx, k >= 0 && um == m && vn == n && uk >= k && vk >= k, RLA_ERR_SHAPE,
            "A is %lld x %lld but U is %lld x %lld and V %lld x %lld for k = %lld", (long long)m,
            (long long)n, (long long)um, (long long)uk, (long long)vn, (long long)vk, (long long)k);
  RLA_CHECK(ctx, sigma != NULL || k == 0, RLA_ERR_ARG, "NULL singular values");
  return RLA_SUCCESS;
}

/* The checks (agreed), the row-block copies and the operator. Collective. */
static rla_err dense_make(rla_dmat A, int64_t k, const double *sigma, rla_dmat U, rla_dmat V,
                          struct dense_operands *d)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  int64_t m, n, amb, umb, uk;
  double *u;
  rla_err err;

  memset(d, 0, sizeof(*d));
  err = rla_ctx_agree(ctx, dense_args(A, k, sigma, U, V));
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  rla_dmat_sizes(A, &m, &n);
  d->A = A;
  if (rla_dmat_get_layout(A) != RLA_DMAT_ROWBLOCK) {
    d->own_a = 1;
    d->A = NULL;
    RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, m, n, 0, &d->A));
    RLA_CALL_GOTO(ctx, err, fail, rla_dmat_redistribute(A, d->A));
  }
  rla_dmat_blocks(d->A, &amb, NULL);
  rla_dmat_blocks(U, &umb, NULL);
  d->U = U;
  if (amb != umb) {
    rla_dmat_sizes(U, NULL, &uk);
    d->own_u = 1;
    d->U = NULL;
    RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, m, uk, amb, &d->U));
    RLA_CALL_GOTO(ctx, err, fail, rla_dmat_redistribute(U, d->U));
  }
  rla_dmat_local(d->U, &u, NULL, NULL, &d->ldu);
  d->u = u;
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, rla_op_create_dense(d->A, &d->op)));
  return RLA_SUCCESS;
fail:
  dense_free(d);
  return err;
}

rla_err rla_svd_residual_norm_fro(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                  rla_dmat V, double *nrm)
{
  struct dense_operands d;
  struct triplets t;
  double *e = NULL, *us = NULL, *a, ssq = 0.0;
  int64_t rb, lda;
  rla_err err;

  memset(&t, 0, sizeof(t));
  RLA_CALL(rla_dmat_ctx(A), dense_make(A, k, sigma, U, V, &d));
  RLA_CALL_GOTO(rla_dmat_ctx(A), err, done, triplets_make(d.op, k, sigma, d.u, d.ldu, V, &t));
  rla_dmat_local(d.A, &a, NULL, NULL, &lda);
  /* E = A - U S V^T a panel of rows at a time: about 4 MiB of work, not a copy of A */
  rb = 524288 / (t.n > 0 ? t.n : 1);
  if (rb < 1) rb = 1;
  if (rb > t.lm) rb = t.lm;
  err = rla_calloc(t.ctx, (size_t)(rb * t.n + 1), sizeof(double), &e);
  if (!err) err = rla_calloc(t.ctx, (size_t)(t.ly * k), sizeof(double), &us);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  for (int64_t j = 0; j < k; j++) /* U diag(sigma) */
    for (int64_t i = 0; i < t.lm; i++)
      us[i + j * t.ly] = t.u[i + j * t.ldu] * sigma[j];
  for (int64_t i0 = 0; i0 < t.lm; i0 += rb) {
    int64_t nr = t.lm - i0 < rb ? t.lm - i0 : rb;
    for (int64_t j = 0; j < t.n; j++)
      memcpy(e + j * nr, a + i0 + j * lda, sizeof(double) * (size_t)nr);
    if (k > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)nr, (int)t.n, (int)k, -1.0, us + i0,
                  (int)t.ly, t.v, (int)t.n, 1.0, e, (int)nr);
    for (int64_t i = 0; i < nr * t.n; i++)
      ssq += e[i] * e[i];
  }
  RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, &ssq, 1));
  *nrm = sqrt(ssq);
done:
  rla_free(&e);
  rla_free(&us);
  triplets_free(&t);
  dense_free(&d);
  return err;
}

rla_err rla_svd_triplet_residuals(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                  rla_dmat V, double *res)
{
  struct dense_operands d;
  rla_err err;
  RLA_CALL(rla_dmat_ctx(A), dense_make(A, k, sigma, U, V, &d));
  err = rla_svd_triplet_residuals_operator(d.op, k, sigma, d.u, d.ldu, V, res, NULL);
  dense_free(&d);
  return err;
}

rla_err rla_svd_residual_norm2_estimate(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                        rla_dmat V, int iters, uint64_t seed, double *est)
{
  struct dense_operands d;
  rla_err err;
  RLA_CALL(rla_dmat_ctx(A), dense_make(A, k, sigma, U, V, &d));
  err = rla_svd_residual_norm2_estimate_operator(d.op, k, sigma, d.u, d.ldu, V, iters, seed, est);
  dense_free(&d);
  return err;
}

rla_err rla_svd_orth_loss_local(rla_ctx ctx, int64_t k, int64_t lm, const double *u, int64_t ld,
                                double *g, double *loss)
{
  double worst = 0.0;
  memset(g, 0, sizeof(double) * (size_t)(k * k));
  if (lm > 0 && k > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)k, (int)lm, 1.0, u, (int)ld, 0.0, g,
                (int)k);
  RLA_CALL(ctx, rla_reduce_sum_replicated(ctx, g, k * k));
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i <= j; i++) {
      double d = fabs(g[i + j * k] - (i == j ? 1.0 : 0.0));
      if (d > worst || isnan(d)) worst = d;
    }
  *loss = worst;
  return RLA_SUCCESS;
}

rla_err rla_svd_orthogonality_loss(rla_dmat U, double *loss)
{
  rla_ctx ctx = U ? rla_dmat_ctx(U) : NULL;
  int64_t k, lm, ld;
  double *u, *g = NULL;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, U != NULL && loss != NULL, RLA_ERR_ARG,
            "rla_svd_orthogonality_loss: NULL argument");
  RLA_CHECK(ctx, rla_dmat_get_layout(U) == RLA_DMAT_ROWBLOCK, RLA_ERR_ARG,
            "rla_svd_orthogonality_loss needs a row-block matrix");
  rla_dmat_sizes(U, NULL, &k);
  rla_dmat_local(U, &u, &lm, NULL, &ld);
  err = rla_calloc(ctx, (size_t)(k * k > 0 ? k * k : 1), sizeof(double), &g);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  err = rla_svd_orth_loss_local(ctx, k, lm, u, ld, g, loss);
  rla_free(&g);
  return err;
}

double rla_svd_sigma_error_max(int64_t k, const double *sigma, const double *sigma_true)
{
  double worst = 0.0;
  for (int64_t i = 0; i < k; i++) {
    double ref = sigma_true[i] != 0.0 ? sigma_true[i] : sigma_true[0];
    double e = fabs(sigma[i] - sigma_true[i]) / ref;
    if (e > worst || isnan(e)) worst = e;
  }
  return worst;
}
