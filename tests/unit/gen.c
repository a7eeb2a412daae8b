/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of the generators: spectra, exact singular values of rla_gen_svd, least squares
   problems with known solution, collections from a union of subspaces, reproducibility across
   rank counts, and provoked errors. */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "../../src/gen/gen_impl.h"
#include "harness.h"
#include "rla/gen.h"

#define EPS  RLA_EPS
#define URND (RLA_EPS / 2) /* unit roundoff u */

/* CholeskyQR2 (src/gen/common.c) of an m x k matrix X with cond(X) in its range gives
   ||Q^T Q - I||_F <= 6 (m k + k (k + 1)) u and ||Q R - X||_F <= 5 k^2 sqrt(k) u ||X||_2
   (Yamamoto, Nakatsukasa, Yanagisawa, Fukaya, ETNA 44, 2015). The Householder fallback has
   errors of the same O(m k u) form (Higham, ASNA 2nd ed., Thm 19.4 and Lemma 19.3, with
   gamma~_{mk} = m k u): the same bounds serve it. */
static double orth_bound(int64_t m, int64_t k)
{
  return 6.0 * (double)(m * k + k * (k + 1)) * URND;
}
static double qr_res_bound(int64_t k) { return 5.0 * (double)(k * k) * sqrt((double)k) * URND; }

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

/* ||Q^T Q - I||_F of the m x k column-major q; its own rounding is k^2 inner products of length m,
   each off by at most gamma_m ||q_i|| ||q_j|| <= m u (1 + O(u)): k m u in the Frobenius norm */
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
  /* pow(10, -0.5 j) against exp(-0.5 j log(10)): pow and exp are within 1 ulp (2u), and the
     argument x = -0.5 j log(10) carries a relative error of 2u (log, product), which exp turns
     into |x| 2u = j log(10) u: (j log(10) + 6) u relative in all */
  for (int j = 0; j < 50; j++)
    ok &= fabs(s[j] - exp(-0.5 * j * log(10.0))) <= (j * log(10.0) + 6) * URND * s[j];
  RLA_ASSERT_ALL(ok);
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_LOWRANK, .knee = 7, .level = 1e-4};
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 50, s));
  for (int j = 0; j < 50; j++)
    ok &= s[j] == (j < 7 ? 1.0 : 1e-4);
  RLA_ASSERT_ALL(ok);
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_SCURVE, .knee = 20, .level = 1e-6, .transition = 3};
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 50, s));
  /* starts at 1, strictly decreasing, above the floor, close to it at the end, and the
     midpoint (j = 20) sits halfway in log scale up to the logistic offset at j = 0. With
     L(0) = 1 / (1 + e^(20/3)) = 1.27e-3: s[49] = 1e-6 * 10^(6 (1 - s(49))) = 1.0009e-6 and
     log10(s[20]) + 3 = 6 (0.5 - s(20)) = 3.8e-3 (exact values; the bounds 1.1e-6 and 0.01
     leave orders of magnitude for libm's rounding) */
  ok &= s[0] == 1.0 && s[49] > 1e-6 && s[49] < 1.1e-6;
  for (int j = 1; j < 50; j++)
    ok &= s[j] < s[j - 1];
  ok &= fabs(log10(s[20]) + 3.0) < 0.01;
  RLA_ASSERT_ALL(ok);
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_GEOMETRIC, .cond = 1e8};
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 50, s));
  ok &= s[0] == 1.0 && s[49] == 1e-8;
  /* constant ratio rho = 10^(-8/49): s_j = pow(1e8, y_j), y_j = fl(-j / 49) off by u relative,
     which pow turns into |y_j| ln(1e8) u, plus 1 ulp (2u) for pow itself; two such values, the
     division (u) and the reference rho (ln(1e8) u / 49 + 2u): (2.03 ln(1e8) + 7) u relative */
  for (int j = 1; j < 50; j++) {
    double rho = pow(1e8, -1.0 / 49);
    ok &= fabs(s[j] / s[j - 1] - rho) <= (2.03 * log(1e8) + 7) * URND * rho;
  }
  RLA_ASSERT_ALL(ok);
  sp.cond = 1;
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, 1, s));
  RLA_ASSERT_ALL(s[0] == 1.0);
}

static void test_spectrum_errors(void)
{
  double s[10];
  rla_spectrum_kind kind;
  rla_spectrum sp = {.kind = RLA_SPECTRUM_POLY, .decay = 0};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG,
                   "decay must be positive");
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_EXP, .decay = 1};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 400, s), RLA_ERR_ARG, "underflows");
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, -1, s), RLA_ERR_ARG, "non-negative");
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_LOWRANK, .knee = 11, .level = 0.1};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, "knee");
  sp.knee = 3;
  sp.level = 2;
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG,
                   "level must be in (0, 1]");
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_SCURVE, .knee = 3, .level = 0.1, .transition = 0};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, "transition");
  sp = (rla_spectrum){.kind = RLA_SPECTRUM_GEOMETRIC, .cond = 0.5};
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, ">= 1");
  sp.cond = 10;
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 1, s), RLA_ERR_ARG, "a single value");
  sp.cond = NAN;
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG, ">= 1");
  sp.kind = (rla_spectrum_kind)42;
  RLA_ASSERT_FAILS(rla_gen_spectrum(rla_test_ctx, &sp, 10, s), RLA_ERR_ARG,
                   "unknown spectrum kind");
  RLA_ASSERT_OK(rla_spectrum_kind_from_name(rla_test_ctx, "scurve", &kind));
  RLA_ASSERT_ALL(kind == RLA_SPECTRUM_SCURVE && !strcmp(rla_spectrum_kind_name(kind), "scurve"));
  RLA_ASSERT_FAILS(rla_spectrum_kind_from_name(rla_test_ctx, "flat", &kind), RLA_ERR_ARG, "'flat'");
}

/* ---- orthonormalization (private): CholeskyQR2 and its Householder fallback ---------------- */

/* an m x k matrix whose last column is the previous one plus delta times a Gaussian column */
static double nearly_dependent(int64_t i, int64_t j, void *data)
{
  double g[2], delta = *(double *)data;
  rla_rng_gaussian(rla_rng_make(99, RLA_RNG_USER), (uint64_t)i, 0, 2, g);
  return j == 5 ? g[0] + delta * g[1] : j == 4 ? g[0] : sin(1.0 + (double)(i * (j + 3)));
}

static void test_orthonormalize(void)
{
  const int64_t m = 50, k = 6;
  /* delta 1e-3: cond ~ 1e3, CholeskyQR2; 1e-12: cond ~ 1e12, Cholesky breaks down and
     Householder takes over; the cyclic layout always uses Householder */
  const double deltas[3] = {1e-3, 1e-12, 1e-3};
  for (int t = 0; t < 3; t++) {
    rla_dmat Q = NULL;
    double *g, *q, res = 0.0, gn = 0.0, delta = deltas[t];
    if (t < 2)
      RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, k, 0, &Q));
    else
      RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, m, k, 8, 2, &Q));
    RLA_ASSERT_OK(rla_dmat_fill(Q, nearly_dependent, &delta));
    g = gather(Q);
    RLA_ASSERT_OK(rla_gen_orthonormalize(Q));
    q = gather(Q);
    /* ||G - Q Q^T G||_F / ||G||_F: the range is kept */
    for (int64_t j = 0; j < k; j++) {
      double c[6] = {0};
      for (int64_t l = 0; l < k; l++)
        for (int64_t i = 0; i < m; i++)
          c[l] += q[i + l * m] * g[i + j * m];
      for (int64_t i = 0; i < m; i++) {
        double v = g[i + j * m];
        for (int64_t l = 0; l < k; l++)
          v -= q[i + l * m] * c[l];
        res += v * v;
        gn += g[i + j * m] * g[i + j * m];
      }
    }
    /* orthonormal to orth_bound whatever the conditioning (plus k m u for orth_error's own
       rounding). The range, whatever the conditioning too: with G = Q R + E,
       (I - Q Q^T) G = (I - Q Q^T) E + Q (Q^T Q - I) R, at most ||E||_F (1 + ||I - Q Q^T||) +
       ||Q^T Q - I|| ||R|| <= 2 qr_res_bound + orth_bound relative to ||G||_2 <= ||G||_F; the
       residual above costs (m + k + 1) sqrt(k) u more (Q^T g, then g - Q c) */
    RLA_ASSERT_ALL(orth_error(m, k, q) <= orth_bound(m, k) + (double)(k * m) * URND &&
                   sqrt(res / gn) <= 2 * qr_res_bound(k) + orth_bound(m, k) +
                                         (double)(m + k + 1) * sqrt((double)k) * URND);
    free(g);
    free(q);
    rla_dmat_destroy(&Q);
  }
}

