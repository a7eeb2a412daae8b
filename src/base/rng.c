/* SPDX-License-Identifier: BSD-3-Clause */
/* Philox4x64-10 streams (Salmon et al., SC'11): key = (seed, purpose), counter = (row, col/4,
   kind, 0). One call yields four words, so four consecutive columns share a counter; an entry
   depends on its global position only, never on where a caller's range starts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "rla/rng.h"

enum { KIND_UNIFORM = 0, KIND_GAUSS = 1, KIND_SIGN = 2, KIND_BITS = 3, KIND_SAMPLE = 4 };

static philox4x64_ctr_t draw(rla_rng rng, uint64_t row, uint64_t block, uint64_t kind)
{
  philox4x64_ctr_t c = {{row, block, kind, 0}};
  philox4x64_key_t k = {{rng.seed, rng.purpose}};
  return philox4x64(c, k);
}

/* 53 random bits to the open interval (0, 1) */
static inline double to_open01(uint64_t x) { return ((double)(x >> 11) + 0.5) * 0x1.0p-53; }

void rla_rng_uniform(rla_rng rng, uint64_t row, uint64_t col0, size_t len, double *out)
{
  size_t t = 0;
  while (t < len) {
    uint64_t col = col0 + t;
    philox4x64_ctr_t r = draw(rng, row, col >> 2, KIND_UNIFORM);
    for (unsigned w = (unsigned)(col & 3); w < 4 && t < len; w++, t++)
      out[t] = to_open01(r.v[w]);
  }
}

void rla_rng_gaussian(rla_rng rng, uint64_t row, uint64_t col0, size_t len, double *out)
{
  size_t t = 0;
  while (t < len) {
    uint64_t col = col0 + t;
    philox4x64_ctr_t r = draw(rng, row, col >> 2, KIND_GAUSS);
    double g[4];
    for (int p = 0; p < 2; p++) {
      double u1 = to_open01(r.v[2 * p]), u2 = to_open01(r.v[2 * p + 1]);
      double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586476925 * u2;
      g[2 * p] = rad * cos(th);
      g[2 * p + 1] = rad * sin(th);
    }
    for (unsigned w = (unsigned)(col & 3); w < 4 && t < len; w++, t++)
      out[t] = g[w];
  }
}

void rla_rng_sign(rla_rng rng, uint64_t row, uint64_t col0, size_t len, double *out)
{
  size_t t = 0;
  while (t < len) {
    uint64_t col = col0 + t;
    philox4x64_ctr_t r = draw(rng, row, col >> 8, KIND_SIGN); /* 256 bits per counter */
    for (unsigned b = (unsigned)(col & 255); b < 256 && t < len; b++, t++)
      out[t] = ((r.v[b >> 6] >> (b & 63)) & 1) ? -1.0 : 1.0;
  }
}

uint64_t rla_rng_bits(rla_rng rng, uint64_t row, uint64_t col)
{
  philox4x64_ctr_t r = draw(rng, row, col >> 2, KIND_BITS);
  return r.v[col & 3];
}

/* uniform integer in [0, n) by rejection on 64-bit words (no modulo bias) */
static uint64_t below(rla_rng rng, uint64_t row, uint64_t *ctr, uint64_t n)
{
  uint64_t lim = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    philox4x64_ctr_t r = draw(rng, row, (*ctr)++, KIND_SAMPLE);
    for (int w = 0; w < 4; w++)
      if (r.v[w] < lim) return r.v[w] % n;
  }
}

rla_err rla_rng_sample_work(rla_ctx ctx, rla_rng rng, uint64_t row, int64_t n, int64_t k,
                            int64_t *out, int64_t *work)
{
  uint64_t ctr = 0;
  int64_t j = 0;

  RLA_CHECK(ctx, n >= 0 && k >= 0 && k <= n, RLA_ERR_ARG,
            "cannot sample %lld distinct indices from %lld", (long long)k, (long long)n);
  for (int64_t i = 0; i < n; i++)
    work[i] = i;
  /* partial Fisher-Yates: the first k entries become a uniform k-subset */
  for (int64_t i = 0; i < k; i++) {
    int64_t r = i + (int64_t)below(rng, row, &ctr, (uint64_t)(n - i));
    int64_t t = work[i];
    work[i] = work[r];
    work[r] = t;
  }
  for (int64_t i = 0; i < k; i++)
    out[i] = work[i];
  /* in increasing order: mark the chosen indices, then read the marks in order */
  memset(work, 0, sizeof(int64_t) * (size_t)n);
  for (int64_t i = 0; i < k; i++)
    work[out[i]] = 1;
  for (int64_t i = 0; i < n; i++)
    if (work[i]) out[j++] = i;
  return RLA_SUCCESS;
}

rla_err rla_rng_sample(rla_ctx ctx, rla_rng rng, uint64_t row, int64_t n, int64_t k, int64_t *out)
{
  int64_t *work = NULL;
  rla_err err;

  RLA_CHECK(ctx, n >= 0 && k >= 0 && k <= n, RLA_ERR_ARG,
            "cannot sample %lld distinct indices from %lld", (long long)k, (long long)n);
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)n, sizeof(int64_t), &work));
  err = rla_rng_sample_work(ctx, rng, row, n, k, out, work);
  rla_free(&work);
  return err;
}
