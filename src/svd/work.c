/* SPDX-License-Identifier: BSD-3-Clause */
/* Products of a row-block working matrix A (m x n) with tall-skinny bases: Y = A Z and
   Z = A^T Y, where Y (m x c) has the row blocks of A and Z (n x c) the row blocks ceil(n/P) of
   the n side. Cost per product: 2 m n c / P flops per rank (one local GEMM) and one collective
   of c*n words: an allgather of Z for A Z, a reduce-scatter of the partial sums Y^T A for A^T Y.
   The n side is exchanged as c x (rows) pieces, so each rank's part is contiguous. */
#include <string.h>

#include <cblas.h>

#include "svd_impl.h"

rla_err rla_svd_work_create(rla_dmat A, int64_t cmax, rla_svd_info *info, struct rla_svd_work *w)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  double *a;
  rla_err err;

  memset(w, 0, sizeof(*w));
  w->ctx = ctx;
  w->comm = rla_ctx_comm(ctx);
  w->size = rla_ctx_size(ctx);
  w->rank = rla_ctx_rank(ctx);
  w->info = info;
  w->cmax = cmax;
  rla_dmat_sizes(A, &w->m, &w->n);
  rla_dmat_local(A, &a, &w->lm, NULL, &w->lda);
  w->a = a;
  w->nb = w->n > 0 ? (w->n + w->size - 1) / w->size : 1;
  RLA_CHECK(ctx, cmax * w->n <= (int64_t)2147483647, RLA_ERR_UNSUPPORTED,
            "a basis of %lld columns for n = %lld exceeds the 2^31 entries of one MPI message",
            (long long)cmax, (long long)w->n);
  err = rla_calloc(ctx, (size_t)w->size, sizeof(int), &w->nrows);
  if (!err) err = rla_calloc(ctx, (size_t)w->size, sizeof(int), &w->counts);
  if (!err) err = rla_calloc(ctx, (size_t)w->size, sizeof(int), &w->displs);
  if (!err) {
    for (int r = 0; r < w->size; r++) {
      int64_t s = (int64_t)r * w->nb, e = s + w->nb;
      if (s > w->n) s = w->n;
      if (e > w->n) e = w->n;
      w->nrows[r] = (int)(e - s);
    }
    w->ln = w->nrows[w->rank];
    err = rla_calloc(ctx, (size_t)(cmax * w->n), sizeof(double), &w->wide);
  }
  if (!err) err = rla_calloc(ctx, (size_t)(cmax * w->ln), sizeof(double), &w->piece);
  err = rla_ctx_agree(ctx, err);
  if (err) {
    rla_svd_work_destroy(w);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

void rla_svd_work_destroy(struct rla_svd_work *w)
{
  rla_free(&w->nrows);
  rla_free(&w->counts);
  rla_free(&w->displs);
  rla_free(&w->wide);
  rla_free(&w->piece);
}

static void set_counts(struct rla_svd_work *w, int64_t c)
{
  int disp = 0;
  for (int r = 0; r < w->size; r++) {
    w->counts[r] = (int)(c * w->nrows[r]);
    w->displs[r] = disp;
    disp += w->counts[r];
  }
}

rla_err rla_svd_work_apply_transpose(struct rla_svd_work *w, int64_t c, const double *y,
                                     int64_t ldy, double *z, int64_t ldz)
{
  RLA_CHECK(w->ctx, c <= w->cmax, RLA_ERR_INTERNAL, "product with %lld > %lld columns",
            (long long)c, (long long)w->cmax);
  if (c == 0) return RLA_SUCCESS;
  if (w->lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)c, (int)w->n, (int)w->lm, 1.0, y,
                (int)ldy, w->a, (int)w->lda, 0.0, w->wide, (int)c);
  else
    memset(w->wide, 0, sizeof(double) * (size_t)(c * w->n));
  set_counts(w, c);
  RLA_MPI(w->ctx, MPI_Reduce_scatter(w->wide, w->piece, w->counts, MPI_DOUBLE, MPI_SUM, w->comm));
  w->info->comm_words += c * w->n;
  for (int64_t j = 0; j < c; j++)
    for (int64_t i = 0; i < w->ln; i++)
      z[i + j * ldz] = w->piece[j + i * c];
  return RLA_SUCCESS;
}

rla_err rla_svd_work_apply(struct rla_svd_work *w, int64_t c, const double *z, int64_t ldz,
                           double *y, int64_t ldy)
{
  RLA_CHECK(w->ctx, c <= w->cmax, RLA_ERR_INTERNAL, "product with %lld > %lld columns",
            (long long)c, (long long)w->cmax);
  if (c == 0) return RLA_SUCCESS;
  for (int64_t i = 0; i < w->ln; i++)
    for (int64_t j = 0; j < c; j++)
      w->piece[j + i * c] = z[i + j * ldz];
  set_counts(w, c);
  RLA_MPI(w->ctx, MPI_Allgatherv(w->piece, w->counts[w->rank], MPI_DOUBLE, w->wide, w->counts,
                                 w->displs, MPI_DOUBLE, w->comm));
  w->info->comm_words += c * w->n;
  if (w->lm > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)w->lm, (int)c, (int)w->n, 1.0, w->a,
                (int)w->lda, w->wide, (int)c, 0.0, y, (int)ldy);
  return RLA_SUCCESS;
}