/* ---- rla_gen_svd --------------------------------------------------------------------------- */

/* The singular values s_j of A = fl(fl(U diag(sigma)) V^T) from rla_gen_svd against sigma_j.
   U (m x k) and V (n x k) have orthogonality defects d_U = orth_bound(m, k), d_V =
   orth_bound(n, k): U = P H with P orthonormal and ||H - I||_2 <= d_U, so they move every
   singular value by at most (d_U + d_V) sigma_j relatively (sigma_j(X S Y) <= ||X|| ||Y||
   sigma_j(S)), and the scaling by u. The product of inner dimension k adds F with
   |F| <= gamma_k |U diag(sigma)| |V|^T, ||F||_2 <= k u ||sigma||_2 sqrt(k), and dgesvd
   max(m, n) u sigma_0 (LAPACK Users' Guide, section 4.9, p(m, n) = max(m, n)). Hence
   |s_j - sigma_j| <= bound_j = (d_U + d_V + u) sigma_j + (k^1.5 ||sigma||_2 + max(m, n) sigma_0) u,
   and s_j <= the second term for j >= k (A has rank k before rounding). *rel and *tail are
   the largest ratios of the measured deviation to its bound. */
static void svd_errors(int64_t m, int64_t n, int64_t k, const double *sigma, rla_dmat A,
                       double *rel, double *tail)
{
  int64_t mn = m < n ? m : n;
  double *a = gather(A), *s = malloc(sizeof(double) * (size_t)mn), s2 = 0.0, absb;
  for (int64_t j = 0; j < k; j++)
    s2 += sigma[j] * sigma[j];
  absb = (pow((double)k, 1.5) * sqrt(s2) + (double)(m > n ? m : n) * sigma[0]) * URND;
  singular_values(m, n, a, s);
  *rel = *tail = 0.0;
  for (int64_t j = 0; j < mn; j++)
    if (j < k)
      *rel = fmax(*rel, fabs(s[j] - sigma[j]) /
                            ((orth_bound(m, k) + orth_bound(n, k) + URND) * sigma[j] + absb));
    else
      *tail = fmax(*tail, s[j] / absb);
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
  /* tall, wide, rank-deficient, and tiny (a rank without rows at 3 ranks) */
  const int64_t shapes[][3] = {{60, 40, 40}, {33, 47, 33}, {50, 45, 17}, {2, 3, 2}};
  double worst = 0.0, worst_tail = 0.0, worst_orth = 0.0;
  for (size_t t = 0; t < sizeof(specs) / sizeof(specs[0]); t++)
    for (size_t h = 0; h < sizeof(shapes) / sizeof(shapes[0]); h++) {
      int64_t m = shapes[h][0], n = shapes[h][1], k = shapes[h][2];
      rla_dmat_layout layout = (t + h) % 2 ? RLA_DMAT_CYCLIC : RLA_DMAT_ROWBLOCK;
      double sigma[64], rel, tail, *u, *v;
      rla_dmat A = NULL, U = NULL, V = NULL;
      rla_spectrum sp = specs[t];
      if (sp.knee > k - 1) sp.knee = k - 1; /* the tiny shape */
      RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, k, sigma));
      /* 1e3 itself for geometric and lowrank: 1 / fl(1 / 1e3), two roundings */
      RLA_ASSERT_ALL(sigma[0] / sigma[k - 1] <= 1e3 * (1 + 4 * URND));
      RLA_ASSERT_OK(rla_gen_svd(rla_test_ctx, m, n, k, sigma, 7 + t, layout, &A, &U, &V));
      RLA_ASSERT_ALL(rla_dmat_get_layout(A) == layout && rla_dmat_get_layout(U) == layout);
      svd_errors(m, n, k, sigma, A, &rel, &tail);
      u = gather(U);
      v = gather(V);
      worst = fmax(worst, rel);
      worst_tail = fmax(worst_tail, tail);
      /* U and V are CholeskyQR2 factors: orth_bound, plus k m u for orth_error itself */
      worst_orth =
          fmax(worst_orth, fmax(orth_error(m, k, u) / (orth_bound(m, k) + (double)(k * m) * URND),
                                orth_error(n, k, v) / (orth_bound(n, k) + (double)(k * n) * URND)));
      free(u);
      free(v);
      rla_dmat_destroy(&A);
      rla_dmat_destroy(&U);
      rla_dmat_destroy(&V);
    }
  if (rla_ctx_rank(rla_test_ctx) == 0)
    fprintf(stderr, "svd: measured / bound: values %.3e tail %.3e orth %.3e\n", worst, worst_tail,
            worst_orth);
  /* measured over the bounds of svd_errors and over orth_bound */
  RLA_ASSERT_ALL(worst <= 1.0 && worst_tail <= 1.0 && worst_orth <= 1.0);
}

/* a spectrum from 1 to 1e-14: the absolute part of the bound of svd_errors dominates it */
static void test_svd_wide_range(void)
{
  const int64_t m = 45, n = 45, k = 45;
  double sigma[45], rel, tail;
  rla_spectrum sp = {.kind = RLA_SPECTRUM_EXP, .decay = 14.0 / 44};
  rla_dmat A = NULL;
  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, k, sigma));
  RLA_ASSERT_OK(rla_gen_svd(rla_test_ctx, m, n, k, sigma, 11, RLA_DMAT_ROWBLOCK, &A, NULL, NULL));
  svd_errors(m, n, k, sigma, A, &rel, &tail);
  if (rla_ctx_rank(rla_test_ctx) == 0)
    fprintf(stderr, "svd wide range: measured / bound %.3g\n", rel);
  RLA_ASSERT_ALL(rel <= 1.0);
  rla_dmat_destroy(&A);
}

static void test_svd_errors(void)
{
  double sigma[4] = {1, 0.5, 0.25, 0.125}, bad[4] = {1, 0.5, 0.75, 0.1}, neg[3] = {1, 0, -1};
  rla_dmat A = NULL, U = NULL;
  RLA_ASSERT_FAILS(rla_gen_svd(rla_test_ctx, -3, 4, 2, sigma, 1, RLA_DMAT_ROWBLOCK, &A, NULL, NULL),
                   RLA_ERR_ARG, "must be positive");
  RLA_ASSERT_FAILS(rla_gen_svd(rla_test_ctx, 5, 3, 4, sigma, 1, RLA_DMAT_ROWBLOCK, &A, NULL, NULL),
                   RLA_ERR_ARG, "[1, min(m, n)] = [1, 3]");
  RLA_ASSERT_FAILS(rla_gen_svd(rla_test_ctx, 5, 4, 4, bad, 1, RLA_DMAT_ROWBLOCK, &A, NULL, NULL),
                   RLA_ERR_ARG, "non-increasing order: sigma[2]");
  RLA_ASSERT_FAILS(rla_gen_svd(rla_test_ctx, 5, 4, 3, neg, 1, RLA_DMAT_ROWBLOCK, &A, &U, NULL),
                   RLA_ERR_ARG, "sigma[1] = 0");
  RLA_ASSERT_ALL(A == NULL && U == NULL);
  {
    /* sigma differing between ranks is caught on every rank (no hang, no divergence) */
    double mine[2] = {1, rla_ctx_rank(rla_test_ctx) == rla_ctx_size(rla_test_ctx) - 1 ? 0.5 : 0.25};
    if (rla_ctx_size(rla_test_ctx) > 1)
      RLA_ASSERT_FAILS(
          rla_gen_svd(rla_test_ctx, 5, 4, 2, mine, 1, RLA_DMAT_ROWBLOCK, &A, NULL, NULL),
          RLA_ERR_ARG, "differ between ranks");
  }
}

/* ---- rla_gen_lsq --------------------------------------------------------------------------- */

struct lsq_metrics {
  double rnorm; /* ||b - A x|| in extended precision */
  double ortho; /* ||A^T (b - A x)|| / (||A||_F ||b - A x||) */
  double cond;  /* sigma_0 / sigma_{n-1} by dgesvd */
  double smax;  /* sigma_0 */
  double xnorm; /* ||x|| */
  double xerr;  /* ||x_dgels - x|| / ||x|| */
};

