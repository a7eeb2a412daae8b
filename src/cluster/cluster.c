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
   span so far); approximate 8 m k n + 4 m n^2 flops (k = r + p); the residual order adds
   2 m w_seed flops per remaining column per cluster. Compression: approximate, Rayleigh-Ritz in
   the estimator's basis (2 m k N + 4 m r N flops); the certified algorithms, a Gram matrix of
   the N columns of a cluster (m N^2 flops, N^2 words reduced) and an N x N eigenproblem.
   Distributions (rla_cluster.h): with rows every step above is split by rows and its small
   matrices reduced. With blocks the norms and the residual keys of the candidates are computed
   by the owners, all at once, and gathered in one reduction; the seed blocks are broadcast; the
   basis of the growing cluster is replicated; a candidate is tried by its owner alone, which
   broadcasts one message: the predicted error and the state with the block joined (m (r + p)
   words for the estimator, m n_j for the residuals' new directions; max-norm needs nothing).
   Rayleigh-Ritz reduces Q^T C over the owners; the Gram compression redistributes the cluster
   by rows (one all-to-all). Every decision is taken on values that come from one rank, so the
   decisions are the same on every rank. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
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
  rla_ctx self; /* over MPI_COMM_SELF: the owner's work in the blocks distribution */
};

/* the names of the values 0, 1, ... of the three enumerations */
static const char *const algorithm_names[] = {"approximate", "residuals", "max-norm"};
static const char *const order_names[] = {"residual", "norm"};
static const char *const distribution_names[] = {"auto", "rows", "blocks"};
#define NNAMES(t) ((int)(sizeof(t) / sizeof(t[0])))

/* *value = the index of name in names[n], or RLA_ERR_ARG naming what and the choices */
static rla_err name_to_value(rla_ctx ctx, const char *what, const char *const *names, int n,
                             const char *name, int *value)
{
  char choices[128] = "";
  for (int i = 0; i < n; i++)
    if (name && !strcmp(name, names[i])) {
      *value = i;
      return RLA_SUCCESS;
    }
  for (int i = 0; i < n; i++)
    snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
             i == 0       ? ""
             : i == n - 1 ? " or "
                          : ", ",
             names[i]);
  return rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "unknown %s \"%s\": use %s",
                       what, name ? name : "(null)", choices);
}

static const char *value_to_name(const char *const *names, int n, int value)
{
  return value >= 0 && value < n ? names[value] : "unknown";
}

rla_err rla_cluster_algorithm_from_name(rla_ctx ctx, const char *name, rla_cluster_algorithm *a)
{
  int v;
  RLA_CALL(ctx, name_to_value(ctx, "clustering algorithm", algorithm_names, NNAMES(algorithm_names),
                              name, &v));
  *a = (rla_cluster_algorithm)v;
  return RLA_SUCCESS;
}

const char *rla_cluster_algorithm_name(rla_cluster_algorithm a)
{
  return value_to_name(algorithm_names, NNAMES(algorithm_names), (int)a);
}

rla_err rla_cluster_order_from_name(rla_ctx ctx, const char *name, rla_cluster_order *o)
{
  int v;
  RLA_CALL(ctx, name_to_value(ctx, "candidate order", order_names, NNAMES(order_names), name, &v));
  *o = (rla_cluster_order)v;
  return RLA_SUCCESS;
}

const char *rla_cluster_order_name(rla_cluster_order o)
{
  return value_to_name(order_names, NNAMES(order_names), (int)o);
}

rla_err rla_cluster_distribution_from_name(rla_ctx ctx, const char *name,
                                           rla_cluster_distribution *d)
{
  int v;
  RLA_CALL(ctx, name_to_value(ctx, "distribution", distribution_names, NNAMES(distribution_names),
                              name, &v));
  *d = (rla_cluster_distribution)v;
  return RLA_SUCCESS;
}

const char *rla_cluster_distribution_name(rla_cluster_distribution d)
{
  return value_to_name(distribution_names, NNAMES(distribution_names), (int)d);
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
  rla_ctx_destroy(&(*C)->self);
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
  int64_t lm, kmax; /* lm: local rows of a block (m on its owner with blocks) */
  /* blocks distribution: the owners (NULL with rows), this rank, the context of the kernels
     (the clustering's with rows, C->self with blocks) */
  const int *owner;
  int me;
  rla_ctx wctx;
  double *pkt; /* blocks: the message of one trial (outcome and new state) */
  int64_t npkt;
  /* max-norm: the members */
  int64_t n, *mem;
  /* residuals: the basis of the span, its size, the residual energies */
  double *q, *s2, *w, *rbuf, *y, *s2new, *sorted, *work;
  int64_t k, ns;
  /* approximate: the estimator of the cluster, and the spare on which a trial is made */
  rla_cluster_estimator E, F;
  double norm2;
} state;

/* the spare estimator s->F takes s->E's state (made on first use, then reused, so a trial
   allocates nothing); on s->E's context */
