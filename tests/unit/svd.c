/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of the randomized SVD on matrices with exactly known singular values: exact low rank,
   polynomial decay against the HMT bound, orthogonality, tolerance mode against the optimal
   rank, interlacing, independence of the rank count, shapes and layouts, the guarded
   orthonormalization, the metrics, a matrix-free operator (fixed rank and tolerance), the
   allocation-free compute of a plan, the reseeded sketch of the QB blocks against per-block
   setups, the PDGESVD baseline, the metrics of a sparse operator against those of its dense
   copy and on a planted case with known residuals, and provoked errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "harness.h"
#include "rla/rng.h"
#include "rla/svd.h"
#include "../../src/svd/svd_impl.h"

/* Rounding bounds of this file: worst cases, valid for every BLAS kernel and summation order
   (u = eps / 2 the unit roundoff, gamma_j = j u; Higham, Accuracy and Stability of Numerical
   Algorithms, 2nd ed., "ASNA").

   orth_tol(m, K) bounds ||Q^T Q - I|| for an m x K factor. CholeskyQR2, and the CholeskyQR2 that
   finishes shifted CholeskyQR3: ||Q^T Q - I||_F <= 6 (m K + K (K + 1)) u (Yamamoto, Nakatsukasa,
   Yanagisawa, Fukaya, ETNA 44, 2015, Sec. 3; Fukaya et al., SISC 42(1), 2020). TSQR and LAPACK's
   Householder QR: ||dQ||_F <= sqrt(K) gamma~_{mK} per Householder QR (ASNA Thm 19.4), with
   gamma~_{mK} taken as 2 m K u; two stacked QRs lose up to 4 sqrt(K) m K eps. U = Q U~ with the
   K x K factor of dgesdd, and the DSYRK that measures the loss, add at most (m + K^2) eps. */
static double orth_tol(int64_t m, int64_t K)
{
  double k = (double)K;
  return (4.0 * sqrt(k) * ((double)m * k + k * (k + 1)) + (double)m + k * k) * RLA_EPS;
}

/* svd_bwd(m, n, K): backward error of the randomized SVD with a basis of K columns, relative to
   ||A||_F: the computed sigma, U, V are the exact truncated SVD of Q^T (A + E) with ||E||_F <=
   svd_bwd ||A||_F, and when A has exact rank <= K, Q spans the range of A + E. Terms, with
   M = max(m, n): the last products with A and A^T, gamma_M ||A||_F ||Q||_F <= M sqrt(K) u ||A||_F
   each; the QR of the last Y and of B^T, each at most the CholeskyQR2 residual 5 K^2 sqrt(K) u
   ||X||_2 (Yamamoto et al., Sec. 3) or the TSQR one 2 sqrt(K) gamma~_{MK} ||X||_F = 4 sqrt(K) M K u
   ||X||_F; the K x K dgesdd, p(K) u ||R_B||_2 with p(K) taken as K^2 (LAPACK Users' Guide, Sec.
   4.9: a modestly growing function); U = Q U~ and V = Q_B W~, gamma_K sqrt(K) each. The sum is
   below 13 sqrt(K) (M + K) K u = 6.5 sqrt(K) (M + K) K eps. */
static double svd_bwd(int64_t m, int64_t n, int64_t K)
{
  double k = (double)K;
  return 6.5 * sqrt(k) * ((double)(m > n ? m : n) + k) * k * RLA_EPS;
}

/* Error of the energy identity ||A - U S V^T||_F^2 = ||A||_F^2 - sum_i sigma_i^2 as evaluated,
   relative to ||A||_F^2: U^T A V = S + D with ||D||_F <= (svd_bwd + orth_tol(m, K) +
   orth_tol(n, K)) ||A||_F, which moves -2 tr(S D) by twice that; the loss of orthogonality of U
   and V moves ||U S V^T||_F^2 by (orth_tol(m, K) + orth_tol(n, K)) ||A||_F^2; ||A||_F^2, a sum of
   m n squares, carries gamma_{mn}; the compensated sum of sigma_i^2 carries 2 eps. */
static double energy_err(int64_t m, int64_t n, int64_t K)
{
  return 2.0 * svd_bwd(m, n, K) + 3.0 * (orth_tol(m, K) + orth_tol(n, K)) +
         ((double)(m * n) + 2.0) * RLA_EPS;
}

/* The test matrices A = U0 diag(sigma) V0^T of build_full: U0 and V0 come from Householder QR, so
   sigma_i(A) = sigma_i (1 + delta) with |delta| <= mat_rel (half their loss of orthogonality),
   and the DGEMM adds at most gamma_r ||U0 S||_F ||V0||_F <= mat_abs ||A||_F. */
static double mat_rel(int64_t m, int64_t n, int64_t r)
{
  return (orth_tol(m, r) + orth_tol(n, r)) / 2;
}

static double mat_abs(int64_t r) { return pow((double)r, 1.5) * RLA_EPS / 2; }

/* HMT (Halko, Martinsson, Tropp, SIAM Review 53(2), 2011) for a Gaussian test matrix with
   k + p columns and q power iterations: Thm 10.8 (p >= 4, t = e, u = 4) applied to (A A^T)^q A,
   whose singular values are sigma^(2q+1), then Prop. 8.6 (||(I - P_Y) A|| <= ||(I - P_Y)
   (A A^T)^q A||^(1/(2q+1))) and Thm 9.3 (the truncation to rank k adds sigma_{k+1}). Failure
   probability at most 2 e^-p + e^-8. */
static double hmt_bound(int64_t r, const double *sigma, int64_t k, int64_t p, int64_t q)
{
  const double e = exp(1.0), t = e, u = 4.0, c = e * sqrt((double)(k + p)) / (double)(p + 1);
  double s1 = pow(sigma[k], (double)(2 * q + 1)), tail = 0.0;
  for (int64_t j = k; j < r; j++)
    tail += pow(sigma[j], (double)(4 * q + 2));
  return sigma[k] + pow((1 + t * sqrt(3.0 * (double)k / (double)(p + 1))) * s1 +
                            t * c * sqrt(tail) + u * t * c * s1,
                        1.0 / (double)(2 * q + 1));
}

/* Column-major m x r matrix with orthonormal columns: Q of the QR of a Gaussian matrix. */
static void orthonormal(int64_t m, int64_t r, uint64_t seed, double *q)
{
  double *tau = malloc(sizeof(double) * (size_t)r);
  double *row = malloc(sizeof(double) * (size_t)r);
  for (int64_t i = 0; i < m; i++) {
    rla_rng_gaussian(rla_rng_make(seed, RLA_RNG_USER), (uint64_t)i, 0, (size_t)r, row);
    for (int64_t j = 0; j < r; j++)
      q[i + j * m] = row[j];
  }
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)m, (int)r, q, (int)m, tau);
  LAPACKE_dorgqr(LAPACK_COL_MAJOR, (int)m, (int)r, (int)r, q, (int)m, tau);
  free(tau);
  free(row);
}

/* full (m x n, column-major) = U0 diag(sigma) V0^T with r = number of sigma, U0 and V0 random
   orthonormal. Local (call it on the rank that needs it). */
static void build_full(int64_t m, int64_t n, int64_t r, const double *sigma, uint64_t seed,
                       double *full)
{
  double *u = malloc(sizeof(double) * (size_t)(m * r)),
         *v = malloc(sizeof(double) * (size_t)(n * r));
  orthonormal(m, r, seed, u);
  orthonormal(n, r, seed + 1000, v);
  for (int64_t j = 0; j < r; j++)
    cblas_dscal((int)m, sigma[j], u + j * m, 1);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)r, 1.0, u, (int)m, v,
              (int)n, 0.0, full, (int)m);
  free(u);
  free(v);
}

enum { ROWBLOCK, ROWBLOCK_GAPPED, CYCLIC };

/* The matrix of build_full, made on rank 0 and scattered into the layout: ROWBLOCK (even
   split), ROWBLOCK_GAPPED (row block ceil(m/2) or more, so that at 3 ranks the last holds no
   rows), CYCLIC (blocks 8 x 5). full (may be NULL) receives the matrix on every rank. */
static rla_dmat make_matrix(rla_ctx ctx, int64_t m, int64_t n, int64_t r, const double *sigma,
                            uint64_t seed, int layout, double *full)
{
  rla_dmat A = NULL;
  int p = rla_ctx_size(ctx);
  double *buf = full ? full : malloc(sizeof(double) * (size_t)(m * n));
  if (rla_ctx_rank(ctx) == 0) build_full(m, n, r, sigma, seed, buf);
  if (layout == CYCLIC)
    RLA_ASSERT_OK(rla_dmat_create_cyclic(ctx, m, n, 8, 5, &A));
  else {
    int64_t mb = (m + p - 1) / p, half = (m + 1) / 2;
    RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, m, n,
                                           layout == ROWBLOCK_GAPPED && half > mb ? half : mb, &A));
  }
  RLA_ASSERT_OK(rla_dmat_scatter(A, 0, buf));
  if (full)
    MPI_Bcast(full, (int)(m * n), MPI_DOUBLE, 0, rla_ctx_comm(ctx));
  else
    free(buf);
  return A;
}

static rla_svd make_svd(rla_ctx ctx, int64_t k, double tol, int64_t p, int64_t q,
                        rla_sketch_type type)
{
  rla_svd S = NULL;
  RLA_ASSERT_OK(rla_svd_create(ctx, &S));
  if (k > 0) RLA_ASSERT_OK(rla_svd_set_rank(S, k));
  if (tol > 0) RLA_ASSERT_OK(rla_svd_set_tol(S, tol));
  RLA_ASSERT_OK(rla_svd_set_oversample(S, p));
  RLA_ASSERT_OK(rla_svd_set_power(S, q));
  RLA_ASSERT_OK(rla_svd_set_sketch_type(S, type));
  RLA_ASSERT_OK(rla_svd_set_seed(S, 7));
  RLA_ASSERT_OK(rla_svd_setup(S));
  return S;
}

/* ||full - U diag(sigma) V^T||_2 and _F exactly (LAPACK on the gathered residual), on every
   rank. */