static void lsq_metrics(int64_t m, int64_t n, rla_dmat A, rla_dmat b, rla_dmat x,
                        struct lsq_metrics *q)
{
  double *a = gather(A), *bb = gather(b), *xx = gather(x), *s = malloc(sizeof(double) * n);
  double *w = malloc(sizeof(double) * m * n), *c = malloc(sizeof(double) * m);
  long double *r = malloc(sizeof(long double) * m), rr = 0, af = 0, atr = 0, xn = 0, dx = 0;
  for (int64_t i = 0; i < m; i++) {
    long double t = bb[i];
    for (int64_t j = 0; j < n; j++)
      t -= (long double)a[i + j * m] * xx[j];
    r[i] = t;
    rr += t * t;
  }
  for (int64_t j = 0; j < n; j++) {
    long double t = 0;
    for (int64_t i = 0; i < m; i++) {
      t += (long double)a[i + j * m] * r[i];
      af += (long double)a[i + j * m] * a[i + j * m];
    }
    atr += t * t;
    xn += (long double)xx[j] * xx[j];
  }
  q->rnorm = (double)sqrtl(rr);
  q->ortho = (double)(sqrtl(atr) / (sqrtl(af) * sqrtl(rr)));
  q->xnorm = (double)sqrtl(xn);
  singular_values(m, n, a, s);
  q->smax = s[0];
  q->cond = s[0] / s[n - 1];
  memcpy(w, a, sizeof(double) * m * n);
  memcpy(c, bb, sizeof(double) * m);
  LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (lapack_int)m, (lapack_int)n, 1, w, (lapack_int)m, c,
                (lapack_int)m);
  for (int64_t j = 0; j < n; j++)
    dx += ((long double)c[j] - xx[j]) * ((long double)c[j] - xx[j]);
  q->xerr = (double)(sqrtl(dx) / sqrtl(xn));
  free(a);
  free(bb);
  free(xx);
  free(s);
  free(w);
  free(c);
  free(r);
}

static void test_lsq_known_solution(void)
{
  const struct {
    int64_t m, n;
    double cond, res;
  } cases[] = {{80, 30, 1e4, 1.0}, {61, 23, 1e2, 1e-6}, {40, 40, 1e3, 0.0},
               {9, 1, 1, 0.5},     {2, 1, 1, 0.5},      {3, 2, 10, 0.5}};
  for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
    int64_t m = cases[t].m, n = cases[t].n, sz[6];
    double cond = cases[t].cond, res = cases[t].res;
    rla_dmat A = NULL, b = NULL, x = NULL;
    struct lsq_metrics q;
    RLA_ASSERT_OK(rla_gen_lsq(rla_test_ctx, m, n, cond, res, 5 + t, &A, &b, &x));
    rla_dmat_sizes(A, &sz[0], &sz[1]);
    rla_dmat_sizes(b, &sz[2], &sz[3]);
    rla_dmat_sizes(x, &sz[4], &sz[5]);
    RLA_ASSERT_ALL(sz[0] == m && sz[1] == n && sz[2] == m && sz[3] == 1 && sz[4] == n &&
                   sz[5] == 1 && rla_dmat_get_layout(A) == RLA_DMAT_ROWBLOCK);
    lsq_metrics(m, n, A, b, x, &q);
    if (rla_ctx_rank(rla_test_ctx) == 0)
      fprintf(stderr,
              "lsq %lldx%lld cond %g res %g: rnorm rel %.3e ortho %.3g eps cond rel %.3e "
              "xnorm-1 %.3e xerr %.3e smax-1 %.3e\n",
              (long long)m, (long long)n, cond, res, res > 0 ? fabs(q.rnorm - res) / res : q.rnorm,
              q.ortho / EPS, fabs(q.cond - cond) / cond, q.xnorm - 1, q.xerr, q.smax - 1);
    {
      /* A = fl(Q_n diag(sigma) V^T) with sigma_0 = 1, sigma_{n-1} = 1 / cond, Q = [Q_n q] and V
         CholeskyQR2 factors (defects dq, dv: orth_bound); ||x|| = 1; r = res (I - Q_n Q_n^T) q /
         norm by classical Gram-Schmidt twice; b = fl(A x) + r. The metrics are evaluated in
         long double (u_ld = 2^-64: far below every term). Per term, dn = n sqrt(n) u:
         - b: ||fl(A x) - A x|| <= gamma_n ||A||_F ||x|| <= dn (||A||_F <= sqrt(n)), the sum
           with r u (1 + res), and ||r|| = res up to its norm's rounding, (m + 2) u res;
         - A^T r: ||Q_n^T r|| <= (m + n) sqrt(n) u ||r|| after the second projection, the
           product's error F has ||F||_2 <= gamma_n ||Q_n diag(sigma)||_F ||V||_F <= dn ||A||_F,
           and A^T (fl(A x) - A x) adds ||A||_2 (n + 1 + res) u ||A||_F; over ||A||_F ||r||;
         - the singular values move by (dq + dv + u) relatively and ||F||_2 + max(m, n) u
           (dgesvd) <= (n^2 + max(m, n)) u absolutely, which is cond times that for
           sigma_{n-1};
         - ||x||: n - 1 hypot calls and a division, each within 1 ulp (2u): (2 n + 1) u;
         - dgels is backward stable: the exact solution for A + dA, b + db with ||dA||_F <=
           gamma~_{mn} ||A||_F, ||db|| <= gamma~_{mn} ||b|| (Higham, ASNA 2nd ed., Thm 20.3;
           gamma~_{mn} = m n u), so e = m n sqrt(n) u relatively in the 2-norm; by Wedin's bound
           (Higham Thm 20.1) it is within cond e (2 + (cond + 1) res) / (1 - cond e) of the
           exact solution of (A, b), which differs from x by A^+ (b - A x), at most
           cond^2 ||A^T r|| + cond ||b - A x - r||. */
      double dn = pow((double)n, 1.5) * URND, mx = (double)(m > n ? m : n);
      double dq = orth_bound(m, m > n ? n + 1 : n), dv = orth_bound(n, n);
      double tr = (m + 2) * URND * res + dn + (1 + res) * URND;
      double atr = ((m + n) * sqrt((double)n) + pow((double)n, 1.5)) * URND;
      double ta = atr + (n + 1 + res) * URND / res;
      double sv = (n * n + mx) * URND, tc = 2 * (dq + dv + URND) + (cond + 1) * sv;
      double e = (double)(m * n) * sqrt((double)n) * URND;
      double tx = cond * e * (2 + (cond + 1) * res) / (1 - cond * e) +
                  cond * cond * atr * sqrt((double)n) * res + cond * (dn + (2 + res) * URND);
      RLA_ASSERT_ALL(fabs(q.rnorm - res) <= tr);
      /* vacuous for res = 0 */
      if (res > 0) RLA_ASSERT_ALL(q.ortho <= ta);
      RLA_ASSERT_ALL(fabs(q.cond - cond) <= tc * cond && fabs(q.smax - 1) <= dq + dv + URND + sv);
      RLA_ASSERT_ALL(fabs(q.xnorm - 1) <= (2 * n + 1) * URND);
      RLA_ASSERT_ALL(q.xerr <= tx);
    }
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&b);
    rla_dmat_destroy(&x);
  }
}

static void test_lsq_errors(void)
{
  rla_dmat A = NULL, b = NULL, x = NULL;
  RLA_ASSERT_FAILS(rla_gen_lsq(rla_test_ctx, 10, 20, 10, 1, 1, &A, &b, &x), RLA_ERR_ARG, "m >= n");
  RLA_ASSERT_FAILS(rla_gen_lsq(rla_test_ctx, 20, 10, 0.5, 1, 1, &A, &b, &x), RLA_ERR_ARG,
                   "finite and >= 1");
  RLA_ASSERT_FAILS(rla_gen_lsq(rla_test_ctx, 20, 10, INFINITY, 1, 1, &A, &b, &x), RLA_ERR_ARG,
                   "finite and >= 1");
  RLA_ASSERT_FAILS(rla_gen_lsq(rla_test_ctx, 20, -1, 10, 1, 1, &A, &b, &x), RLA_ERR_ARG,
                   "must be positive");
  RLA_ASSERT_FAILS(rla_gen_lsq(rla_test_ctx, 20, 10, 10, -1, 1, &A, &b, &x), RLA_ERR_ARG,
                   "residual norm");
  RLA_ASSERT_FAILS(rla_gen_lsq(rla_test_ctx, 10, 10, 10, 1, 1, &A, &b, &x), RLA_ERR_ARG,
                   "needs m > n");
  RLA_ASSERT_FAILS(rla_gen_lsq(rla_test_ctx, 20, 10, 10, 1, 1, &A, NULL, &x), RLA_ERR_ARG,
                   "null output");
  RLA_ASSERT_FAILS(rla_gen_lsq(rla_test_ctx, 20, 1, 10, 1, 1, &A, &b, &x), RLA_ERR_ARG,
                   "a single value");
  RLA_ASSERT_ALL(A == NULL && b == NULL && x == NULL);
}

