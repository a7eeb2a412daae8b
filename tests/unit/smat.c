/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of rla_smat, the distributed CSR matrix: creation over uneven row splits (ranks
   holding no rows included), the copy of the caller's arrays, the nonzero counts, and every
   error of the checks, agreed on every rank whichever rank holds the bad entry. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rla/smat.h"
#include "../../src/smat/smat_impl.h"

#define M 37
#define N 11

/* This rank's rows of a split that gives rank 0 nothing when P > 1 and the last rank the
   remainder: row0 and lm. */
static void split(int64_t *row0, int64_t *lm)
{
  int p = rla_ctx_size(rla_test_ctx), r = rla_ctx_rank(rla_test_ctx);
  int64_t per = p > 1 ? M / (p - 1) : M;
  if (p > 1 && r == 0) {
    *row0 = 0;
    *lm = 0;
    return;
  }
  *row0 = (p > 1 ? r - 1 : 0) * per;
  *lm = r == p - 1 ? M - *row0 : per;
}

/* Row i holds the columns j with (i + 2 j) % 3 == 0, value i + j / 16 (row 5 is empty). */
static int present(int64_t i, int64_t j) { return i != 5 && (i + 2 * j) % 3 == 0; }

/* CSR arrays of rows [row0, row0 + lm): rowptr (lm + 1), colind and val (N lm room). */
static void build(int64_t row0, int64_t lm, int64_t *rowptr, int32_t *colind, double *val)
{
  rowptr[0] = 0;
  for (int64_t i = 0; i < lm; i++) {
    int64_t k = rowptr[i];
    for (int64_t j = 0; j < N; j++)
      if (present(row0 + i, j)) {
        colind[k] = (int32_t)j;
        val[k++] = (double)(row0 + i) + (double)j / 16.0;
      }
    rowptr[i + 1] = k;
  }
}

static int64_t expected_nnz(void)
{
  int64_t c = 0;
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++)
      c += present(i, j);
  return c;
}

static void test_create(void)
{
  int64_t row0, lm, r0, l, m, n;
  int64_t rowptr[M + 1];
  int32_t colind[M * N];
  double val[M * N];
  const int64_t *rp;
  const int32_t *ci;
  double *v;
  rla_smat A = NULL;
  int same = 1;
  split(&row0, &lm);
  build(row0, lm, rowptr, colind, val);
  RLA_ASSERT_OK(rla_smat_create_csr(rla_test_ctx, M, N, lm, rowptr, colind, val, &A));
  rla_smat_sizes(A, &m, &n);
  rla_smat_local_rows(A, &r0, &l);
  RLA_ASSERT_ALL(m == M && n == N && r0 == row0 && l == lm);
  RLA_ASSERT_ALL(rla_smat_local_nnz(A) == rowptr[lm] && rla_smat_nnz(A) == expected_nnz());
  RLA_ASSERT_ALL(rla_smat_ctx(A) == rla_test_ctx);
  rla_smat_local(A, &rp, &ci, &v);
  /* a copy: the caller's arrays are not the matrix's, and changing them changes nothing */
  RLA_ASSERT_ALL(rp != rowptr && (lm == 0 || (ci != colind && v != val)));
  for (int64_t k = 0; k < rowptr[lm]; k++)
    val[k] = -1.0;
  for (int64_t i = 0; i < lm; i++)
    for (int64_t k = rp[i]; k < rp[i + 1]; k++)
      same &= present(row0 + i, ci[k]) && v[k] == (double)(row0 + i) + (double)ci[k] / 16.0;
  RLA_ASSERT_ALL(same && rp[0] == 0 && rp[lm] == rowptr[lm]);
  RLA_ASSERT_OK(rla_smat_destroy(&A));
  RLA_ASSERT_ALL(A == NULL);
  RLA_ASSERT_OK(rla_smat_destroy(&A));
  RLA_ASSERT_OK(rla_smat_destroy(NULL));

  /* a pattern: every value 1 */
  RLA_ASSERT_OK(rla_smat_create_csr(rla_test_ctx, M, N, lm, rowptr, colind, NULL, &A));
  rla_smat_local(A, NULL, NULL, &v);
  same = 1;
  for (int64_t k = 0; k < rowptr[lm]; k++)
    same &= v[k] == 1.0;
  RLA_ASSERT_ALL(same);
  rla_smat_destroy(&A);

  /* no rows at all */
  RLA_ASSERT_OK(rla_smat_create_csr(rla_test_ctx, 0, 3, 0, NULL, NULL, NULL, &A));
  RLA_ASSERT_ALL(rla_smat_nnz(A) == 0 && rla_smat_local_nnz(A) == 0);
  rla_smat_destroy(&A);
}

