/* SPDX-License-Identifier: BSD-3-Clause */
/* The greedy seed-and-grow loop of the error-constrained clustering (Shamrai, arXiv 2601.11626,
   the clustering algorithms), with the predictor of the chosen algorithm (impls/) and the
   compression of every cluster (compress.c), in four steps:
   - setup (rla_cluster_plan_create): the layout of the collection, the predictor and every
     workspace of the loop;
   - seed: blocks by descending norm; a seed takes the largest unassigned block and the next ones
     while the total width stays <= r, whatever their predicted error;
   - grow: the other unassigned blocks are scanned in a fixed order (ascending norm, or ascending
     relative residual against the span of the seed) and join while the predicted error stays
     <= eps, stopping at the first that would exceed it. A seed that cannot grow is kept as a
     cluster (its blocks are never dropped); after `patience` such seeds in a row the remaining
     blocks become singletons;
   - finish: the compression of every cluster and the summary.
   Cost per tried block: the predictor's (impls/: max-norm O(cluster size); residuals 4 m n d
   flops, d the span so far; approximate 8 m k n + 4 m n^2 flops, k = r + p); the residual order
   adds 2 m w_seed flops per remaining column per cluster.
   Distributions (rla/cluster.h): with rows every step is split by rows and its small matrices
   reduced, and the predictor is called directly. With blocks the norms and the residual keys of
   the candidates are computed by the owners, all at once, and gathered in one reduction; the
   seed blocks are broadcast; the state of the growing cluster is replicated, and a candidate is
   tried by its owner alone, which broadcasts the outcome (rla_cluster_owned_try). Every decision
   is taken on values that come from one rank, so the decisions are the same on every rank. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fault.h"
#include "cluster_impl.h"

/* one line per algorithm */
static const struct rla_cluster_predictor_ops *const registry[] = {
    [RLA_CLUSTER_APPROXIMATE] = &rla_cluster_approximate_ops,
    [RLA_CLUSTER_RESIDUALS] = &rla_cluster_residuals_ops,
    [RLA_CLUSTER_MAX_NORM] = &rla_cluster_maxnorm_ops,
};

int rla_cluster_keyed_cmp(const void *a, const void *b)
{
  const rla_cluster_keyed *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->j < y->j ? -1 : x->j > y->j;
}

/* ---- setup --------------------------------------------------------------------------------- */

void rla_cluster_plan_destroy(rla_cluster_plan **plan)
{
  rla_cluster_plan *pl;
  if (!plan || !*plan) return;
  pl = *plan;
  rla_cluster_owned_destroy(&pl->T);
  rla_cluster_predictor_destroy(&pl->P);
  rla_free(&pl->handles);
  rla_free(&pl->owner);
  rla_free(&pl->row0);
  rla_free(&pl->nrows);
  rla_free(&pl->wid);
  rla_free(&pl->nrm2);
  rla_free(&pl->bynorm);
  rla_free(&pl->cand);
  rla_free(&pl->seed);
  rla_free(&pl->assigned);
  rla_free(&pl->keys);
  rla_free(&pl->sa);
  rla_free(&pl->sw);
  rla_free(&pl->sy);
  rla_free(&pl->sres);
  rla_free(&pl->swork);
  rla_free(plan);
}

/* the arrays of one entry per block (nrm2 and topr in one of 2 K) or per rank */
static rla_err plan_arrays(rla_ctx ctx, rla_cluster_plan *pl, int64_t K)
{
  size_t P = (size_t)rla_ctx_size(ctx);
  rla_err err = rla_calloc(ctx, (size_t)K, sizeof(rla_dmat), &pl->handles);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int), &pl->owner);
  if (!err) err = rla_calloc(ctx, P, sizeof(int64_t), &pl->row0);
  if (!err) err = rla_calloc(ctx, P, sizeof(int64_t), &pl->nrows);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &pl->wid);
  if (!err) err = rla_calloc(ctx, (size_t)(2 * K), sizeof(double), &pl->nrm2);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &pl->bynorm);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &pl->cand);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &pl->seed);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(char), &pl->assigned);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(rla_cluster_keyed), &pl->keys);
  if (!err) pl->topr = pl->nrm2 + K;
  return rla_ctx_agree(ctx, err);
}