/* ---- reproducibility across rank counts ------------------------------------------------------ */

/* ||P - S||_F / ||S||_F for the m x n column-major arrays */
static double rel_diff(int64_t len, const double *p, const double *s)
{
  long double d = 0, t = 0;
  for (int64_t i = 0; i < len; i++) {
    d += ((long double)p[i] - s[i]) * ((long double)p[i] - s[i]);
    t += (long double)s[i] * s[i];
  }
  return t > 0 ? (double)sqrtl(d / t) : (double)sqrtl(d);
}

/* cond of the Gaussian m x k (columns [0, k0) from purpose p0, the rest from RLA_RNG_GEN_R) that
   the generators factor for seed (collective) */
static double gaussian_cond(int64_t m, int64_t k, int64_t k0, uint64_t seed, uint64_t p0)
{
  rla_dmat G = NULL;
  double *g, s[32];
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, k, 0, &G));
  rla_gen_fill_gaussian(G, rla_rng_make(seed, p0), 0, k0, 0, 1.0);
  rla_gen_fill_gaussian(G, rla_rng_make(seed, RLA_RNG_GEN_R), k0, k, -k0, 1.0);
  g = gather(G);
  singular_values(m, k, g, s);
  free(g);
  rla_dmat_destroy(&G);
  return s[0] / s[k - 1];
}

/* ||Q_P - Q_1||_F for two CholeskyQR2 factors of the m x k Gaussian G computed with different
   reduction orders: each has the backward error qr_res_bound, moving Q by (1 + sqrt(2)) cond(G)
   times as much to first order (QR perturbation, Sun, BIT 31, 1991), and the orthogonality
   defect orth_bound */
static double q_diff_bound(int64_t m, int64_t k, double cond)
{
  return 2 * ((1 + sqrt(2.0)) * cond * qr_res_bound(k) + orth_bound(m, k));
}

/* the same seed on all ranks and on rank 0 alone (MPI_COMM_SELF) */
static void test_reproducible(void)
{
  const int64_t m = 70, n = 26;
  double sigma[26], dsvd = 0, dA = 0, db = 0, dx = 0, *a1, *b1, *x1;
  rla_spectrum sp = {.kind = RLA_SPECTRUM_POLY, .decay = 1};
  rla_dmat A = NULL, b = NULL, x = NULL, S = NULL;
  int rank = rla_ctx_rank(rla_test_ctx), ok = 1;
  /* the factored Gaussians: U of rla_gen_svd (m x n), [U r] of rla_gen_lsq (m x (n + 1)), and
     the V of both (n x n) */
  double cu = gaussian_cond(m, n, n, 3, RLA_RNG_GEN_U),
         cq = gaussian_cond(m, n + 1, n, 3, RLA_RNG_GEN_U);
  double cv = gaussian_cond(n, n, n, 3, RLA_RNG_GEN_V), tsvd, ta, tb = 0.0;

  RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &sp, n, sigma));
  RLA_ASSERT_OK(rla_gen_svd(rla_test_ctx, m, n, n, sigma, 3, RLA_DMAT_ROWBLOCK, &S, NULL, NULL));
  RLA_ASSERT_OK(rla_gen_lsq(rla_test_ctx, m, n, 1e3, 0.1, 3, &A, &b, &x));
  a1 = gather(S);
  rla_dmat_destroy(&S);
  if (rank == 0) {
    rla_ctx self = NULL;
    rla_dmat As = NULL, bs = NULL, xs = NULL, Ss = NULL;
    double *a2 = malloc(sizeof(double) * m * n), *b2 = malloc(sizeof(double) * m),
           *x2 = malloc(sizeof(double) * n);
    ok &= rla_ctx_create(MPI_COMM_SELF, &self) == 0;
    rla_ctx_set_verbosity(self, 0);
    ok &= rla_gen_svd(self, m, n, n, sigma, 3, RLA_DMAT_ROWBLOCK, &Ss, NULL, NULL) == 0;
    ok &= ok && rla_dmat_gather(Ss, 0, a2) == 0;
    dsvd = rel_diff(m * n, a1, a2);
    ok &= ok && rla_gen_lsq(self, m, n, 1e3, 0.1, 3, &As, &bs, &xs) == 0;
    ok &= ok && rla_dmat_gather(As, 0, a2) == 0 && rla_dmat_gather(bs, 0, b2) == 0 &&
          rla_dmat_gather(xs, 0, x2) == 0;
    free(a1);
    a1 = a2;
    b1 = b2;
    x1 = x2;
    rla_dmat_destroy(&As);
    rla_dmat_destroy(&bs);
    rla_dmat_destroy(&xs);
    rla_dmat_destroy(&Ss);
    rla_ctx_destroy(&self);
  } else {
    b1 = malloc(sizeof(double));
    x1 = malloc(sizeof(double));
  }
  RLA_ASSERT_ALL(ok);
  {
    double *a = gather(A), *bb = gather(b), *xx = gather(x);
    if (rank == 0) {
      dA = rel_diff(m * n, a, a1);
      db = rel_diff(m, bb, b1);
      dx = rel_diff(n, xx, x1);
      fprintf(stderr, "reproducible: svd %.3e lsq A %.3e b %.3e x %.3e\n", dsvd, dA, db, dx);
    }
    /* A = fl(fl(U diag(sigma)) V^T): ||A_P - A_1||_F <= (||dU||_F + ||dV||_F) sigma_0 plus the
       two products' and scalings' rounding, 2 (n^1.5 u + u) ||sigma||_2 (svd_errors), over
       ||A||_F = ||sigma||_2 >= sigma_0. b = fl(A x) + r with ||x|| = 1: ||dA||_2 from A, the
       residual direction (I - Q_n Q_n^T) q normalized moves by 2 (3 ||dQ||_F) and by the
       rounding of its two Gram-Schmidt passes, (m + n) sqrt(n) u, in each run, and fl(A x) + r
       by (n^1.5 + 1 + res) u in each */
    tsvd = q_diff_bound(m, n, cu) + q_diff_bound(n, n, cv) + 2 * (pow((double)n, 1.5) + 1) * URND;
    ta = q_diff_bound(m, n + 1, cq) + q_diff_bound(n, n, cv) + 2 * (pow((double)n, 1.5) + 1) * URND;
    if (rank == 0) {
      double an = 0.0, bn = 0.0, res = 0.1;
      for (int64_t i = 0; i < m * n; i++)
        an += a1[i] * a1[i];
      for (int64_t i = 0; i < m; i++)
        bn += b1[i] * b1[i];
      tb = (ta * sqrt(an) + 6 * res * q_diff_bound(m, n + 1, cq) +
            2 * res * (m + n) * sqrt((double)n) * URND +
            2 * (pow((double)n, 1.5) + 1 + res) * URND) /
           sqrt(bn);
    }
    free(a);
    free(bb);
    free(xx);
  }
  /* x is computed identically on every rank, without BLAS: bitwise. A and b come from
     CholeskyQR2 factors whose Gram reductions depend on the number of ranks: within the
     perturbation bounds above for both runs (tb is formed on rank 0, where db is) */
  RLA_ASSERT_ALL(dx == 0.0 && dsvd <= tsvd && dA <= ta && db <= tb);
  free(a1);
  free(b1);
  free(x1);
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&b);
  rla_dmat_destroy(&x);
}

/* ---- collections ----------------------------------------------------------------------------- */

static rla_collection_spec base_spec(void)
{
  return (rla_collection_spec){.m = 40,
                               .nblocks = 30,
                               .width_min = 1,
                               .width_max = 9,
                               .nwide = 3,
                               .wide_width = 15,
                               .nsub = 4,
                               .dim = 3,
                               .noise = 0.0,
                               .membership = RLA_MEMBERSHIP_RANDOM,
                               .seed = 17};
}

