/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of the tall-skinny orthonormalization (src/orth) and of the reduction helpers
   (src/base/reduce.c): every fast path against the Householder TSQR reference on well- and
   ill-conditioned, rank-deficient and zero matrices, with even row splits and with ranks that
   own no rows or fewer rows than columns; the R-only binomial tree; the chunked reductions
   against the plain ones; the ring reduce-scatter; provoked errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "harness.h"
#include "rla/rng.h"
#include "../../src/base/reduce.h"
#include "../../src/orth/orth.h"

/* Rounding bounds (u = eps / 2 the unit roundoff, gamma_j = j u, gamma~_j = c j u with c a
   small constant taken as 2; Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
   "ASNA"), worst cases valid for every BLAS kernel and summation order.

   Orthogonality ||Q^T Q - I||_F. CholeskyQR2, also as the last two passes of shifted
   CholeskyQR3: 6 (m l + l (l + 1)) u (Yamamoto, Nakatsukasa, Yanagisawa, Fukaya, ETNA 44, 2015,
   Sec. 3; Fukaya et al., SISC 42(1), 2020). Householder TSQR: each Householder QR moves Q by
   ||dQ||_F <= sqrt(l) gamma~_{ml} (ASNA Thm 19.4), the flat tree stacks two, so
   ||Q^T Q - I|| <= 2 ||dQ|| + ||dQ||^2 <= 4 sqrt(l) m l eps. Evaluating Q^T Q here (a DGEMM of
   inner length at most m, |Q|^T |Q| <= ||q_i|| ||q_j|| entrywise) adds gamma_m l = m l u. */
static double orth_bound(int64_t m, int64_t l, int tsqr)
{
  double dm = (double)m, dl = (double)l;
  double method =
      tsqr ? 4.0 * sqrt(dl) * dm * dl * RLA_EPS : 3.0 * (dm * dl + dl * (dl + 1)) * RLA_EPS;
  return method + dm * dl * RLA_EPS / 2;
}

/* Backward error ||X - Q R||_F / ||X||_F: per CholeskyQR pass 5 l^2 sqrt(l) u ||X||_2
   (Yamamoto et al., Sec. 3), at most three passes (shifted CholeskyQR3); TSQR 2 sqrt(l)
   gamma~_{ml} ||X||_F = 4 sqrt(l) m l u ||X||_F; a fallback to TSQR after CholeskyQR passes
   adds both (the passes leave X_k = X R_k^-1 with ||X_k||_2 <= 1 + O(u), since
   R_k^T R_k >= X^T X); the product Q R formed here, gamma_l ||Q||_F ||R||_F = l^(3/2) u ||X||_F.
   In all sqrt(l) (15 l^2 + 4 m l + l) u. */
static double res_bound(int64_t m, int64_t l)
{
  double dm = (double)m, dl = (double)l;
  return sqrt(dl) * (15.0 * dl * dl + 4.0 * dm * dl + dl) * RLA_EPS / 2;
}

/* Row splits of m rows over P ranks: EVEN (ceil(m / P) a rank, the last the rest), or GAPPED:
   at P >= 2 rank 0 owns no rows, at P = 3 rank 2 owns 5 rows (fewer than the l = 7 columns) and
   rank 1 the rest. */
enum { EVEN, GAPPED };

static void split(int64_t m, int kind, int64_t *row0, int64_t *lm)
{
  int P = rla_ctx_size(rla_test_ctx), me = rla_ctx_rank(rla_test_ctx);
  if (kind == EVEN) {
    int64_t mb = (m + P - 1) / P;
    *row0 = me * mb < m ? me * mb : m;
    *lm = *row0 + mb < m ? mb : m - *row0;
    return;
  }
  if (P == 1) {
    *row0 = 0;
    *lm = m;
  } else if (me == 0) {
    *row0 = 0;
    *lm = 0;
  } else if (P == 2 || me == 1) {
    *row0 = 0;
    *lm = P == 2 ? m : m - 5;
  } else {
    *row0 = me == 2 ? m - 5 : m;
    *lm = me == 2 ? 5 : 0;
  }
}