/* the row split of the bases, a context for the owner's work (blocks), and the problem the
   predictor sees: with blocks a trial runs on one rank over MPI_COMM_SELF with all m rows */
static rla_err plan_rows(rla_cluster C, rla_cluster_plan *pl)
{
  rla_ctx ctx = C->ctx;
  rla_cluster_problem *pb = &pl->pb;
  *pb = (rla_cluster_problem){.ctx = ctx,
                              .blocks = pl->handles,
                              .wid = pl->wid,
                              .nrm2 = pl->nrm2,
                              .topr = pl->topr,
                              .nblocks = pl->nblocks,
                              .m = pl->m,
                              .r = C->r,
                              .p = C->p};
  if (pl->dist == RLA_CLUSTER_DIST_BLOCKS) {
    rla_dmat probe = NULL;
    rla_err err = rla_dmat_create_rowblock(ctx, pl->m, 1, 0, &probe);
    if (!err && !C->self && rla_ctx_create(MPI_COMM_SELF, &C->self))
      err = rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                          "cannot create a context over MPI_COMM_SELF");
    err = rla_ctx_agree(ctx, err);
    if (!err) {
      rla_ctx_set_verbosity(C->self, rla_ctx_verbosity(ctx));
      rla_dmat_blocks(probe, &pl->mb, NULL);
      rla_dmat_local(probe, NULL, &pl->lm, NULL, NULL);
      for (int p = 0; p < rla_ctx_size(ctx); p++)
        rla_dmat_rank_rows(probe, p, &pl->row0[p], &pl->nrows[p]);
    }
    rla_dmat_destroy(&probe);
    RLA_CALL(ctx, err);
    pb->ctx = C->self;
    pb->mb = pb->lm = pl->m;
  } else {
    rla_dmat_blocks(pl->handles[0], &pl->mb, NULL);
    rla_dmat_local(pl->handles[0], NULL, &pl->lm, NULL, NULL);
    pb->mb = pl->mb;
    pb->lm = pl->lm;
  }
  for (int64_t j = 0; j < pl->nblocks; j++) {
    pb->total += pl->wid[j];
    if (pl->wid[j] > pb->nmax) pb->nmax = pl->wid[j];
  }
  return RLA_SUCCESS;
}

/* the predictor of the algorithm; with blocks every rank makes its own over MPI_COMM_SELF (so
   they agree here) and the trials' message buffer */
static rla_err plan_predictor(rla_cluster C, rla_cluster_plan *pl)
{
  rla_ctx ctx = C->ctx;
  rla_err err = rla_cluster_predictor_create(registry[C->alg], &pl->pb, &pl->P);
  if (pl->dist != RLA_CLUSTER_DIST_BLOCKS) {
    RLA_CALL(ctx, err);
    return RLA_SUCCESS;
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_cluster_lift(ctx, C->self, err)));
  return rla_cluster_owned_create(ctx, pl->P, pl->owner, &pl->T);
}

/* the residual order's workspaces: a seed is at most max(nmax, r) columns wide; the products
   W^T A_j cover the candidates this rank holds */
static rla_err plan_order(rla_cluster C, rla_cluster_plan *pl)
{
  const rla_cluster_problem *pb = &pl->pb;
  rla_ctx ctx = C->ctx;
  int64_t ws = pb->nmax > C->r ? pb->nmax : C->r, wc = 0, lm = pb->lm;
  rla_err err;
  if (C->order != RLA_CLUSTER_ORDER_RESIDUAL) return RLA_SUCCESS;
  if (ws > pb->total) ws = pb->total;
  for (int64_t j = 0; j < pl->nblocks; j++)
    if (rla_cluster_mine(pl, j)) wc += pl->wid[j];
  err = rla_calloc(ctx, (size_t)(lm * ws + 1), sizeof(double), &pl->sa);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * ws + 1), sizeof(double), &pl->sw);
  if (!err) err = rla_calloc(ctx, (size_t)(ws * wc + 1), sizeof(double), &pl->sy);
  if (!err) err = rla_calloc(ctx, (size_t)pl->nblocks + 1, sizeof(double), &pl->sres);
  if (!err)
    err = rla_calloc(ctx, (size_t)rla_cluster_orth_work(lm, 0, ws), sizeof(double), &pl->swork);
  return rla_ctx_agree(ctx, err);
}