static rla_err spare_from_current(state *s)
{
  if (s->F) {
    rla_cluster_estimator_copy(s->E, s->F);
    return RLA_SUCCESS;
  }
  return rla_cluster_estimator_duplicate(s->E, &s->F);
}

/* the trial on the spare joins: the spare becomes the current estimator and the other way */
static void spare_accept(state *s)
{
  rla_cluster_estimator t = s->E;
  s->E = s->F;
  s->F = t;
}

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
  rla_ctx ctx = s->wctx;
  rla_cluster_local_copy(s->blocks[j], s->rbuf);
  RLA_CALL(ctx, rla_cluster_project(ctx, s->lm, s->k, s->q, s->wid[j], s->rbuf, s->y, s->work));
  RLA_CALL(ctx, rla_cluster_orth(ctx, s->lm, s->k, s->q, s->wid[j], s->rbuf,
                                 1e-14 * sqrt(s->nrm2[j]), s->w, t, s->s2new, NULL, s->work));
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
    ctx = s->wctx;
    RLA_CALL(ctx, spare_from_current(s));
    RLA_CALL(ctx, rla_cluster_estimator_add_norm(s->F, s->blocks[j], s->nrm2[j]));
    *err = rla_cluster_estimator_error(s->F);
    if (*err <= s->C->eps || force) spare_accept(s);
  }
  return RLA_SUCCESS;
}

static rla_err state_reset(state *s, int64_t m, int64_t mb)
{
  s->n = 0;
  s->k = 0;
  s->ns = 0;
  s->norm2 = 0.0;
  rla_cluster_estimator_destroy(&s->E);
  if (s->C->alg == RLA_CLUSTER_APPROXIMATE) {
    rla_err err = rla_cluster_estimator_create(s->wctx, m, mb, s->C->r, s->C->p, &s->E);
    if (err && s->owner)
      err = rla_error_set(s->C->ctx, err, __func__, __FILE__, __LINE__, "%s",
                          rla_ctx_error_message(s->wctx));
    /* in the blocks distribution the estimator is local to every rank: agree before the next
       trial's broadcast */
    if (s->owner) err = rla_ctx_agree(s->C->ctx, err);
    RLA_CALL(s->C->ctx, err);
  }
  return RLA_SUCCESS;
}

/* an error raised on the owner's context over MPI_COMM_SELF, moved to the clustering's */
static rla_err lift(rla_cluster C, rla_err err)
{
  if (err && C->self)
    return rla_error_set(C->ctx, err, __func__, __FILE__, __LINE__, "%s",
                         rla_ctx_error_message(C->self));
  return err;
}

/* try block j in the blocks distribution: its owner computes, then broadcasts in one message
   the outcome (error code, predicted error) and the state with block j joined (for residuals the
   new residual energies and directions; for the estimator its whole state); every rank keeps
   that state when the block joins, so all hold the same state and take the same decisions */
static rla_err try_owned(state *s, int64_t j, int force, double *e)
{
  rla_cluster C = s->C;
  rla_ctx ctx = C->ctx;
  int root = s->owner[j], mine = root == s->me;
  int64_t n = s->wid[j], t = 0, len;
  double *pkt = s->pkt;
  rla_err err = RLA_SUCCESS;
  if (C->alg == RLA_CLUSTER_MAX_NORM) return try_add(s, j, force, e);
  if (C->alg == RLA_CLUSTER_RESIDUALS) {
    len = 2 + n + s->lm * n;
    if (mine) {
      err = lift(C, residual_of(s, j, &t));
      if (!err) {
        memcpy(pkt + 2, s->s2new, sizeof(double) * (size_t)n);
        memcpy(pkt + 2 + n, s->w, sizeof(double) * (size_t)(s->lm * t));
      }
    }
  } else {
    len = 2 + rla_cluster_estimator_packsize(s->E);
    if (mine) {
      err = spare_from_current(s);
      if (!err) err = rla_cluster_estimator_add_norm(s->F, s->blocks[j], s->nrm2[j]);
      err = lift(C, err);
      if (!err) {
        pkt[1] = rla_cluster_estimator_error(s->F);
        rla_cluster_estimator_pack(s->F, pkt + 2);
      }
    }
  }
  if (mine) {
    pkt[0] = (double)err;
    if (C->alg == RLA_CLUSTER_RESIDUALS) pkt[1] = (double)t;
  }
  RLA_CALL_GOTO(ctx, err, done,
                MPI_Bcast(pkt, (int)len, MPI_DOUBLE, root, rla_ctx_comm(ctx)) == MPI_SUCCESS
                    ? RLA_SUCCESS
                    : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                                    "MPI_Bcast of a trial failed"));
  if (pkt[0] != 0) {
    err = rla_ctx_agree(ctx, mine ? (rla_err)pkt[0] : RLA_SUCCESS);
    goto done;
  }
  if (C->alg == RLA_CLUSTER_RESIDUALS) {
    t = (int64_t)pkt[1];
    memcpy(s->s2new, pkt + 2, sizeof(double) * (size_t)n);
    *e = residuals_error(s, n, s->nrm2[j]);
    {
      double e1 = maxnorm_error(s, j);
      if (e1 < *e) *e = e1;
    }
    if (*e <= C->eps || force) {
      if (!mine) memcpy(s->w, pkt + 2 + n, sizeof(double) * (size_t)(s->lm * t));
      residuals_commit(s, j, t);
      s->n++;
    }
  } else {
    *e = pkt[1];
    if (*e <= C->eps || force) {
      if (mine)
        spare_accept(s);
      else
        rla_cluster_estimator_unpack(s->E, pkt + 2);
    }
  }
