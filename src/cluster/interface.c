/* SPDX-License-Identifier: BSD-3-Clause */
/* Front end of the clustering: the names of the enumerations, create / destroy / set / get /
   view, and the lifecycle: rla_cluster_setup plans for a collection (greedy.c), and
   rla_cluster_compute validates, makes the plan when it is missing or for another collection,
   and runs it. */
#include <stdio.h>
#include <string.h>

#include "../base/setting.h"
#include "cluster_impl.h"

/* the names of the values 0, 1, ... of the three enumerations */
const char *const rla_cluster_algorithm_names[3] = {"approximate", "residuals", "max-norm"};
const char *const rla_cluster_order_names[2] = {"residual", "norm"};
static const char *const distribution_names[] = {"auto", "rows", "blocks"};
#define NNAMES(t) ((int)(sizeof(t) / sizeof(t[0])))

rla_err rla_cluster_algorithm_from_name(rla_ctx ctx, const char *name, rla_cluster_algorithm *a)
{
  int v;
  RLA_CALL(ctx, rla_enum_from_name(ctx, "clustering algorithm", rla_cluster_algorithm_names,
                                   NNAMES(rla_cluster_algorithm_names), name, &v));
  *a = (rla_cluster_algorithm)v;
  return RLA_SUCCESS;
}

const char *rla_cluster_algorithm_name(rla_cluster_algorithm a)
{
  return rla_enum_name(rla_cluster_algorithm_names, NNAMES(rla_cluster_algorithm_names), (int)a);
}

rla_err rla_cluster_order_from_name(rla_ctx ctx, const char *name, rla_cluster_order *o)
{
  int v;
  RLA_CALL(ctx, rla_enum_from_name(ctx, "candidate order", rla_cluster_order_names,
                                   NNAMES(rla_cluster_order_names), name, &v));
  *o = (rla_cluster_order)v;
  return RLA_SUCCESS;
}

const char *rla_cluster_order_name(rla_cluster_order o)
{
  return rla_enum_name(rla_cluster_order_names, NNAMES(rla_cluster_order_names), (int)o);
}

rla_err rla_cluster_distribution_from_name(rla_ctx ctx, const char *name,
                                           rla_cluster_distribution *d)
{
  int v;
  RLA_CALL(ctx, rla_enum_from_name(ctx, "distribution", distribution_names,
                                   NNAMES(distribution_names), name, &v));
  *d = (rla_cluster_distribution)v;
  return RLA_SUCCESS;
}

const char *rla_cluster_distribution_name(rla_cluster_distribution d)
{
  return rla_enum_name(distribution_names, NNAMES(distribution_names), (int)d);
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

/* the result arrays, one entry per cluster (at most one per block) */
static rla_err results_alloc(rla_cluster C, int64_t K)
{
  rla_ctx ctx = C->ctx;
  rla_err err = rla_calloc(ctx, (size_t)K + 1, sizeof(int64_t), &C->start);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &C->members);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(double), &C->predicted);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(double), &C->actual);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &C->width);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &C->rank);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &C->storage);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(rla_dmat), &C->U);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(double *), &C->coef);
  return rla_ctx_agree(ctx, err);
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
  rla_cluster_plan_destroy(&(*C)->plan);
  rla_ctx_destroy(&(*C)->self);
  rla_free(C);
  return RLA_SUCCESS;
}

/* A setting the plan depends on (rank, algorithm, order, oversampling) was changed (err 0): the
   plan is discarded, compute makes it again. Returns err. */
static rla_err replan(rla_cluster C, rla_err err)
{
  if (!err) rla_cluster_plan_destroy(&C->plan);
  return err;
}

rla_err rla_cluster_set_rank(rla_cluster C, int64_t r)
{
  return replan(
      C, RLA_SET(C->ctx, C->r, r, r >= 1, "the rank r = %lld must be at least 1", (long long)r));
}

rla_err rla_cluster_set_tol(rla_cluster C, double eps)
{
  return RLA_SET(C->ctx, C->eps, eps, eps > 0 && eps < 1,
                 "the tolerance eps = %g must be in (0, 1)", eps);
}

rla_err rla_cluster_set_algorithm(rla_cluster C, rla_cluster_algorithm a)
{
  return replan(C, RLA_SET(C->ctx, C->alg, a,
                           a >= RLA_CLUSTER_APPROXIMATE && a <= RLA_CLUSTER_MAX_NORM,
                           "unknown clustering algorithm %d", (int)a));
}

rla_err rla_cluster_set_order(rla_cluster C, rla_cluster_order o)
{
  return replan(C, RLA_SET(C->ctx, C->order, o,
                           o == RLA_CLUSTER_ORDER_RESIDUAL || o == RLA_CLUSTER_ORDER_NORM,
                           "unknown candidate order %d", (int)o));
}

rla_err rla_cluster_set_oversample(rla_cluster C, int64_t p)
{
  return replan(
      C, RLA_SET(C->ctx, C->p, p, p >= 0, "the oversampling p = %lld must be >= 0", (long long)p));
}

rla_err rla_cluster_set_patience(rla_cluster C, int64_t patience)
{
  return RLA_SET(C->ctx, C->patience, patience, patience >= 1,
                 "the patience %lld must be at least 1", (long long)patience);
}

