/* SPDX-License-Identifier: BSD-3-Clause */
/* Collections of blocks from a union of subspaces (the test model of subspace clustering and of
   concatenated-matrix compression, Shamrai, arXiv 2601.11626): A_j = B_{c(j)} W_j + noise G_j.
   Every entry is a function of (seed, global row, global column), and each rank computes its
   rows with a fixed order of operations, so a block is bitwise the same on any number of ranks.
   Cost: (2 dim + O(1)) m n_j flops and m n_j Gaussian draws per block; no communication. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dmat/dmat_impl.h"
#include "gen_impl.h"

/* row counters of RLA_RNG_GEN_COLLECTION: global rows (bases) are below 2^56; the other
   streams live in tagged rows above */
#define TAG(t) ((uint64_t)(t) << 56)
enum { TAG_BASIS = 0, TAG_COEF = 1, TAG_MEMBER = 2, TAG_WIDTH = 3, TAG_WIDE = 4 };

struct rla_collection_s {
  rla_ctx ctx;
  rla_collection_spec spec; /* widths pointer cleared: the widths live below */
  int64_t *widths, *membership, *offsets;
  rla_dmat basis; /* m x (nsub * dim), row-block, N(0, 1/m) entries */
};

static rla_err validate(rla_ctx ctx, const rla_collection_spec *s)
{
  RLA_CHECK(ctx, s->m >= 1, RLA_ERR_ARG, "collection: the row count m must be >= 1, got %lld",
            (long long)s->m);
  RLA_CHECK(ctx, s->nblocks >= 1, RLA_ERR_ARG,
            "collection: the number of blocks must be >= 1, got %lld", (long long)s->nblocks);
  if (s->widths) {
    for (int64_t j = 0; j < s->nblocks; j++)
      RLA_CHECK(ctx, s->widths[j] >= 1, RLA_ERR_ARG,
                "collection: block widths must be >= 1, width %lld is %lld", (long long)j,
                (long long)s->widths[j]);
  } else {
    RLA_CHECK(ctx, s->width_min >= 1 && s->width_max >= s->width_min, RLA_ERR_ARG,
              "collection: the width range must satisfy 1 <= width_min <= width_max, got [%lld, "
              "%lld]",
              (long long)s->width_min, (long long)s->width_max);
  }
  RLA_CHECK(ctx, s->nwide >= 0 && s->nwide <= s->nblocks, RLA_ERR_ARG,
            "collection: the number of wide blocks must be in [0, %lld], got %lld",
            (long long)s->nblocks, (long long)s->nwide);
  RLA_CHECK(ctx, s->nwide == 0 || s->wide_width >= 1, RLA_ERR_ARG,
            "collection: the wide block width must be >= 1, got %lld", (long long)s->wide_width);
  RLA_CHECK(ctx, s->nsub >= 1, RLA_ERR_ARG,
            "collection: the number of subspaces must be >= 1, got %lld", (long long)s->nsub);
  RLA_CHECK(ctx, s->dim >= 1 && s->dim <= s->m, RLA_ERR_ARG,
            "collection: the subspace dimension must be in [1, m] = [1, %lld], got %lld",
            (long long)s->m, (long long)s->dim);
  RLA_CHECK(ctx, s->nsub <= INT64_MAX / s->dim && s->m < (int64_t)TAG(1), RLA_ERR_ARG,
            "collection: sizes too large");
  RLA_CHECK(ctx, isfinite(s->noise) && s->noise >= 0, RLA_ERR_ARG,
            "collection: the noise level must be finite and >= 0, got %g", s->noise);
  RLA_CHECK(ctx,
            s->membership == RLA_MEMBERSHIP_RANDOM || s->membership == RLA_MEMBERSHIP_ROUND_ROBIN,
            RLA_ERR_ARG, "collection: unknown membership rule %d", (int)s->membership);
  return RLA_SUCCESS;
}