done:
  return err;
}

/* try block j in either distribution */
static rla_err trial(state *s, int64_t j, int force, double *e)
{
  if (s->owner) return try_owned(s, j, force, e);
  return try_add(s, j, force, e);
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

/* relative residuals ||(I - P_seed) A_j||_F^2 / ||A_j||_F^2 = 1 - ||W^T A_j||_F^2 / ||A_j||_F^2
   of the candidates cand[0..nc), W an orthonormal basis of the seed: one product W^T [A_j ...]
   (2 m w_seed n flops per candidate; the cancellation costs O(eps) absolute in a key, and the
   keys only order the candidates). With rows the products are summed over the ranks; with blocks
   the seed blocks are broadcast, each rank orthonormalizes the seed and projects its own
   candidates, and the keys are summed (one owner each, so the sum is exact). */
static rla_err seed_residuals(rla_cluster C, state *s, const int64_t *seed, int64_t nseed,
                              const int64_t *cand, int64_t nc, keyed *out)
{
  rla_ctx ctx = C->ctx, wctx = s->wctx;
  int64_t lm = s->lm, ws = 0, wc = 0, t = 0, off = 0;
  double *a = NULL, *w = NULL, *y = NULL, *res = NULL;
  rla_err err;
  for (int64_t i = 0; i < nseed; i++)
    ws += s->wid[seed[i]];
  for (int64_t i = 0; i < nc; i++)
    if (!s->owner || s->owner[cand[i]] == s->me) wc += s->wid[cand[i]];
  err = rla_calloc(ctx, (size_t)(lm * ws + 1), sizeof(double), &a);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * ws + 1), sizeof(double), &w);
  if (!err) err = rla_calloc(ctx, (size_t)(ws * wc + 1), sizeof(double), &y);
  if (!err) err = rla_calloc(ctx, (size_t)nc + 1, sizeof(double), &res);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  for (int64_t i = 0; i < nseed; i++) {
    if (!s->owner || s->owner[seed[i]] == s->me)
      rla_cluster_local_copy(s->blocks[seed[i]], a + off * lm);
    if (s->owner)
      RLA_CALL_GOTO(ctx, err, done,
                    MPI_Bcast(a + off * lm, (int)(lm * s->wid[seed[i]]), MPI_DOUBLE,
                              s->owner[seed[i]], rla_ctx_comm(ctx)) == MPI_SUCCESS
                        ? RLA_SUCCESS
                        : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                                        "MPI_Bcast of a seed block failed"));
    off += s->wid[seed[i]];
  }
  err = rla_cluster_orth(wctx, lm, 0, NULL, ws, a, 0.0, w, &t, NULL, NULL, NULL);
  if (s->owner) RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, lift(C, err)));
  RLA_CALL_GOTO(ctx, err, done, err);
  /* y = W^T A_j for every candidate, read in place (no copy of the collection) */
  off = 0;
  for (int64_t i = 0; i < nc; i++)
    if (!s->owner || s->owner[cand[i]] == s->me) {
      double *x;
      int64_t ld;
      rla_dmat_local(s->blocks[cand[i]], &x, NULL, NULL, &ld);
      if (lm > 0 && t > 0)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)t, (int)s->wid[cand[i]], (int)lm,
                    1.0, w, (int)lm, x, (int)ld, 0.0, y + off * t, (int)t);
      off += s->wid[cand[i]];
    }
  /* rows: the products are summed on rank 0, which alone forms the keys and broadcasts them
     (nc numbers instead of the t wc of the products) */
  if (!s->owner) RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum_root(ctx, y, t * wc));
  off = 0;
  for (int64_t i = 0; i < nc; i++)
    if (s->owner ? s->owner[cand[i]] == s->me : s->me == 0) {
      double p2 = rla_cluster_sumsq(t, s->wid[cand[i]], y + off * t, t);
      res[i] = s->nrm2[cand[i]] > p2 ? s->nrm2[cand[i]] - p2 : 0.0;
      off += s->wid[cand[i]];
    }
  if (s->owner)
    RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, res, nc));
  else
    RLA_CALL_GOTO(ctx, err, done, rla_cluster_bcast(ctx, res, nc));
  for (int64_t i = 0; i < nc; i++) {
    out[i].j = cand[i];
    out[i].key = s->nrm2[cand[i]] > 0 ? res[i] / s->nrm2[cand[i]] : 0.0;
  }
done:
  rla_free(&a);
  rla_free(&w);
  rla_free(&y);
  rla_free(&res);
  return err;
}