static void exact_residual(const double *full, int64_t m, int64_t n, int64_t k, const double *sigma,
                           rla_dmat U, rla_dmat V, double *two, double *fro)
{
  double *u = malloc(sizeof(double) * (size_t)(m * k)),
         *v = malloc(sizeof(double) * (size_t)(n * k));
  double *e = malloc(sizeof(double) * (size_t)(m * n)),
         *s = malloc(sizeof(double) * (size_t)(m < n ? m : n));
  double out[2];
  RLA_ASSERT_OK(rla_dmat_gather(U, 0, u));
  RLA_ASSERT_OK(rla_dmat_gather(V, 0, v));
  if (rla_ctx_rank(rla_test_ctx) == 0) {
    memcpy(e, full, sizeof(double) * (size_t)(m * n));
    for (int64_t j = 0; j < k; j++)
      cblas_dscal((int)m, sigma[j], u + j * m, 1);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, -1.0, u, (int)m, v,
                (int)n, 1.0, e, (int)m);
    out[1] = LAPACKE_dlange(LAPACK_COL_MAJOR, 'F', (int)m, (int)n, e, (int)m);
    LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (int)m, (int)n, e, (int)m, s, NULL, 1, NULL, 1);
    out[0] = s[0];
  }
  MPI_Bcast(out, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  *two = out[0];
  *fro = out[1];
  free(u);
  free(v);
  free(e);
  free(s);
}

/* max |(Q^T Q - I)_ij| of a row-block Q, computed from the gathered matrix. */
static double orth_loss(rla_dmat Q)
{
  int64_t m, k;
  double *q, worst = 0.0;
  rla_dmat_sizes(Q, &m, &k);
  q = malloc(sizeof(double) * (size_t)(m * k > 0 ? m * k : 1));
  RLA_ASSERT_OK(rla_dmat_gather(Q, -1, q));
  for (int64_t i = 0; i < k; i++)
    for (int64_t j = 0; j < k; j++) {
      double d = fabs(cblas_ddot((int)m, q + i * m, 1, q + j * m, 1) - (i == j));
      if (d > worst) worst = d;
    }
  free(q);
  return worst;
}

/* Exactly rank 10: the range finder captures the whole range, so sigma is exact up to rounding.
   By Weyl, |sigma_i - s_i| <= (svd_bwd + mat_abs) ||A||_F + mat_rel sigma_i: relative error at
   most that over sigma_10 = 1e-3 sigma_1 (about 2e-8 here). The basis Y = A Omega^T of 20 columns
   has rank 10 up to rounding, kappa(Y) ~ 1/eps, far past the guard's limit 1 / (8 sqrt((m l +
   l (l + 1)) eps)) = 1.4e5 (src/svd/orth.c), so the guarded QR must leave CholeskyQR2. */
static void test_exact_low_rank(void)
{
  const int64_t m = 150, n = 90, r = 10, k = 10;
  const rla_sketch_type types[] = {RLA_SKETCH_SRHT, RLA_SKETCH_GAUSSIAN};
  double sigma[10];
  for (int i = 0; i < r; i++)
    sigma[i] = pow(10.0, -i / 3.0);
  for (int t = 0; t < 2; t++) {
    rla_dmat A = make_matrix(rla_test_ctx, m, n, r, sigma, 11, ROWBLOCK, NULL), U, V;
    rla_svd S = make_svd(rla_test_ctx, k, 0, 10, 2, types[t]);
    const double *s;
    double lu, lv;
    int64_t kk;
    rla_svd_info info;
    RLA_ASSERT_OK(rla_svd_compute(S, A));
    RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, &kk));
    RLA_ASSERT_OK(rla_svd_get_info(S, &info));
    RLA_ASSERT_OK(rla_svd_get_u(S, &U));
    RLA_ASSERT_OK(rla_svd_get_v(S, &V));
    const double res = svd_bwd(m, n, 20) + orth_tol(m, 20) + mat_abs(r);
    RLA_ASSERT_ALL(kk == k && info.rank == k && info.basis_size == 20);
    RLA_ASSERT_ALL(rla_svd_sigma_error_max(k, s, sigma) <=
                   (svd_bwd(m, n, 20) + mat_abs(r)) * info.norm_fro / sigma[k - 1] +
                       mat_rel(m, n, r));
    RLA_ASSERT_ALL(info.qr_shifted + info.qr_tsqr > 0);
    RLA_ASSERT_ALL(info.orth_loss_u <= orth_tol(m, 20) && info.orth_loss_v <= orth_tol(n, 20));
    lu = orth_loss(U); /* collective: called on every rank, outside the assertion */
    lv = orth_loss(V);
    RLA_ASSERT_ALL(lu <= orth_tol(m, 20) && lv <= orth_tol(n, 20));
    /* the residual of a rank-k fit of a rank-k matrix is rounding, at most res ||A||_F (see
       test_shapes_layouts); the estimate's square adds the error of the energy identity
       (about 1e-5 in all, against 9e-4 = sigma_10 / ||A||_F if the range were missed) */
    RLA_ASSERT_ALL(info.error_estimate <= sqrt(energy_err(m, n, 20) + res * res));
    rla_svd_destroy(&S);
    RLA_ASSERT_ALL(S == NULL);
    rla_dmat_destroy(&A);
  }
}

/* sigma_i = 1/i, k = 20, p = 10, q = 2: the spectral error is held to the HMT deviation bound
   for a Gaussian test matrix (hmt_bound: 2.95 sigma_{k+1} here, failure probability 4e-4): a
   probability bound for the fixed seed, which the block SRHT used here is asked to meet (its own
   bounds need l in the thousands; the measured error is 1.0005 sigma_{k+1}, and rounding moves it
   by O(eps)). Also: interlacing sigma_i(B) <= sigma_i(A) up to rounding (Weyl with the backward
   error svd_bwd, the scaling of Q^T by ||Q||_2 <= 1 + orth_tol / 2, and the perturbation of the
   test matrix), and the metrics against the exact residual. */
static void test_polynomial_decay(void)
{
  const int64_t m = 300, n = 200, r = 200, k = 20;
  double *sigma = malloc(sizeof(double) * r), *full = malloc(sizeof(double) * m * n);
  double two, fro, est, fro2, *res = malloc(sizeof(double) * k), nf, above, bound;
  rla_dmat A, U, V;
  rla_svd S;
  const double *s;
  int ok = 1;
  rla_svd_info info;
  for (int i = 0; i < r; i++)
    sigma[i] = 1.0 / (i + 1);
  A = make_matrix(rla_test_ctx, m, n, r, sigma, 21, ROWBLOCK, full);
  S = make_svd(rla_test_ctx, k, 0, 10, 2, RLA_SKETCH_SRHT);
  RLA_ASSERT_OK(rla_svd_compute(S, A));
  RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, NULL));
  RLA_ASSERT_OK(rla_svd_get_u(S, &U));
  RLA_ASSERT_OK(rla_svd_get_v(S, &V));
  RLA_ASSERT_OK(rla_svd_get_info(S, &info));
  exact_residual(full, m, n, k, s, U, V, &two, &fro);
  nf = info.norm_fro;
  RLA_ASSERT_ALL(info.basis_size == 30 && two <= hmt_bound(r, sigma, k, 10, 2));
  /* s_i <= (1 + orth_tol / 2) (sigma_i (1 + mat_rel) + (svd_bwd + mat_abs) ||A||_F) */
  above = (svd_bwd(m, n, 30) + mat_abs(r)) * nf;
  for (int i = 0; i < k; i++)
    ok &= s[i] <= (sigma[i] * (1 + mat_rel(m, n, r)) + above) * (1 + orth_tol(m, 30) / 2);
  RLA_ASSERT_ALL(ok);
  RLA_ASSERT_ALL(info.orth_loss_u <= orth_tol(m, 30) && info.orth_loss_v <= orth_tol(n, 30));
  /* sigma_{k+1}(B) is a lower bound on sigma_{k+1}(A), up to the same rounding */
  RLA_ASSERT_ALL(info.sigma_next > 0 &&
                 info.sigma_next <=
                     (sigma[k] * (1 + mat_rel(m, n, r)) + above) * (1 + orth_tol(m, 30) / 2));
  /* the error estimate is the Frobenius residual up to rounding: |a - b| <= |a^2 - b^2| / b with
     the energy identity's error, and the DGEMM of exact_residual, gamma_k ||U S||_F ||V||_F <=
     k^(3/2) u ||A||_F, twice over b (3.3e-9 in all, against b = 0.21) */
  RLA_ASSERT_ALL(fabs(info.error_estimate * nf - fro) <=
                 (energy_err(m, n, 30) * nf * nf + pow(k, 1.5) * RLA_EPS * nf * fro) / fro);
  /* the library's Frobenius residual and exact_residual's: the same products summed in another
     order, gamma_k ||U S||_F ||V||_F <= k^(3/2) u ||A||_F each, and a sum of m n squares each,
     gamma_{mn} relative */
  RLA_ASSERT_OK(rla_svd_residual_norm_fro(A, k, s, U, V, &fro2));
  RLA_ASSERT_ALL(fabs(fro2 - fro) <= pow(k, 1.5) * RLA_EPS * nf + (double)(m * n) * RLA_EPS * fro);
  /* The power estimate is a lower bound on ||E||_2 up to rounding: E x is evaluated with
     gamma_{n+k} and gamma_{m+k} errors and dgesdd's two carries p(m, n) u ||E||_2, p taken as m n.
     From below: the power method on E^T E (n = 200) with a random start has relative error
     eps_r >= 0.19 in sigma_1^2 (est < 0.9 ||E||_2) with probability at most 0.824 sqrt(n)
     (1 - eps_r)^(k - 1/2) = 4e-4 for k = 49 steps or more (Kuczynski, Wozniakowski, SIMAX
     13(4), 1992): a probability bound for the fixed seed. */
  RLA_ASSERT_OK(rla_svd_residual_norm2_estimate(A, k, s, U, V, 50, 5, &est));
  RLA_ASSERT_ALL(est <= two * (1 + (double)(m * n) * RLA_EPS) +
                            (double)(m + n + k * k) * RLA_EPS * nf &&
                 est >= 0.9 * two);
  /* per-triplet residuals: ||A v_i - sigma_i u_i|| <= ||A - U S V^T||_2 (A v_i - s_i u_i =
     E v_i since U S V^T v_i = s_i u_i), up to rounding: A v_i with gamma_n ||A||_F, V^T v_i =
     e_i only to sqrt(k) orth_tol(n, K) (times s_1), two as above */
  RLA_ASSERT_OK(rla_svd_triplet_residuals(A, k, s, U, V, res));
  bound = two * (1 + (double)(m * n) * RLA_EPS) + (double)(n + k * k) * RLA_EPS * nf +
          sqrt(k) * orth_tol(n, 30) * s[0];
  for (int i = 0; i < k; i++)
    ok &= res[i] <= bound;
  RLA_ASSERT_ALL(ok);
  rla_svd_destroy(&S);
  rla_dmat_destroy(&A);
  free(sigma);
  free(full);
  free(res);
}

/* Optimal rank for a relative Frobenius tolerance: smallest r with sum_{i>r} s_i^2 <= tol^2
   ||A||_F^2. */