/* Create with one rank's arrays spoiled by spoil(rowptr, colind, val, lm) (the last rank
   holding rows): every rank fails with code and text. */
static void expect_failure(void (*spoil)(int64_t *, int32_t *, double *, int64_t), rla_err code,
                           const char *text)
{
  int64_t row0, lm, rowptr[M + 1];
  int32_t colind[M * N];
  double val[M * N];
  rla_smat A = NULL;
  split(&row0, &lm);
  build(row0, lm, rowptr, colind, val);
  if (rla_ctx_rank(rla_test_ctx) == rla_ctx_size(rla_test_ctx) - 1) spoil(rowptr, colind, val, lm);
  RLA_ASSERT_FAILS(rla_smat_create_csr(rla_test_ctx, M, N, lm, rowptr, colind, val, &A), code,
                   text);
  RLA_ASSERT_ALL(A == NULL);
}

/* the first row with two entries (the last rank's rows always hold one: M / P >= 4) */
static int64_t two_entry_row(const int64_t *rowptr, int64_t lm)
{
  for (int64_t i = 0; i < lm; i++)
    if (rowptr[i + 1] - rowptr[i] >= 2) return i;
  return -1;
}

static void out_of_range(int64_t *rp, int32_t *ci, double *v, int64_t lm)
{
  (void)v;
  ci[rp[lm] - 1] = N;
}
static void negative(int64_t *rp, int32_t *ci, double *v, int64_t lm)
{
  (void)v;
  (void)lm;
  ci[rp[1] > 0 ? 0 : rp[2]] = -1;
}
static void unsorted(int64_t *rp, int32_t *ci, double *v, int64_t lm)
{
  int64_t i = two_entry_row(rp, lm), k = rp[i];
  int32_t t = ci[k];
  (void)v;
  ci[k] = ci[k + 1];
  ci[k + 1] = t;
}
static void repeated(int64_t *rp, int32_t *ci, double *v, int64_t lm)
{
  int64_t i = two_entry_row(rp, lm), k = rp[i];
  (void)v;
  ci[k + 1] = ci[k];
}
static void decreasing(int64_t *rp, int32_t *ci, double *v, int64_t lm)
{
  (void)ci;
  (void)v;
  rp[lm / 2] = rp[lm] + 1;
}
static void bad_start(int64_t *rp, int32_t *ci, double *v, int64_t lm)
{
  (void)ci;
  (void)v;
  (void)lm;
  rp[0] = 1;
}
static void not_finite(int64_t *rp, int32_t *ci, double *v, int64_t lm)
{
  (void)ci;
  v[rp[lm] / 2] = NAN;
}
static void infinite(int64_t *rp, int32_t *ci, double *v, int64_t lm)
{
  (void)ci;
  v[rp[lm] - 1] = -INFINITY;
}