rla_err rla_cluster_plan_create(rla_cluster C, int64_t nblocks, const rla_dmat *blocks)
{
  rla_ctx ctx = C->ctx;
  rla_cluster_plan *pl = NULL;
  rla_err err;
  rla_cluster_plan_destroy(&C->plan);
  RLA_CHECK(ctx, nblocks >= 1 && blocks, RLA_ERR_ARG, "the collection has no blocks");
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, 1, sizeof(*pl), &pl)));
  pl->nblocks = nblocks;
  pl->me = rla_ctx_rank(ctx);
  RLA_CALL_GOTO(ctx, err, fail, plan_arrays(ctx, pl, nblocks));
  memcpy(pl->handles, blocks, sizeof(rla_dmat) * (size_t)nblocks);
  RLA_CALL_GOTO(ctx, err, fail,
                rla_cluster_find_layout(C, nblocks, blocks, pl->owner, pl->wid, &pl->m, &pl->dist));
  RLA_CALL_GOTO(ctx, err, fail, plan_rows(C, pl));
  RLA_CALL_GOTO(ctx, err, fail, plan_predictor(C, pl));
  RLA_CALL_GOTO(ctx, err, fail, plan_order(C, pl));
  C->plan = pl;
  return RLA_SUCCESS;
fail:
  rla_cluster_plan_destroy(&pl);
  return err;
}

/* ---- the steps of the loop ----------------------------------------------------------------- */

/* where the loop is: clusters and members so far, seeds that could not grow (in a row and in
   all), the seed and the candidates of the current cluster, the time of the compressions */
typedef struct {
  int64_t ncl, nmem, failed, failed_total, nseed, nc;
  double tcomp;
} progress;

/* norms (and top-r energies of blocks wider than r): by the owners with blocks, then one sum
   of 2 K numbers (one contribution each: exact) */
static rla_err norms(rla_cluster C, rla_cluster_plan *pl)
{
  rla_ctx ctx = C->ctx;
  int64_t K = pl->nblocks;
  int blocks = pl->dist == RLA_CLUSTER_DIST_BLOCKS;
  rla_err err = RLA_SUCCESS;
  memset(pl->nrm2, 0, sizeof(double) * (size_t)(2 * K));
  for (int64_t j = 0; j < K; j++) {
    double *a;
    int64_t lld;
    if (!rla_cluster_mine(pl, j)) continue;
    rla_dmat_local(pl->handles[j], &a, NULL, NULL, &lld);
    pl->nrm2[j] = rla_cluster_sumsq(pl->pb.lm, pl->wid[j], a, lld);
    if (blocks && C->alg != RLA_CLUSTER_APPROXIMATE && pl->wid[j] > C->r && !err)
      err = rla_cluster_lift(ctx, C->self,
                             rla_cluster_top_energy(C->self, pl->handles[j], C->r, &pl->topr[j]));
  }
  if (blocks) RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_CALL(ctx, rla_reduce_sum_replicated(ctx, pl->nrm2, blocks ? 2 * K : K));
  for (int64_t j = 0; j < K; j++) {
    if (C->alg == RLA_CLUSTER_APPROXIMATE || pl->wid[j] <= C->r)
      pl->topr[j] = pl->nrm2[j];
    else if (!blocks)
      RLA_CALL(ctx, rla_cluster_top_energy(ctx, pl->handles[j], C->r, &pl->topr[j]));
  }
  return RLA_SUCCESS;
}