/* q (n x k) = an orthonormal basis from the Householder QR of a Gaussian (seed), on every rank
   alike. */
static void orthonormal(int64_t n, int64_t k, uint64_t seed, double *q)
{
  double tau[64];
  for (int64_t i = 0; i < n; i++) {
    double row[64];
    rla_rng_gaussian(rla_rng_make(seed, RLA_RNG_USER), (uint64_t)i, 0, (size_t)k, row);
    for (int64_t j = 0; j < k; j++)
      q[i + j * n] = row[j];
  }
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)k, q, (lapack_int)n, tau);
  LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)k, (lapack_int)k, q, (lapack_int)n,
                 tau);
}

/* The test matrices, m x l: U diag(sigma) V^T with the singular values of case c. */
enum { WELL, ILL10, ILL15, DEFICIENT, ZERO, NCASES };
static const char *const case_name[NCASES] = {"kappa 7", "kappa 1e10", "kappa 1e15", "rank 4 of 7",
                                              "zero"};

static double make_x(int64_t m, int64_t l, int c, double *x)
{
  double *u = malloc(sizeof(double) * (size_t)(m * l)), v[64 * 64], sigma[64], kappa;
  for (int64_t i = 0; i < l; i++)
    sigma[i] = c == WELL        ? 1.0 + (double)(l - 1 - i)
               : c == ILL10     ? pow(10.0, -10.0 * (double)i / (double)(l - 1))
               : c == ILL15     ? pow(10.0, -15.0 * (double)i / (double)(l - 1))
               : c == DEFICIENT ? (i < 4)
                                : 0.0;
  kappa = c == DEFICIENT || c == ZERO ? INFINITY : sigma[0] / sigma[l - 1];
  orthonormal(m, l, 41, u);
  orthonormal(l, l, 43, v);
  for (int64_t j = 0; j < l; j++)
    cblas_dscal((int)m, sigma[j], u + j * m, 1);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)m, (int)l, (int)l, 1.0, u, (int)m, v,
              (int)l, 0.0, x, (int)m);
  free(u);
  return kappa;
}

/* ||Q^T Q - I||_F of the distributed Q (lm local rows, leading dimension ld). */
static double orth_error(int64_t lm, int64_t l, const double *q, int64_t ld)
{
  double g[64 * 64] = {0}, s = 0.0;
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)l, (int)l, (int)lm, 1.0, q, (int)ld,
                q, (int)ld, 0.0, g, (int)l);
  MPI_Allreduce(MPI_IN_PLACE, g, (int)(l * l), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  for (int64_t j = 0; j < l; j++)
    for (int64_t i = 0; i < l; i++)
      s += (g[i + j * l] - (i == j)) * (g[i + j * l] - (i == j));
  return sqrt(s);
}

/* ||X - Q R||_F over the ranks (x: the full m x l matrix, q: rows row0 .. row0 + lm - 1). */
static double qr_residual(int64_t m, int64_t row0, int64_t lm, int64_t l, const double *x,
                          const double *q, int64_t ld, const double *r)
{
  double s = 0.0;
  for (int64_t i = 0; i < lm; i++)
    for (int64_t j = 0; j < l; j++) {
      double v = x[row0 + i + j * m];
      for (int64_t k = 0; k <= j; k++)
        v -= q[i + k * ld] * r[k + j * l];
      s += v * v;
    }
  MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return sqrt(s);
}

static double fro(int64_t n, const double *a)
{
  double s = 0.0;
  for (int64_t i = 0; i < n; i++)
    s += a[i] * a[i];
  return sqrt(s);
}

/* min over the row signs D of ||Ra - D Rb||_F, both l x l upper triangular */
static double r_distance(int64_t l, const double *ra, const double *rb)
{
  double s = 0.0;
  for (int64_t i = 0; i < l; i++) {
    double plus = 0.0, minus = 0.0;
    for (int64_t j = i; j < l; j++) {
      plus += (ra[i + j * l] - rb[i + j * l]) * (ra[i + j * l] - rb[i + j * l]);
      minus += (ra[i + j * l] + rb[i + j * l]) * (ra[i + j * l] + rb[i + j * l]);
    }
    s += plus < minus ? plus : minus;
  }
  return sqrt(s);
}

