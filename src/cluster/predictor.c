/* SPDX-License-Identifier: BSD-3-Clause */
/* Front end of the predictors of a group's error (impls/; Shamrai, arXiv 2601.11626: bound 1,
   bound 2 and the incremental estimator): creation, the run over a whole collection (the public
   bounds), and the blocks distribution's trial, made by the block's owner over its MPI_COMM_SELF
   context and broadcast in one message, so that every rank holds the same state and takes the
   same decisions. Cost of an owned trial: the predictor's try on one rank and one broadcast of
   2 + packsize(j) numbers; the others copy them (unpack) only when the block joins. A predictor
   without pack (max-norm) is tried by every rank: no message. */
#include "cluster_impl.h"

rla_err rla_cluster_predictor_create(const struct rla_cluster_predictor_ops *ops,
                                     const rla_cluster_problem *pb, rla_cluster_predictor *P)
{
  rla_ctx ctx = pb->ctx;
  rla_cluster_predictor p = NULL;
  rla_err err;
  *P = NULL;
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, 1, sizeof(*p), &p)));
  p->ops = ops;
  p->pb = *pb;
  err = ops->create(p);
  if (err) {
    rla_cluster_predictor_destroy(&p);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  *P = p;
  return RLA_SUCCESS;
}

void rla_cluster_predictor_destroy(rla_cluster_predictor *P)
{
  if (!P || !*P) return;
  if ((*P)->ops->destroy) (*P)->ops->destroy(*P);
  rla_free(P);
}

rla_err rla_cluster_predictor_run(rla_cluster_predictor P, double *err)
{
  *err = 0.0;
  P->ops->reset(P);
  for (int64_t j = 0; j < P->pb.nblocks; j++) {
    RLA_CALL(P->pb.ctx, P->ops->try(P, j, err));
    P->ops->accept(P, j);
  }
  return RLA_SUCCESS;
}

rla_err rla_cluster_lift(rla_ctx to, rla_ctx from, rla_err err)
{
  if (err && from && from != to)
    return rla_error_set(to, err, __func__, __FILE__, __LINE__, "%s", rla_ctx_error_message(from));
  return err;
}

rla_err rla_cluster_owned_create(rla_ctx ctx, rla_cluster_predictor P, const int *owner,
                                 rla_cluster_owned *T)
{
  int64_t n = 0;
  T->P = P;
  T->ctx = ctx;
  T->owner = owner;
  T->me = rla_ctx_rank(ctx);
  T->msg = NULL;
  T->nmsg = 0;
  if (!P->ops->pack) return RLA_SUCCESS;
  for (int64_t j = 0; j < P->pb.nblocks; j++) {
    int64_t s = P->ops->packsize(P, j);
    if (s > n) n = s;
  }
  T->nmsg = 2 + n;
  RLA_CHECK(ctx, T->nmsg < INT32_MAX, RLA_ERR_UNSUPPORTED,
            "a trial message of %lld numbers is too large for the blocks distribution: use rows",
            (long long)T->nmsg);
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)T->nmsg, sizeof(double), &T->msg)));
  return RLA_SUCCESS;
}

void rla_cluster_owned_destroy(rla_cluster_owned *T) { rla_free(&T->msg); }

/* the message: [error code, predicted error, the packed state of the try] */
rla_err rla_cluster_owned_try(rla_cluster_owned *T, int64_t j, double *e)
{
  rla_cluster_predictor P = T->P;
  rla_ctx ctx = T->ctx;
  int root = T->owner[j], mine = root == T->me;
  int64_t len;
  rla_err err = RLA_SUCCESS;
  if (!P->ops->pack) {
    RLA_CALL(ctx, P->ops->try(P, j, e));
    return RLA_SUCCESS;
  }
  len = 2 + P->ops->packsize(P, j);
  if (mine) {
    err = rla_cluster_lift(ctx, P->pb.ctx, P->ops->try(P, j, &T->msg[1]));
    if (!err) P->ops->pack(P, j, T->msg + 2);
    T->msg[0] = (double)err;
  }
  RLA_CALL(ctx, MPI_Bcast(T->msg, (int)len, MPI_DOUBLE, root, rla_ctx_comm(ctx)) == MPI_SUCCESS
                    ? RLA_SUCCESS
                    : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                                    "MPI_Bcast of a trial failed"));
  if (T->msg[0] != 0) return rla_ctx_agree(ctx, mine ? (rla_err)T->msg[0] : RLA_SUCCESS);
  *e = T->msg[1];
  return RLA_SUCCESS;
}

void rla_cluster_owned_accept(rla_cluster_owned *T, int64_t j)
{
  if (T->P->ops->pack && T->owner[j] != T->me) T->P->ops->unpack(T->P, j, T->msg + 2);
  T->P->ops->accept(T->P, j);
}
