/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of rla_sketch: common parameters, an ops table per operator type and the
   operator's own data. */
#ifndef RLA_SKETCH_IMPL_H
#define RLA_SKETCH_IMPL_H

#include <string.h>

#include "rla/rng.h"
#include "rla/sketch.h"

/* What an operator type provides. The front end (interface.c) has validated the arguments
   and run setup before calling apply_*; apply_* allocate nothing. */
struct rla_sketch_ops {
  const char *name;
  /* Validate the type's parameters, fill S->data, allocate, plan. Local. */
  rla_err (*setup)(rla_sketch S);
  /* out (l x d) = sum over rows [row0, row0 + nrows) of Omega(:, i) A(i, :). */
  rla_err (*apply_left_local)(rla_sketch S, int64_t row0, int64_t nrows, int64_t d, const double *a,
                              int64_t lda, double *out, int64_t ldo);
  /* y (m x l) = A (m x n) Omega^T. */
  rla_err (*apply_right_local)(rla_sketch S, int64_t m, const double *a, int64_t lda, double *y,
                               int64_t ldy);
  /* After setup, S->seed changed: regenerate what depends on the seed in the memory setup
     allocated, so that the sketch is the one setup would give with this seed; allocates
     nothing. NULL: the front end undoes the setup and runs it again. Local. */
  rla_err (*reseed)(rla_sketch S);
  /* Free S->data and set it to NULL (undo setup). Local. */
  void (*reset)(rla_sketch S);
  /* Type-specific lines of rla_sketch_view. */
  void (*view)(rla_sketch S, FILE *out);
};

/* Block SRHT transform paths (the fast path is tested against the reference ones). */
typedef enum {
  RLA_SRHT_TRANSFORM_AUTO = 0, /* FWHT for b a power of two (>= 8), else FFTW DCT-II */
  RLA_SRHT_TRANSFORM_FWHT,     /* cache-resident radix-8 FWHT on 8-double vectors (fast path) */
  RLA_SRHT_TRANSFORM_FWHT_REF, /* radix-2 FWHT, one stage at a time (reference) */
  RLA_SRHT_TRANSFORM_FFTW,     /* FFTW: 2 x ... x 2 R2HC (b a power of two) or REDFT10 */
  RLA_SRHT_TRANSFORM_DCT       /* FFTW REDFT10 DCT-II even for b a power of two */
} rla_srht_transform;

struct rla_sketch_s {
  rla_ctx ctx;
  rla_sketch_type type;
  int64_t l, n; /* Omega is l x n; 0 until set */
  uint64_t seed;
  int64_t b_set; /* SRHT block size requested (0: automatic) */
  int64_t b;     /* SRHT block size in use (after setup) */
  int64_t k;     /* sparse sign: nonzeros per column requested */
  int is_setup;
  int64_t comm_words;
  const struct rla_sketch_ops *ops;
  void *data;
  /* Internal knobs for tests and benchmarks (set before setup): */
  int srht_omit_block_signs; /* 1: leave out D~_i (demonstrates block aliasing) */
  rla_srht_transform srht_transform;
  int64_t panel; /* columns (or rows) transformed together; 0: default */
};

extern const struct rla_sketch_ops rla_sketch_srht_ops;
extern const struct rla_sketch_ops rla_sketch_gaussian_ops;
extern const struct rla_sketch_ops rla_sketch_sparse_ops;

/* Undo setup (free the operator data). Local. */
void rla_sketch_reset(rla_sketch S);

/* Accessors to the entries of Omega for the operators that apply a sketch to their own storage
   (the sparse operator): the same generators as the sketch's kernels, so the same (seed, global
   index) gives the same value. S must be set up and of the type named. Local; no allocation. */

/* Sparse sign (impls/sparse.c, whose opening comment defines Omega): the generator of Omega's
   columns. Column i has one nonzero in each of k stripes of rows, stripe s = [start[s],
   start[s + 1]), stored as a code: row code >> 1, value -v when code & 1, else v = 1/sqrt(k).
   With stripes of at most 2^16 rows each 64-bit hash gives two stripes (32 bits each), else
   one. */
typedef struct {
  uint64_t key;
  int64_t k;
  int wide;             /* a hash per stripe (stripes above 2^16 rows) */
  const int64_t *start; /* k + 1 stripe boundaries */
} rla_sparse_gen;

#define RLA_SPARSE_GOLDEN 0x9e3779b97f4a7c15ULL