/* ||Ra^T Ra - Rb^T Rb||_F: both should be X^T X, whatever the rank of X */
static double gram_distance(int64_t l, const double *ra, const double *rb)
{
  double s = 0.0;
  for (int64_t j = 0; j < l; j++)
    for (int64_t i = 0; i < l; i++) {
      double a = 0.0, b = 0.0;
      for (int64_t k = 0; k <= (i < j ? i : j); k++) {
        a += ra[k + i * l] * ra[k + j * l];
        b += rb[k + i * l] * rb[k + j * l];
      }
      s += (a - b) * (a - b);
    }
  return sqrt(s);
}

/* The R factors of two paths a and b, each the exact R factor (up to row signs) of X + dX_i
   with an exactly orthonormal factor: for a Householder path dX_i is its backward error; for a
   path with a computed Q of ||Q^T Q - I||_2 <= delta_i, X + dX = Q R = U H R (polar
   decomposition, ||H - I||_2 <= delta_i), so U R = X + dX + U (I - H) R is exact with
   ||dX_i||_F <= (res_i + delta_i) ||X||_F (||R||_F = ||X||_F to first order). The QR
   perturbation bound (Sun, BIT 31, 1991; Chang, Paige, Stewart, SIMAX 18, 1997): for
   kappa_2(X) ||dX||_F / ||X||_2 = k e < 1, ||dR||_F <= sqrt(2) k e ||X||_2 / (1 - k e); with
   ||X||_F <= sqrt(l) ||X||_2 and e <= sqrt(l) (res_i + delta_i), and k e <= 1/2, the distance
   of the two R is at most 2 sqrt(2) kappa sqrt(l) (e_a + e_b) ||X||_2 <= that times ||X||_F.
   Beyond k e = 1/2 (or for a singular X) only the Gram identity is asserted: R^T R = X^T X +
   E with ||E||_F <= (2 res + delta + res^2) ||X||_F^2 (from X + dX = Q R and ||Q^T Q - I||),
   whatever the rank. */
static int r_agree(int64_t l, double kappa, double ea, double eb, double xf, const double *ra,
                   const double *rb)
{
  double ke = kappa * sqrt((double)l) * (ea + eb), gram = (2.0 * (ea + eb) + ea * ea + eb * eb);
  int ok = gram_distance(l, ra, rb) <= gram * xf * xf;
  if (ke <= 0.5) ok &= r_distance(l, ra, rb) <= 2.0 * sqrt(2.0) * ke * xf;
  return ok;
}

/* R (l x l) from rank 0 to every rank. */
static void share_r(int64_t l, double *r)
{
  MPI_Bcast(r, (int)(l * l), MPI_DOUBLE, 0, MPI_COMM_WORLD);
}

/* 1 when r (l x l) is bitwise the same on every rank */
static int same_everywhere(int64_t l, const double *r)
{
  double *root = malloc(sizeof(double) * (size_t)(l * l));
  int same;
  memcpy(root, r, sizeof(double) * (size_t)(l * l));
  share_r(l, root);
  same = memcmp(root, r, sizeof(double) * (size_t)(l * l)) == 0;
  free(root);
  return same;
}

/* One run of a method on the local rows of x: Q in q (leading dimension ld), R on every rank in
   r; returns the stats. */
static rla_orth_stats run_qr(rla_orth_method method, int64_t m, int64_t l, const double *x,
                             int64_t row0, int64_t lm, double *q, int64_t ld, double *r)
{
  rla_orth_stats st = {0, 0, 0};
  for (int64_t j = 0; j < l; j++)
    for (int64_t i = 0; i < lm; i++)
      q[i + j * ld] = x[row0 + i + j * m];
  memset(r, 0, sizeof(double) * (size_t)(l * l));
  RLA_ASSERT_OK(rla_orth_qr(rla_test_ctx, method, m, lm, l, q, ld, r, &st, NULL));
  share_r(l, r);
  return st;
}

