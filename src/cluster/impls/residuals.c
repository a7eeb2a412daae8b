/* SPDX-License-Identifier: BSD-3-Clause */
/* Bound 2 (incremental residuals) as the predictor of a growing group's error, alone (the public
   bound) or with bound 1 where that is tighter (the residuals algorithm: both are certified lower
   bounds on E_r, so their larger one is too).
   Method (Shamrai, arXiv 2601.11626, bound 2): in the block QR C = [Q_1 ... Q_K] T the diagonal
   blocks of T carry the singular values of R_j = (I - P_{j-1}) A_j (P_{j-1}: the orthogonal
   projector onto the span of the earlier members), and E_r >= the sum of the r largest
   sigma_i(R_j)^2 over all members. The span is kept as an orthonormal basis Q (lm x k, at most
   min(m, N) columns) by classical Gram-Schmidt applied twice (kernels.c); a try projects block j,
   orthonormalizes what is left and keeps its sigma_i(R_j)^2 and new directions aside; accept
   appends them. The bound depends on the order in which the blocks join.
   Cost of a try: 4 m n_j k + O(m n_j^2) flops, reductions of k n_j and n_j^2 words, an
   n_j x n_j eigenproblem; the error sorts the N residual energies so far. Packed state of a
   try: 1 + n_j + lm n_j numbers (the new energies and directions). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../cluster_impl.h"

typedef struct {
  double *q;      /* the basis of the span, lm x kmax */
  double *s2;     /* the residual energies sigma_i(R_j)^2 of the members, then of the try */
  double *sorted; /* a copy of s2, sorted */
  double *w;      /* the try's new directions, lm x t */
  double *rbuf, *y, *work;
  int64_t kmax, k, ns, t;       /* k: columns of q; ns: energies of the members; t: of w */
  double norm2;                 /* ||C||_F^2 of the members */
  rla_cluster_predictor bound1; /* NULL for bound 2 alone */
} residuals;

static rla_err create_data(rla_cluster_predictor P)
{
  const rla_cluster_problem *pb = &P->pb;
  rla_ctx ctx = pb->ctx;
  int64_t lm = pb->lm, nmax = pb->nmax, kmax = pb->total < pb->m ? pb->total : pb->m;
  residuals *d = NULL;
  rla_err err = rla_calloc(ctx, 1, sizeof(*d), &d);
  P->data = d;
  if (!err) {
    d->kmax = kmax;
    err = rla_calloc(ctx, (size_t)(lm * kmax + 1), sizeof(double), &d->q);
  }
  if (!err) err = rla_calloc(ctx, (size_t)pb->total + 1, sizeof(double), &d->s2);
  if (!err) err = rla_calloc(ctx, (size_t)pb->total + 1, sizeof(double), &d->sorted);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * nmax + 1), sizeof(double), &d->w);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * nmax + 1), sizeof(double), &d->rbuf);
  if (!err) err = rla_calloc(ctx, (size_t)((kmax + 1) * nmax), sizeof(double), &d->y);
  /* the kernels' workspace: projection and orthonormalization run one after the other */
  if (!err)
    err = rla_calloc(ctx, (size_t)rla_cluster_orth_work(lm, kmax, nmax), sizeof(double), &d->work);
  return rla_ctx_agree(ctx, err);
}

static rla_err create_bound2(rla_cluster_predictor P) { return create_data(P); }

static rla_err create_best(rla_cluster_predictor P)
{
  RLA_CALL(P->pb.ctx, create_data(P));
  return rla_cluster_predictor_create(&rla_cluster_maxnorm_ops, &P->pb,
                                      &((residuals *)P->data)->bound1);
}

static void destroy(rla_cluster_predictor P)
{
  residuals *d = P->data;
  if (!d) return;
  rla_cluster_predictor_destroy(&d->bound1);
  rla_free(&d->q);
  rla_free(&d->s2);
  rla_free(&d->sorted);
  rla_free(&d->w);
  rla_free(&d->rbuf);
  rla_free(&d->y);
  rla_free(&d->work);
  rla_free(&P->data);
}

