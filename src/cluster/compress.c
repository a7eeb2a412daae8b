/* SPDX-License-Identifier: BSD-3-Clause */
/* Compression of the clusters and the error of the basis actually stored (Shamrai, arXiv
   2601.11626: every reported error is ||(I - U U^T) C||_F / ||C||_F of the stored U, computed,
   not predicted). A cluster whose N columns cost less uncompressed (m N <= r (m + N)) is stored
   as is. Two methods:
   - Rayleigh-Ritz in the estimator's basis Q (m x k, approximate, while the estimator holds the
     cluster): B = Q^T C, B B^T = V diag(mu) V^T, U = Q V_r orthonormalized again. Since
     Q diag(lambda) Q^T <= C C^T, ||U^T C||_F^2 >= sum_{i<=r} lambda_i: the error of U is at most
     the predicted one. Cost 2 m k N + 4 m r N flops, k N + r N words reduced, no N x N problem.
   - Gram (the certified algorithms, and the fallback): C^T C = V diag(sigma^2) V^T, U = C V_r
     diag(1/sigma), the top r left singular vectors up to rounding. Cost m N^2 + N^3 / 3 flops,
     N^2 words reduced; with blocks the cluster is first redistributed by rows (one
     all-to-all). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cluster_impl.h"

/* the width N and energy ||C||_F^2 of the members mem[0..nm), and the widest member */
static void cluster_size(const rla_cluster_plan *pl, const int64_t *mem, int64_t nm, int64_t *N,
                         double *total, int64_t *wmax)
{
  *N = 0;
  *total = 0.0;
  *wmax = 0;
  for (int64_t i = 0; i < nm; i++) {
    *N += pl->wid[mem[i]];
    *total += pl->nrm2[mem[i]];
    if (pl->wid[mem[i]] > *wmax) *wmax = pl->wid[mem[i]];
  }
}

/* cluster c's basis U (m x t, row-block over all ranks) from the local rows w + off (ld ldw),
   and its coefficients *y (taken) */
static rla_err store(rla_cluster C, int64_t c, int64_t t, const double *w, int64_t ldw, int64_t off,
                     double **y)
{
  const rla_cluster_plan *pl = C->plan;
  double *ud;
  int64_t lld;
  RLA_CALL(C->ctx, rla_dmat_create_rowblock(C->ctx, pl->m, t, pl->mb, &C->U[c]));
  rla_dmat_local(C->U[c], &ud, NULL, NULL, &lld);
  for (int64_t j = 0; j < t; j++)
    for (int64_t i = 0; i < pl->lm; i++)
      ud[i + j * lld] = w[off + i + j * ldw];
  C->rank[c] = t;
  C->coef[c] = *y;
  *y = NULL;
  return RLA_SUCCESS;
}

/* ---- the rows of a cluster ------------------------------------------------------------------ */

/* the all-to-all of the blocks distribution: every owner sends each rank p its rows
   [row0[p], row0[p] + nrows[p]) of the members it owns (sb, counts sc, displacements sd), and
   receives from each owner its members' lm rows (counts rc, displacements rd) */
static void pack_rows(const rla_cluster_plan *pl, const int64_t *mem, int64_t nm, int P, double *sb,
                      int *cnt)
{
  int *sc = cnt, *sd = cnt + P, *rc = cnt + 2 * P, *rd = cnt + 3 * P;
  int64_t o = 0;
  for (int p = 0; p < P; p++) {
    sd[p] = (int)o;
    for (int64_t i = 0; i < nm; i++) {
      double *x;
      int64_t ld;
      if (pl->owner[mem[i]] != pl->me) continue;
      rla_dmat_local(pl->handles[mem[i]], &x, NULL, NULL, &ld);
      for (int64_t c = 0; c < pl->wid[mem[i]]; c++) {
        if (pl->nrows[p] > 0)
          memcpy(sb + o, x + pl->row0[p] + c * ld, sizeof(double) * (size_t)pl->nrows[p]);
        o += pl->nrows[p];
      }
    }
    sc[p] = (int)(o - sd[p]);
  }
  o = 0;
  for (int p = 0; p < P; p++) {
    rd[p] = (int)o;
    for (int64_t i = 0; i < nm; i++)
      if (pl->owner[mem[i]] == p) o += pl->lm * pl->wid[mem[i]];
    rc[p] = (int)(o - rd[p]);
  }
}