/* The path each method must take on each case (m = 61, l = 7). The guard accepts a pass when the
   dtrcon estimate of kappa is at most 1 / (8 sqrt((m l + l (l + 1)) eps)) = 3.8e5: kappa 7
   passes; 1e10 fails, and after the shift (s = 11 (m l + l (l + 1)) eps ||X||_F^2) the basis
   has kappa about sqrt(s) / sigma_7 ~ 1e4, which passes; rank 4 and zero fail both (at 1e15 the
   outcome after the shift is left to rounding). */
static int expected_path(rla_orth_method method, int c, rla_orth_stats st)
{
  int deficient = c == DEFICIENT || c == ZERO;
  switch (method) {
  case RLA_ORTH_CHOLQR2: return st.shifted == 0 && st.tsqr == (c != WELL);
  case RLA_ORTH_SCHOLQR3: return st.shifted == 1 && (c == ILL15 || st.tsqr == deficient);
  case RLA_ORTH_AUTO:
    return st.shifted == (c != WELL) && (c == ILL15 || st.tsqr == deficient) &&
           (c != WELL || st.words == 2 * 7 * 7 + 2 * (7 * 7 + 1));
  default: return st.tsqr == 1 && st.shifted == 0;
  }
}

/* Every method, in Q mode and R-only mode, against the Householder TSQR reference on the cases
   and splits above: orthogonality (orth_bound of the path taken), backward error (res_bound),
   R agreeing with the reference's (r_agree), R-only results bitwise the same on every rank.
   The R-only TSQR combines up to 1 + ceil(log2 3) = 3 Householder QRs (backward error
   3 sqrt(l) gamma~_{ml} ||X||_F), within res_bound + orth_bound(tsqr) used for it. */
static void test_methods(void)
{
  const int64_t m = 61, l = 7;
  const rla_orth_method fast[3] = {RLA_ORTH_CHOLQR2, RLA_ORTH_SCHOLQR3, RLA_ORTH_AUTO};
  double *x = malloc(sizeof(double) * (size_t)(m * l));
  double *q = malloc(sizeof(double) * (size_t)((m + 1) * l)), rref[49], r[49];
  for (int kind = EVEN; kind <= GAPPED; kind++)
    for (int c = 0; c < NCASES; c++) {
      int64_t row0, lm, ld;
      double kappa = make_x(m, l, c, x), xf = fro(m * l, x), eref, e;
      rla_orth_stats st;
      split(m, kind, &row0, &lm);
      ld = lm + 1;
      st = run_qr(RLA_ORTH_TSQR, m, l, x, row0, lm, q, ld, rref);
      eref = res_bound(m, l) + orth_bound(m, l, 1);
      RLA_ASSERT_ALL(expected_path(RLA_ORTH_TSQR, c, st));
      RLA_ASSERT_ALL(orth_error(lm, l, q, ld) <= orth_bound(m, l, 1));
      RLA_ASSERT_ALL(qr_residual(m, row0, lm, l, x, q, ld, rref) <= res_bound(m, l) * xf);
      for (int f = 0; f < 3; f++) {
        st = run_qr(fast[f], m, l, x, row0, lm, q, ld, r);
        e = res_bound(m, l) + orth_bound(m, l, st.tsqr);
        if (!rla_test_all(expected_path(fast[f], c, st)) && rla_ctx_rank(rla_test_ctx) == 0)
          fprintf(stderr, "%s on %s: %d shifted, %d tsqr\n", rla_orth_method_name(fast[f]),
                  case_name[c], st.shifted, st.tsqr);
        RLA_ASSERT_ALL(expected_path(fast[f], c, st));
        RLA_ASSERT_ALL(orth_error(lm, l, q, ld) <= orth_bound(m, l, st.tsqr));
        RLA_ASSERT_ALL(qr_residual(m, row0, lm, l, x, q, ld, r) <= res_bound(m, l) * xf);
        RLA_ASSERT_ALL(r_agree(l, kappa, e, eref, xf, r, rref));
      }
      for (int f = 0; f < 2; f++) {
        rla_orth_method method = f ? RLA_ORTH_AUTO : RLA_ORTH_TSQR;
        for (int64_t j = 0; j < l; j++)
          memcpy(q + j * ld, x + row0 + j * m, sizeof(double) * (size_t)lm);
        memset(&st, 0, sizeof(st));
        RLA_ASSERT_OK(rla_orth_r(rla_test_ctx, method, m, lm, l, q, ld, r, &st, NULL));
        RLA_ASSERT_ALL(same_everywhere(l, r));
        RLA_ASSERT_ALL(r_agree(l, kappa, eref, eref, xf, r, rref));
      }
    }
  free(x);
  free(q);
}

