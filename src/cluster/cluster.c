/* SPDX-License-Identifier: BSD-3-Clause */
/* Error-constrained clustering of a matrix collection: one greedy seed-and-grow loop with three
   ways to predict a group's error (Shamrai, arXiv 2601.11626, the clustering algorithms), then
   the compression of every cluster and the error of the basis actually stored.
   The residuals algorithm takes the better of bound 2 and bound 1 (both certified).
   Loop: blocks by descending norm; a seed takes the largest unassigned block and the next ones
   while the total width stays <= r; the other unassigned blocks are scanned in a fixed order
   (ascending norm, or ascending relative residual against the span of the seed) and joined while
   the predicted error stays <= eps, stopping at the first that would exceed it. A seed that
   cannot grow is kept as a cluster (its blocks are never dropped); after `patience` such seeds
   in a row the remaining blocks become singletons.
   Cost per tried block: max-norm O(cluster size) flops on norms; residuals 4 m n d flops (d: the
   span so far); approximate 8 m k n + 4 m n^2 flops (k = r + p). Compression: a Gram matrix of
   the N columns of a cluster (m N^2 flops, N^2 words reduced) and an N x N eigenproblem. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_impl.h"

struct rla_cluster_s {
  rla_ctx ctx;
  int64_t r, p, patience;
  double eps;
  rla_cluster_algorithm alg;
  rla_cluster_order order;
  int computed;
  int64_t nblocks, nclusters;
  int64_t *start;   /* nclusters + 1 offsets into members */
  int64_t *members; /* nblocks */
  int64_t *width, *rank, *storage;
  double *predicted, *actual;
  rla_dmat *U;   /* nclusters bases (NULL: stored as is) */
  double **coef; /* nclusters replicated U^T C (rank x width), NULL when stored as is */
  rla_cluster_summary sum;
};

rla_err rla_cluster_algorithm_from_name(rla_ctx ctx, const char *name, rla_cluster_algorithm *a)
{
  if (name && !strcmp(name, "approximate"))
    *a = RLA_CLUSTER_APPROXIMATE;
  else if (name && !strcmp(name, "residuals"))
    *a = RLA_CLUSTER_RESIDUALS;
  else if (name && !strcmp(name, "max-norm"))
    *a = RLA_CLUSTER_MAX_NORM;
  else
    return rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                         "unknown clustering algorithm \"%s\": use approximate, residuals or "
                         "max-norm",
                         name ? name : "(null)");
  return RLA_SUCCESS;
}

const char *rla_cluster_algorithm_name(rla_cluster_algorithm a)
{
  return a == RLA_CLUSTER_APPROXIMATE ? "approximate"
         : a == RLA_CLUSTER_RESIDUALS ? "residuals"
         : a == RLA_CLUSTER_MAX_NORM  ? "max-norm"
                                      : "unknown";
}

rla_err rla_cluster_order_from_name(rla_ctx ctx, const char *name, rla_cluster_order *o)
{
  if (name && !strcmp(name, "residual"))
    *o = RLA_CLUSTER_ORDER_RESIDUAL;
  else if (name && !strcmp(name, "norm"))
    *o = RLA_CLUSTER_ORDER_NORM;
  else
    return rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                         "unknown candidate order \"%s\": use residual or norm",
                         name ? name : "(null)");
  return RLA_SUCCESS;
}

const char *rla_cluster_order_name(rla_cluster_order o)
{
  return o == RLA_CLUSTER_ORDER_RESIDUAL ? "residual"
         : o == RLA_CLUSTER_ORDER_NORM   ? "norm"
                                         : "unknown";
}

rla_err rla_cluster_create(rla_ctx ctx, rla_cluster *C)
{
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(**C), C));
  (*C)->ctx = ctx;
  (*C)->p = 5;
  (*C)->patience = 10;
  (*C)->alg = RLA_CLUSTER_APPROXIMATE;
  (*C)->order = RLA_CLUSTER_ORDER_RESIDUAL;
  return RLA_SUCCESS;
}

static void clear(rla_cluster C)
{
  for (int64_t i = 0; i < C->nclusters; i++) {
    if (C->U) rla_dmat_destroy(&C->U[i]);
    if (C->coef) rla_free(&C->coef[i]);
  }
  rla_free(&C->U);
  rla_free(&C->coef);
  rla_free(&C->start);
  rla_free(&C->members);
  rla_free(&C->width);
  rla_free(&C->rank);
  rla_free(&C->storage);
  rla_free(&C->predicted);
  rla_free(&C->actual);
  C->nclusters = 0;
  C->computed = 0;
}

