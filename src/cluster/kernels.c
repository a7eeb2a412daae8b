/* SPDX-License-Identifier: BSD-3-Clause */
/* Kernels shared by the bounds, the estimator and the clustering: small symmetric
   eigenproblems, classical Gram-Schmidt twice and Gram-based orthonormalization of
   row-distributed column sets. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "cluster_impl.h"
#include "rla/dmat.h"

rla_err rla_cluster_eig(rla_ctx ctx, int64_t n, double *g, double *w)
{
  lapack_int info;
  if (n == 0) return RLA_SUCCESS;
  info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n, g, (lapack_int)n, w);
  RLA_CHECK(ctx, info == 0, RLA_ERR_LIB, "dsyevd failed (info %d) on a %lld x %lld Gram matrix",
            (int)info, (long long)n, (long long)n);
  for (int64_t i = 0; i < n / 2; i++) {
    int64_t j = n - 1 - i;
    double t = w[i];
    w[i] = w[j];
    w[j] = t;
    for (int64_t l = 0; l < n; l++) {
      t = g[l + i * n];
      g[l + i * n] = g[l + j * n];
      g[l + j * n] = t;
    }
  }
  return RLA_SUCCESS;
}

int64_t rla_cluster_project_work(int64_t k, int64_t n) { return k * n + 1; }

rla_err rla_cluster_project(rla_ctx ctx, int64_t lm, int64_t k, const double *q, int64_t n,
                            double *r, double *y, double *work)
{
  double *y2 = work, *own = NULL;
  rla_err err = RLA_SUCCESS;
  if (k == 0 || n == 0) return RLA_SUCCESS;
  if (!y2) {
    RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)rla_cluster_project_work(k, n),
                                                sizeof(double), &own)));
    y2 = own;
  }
  for (int pass = 0; pass < 2 && !err; pass++) {
    double *t = pass ? y2 : y;
    memset(t, 0, sizeof(double) * (size_t)(k * n));
    if (lm > 0)
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)k, (int)n, (int)lm, 1.0, q, (int)lm,
                  r, (int)lm, 0.0, t, (int)k);
    err = rla_reduce_sum_replicated(ctx, t, k * n);
    if (!err && lm > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)n, (int)k, -1.0, q,
                  (int)lm, t, (int)k, 1.0, r, (int)lm);
  }
  for (int64_t i = 0; i < k * n; i++)
    y[i] += y2[i];
  rla_free(&own);
  return err;
}

/* g (n x n) = X^T X summed over the ranks; with r (lm x nr), also g + n n (n x nr) = X^T R,
   in the same sum */
static rla_err gram(rla_ctx ctx, int64_t lm, int64_t n, const double *x, const double *r,
                    int64_t nr, double *g)
{
  memset(g, 0, sizeof(double) * (size_t)(n * (n + nr)));
  if (lm > 0 && n > 0) {
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)lm, 1.0, x, (int)lm,
                x, (int)lm, 0.0, g, (int)n);
    if (nr > 0)
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)nr, (int)lm, 1.0, x,
                  (int)lm, r, (int)lm, 0.0, g + n * n, (int)n);
  }
  return rla_reduce_sum_replicated(ctx, g, n * (n + nr));
}

/* w (lm x t) = x v_i / sqrt(mu_i) for the eigenpairs of X^T X with sqrt(mu_i) > thr; g holds
   n (n + nr) doubles. With r (lm x nr, nr > 0), also b (t x nr) = W^T R, formed from the
   summed X^T R (diag(mu)^-1/2 V^T X^T R) rather than with a reduction of its own. */
static rla_err normalize(rla_ctx ctx, int64_t lm, int64_t n, const double *x, double thr, double *w,
                         int64_t *t, double *mu, double *g, const double *r, int64_t nr, double *b)
{
  int64_t keep = 0;
  double trace = 0.0;
  RLA_CALL(ctx, gram(ctx, lm, n, x, r, nr, g));
  for (int64_t i = 0; i < n; i++)
    trace += g[i + i * n];
  RLA_CALL(ctx, rla_cluster_eig(ctx, n, g, mu));
  /* directions are kept down to rounding level: a dropped part d of the columns shifts the
     energies later computed from the basis by cross terms of order ||d|| ||X||, not ||d||^2, so
     only rounding may go; directions the Gram matrix does not resolve (below about
     1e-8 ||X||_F) are still in the span of X, and the second pass makes them orthonormal */
  if (thr < 1e-15 * sqrt(trace)) thr = 1e-15 * sqrt(trace);
  while (keep < n && mu[keep] > 0 && sqrt(mu[keep]) > thr)
    keep++;
  for (int64_t i = 0; i < keep; i++)
    cblas_dscal((int)n, 1.0 / sqrt(mu[i]), g + i * n, 1);
  if (lm > 0 && keep > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)keep, (int)n, 1.0, x,
                (int)lm, g, (int)n, 0.0, w, (int)lm);
  if (nr > 0 && keep > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)keep, (int)nr, (int)n, 1.0, g, (int)n,
                g + n * n, (int)n, 0.0, b, (int)keep);
  *t = keep;
  return RLA_SUCCESS;
}