/* the rows of the cluster's blocks mem[0..nm) into a (lm x N, ld lm) in the row split of the
   bases: local copies with rows; with blocks one all-to-all in which every owner sends each
   rank its rows of the members it owns */
static rla_err load_rows(rla_cluster C, const rla_dmat *blocks, const int *owner,
                         const int64_t *wid, const int64_t *row0, const int64_t *nrows,
                         const int64_t *mem, int64_t nm, int64_t lm, double *a)
{
  rla_ctx ctx = C->ctx;
  int P = rla_ctx_size(ctx), me = rla_ctx_rank(ctx);
  int *sc = NULL, *sd = NULL, *rc = NULL, *rd = NULL;
  int64_t off = 0, ssum = 0, rsum = 0;
  double *sb = NULL, *rb = NULL;
  rla_err err;
  if (!owner) {
    for (int64_t i = 0; i < nm; i++) {
      rla_cluster_local_copy(blocks[mem[i]], a + off * lm);
      off += wid[mem[i]];
    }
    return RLA_SUCCESS;
  }
  err = rla_calloc(ctx, (size_t)P, sizeof(int), &sc);
  if (!err) err = rla_calloc(ctx, (size_t)P, sizeof(int), &sd);
  if (!err) err = rla_calloc(ctx, (size_t)P, sizeof(int), &rc);
  if (!err) err = rla_calloc(ctx, (size_t)P, sizeof(int), &rd);
  for (int64_t i = 0; i < nm && !err; i++) {
    if (owner[mem[i]] == me) ssum += wid[mem[i]];
    rsum += wid[mem[i]];
  }
  if (!err) {
    int64_t m = row0[P - 1] + nrows[P - 1];
    RLA_CHECK_GOTO(ctx, err, done, ssum * m < INT32_MAX && rsum * lm < INT32_MAX,
                   RLA_ERR_UNSUPPORTED,
                   "a cluster of %lld columns is too large to redistribute (over 2^31 numbers "
                   "per rank): use the rows distribution",
                   (long long)rsum);
    err = rla_calloc(ctx, (size_t)(ssum * m + 1), sizeof(double), &sb);
  }
  if (!err) err = rla_calloc(ctx, (size_t)(rsum * lm + 1), sizeof(double), &rb);
done:
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, err));
  {
    int64_t o = 0;
    for (int p = 0; p < P; p++) {
      sd[p] = (int)o;
      for (int64_t i = 0; i < nm; i++) {
        double *x;
        int64_t ld;
        if (owner[mem[i]] != me) continue;
        rla_dmat_local(blocks[mem[i]], &x, NULL, NULL, &ld);
        for (int64_t c = 0; c < wid[mem[i]]; c++) {
          if (nrows[p] > 0) memcpy(sb + o, x + row0[p] + c * ld, sizeof(double) * (size_t)nrows[p]);
          o += nrows[p];
        }
      }
      sc[p] = (int)(o - sd[p]);
    }
    o = 0;
    for (int p = 0; p < P; p++) {
      rd[p] = (int)o;
      for (int64_t i = 0; i < nm; i++)
        if (owner[mem[i]] == p) o += lm * wid[mem[i]];
      rc[p] = (int)(o - rd[p]);
    }
  }
  RLA_CALL_GOTO(ctx, err, out,
                MPI_Alltoallv(sb, sc, sd, MPI_DOUBLE, rb, rc, rd, MPI_DOUBLE, rla_ctx_comm(ctx)) ==
                        MPI_SUCCESS
                    ? RLA_SUCCESS
                    : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                                    "MPI_Alltoallv of a cluster failed"));
  {
    /* from each owner, its members in member order, each lm x n_j */
    for (int p = 0; p < P; p++) {
      int64_t o = rd[p];
      off = 0;
      for (int64_t i = 0; i < nm; i++) {
        if (owner[mem[i]] == p) {
          if (lm > 0) memcpy(a + off * lm, rb + o, sizeof(double) * (size_t)(lm * wid[mem[i]]));
          o += lm * wid[mem[i]];
        }
        off += wid[mem[i]];
      }
    }
  }
out:
  rla_free(&sc);
  rla_free(&sd);
  rla_free(&rc);
  rla_free(&rd);
  rla_free(&sb);
  rla_free(&rb);
  return err;
}

/* ---- compression of one cluster ------------------------------------------------------------- */

static rla_err compress(rla_cluster C, const rla_dmat *blocks, const int *owner,
                        const int64_t *row0, const int64_t *nrows, int64_t c, int64_t m, int64_t lm,
                        int64_t mb, const int64_t *wid, const double *nrm2)
{
  rla_ctx ctx = C->ctx;
  const int64_t *mem = C->members + C->start[c];
  int64_t nm = C->start[c + 1] - C->start[c], N = 0, t = 0, r = C->r;
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
  RLA_CALL_GOTO(ctx, err, done, load_rows(C, blocks, owner, wid, row0, nrows, mem, nm, lm, a));
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
    RLA_CALL_GOTO(ctx, err, done,
                  rla_cluster_orth(ctx, lm, 0, NULL, keep, u, 0.0, w, &t, NULL, NULL, NULL));
  }
  /* the actual error ||(I - U U^T) C||_F / ||C||_F, and the coefficients U^T C */
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_project(ctx, lm, t, w, N, a, y, NULL));
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