/* blocks by descending norm (ties by index) */
static void sort_by_norm(rla_cluster_plan *pl)
{
  for (int64_t j = 0; j < pl->nblocks; j++) {
    pl->keys[j].key = -pl->nrm2[j];
    pl->keys[j].j = j;
  }
  qsort(pl->keys, (size_t)pl->nblocks, sizeof(rla_cluster_keyed), rla_cluster_keyed_cmp);
  for (int64_t j = 0; j < pl->nblocks; j++)
    pl->bynorm[j] = pl->keys[j].j;
}

/* a trial: the predictor directly with rows, through its owner with blocks */
static rla_err try_block(rla_cluster_plan *pl, int64_t j, double *e)
{
  if (pl->dist == RLA_CLUSTER_DIST_BLOCKS) return rla_cluster_owned_try(&pl->T, j, e);
  return pl->P->ops->try(pl->P, j, e);
}

static void accept_block(rla_cluster_plan *pl, int64_t j)
{
  if (pl->dist == RLA_CLUSTER_DIST_BLOCKS)
    rla_cluster_owned_accept(&pl->T, j);
  else
    pl->P->ops->accept(pl->P, j);
}

/* the seed: the largest unassigned blocks from head on while they fit in r columns (at least
   one), joined whatever their prediction; *pred the error of the seed */
static rla_err seed(rla_cluster C, rla_cluster_plan *pl, int64_t head, progress *g, double *pred)
{
  int64_t used = 0;
  pl->P->ops->reset(pl->P);
  g->nseed = 0;
  for (int64_t i = head; i < pl->nblocks; i++) {
    int64_t j = pl->bynorm[i];
    if (pl->assigned[j]) continue;
    if (g->nseed > 0 && used + pl->wid[j] > C->r) break;
    pl->seed[g->nseed++] = j;
    used += pl->wid[j];
    if (used >= C->r) break;
  }
  for (int64_t i = 0; i < g->nseed; i++) {
    pl->assigned[pl->seed[i]] = 1;
    C->members[g->nmem++] = pl->seed[i];
    RLA_CALL(C->ctx, try_block(pl, pl->seed[i], pred));
    accept_block(pl, pl->seed[i]);
  }
  /* the candidates: the unassigned blocks */
  g->nc = 0;
  for (int64_t i = 0; i < pl->nblocks; i++)
    if (!pl->assigned[pl->bynorm[i]]) pl->cand[g->nc++] = pl->bynorm[i];
  return RLA_SUCCESS;
}

/* the seed's columns into pl->sa (lm x *ws): with blocks broadcast by their owners */
static rla_err load_seed(rla_cluster C, rla_cluster_plan *pl, int64_t nseed, int64_t *ws)
{
  rla_ctx ctx = C->ctx;
  int64_t lm = pl->pb.lm, off = 0;
  for (int64_t i = 0; i < nseed; i++) {
    int64_t j = pl->seed[i];
    if (rla_cluster_mine(pl, j)) rla_cluster_local_copy(pl->handles[j], pl->sa + off * lm);
    if (pl->dist == RLA_CLUSTER_DIST_BLOCKS)
      RLA_CALL(ctx, MPI_Bcast(pl->sa + off * lm, (int)(lm * pl->wid[j]), MPI_DOUBLE, pl->owner[j],
                              rla_ctx_comm(ctx)) == MPI_SUCCESS
                        ? RLA_SUCCESS
                        : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                                        "MPI_Bcast of a seed block failed"));
    off += pl->wid[j];
  }
  *ws = off;
  return RLA_SUCCESS;
}

/* relative residuals ||(I - P_seed) A_j||_F^2 / ||A_j||_F^2 = 1 - ||W^T A_j||_F^2 / ||A_j||_F^2
   of the candidates into pl->keys, W an orthonormal basis of the seed: one product
   W^T [A_j ...] (2 m w_seed n flops per candidate; the cancellation costs O(eps) absolute in a
   key, and the keys only order the candidates). With rows the products are summed over the
   ranks; with blocks the seed blocks are broadcast, each rank orthonormalizes the seed and
   projects its own candidates, and the keys are summed (one owner each, so the sum is exact). */