static int64_t optimal_rank(int64_t r, const double *sigma, double tol)
{
  double total = 0.0, tail = 0.0;
  for (int64_t i = 0; i < r; i++)
    total += sigma[i] * sigma[i];
  for (int64_t i = r; i > 0; i--) {
    tail += sigma[i - 1] * sigma[i - 1];
    if (tail > tol * tol * total) return i;
  }
  return 0;
}

/* Tolerance mode meets tol on the actual residual. The residual may exceed tol by the rounding
   of the energy identity: at most sqrt(tol^2 + 10 eps), the constant c <= 10 the floor of
   src/svd/svd.c is derived from. That c is the library's estimate of typical rounding, not a
   worst case (energy_err is about 1e-9 here, above tol_min^2 = 1.4e-14), so this checks the
   library's documented floor; the residual is decided by the rank, which rounding moves only
   for c > 16 (below).
   The rank: at least the optimal one, since sigma_i(B) <= sigma_i(A) (interlacing) leaves at
   least as much energy uncaptured at every rank; rounding could lower it only if the energy of
   rank ropt - 1 were within c eps ||A||_F^2 of tol^2 ||A||_F^2, and these spectra keep it 16 eps
   or more away (at the floor: 10^(-55/4) = 1.25 tol^2). At most 1.2x optimal: a requirement on
   the method at this fixed seed, not a theorem (measured: the optimal rank in all three). */
static void test_tolerance(void)
{
  const int64_t m = 260, n = 200, r = 200;
  const double tols[] = {0.1, 2e-3, 1e-12};
  double *sigma = malloc(sizeof(double) * r), *full = malloc(sizeof(double) * m * n);
  for (int t = 0; t < 3; t++) {
    double tol = tols[t], two, fro, used;
    int64_t ropt;
    rla_dmat A, U, V;
    rla_svd S;
    rla_svd_info info;
    const double *s;
    for (int i = 0; i < r; i++)
      sigma[i] = t == 0 ? 1.0 / (i + 1) : pow(10.0, -i / 8.0);
    A = make_matrix(rla_test_ctx, m, n, r, sigma, 31 + t, t == 1 ? CYCLIC : ROWBLOCK, full);
    S = make_svd(rla_test_ctx, 0, tol, 10, 2, RLA_SKETCH_SRHT);
    RLA_ASSERT_OK(rla_svd_set_block(S, 16));
    RLA_ASSERT_OK(rla_svd_setup(S));
    RLA_ASSERT_OK(rla_svd_compute(S, A));
    RLA_ASSERT_OK(rla_svd_get_info(S, &info));
    RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, NULL));
    RLA_ASSERT_OK(rla_svd_get_u(S, &U));
    RLA_ASSERT_OK(rla_svd_get_v(S, &V));
    used = tol < rla_svd_tol_min() ? rla_svd_tol_min() : tol;
    RLA_ASSERT_ALL(info.tolerance_mode && info.tol_met && info.tol == used);
    RLA_ASSERT_ALL(info.clamped == (tol < rla_svd_tol_min()));
    exact_residual(full, m, n, info.rank, s, U, V, &two, &fro);
    ropt = optimal_rank(r, sigma, used);
    RLA_ASSERT_ALL(fro <= sqrt(used * used + 10 * RLA_EPS) * info.norm_fro);
    RLA_ASSERT_ALL(info.rank >= ropt && info.rank <= 1.2 * ropt);
    /* the estimate is sqrt(e) / ||A||_F with e <= tol^2 ||A||_F^2 as computed: the square, the
       product, the root and the quotient each round, at most 2 eps above tol in all */
    RLA_ASSERT_ALL(info.error_estimate <= used * (1 + 2 * RLA_EPS) && info.basis_size % 16 == 0);
    RLA_ASSERT_ALL(info.orth_loss_u <= orth_tol(m, info.basis_size) &&
                   info.orth_loss_v <= orth_tol(n, info.basis_size));
    rla_svd_destroy(&S);
    rla_dmat_destroy(&A);
  }
  free(sigma);
  free(full);
}

/* A cap on the rank stops the growth and reports that tol is not met: by Eckart-Young any
   rank-12 fit of this A leaves at least sqrt(sum_{i>12} i^-2) / ||A||_F = 0.2 >> 1e-3. */
static void test_max_rank(void)
{
  const int64_t m = 100, n = 80, r = 80;
  double sigma[80];
  rla_svd_info info;
  rla_dmat A;
  rla_svd S;
  for (int i = 0; i < r; i++)
    sigma[i] = 1.0 / (i + 1);
  A = make_matrix(rla_test_ctx, m, n, r, sigma, 41, ROWBLOCK, NULL);
  S = make_svd(rla_test_ctx, 0, 1e-3, 10, 1, RLA_SKETCH_GAUSSIAN);
  RLA_ASSERT_OK(rla_svd_set_max_rank(S, 12));
  RLA_ASSERT_OK(rla_svd_set_block(S, 5));
  RLA_ASSERT_OK(rla_svd_setup(S));
  RLA_ASSERT_OK(rla_svd_compute(S, A));
  RLA_ASSERT_OK(rla_svd_get_info(S, &info));
  RLA_ASSERT_ALL(!info.tol_met && info.rank == 12 && info.basis_size == 12 && info.blocks == 3);
  RLA_ASSERT_ALL(info.error_estimate > 1e-3);
  rla_svd_destroy(&S);
  rla_dmat_destroy(&A);
}

/* Shapes x layouts on an exactly rank-6 matrix: sigma to rounding (see test_exact_low_rank),
   orthonormal factors, and a residual at rounding level: A - U S V^T = (I - Q Q^T) A - Q Q^T E
   up to the loss of orthogonality of Q, so at most (2 svd_bwd + orth_tol + mat_abs) ||A||_F,
   plus exact_residual's DGEMM, k^(3/2) u ||A||_F. Includes ranks holding no rows (gapped row
   blocks, and n = 2 splits over 3 ranks) and the transposed path of cyclic wide input. */
static void test_shapes_layouts(void)
{
  const int64_t shapes[][2] = {{151, 40}, {40, 151}, {73, 73}, {120, 2}};
  double sigma[6] = {3.0, 2.0, 1.5, 1.0, 0.5, 0.25};
  for (int s = 0; s < 4; s++)
    for (int layout = ROWBLOCK; layout <= CYCLIC; layout++) {
      int64_t m = shapes[s][0], n = shapes[s][1], r = n < 6 ? n : 6, mn = m < n ? m : n;
      int64_t K = r + 4 < mn ? r + 4 : mn; /* basis: k + p */
      double *full = malloc(sizeof(double) * (size_t)(m * n)), two, fro, lu, lv;
      rla_dmat A = make_matrix(rla_test_ctx, m, n, r, sigma, 51 + s, layout, full), U, V;
      rla_svd S = make_svd(rla_test_ctx, r, 0, 4, 1, RLA_SKETCH_SRHT);
      rla_svd_info info;
      const double *sv;
      int64_t um, uk, vn, vk;
      RLA_ASSERT_OK(rla_svd_compute(S, A));
      RLA_ASSERT_OK(rla_svd_get_info(S, &info));
      RLA_ASSERT_OK(rla_svd_get_sigma(S, &sv, NULL));
      RLA_ASSERT_OK(rla_svd_get_u(S, &U));
      RLA_ASSERT_OK(rla_svd_get_v(S, &V));
      rla_dmat_sizes(U, &um, &uk);
      rla_dmat_sizes(V, &vn, &vk);
      RLA_ASSERT_ALL(um == m && vn == n && uk == r && vk == r && info.basis_size == K);
      RLA_ASSERT_ALL(info.transposed == (layout == CYCLIC && m < n));
      RLA_ASSERT_ALL(rla_svd_sigma_error_max(r, sv, sigma) <=
                     (svd_bwd(m, n, K) + mat_abs(r)) * info.norm_fro / sigma[r - 1] +
                         mat_rel(m, n, r));
      lu = orth_loss(U); /* collective: called on every rank, outside the assertion */
      lv = orth_loss(V);
      RLA_ASSERT_ALL(lu <= orth_tol(m, K) && lv <= orth_tol(n, K));
      exact_residual(full, m, n, r, sv, U, V, &two, &fro);
      RLA_ASSERT_ALL(fro <= (2 * svd_bwd(m, n, K) + orth_tol(m > n ? m : n, K) + mat_abs(r) +
                             pow((double)r, 1.5) * RLA_EPS) *
                                info.norm_fro);
      rla_svd_destroy(&S);
      rla_dmat_destroy(&A);
      free(full);
    }
}

/* The same problem on all ranks and on rank 0 alone (MPI_COMM_SELF): the sketch does not depend
   on the rank count, so the results differ by rounding only: each run is the exact method, with
   the same Omega, on A + E_p, ||E_p||_F <= svd_bwd ||A||_F. By Weyl the sigma differ by at most
   2 svd_bwd ||A||_F (relative to sigma_8, about 5e-10); by Wedin the u_i turn by at most
   2 svd_bwd ||A||_F / gap, gap = sigma_8 - sigma_9 = 0.3 sigma_8 the smallest, so 1 - |<u_i, u_i'>|
   <= that squared plus the loss of orthogonality of both (1e-11 here). */
