/* SPDX-License-Identifier: BSD-3-Clause */
/* Error of a concatenation C = [A_1 ... A_K] at rank r and the two certified upper bounds on it.
   Shamrai, arXiv 2601.11626: err_r(C) = sqrt(1 - E_r / ||C||_F^2), E_r = sum_{i<=r} sigma_i(C)^2,
   so a lower bound on E_r is an upper bound on the error.
   The exact error: the eigenvalues of the Gram matrix C^T C (m N^2 + 4 N^3 / 3 flops, N^2 words
   reduced). The bounds are the clustering's predictors (impls/maxnorm.c: bound 1, Weyl;
   impls/residuals.c: bound 2, incremental residuals) run over the blocks in index order: the
   loop and the public bounds share one code. Cost: the norms (one reduction of K numbers), a
   Gram matrix per block wider than r for bound 1 (m n_j^2 flops), 4 m N d flops for bound 2
   (d: the final span). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_impl.h"

double rla_cluster_error_of(double e, double total)
{
  double f;
  if (total <= 0) return 0.0;
  f = 1.0 - e / total;
  return f > 0 ? sqrt(f) : 0.0;
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
  RLA_CALL_GOTO(ctx, e2, done, rla_reduce_sum_replicated(ctx, g, total * total));
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
  *err = rla_cluster_error_of(e, trace);
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
  RLA_CALL_GOTO(ctx, err, done, rla_reduce_sum_replicated(ctx, g, n * n));
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_eig(ctx, n, g, w));
  *e = 0.0;
  for (int64_t i = 0; i < n && i < r; i++)
    *e += w[i] > 0 ? w[i] : 0.0;
done:
  rla_free(&g);
  rla_free(&w);
  return err;
}

/* the predictor of type ops run over the row-distributed blocks in index order; wide: the top-r
   energies of blocks wider than r are needed (bound 1) */
static rla_err bound(const struct rla_cluster_predictor_ops *ops, int64_t nblocks,
                     const rla_dmat *blocks, int64_t r, int wide, double *err)
{
  rla_ctx ctx;
  rla_cluster_problem pb = {0};
  rla_cluster_predictor P = NULL;
  int64_t *wid = NULL;
  double *nt = NULL;
  rla_err e;
  RLA_CHECK(NULL, nblocks >= 1 && blocks && blocks[0], RLA_ERR_ARG, "no blocks");
  ctx = rla_dmat_ctx(blocks[0]);
  RLA_CHECK(ctx, r >= 1, RLA_ERR_ARG, "the rank r = %lld must be at least 1", (long long)r);
  RLA_CALL(ctx, rla_cluster_check_blocks(ctx, nblocks, blocks));
  e = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &wid);
  if (!e) e = rla_calloc(ctx, (size_t)(2 * nblocks), sizeof(double), &nt);
  RLA_CALL_GOTO(ctx, e, done, rla_ctx_agree(ctx, e));
  pb = (rla_cluster_problem){.ctx = ctx,
                             .blocks = blocks,
                             .wid = wid,
                             .nrm2 = nt,
                             .topr = nt + nblocks,
                             .nblocks = nblocks,
                             .r = r};
  rla_dmat_sizes(blocks[0], &pb.m, NULL);
  rla_dmat_blocks(blocks[0], &pb.mb, NULL);
  for (int64_t j = 0; j < nblocks; j++) {
    double *a;
    int64_t lld;
    rla_dmat_local(blocks[j], &a, &pb.lm, &wid[j], &lld);
    nt[j] = rla_cluster_sumsq(pb.lm, wid[j], a, lld);
    pb.total += wid[j];
    if (wid[j] > pb.nmax) pb.nmax = wid[j];
  }
  RLA_CALL_GOTO(ctx, e, done, rla_reduce_sum_replicated(ctx, nt, nblocks));
  for (int64_t j = 0; j < nblocks; j++) {
    nt[nblocks + j] = nt[j];
    if (wide && wid[j] > r)
      RLA_CALL_GOTO(ctx, e, done, rla_cluster_top_energy(ctx, blocks[j], r, &nt[nblocks + j]));
  }
  RLA_CALL_GOTO(ctx, e, done, rla_cluster_predictor_create(ops, &pb, &P));
  RLA_CALL_GOTO(ctx, e, done, rla_cluster_predictor_run(P, err));
done:
  rla_cluster_predictor_destroy(&P);
  rla_free(&wid);
  rla_free(&nt);
  return e;
}

rla_err rla_cluster_bound_maxnorm(int64_t nblocks, const rla_dmat *blocks, int64_t r, double *err)
{
  return bound(&rla_cluster_maxnorm_ops, nblocks, blocks, r, 1, err);
}

rla_err rla_cluster_bound_residuals(int64_t nblocks, const rla_dmat *blocks, int64_t r, double *err)
{
  return bound(&rla_cluster_bound2_ops, nblocks, blocks, r, 0, err);
}
