/* SPDX-License-Identifier: BSD-3-Clause */
/* Distributed sparse matrices: compressed sparse rows (CSR) in row blocks. Rank r holds the
   consecutive global rows [row0, row0 + lm) (any split: the lm sum to m in rank order, and a
   rank may hold none), as three arrays: row offsets (lm + 1 of them, 64-bit: a rank's nonzeros
   may pass 2^31), global column indices (32-bit: n <= 2^31 - 1, as for rla_dmat) and values.
   Within a row the column indices are strictly increasing (no duplicates); explicit zeros are
   kept. No rank holds another rank's rows, and nothing of the matrix is ever gathered: memory
   is O(nnz / P) per rank. Solvers reach a sparse matrix through its operator (rla_op_create_sparse
   in rla/op.h).
   Lifecycle: create (from local CSR arrays, or a reader of rla/io.h) -> use -> destroy. */
#ifndef RLA_SMAT_H
#define RLA_SMAT_H

#include <stdint.h>

#include "rla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rla_smat_s *rla_smat;

/* Create a sparse m x n matrix from this rank's rows in CSR, copying the arrays.
   Collective on ctx. m >= 0, 1 <= n <= 2^31 - 1: global sizes, the same on every rank; lm >= 0:
   this rank's rows (ranks own consecutive ranges in rank order; the lm sum to m).
   rowptr: lm + 1 offsets, rowptr[0] = 0, non-decreasing; colind, val: rowptr[lm] entries each,
   the column indices of every row strictly increasing in [0, n). val may be NULL for a pattern
   (every value 1). NULL arrays are allowed where the count is 0.
   Errors (the same on every rank, *A = NULL): RLA_ERR_ARG (NULL A, negative or mismatched sizes,
   offsets that decrease or do not start at 0, column indices out of range, unsorted or
   repeated within a row), RLA_ERR_VALUE (a NaN or Inf value, named by global row and column),
   RLA_ERR_UNSUPPORTED (n above 2^31 - 1), RLA_ERR_MEM. */
rla_err rla_smat_create_csr(rla_ctx ctx, int64_t m, int64_t n, int64_t lm, const int64_t *rowptr,
                            const int32_t *colind, const double *val, rla_smat *A);

/* Destroy a matrix. Local (no communication). Accepts NULL and *A == NULL; sets *A = NULL. */
rla_err rla_smat_destroy(rla_smat *A);

/* Queries. All Local; any output pointer may be NULL. */
rla_ctx rla_smat_ctx(rla_smat A);
/* Global sizes m x n. */
void rla_smat_sizes(rla_smat A, int64_t *m, int64_t *n);
/* This rank's rows [row0, row0 + lm). */
void rla_smat_local_rows(rla_smat A, int64_t *row0, int64_t *lm);
/* This rank's CSR arrays (owned by A, valid until it is destroyed; the values may be changed in
   place, the structure may not): lm + 1 offsets, column indices and values. */
void rla_smat_local(rla_smat A, const int64_t **rowptr, const int32_t **colind, double **val);
/* Nonzeros stored on this rank, and in all (the sum over the ranks, computed at creation). */
int64_t rla_smat_local_nnz(rla_smat A);
int64_t rla_smat_nnz(rla_smat A);

/* Scale the rows: A(i, :) *= d[i - row0] for this rank's rows (equilibration). Local.
   d: lm factors of this rank's rows, borrowed for the call. The structure is kept (an entry
   scaled to zero stays stored).
   Errors (A unchanged): RLA_ERR_ARG (NULL A, or NULL d with lm > 0), RLA_ERR_VALUE (a NaN or
   Inf factor, named by its global row). */
rla_err rla_smat_scale_rows(rla_smat A, const double *d);
/* Scale the columns: A(:, j) *= d[j] (equilibration). Local: every rank calls it with the same
   d for the matrix to be scaled as a whole. d: n factors, borrowed for the call. The structure
   is kept.
   Errors (A unchanged): RLA_ERR_ARG (NULL A or d), RLA_ERR_VALUE (a NaN or Inf factor, named by
   its column). */
rla_err rla_smat_scale_columns(rla_smat A, const double *d);
/* Frobenius norm of A, the same on every rank. Collective. Overflow-safe as rla_dmat_norm_fro
   (scaled sums of squares: no overflow for entries up to DBL_MAX); a NaN or Inf value gives
   NaN or Inf. O(nnz / P) flops and one allreduce.
   Errors: RLA_ERR_ARG (NULL A or nrm, on the rank that passed it). */
rla_err rla_smat_norm_fro(rla_smat A, double *nrm);

#ifdef __cplusplus
}
#endif
#endif