/* SplitMix64's output function (Steele, Lea and Flood, OOPSLA 2014) */
static inline uint64_t rla_sparse_mix(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* The row and sign of column i's nonzero in stripe r from b bits u of a hash (b = 32 or 64) and
   the stripe's width w: row start + floor(u w / 2^b), negative when bit b - 1 of u w mod 2^b is
   set; the code 2 row + (1 when negative). */
static inline uint32_t rla_sparse_code32(const int64_t *start, int64_t r, uint64_t u)
{
  uint64_t x = u * (uint64_t)(start[r + 1] - start[r]);
  return (uint32_t)(((uint64_t)start[r] + (x >> 32)) << 1 | (x >> 31 & 1));
}

/* The k codes of column i of Omega into code. */
static inline void rla_sketch_sparse_column(const rla_sparse_gen *g, int64_t i, uint32_t *code)
{
  const int64_t k = g->k, *start = g->start;
  if (g->wide) {
    uint64_t z = g->key + ((uint64_t)i * (uint64_t)k + 1) * RLA_SPARSE_GOLDEN;
    for (int64_t s = 0; s < k; s++, z += RLA_SPARSE_GOLDEN) {
      unsigned __int128 x =
          (unsigned __int128)rla_sparse_mix(z) * (uint64_t)(start[s + 1] - start[s]);
      code[s] = (uint32_t)(((uint64_t)start[s] + (uint64_t)(x >> 64)) << 1 | (uint64_t)x >> 63);
    }
    return;
  }
  uint64_t z = g->key + ((uint64_t)i * (uint64_t)((k + 1) / 2) + 1) * RLA_SPARSE_GOLDEN;
  for (int64_t s = 0; s < k; s += 2, z += RLA_SPARSE_GOLDEN) {
    uint64_t h = rla_sparse_mix(z);
    code[s] = rla_sparse_code32(start, s, h >> 32);
    if (s + 1 < k) code[s + 1] = rla_sparse_code32(start, s + 1, h & 0xffffffffu);
  }
}

/* o += x Omega(:, i) for narrow stripes (!g->wide) and an even k (the caller's constant, equal
   to g->k, so that the loop unrolls): rla_sketch_sparse_column and rla_sketch_sparse_add in
   one, the same sums. */
static inline void rla_sketch_sparse_axpy(const rla_sparse_gen *g, int64_t k, int64_t i, double x,
                                          double *o)
{
  uint64_t z = g->key + ((uint64_t)i * (uint64_t)(k / 2) + 1) * RLA_SPARSE_GOLDEN, bits;
  memcpy(&bits, &x, sizeof(bits));
  for (int64_t s = 0; s < k; s += 2, z += RLA_SPARSE_GOLDEN) {
    uint64_t h = rla_sparse_mix(z);
    uint32_t c[2] = {rla_sparse_code32(g->start, s, h >> 32),
                     rla_sparse_code32(g->start, s + 1, h & 0xffffffffu)};
    for (int q = 0; q < 2; q++) {
      uint64_t f = bits ^ (uint64_t)(c[q] & 1) << 63;
      double y;
      memcpy(&y, &f, sizeof(y));
      o[c[q] >> 1] += y;
    }
  }
}

/* o[code[q] >> 1] += x, negated when code[q] & 1, for q < k: the column of Omega with the codes,
   times x, added into o (the sign flipped exactly, so x v with v = 1/sqrt(k) gives the
   products (+-v) x). */
static inline void rla_sketch_sparse_add(double *o, const uint32_t *code, int64_t k, double x)
{
  uint64_t bits;
  memcpy(&bits, &x, sizeof(bits));
  for (int64_t q = 0; q < k; q++) {
    uint64_t f = bits ^ (uint64_t)(code[q] & 1) << 63;
    double y;
    memcpy(&y, &f, sizeof(y));
    o[code[q] >> 1] += y;
  }
}

/* The sketch's generator, v = 1/sqrt(k), and k codes of the sketch's work for the caller
   (valid until the next apply or call). Local. */
void rla_sketch_sparse_info(rla_sketch S, rla_sparse_gen *g, double *v, uint32_t **scratch);

/* The codes of the columns [i0, i0 + c) of Omega, c = min(p, the sketch's panel), in the
   sketch's work (valid until the next apply or call): column i0 + t at (*code)[t k ...]. Returns
   c. Local. */
int64_t rla_sketch_sparse_panel(rla_sketch S, int64_t i0, int64_t p, const uint32_t **code);

/* Gaussian: g(t, r) = sqrt(l) Omega(k0 + r, i0 + t) (the N(0,1) values before the scaling by
   1/sqrt(l)) for t < p, r < kb, column-major with leading dimension ldg >= p. O(kb p) normal
   values; aligning i0 and p to multiples of 4 wastes none (four columns share a counter). */
void rla_sketch_gaussian_block(rla_sketch S, int64_t k0, int64_t kb, int64_t i0, int64_t p,
                               double *g, int64_t ldg);

#endif