static void test_collection_shapes(void)
{
  rla_collection_spec spec = base_spec();
  rla_collection coll = NULL;
  const int64_t *w, *c, *off;
  int64_t m, K, nwide = 0, counts[4] = {0, 0, 0, 0}, list[5] = {2, 7, 1, 1, 3};
  int ok = 1;
  RLA_ASSERT_OK(rla_gen_collection_create(rla_test_ctx, &spec, &coll));
  rla_gen_collection_info(coll, &m, &K, &w, &c, &off);
  ok &= m == 40 && K == 30 && off[0] == 0;
  for (int64_t j = 0; j < K; j++) {
    ok &= (w[j] >= 1 && w[j] <= 9) || w[j] == 15;
    nwide += w[j] == 15;
    ok &= c[j] >= 0 && c[j] < 4 && off[j + 1] == off[j] + w[j];
    if (c[j] >= 0 && c[j] < 4) counts[c[j]]++;
  }
  ok &= nwide == 3;
  /* 30 blocks in 4 subspaces at random: each subspace used (chance of an empty one ~ 7e-4,
     and this seed is fixed) and the widths not all equal */
  ok &= counts[0] > 0 && counts[1] > 0 && counts[2] > 0 && counts[3] > 0;
  for (int64_t j = 0; j < K; j++) {
    rla_dmat A = NULL;
    int64_t bm, bn;
    RLA_ASSERT_OK(rla_gen_collection_block(coll, j, &A));
    rla_dmat_sizes(A, &bm, &bn);
    ok &= bm == 40 && bn == w[j] && rla_dmat_get_layout(A) == RLA_DMAT_ROWBLOCK;
    rla_dmat_destroy(&A);
  }
  RLA_ASSERT_ALL(ok);
  rla_gen_collection_destroy(&coll);
  RLA_ASSERT_ALL(coll == NULL);
  /* a width list and round-robin membership */
  spec.nblocks = 5;
  spec.widths = list;
  spec.nwide = 0;
  spec.membership = RLA_MEMBERSHIP_ROUND_ROBIN;
  RLA_ASSERT_OK(rla_gen_collection_create(rla_test_ctx, &spec, &coll));
  rla_gen_collection_info(coll, NULL, &K, &w, &c, NULL);
  for (int64_t j = 0; j < K; j++)
    ok &= w[j] == list[j] && c[j] == j % 4;
  RLA_ASSERT_ALL(ok && K == 5);
  rla_gen_collection_destroy(&coll);
}

/* the blocks of one subspace, side by side, have numerical rank dim up to the noise */
static void test_collection_low_rank(void)
{
  const double noises[2] = {0.0, 1e-3};
  for (int t = 0; t < 2; t++) {
    rla_collection_spec spec = base_spec();
    rla_collection coll = NULL;
    const int64_t *w, *c, *off;
    int64_t m = spec.m, K, d = spec.dim;
    double worst_tail = 0.0, worst_gap = 1e300;
    spec.noise = noises[t];
    spec.membership = RLA_MEMBERSHIP_ROUND_ROBIN;
    RLA_ASSERT_OK(rla_gen_collection_create(rla_test_ctx, &spec, &coll));
    rla_gen_collection_info(coll, NULL, &K, &w, &c, &off);
    for (int64_t sub = 0; sub < spec.nsub; sub++) {
      int64_t N = 0;
      double *C = malloc(sizeof(double) * m * off[K]), *s = malloc(sizeof(double) * m), bound;
      for (int64_t j = 0; j < K; j++) {
        rla_dmat A = NULL;
        double *a;
        if (c[j] != sub) continue;
        RLA_ASSERT_OK(rla_gen_collection_block(coll, j, &A));
        a = gather(A);
        memcpy(C + m * N, a, sizeof(double) * m * w[j]);
        N += w[j];
        free(a);
        rla_dmat_destroy(&A);
      }
      singular_values(m, N, C, s);
      /* sigma_dim: without noise only the rounding of the entries, a dim-term sum each off by
         gamma_d |b_i| |w_q|: ||F||_2 <= d u ||B||_F ||W||_F <= d u sqrt(d) cond(B) ||C||_F,
         with ||C||_F <= sqrt(d) s_0 (rank d), plus dgesvd's max(m, N) u s_0 (LAPACK Users'
         Guide, 4.9). With noise, at most noise ||G||_2 (Weyl) with G of N(0, 1/m) entries,
         ||G||_2 <= 1 + sqrt(N/m) + t/sqrt(m) except with probability exp(-t^2/2)
         (Davidson-Szarek); t = sqrt(m) (probability e^-20) gives the 2 */
      {
        rla_dmat Bd = NULL;
        double *bb, sb[8];
        RLA_ASSERT_OK(rla_gen_collection_basis(coll, sub, &Bd));
        bb = gather(Bd);
        singular_values(m, d, bb, sb);
        free(bb);
        rla_dmat_destroy(&Bd);
        bound = noises[t] > 0
                    ? noises[t] * (2 + sqrt((double)N / m))
                    : ((double)(d * d) * sb[0] / sb[d - 1] + (double)(m > N ? m : N)) * URND * s[0];
      }
      worst_tail = fmax(worst_tail, s[d] / bound);
      /* sigma_{dim-1}: the signal, sigma_min(B) sigma_min(W) ~ (1 - sqrt(d/m)) (sqrt(N/d) - 1)
         >~ 1 here: 0.3 is a hundred times the noise bound, no rounding question */
      worst_gap = fmin(worst_gap, s[d - 1]);
      free(C);
      free(s);
    }
    if (rla_ctx_rank(rla_test_ctx) == 0)
      fprintf(stderr, "collection noise %g: tail/bound %.3g, signal %.3g\n", noises[t], worst_tail,
              worst_gap);
    RLA_ASSERT_ALL(worst_tail <= 1.0 && worst_gap >= 0.3);
    rla_gen_collection_destroy(&coll);
  }
}

/* bitwise the same blocks on all ranks and on rank 0 alone */
static void test_collection_reproducible(void)
{
  rla_collection_spec spec = base_spec();
  rla_collection coll = NULL;
  const int64_t *w;
  int64_t K;
  int ok = 1, rank = rla_ctx_rank(rla_test_ctx);
  spec.noise = 0.01;
  spec.m = 23;
  RLA_ASSERT_OK(rla_gen_collection_create(rla_test_ctx, &spec, &coll));
  rla_gen_collection_info(coll, NULL, &K, &w, NULL, NULL);
  {
    rla_ctx self = NULL;
    rla_collection one = NULL;
    const int64_t *w1 = NULL, *c1 = NULL, *c;
    if (rank == 0) {
      ok &= rla_ctx_create(MPI_COMM_SELF, &self) == 0;
      ok &= ok && rla_gen_collection_create(self, &spec, &one) == 0;
      if (ok) rla_gen_collection_info(one, NULL, NULL, &w1, &c1, NULL);
      rla_gen_collection_info(coll, NULL, NULL, NULL, &c, NULL);
      for (int64_t j = 0; ok && j < K; j++)
        ok &= w1[j] == w[j] && c1[j] == c[j];
    }
    for (int64_t j = 0; j < K; j++) {
      rla_dmat A = NULL, A1 = NULL;
      double *a, *a1;
      RLA_ASSERT_OK(rla_gen_collection_block(coll, j, &A));
      a = gather(A);
      if (rank == 0 && ok) {
        a1 = malloc(sizeof(double) * spec.m * w[j]);
        ok &= rla_gen_collection_block(one, j, &A1) == 0 && rla_dmat_gather(A1, 0, a1) == 0;
        ok &= memcmp(a, a1, sizeof(double) * spec.m * w[j]) == 0;
        free(a1);
        rla_dmat_destroy(&A1);
      }
      free(a);
      rla_dmat_destroy(&A);
    }
    rla_gen_collection_destroy(&one);
    rla_ctx_destroy(&self);
  }
  RLA_ASSERT_ALL(ok);
  rla_gen_collection_destroy(&coll);
}