/* One QR (r_only: R-only) of the local rows of x in ctx into q (leading dimension ld) and r,
   with work (NULL: allocate); returns the allocations it made on this rank. work is filled with
   NaN first, so that a result read from it before it is written would show. */
static long long counted_qr(rla_ctx ctx, rla_orth_method method, int r_only, int64_t m, int64_t l,
                            const double *x, int64_t row0, int64_t lm, double *q, int64_t ld,
                            double *r, double *work, int64_t nwork, rla_orth_stats *st)
{
  long long before;
  for (int64_t j = 0; j < l; j++)
    memcpy(q + j * ld, x + row0 + j * m, sizeof(double) * (size_t)lm);
  memset(r, 0, sizeof(double) * (size_t)(l * l));
  for (int64_t i = 0; work && i < nwork; i++)
    work[i] = NAN;
  memset(st, 0, sizeof(*st));
  before = rla_test_allocations();
  if (r_only)
    RLA_ASSERT_OK(rla_orth_r(ctx, method, m, lm, l, q, ld, r, st, work));
  else
    RLA_ASSERT_OK(rla_orth_qr(ctx, method, m, lm, l, q, ld, r, st, work));
  return rla_test_allocations() - before;
}

/* rla_orth_qr and rla_orth_r with a workspace (rla_orth_qr_work, rla_orth_r_work) in a context
   that counts allocations: none when the path takes no TSQR fallback (every method in R-only
   TSQR mode, the CholeskyQR paths of every method on the cases it finishes without TSQR), and
   Q, R and the stats bitwise the same as with the allocated buffers. */
/* The basis method on the cases and splits of test_methods: on the well-conditioned case one
   guarded pass (one Gram reduction and one broadcast of R with its verdict, no shift, no TSQR),
   whose Q has ||Q^T Q - I||_2 <= 5/64 (the first pass of CholeskyQR2 under its guard: Yamamoto et
   al., ETNA 44, 2015) and the backward error of the triangular solve; on the others the path and
   the accuracy of "auto" (orth_bound of the path taken). The Frobenius norm bounds the 2-norm. */
static void test_basis(void)
{
  const int64_t m = 61, l = 7;
  double *x = malloc(sizeof(double) * (size_t)(m * l));
  double *q = malloc(sizeof(double) * (size_t)((m + 1) * l)), r[49];
  for (int kind = EVEN; kind <= GAPPED; kind++)
    for (int c = 0; c < NCASES; c++) {
      int64_t row0, lm, ld;
      double xf;
      rla_orth_stats st;
      make_x(m, l, c, x);
      xf = fro(m * l, x);
      split(m, kind, &row0, &lm);
      ld = lm + 1;
      st = run_qr(RLA_ORTH_BASIS, m, l, x, row0, lm, q, ld, r);
      if (c == WELL) {
        RLA_ASSERT_ALL(st.shifted == 0 && st.tsqr == 0 && st.words == 7 * 7 + (7 * 7 + 1));
        RLA_ASSERT_ALL(orth_error(lm, l, q, ld) <= 5.0 / 64.0);
      } else {
        RLA_ASSERT_ALL(st.shifted == 1 && (c == ILL15 || st.tsqr == (c == DEFICIENT || c == ZERO)));
        RLA_ASSERT_ALL(orth_error(lm, l, q, ld) <= orth_bound(m, l, st.tsqr));
      }
      RLA_ASSERT_ALL(qr_residual(m, row0, lm, l, x, q, ld, r) <= res_bound(m, l) * xf);
    }
  free(x);
  free(q);
}

