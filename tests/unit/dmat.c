/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of rla_dmat: layouts and index maps, redistribution, gather/scatter, norms, GEMM. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static double entry(int64_t i, int64_t j, void *data)
{
  (void)data;
  return 1.0 + (double)i + 1000.0 * (double)j;
}

/* every (m, mb) covers uneven splits and ranks with no rows at 2 and 3 ranks */
static void test_rowblock_layout(void)
{
  const int64_t ms[] = {0, 1, 2, 7, 10, 101};
  for (size_t t = 0; t < sizeof(ms) / sizeof(ms[0]); t++) {
    rla_dmat A = NULL;
    int64_t m = ms[t], lm, ln, row0, total = 0, p = rla_ctx_size(rla_test_ctx);
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, 3, 0, &A));
    rla_dmat_local(A, NULL, &lm, &ln, NULL);
    row0 = rla_dmat_row_offset(A);
    int ok = ln == 3;
    for (int64_t i = 0; i < lm; i++)
      ok &= rla_dmat_global_row(A, i) == row0 + i;
    RLA_ASSERT_ALL(ok);
    MPI_Allreduce(&lm, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    RLA_ASSERT_ALL(total == m);
    for (int r = 0; r < p; r++) {
      int64_t s, c;
      rla_dmat_rank_rows(A, r, &s, &c);
      if (r == rla_ctx_rank(rla_test_ctx)) ok &= s == row0 && c == lm;
    }
    RLA_ASSERT_ALL(ok);
    rla_dmat_destroy(&A);
    RLA_ASSERT_ALL(A == NULL);
  }
  {
    /* an empty 0 x 2e9 matrix: each rank keeps a one-entry placeholder, not n doubles (16 GB,
       which fails where memory is limited) */
    rla_dmat A = NULL;
    int64_t lm = -1, ln = -1;
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 0, 2000000000, 0, &A));
    rla_dmat_local(A, NULL, &lm, &ln, NULL);
    RLA_ASSERT_ALL(lm == 0 && ln == 2000000000);
    rla_dmat_destroy(&A);
  }
  {
    rla_dmat A = NULL;
    if (rla_ctx_size(rla_test_ctx) > 1)
      RLA_ASSERT_FAILS(rla_dmat_create_rowblock(rla_test_ctx, 10, 2, 1, &A), RLA_ERR_ARG,
                       "not be contiguous");
    RLA_ASSERT_FAILS(rla_dmat_create_rowblock(rla_test_ctx, -1, 2, 0, &A), RLA_ERR_ARG,
                     "non-negative");
  }
}

/* Does every local entry of X hold entry(global i, global j)? Local. */
static int holds_entries(rla_dmat X)
{
  double *a;
  int64_t lm, ln, lld;
  int ok = 1;
  rla_dmat_local(X, &a, &lm, &ln, &lld);
  for (int64_t j = 0; j < ln; j++)
    for (int64_t i = 0; i < lm; i++)
      ok &= a[i + j * lld] == entry(rla_dmat_global_row(X, i), rla_dmat_global_col(X, j), NULL);
  return ok;
}

/* Redistribution between row blocks (default and larger blocks, so that some ranks hold no
   rows) and block-cyclic layouts of several block sizes, both ways, exact (entries are moved,
   not computed). The 3000 x 900 case takes several panels of columns (at most 2^20 entries
   per rank and panel), the others one; at 4 or more ranks the cyclic grid is 2-D. */