rla_err rla_cluster_destroy(rla_cluster *C)
{
  if (!C || !*C) return RLA_SUCCESS;
  clear(*C);
  rla_free(C);
  return RLA_SUCCESS;
}

rla_err rla_cluster_set_rank(rla_cluster C, int64_t r)
{
  RLA_CHECK(C->ctx, r >= 1, RLA_ERR_ARG, "the rank r = %lld must be at least 1", (long long)r);
  C->r = r;
  return RLA_SUCCESS;
}

rla_err rla_cluster_set_tol(rla_cluster C, double eps)
{
  RLA_CHECK(C->ctx, eps > 0 && eps < 1, RLA_ERR_ARG, "the tolerance eps = %g must be in (0, 1)",
            eps);
  C->eps = eps;
  return RLA_SUCCESS;
}

rla_err rla_cluster_set_algorithm(rla_cluster C, rla_cluster_algorithm a)
{
  RLA_CHECK(C->ctx, a >= RLA_CLUSTER_APPROXIMATE && a <= RLA_CLUSTER_MAX_NORM, RLA_ERR_ARG,
            "unknown clustering algorithm %d", (int)a);
  C->alg = a;
  return RLA_SUCCESS;
}

rla_err rla_cluster_set_order(rla_cluster C, rla_cluster_order o)
{
  RLA_CHECK(C->ctx, o == RLA_CLUSTER_ORDER_RESIDUAL || o == RLA_CLUSTER_ORDER_NORM, RLA_ERR_ARG,
            "unknown candidate order %d", (int)o);
  C->order = o;
  return RLA_SUCCESS;
}

rla_err rla_cluster_set_oversample(rla_cluster C, int64_t p)
{
  RLA_CHECK(C->ctx, p >= 0, RLA_ERR_ARG, "the oversampling p = %lld must be >= 0", (long long)p);
  C->p = p;
  return RLA_SUCCESS;
}

rla_err rla_cluster_set_patience(rla_cluster C, int64_t patience)
{
  RLA_CHECK(C->ctx, patience >= 1, RLA_ERR_ARG, "the patience %lld must be at least 1",
            (long long)patience);
  C->patience = patience;
  return RLA_SUCCESS;
}

/* ---- the state of a growing cluster under one of the three predictors ---------------------- */

typedef struct {
  rla_cluster C;
  const rla_dmat *blocks;
  const double *nrm2, *topr; /* per block: ||A_j||^2 and top-r energy */
  const int64_t *wid;
  int64_t lm, kmax;
  /* max-norm: the members */
  int64_t n, *mem;
  /* residuals: the basis of the span, its size, the residual energies */
  double *q, *s2, *w, *rbuf, *y, *s2new, *sorted;
  int64_t k, ns;
  /* approximate */
  rla_cluster_estimator E;
  double norm2;
} state;

static double error_of(double e, double total)
{
  double f = total > 0 ? 1.0 - e / total : 0.0;
  return f > 0 ? sqrt(f) : 0.0;
}

static int cmp_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* bound 1 of the members plus block j (j < 0: the members only) */
static double maxnorm_error(state *s, int64_t j)
{
  int64_t n = s->n + (j >= 0), used = 0;
  double total = 0.0, fit = 0.0, best = 0.0;
  int64_t *idx = s->mem;
  if (j >= 0) idx[s->n] = j;
  /* members by descending norm (selection; clusters are small), fit while width <= r */
  for (int64_t a = 0; a < n; a++) {
    int64_t bi = a, t;
    for (int64_t b = a + 1; b < n; b++)
      if (s->nrm2[idx[b]] > s->nrm2[idx[bi]] ||
          (s->nrm2[idx[b]] == s->nrm2[idx[bi]] && idx[b] < idx[bi]))
        bi = b;
    t = idx[a];
    idx[a] = idx[bi];
    idx[bi] = t;
  }
  for (int64_t a = 0; a < n; a++) {
    int64_t b = idx[a];
    total += s->nrm2[b];
    if (used >= 0 && used + s->wid[b] <= s->C->r) {
      used += s->wid[b];
      fit += s->nrm2[b];
    } else
      used = -1;
    if (s->topr[b] > best) best = s->topr[b];
  }
  if (fit > best) best = fit;
  return error_of(best, total);
}