/* compression of cluster c just grown with the estimator s->E (approximate): Rayleigh-Ritz in
   the estimator's basis Q (m x k): B = Q^T C, B B^T = V diag(mu) V^T, U = Q V_r orthonormalized
   again. Since Q diag(lambda) Q^T <= C C^T, ||U^T C||_F^2 >= ||Q_r^T C||_F^2 >= sum_{i<=r}
   lambda_i: the error of U is at most the predicted one (it is measured all the same, and a cluster
   whose measured error exceeds eps through rounding is left to compress()). Cost 2 m k N + 4 m r N
   flops, k N + r N words reduced, no N x N problem. *done = 0 when the cluster is left to
   compress() (a singleton, cheaper stored as is, or over eps). */
static rla_err compress_ritz(rla_cluster C, state *s, int64_t c, int64_t m, int64_t lm, int64_t mb,
                             const int64_t *row0, int *done)
{
  rla_ctx ctx = C->ctx;
  const int64_t *mem = C->members + C->start[c];
  const double *q;
  int64_t nm = C->start[c + 1] - C->start[c], N = 0, r = C->r, k = 0, slm = s->lm, keep = 0;
  int64_t t = 0, off, wmax = 0;
  double *b = NULL, *g = NULL, *mu = NULL, *u = NULL, *w = NULL, *y = NULL, *tmp = NULL;
  double total = 0.0, res;
  rla_err err;
  *done = 0;
  for (int64_t i = 0; i < nm; i++) {
    N += s->wid[mem[i]];
    total += s->nrm2[mem[i]];
    if (s->wid[mem[i]] > wmax) wmax = s->wid[mem[i]];
  }
  if (!s->E || nm == 1 || (double)m * (double)N <= (double)r * (double)(m + N)) return RLA_SUCCESS;
  rla_cluster_estimator_get(s->E, NULL, &k, NULL, NULL);
  if (k == 0) return RLA_SUCCESS;
  q = rla_cluster_estimator_basis(s->E);
  err = rla_calloc(ctx, (size_t)(k * N), sizeof(double), &b);
  if (!err) err = rla_calloc(ctx, (size_t)(k * k), sizeof(double), &g);
  if (!err) err = rla_calloc(ctx, (size_t)k, sizeof(double), &mu);
  if (!err) err = rla_calloc(ctx, (size_t)(slm * k + 1), sizeof(double), &u);
  if (!err) err = rla_calloc(ctx, (size_t)(slm * k + 1), sizeof(double), &w);
  if (!err) err = rla_calloc(ctx, (size_t)(k * N + 1), sizeof(double), &y);
  if (!err) err = rla_calloc(ctx, (size_t)(slm * wmax + 1), sizeof(double), &tmp);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  /* B = Q^T C: each rank its rows (rows) or its members (blocks), then one sum */
  off = 0;
  for (int64_t i = 0; i < nm; i++) {
    int64_t j = mem[i];
    if ((!s->owner || s->owner[j] == s->me) && slm > 0) {
      double *x;
      int64_t ld;
      rla_dmat_local(s->blocks[j], &x, NULL, NULL, &ld);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)k, (int)s->wid[j], (int)slm, 1.0, q,
                  (int)slm, x, (int)ld, 0.0, b + off * k, (int)k);
    }
    off += s->wid[j];
  }
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, b, k * N));
  /* B B^T = V diag(mu) V^T (replicated), U = Q V_r */
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)N, 1.0, b, (int)k, b,
              (int)k, 0.0, g, (int)k);
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_eig(ctx, k, g, mu));
  while (keep < r && keep < k && mu[keep] > 0)
    keep++;
  if (slm > 0 && keep > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)slm, (int)keep, (int)k, 1.0, q,
                (int)slm, g, (int)k, 0.0, u, (int)slm);
  err = rla_cluster_orth(s->wctx, slm, 0, NULL, keep, u, 0.0, w, &t, NULL, NULL, NULL);
  if (s->owner) err = rla_ctx_agree(ctx, lift(C, err));
  RLA_CALL_GOTO(ctx, err, done, err);
  /* W = U^T C and the residual ||C - U W||_F^2, measured: with rows W is summed before the
     residual is formed; with blocks every owner has whole columns, and W and the residual go in
     one sum (y[t N] holds the residual) */
  off = 0;
  for (int64_t i = 0; i < nm; i++) {
    int64_t j = mem[i];
    if ((!s->owner || s->owner[j] == s->me) && slm > 0 && t > 0) {
      double *x;
      int64_t ld;
      rla_dmat_local(s->blocks[j], &x, NULL, NULL, &ld);
      cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)t, (int)s->wid[j], (int)slm, 1.0, w,
                  (int)slm, x, (int)ld, 0.0, y + off * t, (int)t);
    }
    off += s->wid[j];
  }
  if (!s->owner) RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, y, t * N));
  off = 0;
  for (int64_t i = 0; i < nm; i++) {
    int64_t j = mem[i];
    if ((!s->owner || s->owner[j] == s->me) && slm > 0) {
      double *x;
      int64_t ld;
      rla_dmat_local(s->blocks[j], &x, NULL, NULL, &ld);
      for (int64_t cc = 0; cc < s->wid[j]; cc++)
        memcpy(tmp + cc * slm, x + cc * ld, sizeof(double) * (size_t)slm);
      if (t > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)slm, (int)s->wid[j], (int)t,
                    -1.0, w, (int)slm, y + off * t, (int)t, 1.0, tmp, (int)slm);
      y[t * N] += rla_cluster_sumsq(slm, s->wid[j], tmp, slm);
    }
    off += s->wid[j];
  }
  if (s->owner)
    RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, y, t * N + 1));
  else
    RLA_CALL_GOTO(ctx, err, done, rla_cluster_sum(ctx, y + t * N, 1));
  res = y[t * N];
  if (!(total > 0) || sqrt(res / total) > C->eps) goto done;
  C->width[c] = N;
  C->storage[c] = r * (m + N);
  C->actual[c] = sqrt(res / total);
  C->rank[c] = t;
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, m, t, mb, &C->U[c]));
  {
    double *ud;
    int64_t lld, o = s->owner ? row0[s->me] : 0;
    rla_dmat_local(C->U[c], &ud, NULL, NULL, &lld);
    for (int64_t jj = 0; jj < t; jj++)
      for (int64_t i = 0; i < lm; i++)
        ud[i + jj * lld] = w[o + i + jj * slm];
  }
  C->coef[c] = y;
  y = NULL;
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