static void test_rank_independence(void)
{
  const int64_t m = 130, n = 70, r = 70, k = 8;
  double sigma[70], *full = malloc(sizeof(double) * m * n), *u = malloc(sizeof(double) * m * k);
  double *u1 = malloc(sizeof(double) * m * k), s1[8], worst_s = 0.0, worst_u = 0.0;
  rla_dmat A, U;
  rla_svd S;
  const double *s;
  for (int i = 0; i < r; i++)
    sigma[i] = pow(0.7, i);
  A = make_matrix(rla_test_ctx, m, n, r, sigma, 61, ROWBLOCK, full);
  S = make_svd(rla_test_ctx, k, 0, 10, 2, RLA_SKETCH_SRHT);
  RLA_ASSERT_OK(rla_svd_compute(S, A));
  RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, NULL));
  RLA_ASSERT_OK(rla_svd_get_u(S, &U));
  RLA_ASSERT_OK(rla_dmat_gather(U, -1, u));
  if (rla_ctx_rank(rla_test_ctx) == 0) {
    rla_ctx self = NULL;
    rla_dmat A1 = NULL, U1;
    rla_svd S1 = NULL;
    const double *sv;
    int bad = rla_ctx_create(MPI_COMM_SELF, &self);
    if (!bad) rla_ctx_set_verbosity(self, 0);
    if (!bad) bad = rla_dmat_create_rowblock(self, m, n, 0, &A1);
    if (!bad) bad = rla_dmat_scatter(A1, 0, full);
    if (!bad) bad = rla_svd_create(self, &S1);
    if (!bad) bad = rla_svd_set_rank(S1, k) || rla_svd_set_seed(S1, 7) || rla_svd_setup(S1);
    if (!bad) bad = rla_svd_compute(S1, A1);
    if (!bad) bad = rla_svd_get_sigma(S1, &sv, NULL) || rla_svd_get_u(S1, &U1);
    if (!bad) bad = rla_dmat_gather(U1, 0, u1);
    if (!bad)
      memcpy(s1, sv, sizeof(s1));
    else
      worst_s = worst_u = 1.0;
    rla_svd_destroy(&S1);
    rla_dmat_destroy(&A1);
    rla_ctx_destroy(&self);
    for (int i = 0; i < k && !bad; i++) {
      double d = fabs(s[i] - s1[i]) / s1[i],
             c = fabs(cblas_ddot((int)m, u + i * m, 1, u1 + i * m, 1));
      if (d > worst_s) worst_s = d;
      if (1.0 - c > worst_u) worst_u = 1.0 - c;
    }
  }
  MPI_Bcast(&worst_s, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Bcast(&worst_u, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  {
    double nf = 0.0, turn;
    for (int i = 0; i < r; i++)
      nf += sigma[i] * sigma[i];
    nf = sqrt(nf);
    turn = 2 * svd_bwd(m, n, k + 10) * nf / (sigma[k - 1] - sigma[k]);
    RLA_ASSERT_ALL(worst_s <= 2 * svd_bwd(m, n, k + 10) * nf / sigma[k - 1] &&
                   worst_u <= turn * turn + orth_tol(m, k + 10));
  }
  rla_svd_destroy(&S);
  rla_dmat_destroy(&A);
  free(full);
  free(u);
  free(u1);
}

/* The guarded orthonormalization on distributed tall matrices (uneven rows, and at 3 ranks a
   rank with none): CholeskyQR2 on a well-conditioned X, shifted CholeskyQR3 at kappa ~ 1e10,
   TSQR on an exactly rank-deficient and on a zero X. The guard accepts a pass when the dtrcon
   estimate of kappa is at most 1 / (8 sqrt((m l + l (l + 1)) eps)) = 3.8e5: kappa = 7 passes;
   1e10 fails, and after the shift (s = 11 (m l + l (l + 1)) eps ||X||_F^2) the basis has kappa
   about sqrt(s) / sigma_7 ~ 1e4 (sigma_1 = 1), which passes (even at l times that in the 1-norm);
   rank 4 and zero fail both. Every path must give ||Q^T Q - I|| <= orth_tol(m, l), and X = Q R
   to rounding: per CholeskyQR pass 5 l^2 sqrt(l) u ||X||_2 (Yamamoto et al.), three passes for
   shifted CholeskyQR3; TSQR 2 sqrt(l) gamma~_{ml} ||X||_F = 4 sqrt(l) m l u ||X||_F; the DTRMM
   here, gamma_l ||Q||_F ||R||_F = l^(3/2) u ||X||_F. */
static void test_orth_paths(void)
{
  const int64_t m = 61, l = 7;
  for (int c = 0; c < 4; c++) {
    double sigma[7], *full = malloc(sizeof(double) * m * l), *q = malloc(sizeof(double) * m * l);
    double r[49], xr = 0.0, xn = 0.0;
    rla_dmat X;
    rla_svd_info info;
    double *x;
    int64_t lm, lld;
    for (int i = 0; i < l; i++)
      sigma[i] = c == 0   ? 1.0 + i
                 : c == 1 ? pow(10.0, -10.0 * i / (l - 1))
                 : c == 2 ? (i < 4)
                          : 0.0;
    X = make_matrix(rla_test_ctx, m, l, l, sigma, 71, ROWBLOCK_GAPPED, full);
    memset(&info, 0, sizeof(info));
    rla_dmat_local(X, &x, &lm, NULL, &lld);
    RLA_ASSERT_OK(rla_svd_orth(rla_test_ctx, 0, m, lm, l, x, lld, r, NULL, &info));
    MPI_Bcast(r, 49, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    RLA_ASSERT_ALL(orth_loss(X) <= orth_tol(m, l));
    RLA_ASSERT_ALL(info.qr_shifted == (c >= 1) && info.qr_tsqr == (c >= 2));
    RLA_ASSERT_OK(rla_dmat_gather(X, -1, q));
    cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)m, (int)l,
                1.0, r, (int)l, q, (int)m);
    for (int64_t i = 0; i < m * l; i++) {
      xr += (q[i] - full[i]) * (q[i] - full[i]);
      xn += full[i] * full[i];
    }
    RLA_ASSERT_ALL(sqrt(xr) <=
                   sqrt((double)l) * (15.0 * l * l + 4.0 * m * l + l) * RLA_EPS / 2 * sqrt(xn));
    rla_dmat_destroy(&X);
    free(full);
    free(q);
  }
}

/* PDGESVD baseline, for a tall and a wide matrix. Backward stable: the computed sigma are exact
   for A + E, ||E||_2 <= p(m, n) u ||A||_2 (LAPACK Users' Guide, Sec. 4.9; Householder
   bidiagonalization, p taken as 2 m n as for gamma~_{mn}), so the relative error is at most
   m n eps sigma_1 / sigma_min (sigma_min = 0.038 sigma_1 here) plus the perturbation of the test
   matrix (mat_rel, mat_abs). U, V reproduce A: ||A - U S V^T||_F <= (m n eps + orth_tol(m, mn) +
   orth_tol(n, mn) + mn^(3/2) eps) ||A||_F with the non-orthonormality of U, V and the metric's
   own DGEMM. */
static void test_direct(void)
{
  const int64_t shapes[][2] = {{50, 30}, {30, 50}};
  for (int s = 0; s < 2; s++) {
    int64_t m = shapes[s][0], n = shapes[s][1], mn = m < n ? m : n;
    double sigma[30], got[30], again[30], fro, nf = 0.0;
    rla_dmat A, U = NULL, V = NULL, Ur, Vr;
    rla_op op = NULL;
    for (int i = 0; i < mn; i++)
      sigma[i] = 1.0 / (1.0 + 0.03 * i * i);
    for (int i = 0; i < mn; i++)
      nf += sigma[i] * sigma[i];
    nf = sqrt(nf);
    A = make_matrix(rla_test_ctx, m, n, mn, sigma, 81, ROWBLOCK, NULL);
    RLA_ASSERT_OK(rla_svd_direct(A, got, NULL, NULL));
    RLA_ASSERT_OK(rla_op_create_dense(A, &op)); /* the same PDGESVD on the same matrix */
    RLA_ASSERT_OK(rla_svd_direct_operator(op, again, NULL, NULL));
    RLA_ASSERT_ALL(memcmp(got, again, sizeof(double) * (size_t)mn) == 0);
    rla_op_destroy(&op);
    RLA_ASSERT_ALL(rla_svd_sigma_error_max(mn, got, sigma) <=
                   ((double)(m * n) * RLA_EPS * sigma[0] + mat_abs(mn) * nf) / sigma[mn - 1] +
                       mat_rel(m, n, mn));
    RLA_ASSERT_OK(rla_svd_direct(A, got, &U, &V));
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, mn, 0, &Ur));
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, n, mn, 0, &Vr));
    RLA_ASSERT_OK(rla_dmat_redistribute(U, Ur));
    RLA_ASSERT_OK(rla_dmat_redistribute(V, Vr));
    RLA_ASSERT_OK(rla_svd_residual_norm_fro(A, mn, got, Ur, Vr, &fro));
    RLA_ASSERT_ALL(fro <= ((double)(m * n) * RLA_EPS + orth_tol(m, mn) + orth_tol(n, mn) +
                           pow((double)mn, 1.5) * RLA_EPS) *
                              nf);
    RLA_ASSERT_FAILS(rla_svd_direct(A, got, &U, NULL), RLA_ERR_ARG, "both U and V");
    rla_dmat_destroy(&U);
    rla_dmat_destroy(&V);
    rla_dmat_destroy(&Ur);
    rla_dmat_destroy(&Vr);
    rla_dmat_destroy(&A);
  }
}

/* A matrix-free operator over a replicated column-major m x n matrix: this rank's rows
   [row0, row0 + lm) by DGEMM. */
struct shell_user {
  const double *full;
  int64_t m, n, row0, lm;
};

static int shell_mult(void *p, int64_t nv, const double *x, int64_t ldx, double *y, int64_t ldy)
{
  const struct shell_user *s = p;
  if (s->lm > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)s->lm, (int)nv, (int)s->n, 1.0,
                s->full + s->row0, (int)s->m, x, (int)ldx, 0.0, y, (int)ldy);
  return 0;
}

static int shell_mult_transpose(void *p, int64_t nv, const double *y, int64_t ldy, double *w,
                                int64_t ldw)
{
  const struct shell_user *s = p;
  if (s->lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)s->n, (int)nv, (int)s->lm, 1.0,
                s->full + s->row0, (int)s->m, y, (int)ldy, 1.0, w, (int)ldw);
  return 0;
}

/* A split unlike the row-block one: boundaries at m (r / (P - 1))^2, so that rank 0 gets the
   fewest rows, and the last rank none when P > 1. */
static rla_op make_shell(rla_ctx ctx, struct shell_user *u, const double *full, int64_t m,
                         int64_t n)
{
  static const rla_op_shell_ops ops = {shell_mult, shell_mult_transpose, NULL};
  int r = rla_ctx_rank(ctx), parts = rla_ctx_size(ctx) > 1 ? rla_ctx_size(ctx) - 1 : 1;
  int64_t end = r < parts ? m * (r + 1) * (r + 1) / (parts * parts) : m;
  rla_op op = NULL;
  u->full = full;
  u->m = m;
  u->n = n;
  u->row0 = r < parts ? m * r * r / (parts * parts) : m;
  u->lm = end - u->row0;
  RLA_ASSERT_OK(rla_op_create_shell(ctx, m, n, u->lm, &ops, u, &op));
  return op;
}

/* U (m x k) as a row-block matrix from the local rows of rla_svd_get_u_local, which lie in the
   operator's split (the sum over the ranks of the rows spread into m x k is exact: one nonzero
   term per entry). */