/* residuals: the new residual energies and directions of block j (into s2new, w) */
static rla_err residual_of(state *s, int64_t j, int64_t *t)
{
  rla_ctx ctx = s->C->ctx;
  rla_cluster_local_copy(s->blocks[j], s->rbuf);
  RLA_CALL(ctx, rla_cluster_project(ctx, s->lm, s->k, s->q, s->wid[j], s->rbuf, s->y));
  RLA_CALL(ctx, rla_cluster_orth(ctx, s->lm, s->k, s->q, s->wid[j], s->rbuf,
                                 1e-14 * sqrt(s->nrm2[j]), s->w, t, s->s2new));
  return RLA_SUCCESS;
}

static double residuals_error(state *s, int64_t nnew, double add2)
{
  double e = 0.0;
  memcpy(s->s2 + s->ns, s->s2new, sizeof(double) * (size_t)nnew);
  /* sort a copy: the first ns entries stay in place */
  memcpy(s->sorted, s->s2, sizeof(double) * (size_t)(s->ns + nnew));
  qsort(s->sorted, (size_t)(s->ns + nnew), sizeof(double), cmp_desc);
  for (int64_t i = 0; i < s->ns + nnew && i < s->C->r; i++)
    e += s->sorted[i];
  return error_of(e, s->norm2 + add2);
}

static void residuals_commit(state *s, int64_t j, int64_t t)
{
  s->ns += s->wid[j];
  if (s->k + t > s->kmax) t = s->kmax - s->k;
  if (t > 0 && s->lm > 0) memcpy(s->q + s->k * s->lm, s->w, sizeof(double) * (size_t)(s->lm * t));
  s->k += t;
  s->norm2 += s->nrm2[j];
}

/* try block j: *err the predicted error with it; when *err <= eps (or force) it joins */
static rla_err try_add(state *s, int64_t j, int force, double *err)
{
  rla_ctx ctx = s->C->ctx;
  if (s->C->alg == RLA_CLUSTER_MAX_NORM) {
    *err = maxnorm_error(s, j);
    if (*err <= s->C->eps || force) s->n++;
  } else if (s->C->alg == RLA_CLUSTER_RESIDUALS) {
    /* bound 2, or bound 1 where it is tighter (a seed of width <= r): both are certified lower
       bounds on E_r, so their larger one is too */
    int64_t t = 0;
    double e1 = maxnorm_error(s, j);
    RLA_CALL(ctx, residual_of(s, j, &t));
    *err = residuals_error(s, s->wid[j], s->nrm2[j]);
    if (e1 < *err) *err = e1;
    if (*err <= s->C->eps || force) {
      residuals_commit(s, j, t);
      s->n++;
    }
  } else {
    rla_cluster_estimator F = NULL;
    RLA_CALL(ctx, rla_cluster_estimator_duplicate(s->E, &F));
    rla_err err2 = rla_cluster_estimator_add(F, s->blocks[j]);
    if (err2) {
      rla_cluster_estimator_destroy(&F);
      return rla_error_trace(ctx, err2, __func__, __FILE__, __LINE__);
    }
    *err = rla_cluster_estimator_error(F);
    if (*err <= s->C->eps || force) {
      rla_cluster_estimator_destroy(&s->E);
      s->E = F;
    } else
      rla_cluster_estimator_destroy(&F);
  }
  return RLA_SUCCESS;
}

static rla_err state_reset(state *s)
{
  int64_t m;
  s->n = 0;
  s->k = 0;
  s->ns = 0;
  s->norm2 = 0.0;
  rla_cluster_estimator_destroy(&s->E);
  if (s->C->alg == RLA_CLUSTER_APPROXIMATE) {
    int64_t mb;
    rla_dmat_sizes(s->blocks[0], &m, NULL);
    rla_dmat_blocks(s->blocks[0], &mb, NULL);
    RLA_CALL(s->C->ctx, rla_cluster_estimator_create(s->C->ctx, m, mb, s->C->r, s->C->p, &s->E));
  }
  return RLA_SUCCESS;
}

