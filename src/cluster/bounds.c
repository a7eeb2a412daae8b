/* SPDX-License-Identifier: BSD-3-Clause */
/* Error of a concatenation C = [A_1 ... A_K] at rank r and the two certified upper bounds on it.
   Shamrai, arXiv 2601.11626: err_r(C) = sqrt(1 - E_r / ||C||_F^2), E_r = sum_{i<=r} sigma_i(C)^2,
   so a lower bound on E_r is an upper bound on the error.
   Bound 1 (Weyl): for a set S of blocks of total width <= r, C_S has rank <= r and
   E_r(C) >= E_r(C_S) = ||C_S||_F^2; for any single block, E_r(C) >= E_r(A_j) (C C^T >= A_j A_j^T).
   Cost: one pass for the norms, a Gram matrix per block wider than r (m n_j^2 flops).
   Bound 2 (incremental residuals): in the block QR C = [Q_1 ... Q_K] T, the diagonal blocks of T
   carry the singular values of R_j = (I - P_{j-1}) A_j, and E_r(T) >= E_r(diag(T_jj)), the sum
   of the r largest sigma_i(R_j)^2 over all j. Cost: 4 m N d flops (d: the final span). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_impl.h"

/* error from an energy lower bound e and the total energy total */
static double error_of(double e, double total)
{
  double f;
  if (total <= 0) return 0.0;
  f = 1.0 - e / total;
  return f > 0 ? sqrt(f) : 0.0;
}

/* sum of the r largest of the n values v (v is sorted in place, decreasing) */
static int cmp_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}
static double top_sum(int64_t n, double *v, int64_t r)
{
  double s = 0.0;
  qsort(v, (size_t)n, sizeof(double), cmp_desc);
  for (int64_t i = 0; i < n && i < r; i++)
    s += v[i];
  return s;
}

rla_err rla_cluster_error_exact(int64_t nblocks, const rla_dmat *blocks, int64_t r, double *err)
{
  rla_ctx ctx;
  int64_t m, lm, total = 0, off = 0;
  double *c = NULL, *g = NULL, *w = NULL, trace = 0.0, e = 0.0;
  rla_err e2;
  RLA_CHECK(NULL, nblocks >= 1 && blocks && blocks[0], RLA_ERR_ARG, "no blocks");
  ctx = rla_dmat_ctx(blocks[0]);
  RLA_CHECK(ctx, r >= 1, RLA_ERR_ARG, "the rank r = %lld must be at least 1", (long long)r);
  RLA_CALL(ctx, rla_cluster_check_blocks(ctx, nblocks, blocks));
  rla_dmat_sizes(blocks[0], &m, NULL);
  rla_dmat_local(blocks[0], NULL, &lm, NULL, NULL);
  for (int64_t j = 0; j < nblocks; j++) {
    int64_t n;
    rla_dmat_sizes(blocks[j], NULL, &n);
    total += n;
  }
  e2 = rla_calloc(ctx, (size_t)(total * total), sizeof(double), &g);
  if (!e2) e2 = rla_calloc(ctx, (size_t)total, sizeof(double), &w);
  if (!e2) e2 = rla_calloc(ctx, (size_t)(lm * total + 1), sizeof(double), &c);
  RLA_CALL_GOTO(ctx, e2, done, rla_ctx_agree(ctx, e2));
  /* the local rows of the concatenation, its Gram matrix C^T C (upper triangle) summed */
  for (int64_t j = 0; j < nblocks; j++) {
    int64_t n;
    rla_dmat_sizes(blocks[j], NULL, &n);
    rla_cluster_local_copy(blocks[j], c + off * lm);
    off += n;
  }
  if (lm > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)total, (int)lm, 1.0, c, (int)lm, 0.0, g,
                (int)total);
  RLA_CALL_GOTO(ctx, e2, done, rla_cluster_sum(ctx, g, total * total));
  for (int64_t i = 0; i < total; i++)
    trace += g[i + i * total];
  {
    lapack_int info =
        LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)total, g, (lapack_int)total, w);
    RLA_CHECK_GOTO(ctx, e2, done, info == 0, RLA_ERR_LIB,
                   "dsyevd failed (info %d) on a %lld x %lld Gram matrix", (int)info,
                   (long long)total, (long long)total);
  }
  /* ascending eigenvalues: the r largest are at the end */
  for (int64_t i = total - 1; i >= 0 && i >= total - r; i--)
    e += w[i] > 0 ? w[i] : 0.0;
  *err = error_of(e, trace);