static rla_dmat gather_u_local(rla_svd S, const struct shell_user *u, int64_t k)
{
  const double *ul;
  double *g = calloc((size_t)(u->m * k), sizeof(double));
  int64_t ldu, lm, kk;
  rla_dmat U = NULL;
  RLA_ASSERT_OK(rla_svd_get_u_local(S, &ul, &ldu, &lm, &kk));
  RLA_ASSERT_ALL(lm == u->lm && kk == k && ldu >= (lm > 1 ? lm : 1));
  for (int64_t j = 0; j < k; j++)
    for (int64_t i = 0; i < lm; i++)
      g[u->row0 + i + j * u->m] = ul[i + j * ldu];
  MPI_Allreduce(MPI_IN_PLACE, g, (int)(u->m * k), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, u->m, k, 0, &U));
  RLA_ASSERT_OK(rla_dmat_scatter(U, 0, g));
  free(g);
  return U;
}

/* The randomized SVD of a matrix-free operator (its own uneven split, a rank without rows at
   P > 1) at a fixed rank, held to the bounds of test_polynomial_decay on the same spectrum: the
   products are the same sums, in another split, so the same rounding bounds hold; and PDGESVD
   refused for it. */
static void test_matrix_free_rank(void)
{
  const int64_t m = 300, n = 200, r = 200, k = 20;
  double *sigma = malloc(sizeof(double) * r), *full = malloc(sizeof(double) * m * n), *got;
  double two, fro, lu, lv, above;
  struct shell_user user;
  rla_dmat A, U, V;
  rla_op op;
  rla_svd S;
  rla_svd_info info;
  const double *s;
  int ok = 1;
  for (int i = 0; i < r; i++)
    sigma[i] = 1.0 / (i + 1);
  A = make_matrix(rla_test_ctx, m, n, r, sigma, 21, ROWBLOCK, full);
  rla_dmat_destroy(&A);
  op = make_shell(rla_test_ctx, &user, full, m, n);
  S = make_svd(rla_test_ctx, k, 0, 10, 2, RLA_SKETCH_SRHT);
  RLA_ASSERT_FAILS(rla_svd_compute_operator(S), RLA_ERR_ARG, "no operator");
  RLA_ASSERT_FAILS(rla_svd_set_operator(S, NULL), RLA_ERR_ARG, "NULL");
  RLA_ASSERT_OK(rla_svd_set_operator(S, op));
  RLA_ASSERT_FAILS(rla_svd_compute_operator(S), RLA_ERR_ARG, "before rla_svd_setup");
  RLA_ASSERT_OK(rla_svd_setup(S));
  RLA_ASSERT_OK(rla_svd_compute_operator(S));
  RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, NULL));
  RLA_ASSERT_OK(rla_svd_get_info(S, &info));
  RLA_ASSERT_OK(rla_svd_get_v(S, &V));
  RLA_ASSERT_FAILS(rla_svd_get_u(S, &U), RLA_ERR_UNSUPPORTED, "rla_svd_get_u_local");
  U = gather_u_local(S, &user, k);
  exact_residual(full, m, n, k, s, U, V, &two, &fro);
  RLA_ASSERT_ALL(info.rank == k && info.basis_size == 30 && two <= hmt_bound(r, sigma, k, 10, 2));
  above = (svd_bwd(m, n, 30) + mat_abs(r)) * info.norm_fro;
  for (int i = 0; i < k; i++)
    ok &= s[i] <= (sigma[i] * (1 + mat_rel(m, n, r)) + above) * (1 + orth_tol(m, 30) / 2);
  RLA_ASSERT_ALL(ok);
  lu = orth_loss(U); /* collective: called on every rank, outside the assertion */
  lv = orth_loss(V);
  RLA_ASSERT_ALL(lu <= orth_tol(m, 30) && lv <= orth_tol(n, 30));
  RLA_ASSERT_ALL(info.orth_loss_u <= orth_tol(m, 30) && info.orth_loss_v <= orth_tol(n, 30));
  RLA_ASSERT_ALL(fabs(info.error_estimate * info.norm_fro - fro) <=
                 (energy_err(m, n, 30) * info.norm_fro * info.norm_fro +
                  pow(k, 1.5) * RLA_EPS * info.norm_fro * fro) /
                     fro);
  got = malloc(sizeof(double) * n);
  RLA_ASSERT_FAILS(rla_svd_direct_operator(op, got, NULL, NULL), RLA_ERR_UNSUPPORTED,
                   "dense matrix");
  free(got);
  rla_dmat_destroy(&U);
  rla_svd_destroy(&S);
  rla_op_destroy(&op);
  free(sigma);
  free(full);
}

/* Tolerance mode on a matrix-free operator: the checks of test_tolerance (the residual within
   the documented floor of tol, the rank between the optimal one and 1.2 times it, the estimate,
   orthogonality) on its second spectrum. */
static void test_matrix_free_tol(void)
{
  const int64_t m = 260, n = 200, r = 200;
  const double tol = 2e-3;
  double *sigma = malloc(sizeof(double) * r), *full = malloc(sizeof(double) * m * n), two, fro;
  struct shell_user user;
  int64_t ropt;
  rla_dmat A, U, V;
  rla_op op;
  rla_svd S;
  rla_svd_info info;
  const double *s;
  for (int i = 0; i < r; i++)
    sigma[i] = pow(10.0, -i / 8.0);
  A = make_matrix(rla_test_ctx, m, n, r, sigma, 32, ROWBLOCK, full);
  rla_dmat_destroy(&A);
  op = make_shell(rla_test_ctx, &user, full, m, n);
  S = make_svd(rla_test_ctx, 0, tol, 10, 2, RLA_SKETCH_SRHT);
  RLA_ASSERT_OK(rla_svd_set_block(S, 16));
  RLA_ASSERT_OK(rla_svd_set_operator(S, op));
  RLA_ASSERT_OK(rla_svd_setup(S));
  RLA_ASSERT_OK(rla_svd_compute_operator(S));
  RLA_ASSERT_OK(rla_svd_get_info(S, &info));
  RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, NULL));
  RLA_ASSERT_OK(rla_svd_get_v(S, &V));
  U = gather_u_local(S, &user, info.rank);
  RLA_ASSERT_ALL(info.tolerance_mode && info.tol_met && info.tol == tol && !info.transposed);
  exact_residual(full, m, n, info.rank, s, U, V, &two, &fro);
  ropt = optimal_rank(r, sigma, tol);
  RLA_ASSERT_ALL(fro <= sqrt(tol * tol + 10 * RLA_EPS) * info.norm_fro);
  RLA_ASSERT_ALL(info.rank >= ropt && info.rank <= 1.2 * ropt);
  RLA_ASSERT_ALL(info.error_estimate <= tol * (1 + 2 * RLA_EPS) && info.basis_size % 16 == 0);
  RLA_ASSERT_ALL(info.orth_loss_u <= orth_tol(m, info.basis_size) &&
                 info.orth_loss_v <= orth_tol(n, info.basis_size));
  rla_dmat_destroy(&U);
  rla_svd_destroy(&S);
  rla_op_destroy(&op);
  free(sigma);
  free(full);
}

/* A matrix-free operator of exact rank 6, tall and wide (the wide one is worked on as it is:
   no transpose): sigma and the residual to rounding, by the bounds of test_shapes_layouts. */
static void test_matrix_free_shapes(void)
{
  const int64_t shapes[][2] = {{151, 40}, {40, 151}};
  double sigma[6] = {3.0, 2.0, 1.5, 1.0, 0.5, 0.25};
  for (int t = 0; t < 2; t++) {
    int64_t m = shapes[t][0], n = shapes[t][1], r = 6, K = 10;
    double *full = malloc(sizeof(double) * (size_t)(m * n)), two, fro;
    rla_dmat A = make_matrix(rla_test_ctx, m, n, r, sigma, 51 + t, ROWBLOCK, full), U, V;
    rla_svd S = make_svd(rla_test_ctx, r, 0, 4, 1, RLA_SKETCH_SRHT);
    struct shell_user user;
    rla_op op = make_shell(rla_test_ctx, &user, full, m, n);
    rla_svd_info info;
    const double *sv;
    rla_dmat_destroy(&A);
    RLA_ASSERT_OK(rla_svd_set_operator(S, op));
    RLA_ASSERT_OK(rla_svd_setup(S));
    RLA_ASSERT_OK(rla_svd_compute_operator(S));
    RLA_ASSERT_OK(rla_svd_get_info(S, &info));
    RLA_ASSERT_OK(rla_svd_get_sigma(S, &sv, NULL));
    RLA_ASSERT_OK(rla_svd_get_v(S, &V));
    U = gather_u_local(S, &user, r);
    RLA_ASSERT_ALL(info.m == m && info.n == n && !info.transposed && info.basis_size == K);
    RLA_ASSERT_ALL(rla_svd_sigma_error_max(r, sv, sigma) <=
                   (svd_bwd(m, n, K) + mat_abs(r)) * info.norm_fro / sigma[r - 1] +
                       mat_rel(m, n, r));
    exact_residual(full, m, n, r, sv, U, V, &two, &fro);
    RLA_ASSERT_ALL(fro <= (2 * svd_bwd(m, n, K) + orth_tol(m > n ? m : n, K) + mat_abs(r) +
                           pow((double)r, 1.5) * RLA_EPS) *
                              info.norm_fro);
    rla_dmat_destroy(&U);
    rla_svd_destroy(&S);
    rla_op_destroy(&op);
    free(full);
  }
}

static double smooth_entry(int64_t i, int64_t j, void *data)
{
  (void)data;
  return sin(0.37 * (double)(i + 1) * (double)(j + 2)) + (i == j ? 2.0 : 0.0);
}

/* One compute of the plan of S; returns the allocations it made on this rank, the info and
   copies of sigma and U's local rows (k columns of lm rows). */
static long long counted_compute(rla_svd S, rla_svd_info *info, double *sigma, double *u)
{
  long long before = rla_test_allocations();
  const double *s, *ul;
  int64_t k, ldu, lm;
  RLA_ASSERT_OK(rla_svd_compute_operator(S));
  before = rla_test_allocations() - before;
  RLA_ASSERT_OK(rla_svd_get_info(S, info));
  RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, &k));
  RLA_ASSERT_OK(rla_svd_get_u_local(S, &ul, &ldu, &lm, &k));
  memcpy(sigma, s, sizeof(double) * (size_t)k);
  for (int64_t j = 0; j < k; j++)
    memcpy(u + j * lm, ul + j * ldu, sizeof(double) * (size_t)lm);
  return before;
}

/* Two computes of one plan in a context that counts allocations (3 ranks: one without rows),
   for a dense and a matrix-free operator at a fixed rank and in tolerance mode: setup
   allocates (the counter counts); a fixed-rank compute allocates nothing; in tolerance mode
   the plan holds 4 QB blocks (RLA_SVD_START_BLOCKS), so a first compute of at most 4 blocks
   allocates nothing and one of more grows the plan and allocates: QB blocks of 1 column, and
   blocks of 4 up to a cap of 19 columns (a fifth block of 3 columns, whose sketch is made when
   the run first reaches it); the second compute allocates nothing in every case (every block
   reseeds the plan's sketch), and gives bitwise the same sigma and U as the first (a grown plan
   keeps the basis exactly). */