/* ---- ordering ------------------------------------------------------------------------------ */

typedef struct {
  double key;
  int64_t j;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
  const keyed *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->j < y->j ? -1 : x->j > y->j;
}

/* relative residuals ||(I - P_seed) A_j||_F^2 / ||A_j||_F^2 of the candidates cand[0..nc) */
static rla_err seed_residuals(rla_cluster C, state *s, const int64_t *seed, int64_t nseed,
                              const int64_t *cand, int64_t nc, keyed *out)
{
  rla_ctx ctx = C->ctx;
  int64_t lm = s->lm, ws = 0, wc = 0, t = 0, off = 0;
  double *a = NULL, *b = NULL, *w = NULL, *y = NULL, *res = NULL;
  rla_err err;
  for (int64_t i = 0; i < nseed; i++)
    ws += s->wid[seed[i]];
  for (int64_t i = 0; i < nc; i++)
    wc += s->wid[cand[i]];
  err = rla_calloc(ctx, (size_t)(lm * ws + 1), sizeof(double), &a);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * ws + 1), sizeof(double), &w);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * wc + 1), sizeof(double), &b);
  if (!err) err = rla_calloc(ctx, (size_t)(ws * wc + 1), sizeof(double), &y);
  if (!err) err = rla_calloc(ctx, (size_t)nc + 1, sizeof(double), &res);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  for (int64_t i = 0; i < nseed; i++) {
    rla_cluster_local_copy(s->blocks[seed[i]], a + off * lm);
    off += s->wid[seed[i]];
  }
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_orth(ctx, lm, 0, NULL, ws, a, 0.0, w, &t, NULL));
  off = 0;
  for (int64_t i = 0; i < nc; i++) {
    rla_cluster_local_copy(s->blocks[cand[i]], b + off * lm);
    off += s->wid[cand[i]];
  }
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_project(ctx, lm, t, w, wc, b, y));
  off = 0;
  for (int64_t i = 0; i < nc; i++) {
    res[i] = rla_cluster_sumsq(lm, s->wid[cand[i]], b + off * lm, lm);
    off += s->wid[cand[i]];
  }
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, res, nc));
  for (int64_t i = 0; i < nc; i++) {
    out[i].j = cand[i];
    out[i].key = s->nrm2[cand[i]] > 0 ? res[i] / s->nrm2[cand[i]] : 0.0;
  }
done:
  rla_free(&a);
  rla_free(&b);
  rla_free(&w);
  rla_free(&y);
  rla_free(&res);
  return err;
}

/* ---- compression of one cluster ------------------------------------------------------------- */

static rla_err compress(rla_cluster C, const rla_dmat *blocks, int64_t c, int64_t m, int64_t lm,
                        int64_t mb, const int64_t *wid, const double *nrm2)
{
  rla_ctx ctx = C->ctx;
  const int64_t *mem = C->members + C->start[c];
  int64_t nm = C->start[c + 1] - C->start[c], N = 0, off = 0, t = 0, r = C->r;
  double *a = NULL, *g = NULL, *mu = NULL, *u = NULL, *w = NULL, *y = NULL, total = 0.0, res;
  rla_err err;
  for (int64_t i = 0; i < nm; i++) {
    N += wid[mem[i]];
    total += nrm2[mem[i]];
  }
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
  for (int64_t i = 0; i < nm; i++) {
    rla_cluster_local_copy(blocks[mem[i]], a + off * lm);
    off += wid[mem[i]];
  }
  /* C^T C = V diag(sigma^2) V^T; U = C V_r diag(1/sigma) spans the top-r left singular
     subspace; it is orthonormalized again (Gram-based vectors lose orthogonality as
     eps sigma_1^2 / sigma_r^2), and the error below is measured, not inferred */
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)N, (int)N, (int)lm, 1.0, a, (int)lm,
                a, (int)lm, 0.0, g, (int)N);
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, g, N * N));
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_eig(ctx, N, g, mu));
  {
    int64_t keep = 0;
    while (keep < r && keep < N && mu[keep] > 0)
      keep++;
    for (int64_t i = 0; i < keep; i++)
      cblas_dscal((int)N, 1.0 / sqrt(mu[i]), g + i * N, 1);
    if (lm > 0 && keep > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)keep, (int)N, 1.0, a,
                  (int)lm, g, (int)N, 0.0, u, (int)lm);
    RLA_CALL_GOTO(ctx, err, done, rla_cluster_orth(ctx, lm, 0, NULL, keep, u, 0.0, w, &t, NULL));
  }
  /* the actual error ||(I - U U^T) C||_F / ||C||_F, and the coefficients U^T C */
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_project(ctx, lm, t, w, N, a, y));
  {
    double s[1] = {rla_cluster_sumsq(lm, N, a, lm)};
    RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, s, 1));
    res = s[0];
  }
  C->actual[c] = total > 0 ? sqrt(res / total) : 0.0;
  C->rank[c] = t;
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, m, t, mb, &C->U[c]));
  {
    double *ud;
    int64_t lld;
    rla_dmat_local(C->U[c], &ud, NULL, NULL, &lld);
    for (int64_t j = 0; j < t; j++)
      for (int64_t i = 0; i < lm; i++)
        ud[i + j * lld] = w[i + j * lm];
  }
  C->coef[c] = y;
  y = NULL;