static void test_workspace(void)
{
  const int64_t m = 61, l = 7;
  const rla_orth_method methods[4] = {RLA_ORTH_CHOLQR2, RLA_ORTH_SCHOLQR3, RLA_ORTH_AUTO,
                                      RLA_ORTH_TSQR};
  rla_ctx ctx = rla_test_counting_ctx();
  int64_t nwork = rla_orth_qr_work(l) > rla_orth_r_work(rla_ctx_size(ctx), l)
                      ? rla_orth_qr_work(l)
                      : rla_orth_r_work(rla_ctx_size(ctx), l);
  double *x = malloc(sizeof(double) * (size_t)(m * l)),
         *work = malloc(sizeof(double) * (size_t)nwork);
  double *q0 = calloc((size_t)((m + 1) * l), sizeof(double)), r0[49], r1[49];
  double *q1 = calloc((size_t)((m + 1) * l), sizeof(double));
  RLA_ASSERT_ALL(ctx != NULL && x && work && q0 && q1);
  for (int kind = EVEN; kind <= GAPPED; kind++)
    for (int c = WELL; c <= ILL15; c++)
      for (int f = 0; f < 4; f++)
        for (int r_only = 0; r_only < 2; r_only++) {
          int64_t row0, lm, ld;
          rla_orth_stats s0, s1;
          long long a0, a1;
          make_x(m, l, c, x);
          split(m, kind, &row0, &lm);
          ld = lm + 1;
          a0 = counted_qr(ctx, methods[f], r_only, m, l, x, row0, lm, q0, ld, r0, NULL, 0, &s0);
          a1 = counted_qr(ctx, methods[f], r_only, m, l, x, row0, lm, q1, ld, r1, work, nwork, &s1);
          /* the allocating path does allocate (the counter counts) */
          RLA_ASSERT_ALL(a0 > 0);
          RLA_ASSERT_ALL(a1 == 0 || (s1.tsqr > 0 && !(r_only && methods[f] == RLA_ORTH_TSQR)));
          RLA_ASSERT_ALL(memcmp(q0, q1, sizeof(double) * (size_t)((m + 1) * l)) == 0);
          RLA_ASSERT_ALL(memcmp(r0, r1, sizeof(r0)) == 0);
          RLA_ASSERT_ALL(memcmp(&s0, &s1, sizeof(s0)) == 0);
        }
  rla_ctx_destroy(&ctx);
  free(x);
  free(work);
  free(q0);
  free(q1);
}

/* R only of a matrix with fewer rows than columns (m = 5 < l = 7, split evenly, every rank with
   fewer rows than l): against LAPACK's QR of the whole X on every rank, by the Gram identity
   of r_agree (X has rank 5, so R is not unique: R^T R = X^T X is asserted, to
   (2 (e_a + e_b) + e_a^2 + e_b^2) ||X||_F^2 with e = res_bound + orth_bound(tsqr) for both). */
static void test_r_wide(void)
{
  const int64_t m = 5, l = 7;
  double x[35], full[35], tau[7], rref[49] = {0}, r[49], q[42], xf, e;
  int64_t row0, lm, ld;
  for (int64_t i = 0; i < m; i++)
    rla_rng_gaussian(rla_rng_make(47, RLA_RNG_USER), (uint64_t)i, 0, (size_t)l, full + i * l);
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < l; j++)
      x[i + j * m] = full[j + i * l];
  xf = fro(m * l, x);
  memcpy(full, x, sizeof(x));
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)l, full, (lapack_int)m, tau);
  for (int64_t j = 0; j < l; j++)
    for (int64_t i = 0; i <= j && i < m; i++)
      rref[i + j * l] = full[i + j * m];
  split(m, EVEN, &row0, &lm);
  ld = lm > 0 ? lm : 1;
  for (int64_t j = 0; j < l; j++)
    memcpy(q + j * ld, x + row0 + j * m, sizeof(double) * (size_t)lm);
  RLA_ASSERT_OK(rla_orth_r(rla_test_ctx, RLA_ORTH_AUTO, m, lm, l, q, ld, r, NULL, NULL));
  RLA_ASSERT_ALL(same_everywhere(l, r));
  e = res_bound(m, l) + orth_bound(m, l, 1);
  RLA_ASSERT_ALL(gram_distance(l, r, rref) <= (4.0 * e + 2.0 * e * e) * xf * xf);
}

