/* SPDX-License-Identifier: BSD-3-Clause */
/* Sparse sign sketch: column i of Omega has k nonzeros +-1/sqrt(k) at k distinct rows drawn
   uniformly among l (Floyd's sampling on the uniforms at (seed, RLA_RNG_SKETCH_SPARSE, i, 0..k-1),
   signs from the sign stream at (seed, RLA_RNG_SKETCH_SPARSE, i, 0..k-1)); Meng and Mahoney
   (STOC 2013), Tropp et al. (SIMAX 2017, Sec. 3.3). E ||Omega x||^2 = ||x||^2.
   Cost: 2 k n d flops for Omega A (n x d), O(n k) random numbers; no communication. */
#include <math.h>
#include <string.h>

#include "../sketch_impl.h"

/* Columns of Omega whose nonzeros are generated at a time (at most the sketch's n). The left
   apply adds each panel into every column of the l x d output, which is swept once per panel:
   when the output is larger than the caches the panel must be long (6 MiB of nonzeros per
   panel). Chosen by measurement: see bench/README.md, "Tuning constants". */
#define PANEL 65536

struct sparse {
  int64_t l, k, panel;
  int32_t *pos; /* panel x k row indices */
  double *val;  /* panel x k values +-1/sqrt(k) */
  double *u;    /* k uniforms */
  rla_rng rng;
};

/* The nonzeros of column i of Omega into pos[0..k), val[0..k). */
static void column(struct sparse *h, int64_t i, int32_t *pos, double *val)
{
  const int64_t l = h->l, k = h->k;
  const double v = 1.0 / sqrt((double)k);
  rla_rng_uniform(h->rng, (uint64_t)i, 0, (size_t)k, h->u);
  /* Floyd: for j = l-k .. l-1 pick t uniform in [0, j]; take j instead when t is taken */
  for (int64_t q = 0; q < k; q++) {
    const int64_t j = l - k + q;
    int64_t t = (int64_t)(h->u[q] * (double)(j + 1));
    if (t > j) t = j;
    for (int64_t r = 0; r < q; r++)
      if (pos[r] == t) {
        t = j;
        break;
      }
    pos[q] = (int32_t)t;
  }
  rla_rng_sign(h->rng, (uint64_t)i, 0, (size_t)k, val);
  for (int64_t q = 0; q < k; q++)
    val[q] *= v;
}

static void columns(struct sparse *h, int64_t i0, int64_t p)
{
  for (int64_t t = 0; t < p; t++)
    column(h, i0 + t, h->pos + t * h->k, h->val + t * h->k);
}

int64_t rla_sketch_sparse_columns(rla_sketch S, int64_t i0, int64_t p, const int32_t **pos,
                                  const double **val, int64_t *k)
{
  struct sparse *h = S->data;
  if (p > h->panel) p = h->panel;
  columns(h, i0, p);
  *pos = h->pos;
  *val = h->val;
  *k = h->k;
  return p;
}

static rla_err sparse_apply_left(rla_sketch S, int64_t row0, int64_t nrows, int64_t d,
                                 const double *a, int64_t lda, double *out, int64_t ldo)
{
  struct sparse *h = S->data;
  const int64_t k = h->k;

  for (int64_t j = 0; j < d; j++)
    memset(out + j * ldo, 0, sizeof(double) * (size_t)h->l);
  for (int64_t t0 = 0; t0 < nrows; t0 += h->panel) {
    const int64_t p = nrows - t0 < h->panel ? nrows - t0 : h->panel;
    columns(h, row0 + t0, p);
    for (int64_t j = 0; j < d; j++) {
      const double *aj = a + t0 + j * lda;
      double *o = out + j * ldo;
      for (int64_t t = 0; t < p; t++) {
        const double x = aj[t];
        const int32_t *pt = h->pos + t * k;
        const double *vt = h->val + t * k;
        for (int64_t q = 0; q < k; q++)
          o[pt[q]] += vt[q] * x;
      }
    }
  }
  return RLA_SUCCESS;
}

static rla_err sparse_apply_right(rla_sketch S, int64_t m, const double *a, int64_t lda, double *y,
                                  int64_t ldy)
{
  struct sparse *h = S->data;
  const int64_t k = h->k, n = S->n;

  for (int64_t q = 0; q < h->l; q++)
    memset(y + q * ldy, 0, sizeof(double) * (size_t)m);
  for (int64_t t0 = 0; t0 < n; t0 += h->panel) {
    const int64_t p = n - t0 < h->panel ? n - t0 : h->panel;
    columns(h, t0, p);
    for (int64_t t = 0; t < p; t++) {
      const double *ai = a + (t0 + t) * lda;
      for (int64_t q = 0; q < k; q++) {
        double *yq = y + (int64_t)h->pos[t * k + q] * ldy;
        const double v = h->val[t * k + q];
        for (int64_t r = 0; r < m; r++)
          yq[r] += v * ai[r];
      }
    }
  }
  return RLA_SUCCESS;
}

static void sparse_reset(rla_sketch S)
{
  struct sparse *h = S->data;
  if (!h) return;
  rla_free(&h->pos);
  rla_free(&h->val);
  rla_free(&h->u);
  rla_free(&S->data);
}

/* The stream of the seed: all that depends on it. */
static rla_err sparse_reseed(rla_sketch S)
{
  struct sparse *h = S->data;
  h->rng = rla_rng_make(S->seed, RLA_RNG_SKETCH_SPARSE);
  return RLA_SUCCESS;
}

static rla_err sparse_setup(rla_sketch S)
{
  struct sparse *h = NULL;
  rla_err err = RLA_SUCCESS;
  RLA_CHECK(S->ctx, S->l <= 2147483647, RLA_ERR_UNSUPPORTED,
            "sparse sketch: l = %lld is beyond 2^31 - 1", (long long)S->l);
  RLA_CALL(S->ctx, rla_calloc(S->ctx, 1, sizeof(*h), &h));
  S->data = h;
  h->l = S->l;
  h->k = S->k < S->l ? S->k : S->l;
  h->panel = S->panel > 0 ? S->panel : (S->n > 0 && S->n < PANEL ? S->n : PANEL);
  sparse_reseed(S);
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc(S->ctx, (size_t)(h->panel * h->k), sizeof(int32_t), &h->pos));
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc(S->ctx, (size_t)(h->panel * h->k), sizeof(double), &h->val));
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)h->k, sizeof(double), &h->u));
  return RLA_SUCCESS;
fail:
  sparse_reset(S);
  return err;
}

static void sparse_view(rla_sketch S, FILE *out)
{
  struct sparse *h = S->data;
  fprintf(out, "  sparse sign: k = %lld nonzeros per column\n",
          (long long)(h ? h->k : (S->k < S->l ? S->k : S->l)));
}

const struct rla_sketch_ops rla_sketch_sparse_ops = {
    .name = "sparse",
    .setup = sparse_setup,
    .apply_left_local = sparse_apply_left,
    .apply_right_local = sparse_apply_right,
    .reseed = sparse_reseed,
    .reset = sparse_reset,
    .view = sparse_view,
};
