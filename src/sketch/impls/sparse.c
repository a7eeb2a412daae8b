/* SPDX-License-Identifier: BSD-3-Clause */
/* Sparse sign sketch, block construction: the l rows are cut into k stripes (stripe s: rows
   [floor(s l / k), floor((s + 1) l / k)), w_s = l / k rounded down or up rows), and column i of
   Omega has one nonzero +-1/sqrt(k) in each stripe, its row and sign drawn from b bits u of a
   64-bit hash: row floor(u w_s / 2^b) of the stripe, negative when bit b - 1 of u w_s mod 2^b is
   set. The hashes are SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) at key + (c + 1) gamma,
   the key from Philox at (seed, RLA_RNG_SKETCH_SPARSE), counter c = i ceil(k/2) + s/2 with
   b = 32 (two stripes per hash) when every w_s <= 2^16, else c = i k + s with b = 64. Rows and
   signs are uniform up to a relative deviation of w_s 2^-b <= 2^-16; no rejection loop, and the
   k rows are distinct by construction. Entries depend on (seed, l, k, i) only, so any rank
   generates any column, and the sparse operator generates the column of each nonzero of A as it
   adds it (sketch_impl.h holds the generator).
   This is the block construction of Kane and Nelson (J. ACM 61(1), 2014, Sec. 2, construction
   (b)), an OSNAP distribution of Nelson and Nguyen (FOCS 2013, Sec. 1.1: exactly k nonzeros per
   column, independent signs, E prod_{(r,i) in T} eta_ri <= (k / l)^|T| for the indicators of
   the nonzeros, equal stripes assumed), whose subspace embedding bounds cover it; Cohen
   (SODA 2016) sharpens them to l = O(d log(d) / eps^2), k = O(log(d) / eps). Two columns share
   a row of stripe s with probability 1 / w_s, so E ||Omega x||^2 = ||x||^2 and, for an
   orthonormal n x d Q with rows q_i, E ||Q^T Omega^T Omega Q - I||_F^2 =
   (d^2 + d - 2 sum_i ||q_i||^4) sum_s w_s^-1 / k^2 (about d^2 / l, as for k rows drawn without
   replacement: Meng and Mahoney, STOC 2013; Tropp et al., SIMAX 2017, Sec. 3.3); tests/unit/
   sketch.c checks both.
   Cost: 2 k n d flops for Omega A (n x d), k n / 2 hashes (k n when wide); no communication. */
#include <math.h>
#include <string.h>

#include "../sketch_impl.h"

/* Columns of Omega whose nonzeros are generated at a time (at most the sketch's n). The left
   apply adds each panel into every column of the l x d output, which is swept once per panel:
   when the output is larger than the caches the panel must be long (2 MiB of codes per panel at
   k = 8). Chosen by measurement: see bench/README.md, "Tuning constants". */
#define PANEL 65536

/* Widest stripe for which a 64-bit hash gives two stripes their row and sign (32 bits each). */
#define NARROW 65536

struct sparse {
  int64_t l, k, panel;
  rla_sparse_gen gen;
  uint32_t *code; /* panel x k codes (sketch_impl.h) */
  int64_t *start; /* k + 1 stripe boundaries */
  double v;       /* 1/sqrt(k) */
};

/* The codes of the columns [i0, i0 + p) of Omega into code (p x k). */
static void codes(const struct sparse *h, int64_t i0, int64_t p, uint32_t *code)
{
  for (int64_t t = 0; t < p; t++)
    rla_sketch_sparse_column(&h->gen, i0 + t, code + t * h->k);
}

int64_t rla_sketch_sparse_panel(rla_sketch S, int64_t i0, int64_t p, const uint32_t **code)
{
  struct sparse *h = S->data;
  if (p > h->panel) p = h->panel;
  codes(h, i0, p, h->code);
  *code = h->code;
  return p;
}

void rla_sketch_sparse_info(rla_sketch S, rla_sparse_gen *g, double *v, uint32_t **scratch)
{
  struct sparse *h = S->data;
  *g = h->gen;
  *v = h->v;
  *scratch = h->code;
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
    codes(h, row0 + t0, p, h->code);
    for (int64_t j = 0; j < d; j++) {
      const double *aj = a + t0 + j * lda;
      double *o = out + j * ldo;
      for (int64_t t = 0; t < p; t++)
        rla_sketch_sparse_add(o, h->code + t * k, k, h->v * aj[t]);
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
    codes(h, t0, p, h->code);
    for (int64_t t = 0; t < p; t++) {
      const double *ai = a + (t0 + t) * lda;
      for (int64_t q = 0; q < k; q++) {
        const uint32_t c = h->code[t * k + q];
        double *yq = y + (int64_t)(c >> 1) * ldy;
        const double v = c & 1 ? -h->v : h->v;
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
  rla_free(&h->code);
  rla_free(&h->start);
  rla_free(&S->data);
}

/* The key of the seed: all that depends on it. */
static rla_err sparse_reseed(rla_sketch S)
{
  struct sparse *h = S->data;
  h->gen.key = rla_rng_bits(rla_rng_make(S->seed, RLA_RNG_SKETCH_SPARSE), 0, 0);
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
  h->v = 1.0 / sqrt((double)h->k);
  h->panel = S->panel > 0 ? S->panel : (S->n > 0 && S->n < PANEL ? S->n : PANEL);
  sparse_reseed(S);
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc(S->ctx, (size_t)(h->panel * h->k), sizeof(uint32_t), &h->code));
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc(S->ctx, (size_t)h->k + 1, sizeof(int64_t), &h->start));
  for (int64_t s = 0; s <= h->k; s++)
    h->start[s] = s * h->l / h->k;
  h->gen.k = h->k;
  h->gen.start = h->start;
  h->gen.wide = (h->l + h->k - 1) / h->k > NARROW;
  return RLA_SUCCESS;
fail:
  sparse_reset(S);
  return err;
}

static void sparse_view(rla_sketch S, FILE *out)
{
  struct sparse *h = S->data;
  fprintf(out, "  sparse sign: k = %lld nonzeros per column, one in each of k stripes of rows\n",
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
