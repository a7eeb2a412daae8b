/* SPDX-License-Identifier: BSD-3-Clause */
/* Products of the operator A (m x n) with tall-skinny bases: Y = A Z and Z = A^T Y, where Y
   (m x c) has the operator's row split and Z (n x c) the row blocks ceil(n/P) of the n side.
   Cost per product: the operator's product with c vectors (2 m n c / P flops per rank for a
   dense A, one local GEMM) and one collective of c*n words: an allgather of Z for A Z, a
   reduce-scatter of the partial sums Y^T A for A^T Y (the library's ring, src/base/reduce.c,
   over work planned with the rest: Open MPI's MPI_Reduce_scatter allocates its temporaries at
   every call, fresh pages that a first solve pays for; chosen by measurement, see
   bench/README.md). The partial sums are exchanged as
   c x (rows) pieces, so that each rank's part is contiguous; the gathered Z^T (c x n) is
   transposed locally into the n x c array the operator takes, in tiles (a datatype of one
   strided row, unpacked element by element, was slower: see bench/README.md). */
#include <string.h>

#include "svd_impl.h"

/* counts and displacements of c x (rows) pieces */
static void set_counts(struct rla_svd_work *w, int64_t c)
{
  int disp = 0;
  for (int r = 0; r < w->size; r++) {
    w->counts[r] = (int)(c * w->nrows[r]);
    w->displs[r] = disp;
    disp += w->counts[r];
  }
}

/* Tile of the local transposition (doubles per side): 32 x 32 of both arrays fit in L1. */
#define TRANSPOSE_TILE 32

/* b (cols x rows, leading dimension ldb) = a^T for a (rows x cols, leading dimension lda). */
static void transpose(int64_t rows, int64_t cols, const double *a, int64_t lda, double *b,
                      int64_t ldb)
{
  for (int64_t i0 = 0; i0 < rows; i0 += TRANSPOSE_TILE)
    for (int64_t j0 = 0; j0 < cols; j0 += TRANSPOSE_TILE) {
      int64_t i1 = i0 + TRANSPOSE_TILE < rows ? i0 + TRANSPOSE_TILE : rows;
      int64_t j1 = j0 + TRANSPOSE_TILE < cols ? j0 + TRANSPOSE_TILE : cols;
      for (int64_t i = i0; i < i1; i++)
        for (int64_t j = j0; j < j1; j++)
          b[j + i * ldb] = a[i + j * lda];
    }
}

rla_err rla_svd_work_apply_transpose(struct rla_svd_work *w, int64_t c, const double *y,
                                     int64_t ldy, double *z, int64_t ldz)
{
  rla_err err;
  RLA_CHECK(w->ctx, c <= w->cmax, RLA_ERR_INTERNAL, "product with %lld > %lld columns",
            (long long)c, (long long)w->cmax);
  if (c == 0) return RLA_SUCCESS;
  err = rla_op_left_mult_local(w->op, c, y, ldy, w->wide, c);
  RLA_CALL(w->ctx, rla_ctx_agree(w->ctx, err));
  /* wide as one column of c n doubles, rank r's part the c nrows[r] from c r nb on */
  for (int r = 0; r < w->size; r++) {
    w->row0[r] = c * w->nb * r < c * w->n ? c * w->nb * r : c * w->n;
    w->rows[r] = c * w->nrows[r];
  }
  RLA_CALL(w->ctx, rla_reduce_scatter_rows(w->ctx, w->wide, c * w->n, 1, w->row0, w->rows, w->ring));
  w->info->comm_words += c * w->n;
  transpose(c, w->ln, w->wide + w->row0[w->rank], c, z, ldz);
  return RLA_SUCCESS;
}

rla_err rla_svd_work_apply(struct rla_svd_work *w, int64_t c, const double *z, int64_t ldz,
                           double *y, int64_t ldy)
{
  rla_err err;
  RLA_CHECK(w->ctx, c <= w->cmax, RLA_ERR_INTERNAL, "product with %lld > %lld columns",
            (long long)c, (long long)w->cmax);
  if (c == 0) return RLA_SUCCESS;
  transpose(w->ln, c, z, ldz, w->piece, c);
  set_counts(w, c);
  RLA_MPI(w->ctx, MPI_Allgatherv(w->piece, (int)(c * w->ln), MPI_DOUBLE, w->gathered, w->counts,
                                 w->displs, MPI_DOUBLE, w->comm));
  transpose(c, w->n, w->gathered, c, w->wide, w->n);
  w->info->comm_words += c * w->n;
  err = rla_op_mult(w->op, c, w->wide, w->n, y, ldy);
  RLA_CALL(w->ctx, rla_ctx_agree(w->ctx, err));
  return RLA_SUCCESS;
}
