/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of the generators: spectra, exact singular values of rla_gen_svd, least squares
   problems with known solution, collections from a union of subspaces, reproducibility across
   rank counts, and provoked errors. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "harness.h"
#include "rla/gen.h"

#define EPS RLA_EPS

/* the whole of A, column-major with leading dimension m, on every rank (malloc'd) */
static double *gather(rla_dmat A)
{
  int64_t m, n;
  double *buf;
  rla_dmat_sizes(A, &m, &n);
  buf = malloc(sizeof(double) * (size_t)(m * n > 0 ? m * n : 1));
  RLA_ASSERT_OK(rla_dmat_gather(A, -1, buf));
  return buf;
}

/* singular values (descending) of the m x n column-major a, by LAPACK's dgesvd */
static void singular_values(int64_t m, int64_t n, const double *a, double *s)
{
  int64_t mn = m < n ? m : n;
  double *w = malloc(sizeof(double) * (size_t)(m * n)), *sup = malloc(sizeof(double) * (size_t)mn);
  memcpy(w, a, sizeof(double) * (size_t)(m * n));
  LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)m, (lapack_int)n, w, (lapack_int)m, s,
                 NULL, 1, NULL, 1, sup);
  free(w);
  free(sup);
}

/* ||Q^T Q - I||_F of the m x k column-major q */
static double orth_error(int64_t m, int64_t k, const double *q)
{
  double s = 0.0;
  for (int64_t i = 0; i < k; i++)
    for (int64_t j = 0; j < k; j++) {
      double d = 0.0;
      for (int64_t t = 0; t < m; t++)
        d += q[t + i * m] * q[t + j * m];
      d -= i == j;
      s += d * d;
    }
  return sqrt(s);
}

/* ---- spectra ------------------------------------------------------------------------------ */

static void test_spectrum_kinds(void)
{
  double s[50];
  int ok = 1;
  rla_spectrum sp = {.kind = RLA_SPECTRUM_POLY, .decay = 2};
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 50, s));
  for (int j = 0; j < 50; j++)
    ok &= s[j] == pow(j + 1.0, -2.0);
  RLA_ASSERT_ALL(ok);
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_EXP, .decay = 0.5};
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 50, s));
  for (int j = 0; j < 50; j++) /* pow(10, -0.5 j) against 10^(-j/2) written differently */
    ok &= fabs(s[j] - exp(-0.5 * j * log(10.0))) <= 4 * EPS * s[j] * (1 + j);
  RLA_ASSERT_ALL(ok);
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_LOWRANK, .knee = 7, .level = 1e-4};
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 50, s));
  for (int j = 0; j < 50; j++)
    ok &= s[j] == (j < 7 ? 1.0 : 1e-4);
  RLA_ASSERT_ALL(ok);
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_SCURVE, .knee = 20, .level = 1e-6, .transition = 3};
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 50, s));
  /* starts at 1, strictly decreasing, above the floor, close to it at the end, and the
     midpoint (j = 20) sits halfway in log scale up to the logistic offset at j = 0 */
  ok &= s[0] == 1.0 && s[49] > 1e-6 && s[49] < 1.1e-6;
  for (int j = 1; j < 50; j++)
    ok &= s[j] < s[j - 1];
  ok &= fabs(log10(s[20]) + 3.0) < 0.01;
  RLA_ASSERT_ALL(ok);
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_GEOMETRIC, .cond = 1e8};
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 50, s));
  ok &= s[0] == 1.0 && s[49] == 1e-8;
  for (int j = 1; j < 50; j++) /* constant ratio 10^(-8/49) */
    ok &= fabs(s[j] / s[j - 1] - pow(1e8, -1.0 / 49)) <= 8 * EPS;
  RLA_ASSERT_ALL(ok);
  sp.cond = 5;
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 1, s));
  RLA_ASSERT_ALL(s[0] == 1.0);
}

static void test_spectrum_errors(void)
{
  double s[10];
  rla_spectrum_kind kind;
  rla_spectrum sp = {.kind = RLA_SPECTRUM_POLY, .decay = 0};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, "decay must be positive");
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_EXP, .decay = 1};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 400, s), RLA_ERR_ARG, "underflows");
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, -1, s), RLA_ERR_ARG, "non-negative");
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_LOWRANK, .knee = 11, .level = 0.1};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, "knee");
  sp.knee = 3;
  sp.level = 2;
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, "level must be in (0, 1]");
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_SCURVE, .knee = 3, .level = 0.1, .transition = 0};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, "transition");
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_GEOMETRIC, .cond = 0.5};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, ">= 1");
  sp.cond = NAN;
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, ">= 1");
  sp.kind = (rla_spectrum_kind)42;
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, "unknown spectrum kind");
  RLA_ASSERT_OK(rla_spectrum_kind_from_name(rla_test_ctx, "scurve", &kind));
  RLA_ASSERT_ALL(kind == RLA_SPECTRUM_SCURVE && !strcmp(rla_spectrum_kind_name(kind), "scurve"));
  RLA_ASSERT_FAILS(rla_spectrum_kind_from_name(rla_test_ctx, "flat", &kind), RLA_ERR_ARG, "'flat'");
}

