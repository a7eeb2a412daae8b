/* SPDX-License-Identifier: BSD-3-Clause */
/* Sketch operators Omega (l x n): block SRHT, Gaussian and sparse sign. Every entry is a pure
   function of (seed, global row, global column), so each rank generates its part without
   communication and the operator does not depend on the number of ranks. E ||Omega x||^2 =
   ||x||^2 for all three.
   - block SRHT (default): Omega = [Omega_1 ... Omega_Pv] over virtual blocks of b rows,
     Omega_i = sqrt(b/l) Dt_i R H D_i (H orthonormal Walsh-Hadamard, or DCT-II when b is not a
     power of two); n d log2(b) flops for Omega A. See src/sketch/impls/srht.c.
   - Gaussian: N(0,1)/sqrt(l) entries, applied by DGEMM; 2 l n d flops and l n normal values.
   - sparse sign: k nonzeros +-1/sqrt(k) per column; 2 k n d flops.
   Reproducibility: the same seed gives the same Omega on any number of ranks; Omega A on P
   ranks differs from the one-rank result only by the order of the sums (a few ulps of the
   largest partial sums), and repeated applies on the same ranks are bitwise identical.
   Lifecycle: create -> set_* -> setup (collective: validate, allocate, plan FFTW) ->
   apply_* (repeatable; allocates nothing except a packed copy for the reduction when
   ldo > l), with rla_sketch_reseed between applies to change the seed in place -> view ->
   destroy. Arrays passed to apply_* are borrowed for the call. The applies use work space
   inside the sketch: one sketch must not be applied by two threads at once. */
#ifndef RLA_SKETCH_H
#define RLA_SKETCH_H

#include <stdint.h>
#include <stdio.h>

#include "rla/base.h"
#include "rla/dmat.h"
#include "rla/options.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  RLA_SKETCH_SRHT = 0,
  RLA_SKETCH_GAUSSIAN = 1,
  RLA_SKETCH_SPARSE = 2
} rla_sketch_type;

typedef struct rla_sketch_s *rla_sketch;

/* Create an unset sketch in ctx. Local. */
rla_err rla_sketch_create(rla_ctx ctx, rla_sketch *S);
/* Accepts NULL; sets *S = NULL. Local. */
rla_err rla_sketch_destroy(rla_sketch *S);

/* Parse "srht", "gaussian", "sparse". Local. */
rla_err rla_sketch_type_from_name(rla_ctx ctx, const char *name, rla_sketch_type *type);
const char *rla_sketch_type_name(rla_sketch_type type); /* Local. */
/* RLA_ERR_ARG, with the message recorded in ctx, unless type is a known sketch type. For the
   setters of solvers that keep a type before they make their sketch. Local. */
rla_err rla_sketch_type_check(rla_ctx ctx, rla_sketch_type type);

rla_err rla_sketch_set_type(rla_sketch S, rla_sketch_type type); /* Local. */
/* Omega is l x n: it maps n-vectors to l-vectors. 1 <= l. Local. */
rla_err rla_sketch_set_sizes(rla_sketch S, int64_t l, int64_t n);
/* Local. Default 1. Undoes the setup (see rla_sketch_reseed to keep it). */
rla_err rla_sketch_set_seed(rla_sketch S, uint64_t seed);
/* Block SRHT: rows per virtual block b >= l (0: automatic, the smallest power of two >= l but
   at least 128, at most the power of two >= max(n, l); chosen by measurement, see
   bench/README.md). A b that is not a power of two uses the orthonormal DCT-II (FFTW REDFT10,
   several times slower than the Walsh-Hadamard path). Local. */
rla_err rla_sketch_set_block_size(rla_sketch S, int64_t b);
/* Block SRHT: the block size in use (the automatic choice once set up; before setup, the value
   set, 0 for automatic). Other types: 0. Local. */
int64_t rla_sketch_get_block_size(rla_sketch S);
/* The sizes of Omega (l x n) as set (0 before rla_sketch_set_sizes). Local. */
void rla_sketch_get_sizes(rla_sketch S, int64_t *l, int64_t *n);
/* Sparse sign: nonzeros per column k (default 8, clamped to l). Local. */
rla_err rla_sketch_set_sparsity(rla_sketch S, int64_t k);
/* Validate parameters, allocate work space and plan transforms. Collective. A set_* call
   after setup undoes it; an apply on a sketch not set up runs the setup itself (the local
   applies without the agreement across ranks). Errors: RLA_ERR_ARG (sizes not set, l > b for
   the block SRHT), RLA_ERR_MEM, RLA_ERR_LIB (FFTW planning). */