static void test_redistribute_layouts(void)
{
  const struct {
    int64_t m, n, rmb, mb, nb;
  } c[] = {{37, 11, 0, 4, 3},      {37, 11, 30, 1, 1},      {5, 40, 0, 2, 7},
           {100, 1, 0, 64, 64},    {1, 9, 0, 3, 2},         {64, 64, 40, 32, 32},
           {3000, 900, 0, 32, 32}, {3000, 900, 2000, 7, 50}};
  for (size_t t = 0; t < sizeof(c) / sizeof(c[0]); t++) {
    rla_dmat R = NULL, C = NULL, R2 = NULL;
    int64_t rmb = c[t].rmb;
    if (rmb > 0 && rmb < (c[t].m + rla_ctx_size(rla_test_ctx) - 1) / rla_ctx_size(rla_test_ctx))
      rmb = 0;
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, c[t].m, c[t].n, rmb, &R));
    RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, c[t].m, c[t].n, c[t].mb, c[t].nb, &C));
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, c[t].m, c[t].n, 0, &R2));
    RLA_ASSERT_OK(rla_dmat_fill(R, entry, NULL));
    RLA_ASSERT_OK(rla_dmat_redistribute(R, C));
    RLA_ASSERT_ALL(holds_entries(C));
    RLA_ASSERT_OK(rla_dmat_redistribute(C, R2));
    RLA_ASSERT_ALL(holds_entries(R2));
    rla_dmat_destroy(&R);
    rla_dmat_destroy(&C);
    rla_dmat_destroy(&R2);
  }
}

static void test_redistribute_gather_scatter(void)
{
  const int64_t m = 37, n = 11;
  rla_dmat R = NULL, C = NULL, R2 = NULL;
  double *full = malloc(sizeof(double) * m * n), *back = malloc(sizeof(double) * m * n);
  int ok = 1;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, n, 0, &R));
  RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, m, n, 4, 3, &C));
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, n, 0, &R2));
  RLA_ASSERT_OK(rla_dmat_fill(R, entry, NULL));
  RLA_ASSERT_OK(rla_dmat_redistribute(R, C));
  {
    double *a;
    int64_t lm, ln, lld;
    rla_dmat_local(C, &a, &lm, &ln, &lld);
    for (int64_t j = 0; j < ln; j++)
      for (int64_t i = 0; i < lm; i++)
        ok &= a[i + j * lld] == entry(rla_dmat_global_row(C, i), rla_dmat_global_col(C, j), NULL);
  }
  RLA_ASSERT_ALL(ok);
  RLA_ASSERT_OK(rla_dmat_gather(C, -1, full));
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < m; i++)
      ok &= full[i + j * m] == entry(i, j, NULL);
  RLA_ASSERT_ALL(ok);
  for (int64_t k = 0; k < m * n; k++)
    full[k] = -full[k];
  RLA_ASSERT_OK(rla_dmat_scatter(R2, 0, full));
  RLA_ASSERT_OK(rla_dmat_axpy(1.0, R, R2)); /* R2 = -R + R = 0 exactly */
  {
    double nrm;
    RLA_ASSERT_OK(rla_dmat_norm_max(R2, &nrm));
    RLA_ASSERT_ALL(nrm == 0.0);
  }
  memset(back, 0, sizeof(double) * m * n);
  RLA_ASSERT_OK(rla_dmat_gather(R, 0, back));
  if (rla_ctx_rank(rla_test_ctx) == 0)
    for (int64_t k = 0; k < m * n; k++)
      ok &= back[k] == -full[k];
  RLA_ASSERT_ALL(ok);
  rla_dmat_destroy(&R);
  rla_dmat_destroy(&C);
  rla_dmat_destroy(&R2);
  free(full);
  free(back);
}

/* ||A||_F of entry(i, j) against the long double sum of the squares (integers below 2^64: exact),
   within m n eps: the worst case of summing the m n positive squares in any order (gamma_(mn - 1)
   on the sum, halved by the square root, plus its rounding), which also covers the compensated
   sum and the combination of the ranks' (scale, ssq) pairs (test_norm_fro_accuracy has the tight
   bound). The matrix is 1 + i + 1000 j, of rank 2 with sigma_2 / sigma_1 = 2.19e-3 (worked out
   offline), so ||A||_2 = ||A||_F (1 - 2.4071951e-6), used below as 1 - 2.4072e-6. */