int64_t rla_cluster_orth_work(int64_t lm, int64_t k, int64_t n)
{
  return 2 * n * n + n + lm * n + (k > 0 ? k : 1) * n + rla_cluster_project_work(k, n);
}

rla_err rla_cluster_orth(rla_ctx ctx, int64_t lm, int64_t k, const double *q, int64_t n,
                         const double *r, double thr, double *w, int64_t *t, double *s2, double *b,
                         double *work)
{
  double *g, *mu, *w1, *y, *own = NULL;
  int64_t t1 = 0;
  rla_err err = RLA_SUCCESS;
  *t = 0;
  if (n == 0) return RLA_SUCCESS;
  if (!work) {
    RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)rla_cluster_orth_work(lm, k, n),
                                                sizeof(double), &own)));
    work = own;
  }
  g = work;
  mu = g + 2 * n * n;
  w1 = mu + n;
  y = w1 + lm * n;
  RLA_CALL_GOTO(ctx, err, done, normalize(ctx, lm, n, r, thr, w1, &t1, mu, g, NULL, 0, NULL));
  if (s2)
    for (int64_t i = 0; i < n; i++)
      s2[i] = mu[i] > 0 ? mu[i] : 0.0;
  if (t1 == 0) goto done;
  /* second pass: the directions are unit vectors to O(eps ||R||^2 / thr^2); project them
     against Q once more and orthonormalize again, keeping those not collapsed by it */
  RLA_CALL_GOTO(ctx, err, done,
                rla_cluster_project(ctx, lm, k, q, t1, w1, y, y + (k > 0 ? k : 1) * n));
  RLA_CALL_GOTO(ctx, err, done, normalize(ctx, lm, t1, w1, 0.1, w, t, mu, g, r, b ? n : 0, b));
done:
  rla_free(&own);
  return err;
}

double rla_cluster_sumsq(int64_t lm, int64_t n, const double *a, int64_t ld)
{
  double s = 0.0;
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < lm; i++)
      s += a[i + j * ld] * a[i + j * ld];
  return s;
}

rla_err rla_cluster_check_blocks(rla_ctx ctx, int64_t nblocks, const rla_dmat *blocks)
{
  int64_t m0, n0, mb0, nb;
  RLA_CHECK(ctx, nblocks >= 1 && blocks, RLA_ERR_ARG, "the collection has no blocks");
  for (int64_t j = 0; j < nblocks; j++)
    RLA_CHECK(ctx, blocks[j] && rla_dmat_get_layout(blocks[j]) == RLA_DMAT_ROWBLOCK, RLA_ERR_ARG,
              "block %lld is missing or not in the row-block layout", (long long)j);
  rla_dmat_sizes(blocks[0], &m0, &n0);
  rla_dmat_blocks(blocks[0], &mb0, &nb);
  for (int64_t j = 1; j < nblocks; j++) {
    int64_t m, n, mb;
    rla_dmat_sizes(blocks[j], &m, &n);
    rla_dmat_blocks(blocks[j], &mb, &nb);
    RLA_CHECK(ctx, m == m0, RLA_ERR_SHAPE,
              "block %lld has %lld rows but block 0 has %lld: all blocks need the same rows",
              (long long)j, (long long)m, (long long)m0);
    RLA_CHECK(ctx, mb == mb0, RLA_ERR_SHAPE,
              "block %lld has row block %lld but block 0 has %lld: use the same row split",
              (long long)j, (long long)mb, (long long)mb0);
  }
  return RLA_SUCCESS;
}

void rla_cluster_local_copy(rla_dmat A, double *a)
{
  double *s;
  int64_t lm, ln, lld;
  rla_dmat_local(A, &s, &lm, &ln, &lld);
  for (int64_t j = 0; j < ln; j++)
    if (lm > 0) memcpy(a + j * lm, s + j * lld, sizeof(double) * (size_t)lm);
}