/* from each owner, its members in member order, each lm x n_j, into a (lm x N) */
static void unpack_rows(const rla_cluster_plan *pl, const int64_t *mem, int64_t nm, int P,
                        const double *rb, const int *rd, double *a)
{
  int64_t lm = pl->lm;
  for (int p = 0; p < P; p++) {
    int64_t o = rd[p], off = 0;
    for (int64_t i = 0; i < nm; i++) {
      if (pl->owner[mem[i]] == p) {
        if (lm > 0) memcpy(a + off * lm, rb + o, sizeof(double) * (size_t)(lm * pl->wid[mem[i]]));
        o += lm * pl->wid[mem[i]];
      }
      off += pl->wid[mem[i]];
    }
  }
}

/* the rows of the members mem[0..nm) into a (lm x N, ld lm) in the row split of the bases:
   local copies with rows; with blocks one all-to-all */
static rla_err load_rows(rla_cluster C, const int64_t *mem, int64_t nm, double *a)
{
  const rla_cluster_plan *pl = C->plan;
  rla_ctx ctx = C->ctx;
  int P = rla_ctx_size(ctx), *cnt = NULL;
  int64_t off = 0, ssum = 0, rsum = 0;
  double *sb = NULL, *rb = NULL;
  rla_err err;
  if (pl->dist != RLA_CLUSTER_DIST_BLOCKS) {
    for (int64_t i = 0; i < nm; i++) {
      rla_cluster_local_copy(pl->handles[mem[i]], a + off * pl->lm);
      off += pl->wid[mem[i]];
    }
    return RLA_SUCCESS;
  }
  for (int64_t i = 0; i < nm; i++) {
    if (pl->owner[mem[i]] == pl->me) ssum += pl->wid[mem[i]];
    rsum += pl->wid[mem[i]];
  }
  err = rla_calloc(ctx, (size_t)(4 * P), sizeof(int), &cnt);
  if (!err && !(ssum * pl->m < INT32_MAX && rsum * pl->lm < INT32_MAX))
    err = rla_error_set(ctx, RLA_ERR_UNSUPPORTED, __func__, __FILE__, __LINE__,
                        "a cluster of %lld columns is too large to redistribute (over 2^31 "
                        "numbers per rank): use the rows distribution",
                        (long long)rsum);
  if (!err) err = rla_calloc(ctx, (size_t)(ssum * pl->m + 1), sizeof(double), &sb);
  if (!err) err = rla_calloc(ctx, (size_t)(rsum * pl->lm + 1), sizeof(double), &rb);
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, err));
  pack_rows(pl, mem, nm, P, sb, cnt);
  RLA_CALL_GOTO(ctx, err, out,
                MPI_Alltoallv(sb, cnt, cnt + P, MPI_DOUBLE, rb, cnt + 2 * P, cnt + 3 * P,
                              MPI_DOUBLE, rla_ctx_comm(ctx)) == MPI_SUCCESS
                    ? RLA_SUCCESS
                    : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                                    "MPI_Alltoallv of a cluster failed"));
  unpack_rows(pl, mem, nm, P, rb, cnt + 3 * P, a);
out:
  rla_free(&cnt);
  rla_free(&sb);
  rla_free(&rb);
  return err;
}

/* ---- Gram ----------------------------------------------------------------------------------- */

/* C^T C = V diag(sigma^2) V^T; U = C V_r diag(1/sigma) spans the top-r left singular subspace;
   it is orthonormalized again (Gram-based vectors lose orthogonality as eps sigma_1^2 /
   sigma_r^2) into w (lm x *t); the error is then measured, not inferred. g: N x N, mu: N, u:
   lm x r */
static rla_err gram_basis(rla_cluster C, int64_t N, const double *a, double *g, double *mu,
                          double *u, double *w, int64_t *t)
{
  rla_ctx ctx = C->ctx;
  int64_t lm = C->plan->lm, keep = 0;
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)N, (int)N, (int)lm, 1.0, a, (int)lm,
                a, (int)lm, 0.0, g, (int)N);
  RLA_CALL(ctx, rla_reduce_sum_replicated(ctx, g, N * N));
  RLA_CALL(ctx, rla_cluster_eig(ctx, N, g, mu));
  while (keep < C->r && keep < N && mu[keep] > 0)
    keep++;
  for (int64_t i = 0; i < keep; i++)
    cblas_dscal((int)N, 1.0 / sqrt(mu[i]), g + i * N, 1);
  if (lm > 0 && keep > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)keep, (int)N, 1.0, a,
                (int)lm, g, (int)N, 0.0, u, (int)lm);
  RLA_CALL(ctx, rla_cluster_orth(ctx, lm, 0, NULL, keep, u, 0.0, w, t, NULL, NULL, NULL));
  return RLA_SUCCESS;
}