/* the written collection: manifest, ground truth, blocks read back bitwise, no staging left */
static void test_collection_write(void)
{
  int64_t list[5] = {1, 3, 2, 4, 2};
  rla_collection_spec spec = base_spec();
  rla_collection coll = NULL;
  const char *dir = rla_test_path("coll"), *file = rla_test_path("coll-file");
  char path[2048];
  int ok = 1, rank = rla_ctx_rank(rla_test_ctx);
  spec.m = 17;
  spec.nblocks = 5;
  spec.widths = list;
  spec.nwide = 0;
  spec.nsub = 2;
  spec.dim = 2;
  spec.noise = 0.1;
  spec.membership = RLA_MEMBERSHIP_ROUND_ROBIN;
  RLA_ASSERT_OK(rla_gen_collection_create(rla_test_ctx, &spec, &coll));
  for (int pass = 0; pass < 2; pass++) /* the second pass overwrites */
    RLA_ASSERT_OK(rla_gen_collection_write(coll, dir, RLA_FORMAT_AUTO));
  if (rank == 0) {
    FILE *f;
    char line[256];
    int n = 0;
    snprintf(path, sizeof(path), "%s/manifest.txt", dir);
    f = fopen(path, "r");
    ok &= f != NULL;
    while (f && fgets(line, sizeof(line), f)) {
      char want[64];
      snprintf(want, sizeof(want), "block_%06d.npy\n", n++);
      ok &= !strcmp(line, want);
    }
    if (f) fclose(f);
    ok &= n == 5;
    snprintf(path, sizeof(path), "%s/truth.json", dir);
    f = fopen(path, "r");
    ok &= f != NULL;
    if (f) {
      size_t len = fread(line, 1, sizeof(line) - 1, f);
      line[len] = '\0';
      fclose(f);
      ok &= strstr(line, "\"nblocks\":") != NULL;
    }
    {
      DIR *d = opendir(dir);
      struct dirent *e;
      int entries = 0;
      while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
          entries++;
          ok &= e->d_name[0] != '.'; /* no staging directory or temporary file left */
        }
      if (d) closedir(d);
      ok &= entries == 7;
    }
  }
  RLA_ASSERT_ALL(ok);
  for (int64_t j = 0; j < 5; j++) {
    rla_dmat A = NULL, B = NULL;
    double *a, *b;
    snprintf(path, sizeof(path), "%s/block_%06d.npy", dir, (int)j);
    RLA_ASSERT_OK(rla_gen_collection_block(coll, j, &A));
    RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &B));
    a = gather(A);
    b = gather(B);
    RLA_ASSERT_ALL(memcmp(a, b, sizeof(double) * 17 * list[j]) == 0);
    free(a);
    free(b);
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&B);
  }
  /* errors: the directory is a file; its parent is missing. Nothing is created. */
  if (rank == 0) {
    FILE *f = fopen(file, "w");
    if (f) fclose(f);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  RLA_ASSERT_FAILS(rla_gen_collection_write(coll, file, RLA_FORMAT_NPY), RLA_ERR_FILE,
                   "not a directory");
  snprintf(path, sizeof(path), "%s/no/such", dir);
  RLA_ASSERT_FAILS(rla_gen_collection_write(coll, path, RLA_FORMAT_NPY), RLA_ERR_FILE,
                   "cannot create the directory");
  RLA_ASSERT_FAILS(rla_gen_collection_write(coll, dir, (rla_format)9), RLA_ERR_ARG,
                   "unknown file format");
  rla_gen_collection_destroy(&coll);
}

static void test_collection_errors(void)
{
  rla_collection_spec spec = base_spec();
  rla_collection coll = NULL;
  rla_dmat A = NULL;
  int64_t list[3] = {4, 0, 2};
  spec.dim = 41;
  RLA_ASSERT_FAILS(rla_gen_collection_create(rla_test_ctx, &spec, &coll), RLA_ERR_ARG,
                   "subspace dimension must be in [1, m] = [1, 40]");
  spec = base_spec();
  spec.nsub = 0;
  RLA_ASSERT_FAILS(rla_gen_collection_create(rla_test_ctx, &spec, &coll), RLA_ERR_ARG,
                   "number of subspaces");
  spec = base_spec();
  spec.width_max = 0;
  RLA_ASSERT_FAILS(rla_gen_collection_create(rla_test_ctx, &spec, &coll), RLA_ERR_ARG,
                   "width range");
  spec = base_spec();
  spec.noise = -1;
  RLA_ASSERT_FAILS(rla_gen_collection_create(rla_test_ctx, &spec, &coll), RLA_ERR_ARG, "noise");
  spec = base_spec();
  spec.m = -5;
  RLA_ASSERT_FAILS(rla_gen_collection_create(rla_test_ctx, &spec, &coll), RLA_ERR_ARG, "m must be");
  spec = base_spec();
  spec.nblocks = 3;
  spec.nwide = 0;
  spec.widths = list;
  RLA_ASSERT_FAILS(rla_gen_collection_create(rla_test_ctx, &spec, &coll), RLA_ERR_ARG,
                   "width 1 is 0");
  spec = base_spec();
  spec.nwide = 31;
  RLA_ASSERT_FAILS(rla_gen_collection_create(rla_test_ctx, &spec, &coll), RLA_ERR_ARG, "wide");
  RLA_ASSERT_ALL(coll == NULL);
  spec = base_spec();
  RLA_ASSERT_OK(rla_gen_collection_create(rla_test_ctx, &spec, &coll));
  RLA_ASSERT_FAILS(rla_gen_collection_block(coll, 30, &A), RLA_ERR_ARG, "outside [0, 30)");
  RLA_ASSERT_FAILS(rla_gen_collection_basis(coll, -1, &A), RLA_ERR_ARG, "outside [0, 4)");
  RLA_ASSERT_ALL(A == NULL);
  rla_gen_collection_destroy(&coll);
}

/* ---- sparse problems ------------------------------------------------------------------------- */

/* the whole of the sparse A, column-major m x n, on every rank, and the m row lengths: every
   entry has one contributor, so the sums are exact */
