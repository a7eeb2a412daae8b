/* SPDX-License-Identifier: BSD-3-Clause */
/* Private helpers shared by the generators: parameter agreement, Gaussian fills keyed by global
   indices, orthonormalization. */
#ifndef RLA_GEN_IMPL_H
#define RLA_GEN_IMPL_H

#include "rla/gen.h"
#include "rla/rng.h"

/* Check that the nvals integers vals and the ndbl doubles dbl (nothing when NULL) are the same
   on every rank; fails on all ranks with RLA_ERR_ARG naming what when they differ. Collective. */
rla_err rla_gen_agree_params(rla_ctx ctx, const char *what, const int64_t *vals, int nvals,
                             const double *dbl, int64_t ndbl);

/* Set the global columns [c0, c1) of A (any layout) to scale * N(0,1) entries drawn from rng at
   (global row, global column + coloff). Local work. */
void rla_gen_fill_gaussian(rla_dmat A, rla_rng rng, int64_t c0, int64_t c1, int64_t coloff,
                           double scale);

/* Overwrite the m x k matrix Q (m >= k, full column rank) with an orthonormal basis of its
   range: the guarded tall-skinny orthonormalization of src/orth (CholeskyQR2, shifted
   CholeskyQR3 or Householder TSQR) for the row-block layout, Householder QR (pdgeqrf + pdorgqr)
   for other layouts. Collective. */
rla_err rla_gen_orthonormalize(rla_dmat Q);

/* The context and the spec (widths pointer NULL) of a collection. Local. */
rla_ctx rla_gen_collection_ctx(rla_collection coll);
const rla_collection_spec *rla_gen_collection_spec(rla_collection coll);

/* Multiply global column j of A by s[j] for j < ncols. Local. */
void rla_gen_scale_columns(rla_dmat A, const double *s, int64_t ncols);
/* A new m x k row-block matrix with orthonormal columns: the Q factor of a Gaussian from rng.
   Collective. */
rla_err rla_gen_gaussian_basis(rla_ctx ctx, int64_t m, int64_t k, rla_rng rng, rla_dmat *Q);

/* x[0..n) = a Gaussian vector from rng (row 0) normalized to ||x||_2 = 1, by n - 1 hypot calls in
   index order: the same bits on every rank. Local. */
void rla_gen_unit_gaussian(rla_rng rng, int64_t n, double *x);
/* Check that the k values sigma are the same on every rank, finite, positive and non-increasing
   (RLA_ERR_ARG naming the first bad one; what names the caller). Collective. */
rla_err rla_gen_check_sigma(rla_ctx ctx, const char *what, const double *sigma, int64_t k);

/* ---- shared by the sparse generators (sparse.c) ---- */

/* This rank's rows of an m-row matrix in the split of rla_io_read_sparse and of
   rla_dmat_create_rowblock's default: ceil(m/P) rows per rank, the last ranks fewer or none.
   Local. */
void rla_gen_row_split(rla_ctx ctx, int64_t m, int64_t *row0, int64_t *lm);
/* A uniform integer in [0, n) (n >= 1) by rejection on the 64-bit words of rng at (row, *ctr),
   (*ctr)++ per word drawn. Local. */
uint64_t rla_gen_below(rla_rng rng, uint64_t row, uint64_t *ctr, uint64_t n);
/* perm[0..len) = a uniform random permutation of 0..len-1 (Fisher-Yates on the stream of row):
   the same on every rank. Local. */
void rla_gen_permutation(rla_rng rng, uint64_t row, int64_t len, int64_t *perm);
/* A progress line from rank 0 at most every 10 seconds (since *last, updated): done of total
   units of rank 0's work. Local. */
void rla_gen_progress(rla_ctx ctx, const char *what, int64_t done, int64_t total, const char *unit,
                      double *last);

#endif
