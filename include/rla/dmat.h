/* SPDX-License-Identifier: BSD-3-Clause */
/* Distributed dense matrices over ScaLAPACK descriptors, in two layouts:
   - row-block: a P x 1 grid; rank r holds the contiguous global rows [r*mb, min(m,(r+1)*mb)),
     mb >= ceil(m/P) (so trailing ranks may hold no rows). Sketches and tall-skinny work.
   - cyclic: 2-D block-cyclic on a near-square Pr x Pc grid, for ScaLAPACK factorizations.
   Local storage is column-major with leading dimension lld >= max(1, local rows). */
#ifndef RLA_DMAT_H
#define RLA_DMAT_H

#include <stdint.h>
#include <stdio.h>

#include "rla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { RLA_DMAT_ROWBLOCK = 0, RLA_DMAT_CYCLIC = 1 } rla_dmat_layout;

typedef struct rla_dmat_s *rla_dmat;

/* Every function below that returns rla_err may also fail with RLA_ERR_MEM (allocation) and,
   when it communicates, RLA_ERR_MPI; those are not repeated. Collective functions return the
   same code on every rank. */

/* Create a zeroed row-block m x n matrix.
   Collective. m, n >= 0 (global); mb: rows per rank, 0 for ceil(m / P), otherwise at least
   ceil(m / P) (trailing ranks then hold fewer or no rows). *A receives the new matrix (the
   caller destroys it).
   Errors: RLA_ERR_ARG (negative sizes, mb < ceil(m / P), NULL A), RLA_ERR_UNSUPPORTED (m or n
   above 2^31 - 1, ScaLAPACK's 32-bit dimensions). */
rla_err rla_dmat_create_rowblock(rla_ctx ctx, int64_t m, int64_t n, int64_t mb, rla_dmat *A);
/* Create a zeroed 2-D block-cyclic m x n matrix with mb x nb blocks (0 picks 64) on a
   near-square grid of the context's ranks.
   Collective. Errors: as rla_dmat_create_rowblock, and RLA_ERR_ARG for negative block sizes. */
rla_err rla_dmat_create_cyclic(rla_ctx ctx, int64_t m, int64_t n, int64_t mb, int64_t nb,
                               rla_dmat *A);
/* Create a zeroed matrix with the layout, sizes and blocks of A. Collective. */
rla_err rla_dmat_create_like(rla_dmat A, rla_dmat *B);
/* Create a copy of A (layout, sizes and values). Collective. */
rla_err rla_dmat_duplicate(rla_dmat A, rla_dmat *B);
/* Destroy a matrix. Collective. Accepts NULL and *A == NULL; sets *A = NULL. */
rla_err rla_dmat_destroy(rla_dmat *A);

/* Queries. All Local; any output pointer may be NULL. */
rla_ctx rla_dmat_ctx(rla_dmat A);
rla_dmat_layout rla_dmat_get_layout(rla_dmat A);
/* Global sizes m x n. */
void rla_dmat_sizes(rla_dmat A, int64_t *m, int64_t *n);
/* Block sizes mb x nb (row-block: mb rows per rank, nb unused). */
void rla_dmat_blocks(rla_dmat A, int64_t *mb, int64_t *nb);
/* This rank's entries: a column-major lm x ln array with leading dimension lld >= max(1, lm),
   owned by A (valid until it is destroyed). */
void rla_dmat_local(rla_dmat A, double **a, int64_t *lm, int64_t *ln, int64_t *lld);
/* Global index (0-based) of local row i / local column j. */
int64_t rla_dmat_global_row(rla_dmat A, int64_t i);
int64_t rla_dmat_global_col(rla_dmat A, int64_t j);
/* Row-block layout only: the first global row of this rank (its count is lm). */
int64_t rla_dmat_row_offset(rla_dmat A);
/* Row-block layout only: the first global row and the row count of rank r. */
void rla_dmat_rank_rows(rla_dmat A, int r, int64_t *row0, int64_t *nrows);

/* Copy the values of A into B, of the same global sizes and any layouts.
   Collective (one all-to-all per panel of columns, at most 2^20 entries per rank and panel).
   Errors: RLA_ERR_ARG (different contexts), RLA_ERR_SHAPE (different sizes). */
rla_err rla_dmat_redistribute(rla_dmat A, rla_dmat B);
/* B = A: a local copy for the same layout, redistribution otherwise. Collective.
   Errors: as rla_dmat_redistribute. */
rla_err rla_dmat_copy(rla_dmat A, rla_dmat B);
/* Set every entry to f(i, j, data) at its global (i, j). Local work (call on every rank: each
   sets its own entries). */
rla_err rla_dmat_fill(rla_dmat A, double (*f)(int64_t i, int64_t j, void *data), void *data);
/* A = alpha A. Local work. */
void rla_dmat_scale(rla_dmat A, double alpha);
/* Y = alpha X + Y. Local work. Errors: RLA_ERR_SHAPE (X and Y of different layouts or sizes). */
rla_err rla_dmat_axpy(double alpha, rla_dmat X, rla_dmat Y);

/* Frobenius norm, by an overflow-safe scaled sum of squares and one allreduce. Collective. */
rla_err rla_dmat_norm_fro(rla_dmat A, double *nrm);
/* 2-norm estimate: iters steps of the power iteration on A^T A from a random start keyed by
   seed. Collective. Notes: a lower bound that converges to ||A||_2. */
rla_err rla_dmat_norm2_estimate(rla_dmat A, int iters, uint64_t seed, double *nrm);
/* Largest absolute entry. Collective. */
rla_err rla_dmat_norm_max(rla_dmat A, double *nrm);
/* Check that every entry is finite. Collective. name: the matrix's name in the message (a file
   path, "A"). Errors: RLA_ERR_VALUE naming the first NaN or Inf by global row and column. */
rla_err rla_dmat_check_finite(rla_dmat A, const char *name);

/* C = alpha op(A) op(B) + beta C with ScaLAPACK pdgemm, op = 'N' or 'T'.
   Collective. A, B, C on one process grid (all row-block, or all cyclic; block sizes may
   differ). Errors: RLA_ERR_ARG (other flags, different grids), RLA_ERR_SHAPE (sizes that do not
   fit). */
rla_err rla_dmat_gemm(char transa, char transb, double alpha, rla_dmat A, rla_dmat B, double beta,
                      rla_dmat C);

/* Gather the whole matrix, column-major m x n with leading dimension m, into buf on rank root,
   or on every rank when root < 0.
   Collective. buf: m n doubles where it is received, untouched elsewhere.
   Errors: RLA_ERR_ARG (root >= P), RLA_ERR_UNSUPPORTED (m n above 2^31 - 1 entries).
   Notes: for small results; never for a large matrix (it needs m n doubles on the root). */
rla_err rla_dmat_gather(rla_dmat A, int root, double *buf);
/* The inverse of gather: set A from the column-major m x n array buf on rank root.
   Collective. Errors: RLA_ERR_ARG (root outside [0, P)), RLA_ERR_UNSUPPORTED (as gather). */
rla_err rla_dmat_scatter(rla_dmat A, int root, const double *buf);

/* Print sizes, layout, grid and blocks (and the values when small) on rank 0. Collective. */
rla_err rla_dmat_view(rla_dmat A, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