static void reset(rla_cluster_predictor P)
{
  residuals *d = P->data;
  d->k = 0;
  d->ns = 0;
  d->t = 0;
  d->norm2 = 0.0;
  if (d->bound1) d->bound1->ops->reset(d->bound1);
}

static int cmp_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* bound 2 with block j's energies (at s2 + ns) joined: the r largest of all, sorted in a copy
   so that the members' energies stay in place */
static double bound2(const rla_cluster_predictor P, int64_t j)
{
  const residuals *d = P->data;
  int64_t n = d->ns + P->pb.wid[j];
  double e = 0.0;
  memcpy(d->sorted, d->s2, sizeof(double) * (size_t)n);
  qsort(d->sorted, (size_t)n, sizeof(double), cmp_desc);
  for (int64_t i = 0; i < n && i < P->pb.r; i++)
    e += d->sorted[i];
  return rla_cluster_error_of(e, d->norm2 + P->pb.nrm2[j]);
}

static rla_err try_block(rla_cluster_predictor P, int64_t j, double *err)
{
  residuals *d = P->data;
  const rla_cluster_problem *pb = &P->pb;
  rla_ctx ctx = pb->ctx;
  rla_cluster_local_copy(pb->blocks[j], d->rbuf);
  RLA_CALL(ctx, rla_cluster_project(ctx, pb->lm, d->k, d->q, pb->wid[j], d->rbuf, d->y, d->work));
  /* directions below 1e-14 ||A_j|| are rounding of the projection; leaving them out of the
     basis moves later residual energies by at most about 1e-14 ||A_j|| ||C|| each */
  RLA_CALL(ctx,
           rla_cluster_orth(ctx, pb->lm, d->k, d->q, pb->wid[j], d->rbuf, 1e-14 * sqrt(pb->nrm2[j]),
                            d->w, &d->t, d->s2 + d->ns, NULL, d->work));
  *err = bound2(P, j);
  if (d->bound1) {
    double e1;
    RLA_CALL(ctx, d->bound1->ops->try(d->bound1, j, &e1));
    if (e1 < *err) *err = e1;
  }
  return RLA_SUCCESS;
}

static void accept(rla_cluster_predictor P, int64_t j)
{
  residuals *d = P->data;
  int64_t lm = P->pb.lm, t = d->t;
  d->ns += P->pb.wid[j];
  if (d->k + t > d->kmax) t = d->kmax - d->k;
  if (t > 0 && lm > 0) memcpy(d->q + d->k * lm, d->w, sizeof(double) * (size_t)(lm * t));
  d->k += t;
  d->norm2 += P->pb.nrm2[j];
  if (d->bound1) d->bound1->ops->accept(d->bound1, j);
}

static int64_t packsize(rla_cluster_predictor P, int64_t j)
{
  return 1 + P->pb.wid[j] + P->pb.lm * P->pb.wid[j];
}

/* [t, the n_j new energies, the t new directions] */
static void pack(rla_cluster_predictor P, int64_t j, double *buf)
{
  const residuals *d = P->data;
  int64_t n = P->pb.wid[j];
  buf[0] = (double)d->t;
  memcpy(buf + 1, d->s2 + d->ns, sizeof(double) * (size_t)n);
  memcpy(buf + 1 + n, d->w, sizeof(double) * (size_t)(P->pb.lm * d->t));
}

static void unpack(rla_cluster_predictor P, int64_t j, const double *buf)
{
  residuals *d = P->data;
  int64_t n = P->pb.wid[j];
  d->t = (int64_t)buf[0];
  memcpy(d->s2 + d->ns, buf + 1, sizeof(double) * (size_t)n);
  memcpy(d->w, buf + 1 + n, sizeof(double) * (size_t)(P->pb.lm * d->t));
}

const struct rla_cluster_predictor_ops rla_cluster_bound2_ops = {
    "bound 2", create_bound2, destroy, reset, try_block, accept, packsize, pack, unpack, NULL};
const struct rla_cluster_predictor_ops rla_cluster_residuals_ops = {
    "residuals", create_best, destroy, reset, try_block, accept, packsize, pack, unpack, NULL};