/* the same spec on every rank (widths included) */
static rla_err agree_spec(rla_ctx ctx, const rla_collection_spec *s)
{
  int64_t v[11] = {s->m,
                   s->nblocks,
                   s->width_min,
                   s->width_max,
                   s->nwide,
                   s->wide_width,
                   s->nsub,
                   s->dim,
                   (int64_t)s->membership,
                   (int64_t)s->seed,
                   s->widths != NULL};
  double *d = NULL;
  int64_t nd = 1;
  rla_err err;
  RLA_CALL(ctx, rla_gen_agree_params(ctx, "collection", v, 11, NULL, 0));
  if (s->widths && s->nblocks > 0) nd += s->nblocks;
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)nd, sizeof(double), &d)));
  d[0] = s->noise;
  for (int64_t j = 1; j < nd; j++)
    d[j] = (double)s->widths[j - 1];
  err = rla_gen_agree_params(ctx, "collection", v, 0, d, nd);
  free(d);
  return err;
}

/* uniform integer in [0, n) from one uniform draw (n far below 2^53) */
static int64_t uniform_below(rla_rng rng, uint64_t row, uint64_t col, int64_t n)
{
  double u;
  int64_t k;
  rla_rng_uniform(rng, row, col, 1, &u);
  k = (int64_t)(u * (double)n);
  return k < n ? k : n - 1;
}

rla_err rla_gen_collection_create(rla_ctx ctx, const rla_collection_spec *spec,
                                  rla_collection *coll)
{
  rla_collection c = NULL;
  rla_rng rng;
  int64_t K, *wide = NULL;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, spec && coll, RLA_ERR_ARG, "rla_gen_collection_create: null argument");
  *coll = NULL;
  RLA_CHECK(ctx, spec->nblocks >= 0, RLA_ERR_ARG,
            "collection: the number of blocks must be >= 1, got %lld", (long long)spec->nblocks);
  RLA_CALL(ctx, agree_spec(ctx, spec));
  RLA_CALL(ctx, validate(ctx, spec));
  K = spec->nblocks;
  rng = rla_rng_make(spec->seed, RLA_RNG_GEN_COLLECTION);

  err = rla_calloc(ctx, 1, sizeof(*c), &c);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &c->widths);
  if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(int64_t), &c->membership);
  if (!err) err = rla_calloc(ctx, (size_t)K + 1, sizeof(int64_t), &c->offsets);
  if (!err) err = rla_calloc(ctx, (size_t)spec->nwide, sizeof(int64_t), &wide);
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, err));
  c->ctx = ctx;
  c->spec = *spec;
  c->spec.widths = NULL;
  for (int64_t j = 0; j < K; j++) {
    c->widths[j] = spec->widths
                       ? spec->widths[j]
                       : spec->width_min + uniform_below(rng, TAG(TAG_WIDTH), (uint64_t)j,
                                                         spec->width_max - spec->width_min + 1);
    c->membership[j] = spec->membership == RLA_MEMBERSHIP_ROUND_ROBIN
                           ? j % spec->nsub
                           : uniform_below(rng, TAG(TAG_MEMBER), (uint64_t)j, spec->nsub);
  }
  RLA_CALL_GOTO(ctx, err, fail,
                rla_ctx_agree(ctx, rla_rng_sample(ctx, rng, TAG(TAG_WIDE), K, spec->nwide, wide)));
  for (int64_t t = 0; t < spec->nwide; t++)
    c->widths[wide[t]] = spec->wide_width;
  for (int64_t j = 0; j < K; j++) {
    RLA_CHECK_GOTO(ctx, err, fail, c->offsets[j] <= INT64_MAX - c->widths[j], RLA_ERR_ARG,
                   "collection: the total width overflows");
    c->offsets[j + 1] = c->offsets[j] + c->widths[j];
  }
  RLA_CALL_GOTO(ctx, err, fail,
                rla_dmat_create_rowblock(ctx, spec->m, spec->nsub * spec->dim, 0, &c->basis));
  rla_gen_fill_gaussian(c->basis, rng, 0, spec->nsub * spec->dim, 0, 1.0 / sqrt((double)spec->m));
  free(wide);
  *coll = c;
  return RLA_SUCCESS;
fail:
  free(wide);
  rla_gen_collection_destroy(&c);
  return err;
}