static double *gather_sparse(rla_smat A, int64_t *lens)
{
  int64_t m, n, row0, lm;
  const int64_t *rp;
  const int32_t *ci;
  double *v, *a;
  rla_smat_sizes(A, &m, &n);
  rla_smat_local_rows(A, &row0, &lm);
  rla_smat_local(A, &rp, &ci, &v);
  a = calloc((size_t)(m * n), sizeof(double));
  memset(lens, 0, sizeof(int64_t) * (size_t)m);
  for (int64_t i = 0; i < lm; i++) {
    lens[row0 + i] = rp[i + 1] - rp[i];
    for (int64_t e = rp[i]; e < rp[i + 1]; e++)
      a[row0 + i + ci[e] * m] = v[e];
  }
  MPI_Allreduce(MPI_IN_PLACE, a, (int)(m * n), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, lens, (int)m, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  return a;
}

/* rows i and j of the m x n column-major a are equal, entry by entry */
static int rows_equal(int64_t m, int64_t n, const double *a, int64_t i, int64_t j)
{
  for (int64_t c = 0; c < n; c++)
    if (a[i + c * m] != a[j + c * m]) return 0;
  return 1;
}

/* The structure (row lengths, no stored zero, d dense rows), the pairs behind A^T r = 0 (every row
   with r_i != 0 has a bitwise equal partner row with -r_i: A^T r is then exactly 0, no rounding
   involved), ||r||, b = A x + r to its rounding, ||x|| = 1 and the rank certificate
   sigma_min(A) > 1 / (sqrt(n) cond). */
static void sparse_lsq_case(const rla_sparse_lsq_spec *sp)
{
  int64_t m = sp->m, n = sp->n, r = sp->nnz_per_row, d = sp->dense_rows, ndense = 0, paired = 0;
  int64_t *lens = malloc(sizeof(int64_t) * (size_t)m), *mate = malloc(sizeof(int64_t) * (size_t)m);
  rla_smat A = NULL;
  rla_dmat b = NULL, x = NULL, res = NULL;
  double *a, *bb, *xx, *rr, *s = malloc(sizeof(double) * (size_t)n), worst_b = 0.0;
  long double rn = 0.0L, xn = 0.0L;
  int ok = 1;
  RLA_ASSERT_OK(rla_gen_sparse_lsq(rla_test_ctx, sp, &A, &b, &x, &res));
  RLA_ASSERT_ALL(rla_smat_nnz(A) == (m - d) * r + d * n);
  a = gather_sparse(A, lens);
  bb = gather(b);
  xx = gather(x);
  rr = gather(res);
  for (int64_t i = 0; i < m; i++) {
    int64_t nz = 0;
    long double ax = 0.0L, ab = 0.0L;
    for (int64_t c = 0; c < n; c++) {
      nz += a[i + c * m] != 0.0;
      ax += (long double)a[i + c * m] * xx[c];
      ab += fabsl((long double)a[i + c * m] * xx[c]);
    }
    ok &= nz == lens[i] && (lens[i] == r || lens[i] == n);
    ndense += lens[i] == n && r < n;
    rn += (long double)rr[i] * rr[i];
    /* b_i = fl(fl(a_i . x) + r_i): gamma_{k+1} (|a_i| |x| + |r_i|); the long double sums add
       (k + 2) 2^-63 of the same and |b_i| */
    {
      long double dev = fabsl((long double)bb[i] - ax - rr[i]), k = (long double)lens[i];
      long double bound = (k + 1) * URND / (1 - (k + 1) * URND) * (ab + fabs(rr[i])) +
                          (k + 2) * 0x1p-63L * (ab + fabs(rr[i]) + fabs(bb[i]));
      worst_b = fmax(worst_b, (double)(dev / bound));
    }
    mate[i] = -1;
  }
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = i + 1; rr[i] != 0.0 && mate[i] < 0 && j < m; j++)
      if (mate[j] < 0 && rr[j] == -rr[i] && rows_equal(m, n, a, i, j)) {
        mate[i] = j;
        mate[j] = i;
        paired += 2;
      }
  for (int64_t i = 0; i < m; i++)
    ok &= rr[i] == 0.0 || mate[i] >= 0;
  for (int64_t j = 0; j < n; j++)
    xn += (long double)xx[j] * xx[j];
  singular_values(m, n, a, s);
  if (rla_ctx_rank(rla_test_ctx) == 0)
    fprintf(stderr,
            "sparse lsq %lldx%lld r %lld d %lld cond %g res %g: b/bound %.3f ||r|| - res %.3e "
            "sigma_min %.3e cond(A) %.3e\n",
            (long long)m, (long long)n, (long long)r, (long long)d, sp->cond, sp->residual_norm,
            worst_b, (double)sqrtl(rn) - sp->residual_norm, s[n - 1], s[0] / s[n - 1]);
  ok &= ndense == (r < n ? d : 0);
  ok &= paired == (sp->residual_norm > 0 ? 2 * ((m - n - d) / 2) : 0);
  /* t = fl(rho / fl(sqrt(2 npairs))): ||r|| = sqrt(2 npairs) t within 2u (1 + u) of rho, and the
     long double norm adds nothing at this scale */
  ok &= fabs((double)sqrtl(rn) - sp->residual_norm) <= 3 * URND * sp->residual_norm;
  /* n - 1 hypot calls and a division, each within 1 ulp (2u) */
  ok &= fabs((double)sqrtl(xn) - 1.0) <= (2 * n + 1) * URND;
  /* the rank rows certify sigma_min > 1 / (sqrt(n) cond); dgesvd is off by max(m, n) u sigma_0 */
  ok &= s[n - 1] >= 1.0 / (sqrt((double)n) * sp->cond) - (double)(m > n ? m : n) * URND * s[0];
  RLA_ASSERT_ALL(ok && worst_b <= 1.0);
  free(a);
  free(bb);
  free(xx);
  free(rr);
  free(s);
  free(lens);
  free(mate);
  rla_smat_destroy(&A);
  rla_dmat_destroy(&b);
  rla_dmat_destroy(&x);
  rla_dmat_destroy(&res);
}

static void test_sparse_lsq(void)
{
  /* m, n, r, d, cond, residual, seed: tall with dense rows; r = n (every row full); no pair and
     no residual; one column; an odd number of rows left for pairs */
  const rla_sparse_lsq_spec cases[] = {{200, 30, 4, 3, 1e3, 0.5, 1}, {61, 20, 20, 0, 10, 1e-3, 2},
                                       {25, 24, 1, 1, 1, 0, 3},      {40, 1, 1, 0, 1, 2.0, 4},
                                       {16, 3, 2, 2, 5, 1.0, 5},     {9, 4, 3, 0, 1e8, 0.25, 6}};
  for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++)
    sparse_lsq_case(&cases[t]);
}

/* The singular values of rla_gen_sparse_svd's matrix by dgesvd against sigma (and zeros past k).
   Bound (rla/gen.h): with s and l the largest block's sides, Householder factors orthonormal to
   delta = orth_bound(l, s) (Higham, ASNA 2nd ed., Thm 19.4: the O(l s u) of the CholeskyQR2
   bound serves) move sigma_j by (2 delta + u) sigma_j; the product of inner dimension s adds
   s^1.5 u ||sigma_t||_2 <= s^2 u sigma_0, and dgesvd max(m, n) u sigma_0 (LAPACK Users' Guide,
   section 4.9). */
static void test_sparse_svd(void)
{
  const struct {
    int64_t m, n, block, k;
    rla_spectrum sp;
  } cases[] = {
      {120, 45, 7, 45, {.kind = RLA_SPECTRUM_EXP, .decay = 0.1}},
      {30, 70, 4, 30, {.kind = RLA_SPECTRUM_POLY, .decay = 1}},
      {60, 40, 6, 25, {.kind = RLA_SPECTRUM_LOWRANK, .knee = 10, .level = 1e-3}},
      {20, 12, 12, 12, {.kind = RLA_SPECTRUM_GEOMETRIC, .cond = 1e6}},
      {15, 15, 1, 15, {.kind = RLA_SPECTRUM_POLY, .decay = 2}},
  };
  for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
    int64_t m = cases[t].m, n = cases[t].n, k = cases[t].k, mn = m < n ? m : n, nnz;
    int64_t nb = (mn + cases[t].block - 1) / cases[t].block, sb = (mn + nb - 1) / nb;
    int64_t lb = sb + ((m < n ? n : m) - mn + nb - 1) / nb, *lens = malloc(sizeof(int64_t) * m);
    double sigma[70], sv[70], *a, worst = 0.0, nzs = 0.0;
    double rel = 2 * orth_bound(lb, sb) + URND, abs = ((double)(sb * sb) + (m > n ? m : n)) * URND;
    rla_smat A = NULL;
    RLA_ASSERT_OK(rla_gen_spectrum(rla_test_ctx, &cases[t].sp, k, sigma));
    RLA_ASSERT_OK(rla_gen_sparse_svd(rla_test_ctx, m, n, cases[t].block, k, sigma, 20 + t, &A));
    RLA_ASSERT_OK(rla_gen_sparse_svd_nnz(rla_test_ctx, m, n, cases[t].block, k, &nnz));
    RLA_ASSERT_ALL(rla_smat_nnz(A) == nnz);
    a = gather_sparse(A, lens);
    for (int64_t i = 0; i < m * n; i++)
      nzs += a[i] != 0.0;
    singular_values(m, n, a, sv);
    for (int64_t j = 0; j < mn; j++) {
      double want = j < k ? sigma[j] : 0.0;
      worst = fmax(worst, fabs(sv[j] - want) / (rel * want + abs * sigma[0]));
    }
    if (rla_ctx_rank(rla_test_ctx) == 0)
      fprintf(stderr,
              "sparse svd %lldx%lld block %lld rank %lld: nnz %lld, measured / bound %.3e\n",
              (long long)m, (long long)n, (long long)cases[t].block, (long long)k, (long long)nnz,
              worst);
    /* nnz as promised, no stored zero, every row of a live block as long as its block is wide */
    RLA_ASSERT_ALL(worst <= 1.0 && nzs == (double)nnz);
    for (int64_t i = 0; i < m; i++)
      RLA_ASSERT_ALL(lens[i] == 0 || lens[i] <= (m >= n ? sb : lb));
    free(a);
    free(lens);
    rla_smat_destroy(&A);
  }
}

/* a file's bytes (rank 0; malloc'd, *len set) */
static unsigned char *file_bytes(const char *path, long *len)
{
  FILE *f = fopen(path, "rb");
  unsigned char *buf;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)*len + 1);
  if (fread(buf, 1, (size_t)*len, f) != (size_t)*len) *len = -1;
  fclose(f);
  return buf;
}

static int same_files(const char *p, const char *q)
{
  long lp = 0, lq = 0;
  unsigned char *a = file_bytes(p, &lp), *b = file_bytes(q, &lq);
  int same = a && b && lp == lq && lp >= 0 && memcmp(a, b, (size_t)lp) == 0;
  free(a);
  free(b);
  return same;
}