rla_err rla_cluster_compress_gram(rla_cluster C, int64_t c)
{
  rla_ctx ctx = C->ctx;
  const rla_cluster_plan *pl = C->plan;
  const int64_t *mem = C->members + C->start[c];
  int64_t nm = C->start[c + 1] - C->start[c], N, wmax, t = 0, r = C->r, m = pl->m, lm = pl->lm;
  double *a = NULL, *g = NULL, *mu = NULL, *u = NULL, *w = NULL, *y = NULL, total, s[1];
  rla_err err;
  cluster_size(pl, mem, nm, &N, &total, &wmax);
  C->width[c] = N;
  C->rank[c] = 0;
  C->actual[c] = 0.0;
  if (nm == 1 || (double)m * (double)N <= (double)r * (double)(m + N)) {
    C->storage[c] = m * N;
    return RLA_SUCCESS;
  }
  C->storage[c] = r * (m + N);
  err = rla_calloc(ctx, (size_t)(lm * N + 1), sizeof(double), &a);
  if (!err) err = rla_calloc(ctx, (size_t)(N * N), sizeof(double), &g);
  if (!err) err = rla_calloc(ctx, (size_t)N, sizeof(double), &mu);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * r + 1), sizeof(double), &u);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * r + 1), sizeof(double), &w);
  if (!err) err = rla_calloc(ctx, (size_t)(r * N), sizeof(double), &y);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done, load_rows(C, mem, nm, a));
  RLA_CALL_GOTO(ctx, err, done, gram_basis(C, N, a, g, mu, u, w, &t));
  /* the actual error ||(I - U U^T) C||_F / ||C||_F, and the coefficients U^T C */
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_project(ctx, lm, t, w, N, a, y, NULL));
  s[0] = rla_cluster_sumsq(lm, N, a, lm);
  RLA_CALL_GOTO(ctx, err, done, rla_reduce_sum_replicated(ctx, s, 1));
  C->actual[c] = total > 0 ? sqrt(s[0] / total) : 0.0;
  RLA_CALL_GOTO(ctx, err, done, store(C, c, t, w, lm, 0, &y));
done:
  rla_free(&a);
  rla_free(&g);
  rla_free(&mu);
  rla_free(&u);
  rla_free(&w);
  rla_free(&y);
  return err;
}

/* ---- Rayleigh-Ritz -------------------------------------------------------------------------- */

/* out (k x N, ld k) = Q^T C for the members this rank holds (Q: slm x k, ld slm); with rows
   each rank its rows, with blocks each owner its members, the rest left as it was */
static void members_product(const rla_cluster_plan *pl, const int64_t *mem, int64_t nm,
                            const double *q, int64_t k, double *out)
{
  int64_t slm = pl->pb.lm, off = 0;
  for (int64_t i = 0; i < nm; i++) {
    int64_t j = mem[i];
    if (rla_cluster_mine(pl, j) && slm > 0 && k > 0) {
      double *x;
      int64_t ld;
      rla_dmat_local(pl->handles[j], &x, NULL, NULL, &ld);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)k, (int)pl->wid[j], (int)slm, 1.0,
                  q, (int)slm, x, (int)ld, 0.0, out + off * k, (int)k);
    }
    off += pl->wid[j];
  }
}

/* B = Q^T C (one sum), B B^T = V diag(mu) V^T (replicated), U = Q V_r orthonormalized into w
   (slm x *t): b k x N, g k x k, mu k, u slm x k */
static rla_err ritz_basis(rla_cluster C, const int64_t *mem, int64_t nm, int64_t N, const double *q,
                          int64_t k, double *b, double *g, double *mu, double *u, double *w,
                          int64_t *t)
{
  const rla_cluster_plan *pl = C->plan;
  rla_ctx ctx = C->ctx;
  int64_t slm = pl->pb.lm, keep = 0;
  rla_err err;
  members_product(pl, mem, nm, q, k, b);
  RLA_CALL(ctx, rla_reduce_sum_replicated(ctx, b, k * N));
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)N, 1.0, b, (int)k, b,
              (int)k, 0.0, g, (int)k);
  RLA_CALL(ctx, rla_cluster_eig(ctx, k, g, mu));
  while (keep < C->r && keep < k && mu[keep] > 0)
    keep++;
  if (slm > 0 && keep > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)slm, (int)keep, (int)k, 1.0, q,
                (int)slm, g, (int)k, 0.0, u, (int)slm);
  err = rla_cluster_orth(pl->pb.ctx, slm, 0, NULL, keep, u, 0.0, w, t, NULL, NULL, NULL);
  if (pl->dist == RLA_CLUSTER_DIST_BLOCKS)
    err = rla_ctx_agree(ctx, rla_cluster_lift(ctx, pl->pb.ctx, err));
  RLA_CALL(ctx, err);
  return RLA_SUCCESS;
}