/* ---- the loop ------------------------------------------------------------------------------- */

/* which distribution the blocks are in, the owners (blocks), the widths and m: one reduction of
   what every rank holds; at one rank everything is rows */
static rla_err find_layout(rla_cluster C, int64_t nblocks, const rla_dmat *blocks, int *owner,
                           int64_t *wid, int64_t *m, rla_cluster_distribution *dist)
{
  rla_ctx ctx = C->ctx;
  int P = rla_ctx_size(ctx), me = rla_ctx_rank(ctx);
  int64_t K = nblocks, nown = 0, nshared = 0, *v = NULL;
  rla_err err = RLA_SUCCESS;
  RLA_CHECK(ctx, nblocks >= 1 && blocks, RLA_ERR_ARG, "the collection has no blocks");
  *dist = RLA_CLUSTER_DIST_ROWS;
  if (P == 1) {
    RLA_CALL(ctx, rla_cluster_check_blocks(ctx, nblocks, blocks));
    for (int64_t j = 0; j < K; j++) {
      owner[j] = 0;
      rla_dmat_sizes(blocks[j], j == 0 ? m : NULL, &wid[j]);
    }
    return RLA_SUCCESS;
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)(5 * K), sizeof(int64_t), &v)));
  for (int64_t j = 0; j < K && !err; j++) {
    int64_t mj, nj;
    if (!blocks[j]) continue;
    if (rla_dmat_get_layout(blocks[j]) != RLA_DMAT_ROWBLOCK) {
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                          "block %lld is not in the row-block layout", (long long)j);
      break;
    }
    rla_dmat_sizes(blocks[j], &mj, &nj);
    if (rla_ctx_size(rla_dmat_ctx(blocks[j])) == 1) {
      v[j] = 1;
      v[K + j] = me + 1;
      v[2 * K + j] = nj;
      v[3 * K + j] = mj;
    } else
      v[4 * K + j] = 1;
  }
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(
      ctx, err, done,
      MPI_Allreduce(MPI_IN_PLACE, v, (int)(5 * K), MPI_INT64_T, MPI_SUM, rla_ctx_comm(ctx)) ==
              MPI_SUCCESS
          ? RLA_SUCCESS
          : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__, "MPI_Allreduce failed"));
  for (int64_t j = 0; j < K; j++) {
    RLA_CHECK_GOTO(ctx, err, done,
                   (v[j] == 1 && v[4 * K + j] == 0) || (v[j] == 0 && v[4 * K + j] == P),
                   RLA_ERR_ARG,
                   "block %lld is held whole by %lld ranks and distributed over %lld of %d: give "
                   "every block either to exactly one rank (over MPI_COMM_SELF) or by rows to all",
                   (long long)j, (long long)v[j], (long long)v[4 * K + j], P);
    nown += v[j];
    nshared += v[4 * K + j] == P;
  }
  RLA_CHECK_GOTO(ctx, err, done, nown == K || nshared == K, RLA_ERR_ARG,
                 "%lld blocks are held whole by one rank and %lld distributed by rows: use one "
                 "distribution for the whole collection",
                 (long long)nown, (long long)nshared);
  if (nshared == K) {
    RLA_CALL_GOTO(ctx, err, done, rla_cluster_check_blocks(ctx, nblocks, blocks));
    for (int64_t j = 0; j < K; j++) {
      owner[j] = 0;
      rla_dmat_sizes(blocks[j], j == 0 ? m : NULL, &wid[j]);
    }
  } else {
    *dist = RLA_CLUSTER_DIST_BLOCKS;
    *m = v[3 * K];
    for (int64_t j = 0; j < K; j++) {
      owner[j] = (int)(v[K + j] - 1);
      wid[j] = v[2 * K + j];
      RLA_CHECK_GOTO(ctx, err, done, v[3 * K + j] == *m, RLA_ERR_SHAPE,
                     "block %lld has %lld rows but block 0 has %lld: all blocks need the same "
                     "rows",
                     (long long)j, (long long)v[3 * K + j], (long long)*m);
      RLA_CHECK_GOTO(ctx, err, done, wid[j] >= 1, RLA_ERR_SHAPE, "block %lld has no columns",
                     (long long)j);
    }
  }