rla_err rla_cluster_setup(rla_cluster C, int64_t nblocks, const rla_dmat *blocks)
{
  RLA_CHECK(NULL, C, RLA_ERR_ARG, "rla_cluster_setup: NULL clustering");
  RLA_CHECK(C->ctx, C->r >= 1, RLA_ERR_ARG, "set the rank r before clustering");
  RLA_CALL(C->ctx, rla_cluster_plan_create(C, nblocks, blocks));
  return RLA_SUCCESS;
}

/* 1 on every rank when C's plan was made for these blocks: the same handles, each of the shape
   and row split it had (a handle freed and made again may come back at the same address) */
static int planned_for(rla_cluster C, int64_t nblocks, const rla_dmat *blocks)
{
  const rla_cluster_plan *pl = C->plan;
  int same = pl && pl->nblocks == nblocks &&
             !memcmp(pl->handles, blocks, sizeof(rla_dmat) * (size_t)nblocks);
  for (int64_t j = 0; same && j < nblocks; j++) {
    int64_t mj, nj, mb;
    if (!blocks[j]) continue;
    rla_dmat_sizes(blocks[j], &mj, &nj);
    rla_dmat_blocks(blocks[j], &mb, NULL);
    same = mj == pl->m && nj == pl->wid[j] && (pl->dist == RLA_CLUSTER_DIST_BLOCKS || mb == pl->mb);
  }
  if (MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_MIN, rla_ctx_comm(C->ctx)) != MPI_SUCCESS)
    same = 0;
  return same;
}

rla_err rla_cluster_compute(rla_cluster C, int64_t nblocks, const rla_dmat *blocks)
{
  rla_ctx ctx;
  rla_err err;
  RLA_CHECK(NULL, C, RLA_ERR_ARG, "rla_cluster_compute: NULL clustering");
  ctx = C->ctx;
  RLA_CHECK(ctx, C->r >= 1, RLA_ERR_ARG, "set the rank r before clustering");
  RLA_CHECK(ctx, C->eps > 0, RLA_ERR_ARG, "set the tolerance eps before clustering");
  RLA_CHECK(ctx, nblocks >= 1 && blocks, RLA_ERR_ARG, "the collection has no blocks");
  clear(C);
  if (!planned_for(C, nblocks, blocks)) RLA_CALL(ctx, rla_cluster_plan_create(C, nblocks, blocks));
  RLA_CALL_GOTO(ctx, err, done, results_alloc(C, nblocks));
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_greedy(C));
  C->computed = 1;
done:
  if (err) clear(C);
  return err;
}

#define CHECK_RESULT(C, i)                                                                         \
  do {                                                                                             \
    RLA_CHECK((C) ? (C)->ctx : NULL, (C) && (C)->computed, RLA_ERR_ARG,                            \
              "no clustering result: call rla_cluster_compute first");                             \
    RLA_CHECK((C)->ctx, (i) >= 0 && (i) < (C)->nclusters, RLA_ERR_ARG,                             \
              "cluster %lld is not in [0, %lld)", (long long)(i), (long long)(C)->nclusters);      \
  } while (0)

rla_err rla_cluster_get_summary(rla_cluster C, rla_cluster_summary *s)
{
  RLA_CHECK(C ? C->ctx : NULL, C && C->computed, RLA_ERR_ARG,
            "no clustering result: call rla_cluster_compute first");
  *s = C->sum;
  return RLA_SUCCESS;
}

rla_err rla_cluster_get_item(rla_cluster C, int64_t i, rla_cluster_item *item)
{
  CHECK_RESULT(C, i);
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
  CHECK_RESULT(C, i);
  *U = C->U[i];
  return RLA_SUCCESS;
}

rla_err rla_cluster_get_coefficients(rla_cluster C, int64_t i, const double **coef)
{
  CHECK_RESULT(C, i);
  *coef = C->coef[i];
  return RLA_SUCCESS;
}

rla_err rla_cluster_view(rla_cluster C, FILE *out)
{
  RLA_CHECK(NULL, C, RLA_ERR_ARG, "rla_cluster_view: NULL clustering");
  if (rla_ctx_rank(C->ctx) != 0 || !out) return RLA_SUCCESS;
  fprintf(out, "cluster: %s, %s order, r = %lld, eps = %g, oversampling %lld, patience %lld\n",
          rla_cluster_algorithm_name(C->alg), rla_cluster_order_name(C->order), (long long)C->r,
          C->eps, (long long)C->p, (long long)C->patience);
  if (C->plan)
    fprintf(out, "  set up for %lld blocks of %lld rows, %s distribution\n",
            (long long)C->plan->nblocks, (long long)C->plan->m,
            rla_cluster_distribution_name(C->plan->dist));
  if (C->computed)
    fprintf(out,
            "  %lld clusters (%lld with several blocks), compression ratio %.3f, largest "
            "error %.3e\n",
            (long long)C->sum.nclusters, (long long)C->sum.nnonsingleton, C->sum.ratio,
            C->sum.error_max);
  return RLA_SUCCESS;
}