done:
  rla_free(&a);
  rla_free(&g);
  rla_free(&mu);
  rla_free(&u);
  rla_free(&w);
  rla_free(&y);
  return err;
}

/* ---- the loop ------------------------------------------------------------------------------- */

rla_err rla_cluster_compute(rla_cluster C, int64_t nblocks, const rla_dmat *blocks)
{
  rla_ctx ctx;
  int64_t m, mb, lm, total = 0, nmax = 0, ncl = 0, nmem = 0, failed = 0, failed_total = 0;
  double *nrm2 = NULL, *topr = NULL, t0;
  int64_t *wid = NULL, *bynorm = NULL, *cand = NULL, *seed = NULL;
  char *assigned = NULL;
  keyed *keys = NULL;
  state s = {0};
  rla_err err;
  RLA_CHECK(NULL, C, RLA_ERR_ARG, "rla_cluster_compute: NULL clustering");
  ctx = C->ctx;
  RLA_CHECK(ctx, C->r >= 1, RLA_ERR_ARG, "set the rank r before clustering");
  RLA_CHECK(ctx, C->eps > 0, RLA_ERR_ARG, "set the tolerance eps before clustering");
  RLA_CALL(ctx, rla_cluster_check_blocks(ctx, nblocks, blocks));
  clear(C);
  rla_dmat_sizes(blocks[0], &m, NULL);
  rla_dmat_blocks(blocks[0], &mb, NULL);
  rla_dmat_local(blocks[0], NULL, &lm, NULL, NULL);
  t0 = rla_wtime();
  err = rla_calloc(ctx, (size_t)nblocks, sizeof(double), &nrm2);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(double), &topr);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &wid);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &bynorm);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &cand);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &seed);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(char), &assigned);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(keyed), &keys);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks + 1, sizeof(int64_t), &C->start);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &C->members);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(double), &C->predicted);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks + 1, sizeof(int64_t), &s.mem);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  for (int64_t j = 0; j < nblocks; j++) {
    double *a;
    int64_t lld;
    rla_dmat_local(blocks[j], &a, NULL, &wid[j], &lld);
    nrm2[j] = rla_cluster_sumsq(lm, wid[j], a, lld);
    total += wid[j];
    if (wid[j] > nmax) nmax = wid[j];
  }
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, nrm2, nblocks));
  for (int64_t j = 0; j < nblocks; j++) {
    topr[j] = nrm2[j];
    if (C->alg != RLA_CLUSTER_APPROXIMATE && wid[j] > C->r)
      RLA_CALL_GOTO(ctx, err, done, rla_cluster_top_energy(ctx, blocks[j], C->r, &topr[j]));
  }
  C->sum.time_norms = rla_wtime() - t0;
  t0 = rla_wtime();
  /* blocks by descending norm (ties by index) */
  for (int64_t j = 0; j < nblocks; j++) {
    keys[j].key = -nrm2[j];
    keys[j].j = j;
  }
  qsort(keys, (size_t)nblocks, sizeof(keyed), cmp_keyed);
  for (int64_t j = 0; j < nblocks; j++)
    bynorm[j] = keys[j].j;

  s.C = C;
  s.blocks = blocks;
  s.nrm2 = nrm2;
  s.topr = topr;
  s.wid = wid;
  s.lm = lm;
  s.kmax = total < m ? total : m;
  if (C->alg == RLA_CLUSTER_RESIDUALS) {
    err = rla_calloc(ctx, (size_t)(lm * s.kmax + 1), sizeof(double), &s.q);
    if (!err) err = rla_calloc(ctx, (size_t)total + 1, sizeof(double), &s.s2);
    if (!err) err = rla_calloc(ctx, (size_t)total + 1, sizeof(double), &s.sorted);
    if (!err) err = rla_calloc(ctx, (size_t)nmax + 1, sizeof(double), &s.s2new);
    if (!err) err = rla_calloc(ctx, (size_t)(lm * nmax + 1), sizeof(double), &s.w);
    if (!err) err = rla_calloc(ctx, (size_t)(lm * nmax + 1), sizeof(double), &s.rbuf);
    if (!err) err = rla_calloc(ctx, (size_t)((s.kmax + 1) * nmax), sizeof(double), &s.y);
    RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  }

  for (int64_t head = 0; head < nblocks;) {
    int64_t nseed = 0, used = 0, nc = 0, joined = 0, first = C->start[ncl];
    double pred = 0.0, e;
    while (head < nblocks && assigned[bynorm[head]])
      head++;
    if (head == nblocks) break;
    RLA_CALL_GOTO(ctx, err, done, rla_fault_agree(ctx, "iterate"));
    if (failed >= C->patience) {
      /* the rest become singletons */
      for (int64_t i = head; i < nblocks; i++)
        if (!assigned[bynorm[i]]) {
          assigned[bynorm[i]] = 1;
          C->members[nmem++] = bynorm[i];
          C->start[++ncl] = nmem;
        }
      break;
    }
    /* the seed: the largest unassigned blocks while they fit in r columns (at least one) */
    RLA_CALL_GOTO(ctx, err, done, state_reset(&s));
    for (int64_t i = head; i < nblocks; i++) {
      int64_t j = bynorm[i];
      if (assigned[j]) continue;
      if (nseed > 0 && used + wid[j] > C->r) break;
      seed[nseed++] = j;
      used += wid[j];
      if (used >= C->r) break;
    }
    for (int64_t i = 0; i < nseed; i++) {
      assigned[seed[i]] = 1;
      C->members[nmem++] = seed[i];
      RLA_CALL_GOTO(ctx, err, done, try_add(&s, seed[i], 1, &pred));
    }
    /* the candidates in the chosen order */
    for (int64_t i = 0; i < nblocks; i++)
      if (!assigned[bynorm[i]]) cand[nc++] = bynorm[i];
    if (nc > 0 && pred <= C->eps) {
      if (C->order == RLA_CLUSTER_ORDER_RESIDUAL)
        RLA_CALL_GOTO(ctx, err, done, seed_residuals(C, &s, seed, nseed, cand, nc, keys));
      else
        for (int64_t i = 0; i < nc; i++) {
          keys[i].key = nrm2[cand[i]];
          keys[i].j = cand[i];
        }
      qsort(keys, (size_t)nc, sizeof(keyed), cmp_keyed);
      for (int64_t i = 0; i < nc; i++) {
        int64_t j = keys[i].j;
        RLA_CALL_GOTO(ctx, err, done, try_add(&s, j, 0, &e));
        if (e > C->eps) break;
        pred = e;
        assigned[j] = 1;
        C->members[nmem++] = j;
        joined++;
      }
    }
    if (nc > 0 && joined == 0) {
      failed++;
      failed_total++;
    } else
      failed = 0;
    /* members ascending */
    for (int64_t a = first; a < nmem; a++)
      for (int64_t b = a + 1; b < nmem; b++)
        if (C->members[b] < C->members[a]) {
          int64_t t = C->members[a];
          C->members[a] = C->members[b];
          C->members[b] = t;
        }
    C->predicted[ncl] = pred;
    C->start[++ncl] = nmem;
  }
  C->nclusters = ncl;
  C->nblocks = nblocks;
  C->sum.time_cluster = rla_wtime() - t0;
  t0 = rla_wtime();
  err = rla_calloc(ctx, (size_t)ncl, sizeof(double), &C->actual);
  if (!err) err = rla_calloc(ctx, (size_t)ncl, sizeof(int64_t), &C->width);
  if (!err) err = rla_calloc(ctx, (size_t)ncl, sizeof(int64_t), &C->rank);
  if (!err) err = rla_calloc(ctx, (size_t)ncl, sizeof(int64_t), &C->storage);
  if (!err) err = rla_calloc(ctx, (size_t)ncl, sizeof(rla_dmat), &C->U);
  if (!err) err = rla_calloc(ctx, (size_t)ncl, sizeof(double *), &C->coef);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  for (int64_t c = 0; c < ncl; c++)
    RLA_CALL_GOTO(ctx, err, done, compress(C, blocks, c, m, lm, mb, wid, nrm2));
  C->sum.time_compress = rla_wtime() - t0;
  {
    rla_cluster_summary *S = &C->sum;
    int64_t nns = 0;
    double esum = 0.0, emax = 0.0;
    S->nblocks = nblocks;
    S->nclusters = ncl;
    S->m = m;
    S->original = m * total;
    S->stored = 0;
    for (int64_t c = 0; c < ncl; c++) {
      S->stored += C->storage[c];
      if (C->start[c + 1] - C->start[c] > 1) {
        nns++;
        esum += C->actual[c];
      }
      if (C->actual[c] > emax) emax = C->actual[c];
    }
    S->nnonsingleton = nns;
    S->ratio = S->stored > 0 ? (double)S->original / (double)S->stored : 1.0;
    S->error_mean = nns ? esum / (double)nns : 0.0;
    S->error_max = emax;
    S->failed_seeds = failed_total;
  }
  C->computed = 1;