rla_err rla_sketch_setup(rla_sketch S);

/* Change the seed of a sketch and keep its setup: Omega becomes exactly the operator that
   create, the same set_* calls, rla_sketch_set_seed(S, seed) and rla_sketch_setup would give
   (bitwise the same applies), without their allocations and FFTW planning. Local (no
   communication: every rank calls it with the same seed before the next collective apply).
   S: a sketch with sizes set. seed: the new seed.
   Errors: RLA_ERR_ARG (NULL sketch; a sketch not set up whose parameters setup refuses),
   RLA_ERR_MEM and RLA_ERR_LIB as for rla_sketch_setup, on a sketch not set up only.
   Notes: on a set-up sketch only the seed's part is made again (the block SRHT's signs and
   sampled rows, the Gaussian and sparse sign streams) in the memory setup allocated: it
   allocates nothing and costs O(b) for the block SRHT, O(1) for the others. On a sketch not
   set up it sets the seed and runs the setup on this rank (like the applies: without the
   agreement across ranks of rla_sketch_setup) and allocates. rla_sketch_set_seed, in
   contrast, undoes the setup. For a sequence of operators of the same sizes (the QB blocks of
   rla_svd's tolerance mode) one sketch reseeded per operator replaces one sketch each. */
rla_err rla_sketch_reseed(rla_sketch S, uint64_t seed);

/* Local contribution to Omega * A: the caller holds the rows [row0, row0 + nrows) of an n x d
   matrix A (column-major, leading dimension lda) and gets in out (l x d, leading dimension
   ldo, overwritten) the sum over those rows of Omega(:, i) A(i, :). Summing the outputs of all
   ranks (one reduction) gives Omega A. No communication; row ranges need not align with SRHT
   blocks. Local. */
rla_err rla_sketch_apply_left_local(rla_sketch S, int64_t row0, int64_t nrows, int64_t d,
                                    const double *a, int64_t lda, double *out, int64_t ldo);
/* Omega * A for a row-block A (n x d): out is l x d column-major with leading dimension ldo,
   set on every rank (one MPI_Allreduce of l*d words). Collective. */
rla_err rla_sketch_apply_left(rla_sketch S, rla_dmat A, double *out, int64_t ldo);
/* Y = A * Omega^T for a row-block A (m x n) into a row-block Y (m x l, same row blocks).
   Each rank works on its own rows: no communication. Collective (agreement on errors). */
rla_err rla_sketch_apply_right(rla_sketch S, rla_dmat A, rla_dmat Y);
/* Y = A * Omega^T for local arrays: A is m x n (column-major, leading dimension lda), Y is
   m x l (leading dimension ldy, overwritten). m may be 0. Local. */
rla_err rla_sketch_apply_right_local(rla_sketch S, int64_t m, const double *a, int64_t lda,
                                     double *y, int64_t ldy);

/* Words communicated by the last apply on this rank: the reduction payload l*d of
   rla_sketch_apply_left on more than one rank, 0 for the local applies and on one rank.
   Local. */
int64_t rla_sketch_comm_words(rla_sketch S);
/* Print type, sizes, seed and block size. Rank 0 prints. Local. */
rla_err rla_sketch_view(rla_sketch S, FILE *out);

/* The names of the sketch types, indexed by rla_sketch_type. */
extern const char *const rla_sketch_type_names[3];

/* The description of the sketch's options, *n of them: sketch-type, seed,
   block-size, sparsity (obj is an rla_sketch). Local; the array is static. */
const rla_option_desc *rla_sketch_options(int *n);
/* Read the sketch's options from opts (prefix + name; prefix may be NULL), each with the
   sketch's current value as default, set through its rla_sketch_set_*, and record the values
   used in opts. S must be in the context of opts. Local. Errors: RLA_ERR_ARG naming the option,
   where it was given and the accepted range. */
rla_err rla_sketch_set_from_options(rla_sketch S, rla_options opts, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