/* Rank-dependent values: a_i = sin(1 + i (rank + 2)), whose sums are rounded, so that a change
   of summation order would show; or (exact) small integers, whose sums are exact in any order. */
static void fill_rank(int64_t n, int exact, double *a)
{
  int me = rla_ctx_rank(rla_test_ctx);
  for (int64_t i = 0; i < n; i++)
    a[i] = exact ? (double)((i * 7 + me * 3) % 11) : sin(1.0 + (double)i * (me + 2));
}

/* The reductions split with pieces of 1, 7 and n doubles against one call (chunk = n): equal
   bitwise. MPI sums each element in an order that may depend on the count of the call (Open
   MPI 4.1 switches from recursive doubling to ring algorithms above a few KiB at 3 ranks, and the
   ring's order depends on the element's place), so two checks: rounded values in a buffer of
   200 doubles (1.6 KiB, below the switch, where the order is that of the ranks whatever the
   piece), and integers in one of 5000 (40 KiB, ring algorithms), whose sums are exact in any
   order, so that a piece lost, summed twice or misplaced would show. MPI_Reduce's order changes
   with the count even at 1.6 KiB (one element against 200 at 3 ranks), so its pieces are
   checked on the integers only. Sum to rank 0 then broadcast must give bitwise the same values
   on every rank, rounded or not. */