rla_err rla_gen_collection_destroy(rla_collection *coll)
{
  if (!coll || !*coll) return RLA_SUCCESS;
  free((*coll)->widths);
  free((*coll)->membership);
  free((*coll)->offsets);
  rla_dmat_destroy(&(*coll)->basis);
  free(*coll);
  *coll = NULL;
  return RLA_SUCCESS;
}

rla_ctx rla_gen_collection_ctx(rla_collection coll) { return coll->ctx; }
const rla_collection_spec *rla_gen_collection_spec(rla_collection coll) { return &coll->spec; }

void rla_gen_collection_info(rla_collection coll, int64_t *m, int64_t *nblocks,
                             const int64_t **widths, const int64_t **membership,
                             const int64_t **offsets)
{
  if (m) *m = coll->spec.m;
  if (nblocks) *nblocks = coll->spec.nblocks;
  if (widths) *widths = coll->widths;
  if (membership) *membership = coll->membership;
  if (offsets) *offsets = coll->offsets;
}

rla_err rla_gen_collection_block(rla_collection coll, int64_t j, rla_dmat *A)
{
  rla_ctx ctx = coll->ctx;
  const rla_collection_spec *s = &coll->spec;
  rla_rng rng = rla_rng_make(s->seed, RLA_RNG_GEN_COLLECTION);
  rla_rng noise_rng = rla_rng_make(s->seed, RLA_RNG_GEN_NOISE);
  int64_t w, d = s->dim, c0, lm, ldb = coll->basis->lld;
  double *W = NULL, *g = NULL, *a, *B = coll->basis->a;
  double wscale = 1.0 / sqrt((double)d), gscale = s->noise / sqrt((double)s->m);
  rla_err err;

  RLA_CHECK(ctx, A, RLA_ERR_ARG, "rla_gen_collection_block: null output pointer");
  *A = NULL;
  RLA_CHECK(ctx, j >= 0 && j < s->nblocks, RLA_ERR_ARG,
            "collection: block index %lld outside [0, %lld)", (long long)j, (long long)s->nblocks);
  w = coll->widths[j];
  c0 = coll->membership[j] * d;
  err = rla_calloc(ctx, (size_t)(d * w), sizeof(double), &W);
  if (!err) err = rla_calloc(ctx, (size_t)w, sizeof(double), &g);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, s->m, w, 0, A));
  /* W_j (d x w, column-major): row t of W at counter (TAG_COEF + j, t w + q) */
  for (int64_t t = 0; t < d; t++) {
    rla_rng_gaussian(rng, TAG(TAG_COEF) + (uint64_t)j, (uint64_t)(t * w), (size_t)w, g);
    for (int64_t q = 0; q < w; q++)
      W[t + q * d] = wscale * g[q];
  }
  a = (*A)->a;
  lm = (*A)->lm;
  for (int64_t i = 0; i < lm; i++) {
    int64_t gi = rla_dmat_global_row(*A, i);
    if (s->noise > 0)
      rla_rng_gaussian(noise_rng, (uint64_t)gi, (uint64_t)coll->offsets[j], (size_t)w, g);
    for (int64_t q = 0; q < w; q++) {
      double v = 0.0;
      for (int64_t t = 0; t < d; t++)
        v += B[i + (c0 + t) * ldb] * W[t + q * d];
      a[i + q * (*A)->lld] = s->noise > 0 ? v + gscale * g[q] : v;
    }
  }
done:
  free(W);
  free(g);
  return err;
}

rla_err rla_gen_collection_basis(rla_collection coll, int64_t c, rla_dmat *B)
{
  rla_ctx ctx = coll->ctx;
  const rla_collection_spec *s = &coll->spec;
  RLA_CHECK(ctx, B, RLA_ERR_ARG, "rla_gen_collection_basis: null output pointer");
  *B = NULL;
  RLA_CHECK(ctx, c >= 0 && c < s->nsub, RLA_ERR_ARG,
            "collection: subspace index %lld outside [0, %lld)", (long long)c, (long long)s->nsub);
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, s->m, s->dim, 0, B));
  for (int64_t t = 0; t < s->dim; t++)
    memcpy((*B)->a + t * (*B)->lld, coll->basis->a + (c * s->dim + t) * coll->basis->lld,
           sizeof(double) * (size_t)(*B)->lm);
  return RLA_SUCCESS;
}
