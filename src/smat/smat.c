/* SPDX-License-Identifier: BSD-3-Clause */
/* Distributed CSR row blocks: creation with the checks of every entry, the queries, row and
   column scaling and the Frobenius norm. The checks are local (O(nnz / P)) and then agreed, with
   one reduction for the sizes and one for the first failure, so that every rank returns the same
   error. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../base/reduce.h"
#include "../dmat/dmat_impl.h"
#include "smat_impl.h"

#define INT32_COLS ((int64_t)INT32_MAX)

/* The structure and values of this rank's rows (m, n agreed): rows of the API's arrays (src
   NULL: named "rla_smat", RLA_ERR_ARG) or of a file (src its path: RLA_ERR_FORMAT). */
static rla_err check_local(rla_ctx ctx, const char *src, int64_t row0, int64_t lm, int64_t n,
                           const int64_t *rowptr, const int32_t *colind, const double *val)
{
  const char *name = src ? src : "rla_smat";
  rla_err code = src ? RLA_ERR_FORMAT : RLA_ERR_ARG;
  RLA_CHECK(ctx, lm == 0 || rowptr, code, "%s: the row offsets must not be NULL", name);
  if (!rowptr) return RLA_SUCCESS;
  RLA_CHECK(ctx, rowptr[0] == 0, code, "%s: the row offsets must start at 0 (rank %d's start at %lld)",
            name, rla_ctx_rank(ctx), (long long)rowptr[0]);
  for (int64_t i = 0; i < lm; i++)
    RLA_CHECK(ctx, rowptr[i + 1] >= rowptr[i], code,
              "%s: the row offsets decrease at row %lld (%lld, then %lld)", name,
              (long long)(row0 + i), (long long)rowptr[i], (long long)rowptr[i + 1]);
  RLA_CHECK(ctx, rowptr[lm] == 0 || colind, code, "%s: the column indices must not be NULL", name);
  for (int64_t i = 0; i < lm; i++)
    for (int64_t k = rowptr[i]; k < rowptr[i + 1]; k++) {
      int64_t j = colind[k];
      RLA_CHECK(ctx, j >= 0 && j < n, code, "%s: row %lld has column index %lld, outside [0, %lld)",
                name, (long long)(row0 + i), (long long)j, (long long)n);
      RLA_CHECK(ctx, k == rowptr[i] || j > colind[k - 1], code,
                "%s: row %lld: the column indices must increase strictly (%lld after %lld)", name,
                (long long)(row0 + i), (long long)j, (long long)colind[k - 1]);
      RLA_CHECK(ctx, !val || isfinite(val[k]), RLA_ERR_VALUE,
                "%s: non-finite value (%g) at row %lld, column %lld (0-based)", src ? src : "A",
                val ? val[k] : 0.0, (long long)(row0 + i), (long long)j);
    }
  return RLA_SUCCESS;
}

/* Sizes: m and n the same everywhere, the lm summing to m, n within 32-bit indices. */
static rla_err check_sizes(rla_ctx ctx, int64_t m, int64_t n, int64_t lm, int64_t *row0)
{
  rla_err err = RLA_SUCCESS;
  if (m < 0 || n < 1 || lm < 0 || lm > m)
    err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                        "rla_smat: sizes m = %lld, n = %lld, local rows %lld: need m >= 0, n >= 1 "
                        "and 0 <= local rows <= m",
                        (long long)m, (long long)n, (long long)lm);
  else if (n > INT32_COLS)
    err = rla_error_set(ctx, RLA_ERR_UNSUPPORTED, __func__, __FILE__, __LINE__,
                        "rla_smat: %lld columns: sparse matrices have at most 2^31 - 1",
                        (long long)n);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_CALL(ctx, rla_agree_row_split(ctx, "rla_smat", m, n, lm, row0));
  return RLA_SUCCESS;
}

/* The matrix over the arrays (taken), its sums agreed. */
static rla_err assemble(rla_ctx ctx, int64_t m, int64_t n, int64_t row0, int64_t lm,
                        int64_t **rowptr, int32_t **colind, double **val, rla_smat *A)
{
  rla_smat s = NULL;
  int64_t lnnz = *rowptr ? (*rowptr)[lm] : 0, nnz = 0;
  rla_err err = rla_calloc(ctx, 1, sizeof(*s), &s);
  if (!err && !*rowptr) err = rla_calloc(ctx, 1, sizeof(int64_t), rowptr);
  err = rla_ctx_agree(ctx, err);
  if (!err) err = MPI_Allreduce(&lnnz, &nnz, 1, MPI_INT64_T, MPI_SUM, rla_ctx_comm(ctx)) == MPI_SUCCESS
                      ? RLA_SUCCESS
                      : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                                      "summing the nonzeros failed");
  if (err) {
    rla_free(&s);
    return err;
  }
  s->ctx = ctx;
  s->m = m;
  s->n = n;
  s->row0 = row0;
  s->lm = lm;
  s->lnnz = lnnz;
  s->nnz = nnz;
  s->rowptr = *rowptr;
  s->colind = *colind;
  s->val = *val;
  *rowptr = NULL;
  *colind = NULL;
  *val = NULL;
  *A = s;
  return RLA_SUCCESS;
}

rla_err rla_smat_create_owned(rla_ctx ctx, int64_t m, int64_t n, int64_t lm, int64_t **rowptr,
                              int32_t **colind, double **val, rla_smat *A)
{
  return rla_smat_create_owned_from(ctx, NULL, m, n, lm, rowptr, colind, val, A);
}