static rla_err seed_residuals(rla_cluster C, rla_cluster_plan *pl, const progress *g)
{
  rla_ctx ctx = C->ctx, wctx = pl->pb.ctx;
  int blocks = pl->dist == RLA_CLUSTER_DIST_BLOCKS;
  int64_t lm = pl->pb.lm, ws = 0, t = 0, wc = 0, off = 0, nc = g->nc;
  const int64_t *cand = pl->cand;
  double *y = pl->sy, *res = pl->sres;
  rla_err err;
  RLA_CALL(ctx, load_seed(C, pl, g->nseed, &ws));
  err = rla_cluster_orth(wctx, lm, 0, NULL, ws, pl->sa, 0.0, pl->sw, &t, NULL, NULL, pl->swork);
  if (blocks) err = rla_ctx_agree(ctx, rla_cluster_lift(ctx, wctx, err));
  RLA_CALL(ctx, err);
  /* y = W^T A_j for every candidate, read in place (no copy of the collection) */
  for (int64_t i = 0; i < nc; i++)
    if (rla_cluster_mine(pl, cand[i])) wc += pl->wid[cand[i]];
  memset(y, 0, sizeof(double) * (size_t)(t * wc));
  memset(res, 0, sizeof(double) * (size_t)nc);
  for (int64_t i = 0; i < nc; i++)
    if (rla_cluster_mine(pl, cand[i])) {
      double *x;
      int64_t ld;
      rla_dmat_local(pl->handles[cand[i]], &x, NULL, NULL, &ld);
      if (lm > 0 && t > 0)
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)t, (int)pl->wid[cand[i]], (int)lm,
                    1.0, pl->sw, (int)lm, x, (int)ld, 0.0, y + off * t, (int)t);
      off += pl->wid[cand[i]];
    }
  /* rows: the products are summed on rank 0, which alone forms the keys and broadcasts them
     (nc numbers instead of the t wc of the products) */
  if (!blocks) RLA_CALL(ctx, rla_reduce_sum_root(ctx, y, t * wc));
  off = 0;
  for (int64_t i = 0; i < nc; i++)
    if (blocks ? pl->owner[cand[i]] == pl->me : pl->me == 0) {
      double p2 = rla_cluster_sumsq(t, pl->wid[cand[i]], y + off * t, t), a2 = pl->nrm2[cand[i]];
      res[i] = a2 > p2 ? a2 - p2 : 0.0;
      off += pl->wid[cand[i]];
    }
  RLA_CALL(ctx, blocks ? rla_reduce_sum_replicated(ctx, res, nc) : rla_reduce_bcast(ctx, res, nc));
  for (int64_t i = 0; i < nc; i++) {
    pl->keys[i].j = cand[i];
    pl->keys[i].key = pl->nrm2[cand[i]] > 0 ? res[i] / pl->nrm2[cand[i]] : 0.0;
  }
  return RLA_SUCCESS;
}

/* grow: the candidates in the chosen order join while the prediction stays <= eps */
static rla_err grow(rla_cluster C, rla_cluster_plan *pl, progress *g, double *pred, int64_t *joined)
{
  *joined = 0;
  if (g->nc == 0 || *pred > C->eps) return RLA_SUCCESS;
  if (C->order == RLA_CLUSTER_ORDER_RESIDUAL)
    RLA_CALL(C->ctx, seed_residuals(C, pl, g));
  else
    for (int64_t i = 0; i < g->nc; i++) {
      pl->keys[i].key = pl->nrm2[pl->cand[i]];
      pl->keys[i].j = pl->cand[i];
    }
  qsort(pl->keys, (size_t)g->nc, sizeof(rla_cluster_keyed), rla_cluster_keyed_cmp);
  for (int64_t i = 0; i < g->nc; i++) {
    int64_t j = pl->keys[i].j;
    double e;
    RLA_CALL(C->ctx, try_block(pl, j, &e));
    if (e > C->eps) break;
    accept_block(pl, j);
    *pred = e;
    pl->assigned[j] = 1;
    C->members[g->nmem++] = j;
    (*joined)++;
  }
  return RLA_SUCCESS;
}