/* the problems of ctx written to files tagged tag: A (PETSc AIJ), b, x, r (.npy) of a sparse lsq
   problem and the sparse svd matrix */
static rla_err write_sparse_problems(rla_ctx ctx, const char *tag)
{
  const rla_sparse_lsq_spec sp = {301, 37, 6, 2, 1e4, 0.1, 17};
  double sigma[41];
  rla_spectrum spec = {.kind = RLA_SPECTRUM_EXP, .decay = 0.2};
  rla_smat A = NULL, S = NULL;
  rla_dmat b = NULL, x = NULL, r = NULL;
  char path[4][64];
  rla_err err;
  for (int i = 0; i < 4; i++)
    snprintf(path[i], sizeof(path[i]), "sparse-%s-%d.%s", tag, i, i ? "npy" : "petsc");
  err = rla_gen_sparse_lsq(ctx, &sp, &A, &b, &x, &r);
  if (!err) err = rla_io_write_sparse(A, rla_test_path(path[0]), RLA_FORMAT_AUTO);
  if (!err) err = rla_io_write(b, rla_test_path(path[1]), RLA_FORMAT_AUTO, RLA_IO_VECTOR);
  if (!err) err = rla_io_write(x, rla_test_path(path[2]), RLA_FORMAT_AUTO, RLA_IO_VECTOR);
  if (!err) err = rla_io_write(r, rla_test_path(path[3]), RLA_FORMAT_AUTO, RLA_IO_VECTOR);
  if (!err) err = rla_gen_spectrum(ctx, &spec, 41, sigma);
  if (!err) err = rla_gen_sparse_svd(ctx, 103, 41, 5, 41, sigma, 18, &S);
  if (!err) {
    snprintf(path[0], sizeof(path[0]), "sparse-%s-svd.mtx", tag);
    err = rla_io_write_sparse(S, rla_test_path(path[0]), RLA_FORMAT_AUTO);
  }
  rla_smat_destroy(&A);
  rla_smat_destroy(&S);
  rla_dmat_destroy(&b);
  rla_dmat_destroy(&x);
  rla_dmat_destroy(&r);
  return err;
}

/* every file the same bytes on P ranks as on rank 0 alone (MPI_COMM_SELF) */
static void test_sparse_reproducible(void)
{
  int ok = 1;
  RLA_ASSERT_OK(write_sparse_problems(rla_test_ctx, "all"));
  if (rla_ctx_rank(rla_test_ctx) == 0) {
    rla_ctx self = NULL;
    const char *names[5] = {"0.petsc", "1.npy", "2.npy", "3.npy", "svd.mtx"};
    ok &= rla_ctx_create(MPI_COMM_SELF, &self) == 0;
    rla_ctx_set_verbosity(self, 0);
    ok &= ok && write_sparse_problems(self, "one") == 0;
    for (int i = 0; ok && i < 5; i++) {
      char p[64], q[64], pp[2048];
      snprintf(p, sizeof(p), "sparse-all-%s", names[i]);
      snprintf(q, sizeof(q), "sparse-one-%s", names[i]);
      snprintf(pp, sizeof(pp), "%s", rla_test_path(p));
      ok &= same_files(pp, rla_test_path(q));
    }
    rla_ctx_destroy(&self);
  }
  RLA_ASSERT_ALL(ok);
}

static void test_sparse_errors(void)
{
  rla_sparse_lsq_spec sp = {50, 10, 3, 2, 10, 1, 1};
  rla_smat A = NULL;
  rla_dmat b = NULL, x = NULL;
  double sigma[4] = {1, 0.5, 0.25, 0.125}, bad[3] = {1, 2, 0.5};
  int64_t nnz;
  sp.nnz_per_row = 11;
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "[1, n] = [1, 10], got 11");
  sp.nnz_per_row = 0;
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "nonzeros per row");
  sp.nnz_per_row = 3;
  sp.dense_rows = -1;
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "dense rows must be >= 0");
  sp.dense_rows = 41;
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "m >= n + dense rows");
  sp.dense_rows = 39;
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "one pair of equal rows");
  sp.dense_rows = 2;
  sp.cond = 0.5;
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "finite and >= 1");
  sp.cond = NAN;
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "finite and >= 1");
  sp.cond = 10;
  sp.residual_norm = -1;
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "residual norm");
  sp = (rla_sparse_lsq_spec){50, 1, 1, 0, 10, 1, 1};
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "single column");
  sp = (rla_sparse_lsq_spec){5, 10, 1, 0, 10, 1, 1};
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_ARG,
                   "m >= n + dense rows");
  sp = (rla_sparse_lsq_spec){(int64_t)1 << 40, 10, 1, 0, 10, 1, 1};
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, &b, &x, NULL), RLA_ERR_UNSUPPORTED,
                   "at most 2^31 - 1");
  RLA_ASSERT_FAILS(rla_gen_sparse_lsq(rla_test_ctx, &sp, &A, NULL, &x, NULL), RLA_ERR_ARG,
                   "null argument");
  RLA_ASSERT_ALL(A == NULL && b == NULL && x == NULL);
  RLA_ASSERT_FAILS(rla_gen_sparse_svd(rla_test_ctx, 10, 4, 5, 4, sigma, 1, &A), RLA_ERR_ARG,
                   "block size must be in [1, min(m, n)] = [1, 4], got 5");
  RLA_ASSERT_FAILS(rla_gen_sparse_svd(rla_test_ctx, 10, 4, 0, 4, sigma, 1, &A), RLA_ERR_ARG,
                   "block size");
  RLA_ASSERT_FAILS(rla_gen_sparse_svd(rla_test_ctx, 10, 3, 2, 4, sigma, 1, &A), RLA_ERR_ARG,
                   "[1, min(m, n)] = [1, 3], got 4");
  RLA_ASSERT_FAILS(rla_gen_sparse_svd(rla_test_ctx, 10, 3, 2, 3, bad, 1, &A), RLA_ERR_ARG,
                   "non-increasing");
  RLA_ASSERT_FAILS(rla_gen_sparse_svd(rla_test_ctx, 0, 3, 2, 3, sigma, 1, &A), RLA_ERR_ARG,
                   "must be positive");
  RLA_ASSERT_FAILS(rla_gen_sparse_svd(rla_test_ctx, 10, 4, 2, 4, NULL, 1, &A), RLA_ERR_ARG,
                   "null sigma");
  RLA_ASSERT_FAILS(rla_gen_sparse_svd_nnz(rla_test_ctx, 10, 4, 9, 4, &nnz), RLA_ERR_ARG,
                   "block size");
  RLA_ASSERT_ALL(A == NULL);
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("gen", NULL, NULL);
  CU_add_test(s, "spectrum kinds", test_spectrum_kinds);
  CU_add_test(s, "spectrum errors", test_spectrum_errors);
  CU_add_test(s, "orthonormalize: CholeskyQR2, Householder fallback", test_orthonormalize);
  CU_add_test(s, "svd: exact singular values, orthonormal factors", test_svd_exact);
  CU_add_test(s, "svd: spectrum over 14 decades, absolute bound", test_svd_wide_range);
  CU_add_test(s, "svd: provoked errors", test_svd_errors);
  CU_add_test(s, "lsq: known solution, residual, condition", test_lsq_known_solution);
  CU_add_test(s, "lsq: provoked errors", test_lsq_errors);
  CU_add_test(s, "same seed, same problem on P ranks and on one", test_reproducible);
  CU_add_test(s, "collection: shapes, widths, memberships", test_collection_shapes);
  CU_add_test(s, "collection: numerical rank dim per subspace", test_collection_low_rank);
  CU_add_test(s, "collection: bitwise the same on P ranks and on one",
              test_collection_reproducible);
  CU_add_test(s, "collection: written files, manifest, truth", test_collection_write);
  CU_add_test(s, "collection: provoked errors", test_collection_errors);
  CU_add_test(s, "sparse lsq: A^T r = 0 exactly, b = A x + r, rank", test_sparse_lsq);
  CU_add_test(s, "sparse svd: singular values as prescribed", test_sparse_svd);
  CU_add_test(s, "sparse: the same files on P ranks and on one", test_sparse_reproducible);
  CU_add_test(s, "sparse: provoked errors", test_sparse_errors);
}