done:
  rla_free(&c);
  rla_free(&g);
  rla_free(&w);
  return e2;
}

rla_err rla_cluster_top_energy(rla_ctx ctx, rla_dmat A, int64_t r, double *e)
{
  double *a, *g = NULL, *w = NULL;
  int64_t lm, n, lld;
  rla_err err;
  rla_dmat_local(A, &a, &lm, &n, &lld);
  err = rla_calloc(ctx, (size_t)(n * n), sizeof(double), &g);
  if (!err) err = rla_calloc(ctx, (size_t)n, sizeof(double), &w);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  for (int64_t c = 0; c < n; c++)
    for (int64_t d = 0; d < n; d++) {
      double s = 0.0;
      for (int64_t l = 0; l < lm; l++)
        s += a[l + d * lld] * a[l + c * lld];
      g[d + c * n] = s;
    }
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, g, n * n));
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_eig(ctx, n, g, w));
  *e = 0.0;
  for (int64_t i = 0; i < n && i < r; i++)
    *e += w[i] > 0 ? w[i] : 0.0;
done:
  rla_free(&g);
  rla_free(&w);
  return err;
}

rla_err rla_cluster_bound_maxnorm(int64_t nblocks, const rla_dmat *blocks, int64_t r, double *err)
{
  rla_ctx ctx;
  double *nrm2 = NULL, *sorted = NULL, total = 0.0, best = 0.0;
  int64_t *width = NULL;
  rla_err e;
  RLA_CHECK(NULL, nblocks >= 1 && blocks && blocks[0], RLA_ERR_ARG, "no blocks");
  ctx = rla_dmat_ctx(blocks[0]);
  RLA_CHECK(ctx, r >= 1, RLA_ERR_ARG, "the rank r = %lld must be at least 1", (long long)r);
  RLA_CALL(ctx, rla_cluster_check_blocks(ctx, nblocks, blocks));
  e = rla_calloc(ctx, (size_t)nblocks, sizeof(double), &nrm2);
  if (!e) e = rla_calloc(ctx, (size_t)nblocks, sizeof(double), &sorted);
  if (!e) e = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &width);
  RLA_CALL_GOTO(ctx, e, done, rla_ctx_agree(ctx, e));
  for (int64_t j = 0; j < nblocks; j++) {
    double *a;
    int64_t lm, lld;
    rla_dmat_local(blocks[j], &a, &lm, &width[j], &lld);
    nrm2[j] = rla_cluster_sumsq(lm, width[j], a, lld);
  }
  RLA_CALL_GOTO(ctx, e, done, rla_cluster_sum(ctx, nrm2, nblocks));
  /* (a) blocks in descending norm while they fit in r columns */
  {
    int64_t used = 0;
    double s = 0.0;
    int64_t *idx = (int64_t *)sorted; /* reuse: indices by selection, nblocks is small */
    for (int64_t j = 0; j < nblocks; j++)
      idx[j] = j;
    for (int64_t a = 0; a < nblocks; a++) {
      int64_t bi = a;
      for (int64_t b = a + 1; b < nblocks; b++)
        if (nrm2[idx[b]] > nrm2[idx[bi]]) bi = b;
      int64_t t = idx[a];
      idx[a] = idx[bi];
      idx[bi] = t;
      if (used + width[idx[a]] > r) break;
      used += width[idx[a]];
      s += nrm2[idx[a]];
    }
    best = s;
  }
  /* (b) any single block: its top-r energy (all of it when it is not wider than r) */
  for (int64_t j = 0; j < nblocks; j++) {
    double ej = nrm2[j];
    total += nrm2[j];
    if (width[j] > r) RLA_CALL_GOTO(ctx, e, done, rla_cluster_top_energy(ctx, blocks[j], r, &ej));
    if (ej > best) best = ej;
  }
  *err = error_of(best, total);