/* ---- rla_gen_svd --------------------------------------------------------------------------- */

/* max_j |s_j - sigma_j| / sigma_j over the k requested values, and max_{j >= k} s_j / sigma_0 */
static void svd_errors(int64_t m, int64_t n, int64_t k, const double *sigma, rla_dmat A,
                       double *rel, double *tail)
{
  int64_t mn = m < n ? m : n;
  double *a = gather(A), *s = malloc(sizeof(double) * (size_t)mn);
  singular_values(m, n, a, s);
  *rel = *tail = 0.0;
  for (int64_t j = 0; j < mn; j++)
    if (j < k)
      *rel = fmax(*rel, fabs(s[j] - sigma[j]) / sigma[j]);
    else
      *tail = fmax(*tail, s[j] / sigma[0]);
  free(a);
  free(s);
}

/* every spectrum kind with cond <= 1e3, tall, wide and rank-deficient shapes, both layouts */
static void test_svd_exact(void)
{
  const rla_spectrum specs[] = {
      {.kind = RLA_SPECTRUM_POLY, .decay = 1.5},
      {.kind = RLA_SPECTRUM_EXP, .decay = 0.07},
      {.kind = RLA_SPECTRUM_LOWRANK, .knee = 9, .level = 1e-3},
      {.kind = RLA_SPECTRUM_SCURVE, .knee = 12, .level = 1e-3, .transition = 2.5},
      {.kind = RLA_SPECTRUM_GEOMETRIC, .cond = 1e3},
  };
  const int64_t shapes[][3] = {{60, 40, 40}, {33, 47, 33}, {50, 45, 17}};
  double worst = 0.0, worst_tail = 0.0, worst_orth = 0.0;
  for (size_t t = 0; t < sizeof(specs) / sizeof(specs[0]); t++)
    for (size_t h = 0; h < sizeof(shapes) / sizeof(shapes[0]); h++) {
      int64_t m = shapes[h][0], n = shapes[h][1], k = shapes[h][2];
      rla_dmat_layout layout = (t + h) % 2 ? RLA_DMAT_CYCLIC : RLA_DMAT_ROWBLOCK;
      double sigma[64], rel, tail, *u, *v;
      rla_dmat A = NULL, U = NULL, V = NULL;
      RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &specs[t], k, sigma));
      RLA_ASSERT_ALL(sigma[0] / sigma[k - 1] <= 1e3 * (1 + 1e-12));
      RLA_ASSERT_OK(rla_gen_svd(rla_test_ctx, m, n, k, sigma, 7 + t, layout, &A, &U, &V));
      RLA_ASSERT_ALL(rla_dmat_get_layout(A) == layout && rla_dmat_get_layout(U) == layout);
      svd_errors(m, n, k, sigma, A, &rel, &tail);
      u = gather(U);
      v = gather(V);
      worst = fmax(worst, rel);
      worst_tail = fmax(worst_tail, tail);
      worst_orth = fmax(worst_orth, fmax(orth_error(m, k, u), orth_error(n, k, v)));
      free(u);
      free(v);
      rla_dmat_destroy(&A);
      rla_dmat_destroy(&U);
      rla_dmat_destroy(&V);
    }
  if (rla_ctx_rank(rla_test_ctx) == 0)
    fprintf(stderr, "svd: worst rel %.3e tail %.3e orth %.3e\n", worst, worst_tail, worst_orth);
  /* relative 1e-12 for sigma_0 / sigma_j <= 1e3 (see rla_gen_svd: O(eps) sigma_0 absolute) */
  RLA_ASSERT_ALL(worst <= 1e-12);
  /* beyond the rank: zero up to the rounding of the product and of the SVD, O(eps) sigma_0 */
  RLA_ASSERT_ALL(worst_tail <= 100 * EPS);
  /* Householder Q: ||Q^T Q - I|| = O(eps); 50 eps covers these sizes */
  RLA_ASSERT_ALL(worst_orth <= 50 * EPS);
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("gen", NULL, NULL);
  CU_add_test(s, "spectrum kinds", test_spectrum_kinds);
  CU_add_test(s, "spectrum errors", test_spectrum_errors);
  CU_add_test(s, "svd: exact singular values, orthonormal factors", test_svd_exact);
}