/* W = U^T C into y (t x N) and the residual ||C - U W||_F^2 into y[t N], measured: with rows W
   is summed before the residual is formed; with blocks every owner has whole columns, and W and
   the residual go in one sum. tmp: slm x the widest member */
static rla_err ritz_measure(rla_cluster C, const int64_t *mem, int64_t nm, int64_t N,
                            const double *w, int64_t t, double *y, double *tmp)
{
  const rla_cluster_plan *pl = C->plan;
  rla_ctx ctx = C->ctx;
  int64_t slm = pl->pb.lm, off = 0;
  members_product(pl, mem, nm, w, t, y);
  if (pl->dist != RLA_CLUSTER_DIST_BLOCKS) RLA_CALL(ctx, rla_reduce_sum_replicated(ctx, y, t * N));
  for (int64_t i = 0; i < nm; i++) {
    int64_t j = mem[i];
    if (rla_cluster_mine(pl, j) && slm > 0) {
      double *x;
      int64_t ld;
      rla_dmat_local(pl->handles[j], &x, NULL, NULL, &ld);
      for (int64_t cc = 0; cc < pl->wid[j]; cc++)
        memcpy(tmp + cc * slm, x + cc * ld, sizeof(double) * (size_t)slm);
      if (t > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)slm, (int)pl->wid[j], (int)t,
                    -1.0, w, (int)slm, y + off * t, (int)t, 1.0, tmp, (int)slm);
      y[t * N] += rla_cluster_sumsq(slm, pl->wid[j], tmp, slm);
    }
    off += pl->wid[j];
  }
  if (pl->dist == RLA_CLUSTER_DIST_BLOCKS)
    RLA_CALL(ctx, rla_reduce_sum_replicated(ctx, y, t * N + 1));
  else
    RLA_CALL(ctx, rla_reduce_sum_replicated(ctx, y + t * N, 1));
  return RLA_SUCCESS;
}

/* a cluster whose measured error exceeds eps through rounding is left to the Gram compression,
   as are a singleton, a cluster cheaper stored as is, and an empty basis (*done = 0) */
rla_err rla_cluster_compress_ritz(rla_cluster C, int64_t c, int *done)
{
  rla_ctx ctx = C->ctx;
  const rla_cluster_plan *pl = C->plan;
  const int64_t *mem = C->members + C->start[c];
  const double *q;
  int64_t nm = C->start[c + 1] - C->start[c], N, wmax, r = C->r, k = 0, slm = pl->pb.lm, t = 0;
  int64_t m = pl->m;
  double *b = NULL, *g = NULL, *mu = NULL, *u = NULL, *w = NULL, *y = NULL, *tmp = NULL;
  double total, res;
  rla_err err;
  *done = 0;
  cluster_size(pl, mem, nm, &N, &total, &wmax);
  if (nm == 1 || (double)m * (double)N <= (double)r * (double)(m + N)) return RLA_SUCCESS;
  q = pl->P->ops->basis(pl->P, &k);
  if (k == 0) return RLA_SUCCESS;
  err = rla_calloc(ctx, (size_t)(k * N), sizeof(double), &b);
  if (!err) err = rla_calloc(ctx, (size_t)(k * k), sizeof(double), &g);
  if (!err) err = rla_calloc(ctx, (size_t)k, sizeof(double), &mu);
  if (!err) err = rla_calloc(ctx, (size_t)(slm * k + 1), sizeof(double), &u);
  if (!err) err = rla_calloc(ctx, (size_t)(slm * k + 1), sizeof(double), &w);
  if (!err) err = rla_calloc(ctx, (size_t)(k * N + 1), sizeof(double), &y);
  if (!err) err = rla_calloc(ctx, (size_t)(slm * wmax + 1), sizeof(double), &tmp);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done, ritz_basis(C, mem, nm, N, q, k, b, g, mu, u, w, &t));
  RLA_CALL_GOTO(ctx, err, done, ritz_measure(C, mem, nm, N, w, t, y, tmp));
  res = y[t * N];
  if (!(total > 0) || sqrt(res / total) > C->eps) goto done;
  C->width[c] = N;
  C->storage[c] = r * (m + N);
  C->actual[c] = sqrt(res / total);
  RLA_CALL_GOTO(
      ctx, err, done,
      store(C, c, t, w, slm, pl->dist == RLA_CLUSTER_DIST_BLOCKS ? pl->row0[pl->me] : 0, &y));
  *done = 1;
done:
  rla_free(&b);
  rla_free(&g);
  rla_free(&mu);
  rla_free(&u);
  rla_free(&w);
  rla_free(&y);
  rla_free(&tmp);
  return err;
}