done:
  rla_free(&v);
  return err;
}

rla_err rla_cluster_compute(rla_cluster C, int64_t nblocks, const rla_dmat *blocks)
{
  rla_ctx ctx;
  int64_t m = 0, mb, lm, slm, smb, total = 0, nmax = 0, ncl = 0, nmem = 0, failed = 0;
  int64_t failed_total = 0;
  double *nt = NULL, *nrm2, *topr, t0, tcomp = 0.0;
  int64_t *wid = NULL, *bynorm = NULL, *cand = NULL, *seed = NULL, *row0 = NULL, *nrows = NULL;
  int *owner = NULL;
  char *assigned = NULL;
  keyed *keys = NULL;
  state s = {0};
  rla_cluster_distribution dist;
  rla_dmat probe = NULL;
  rla_err err;
  RLA_CHECK(NULL, C, RLA_ERR_ARG, "rla_cluster_compute: NULL clustering");
  ctx = C->ctx;
  RLA_CHECK(ctx, C->r >= 1, RLA_ERR_ARG, "set the rank r before clustering");
  RLA_CHECK(ctx, C->eps > 0, RLA_ERR_ARG, "set the tolerance eps before clustering");
  RLA_CHECK(ctx, nblocks >= 1 && blocks, RLA_ERR_ARG, "the collection has no blocks");
  clear(C);
  t0 = rla_wtime();
  err = rla_calloc(ctx, (size_t)(2 * nblocks), sizeof(double), &nt);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &wid);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int), &owner);
  if (!err) err = rla_calloc(ctx, (size_t)rla_ctx_size(ctx), sizeof(int64_t), &row0);
  if (!err) err = rla_calloc(ctx, (size_t)rla_ctx_size(ctx), sizeof(int64_t), &nrows);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &bynorm);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &cand);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &seed);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(char), &assigned);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(keyed), &keys);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks + 1, sizeof(int64_t), &C->start);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &C->members);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(double), &C->predicted);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks + 1, sizeof(int64_t), &s.mem);
  /* per cluster (at most one per block) */
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(double), &C->actual);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &C->width);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &C->rank);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(int64_t), &C->storage);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(rla_dmat), &C->U);
  if (!err) err = rla_calloc(ctx, (size_t)nblocks, sizeof(double *), &C->coef);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  nrm2 = nt;
  topr = nt + nblocks;
  RLA_CALL_GOTO(ctx, err, done, find_layout(C, nblocks, blocks, owner, wid, &m, &dist));
  if (dist == RLA_CLUSTER_DIST_BLOCKS) {
    /* the row split of the bases, and a context for the owner's work */
    err = rla_dmat_create_rowblock(ctx, m, 1, 0, &probe);
    if (!err && !C->self && rla_ctx_create(MPI_COMM_SELF, &C->self))
      err = rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                          "cannot create a context over MPI_COMM_SELF");
    RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
    rla_ctx_set_verbosity(C->self, rla_ctx_verbosity(ctx));
    rla_dmat_blocks(probe, &mb, NULL);
    rla_dmat_local(probe, NULL, &lm, NULL, NULL);
    for (int p = 0; p < rla_ctx_size(ctx); p++)
      rla_dmat_rank_rows(probe, p, &row0[p], &nrows[p]);
    slm = m;
    smb = m;
  } else {
    rla_dmat_blocks(blocks[0], &mb, NULL);
    rla_dmat_local(blocks[0], NULL, &lm, NULL, NULL);
    slm = lm;
    smb = mb;
  }
  /* norms (and top-r energies of blocks wider than r): by the owners with blocks, then one sum
     of 2 K numbers (one contribution each: exact) */
  for (int64_t j = 0; j < nblocks; j++) {
    double *a;
    int64_t lld;
    total += wid[j];
    if (wid[j] > nmax) nmax = wid[j];
    if (dist == RLA_CLUSTER_DIST_BLOCKS && owner[j] != rla_ctx_rank(ctx)) continue;
    rla_dmat_local(blocks[j], &a, NULL, NULL, &lld);
    nrm2[j] = rla_cluster_sumsq(slm, wid[j], a, lld);
    if (dist == RLA_CLUSTER_DIST_BLOCKS && C->alg != RLA_CLUSTER_APPROXIMATE && wid[j] > C->r &&
        !err)
      err = lift(C, rla_cluster_top_energy(C->self, blocks[j], C->r, &topr[j]));
  }
  if (dist == RLA_CLUSTER_DIST_BLOCKS) RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done,
                rla_cluster_sum(ctx, nt, dist == RLA_CLUSTER_DIST_BLOCKS ? 2 * nblocks : nblocks));
  for (int64_t j = 0; j < nblocks; j++) {
    if (C->alg == RLA_CLUSTER_APPROXIMATE || wid[j] <= C->r)
      topr[j] = nrm2[j];
    else if (dist == RLA_CLUSTER_DIST_ROWS)
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
  s.lm = slm;
  s.owner = dist == RLA_CLUSTER_DIST_BLOCKS ? owner : NULL;
  s.me = rla_ctx_rank(ctx);
  s.wctx = dist == RLA_CLUSTER_DIST_BLOCKS ? C->self : ctx;
  s.kmax = total < m ? total : m;
  if (C->alg == RLA_CLUSTER_RESIDUALS) {
    err = rla_calloc(ctx, (size_t)(slm * s.kmax + 1), sizeof(double), &s.q);
    if (!err) err = rla_calloc(ctx, (size_t)total + 1, sizeof(double), &s.s2);
    if (!err) err = rla_calloc(ctx, (size_t)total + 1, sizeof(double), &s.sorted);
    if (!err) err = rla_calloc(ctx, (size_t)nmax + 1, sizeof(double), &s.s2new);
    if (!err) err = rla_calloc(ctx, (size_t)(slm * nmax + 1), sizeof(double), &s.w);
    if (!err) err = rla_calloc(ctx, (size_t)(slm * nmax + 1), sizeof(double), &s.rbuf);
    if (!err) err = rla_calloc(ctx, (size_t)((s.kmax + 1) * nmax), sizeof(double), &s.y);
    /* the kernels' workspace: projection and orthonormalization run one after the other */
    if (!err)
      err = rla_calloc(ctx, (size_t)rla_cluster_orth_work(slm, s.kmax, nmax), sizeof(double),
                       &s.work);
    RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  }
  if (s.owner && C->alg != RLA_CLUSTER_MAX_NORM) {
    /* the largest trial message: residuals 2 + n + m n, the estimator 2 + 2 + k + m k */
    int64_t k = C->r + C->p < m ? C->r + C->p : m;
    s.npkt = C->alg == RLA_CLUSTER_RESIDUALS ? 2 + nmax + m * nmax : 4 + k + m * k;
    RLA_CHECK_GOTO(ctx, err, done, s.npkt < INT32_MAX, RLA_ERR_UNSUPPORTED,
                   "a trial message of %lld numbers is too large for the blocks distribution: use "
                   "rows",
                   (long long)s.npkt);
    err = rla_calloc(ctx, (size_t)s.npkt, sizeof(double), &s.pkt);
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
    RLA_CALL_GOTO(ctx, err, done, state_reset(&s, m, smb));
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
      RLA_CALL_GOTO(ctx, err, done, trial(&s, seed[i], 1, &pred));
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
        RLA_CALL_GOTO(ctx, err, done, trial(&s, j, 0, &e));
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
    C->nclusters = ncl;
    /* the estimator holds this cluster now: compress it from its basis while it is here */
    if (C->alg == RLA_CLUSTER_APPROXIMATE) {
      double tc = rla_wtime();
      int ok = 0;
      RLA_CALL_GOTO(ctx, err, done, compress_ritz(C, &s, ncl - 1, m, lm, mb, row0, &ok));
      tcomp += rla_wtime() - tc;
    }
  }
  C->nclusters = ncl;
  C->nblocks = nblocks;
  C->sum.time_cluster = rla_wtime() - t0 - tcomp;
  t0 = rla_wtime();
  for (int64_t c = 0; c < ncl; c++)
    if (C->storage[c] == 0)
      RLA_CALL_GOTO(ctx, err, done,
                    compress(C, blocks, s.owner, row0, nrows, c, m, lm, mb, wid, nrm2));
  C->sum.time_compress = rla_wtime() - t0 + tcomp;
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
    S->distribution = dist;
  }
  C->computed = 1;
done:
  if (err) clear(C);
  rla_cluster_estimator_destroy(&s.E);
  rla_cluster_estimator_destroy(&s.F);
  rla_free(&s.q);
  rla_free(&s.work);
  rla_free(&s.s2);
  rla_free(&s.sorted);
  rla_free(&s.s2new);
  rla_free(&s.w);
  rla_free(&s.rbuf);
  rla_free(&s.y);
  rla_free(&s.mem);
  rla_free(&s.pkt);
  rla_free(&nt);
  rla_free(&wid);
  rla_free(&owner);
  rla_free(&row0);
  rla_free(&nrows);
  rla_dmat_destroy(&probe);
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
