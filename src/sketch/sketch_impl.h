/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of rla_sketch: common parameters, an ops table per operator type and the
   operator's own data. */
#ifndef RLA_SKETCH_IMPL_H
#define RLA_SKETCH_IMPL_H

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

/* Sparse sign: the nonzeros of the columns [i0, i0 + c) of Omega, c = min(p, the sketch's panel),
   generated into the sketch's work (valid until the next apply or call): column i0 + t has its
   *k nonzeros at rows (*pos)[t k + q] with values (*val)[t k + q], q < k. Returns c. */
int64_t rla_sketch_sparse_columns(rla_sketch S, int64_t i0, int64_t p, const int32_t **pos,
                                  const double **val, int64_t *k);

/* Gaussian: g(t, r) = sqrt(l) Omega(k0 + r, i0 + t) (the N(0,1) values before the scaling by
   1/sqrt(l)) for t < p, r < kb, column-major with leading dimension ldg >= p. O(kb p) normal
   values; aligning i0 and p to multiples of 4 wastes none (four columns share a counter). */
void rla_sketch_gaussian_block(rla_sketch S, int64_t k0, int64_t kb, int64_t i0, int64_t p,
                               double *g, int64_t ldg);

#endif