static void test_compute_allocates_nothing(void)
{
  const int64_t m = 90, n = 40, q = 1;
  const struct {
    int shell;
    int64_t k, block, kmax;
    double tol;
    int grows;
  } cases[6] = {{0, 6, 4, 0, 0.0, 0}, {1, 6, 4, 0, 0.0, 0}, {1, 0, 4, 0, 0.3, 0},
                {0, 0, 4, 0, 0.3, 0}, {0, 0, 1, 0, 0.3, 1}, {0, 0, 4, 19, 1e-3, 1}};
  rla_ctx ctx = rla_test_counting_ctx();
  double *full = malloc(sizeof(double) * m * n), sig[2][40], *u[2];
  struct shell_user user;
  rla_dmat A = NULL;
  rla_op ops[2];
  RLA_ASSERT_ALL(ctx != NULL);
  u[0] = calloc((size_t)(m * n), sizeof(double));
  u[1] = calloc((size_t)(m * n), sizeof(double));
  rla_ctx_set_verbosity(ctx, 0);
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < m; i++)
      full[i + j * m] = smooth_entry(i, j, NULL);
  RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, m, n, 0, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, smooth_entry, NULL));
  RLA_ASSERT_OK(rla_op_create_dense(A, &ops[0]));
  ops[1] = make_shell(ctx, &user, full, m, n);
  for (int t = 0; t < 6; t++) {
    rla_svd S = NULL;
    rla_svd_info info[2];
    long long before, count[2];
    RLA_ASSERT_OK(rla_svd_create(ctx, &S));
    RLA_ASSERT_OK(cases[t].k ? rla_svd_set_rank(S, cases[t].k) : rla_svd_set_tol(S, cases[t].tol));
    RLA_ASSERT_OK(rla_svd_set_block(S, cases[t].block));
    RLA_ASSERT_OK(rla_svd_set_max_rank(S, cases[t].kmax));
    RLA_ASSERT_OK(rla_svd_set_power(S, q));
    RLA_ASSERT_OK(rla_svd_set_operator(S, ops[cases[t].shell]));
    before = rla_test_allocations();
    RLA_ASSERT_OK(rla_svd_setup(S));
    RLA_ASSERT_ALL(rla_test_allocations() > before);
    for (int run = 0; run < 2; run++)
      count[run] = counted_compute(S, &info[run], sig[run], u[run]);
    RLA_ASSERT_ALL(info[0].qr_tsqr == 0 && info[0].rank == info[1].rank);
    RLA_ASSERT_ALL(cases[t].k ? info[0].blocks == 1
                              : info[0].blocks >= 2 &&
                                    (info[0].blocks > RLA_SVD_START_BLOCKS) == cases[t].grows);
    RLA_ASSERT_ALL(cases[t].kmax == 0 ||
                   (info[0].basis_size == cases[t].kmax && S->plan.sketch[1] != NULL));
    RLA_ASSERT_ALL(count[0] == 0 || info[0].blocks > RLA_SVD_START_BLOCKS);
    RLA_ASSERT_ALL(info[0].blocks <= RLA_SVD_START_BLOCKS || count[0] > 0);
    RLA_ASSERT_ALL(count[1] == 0);
    RLA_ASSERT_ALL(memcmp(sig[0], sig[1], sizeof(double) * (size_t)info[0].rank) == 0);
    RLA_ASSERT_ALL(memcmp(u[0], u[1], sizeof(double) * (size_t)(m * n)) == 0);
    rla_svd_destroy(&S);
  }
  rla_op_destroy(&ops[0]);
  rla_op_destroy(&ops[1]);
  rla_dmat_destroy(&A);
  rla_ctx_destroy(&ctx);
  free(full);
  free(u[0]);
  free(u[1]);
}

/* U, sigma and V of a compute of S on A, gathered on every rank (U m x k, V n x k). */
static int64_t gathered_factors(rla_svd S, rla_dmat A, double *u, double *sig, double *v)
{
  rla_dmat U = NULL, V = NULL;
  const double *s;
  int64_t k;
  RLA_ASSERT_OK(rla_svd_compute(S, A));
  RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, &k));
  memcpy(sig, s, sizeof(double) * (size_t)k);
  RLA_ASSERT_OK(rla_svd_get_u(S, &U));
  RLA_ASSERT_OK(rla_svd_get_v(S, &V));
  RLA_ASSERT_OK(rla_dmat_gather(U, -1, u));
  RLA_ASSERT_OK(rla_dmat_gather(V, -1, v));
  return k;
}

/* Tolerance mode sketches block i with the seed of block i whether the plan's one sketch is
   reseeded (the default) or each block's sketch is set up from scratch with that seed
   (fresh_sketches, what the plan did when it kept one sketch per block): the same U, sigma and
   V bit for bit, for the three sketch types, over 6 blocks of which the last (5 columns, up to
   the cap of 45) has its own sketch, made past the planned start; a second compute (back to
   the seed of block 0) gives them again. Slow decay 1/(i + 1): the run reaches the cap. */
static void test_tolerance_reseed(void)
{
  const int64_t m = 120, n = 60, r = 60, kmax = 45;
  double sigma[60], *u[2], *v[2], sig[2][45];
  rla_dmat A;
  for (int i = 0; i < r; i++)
    sigma[i] = 1.0 / (i + 1);
  A = make_matrix(rla_test_ctx, m, n, r, sigma, 43, ROWBLOCK, NULL);
  for (int t = 0; t < 2; t++) {
    u[t] = malloc(sizeof(double) * (size_t)(m * kmax));
    v[t] = malloc(sizeof(double) * (size_t)(n * kmax));
  }
  for (int type = 0; type < 3; type++) {
    rla_svd S[2];
    rla_svd_info info[2];
    int64_t k[2];
    int same;
    for (int t = 0; t < 2; t++) {
      S[t] = make_svd(rla_test_ctx, 0, 1e-3, 10, 1, (rla_sketch_type)type);
      RLA_ASSERT_OK(rla_svd_set_max_rank(S[t], kmax));
      RLA_ASSERT_OK(rla_svd_set_block(S[t], 8));
      RLA_ASSERT_OK(rla_svd_setup(S[t]));
      S[t]->fresh_sketches = t;
      k[t] = gathered_factors(S[t], A, u[t], sig[t], v[t]);
      RLA_ASSERT_OK(rla_svd_get_info(S[t], &info[t]));
    }
    RLA_ASSERT_ALL(info[0].blocks == 6 && info[0].basis_size == kmax && k[0] == kmax &&
                   k[1] == kmax && info[1].blocks == 6);
    same = memcmp(sig[0], sig[1], sizeof(double) * (size_t)kmax) == 0 &&
           memcmp(u[0], u[1], sizeof(double) * (size_t)(m * kmax)) == 0 &&
           memcmp(v[0], v[1], sizeof(double) * (size_t)(n * kmax)) == 0;
    RLA_ASSERT_ALL(same);
    gathered_factors(S[0], A, u[1], sig[1], v[1]);
    same = memcmp(sig[0], sig[1], sizeof(double) * (size_t)kmax) == 0 &&
           memcmp(u[0], u[1], sizeof(double) * (size_t)(m * kmax)) == 0 &&
           memcmp(v[0], v[1], sizeof(double) * (size_t)(n * kmax)) == 0;
    RLA_ASSERT_ALL(same);
    rla_svd_destroy(&S[0]);
    rla_svd_destroy(&S[1]);
  }
  for (int t = 0; t < 2; t++) {
    free(u[t]);
    free(v[t]);
  }
  rla_dmat_destroy(&A);
}

/* This rank's rows of the m x n column-major full (the same on every rank) as a CSR matrix, its
   nonzeros only, in the row split of the sparse readers and of rla_dmat_create_rowblock's
   default: ceil(m / P) rows per rank. */
static rla_smat sparse_copy(const double *full, int64_t m, int64_t n)
{
  int64_t p = rla_ctx_size(rla_test_ctx), mb = (m + p - 1) / p;
  int64_t row0 = rla_ctx_rank(rla_test_ctx) * mb, lm, nz = 0;
  int64_t *rp;
  int32_t *ci;
  double *v;
  rla_smat S = NULL;
  if (row0 > m) row0 = m;
  lm = m - row0 < mb ? m - row0 : mb;
  rp = calloc((size_t)(lm + 1), sizeof(int64_t));
  ci = malloc(sizeof(int32_t) * (size_t)(lm * n + 1));
  v = malloc(sizeof(double) * (size_t)(lm * n + 1));
  for (int64_t i = 0; i < lm; i++) {
    for (int64_t j = 0; j < n; j++)
      if (full[row0 + i + j * m] != 0.0) {
        ci[nz] = (int32_t)j;
        v[nz++] = full[row0 + i + j * m];
      }
    rp[i + 1] = nz;
  }
  RLA_ASSERT_OK(rla_smat_create_csr(rla_test_ctx, m, n, lm, rp, ci, v, &S));
  free(rp);
  free(ci);
  free(v);
  return S;
}

/* A row-block copy of the m x n column-major full (the same on every rank), default row
   blocks. */
static rla_dmat dense_copy(const double *full, int64_t m, int64_t n)
{
  rla_dmat A = NULL;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, n, 0, &A));
  RLA_ASSERT_OK(rla_dmat_scatter(A, 0, full));
  return A;
}

/* Rounding of rla_svd_residual_norm_fro_operator's ||E||_F^2 = ||A||_F^2 - 2 tr(S U^T A V) +
   tr(S (U^T U) S (V^T V)), relative to ||A||_F^2, for U (m x k) and V (n x k) orthonormal to o
   and sigma_i <= ||A||_F: ||A||_F^2 as column sums of squares, gamma_m (the compensated sum over
   the columns and ranks adds 2 eps); u_i^T (A v_i) with gamma_n (the product) and gamma_m (the
   dot), times sigma_i, summed: 2 (m + n) u sqrt(k) ||A||_F^2 (sum_i sigma_i <= sqrt(k) ||A||_F);
   the Gram matrices with gamma_m and gamma_n, times sigma_i sigma_j summed over i, j:
   (m + n) u k ||A||_F^2; the final compensated sum 2 eps. Each of the last two terms carries the
   factor (1 + o) of the vectors' norms. */
static double trace_err(int64_t m, int64_t n, int64_t k, double o)
{
  double kk = (double)k;
  return ((double)m + 8.0 + (double)(m + n) * (2.0 * sqrt(kk) + kk) * (1.0 + o)) * RLA_EPS / 2;
}

