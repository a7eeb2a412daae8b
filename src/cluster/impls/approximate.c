/* SPDX-License-Identifier: BSD-3-Clause */
/* The incremental estimator (estimator.c) as the predictor of a growing group's error.
   Method (Shamrai, arXiv 2601.11626, the incremental approximation): Q (m x k, k = r + p) and
   lambda with Q diag(lambda) Q^T <= C C^T, updated block by block; the predicted error is
   sqrt(1 - sum_{i<=r} lambda_i / ||C||_F^2), never below the true one in exact arithmetic. A try
   adds block j to a spare copy of the group's estimator; accept swaps the two, so a trial
   allocates nothing (the update's workspace is reserved for the widest block in create).
   Cost of a try: 8 m k n_j + 4 m n_j^2 + 2 m (k + n_j) k flops, reductions of k n_j and n_j^2
   words, a (k + n_j)^3 eigenproblem, plus the copy of m k numbers. Packed state of a try:
   2 + k + lm k numbers (the estimator). */
#include "../cluster_impl.h"

typedef struct {
  rla_cluster_estimator E, F; /* the group's estimator and the spare a try is made on */
} approximate;

static rla_err create(rla_cluster_predictor P)
{
  const rla_cluster_problem *pb = &P->pb;
  rla_ctx ctx = pb->ctx;
  approximate *d = NULL;
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, 1, sizeof(*d), &d)));
  P->data = d;
  RLA_CALL(ctx, rla_cluster_estimator_create(ctx, pb->m, pb->mb, pb->r, pb->p, &d->E));
  RLA_CALL(ctx, rla_cluster_estimator_create(ctx, pb->m, pb->mb, pb->r, pb->p, &d->F));
  return rla_cluster_estimator_reserve(d->E, pb->nmax);
}

static void destroy(rla_cluster_predictor P)
{
  approximate *d = P->data;
  if (!d) return;
  rla_cluster_estimator_destroy(&d->E);
  rla_cluster_estimator_destroy(&d->F);
  rla_free(&P->data);
}

static void reset(rla_cluster_predictor P)
{
  rla_cluster_estimator_reset(((approximate *)P->data)->E);
}

static rla_err try_block(rla_cluster_predictor P, int64_t j, double *err)
{
  approximate *d = P->data;
  rla_cluster_estimator_copy(d->E, d->F);
  RLA_CALL(P->pb.ctx, rla_cluster_estimator_add_norm(d->F, P->pb.blocks[j], P->pb.nrm2[j]));
  *err = rla_cluster_estimator_error(d->F);
  return RLA_SUCCESS;
}

static void accept(rla_cluster_predictor P, int64_t j)
{
  approximate *d = P->data;
  rla_cluster_estimator t = d->E;
  (void)j;
  d->E = d->F;
  d->F = t;
}

static int64_t packsize(rla_cluster_predictor P, int64_t j)
{
  (void)j;
  return rla_cluster_estimator_packsize(((approximate *)P->data)->E);
}

static void pack(rla_cluster_predictor P, int64_t j, double *buf)
{
  (void)j;
  rla_cluster_estimator_pack(((approximate *)P->data)->F, buf);
}

static void unpack(rla_cluster_predictor P, int64_t j, const double *buf)
{
  (void)j;
  rla_cluster_estimator_unpack(((approximate *)P->data)->F, buf);
}

static const double *basis(rla_cluster_predictor P, int64_t *k)
{
  approximate *d = P->data;
  rla_cluster_estimator_get(d->E, NULL, k, NULL, NULL);
  return rla_cluster_estimator_basis(d->E);
}

const struct rla_cluster_predictor_ops rla_cluster_approximate_ops = {
    "approximate", create, destroy, reset, try_block, accept, packsize, pack, unpack, basis};