static void test_errors(void)
{
  int p = rla_ctx_size(rla_test_ctx), r = rla_ctx_rank(rla_test_ctx);
  int64_t row0, lm, rowptr[M + 1];
  int32_t colind[M * N];
  double val[M * N];
  rla_smat A = NULL;
  expect_failure(out_of_range, RLA_ERR_ARG, "outside [0, 11)");
  expect_failure(negative, RLA_ERR_ARG, "column index -1");
  expect_failure(unsorted, RLA_ERR_ARG, "increase strictly");
  expect_failure(repeated, RLA_ERR_ARG, "increase strictly");
  expect_failure(decreasing, RLA_ERR_ARG, "offsets decrease");
  expect_failure(bad_start, RLA_ERR_ARG, "start at 0");
  expect_failure(not_finite, RLA_ERR_VALUE, "non-finite value (nan)");
  expect_failure(infinite, RLA_ERR_VALUE, "non-finite value (-inf)");

  split(&row0, &lm);
  build(row0, lm, rowptr, colind, val);
  RLA_ASSERT_FAILS(rla_smat_create_csr(rla_test_ctx, M, N, lm, rowptr, colind, val, NULL),
                   RLA_ERR_ARG, "output handle");
  /* rows that do not sum to m; sizes that differ between ranks; impossible sizes */
  RLA_ASSERT_FAILS(rla_smat_create_csr(rla_test_ctx, M + 1, N, lm, rowptr, colind, val, &A),
                   RLA_ERR_ARG, "local rows sum to 37");
  if (p > 1)
    RLA_ASSERT_FAILS(rla_smat_create_csr(rla_test_ctx, M, N + (r == 1), lm, rowptr, colind, val, &A),
                     RLA_ERR_ARG, "the same on every rank");
  RLA_ASSERT_FAILS(rla_smat_create_csr(rla_test_ctx, M, 0, lm, rowptr, colind, val, &A),
                   RLA_ERR_ARG, "n >= 1");
  RLA_ASSERT_FAILS(rla_smat_create_csr(rla_test_ctx, -1, N, 0, rowptr, colind, val, &A),
                   RLA_ERR_ARG, "m >= 0");
  RLA_ASSERT_FAILS(rla_smat_create_csr(rla_test_ctx, M, (int64_t)1 << 31, lm, rowptr, colind, val,
                                       &A),
                   RLA_ERR_UNSUPPORTED, "at most 2^31 - 1");
  /* the ranks with rows pass no offsets (every rank but rank 0 when P > 1) */
  RLA_ASSERT_FAILS(rla_smat_create_csr(rla_test_ctx, M, N, lm, lm ? NULL : rowptr, colind, val, &A),
                   RLA_ERR_ARG, "offsets must not be NULL");
  RLA_ASSERT_ALL(A == NULL);
}

/* Each of the four allocations of a creation (offsets, indices, values, the matrix) fails in
   turn on the last rank: every rank gets RLA_ERR_MEM and *A = NULL, and nothing leaks (the
   sanitizer run); a fifth passage is never reached, so the creation then succeeds. */
static void test_allocation_failures(void)
{
  int64_t row0, lm, rowptr[M + 1];
  int32_t colind[M * N];
  double val[M * N];
  char spec[64];
  int last = rla_ctx_size(rla_test_ctx) - 1;
  split(&row0, &lm);
  build(row0, lm, rowptr, colind, val);
  for (int k = 1; k <= 5; k++) {
    char *old = getenv("RLA_FAULT"), *keep = old ? strdup(old) : NULL;
    rla_ctx c = NULL;
    rla_smat A = NULL;
    rla_err err;
    snprintf(spec, sizeof(spec), "%d:alloc:%lld", last, rla_test_allocations() + k);
    setenv("RLA_FAULT", spec, 1);
    RLA_ASSERT_ALL(rla_ctx_create(MPI_COMM_WORLD, &c) == RLA_SUCCESS);
    if (keep)
      setenv("RLA_FAULT", keep, 1);
    else
      unsetenv("RLA_FAULT");
    free(keep);
    err = rla_smat_create_csr(c, M, N, lm, rowptr, colind, val, &A);
    if (k <= 4)
      RLA_ASSERT_ALL(err == RLA_ERR_MEM && A == NULL);
    else
      RLA_ASSERT_ALL(err == RLA_SUCCESS && A != NULL);
    rla_smat_destroy(&A);
    rla_ctx_destroy(&c);
  }
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("smat", NULL, NULL);
  CU_add_test(s, "create, copy, counts, queries", test_create);
  CU_add_test(s, "errors agreed on every rank", test_errors);
  CU_add_test(s, "allocation failures", test_allocation_failures);
}