/* Rounding of a triplet residual ||A x - s y|| for unit x, y (to o): the product's entries carry
   gamma_len |A| |x| (len: the length of A's rows or columns), which is at most gamma_len
   ||A||_F (1 + o) in norm, for each of the two computations compared; the subtraction adds
   u (||A x|| + s) <= 2 u ||A||_F (1 + o) to each. */
static double trip_err(int64_t len, double nf, double o)
{
  return (2.0 * (double)len + 4.0) * (RLA_EPS / 2) * nf * (1.0 + o);
}

/* res_t[i] = ||A^T u_i - s_i v_i|| from the gathered U and V and the full matrix, on every rank. */
static void transposed_residuals(const double *full, int64_t m, int64_t n, int64_t k,
                                 const double *s, rla_dmat U, rla_dmat V, double *res_t)
{
  double *u = malloc(sizeof(double) * (size_t)(m * k)),
         *v = malloc(sizeof(double) * (size_t)(n * k));
  RLA_ASSERT_OK(rla_dmat_gather(U, -1, u));
  RLA_ASSERT_OK(rla_dmat_gather(V, -1, v));
  for (int64_t i = 0; i < k; i++) {
    double ss = 0.0;
    for (int64_t j = 0; j < n; j++) {
      double d = cblas_ddot((int)m, full + j * m, 1, u + i * m, 1) - s[i] * v[j + i * n];
      ss += d * d;
    }
    res_t[i] = sqrt(ss);
  }
  free(u);
  free(v);
}

/* The metrics of a sparse operator against those of its dense copy (the matrix metrics: the
   explicit Frobenius residual, and the dense operator's power estimate and triplet residuals),
   for the randomized SVD of a 150 x 100 matrix with 10 % nonzeros and decaying columns at rank
   10: not a planted case, the residuals are those of the computed factors. */
static void test_operator_metrics(void)
{
  const int64_t m = 150, n = 100, k = 10;
  double *full = calloc((size_t)(m * n), sizeof(double)), two, fro, fro_d, fro_o, fl, est_d, est_o;
  double res_d[10], res_o[10], res_t[10], ref_t[10], nf, o, e_d, lo, hi;
  const double *s, *uu;
  double *u;
  int64_t lm, ldu;
  int ok = 1;
  rla_svd_info info;
  rla_smat Sp;
  rla_dmat A, U, V;
  rla_op op = NULL;
  rla_svd S;
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      double x, g;
      rla_rng_uniform(rla_rng_make(31, RLA_RNG_USER), (uint64_t)i, (uint64_t)j, 1, &x);
      rla_rng_gaussian(rla_rng_make(32, RLA_RNG_USER), (uint64_t)i, (uint64_t)j, 1, &g);
      if (x < 0.1) full[i + j * m] = g / (1.0 + (double)j / 8.0);
    }
  Sp = sparse_copy(full, m, n);
  A = dense_copy(full, m, n);
  RLA_ASSERT_OK(rla_op_create_sparse(Sp, &op));
  S = make_svd(rla_test_ctx, k, 0, 5, 1, RLA_SKETCH_SRHT);
  RLA_ASSERT_OK(rla_svd_compute(S, A));
  RLA_ASSERT_OK(rla_svd_get_sigma(S, &s, NULL));
  RLA_ASSERT_OK(rla_svd_get_u(S, &U));
  RLA_ASSERT_OK(rla_svd_get_v(S, &V));
  RLA_ASSERT_OK(rla_svd_get_info(S, &info));
  rla_dmat_local(U, &u, &lm, NULL, &ldu);
  uu = u;
  nf = info.norm_fro;
  o = orth_tol(m, 15) + orth_tol(n, 15);
  exact_residual(full, m, n, k, s, U, V, &two, &fro);
  RLA_ASSERT_OK(rla_svd_residual_norm_fro(A, k, s, U, V, &fro_d));
  RLA_ASSERT_OK(rla_svd_residual_norm_fro_operator(op, k, s, uu, ldu, V, &fro_o, &fl));
  /* the operator's identity against the explicit residual: |a - b| = |a^2 - b^2| / (a + b) with
     trace_err for a^2; the explicit one's own error, as in test_polynomial_decay */
  e_d = pow(k, 1.5) * RLA_EPS * nf + (double)(m * n) * RLA_EPS * fro_d;
  RLA_ASSERT_ALL(fro_d > 0.05 * nf && fabs(fro_d - fro) <= e_d);
  RLA_ASSERT_ALL(fabs(fro_o - fro_d) <= trace_err(m, n, k, o) * nf * nf / (fro_o + fro_d) + e_d);
  /* and within the floor it reports (c eps ||A||_F^2 / ||E||_F, c = 64) */
  RLA_ASSERT_ALL(fl > 0.0 && fabs(fro_o - fro_d) <= fl + e_d);
  /* triplet residuals: the same products by CSR rows and by DGEMM, each within trip_err */
  RLA_ASSERT_OK(rla_svd_triplet_residuals(A, k, s, U, V, res_d));
  RLA_ASSERT_OK(rla_svd_triplet_residuals_operator(op, k, s, uu, ldu, V, res_o, res_t));
  transposed_residuals(full, m, n, k, s, U, V, ref_t);
  for (int i = 0; i < k; i++)
    ok &= fabs(res_o[i] - res_d[i]) <= trip_err(n, nf, o) &&
          fabs(res_t[i] - ref_t[i]) <= trip_err(m, nf, o);
  RLA_ASSERT_ALL(ok);
  /* the power estimates (50 steps, the same start vector) of both: each a lower bound of
     ||E||_2 up to rounding and above 0.9 ||E||_2 but with probability 4e-4 for the seed (the
     bounds of test_polynomial_decay), so within 0.1 ||E||_2 of each other */
  RLA_ASSERT_OK(rla_svd_residual_norm2_estimate(A, k, s, U, V, 50, 5, &est_d));
  RLA_ASSERT_OK(rla_svd_residual_norm2_estimate_operator(op, k, s, uu, ldu, V, 50, 5, &est_o));
  hi = two * (1 + (double)(m * n) * RLA_EPS) + (double)(m + n + k * k) * RLA_EPS * nf;
  lo = 0.9 * two;
  RLA_ASSERT_ALL(est_d <= hi && est_d >= lo && est_o <= hi && est_o >= lo);
  rla_svd_destroy(&S);
  rla_op_destroy(&op);
  rla_smat_destroy(&Sp);
  rla_dmat_destroy(&A);
  free(full);
}

/* A planted case: A block diagonal (10 blocks of 9 x 6, U_b diag(s_b) V_b^T with U_b, V_b from
   QR), rows and columns permuted, singular values 1/j for j <= 8, then 0.05 twenty-two times,
   then 0; U and V its leading 8 singular vectors (the blocks' columns). E = A - U S V^T is then
   0.05 times a partial isometry of rank 22: ||E||_F = sqrt(22) 0.05 (the root of the remaining
   sigma^2), ||E||_2 = 0.05 = sigma_9, and the power estimate finds it exactly after one step
   (E^T E is 0.05^2 times a projector); the triplet residuals are 0. Up to rounding: the blocks'
   factors are orthonormal to o = orth_tol(9, 6), which moves ||E||_F by 2 o relative and the
   singular values of E by o; the blocks' DGEMM perturbs A by d <= mat_abs(6) ||A||_F. */
static void planted(int64_t m, int64_t n, double *full, double *uk, double *vk, double *sig)
{
  const int64_t nb = 10, bm = 9, bn = 6, k = 8;
  double ub[54], vb[36], sb[6];
  for (int64_t j = 0; j < n; j++)
    sig[j] = j < k ? 1.0 / (double)(j + 1) : j < 30 ? 0.05 : 0.0;
  memset(full, 0, sizeof(double) * (size_t)(m * n));
  for (int64_t b = 0; b < nb; b++) {
    orthonormal(bm, bn, 40 + (uint64_t)b, ub);
    orthonormal(bn, bn, 60 + (uint64_t)b, vb);
    for (int64_t c = 0; c < bn; c++) /* slot j = b + c nb of the spectrum */
      sb[c] = sig[b + c * nb];
    for (int64_t i = 0; i < bm; i++)
      for (int64_t j = 0; j < bn; j++) {
        double a = 0.0;
        for (int64_t c = 0; c < bn; c++)
          a += ub[i + c * bm] * sb[c] * vb[j + c * bn];
        /* rows and columns permuted by i -> 7 i mod m, j -> 7 j mod n (7 is prime to 90, 60) */
        full[(7 * (b * bm + i)) % m + ((7 * (b * bn + j)) % n) * m] = a;
      }
    if (b < k) /* the leading triplet b: the block's first column pair */
      for (int64_t i = 0; i < m; i++) {
        uk[i + b * m] = 0.0;
        for (int64_t j = 0; j < bm; j++)
          if ((7 * (b * bm + j)) % m == i) uk[i + b * m] = ub[j];
        if (i < n) vk[i + b * n] = 0.0;
        for (int64_t j = 0; j < bn && i < n; j++)
          if ((7 * (b * bn + j)) % n == i) vk[i + b * n] = vb[j];
      }
  }
}

/* The planted case through the sparse operator and through the matrix metrics of its dense
   copy: each measure against the known value within the rounding of planted() and of the
   measure. */