done:
  rla_free(&nrm2);
  rla_free(&sorted);
  rla_free(&width);
  return e;
}

rla_err rla_cluster_bound_residuals(int64_t nblocks, const rla_dmat *blocks, int64_t r, double *err)
{
  rla_ctx ctx;
  int64_t m, lm, total = 0, k = 0, ns = 0;
  double *q = NULL, *rbuf = NULL, *y = NULL, *w = NULL, *s2 = NULL, norm2 = 0.0;
  rla_err e;
  RLA_CHECK(NULL, nblocks >= 1 && blocks && blocks[0], RLA_ERR_ARG, "no blocks");
  ctx = rla_dmat_ctx(blocks[0]);
  RLA_CHECK(ctx, r >= 1, RLA_ERR_ARG, "the rank r = %lld must be at least 1", (long long)r);
  RLA_CALL(ctx, rla_cluster_check_blocks(ctx, nblocks, blocks));
  rla_dmat_sizes(blocks[0], &m, NULL);
  rla_dmat_local(blocks[0], NULL, &lm, NULL, NULL);
  int64_t nmax = 0;
  for (int64_t j = 0; j < nblocks; j++) {
    int64_t n;
    rla_dmat_sizes(blocks[j], NULL, &n);
    total += n;
    if (n > nmax) nmax = n;
  }
  int64_t kmax = total < m ? total : m;
  e = rla_calloc(ctx, (size_t)(lm * (kmax + 1)), sizeof(double), &q);
  if (!e) e = rla_calloc(ctx, (size_t)(lm * nmax + 1), sizeof(double), &rbuf);
  if (!e) e = rla_calloc(ctx, (size_t)(lm * nmax + 1), sizeof(double), &w);
  if (!e) e = rla_calloc(ctx, (size_t)((kmax + 1) * nmax), sizeof(double), &y);
  if (!e) e = rla_calloc(ctx, (size_t)total, sizeof(double), &s2);
  RLA_CALL_GOTO(ctx, e, done, rla_ctx_agree(ctx, e));
  for (int64_t j = 0; j < nblocks; j++) {
    double *a, nj2[1];
    int64_t n, lld, t = 0;
    rla_dmat_local(blocks[j], &a, &lm, &n, &lld);
    rla_cluster_local_copy(blocks[j], rbuf);
    nj2[0] = rla_cluster_sumsq(lm, n, a, lld);
    RLA_CALL_GOTO(ctx, e, done, rla_cluster_sum(ctx, nj2, 1));
    norm2 += nj2[0];
    RLA_CALL_GOTO(ctx, e, done, rla_cluster_project(ctx, lm, k, q, n, rbuf, y, NULL));
    /* directions below 1e-14 ||A_j|| are rounding of the projection; leaving them out of the
       basis moves later residual energies by at most about 1e-14 ||A_j|| ||C|| each */
    RLA_CALL_GOTO(
        ctx, e, done,
        rla_cluster_orth(ctx, lm, k, q, n, rbuf, 1e-14 * sqrt(nj2[0]), w, &t, s2 + ns, NULL, NULL));
    ns += n;
    if (k + t > kmax) t = kmax - k;
    if (t > 0 && lm > 0) memcpy(q + k * lm, w, sizeof(double) * (size_t)(lm * t));
    k += t;
  }
  *err = error_of(top_sum(ns, s2, r), norm2);
done:
  rla_free(&q);
  rla_free(&rbuf);
  rla_free(&w);
  rla_free(&y);
  rla_free(&s2);
  return e;
}