static void check_chunked(int64_t n, int exact)
{
  const int64_t chunks[3] = {1, 7, n};
  double *plain = malloc(sizeof(double) * (size_t)n), *cut = malloc(sizeof(double) * (size_t)n);
  fill_rank(n, exact, plain);
  RLA_ASSERT_OK(rla_reduce_sum(rla_test_ctx, plain, n));
  for (int c = 0; c < 3; c++) {
    fill_rank(n, exact, cut);
    RLA_ASSERT_OK(rla_reduce_sum_chunked(rla_test_ctx, cut, n, chunks[c]));
    RLA_ASSERT_ALL(memcmp(plain, cut, sizeof(double) * (size_t)n) == 0);
  }
  fill_rank(n, exact, plain);
  RLA_ASSERT_OK(rla_reduce_sum_replicated(rla_test_ctx, plain, n));
  for (int c = 0; c < 3 && exact; c++) {
    fill_rank(n, exact, cut);
    RLA_ASSERT_OK(rla_reduce_sum_root_chunked(rla_test_ctx, cut, n, chunks[c]));
    RLA_ASSERT_OK(rla_reduce_bcast_chunked(rla_test_ctx, cut, n, chunks[c]));
    RLA_ASSERT_ALL(memcmp(plain, cut, sizeof(double) * (size_t)n) == 0);
  }
  /* every rank holds rank 0's values */
  memcpy(cut, plain, sizeof(double) * (size_t)n);
  MPI_Bcast(cut, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  RLA_ASSERT_ALL(memcmp(plain, cut, sizeof(double) * (size_t)n) == 0);
  free(plain);
  free(cut);
}

static void test_reduce_chunked(void)
{
  check_chunked(200, 0);
  check_chunked(5000, 1);
}

/* The ring reduce-scatter: small integers (sums exact in any order) in a 23 x 5 matrix, blocks
   of uneven rows with at 3 ranks an empty one, against the sums computed here. */
static void test_reduce_scatter(void)
{
  const int64_t l = 23, c = 5;
  int P = rla_ctx_size(rla_test_ctx), me = rla_ctx_rank(rla_test_ctx);
  int64_t row0[3], rows[3];
  double w[115];
  int ok = 1;
  for (int p = 0, at = 0; p < P; p++) {
    rows[p] = P == 1 ? l : p == 0 ? 9 : p == P - 1 ? l - 9 : 0;
    row0[p] = at;
    at += (int)rows[p];
  }
  for (int64_t i = 0; i < l * c; i++)
    w[i] = (double)((i * 7 + me * 3) % 11);
  RLA_ASSERT_OK(rla_reduce_scatter_rows(rla_test_ctx, w, l, c, row0, rows, NULL));
  for (int64_t j = 0; j < c; j++)
    for (int64_t i = row0[me]; i < row0[me] + rows[me]; i++) {
      double want = 0.0;
      for (int p = 0; p < P; p++)
        want += (double)(((i + j * l) * 7 + p * 3) % 11);
      ok &= w[i + j * l] == want;
    }
  RLA_ASSERT_ALL(ok);
}

/* One provoked error per entry point. */
static void test_errors(void)
{
  double x[14] = {0}, r[49];
  int me = rla_ctx_rank(rla_test_ctx), P = rla_ctx_size(rla_test_ctx);
  int64_t lm = me == 0 ? 2 : 0;
  RLA_ASSERT_FAILS(rla_orth_qr(rla_test_ctx, RLA_ORTH_AUTO, 2, lm, 7, x, 2, r, NULL, NULL),
                   RLA_ERR_ARG, "m >= l");
  RLA_ASSERT_FAILS(rla_orth_qr(rla_test_ctx, RLA_ORTH_NMETHODS, 14, me == 0 ? 14 : 0, 1, x, 14,
                               NULL, NULL, NULL),
                   RLA_ERR_ARG, "unknown method");
  RLA_ASSERT_FAILS(
      rla_orth_qr(rla_test_ctx, RLA_ORTH_TSQR, 7, me == 0 ? 7 : 0, 2, x, 1, NULL, NULL, NULL),
      RLA_ERR_ARG, "leading dimension");
  RLA_ASSERT_FAILS(
      rla_orth_r(rla_test_ctx, RLA_ORTH_TSQR, 7, me == 0 ? 7 : 0, 2, x, 7, NULL, NULL, NULL),
      RLA_ERR_ARG, "NULL R");
  /* the rows of the ranks add up to P, not to the m = P + 1 given */
  RLA_ASSERT_FAILS(rla_orth_r(rla_test_ctx, RLA_ORTH_TSQR, P + 1, 1, 2, x, 1, r, NULL, NULL),
                   RLA_ERR_ARG, "add up");
  RLA_ASSERT_FAILS(rla_reduce_sum_chunked(rla_test_ctx, x, 14, 0), RLA_ERR_INTERNAL, "pieces");
  RLA_ASSERT_FAILS(rla_reduce_sum_root_chunked(rla_test_ctx, x, 14, 0), RLA_ERR_INTERNAL, "pieces");
  RLA_ASSERT_FAILS(rla_reduce_bcast_chunked(rla_test_ctx, x, 14, 0), RLA_ERR_INTERNAL, "pieces");
  RLA_ASSERT_ALL(rla_orth_method_name(RLA_ORTH_NMETHODS) == NULL &&
                 !strcmp(rla_orth_method_name(RLA_ORTH_SCHOLQR3), "scholqr3"));
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("orth", NULL, NULL);
  CU_add_test(s, "fast paths against the TSQR reference", test_methods);
  CU_add_test(s, "basis: one guarded pass", test_basis);
  CU_add_test(s, "R only of a wide matrix", test_r_wide);
  CU_add_test(s, "workspace: no allocation, the same results", test_workspace);
  CU_add_test(s, "chunked reductions, replicated sums", test_reduce_chunked);
  CU_add_test(s, "ring reduce-scatter", test_reduce_scatter);
  CU_add_test(s, "provoked errors", test_errors);
}