static int cmp_index(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* the cluster just grown: members ascending, its prediction, the seeds that could not grow */
static void close_cluster(rla_cluster C, progress *g, int64_t first, double pred, int64_t joined)
{
  if (g->nc > 0 && joined == 0) {
    g->failed++;
    g->failed_total++;
  } else
    g->failed = 0;
  qsort(C->members + first, (size_t)(g->nmem - first), sizeof(int64_t), cmp_index);
  C->predicted[g->ncl] = pred;
  C->start[++g->ncl] = g->nmem;
  C->nclusters = g->ncl;
}

/* after `patience` seeds in a row that could not grow: the rest become singletons */
static void singletons(rla_cluster C, rla_cluster_plan *pl, int64_t head, progress *g)
{
  for (int64_t i = head; i < pl->nblocks; i++)
    if (!pl->assigned[pl->bynorm[i]]) {
      pl->assigned[pl->bynorm[i]] = 1;
      C->members[g->nmem++] = pl->bynorm[i];
      C->start[++g->ncl] = g->nmem;
    }
}

static rla_err loop(rla_cluster C, rla_cluster_plan *pl, progress *g)
{
  rla_ctx ctx = C->ctx;
  for (int64_t head = 0; head < pl->nblocks;) {
    int64_t first = C->start[g->ncl], joined = 0;
    double pred = 0.0;
    while (head < pl->nblocks && pl->assigned[pl->bynorm[head]])
      head++;
    if (head == pl->nblocks) break;
    RLA_CALL(ctx, rla_fault_agree(ctx, "iterate"));
    if (g->failed >= C->patience) {
      singletons(C, pl, head, g);
      break;
    }
    RLA_CALL(ctx, seed(C, pl, head, g, &pred));
    RLA_CALL(ctx, grow(C, pl, g, &pred, &joined));
    close_cluster(C, g, first, pred, joined);
    /* a predictor with a basis holds this cluster now: compress it from there while it is here */
    if (pl->P->ops->basis) {
      double tc = rla_wtime();
      int ok = 0;
      RLA_CALL(ctx, rla_cluster_compress_ritz(C, g->ncl - 1, &ok));
      g->tcomp += rla_wtime() - tc;
    }
  }
  return RLA_SUCCESS;
}

/* ---- finish -------------------------------------------------------------------------------- */

static void summarize(rla_cluster C, const rla_cluster_plan *pl, int64_t failed_total)
{
  rla_cluster_summary *S = &C->sum;
  int64_t nns = 0;
  double esum = 0.0, emax = 0.0;
  S->nblocks = pl->nblocks;
  S->nclusters = C->nclusters;
  S->m = pl->m;
  S->original = pl->m * pl->pb.total;
  S->stored = 0;
  for (int64_t c = 0; c < C->nclusters; c++) {
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
  S->distribution = pl->dist;
}

rla_err rla_cluster_greedy(rla_cluster C)
{
  rla_ctx ctx = C->ctx;
  rla_cluster_plan *pl = C->plan;
  progress g = {0};
  double t0 = rla_wtime();
  memset(pl->assigned, 0, (size_t)pl->nblocks);
  RLA_CALL(ctx, norms(C, pl));
  C->sum.time_norms = rla_wtime() - t0;
  t0 = rla_wtime();
  sort_by_norm(pl);
  RLA_CALL(ctx, loop(C, pl, &g));
  C->nclusters = g.ncl;
  C->nblocks = pl->nblocks;
  C->sum.time_cluster = rla_wtime() - t0 - g.tcomp;
  t0 = rla_wtime();
  for (int64_t c = 0; c < g.ncl; c++)
    if (C->storage[c] == 0) RLA_CALL(ctx, rla_cluster_compress_gram(C, c));
  C->sum.time_compress = rla_wtime() - t0 + g.tcomp;
  summarize(C, pl, g.failed_total);
  return RLA_SUCCESS;
}
