/* SPDX-License-Identifier: BSD-3-Clause */
/* Accuracy metrics of a truncated SVD A ~ U diag(sigma) V^T: the 2-norm of the residual by
   matrix-free power iteration, the Frobenius residual, per-triplet residuals, orthogonality
   loss and the relative error of the singular values against known ones.
   Layout: the metrics work on row-block A (a cyclic A is copied once); U is redistributed to the
   row blocks of A when they differ, and V (n x k) is gathered on every rank (n k words).
   Cost: Frobenius residual 2 m n k / P flops per rank; each power step 4 m n / P + 4 (m + n) k,
   one sum of n words and two scalars; triplet residuals 2 m n k / P and one sum of k words. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "rla/rng.h"
#include "svd_impl.h"

/* The operands of a metric, on the row blocks of A. */
struct triplets {
  rla_ctx ctx;
  rla_dmat A, U; /* row-block A and U with its row blocks (copies where needed) */
  int own_a, own_u;
  int64_t m, n, k, lm, lda, ldu;
  const double *a, *u;
  double *us; /* lm x k: U diag(sigma) */
  double *v;  /* n x k, replicated */
};

static void triplets_free(struct triplets *t)
{
  if (t->own_a) rla_dmat_destroy(&t->A);
  if (t->own_u) rla_dmat_destroy(&t->U);
  rla_free(&t->us);
  rla_free(&t->v);
}

static rla_err triplets_args(rla_dmat A, int64_t k, const double *sigma, rla_dmat U, rla_dmat V)
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

static rla_err triplets_make(rla_dmat A, int64_t k, const double *sigma, rla_dmat U, rla_dmat V,
                             struct triplets *t)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  int64_t amb, umb, nv;
  double *a, *u;
  rla_err err;

  memset(t, 0, sizeof(*t));
  t->ctx = ctx;
  t->k = k;
  err = rla_ctx_agree(ctx, triplets_args(A, k, sigma, U, V));
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  rla_dmat_sizes(A, &t->m, &t->n);
  t->A = A;
  if (rla_dmat_get_layout(A) != RLA_DMAT_ROWBLOCK) {
    t->own_a = 1;
    t->A = NULL;
    RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, t->m, t->n, 0, &t->A));
    RLA_CALL_GOTO(ctx, err, fail, rla_dmat_redistribute(A, t->A));
  }
  rla_dmat_blocks(t->A, &amb, NULL);
  rla_dmat_blocks(U, &umb, NULL);
  t->U = U;
  if (amb != umb) {
    int64_t uk;
    rla_dmat_sizes(U, NULL, &uk);
    t->own_u = 1;
    t->U = NULL;
    RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, t->m, uk, amb, &t->U));
    RLA_CALL_GOTO(ctx, err, fail, rla_dmat_redistribute(U, t->U));
  }
  rla_dmat_local(t->A, &a, &t->lm, NULL, &t->lda);
  rla_dmat_local(t->U, &u, NULL, NULL, &t->ldu);
  t->a = a;
  t->u = u;
  rla_dmat_sizes(V, NULL, &nv);
  err = rla_calloc(ctx, (size_t)(t->lm * k), sizeof(double), &t->us);
  if (!err) err = rla_calloc(ctx, (size_t)(t->n * nv), sizeof(double), &t->v);
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, fail, rla_dmat_gather(V, -1, t->v));
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i < t->lm; i++)
      t->us[i + j * t->lm] = t->u[i + j * t->ldu] * sigma[j];
  return RLA_SUCCESS;
fail:
  triplets_free(t);
  return err;
}

rla_err rla_svd_residual_norm_fro(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                  rla_dmat V, double *nrm)
{
  struct triplets t;
  double *e = NULL, ssq = 0.0;
  int64_t rb;
  rla_err err;

  RLA_CALL(rla_dmat_ctx(A), triplets_make(A, k, sigma, U, V, &t));
  /* E = A - U S V^T a panel of rows at a time: about 4 MiB of work, not a copy of A */
  rb = 524288 / (t.n > 0 ? t.n : 1);
  if (rb < 1) rb = 1;
  if (rb > t.lm) rb = t.lm;
  err = rla_calloc(t.ctx, (size_t)(rb * t.n + 1), sizeof(double), &e);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  for (int64_t i0 = 0; i0 < t.lm; i0 += rb) {
    int64_t nr = t.lm - i0 < rb ? t.lm - i0 : rb;
    for (int64_t j = 0; j < t.n; j++)
      memcpy(e + j * nr, t.a + i0 + j * t.lda, sizeof(double) * (size_t)nr);
    if (k > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)nr, (int)t.n, (int)k, -1.0,
                  t.us + i0, (int)t.lm, t.v, (int)t.n, 1.0, e, (int)nr);
    for (int64_t i = 0; i < nr * t.n; i++)
      ssq += e[i] * e[i];
  }
  RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, &ssq, 1));
  *nrm = sqrt(ssq);