static void test_planted_metrics(void)
{
  const int64_t m = 90, n = 60, k = 8;
  double *full = malloc(sizeof(double) * (size_t)(m * n)), *uk = malloc(sizeof(double) * m * k);
  double *vk = malloc(sizeof(double) * n * k), sig[60], nf, o = orth_tol(9, 6), d, rho, fro_x;
  double fro[2], est[2], res[2][8], res_t[8], fl, lo_fro;
  double *u;
  int64_t lm, ldu;
  int ok = 1;
  rla_smat Sp;
  rla_dmat A, U = NULL, V = NULL;
  rla_op op = NULL;
  planted(m, n, full, uk, vk, sig);
  Sp = sparse_copy(full, m, n);
  A = dense_copy(full, m, n);
  RLA_ASSERT_OK(rla_op_create_sparse(Sp, &op));
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, k, 0, &U));
  RLA_ASSERT_OK(rla_dmat_scatter(U, 0, uk));
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, n, k, 0, &V));
  RLA_ASSERT_OK(rla_dmat_scatter(V, 0, vk));
  rla_dmat_local(U, &u, &lm, NULL, &ldu);
  RLA_ASSERT_OK(rla_dmat_norm_fro(A, &nf));
  d = mat_abs(6) * nf;
  fro_x = sqrt(22.0) * 0.05;
  lo_fro = fro_x * (1 - 2 * o) - d;
  RLA_ASSERT_OK(rla_svd_residual_norm_fro(A, k, sig, U, V, &fro[0]));
  RLA_ASSERT_OK(rla_svd_residual_norm_fro_operator(op, k, sig, u, ldu, V, &fro[1], &fl));
  /* ||E||_F within 2 o fro_x + d of fro_x; the explicit measure adds its rounding (see
     test_polynomial_decay), the operator's the identity's, trace_err ||A||_F^2 / ||E||_F */
  RLA_ASSERT_ALL(fabs(fro[0] - fro_x) <= 2 * o * fro_x + d + pow(k, 1.5) * RLA_EPS * nf +
                                             (double)(m * n) * RLA_EPS * fro_x);
  RLA_ASSERT_ALL(fabs(fro[1] - fro_x) <=
                 2 * o * fro_x + d + trace_err(m, n, k, o) * nf * nf / lo_fro);
  RLA_ASSERT_ALL(fl > 0.0 && fl < 1e-10 * fro_x);
  /* ||E||_2 = 0.05 (1 +- o) + d. Every ratio the estimate takes is at most that plus rho, the
     rounding of one application of E or E^T, 2 (m + n + 2 k) u ||A||_F; after one step it is at
     least 0.05 (1 - o) - (d + rho) (1 + 0.05 / ||E x||), and ||E x|| >= 0.1 * 0.05 unless the
     Gaussian start x (n = 60) has less than 1 % of its squared norm in E's 22-dimensional row
     space, a chance below 1e-15 (a Beta(11, 19) variable below 1e-2): within 0.05 o + 11 (d +
     rho) of 0.05 */
  rho = 2.0 * (double)(m + n + 2 * k) * RLA_EPS / 2 * nf;
  RLA_ASSERT_OK(rla_svd_residual_norm2_estimate(A, k, sig, U, V, 20, 3, &est[0]));
  RLA_ASSERT_OK(rla_svd_residual_norm2_estimate_operator(op, k, sig, u, ldu, V, 20, 3, &est[1]));
  for (int t = 0; t < 2; t++)
    ok &= fabs(est[t] - 0.05) <= 0.05 * o + 11 * (d + rho);
  RLA_ASSERT_ALL(ok);
  /* triplet residuals: A v_i - sigma_i u_i = (the perturbation d) v_i, and the same for A^T u_i,
     up to trip_err */
  RLA_ASSERT_OK(rla_svd_triplet_residuals(A, k, sig, U, V, res[0]));
  RLA_ASSERT_OK(rla_svd_triplet_residuals_operator(op, k, sig, u, ldu, V, res[1], res_t));
  for (int i = 0; i < k; i++)
    ok &= res[0][i] <= d * (1 + o) + trip_err(n, nf, o) &&
          res[1][i] <= d * (1 + o) + trip_err(n, nf, o) &&
          res_t[i] <= d * (1 + o) + trip_err(m, nf, o);
  RLA_ASSERT_ALL(ok);
  /* provoked errors of the operator metrics */
  RLA_ASSERT_FAILS(rla_svd_residual_norm_fro_operator(NULL, k, sig, u, ldu, V, &fl, NULL),
                   RLA_ERR_ARG, NULL);
  RLA_ASSERT_FAILS(rla_svd_residual_norm_fro_operator(op, k, sig, u, ldu, NULL, &fl, NULL),
                   RLA_ERR_ARG, "NULL V");
  RLA_ASSERT_FAILS(rla_svd_residual_norm2_estimate_operator(op, k, sig, u, ldu, U, 5, 1, &fl),
                   RLA_ERR_SHAPE, "V is 90 x 8");
  RLA_ASSERT_FAILS(rla_svd_triplet_residuals_operator(op, k, sig, u, 0, V, res[1], NULL),
                   RLA_ERR_ARG, "leading dimension 0");
  RLA_ASSERT_FAILS(rla_svd_triplet_residuals_operator(op, k, NULL, u, ldu, V, res[1], NULL),
                   RLA_ERR_ARG, "NULL singular values");
  rla_dmat_destroy(&U);
  rla_dmat_destroy(&V);
  rla_op_destroy(&op);
  rla_smat_destroy(&Sp);
  rla_dmat_destroy(&A);
  free(full);
  free(uk);
  free(vk);
}

static void test_errors(void)
{
  double sigma[5] = {1, 1, 1, 1, 1}, res[5], val;
  rla_dmat A = make_matrix(rla_test_ctx, 30, 5, 5, sigma, 91, ROWBLOCK, NULL), U = NULL;
  rla_svd S = NULL;
  rla_svd_info info;
  double *a;
  int64_t lm, lld;

  RLA_ASSERT_FAILS(rla_svd_create(rla_test_ctx, NULL), RLA_ERR_ARG, "NULL");
  RLA_ASSERT_OK(rla_svd_create(rla_test_ctx, &S));
  RLA_ASSERT_FAILS(rla_svd_set_rank(S, 0), RLA_ERR_ARG, "at least 1");
  RLA_ASSERT_FAILS(rla_svd_set_rank(S, -3), RLA_ERR_ARG, "at least 1");
  RLA_ASSERT_FAILS(rla_svd_set_tol(S, 0.0), RLA_ERR_ARG, "strictly between 0 and 1");
  RLA_ASSERT_FAILS(rla_svd_set_tol(S, 1.0), RLA_ERR_ARG, "strictly between 0 and 1");
  RLA_ASSERT_FAILS(rla_svd_set_tol(S, NAN), RLA_ERR_ARG, "strictly between 0 and 1");
  RLA_ASSERT_FAILS(rla_svd_set_oversample(S, -1), RLA_ERR_ARG, "non-negative");
  RLA_ASSERT_FAILS(rla_svd_set_power(S, -1), RLA_ERR_ARG, "non-negative");
  RLA_ASSERT_FAILS(rla_svd_set_block(S, 0), RLA_ERR_ARG, "at least 1");
  RLA_ASSERT_FAILS(rla_svd_set_max_rank(S, -1), RLA_ERR_ARG, "positive cap");
  RLA_ASSERT_FAILS(rla_svd_set_sketch_type(S, (rla_sketch_type)42), RLA_ERR_ARG, "unknown");
  RLA_ASSERT_FAILS(rla_svd_setup(S), RLA_ERR_ARG, "neither a rank nor a tolerance");
  RLA_ASSERT_OK(rla_svd_set_rank(S, 6));
  RLA_ASSERT_FAILS(rla_svd_compute(S, A), RLA_ERR_ARG, "before rla_svd_setup");
  RLA_ASSERT_FAILS(rla_svd_get_info(S, &info), RLA_ERR_ARG, "no results");
  RLA_ASSERT_FAILS(rla_svd_get_u(S, &U), RLA_ERR_ARG, "no results");
  RLA_ASSERT_OK(rla_svd_set_tol(S, 0.1));
  RLA_ASSERT_FAILS(rla_svd_setup(S), RLA_ERR_ARG, "both a rank");
  rla_svd_destroy(&S);
  RLA_ASSERT_OK(rla_svd_create(rla_test_ctx, &S));
  RLA_ASSERT_OK(rla_svd_set_rank(S, 6));
  RLA_ASSERT_OK(rla_svd_setup(S));
  RLA_ASSERT_FAILS(rla_svd_compute(S, A), RLA_ERR_ARG, "exceeds min(m, n) = 5");
  RLA_ASSERT_FAILS(rla_svd_compute(S, NULL), RLA_ERR_ARG, "NULL");
  RLA_ASSERT_OK(rla_svd_set_rank(S, 3));
  RLA_ASSERT_OK(rla_svd_setup(S));
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  for (int64_t i = 0; i < lm; i++)
    if (rla_dmat_global_row(A, i) == 17) a[i + 4 * lld] = NAN;
  RLA_ASSERT_FAILS(rla_svd_compute(S, A), RLA_ERR_VALUE, "at row 17, column 4");
  RLA_ASSERT_FAILS(rla_svd_get_sigma(S, NULL, NULL), RLA_ERR_ARG, "no results");
  RLA_ASSERT_FAILS(rla_svd_direct(A, res, NULL, NULL), RLA_ERR_VALUE, "at row 17, column 4");
  for (int64_t i = 0; i < lm; i++)
    if (rla_dmat_global_row(A, i) == 17) a[i + 4 * lld] = 0.5;
  RLA_ASSERT_OK(rla_svd_compute(S, A));
  RLA_ASSERT_OK(rla_svd_get_u(S, &U));
  RLA_ASSERT_FAILS(rla_svd_residual_norm_fro(A, 4, res, U, U, &val), RLA_ERR_SHAPE, "for k = 4");
  RLA_ASSERT_FAILS(rla_svd_residual_norm2_estimate(A, 3, res, U, U, 5, 1, &val), RLA_ERR_SHAPE,
                   "for k = 3");
  RLA_ASSERT_FAILS(rla_svd_triplet_residuals(A, 3, res, U, NULL, res), RLA_ERR_ARG, "NULL");
  RLA_ASSERT_FAILS(rla_svd_orthogonality_loss(NULL, &val), RLA_ERR_ARG, NULL);
  rla_svd_destroy(&S);
  rla_dmat_destroy(&A);
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("svd", NULL, NULL);
  CU_add_test(s, "exact low rank: sigma to 1e-10", test_exact_low_rank);
  CU_add_test(s, "polynomial decay: HMT bound, interlacing, metrics", test_polynomial_decay);
  CU_add_test(s, "tolerance mode: residual and rank", test_tolerance);
  CU_add_test(s, "tolerance mode: rank cap", test_max_rank);
  CU_add_test(s, "tall, wide, square; row-block and cyclic", test_shapes_layouts);
  CU_add_test(s, "same answer on one rank", test_rank_independence);
  CU_add_test(s, "guarded orthonormalization paths", test_orth_paths);
  CU_add_test(s, "matrix-free operator: fixed rank, PDGESVD refused", test_matrix_free_rank);
  CU_add_test(s, "matrix-free operator: tolerance mode", test_matrix_free_tol);
  CU_add_test(s, "matrix-free operator: tall and wide", test_matrix_free_shapes);
  CU_add_test(s, "compute on a plan allocates nothing of its own", test_compute_allocates_nothing);
  CU_add_test(s, "tolerance mode: reseeded sketch equals per-block setups", test_tolerance_reseed);
  CU_add_test(s, "PDGESVD baseline", test_direct);
  CU_add_test(s, "metrics of a sparse operator against its dense copy", test_operator_metrics);
  CU_add_test(s, "metrics on a planted case: residuals known exactly", test_planted_metrics);
  CU_add_test(s, "provoked errors", test_errors);
}