done:
  if (err) clear(C);
  rla_cluster_estimator_destroy(&s.E);
  rla_free(&s.q);
  rla_free(&s.s2);
  rla_free(&s.sorted);
  rla_free(&s.s2new);
  rla_free(&s.w);
  rla_free(&s.rbuf);
  rla_free(&s.y);
  rla_free(&s.mem);
  rla_free(&nrm2);
  rla_free(&topr);
  rla_free(&wid);
  rla_free(&bynorm);
  rla_free(&cand);
  rla_free(&seed);
  rla_free(&assigned);
  rla_free(&keys);
  return err;
}

rla_err rla_cluster_get_summary(rla_cluster C, rla_cluster_summary *s)
{
  RLA_CHECK(C ? C->ctx : NULL, C && C->computed, RLA_ERR_ARG,
            "no clustering result: call rla_cluster_compute first");
  *s = C->sum;
  return RLA_SUCCESS;
}

rla_err rla_cluster_get_item(rla_cluster C, int64_t i, rla_cluster_item *item)
{
  RLA_CHECK(C ? C->ctx : NULL, C && C->computed, RLA_ERR_ARG,
            "no clustering result: call rla_cluster_compute first");
  RLA_CHECK(C->ctx, i >= 0 && i < C->nclusters, RLA_ERR_ARG, "cluster %lld is not in [0, %lld)",
            (long long)i, (long long)C->nclusters);
  item->nmembers = C->start[i + 1] - C->start[i];
  item->members = C->members + C->start[i];
  item->width = C->width[i];
  item->rank = C->rank[i];
  item->predicted = C->predicted[i];
  item->actual = C->actual[i];
  item->storage = C->storage[i];
  return RLA_SUCCESS;
}

rla_err rla_cluster_get_basis(rla_cluster C, int64_t i, rla_dmat *U)
{
  RLA_CHECK(C ? C->ctx : NULL, C && C->computed, RLA_ERR_ARG,
            "no clustering result: call rla_cluster_compute first");
  RLA_CHECK(C->ctx, i >= 0 && i < C->nclusters, RLA_ERR_ARG, "cluster %lld is not in [0, %lld)",
            (long long)i, (long long)C->nclusters);
  *U = C->U[i];
  return RLA_SUCCESS;
}

rla_err rla_cluster_get_coefficients(rla_cluster C, int64_t i, const double **coef)
{
  RLA_CHECK(C ? C->ctx : NULL, C && C->computed, RLA_ERR_ARG,
            "no clustering result: call rla_cluster_compute first");
  RLA_CHECK(C->ctx, i >= 0 && i < C->nclusters, RLA_ERR_ARG, "cluster %lld is not in [0, %lld)",
            (long long)i, (long long)C->nclusters);
  *coef = C->coef[i];
  return RLA_SUCCESS;
}