done:
  rla_free(&e);
  triplets_free(&t);
  return err;
}

rla_err rla_svd_triplet_residuals(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                  rla_dmat V, double *res)
{
  struct triplets t;
  double *av = NULL;
  rla_err err;

  RLA_CALL(rla_dmat_ctx(A), triplets_make(A, k, sigma, U, V, &t));
  err = rla_calloc(t.ctx, (size_t)(t.lm * k), sizeof(double), &av);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  if (t.lm > 0 && k > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)t.lm, (int)k, (int)t.n, 1.0, t.a,
                (int)t.lda, t.v, (int)t.n, 0.0, av, (int)t.lm);
  for (int64_t j = 0; j < k; j++) {
    double s = 0.0;
    for (int64_t i = 0; i < t.lm; i++) {
      double d = av[i + j * t.lm] - t.us[i + j * t.lm];
      s += d * d;
    }
    res[j] = s;
  }
  RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, res, k));
  for (int64_t j = 0; j < k; j++)
    res[j] = sqrt(res[j]);
done:
  rla_free(&av);
  triplets_free(&t);
  return err;
}

/* y (local rows) = E x = A x - U diag(sigma) (V^T x), x replicated; c is k scratch. */
static void residual_apply(struct triplets *t, const double *x, double *y, double *c)
{
  if (t->lm == 0) return;
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)t->lm, (int)t->n, 1.0, t->a, (int)t->lda, x, 1, 0.0,
              y, 1);
  if (t->k == 0) return;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)t->n, (int)t->k, 1.0, t->v, (int)t->n, x, 1, 0.0, c,
              1);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)t->lm, (int)t->k, -1.0, t->us, (int)t->lm, c, 1,
              1.0, y, 1);
}

/* x (this rank's part of the sum) = E^T y = A^T y - V diag(sigma) U^T y for local y. */
static void residual_apply_transpose(struct triplets *t, const double *y, double *x, double *c)
{
  memset(x, 0, sizeof(double) * (size_t)t->n);
  if (t->lm == 0) return;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)t->lm, (int)t->n, 1.0, t->a, (int)t->lda, y, 1, 0.0,
              x, 1);
  if (t->k == 0) return;
  cblas_dgemv(CblasColMajor, CblasTrans, (int)t->lm, (int)t->k, 1.0, t->us, (int)t->lm, y, 1, 0.0,
              c, 1);
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)t->n, (int)t->k, -1.0, t->v, (int)t->n, c, 1, 1.0,
              x, 1);
}

rla_err rla_svd_residual_norm2_estimate(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                        rla_dmat V, int iters, uint64_t seed, double *est)
{
  struct triplets t;
  double *x = NULL, *y = NULL, *c = NULL, nx = 0.0, ny;
  rla_err err;

  RLA_CALL(rla_dmat_ctx(A), triplets_make(A, k, sigma, U, V, &t));
  err = rla_calloc(t.ctx, (size_t)t.n, sizeof(double), &x);
  if (!err) err = rla_calloc(t.ctx, (size_t)(t.lm > 0 ? t.lm : 1), sizeof(double), &y);
  if (!err) err = rla_calloc(t.ctx, (size_t)(k > 0 ? k : 1), sizeof(double), &c);
  RLA_CALL_GOTO(t.ctx, err, done, rla_ctx_agree(t.ctx, err));
  *est = 0.0;
  for (int64_t j = 0; j < t.n; j++)
    rla_rng_gaussian(rla_rng_make(seed, RLA_RNG_NORM_EST), (uint64_t)j, 0, 1, &x[j]);
  nx = cblas_dnrm2((int)t.n, x, 1);
  for (int it = 0; it < iters && nx > 0.0; it++) {
    cblas_dscal((int)t.n, 1.0 / nx, x, 1);
    residual_apply(&t, x, y, c);
    ny = t.lm > 0 ? cblas_ddot((int)t.lm, y, 1, y, 1) : 0.0;
    RLA_CALL_GOTO(t.ctx, err, done, rla_reduce_sum_replicated(t.ctx, &ny, 1));
    ny = sqrt(ny);
    if (ny > *est) *est = ny;
    if (ny == 0.0) break;
    residual_apply_transpose(&t, y, x, c);
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
