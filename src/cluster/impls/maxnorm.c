/* SPDX-License-Identifier: BSD-3-Clause */
/* Bound 1 (Weyl / max-norm) as the predictor of a growing group's error.
   Method (Shamrai, arXiv 2601.11626, bound 1): err_r(C) = sqrt(1 - E_r / ||C||_F^2) and E_r is
   bounded below by (a) ||C_S||_F^2 for the members S taken by descending norm (ties by index)
   while their total width stays <= r (C_S has rank <= r), and (b) the top-r energy
   sum_{i<=r} sigma_i(A_j)^2 of any single member (C C^T >= A_j A_j^T; for a block wider than r
   the only credit it may get); the larger of the two is taken. The members are kept sorted by
   norm, so the sums run in that order whatever order the blocks joined in.
   Cost of a try: O(n) for n members, on the replicated norms: no flops on the blocks, no
   messages (every rank makes the try itself, also in the blocks distribution). */
#include <string.h>

#include "../cluster_impl.h"

typedef struct {
  int64_t *mem; /* the members by descending norm, ties by ascending index */
  int64_t n;
} maxnorm;

static rla_err create(rla_cluster_predictor P)
{
  rla_ctx ctx = P->pb.ctx;
  maxnorm *d = NULL;
  rla_err err = rla_calloc(ctx, 1, sizeof(*d), &d);
  if (!err) err = rla_calloc(ctx, (size_t)P->pb.nblocks + 1, sizeof(int64_t), &d->mem);
  P->data = d;
  return rla_ctx_agree(ctx, err);
}

static void destroy(rla_cluster_predictor P)
{
  maxnorm *d = P->data;
  if (d) rla_free(&d->mem);
  rla_free(&P->data);
}

static void reset(rla_cluster_predictor P) { ((maxnorm *)P->data)->n = 0; }

/* where block j goes among the sorted members: before the first it precedes */
static int64_t position(const rla_cluster_predictor P, int64_t j)
{
  const maxnorm *d = P->data;
  const double *nrm2 = P->pb.nrm2;
  int64_t pos = 0;
  while (pos < d->n) {
    int64_t i = d->mem[pos];
    if (nrm2[j] > nrm2[i] || (nrm2[j] == nrm2[i] && j < i)) break;
    pos++;
  }
  return pos;
}

static rla_err try_block(rla_cluster_predictor P, int64_t j, double *err)
{
  const maxnorm *d = P->data;
  const rla_cluster_problem *pb = &P->pb;
  int64_t pos = position(P, j), used = 0;
  double total = 0.0, fit = 0.0, best = 0.0;
  /* the members with j inserted, by descending norm: fit while the widths stay <= r */
  for (int64_t a = 0; a <= d->n; a++) {
    int64_t b = a == pos ? j : d->mem[a - (a > pos)];
    total += pb->nrm2[b];
    if (used >= 0 && used + pb->wid[b] <= pb->r) {
      used += pb->wid[b];
      fit += pb->nrm2[b];
    } else
      used = -1;
    if (pb->topr[b] > best) best = pb->topr[b];
  }
  if (fit > best) best = fit;
  *err = rla_cluster_error_of(best, total);
  return RLA_SUCCESS;
}

static void accept(rla_cluster_predictor P, int64_t j)
{
  maxnorm *d = P->data;
  int64_t pos = position(P, j);
  memmove(d->mem + pos + 1, d->mem + pos, sizeof(int64_t) * (size_t)(d->n - pos));
  d->mem[pos] = j;
  d->n++;
}

const struct rla_cluster_predictor_ops rla_cluster_maxnorm_ops = {
    "max-norm", create, destroy, reset, try_block, accept, NULL, NULL, NULL, NULL};