static void test_norms(void)
{
  const int64_t m = 50, n = 7;
  const double eps = RLA_EPS;
  rla_dmat A = NULL;
  long double ref = 0;
  double nf, n2, nm;
  RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, m, n, 8, 2, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, entry, NULL));
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      ref += (long double)entry(i, j, NULL) * entry(i, j, NULL);
  RLA_ASSERT_OK(rla_dmat_norm_fro(A, &nf));
  RLA_ASSERT_ALL(fabs(nf - (double)sqrtl(ref)) <= m * n * eps * nf);
  RLA_ASSERT_OK(rla_dmat_norm_max(A, &nm));
  RLA_ASSERT_ALL(nm == entry(m - 1, n - 1, NULL));
  /* 2-norm estimate: each of its values ||A x|| / ||x|| and ||A^T y|| / ||y|| is at most
     ||A||_2 <= ||A||_F up to the rounding of the products (gamma_m for sums of at most m terms,
     relative to || |A| |x| || <= ||A||_F ||x||, and ||A||_F / ||A||_2 = 1 + 2.4e-6), of the norms
     and of nf (m n eps above); from below, 20 steps of the power method reduce the start's angle to
     the first singular vector by (sigma_2 / sigma_1)^40, nothing left of any start not orthogonal
     to it, so the estimate is ||A||_2 to the same rounding */
  RLA_ASSERT_OK(rla_dmat_norm2_estimate(A, 20, 3, &n2));
  RLA_ASSERT_ALL(n2 <= nf * (1.0 + (m * n + m + 4) * eps) &&
                 n2 >= nf * (1.0 - 2.4072e-6) * (1.0 - (m * n + m + 4) * eps));
  /* overflow safety: entries near 1e300; the scaling rounds the factor and each entry once (u
     each), the norm as above, the division by 1e300 once */
  rla_dmat_scale(A, 1e300 / nm);
  RLA_ASSERT_OK(rla_dmat_norm_fro(A, &nf));
  RLA_ASSERT_ALL(isfinite(nf) &&
                 fabs(nf / 1e300 - (double)(sqrtl(ref) / nm)) <= (m * n + 4) * eps * nf / 1e300);
  rla_dmat_destroy(&A);
}

static double wavy(int64_t i, int64_t j, void *data)
{
  (void)data;
  return 1.0 + 0.5 * sin(0.001 * (double)i + 0.37 * (double)j);
}

/* 2^20 entries: a running sum of the squares drifts by about sqrt(N) eps ~ 1e-13 relative; the
   library's is compensated. Its error: the squares of the scaled entries (the scaling by a power
   of two is exact) round by u each, their Neumaier sum adds 2u + O(N u^2) (Higham, ASNA, Sec.
   4.3; all terms positive), each of the P - 1 combinations of the ranks' pairs u, so (P + 2) u on
   the sum of squares, (P + 2) u / 2 + u after the square root. The reference is a compensated
   long double sum (3 u_ld, negligible) rounded to double (u): (P + 6) u / 2 = (P + 6) eps / 4 in
   all, 1.75-2.25 eps at 1-3 ranks. */
static void test_norm_fro_accuracy(void)
{
  const int64_t m = 1 << 17, n = 8;
  rla_dmat A = NULL;
  long double ref = 0.0L, comp = 0.0L;
  double nf;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, n, 0, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, wavy, NULL));
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < m; i++) {
      long double x = (long double)wavy(i, j, NULL) * wavy(i, j, NULL), t = ref + x;
      comp += ref >= x ? (ref - t) + x : (x - t) + ref;
      ref = t;
    }
  ref += comp;
  RLA_ASSERT_OK(rla_dmat_norm_fro(A, &nf));
  RLA_ASSERT_ALL(fabs(nf - (double)sqrtl(ref)) <=
                 (rla_ctx_size(rla_test_ctx) + 6) / 4.0 * RLA_EPS * nf);
  rla_dmat_destroy(&A);
}

