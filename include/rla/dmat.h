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

/* Row-block m x n matrix, zeroed. mb = 0 picks ceil(m/P); otherwise mb >= ceil(m/P).
   Collective. */
rla_err rla_dmat_create_rowblock(rla_ctx ctx, int64_t m, int64_t n, int64_t mb, rla_dmat *A);
/* 2-D block-cyclic m x n matrix with mb x nb blocks (0 picks 64), zeroed. Collective. */
rla_err rla_dmat_create_cyclic(rla_ctx ctx, int64_t m, int64_t n, int64_t mb, int64_t nb,
                               rla_dmat *A);
/* A new zeroed matrix with the layout and sizes of A. Collective. */
rla_err rla_dmat_create_like(rla_dmat A, rla_dmat *B);
/* A copy of A (layout, sizes and values). Collective. */
rla_err rla_dmat_duplicate(rla_dmat A, rla_dmat *B);
/* Accepts NULL; sets *A = NULL. Collective. */
rla_err rla_dmat_destroy(rla_dmat *A);

rla_ctx rla_dmat_ctx(rla_dmat A);                           /* Local. */
rla_dmat_layout rla_dmat_get_layout(rla_dmat A);            /* Local. */
void rla_dmat_sizes(rla_dmat A, int64_t *m, int64_t *n);    /* global sizes; Local. */
void rla_dmat_blocks(rla_dmat A, int64_t *mb, int64_t *nb); /* block sizes; Local. */
/* Local array: column-major, lm x ln, leading dimension lld. Any pointer may be NULL. Local. */
void rla_dmat_local(rla_dmat A, double **a, int64_t *lm, int64_t *ln, int64_t *lld);
/* Global index of local row i / local column j (0-based). Local. */
int64_t rla_dmat_global_row(rla_dmat A, int64_t i);
int64_t rla_dmat_global_col(rla_dmat A, int64_t j);
/* Row-block layout only: first global row held by this rank (its count is lm). Local. */
int64_t rla_dmat_row_offset(rla_dmat A);
/* Row-block layout only: first global row and row count held by rank r. Local. */
void rla_dmat_rank_rows(rla_dmat A, int r, int64_t *row0, int64_t *nrows);

/* Copy the values of A into B (same global sizes, any layouts): one all-to-all per panel of
   columns (at most 2^20 entries per rank). Collective. */
rla_err rla_dmat_redistribute(rla_dmat A, rla_dmat B);
/* B = A for same-layout matrices, or redistribution otherwise. Collective. */
rla_err rla_dmat_copy(rla_dmat A, rla_dmat B);
/* Fill with f(i, j, data) at global (i, j). Local work, no communication; call on all ranks. */
rla_err rla_dmat_fill(rla_dmat A, double (*f)(int64_t i, int64_t j, void *data), void *data);
/* A = alpha * A. Local work. */
void rla_dmat_scale(rla_dmat A, double alpha);
/* Y = alpha * X + Y (same layout and sizes). Local work. */
rla_err rla_dmat_axpy(double alpha, rla_dmat X, rla_dmat Y);

/* Frobenius norm (overflow-safe scaled sum of squares, one allreduce). Collective. */
rla_err rla_dmat_norm_fro(rla_dmat A, double *nrm);
/* 2-norm estimate by iters steps of power iteration on A^T A from a random start keyed by
   seed (returns a lower bound that converges to ||A||_2). Collective. */
rla_err rla_dmat_norm2_estimate(rla_dmat A, int iters, uint64_t seed, double *nrm);
/* Maximum absolute entry. Collective. */
rla_err rla_dmat_norm_max(rla_dmat A, double *nrm);
/* Fail with RLA_ERR_VALUE naming the first non-finite entry (global row, column) and what
   (here "name" is the matrix's name for the message, e.g. a file path). Collective. */
rla_err rla_dmat_check_finite(rla_dmat A, const char *name);

/* C = alpha * op(A) op(B) + beta * C with pdgemm; all three on the same process grid (all
   row-block, or all cyclic; block sizes may differ). trans* is 'N' or 'T'. Collective. */
rla_err rla_dmat_gemm(char transa, char transb, double alpha, rla_dmat A, rla_dmat B, double beta,
                      rla_dmat C);

/* Gather the whole matrix, column-major m x n with leading dimension m, to rank root, or to
   every rank when root < 0. buf is read only where it is received. For small results.
   Collective. */
rla_err rla_dmat_gather(rla_dmat A, int root, double *buf);
/* Inverse of gather: set A from the column-major m x n buf held on rank root (root >= 0).
   Collective. */
rla_err rla_dmat_scatter(rla_dmat A, int root, const double *buf);

/* Print sizes, layout, grid and blocks (and the values when small) on rank 0. Collective. */
rla_err rla_dmat_view(rla_dmat A, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
