/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter-based random numbers (Random123 Philox4x64-10): every value is a pure function of
   (seed, purpose, row, column), so any rank generates any part without communication. */
#ifndef RLA_RNG_H
#define RLA_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "rla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A stream: the key of Philox. It is a small value, copied freely; there is no state. */
typedef struct {
  uint64_t seed;
  uint64_t purpose;
} rla_rng;

/* Purposes in use, so that no two parts of rla draw the same numbers from one seed. */
enum {
  RLA_RNG_GEN_U = 1,           /* generator: left singular vectors */
  RLA_RNG_GEN_V = 2,           /* generator: right singular vectors */
  RLA_RNG_GEN_X = 3,           /* generator: exact solution */
  RLA_RNG_GEN_R = 4,           /* generator: residual direction */
  RLA_RNG_GEN_NOISE = 5,       /* generator: noise */
  RLA_RNG_GEN_COLLECTION = 6,  /* generator: subspace bases, memberships, coefficients */
  RLA_RNG_GEN_PATTERN = 7,     /* sparse generators: column positions, row and column orders */
  RLA_RNG_GEN_ENTRIES = 8,     /* sparse generators: values of the entries */
  RLA_RNG_SKETCH_SIGN = 16,    /* sketch: D_i */
  RLA_RNG_SKETCH_SIGN2 = 17,   /* sketch: D~_i */
  RLA_RNG_SKETCH_SAMPLE = 18,  /* sketch: row sample R */
  RLA_RNG_SKETCH_GAUSS = 19,   /* sketch: Gaussian entries */
  RLA_RNG_SKETCH_SPARSE = 20,  /* sketch: sparse sign positions and signs */
  RLA_RNG_NORM_EST = 32,       /* 2-norm estimation start vector */
  RLA_RNG_SVD_BLOCK_SEED = 40, /* randomized SVD: seeds of the QB blocks after the first */
  RLA_RNG_USER = 1024          /* first purpose free for callers */
};

static inline rla_rng rla_rng_make(uint64_t seed, uint64_t purpose)
{
  rla_rng r = {seed, purpose};
  return r;
}

/* out[t] = U(0,1) value (open interval, 53 bits) at (row, col0 + t), t < len. Local. */
void rla_rng_uniform(rla_rng rng, uint64_t row, uint64_t col0, size_t len, double *out);
/* out[t] = N(0,1) value at (row, col0 + t) (Box-Muller on the uniforms of the same counter). Local.
 */
void rla_rng_gaussian(rla_rng rng, uint64_t row, uint64_t col0, size_t len, double *out);
/* out[t] = +1.0 or -1.0 with equal probability, at (row, col0 + t). Local. */
void rla_rng_sign(rla_rng rng, uint64_t row, uint64_t col0, size_t len, double *out);
/* One 64-bit random word at (row, col). Local. */
uint64_t rla_rng_bits(rla_rng rng, uint64_t row, uint64_t col);
/* k distinct indices drawn uniformly from [0, n), in increasing order, as a function of
   (rng, row) only. Needs k <= n; work of size n is allocated. Local. */
rla_err rla_rng_sample(rla_ctx ctx, rla_rng rng, uint64_t row, int64_t n, int64_t k, int64_t *out);
/* rla_rng_sample (the same k indices) in the caller's work of n int64_t (overwritten):
   allocates nothing. Local. Errors: RLA_ERR_ARG unless 0 <= k <= n. */
rla_err rla_rng_sample_work(rla_ctx ctx, rla_rng rng, uint64_t row, int64_t n, int64_t k,
                            int64_t *out, int64_t *work);

#ifdef __cplusplus
}
#endif
#endif