rla_err rla_smat_create_owned_from(rla_ctx ctx, const char *src, int64_t m, int64_t n, int64_t lm,
                                   int64_t **rowptr, int32_t **colind, double **val, rla_smat *A)
{
  int64_t row0 = 0;
  rla_err err;
  *A = NULL;
  err = check_sizes(ctx, m, n, lm, &row0);
  if (!err) err = rla_ctx_agree(ctx, check_local(ctx, src, row0, lm, n, *rowptr, *colind, *val));
  if (!err) err = assemble(ctx, m, n, row0, lm, rowptr, colind, val, A);
  if (err) {
    rla_free(rowptr);
    rla_free(colind);
    rla_free(val);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

rla_err rla_smat_create_csr(rla_ctx ctx, int64_t m, int64_t n, int64_t lm, const int64_t *rowptr,
                            const int32_t *colind, const double *val, rla_smat *A)
{
  int64_t *rp = NULL, row0 = 0, lnnz;
  int32_t *ci = NULL;
  double *v = NULL;
  rla_err err = RLA_SUCCESS;
  RLA_CHECK(ctx, A, RLA_ERR_ARG, "rla_smat_create_csr: the output handle must not be NULL");
  *A = NULL;
  RLA_CALL(ctx, check_sizes(ctx, m, n, lm, &row0));
  RLA_CALL(ctx, rla_ctx_agree(ctx, check_local(ctx, NULL, row0, lm, n, rowptr, colind, val)));
  lnnz = rowptr ? rowptr[lm] : 0;
  err = rla_calloc(ctx, (size_t)lm + 1, sizeof(int64_t), &rp);
  if (!err && lnnz) err = rla_calloc(ctx, (size_t)lnnz, sizeof(int32_t), &ci);
  if (!err && lnnz) err = rla_calloc(ctx, (size_t)lnnz, sizeof(double), &v);
  if (!err) {
    if (rowptr) memcpy(rp, rowptr, sizeof(int64_t) * (size_t)(lm + 1));
    if (lnnz) memcpy(ci, colind, sizeof(int32_t) * (size_t)lnnz);
    for (int64_t k = 0; k < lnnz; k++)
      v[k] = val ? val[k] : 1.0;
  }
  err = rla_ctx_agree(ctx, err);
  if (!err) err = assemble(ctx, m, n, row0, lm, &rp, &ci, &v, A);
  rla_free(&rp);
  rla_free(&ci);
  rla_free(&v);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

rla_err rla_smat_destroy(rla_smat *A)
{
  if (!A || !*A) return RLA_SUCCESS;
  rla_free(&(*A)->rowptr);
  rla_free(&(*A)->colind);
  rla_free(&(*A)->val);
  rla_free(A);
  return RLA_SUCCESS;
}

rla_ctx rla_smat_ctx(rla_smat A) { return A ? A->ctx : NULL; }

void rla_smat_sizes(rla_smat A, int64_t *m, int64_t *n)
{
  if (m) *m = A->m;
  if (n) *n = A->n;
}

void rla_smat_local_rows(rla_smat A, int64_t *row0, int64_t *lm)
{
  if (row0) *row0 = A->row0;
  if (lm) *lm = A->lm;
}

void rla_smat_local(rla_smat A, const int64_t **rowptr, const int32_t **colind, double **val)
{
  if (rowptr) *rowptr = A->rowptr;
  if (colind) *colind = A->colind;
  if (val) *val = A->val;
}

int64_t rla_smat_local_nnz(rla_smat A) { return A->lnnz; }
int64_t rla_smat_nnz(rla_smat A) { return A->nnz; }

/* The first non-finite entry of the scaling factors d (count entries), or -1. */
static int64_t first_non_finite(const double *d, int64_t count)
{
  for (int64_t i = 0; i < count; i++)
    if (!isfinite(d[i])) return i;
  return -1;
}

rla_err rla_smat_scale_rows(rla_smat A, const double *d)
{
  rla_ctx ctx = A ? A->ctx : NULL;
  int64_t bad;
  RLA_CHECK(ctx, A && (d || A->lm == 0), RLA_ERR_ARG,
            "rla_smat_scale_rows: A and the factors d must not be NULL");
  bad = first_non_finite(d, A->lm);
  RLA_CHECK(ctx, bad < 0, RLA_ERR_VALUE,
            "rla_smat_scale_rows: the factor of row %lld is %g: the factors must be finite",
            (long long)(A->row0 + bad), bad < 0 ? 0.0 : d[bad]);
  for (int64_t i = 0; i < A->lm; i++)
    for (int64_t k = A->rowptr[i]; k < A->rowptr[i + 1]; k++)
      A->val[k] *= d[i];
  return RLA_SUCCESS;
}

rla_err rla_smat_scale_columns(rla_smat A, const double *d)
{
  rla_ctx ctx = A ? A->ctx : NULL;
  int64_t bad;
  RLA_CHECK(ctx, A && d, RLA_ERR_ARG,
            "rla_smat_scale_columns: A and the factors d must not be NULL");
  bad = first_non_finite(d, A->n);
  RLA_CHECK(ctx, bad < 0, RLA_ERR_VALUE,
            "rla_smat_scale_columns: the factor of column %lld is %g: the factors must be finite",
            (long long)bad, bad < 0 ? 0.0 : d[bad]);
  for (int64_t k = 0; k < A->lnnz; k++)
    A->val[k] *= d[A->colind[k]];
  return RLA_SUCCESS;
}

rla_err rla_smat_norm_fro(rla_smat A, double *nrm)
{
  RLA_CHECK(A ? A->ctx : NULL, A && nrm, RLA_ERR_ARG,
            "rla_smat_norm_fro: A and nrm must not be NULL");
  return rla_norm_fro_pieces(A->ctx, A->val, A->lnnz, 1, A->lnnz > 1 ? A->lnnz : 1, nrm);
}