static void test_check_finite(void)
{
  rla_dmat A = NULL;
  double *a;
  int64_t lm, lld;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 20, 4, 0, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, entry, NULL));
  RLA_ASSERT_OK(rla_dmat_check_finite(A, "A.npy"));
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  for (int64_t i = 0; i < lm; i++)
    if (rla_dmat_global_row(A, i) == 17)
      a[i + 2 * lld] = NAN;
    else if (rla_dmat_global_row(A, i) == 19)
      a[i + 0 * lld] = INFINITY;
  RLA_ASSERT_FAILS(rla_dmat_check_finite(A, "A.npy"), RLA_ERR_VALUE,
                   "A.npy: non-finite value (NaN or Inf) at row 17, column 2");
  rla_dmat_destroy(&A);
  /* one bad entry at a time in every row of 37: in the 8-wide body and in the tail of the fast
     test on every rank count (1 rank: 32 + 5 rows; 2: 19 = 16 + 3; 3: 13 = 8 + 5), NaN, Inf and
     -Inf in turn; entries as large as DBL_MAX elsewhere are finite */
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 37, 3, 0, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, entry, NULL));
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  for (int64_t i = 0; i < lm; i++)
    a[i + 1 * lld] = rla_dmat_global_row(A, i) % 2 ? DBL_MAX : -DBL_MAX;
  RLA_ASSERT_OK(rla_dmat_check_finite(A, "big"));
  for (int64_t r = 0; r < 37; r++) {
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    char text[64];
    int64_t j = r % 3;
    double keep = 0.0;
    for (int64_t i = 0; i < lm; i++)
      if (rla_dmat_global_row(A, i) == r) {
        keep = a[i + j * lld];
        a[i + j * lld] = bad[(r / 3) % 3];
      }
    snprintf(text, sizeof(text), "at row %lld, column %lld", (long long)r, (long long)j);
    RLA_ASSERT_FAILS(rla_dmat_check_finite(A, "big"), RLA_ERR_VALUE, text);
    for (int64_t i = 0; i < lm; i++)
      if (rla_dmat_global_row(A, i) == r) a[i + j * lld] = keep;
  }
  RLA_ASSERT_OK(rla_dmat_check_finite(A, "big"));
  rla_dmat_destroy(&A);
}

/* C = A^T B with A, B cyclic versus the serial product of gathered copies: exact, whatever the
   kernel and the order of its sums (with or without FMA), since the entries are integers and
   every partial sum of their products is an integer below 29 * 4029 * 5029 < 2^30 */
static void test_gemm(void)
{
  const int64_t m = 29, n = 5, k = 6;
  rla_dmat A = NULL, B = NULL, C = NULL, D = NULL;
  double *a = malloc(sizeof(double) * m * n), *b = malloc(sizeof(double) * m * k),
         *c = malloc(sizeof(double) * n * k);
  int ok = 1;
  RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, m, n, 4, 2, &A));
  RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, m, k, 4, 3, &B));
  RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, n, k, 2, 3, &C));
  RLA_ASSERT_OK(rla_dmat_fill(A, entry, NULL));
  RLA_ASSERT_OK(rla_dmat_fill(B, entry, NULL));
  RLA_ASSERT_OK(rla_dmat_gemm('T', 'N', 1.0, A, B, 0.0, C));
  RLA_ASSERT_OK(rla_dmat_gather(C, -1, c));
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i < n; i++) {
      double s = 0;
      for (int64_t t = 0; t < m; t++)
        s += entry(t, i, NULL) * entry(t, j, NULL);
      ok &= c[i + j * n] == s; /* integers below 2^53: exact */
    }
  RLA_ASSERT_ALL(ok);
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, n, k, 0, &D));
  RLA_ASSERT_FAILS(rla_dmat_gemm('N', 'N', 1.0, A, B, 0.0, C), RLA_ERR_SHAPE, "do not fit");
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&B);
  rla_dmat_destroy(&C);
  rla_dmat_destroy(&D);
  free(a);
  free(b);
  free(c);
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("dmat", NULL, NULL);
  CU_add_test(s, "row-block layout, uneven and empty ranks", test_rowblock_layout);
  CU_add_test(s, "redistribute, gather, scatter", test_redistribute_gather_scatter);
  CU_add_test(s, "redistribute between layouts", test_redistribute_layouts);
  CU_add_test(s, "Frobenius, max and 2-norm", test_norms);
  CU_add_test(s, "Frobenius norm to a few eps for 2^20 entries", test_norm_fro_accuracy);
  CU_add_test(s, "non-finite entries are named", test_check_finite);
  CU_add_test(s, "gemm against the serial product", test_gemm);
}
