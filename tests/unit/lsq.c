/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of rla_lsq: the accurate, sketch-and-solve and direct methods against LAPACK on
   problems with known solutions, rank deficiency, multiple right-hand sides, independence of
   the rank count, a matrix-free operator, the direct method on a sparse one (SuiteSparseQR),
   allocation-free solves, the sketch preconditioner object, and provoked errors. */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rla/lsq.h"
#include "rla/rng.h"

/* A test problem, held in full (column-major) and identically on every rank. */
typedef struct {
  int64_t m, d, nrhs;
  double *a;     /* m x d */
  double *b;     /* m x nrhs */
  double *xstar; /* d x nrhs: the exact least-squares solutions */
  double *rstar; /* nrhs: ||b_j - A x*_j|| */
} problem;

static void problem_free(problem *p)
{
  free(p->a);
  free(p->b);
  free(p->xstar);
  free(p->rstar);
  memset(p, 0, sizeof(*p));
}

/* orthonormal m x n (m >= n) from Gaussian entries of stream (seed, purpose) */
static void orthonormal(int64_t m, int64_t n, uint64_t seed, uint64_t purpose, double *q)
{
  double *tau = malloc(sizeof(double) * (size_t)n);
  for (int64_t j = 0; j < n; j++)
    rla_rng_gaussian(rla_rng_make(seed, purpose), (uint64_t)j, 0, (size_t)m, q + j * m);
  LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, q, (lapack_int)m, tau);
  LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)n, q, (lapack_int)m,
                 tau);
  free(tau);
}

/* Spectra of the test matrices: sigma_j (j = 0..d-1) from 1 down to 1/kappa */
typedef enum { SPECTRUM_GEOMETRIC, SPECTRUM_ONE_SMALL, SPECTRUM_TWO_CLUSTERS } spectrum_kind;

static double sigma_of(spectrum_kind kind, int64_t j, int64_t d, double kappa)
{
  switch (kind) {
  case SPECTRUM_ONE_SMALL: return j == d - 1 ? 1.0 / kappa : 1.0;
  case SPECTRUM_TWO_CLUSTERS: return j < d / 2 ? 1.0 : 1.0 / kappa;
  default: return d > 1 ? pow(kappa, -(double)j / (double)(d - 1)) : 1.0;
  }
}

/* A = U diag(sigma) V^T with sigma of the kind (log-spaced from 1 to 1/kappa unless said
   otherwise); b_j = A x_j + rho ||A x_j|| u_j
   with u_j a unit vector orthogonal to range(A), so x*_j = x_j and ||r*_j|| = rho ||A x_j||.
   With colscale != 1, every other column of A is multiplied by colscale (and x* divided by it),
   a badly scaled A that column equilibration repairs. */
static void make_problem_kind(int64_t m, int64_t d, int64_t nrhs, double kappa, double rho,
                              double colscale, spectrum_kind kind, uint64_t seed, problem *p)
{
  double *u = malloc(sizeof(double) * (size_t)(m * (d + nrhs)));
  double *v = malloc(sizeof(double) * (size_t)(d * d)),
         *us = malloc(sizeof(double) * (size_t)(m * d));
  p->m = m;
  p->d = d;
  p->nrhs = nrhs;
  p->a = calloc((size_t)(m * d), sizeof(double));
  p->b = calloc((size_t)(m * nrhs), sizeof(double));
  p->xstar = calloc((size_t)(d * nrhs), sizeof(double));
  p->rstar = calloc((size_t)nrhs, sizeof(double));
  orthonormal(m, d + nrhs, seed, RLA_RNG_USER, u);
  orthonormal(d, d, seed, RLA_RNG_USER + 1, v);
  for (int64_t j = 0; j < d; j++) {
    double s = sigma_of(kind, j, d, kappa);
    for (int64_t i = 0; i < m; i++)
      us[i + j * m] = u[i + j * m] * s;
  }
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)m, (int)d, (int)d, 1.0, us, (int)m, v,
              (int)d, 0.0, p->a, (int)m);
  for (int64_t j = 0; j < nrhs; j++) {
    double *x = p->xstar + j * d, *b = p->b + j * m, nax;
    rla_rng_gaussian(rla_rng_make(seed, RLA_RNG_USER + 2), (uint64_t)j, 0, (size_t)d, x);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)m, (int)d, 1.0, p->a, (int)m, x, 1, 0.0, b, 1);
    nax = cblas_dnrm2((int)m, b, 1);
    cblas_daxpy((int)m, rho * nax, u + (d + j) * m, 1, b, 1);
    p->rstar[j] = rho * nax;
  }
  for (int64_t c = 1; c < d; c += 2) {
    cblas_dscal((int)m, colscale, p->a + c * m, 1);
    for (int64_t j = 0; j < nrhs; j++)
      p->xstar[c + j * d] /= colscale;
  }
  free(u);
  free(v);
  free(us);
}

static void make_problem(int64_t m, int64_t d, int64_t nrhs, double kappa, double rho,
                         uint64_t seed, problem *p)
{
  make_problem_kind(m, d, nrhs, kappa, rho, 1.0, SPECTRUM_GEOMETRIC, seed, p);
}

/* distributed copies of A and B (row block mb, 0 for the default) */
static void distribute(const problem *p, int64_t mb, rla_dmat *A, rla_dmat *B)
{
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, p->m, p->d, mb, A));
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, p->m, p->nrhs, mb, B));
  RLA_ASSERT_OK(rla_dmat_scatter(*A, 0, p->a));
  RLA_ASSERT_OK(rla_dmat_scatter(*B, 0, p->b));
}

/* LAPACK dgels (Householder QR) on the full problem: x (d x nrhs) */
static void lapack_solve(const problem *p, double *x)
{
  double *a = malloc(sizeof(double) * (size_t)(p->m * p->d));
  double *b = malloc(sizeof(double) * (size_t)(p->m * p->nrhs));
  memcpy(a, p->a, sizeof(double) * (size_t)(p->m * p->d));
  memcpy(b, p->b, sizeof(double) * (size_t)(p->m * p->nrhs));
  LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', (lapack_int)p->m, (lapack_int)p->d, (lapack_int)p->nrhs, a,
                (lapack_int)p->m, b, (lapack_int)p->m);
  for (int64_t j = 0; j < p->nrhs; j++)
    memcpy(x + j * p->d, b + j * p->m, sizeof(double) * (size_t)p->d);
  free(a);
  free(b);
}

static double rel_diff(int64_t n, const double *x, const double *y)
{
  double num = 0.0, den = 0.0;
  for (int64_t i = 0; i < n; i++) {
    num += (x[i] - y[i]) * (x[i] - y[i]);
    den += y[i] * y[i];
  }
  return den > 0.0 ? sqrt(num / den) : sqrt(num);
}

/* The residual of x for column j, in long double: ||r|| for r = b - A x, ||A||_F,
   ||A^T r|| / (||A||_F ||r||), and A^T r into g (d, may be NULL); with the rounding bounds of the
   same computed in double (the library's), relative to them: |dr| <= gamma_(d+1) (|b| + |A| |x|),
   |dg| <= gamma_m |A|^T |r| + |A|^T |dr|, and gamma_(m+d) for ||A||_F^2, with a factor 2 for the
   norms taken of them (eps = 2u covers gamma_n = n u / (1 - n u)); a row or a column dropped or
   counted twice changes them at O(1). The long double values themselves are within those bounds
   times LDBL_EPSILON / DBL_EPSILON = 2^-11 (x87) of the exact ones. */
typedef struct {
  double rn, af, ratio;
  double tol_r, tol_f, tol_g;
} evaluation;

static void evaluate(const problem *p, int64_t j, const double *x, evaluation *e, double *gout)
{
  const int64_t m = p->m, d = p->d;
  const double eps = RLA_EPS, *b = p->b + j * m;
  double *dr = malloc(sizeof(double) * (size_t)m);
  long double *rl = malloc(sizeof(long double) * (size_t)m);
  long double rn2 = 0.0L, af2 = 0.0L, g2 = 0.0L, n1 = 0.0L, gb2 = 0.0L;
  for (int64_t i = 0; i < m; i++) {
    long double r = b[i], mag = fabs(b[i]);
    for (int64_t k = 0; k < d; k++) {
      r -= (long double)p->a[i + k * m] * x[k];
      mag += fabs(p->a[i + k * m] * x[k]);
    }
    rl[i] = r;
    rn2 += r * r;
    n1 += mag * mag;
    dr[i] = (double)((d + 1) * eps * mag); /* bound on the error of the computed r_i */
  }
  for (int64_t k = 0; k < d; k++) {
    long double g = 0.0L, gb = 0.0L;
    for (int64_t i = 0; i < m; i++) {
      long double r = rl[i], aik = p->a[i + k * m];
      g += aik * r;
      gb += fabsl(aik) * ((long double)m * eps * fabsl(r) + dr[i]);
      af2 += aik * aik;
    }
    if (gout) gout[k] = (double)g;
    g2 += g * g;
    gb2 += gb * gb;
  }
  e->rn = sqrt((double)rn2);
  e->af = sqrt((double)af2);
  e->ratio = rn2 > 0.0L ? sqrt((double)g2) / (e->af * e->rn) : 0.0;
  e->tol_r = e->rn > 0.0 ? 2.0 * (sqrt((double)n1) * (d + 1) * eps / e->rn + (m + 2) * eps) : 0.0;
  e->tol_f = 2.0 * (m + d) * eps;
  e->tol_g = g2 > 0.0L
                 ? 2.0 * (sqrt((double)gb2) / sqrt((double)g2) + e->tol_r + e->tol_f + d * eps)
                 : 0.0;
  free(dr);
  free(rl);
}

/* What the bounds need of A: its singular values and right singular vectors (LAPACK dgesvd,
   backward stable: the computed sigma_d is within d eps sigma_1 of the exact one, 0.5% at kappa
   1e12 here), ||A||_2, ||A||_F, kappa_2 and the ratio of its largest to smallest column norm. */
typedef struct {
  double *s, *vt; /* d, d x d */
  double n2, nf, kappa, colratio;
} facts;

static void facts_make(const problem *p, facts *f)
{
  int64_t m = p->m, d = p->d;
  double *a = malloc(sizeof(double) * (size_t)(m * d)),
         *superb = malloc(sizeof(double) * (size_t)d);
  double cmax = 0.0, cmin = INFINITY;
  f->s = malloc(sizeof(double) * (size_t)d);
  f->vt = malloc(sizeof(double) * (size_t)(d * d));
  memcpy(a, p->a, sizeof(double) * (size_t)(m * d));
  f->nf = LAPACKE_dlange(LAPACK_COL_MAJOR, 'F', (lapack_int)m, (lapack_int)d, a, (lapack_int)m);
  LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'A', (lapack_int)m, (lapack_int)d, a, (lapack_int)m, f->s,
                 NULL, 1, f->vt, (lapack_int)d, superb);
  for (int64_t k = 0; k < d; k++) {
    double c = cblas_dnrm2((int)m, p->a + k * m, 1);
    cmax = fmax(cmax, c);
    cmin = fmin(cmin, c);
  }
  f->n2 = f->s[0];
  f->kappa = f->s[0] / f->s[d - 1];
  f->colratio = cmax / cmin;
  free(a);
  free(superb);
}

static void facts_free(facts *f)
{
  free(f->s);
  free(f->vt);
}

/* Karlson-Walden estimate of the normwise backward error min ||[dA, theta db]||_F / ||A||_F of x
   for column j (theta = ||A||_F / ||b||), with the SVD of A and the residual in long double. It
   is within a factor sqrt(2) of the optimal backward error, either way (Gu, SIMAX 1998; Hallman,
   2020), and an optimal one mu gives ||dA||_2 <= mu ||A||_F and ||db|| <= mu ||b||. */
static double kw_of(const problem *p, const facts *f, int64_t j, const double *x)
{
  int64_t d = p->d;
  double *g = malloc(sizeof(double) * (size_t)d), *t = malloc(sizeof(double) * (size_t)d);
  double bn = cblas_dnrm2((int)p->m, p->b + j * p->m, 1), xn = cblas_dnrm2((int)d, x, 1);
  double theta = f->nf / bn, fac = theta / sqrt(1.0 + theta * theta * xn * xn), mu, sum = 0.0;
  evaluation e;
  evaluate(p, j, x, &e, g);
  mu = fac * fac * e.rn * e.rn;
  cblas_dgemv(CblasColMajor, CblasNoTrans, (int)d, (int)d, 1.0, f->vt, (int)d, g, 1, 0.0, t, 1);
  for (int64_t i = 0; i < d; i++)
    sum += t[i] * t[i] / (f->s[i] * f->s[i] + mu);
  free(g);
  free(t);
  return fac * sqrt(sum) / f->nf;
}

/* Perturbation bound of least squares (Wedin; Higham, Accuracy and Stability of Numerical
   Algorithms, 2nd ed., Thm 20.1): when y solves min ||(b + db) - (A + dA) y|| exactly with
   ||dA||_2 <= e ||A||_2, ||db|| <= e ||b|| and kappa e < 1, then ||y - x|| / ||x|| <=
   kappa e / (1 - kappa e) (2 + (kappa + 1) rho), rho = ||r|| / (||A||_2 ||x||), for the solution
   x and residual r of the unperturbed problem. Every use below has kappa e below 1e-2. */
static double wedin(double kappa, double e, double rho)
{
  double ke = kappa * e;
  return ke < 1.0 ? ke / (1.0 - ke) * (2.0 + (kappa + 1.0) * rho) : INFINITY;
}

/* The bound above for column j of p from a normwise backward error mu as in kw_of (the
   constructed x*, r* stand for the exact solution of the rounded data: first order). */
static double forward_bound(const problem *p, const facts *f, int64_t j, double mu)
{
  double xn = cblas_dnrm2((int)p->d, p->xstar + j * p->d, 1);
  return wedin(f->kappa, mu * f->nf / f->n2, p->rstar[j] / (f->n2 * xn));
}

/* Normwise backward error bound of a Householder QR least-squares solution (LAPACK dgels,
   ScaLAPACK PDGELS; Higham, Thm 20.3): columnwise ||da_j|| <= gamma ||a_j||, ||db|| <= gamma
   ||b||, gamma = c m d u / (1 - c m d u) with a small constant c: m d eps (c = 2). Columnwise, so
   it holds for A D as well, any column scaling D. */
static double mu_householder(int64_t m, int64_t d) { return (double)m * (double)d * RLA_EPS; }

/* Distortion bound of the sketch on span[A b] (see solve_band): Davidson-Szarek with t = 3. */
static double distortion(int64_t d, int64_t l)
{
  return sqrt((double)(d + 1) / (double)l) + 3.0 / sqrt((double)l);
}

/* Backward error bound (as in kw_of) of the accurate method's x on the equilibrated problem A D''
   of equilibrate. The method stops when its estimate for A D (D = 1 / ||S a_j||) is at most tol;
   the estimate takes the sketch's R, with R^T R = (S A D)^T S A D between (1 - e)^2 and
   (1 + e)^2 times (A D)^T A D, so the exact Karlson-Walden estimate is at most (1 + e) times it;
   the optimal backward error is within sqrt(2) of that; D / D'' lies in [1 / (1 + e),
   1 / (1 - e)], which changes it by at most (1 + e) / (1 - e); kw_of is within sqrt(2) of that.
   So 2 (1 + e)^2 / (1 - e) tol, 10.5-11.5 eps at the default tol 2 eps here. First order: the
   rounding of the solver's A^T r (its sums of random sign have errors of order u ||a_j|| ||r||,
   the worst case m u is not approached) is taken as inside tol. */
static double mu_accurate(int64_t d, int64_t l, double tol)
{
  double e = distortion(d, l);
  return 2.0 * (1.0 + e) * (1.0 + e) / (1.0 - e) * tol;
}

/* The column-equilibrated problem q of p: A D'' with D'' = diag(1 / ||a_j||), D''^-1 x* and the
   same b and r* (the scaling's rounding is a columnwise backward error of u); dcol gets D''. */
static void equilibrate(const problem *p, problem *q, double *dcol)
{
  int64_t m = p->m, d = p->d;
  q->m = m;
  q->d = d;
  q->nrhs = p->nrhs;
  q->a = malloc(sizeof(double) * (size_t)(m * d));
  q->b = malloc(sizeof(double) * (size_t)(m * p->nrhs));
  q->xstar = malloc(sizeof(double) * (size_t)(d * p->nrhs));
  q->rstar = malloc(sizeof(double) * (size_t)p->nrhs);
  memcpy(q->b, p->b, sizeof(double) * (size_t)(m * p->nrhs));
  memcpy(q->rstar, p->rstar, sizeof(double) * (size_t)p->nrhs);
  for (int64_t k = 0; k < d; k++) {
    double c = cblas_dnrm2((int)m, p->a + k * m, 1);
    dcol[k] = 1.0 / c;
    for (int64_t i = 0; i < m; i++)
      q->a[i + k * m] = p->a[i + k * m] / c;
    for (int64_t j = 0; j < p->nrhs; j++)
      q->xstar[k + j * d] = p->xstar[k + j * d] * c;
  }
}

/* y = D''^-1 x (n entries) */
static void unscale(int64_t n, const double *dcol, const double *x, double *y)
{
  for (int64_t i = 0; i < n; i++)
    y[i] = x[i] / dcol[i];
}

static rla_lsq make_solver(rla_lsq_method method, rla_sketch_type type, uint64_t seed)
{
  rla_lsq L = NULL;
  RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
  RLA_ASSERT_OK(rla_lsq_set_method(L, method));
  RLA_ASSERT_OK(rla_lsq_set_sketch_type(L, type));
  RLA_ASSERT_OK(rla_lsq_set_seed(L, seed));
  RLA_ASSERT_OK(rla_lsq_setup(L));
  return L;
}

static int verbose(void)
{
  return getenv("RLA_TEST_VERBOSE") != NULL && rla_ctx_rank(rla_test_ctx) == 0;
}

/* Accurate method for kappa 1 to 1e12 (a last case at kappa 1e5 with every other column scaled
   by 1e6), residual ||r*|| = ||A x*||, judged on the column-equilibrated problem A D'' (see
   equilibrate; A itself at colscale 1e6 has kappa 1e11, to which the method is not bound):
   backward error (kw_of) at most mu_accurate; forward error of D''^-1 x against D''^-1 x*
   within the perturbation bounds of both (x with mu_accurate, x* with its own backward error,
   the rounding of the construction); ||A^T r|| / (||A||_F ||r||) within what that backward
   error mu allows: (A + dA)^T (b + db - (A + dA) x) = 0 gives ||A^T r|| <= mu ||A||_F ||r|| +
   (1 + mu) ||A||_F mu (||b|| + ||A||_F ||x||). dgels's figures are printed for comparison only. */
static void test_accurate_vs_lapack(void)
{
  const double kappas[] = {1.0, 1e2, 1e5, 1e8, 1e10, 1e12, 1e5};
  const double colscales[] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1e6};
  const int64_t m = 700, d = 24;
  for (size_t t = 0; t < sizeof(kappas) / sizeof(kappas[0]); t++) {
    problem p, q;
    facts f;
    rla_dmat A = NULL, B = NULL;
    rla_lsq L = make_solver(RLA_LSQ_ACCURATE, RLA_SKETCH_SRHT, 7);
    rla_lsq_info info;
    evaluation ev, evq;
    double x[24], xl[24], y[24], yl[24], dcol[24], fe, fel, kw, kwl, kws, mu, fbound, rbound;
    double yn, bn, kmax, e;
    int ok = 1;
    make_problem_kind(m, d, 1, kappas[t], 1.0, colscales[t], SPECTRUM_GEOMETRIC, 100 + t, &p);
    equilibrate(&p, &q, dcol);
    facts_make(&q, &f);
    distribute(&p, 0, &A, &B);
    lapack_solve(&p, xl);
    RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
    unscale(d, dcol, x, y);
    unscale(d, dcol, xl, yl);
    fe = rel_diff(d, y, q.xstar);
    fel = rel_diff(d, yl, q.xstar);
    evaluate(&p, 0, x, &ev, NULL);
    evaluate(&q, 0, y, &evq, NULL);
    kw = kw_of(&q, &f, 0, y);
    kwl = kw_of(&q, &f, 0, yl);
    kws = kw_of(&q, &f, 0, q.xstar);
    mu = mu_accurate(d, info.sketch_rows, info.tol);
    fbound = forward_bound(&q, &f, 0, sqrt(2.0) * mu) + forward_bound(&q, &f, 0, sqrt(2.0) * kws);
    yn = cblas_dnrm2((int)d, y, 1);
    bn = cblas_dnrm2((int)m, q.b, 1);
    rbound = sqrt(2.0) * mu * (1.0 + (1.0 + sqrt(2.0) * mu) * (bn + evq.af * yn) / evq.rn) +
             evq.tol_g * evq.ratio * (LDBL_EPSILON / DBL_EPSILON);
    e = distortion(d, info.sketch_rows);
    /* kappa_sketch: LAPACK's 1-norm estimate of kappa(R) is at most kappa_1 <= d kappa_2 (or it
       is kappa_2 from the SVD), and kappa_2(S A D) <= (1 + e) / (1 - e) kappa_2(A D) <=
       ((1 + e) / (1 - e))^2 kappa_2(A D'') */
    kmax = (double)d * ((1.0 + e) / (1.0 - e)) * ((1.0 + e) / (1.0 - e)) * f.kappa;
    if (verbose())
      fprintf(stderr,
              "kappa %.0e: fe %.2e (bound %.2e, dgels %.2e) ratio %.2f eps (bound %.3g, dgels "
              "%.2f, lib %.2f) kw %.2f eps (bound %.2f, dgels %.2f, x* %.2f, est %.2f) its %lld "
              "refinements %lld kappa_pre %.3f kappa_sk %.3g (bound %.3g) l %lld\n",
              kappas[t], fe, fbound, fel, evq.ratio / RLA_EPS, rbound / RLA_EPS, ev.ratio / RLA_EPS,
              info.backward_error[0] / RLA_EPS, kw / RLA_EPS, mu / RLA_EPS, kwl / RLA_EPS,
              kws / RLA_EPS, info.backward_error_estimate[0] / RLA_EPS, (long long)info.iterations,
              (long long)info.refinements, info.kappa_preconditioned, info.kappa_sketch, kmax,
              (long long)info.sketch_rows);
    ok &= fe <= fbound;
    ok &= evq.ratio <= rbound;
    ok &= kw <= mu;
    ok &= info.converged && info.rhs_converged[0] && info.backward_error_estimate[0] <= info.tol;
    /* the reported residual and ratio are those of the returned x, to the rounding of their
       evaluation in double (evaluate) */
    ok &= fabs(info.residual_norm[0] - ev.rn) <= ev.tol_r * ev.rn;
    ok &= fabs(info.backward_error[0] - ev.ratio) <= ev.tol_g * ev.ratio;
    ok &= info.rank == d && !info.truncated && info.iterations > 0 && info.kappa_sketch <= kmax;
    ok &= info.passes == info.iterations + info.refinements + 1;
    /* the preconditioned condition number: (1 + e) / (1 - e) = 2.1 from the embedding at l = 500;
       the rounding of R (exact for S A + E, ||E|| <= c l d u ||S A||) adds up to c l d u
       kappa in the worst case, above 1 from kappa 1e8 on, with no a priori bound there: 10
       only tells a working preconditioner (1.2-1.3 measured at every kappa) from one that lost
       it (kappa_pre near kappa) */
    ok &= info.kappa_preconditioned >= 1.0 && info.kappa_preconditioned < 10.0;
    /* the sketch is factored by Cholesky of its Gram matrix when its condition estimate is at
       most 1e7 (kappa 1e5 here, with or without the column scaling that equilibration
       removes), by TSQR when it is far above (kappa 1e8 and up) */
    if (kappas[t] <= 1e5) ok &= strcmp(info.factorization, "cholesky") == 0;
    if (kappas[t] >= 1e8) ok &= strcmp(info.factorization, "tsqr") == 0;
    /* one history entry per residual evaluation and per CG step (one right-hand side); the
       reported estimate is the smallest of those made at residual evaluations */
    ok &= info.nhistory == info.iterations + info.refinements + 1;
    {
      double hmin = INFINITY;
      for (int64_t i = 0; i < info.nhistory; i++)
        hmin = fmin(hmin, info.history[i]);
      ok &= hmin <= info.backward_error_estimate[0] && info.history[0] > info.tol;
    }
    RLA_ASSERT_ALL(ok);
    rla_lsq_destroy(&L);
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&B);
    facts_free(&f);
    problem_free(&q);
    problem_free(&p);
  }
}

/* The Cholesky factor of the sketch's Gram matrix as the preconditioner, on spectra other than
   the geometric one of test_accurate_vs_lapack: one small singular value, and two clusters,
   at kappa 1e4, 3e5 and 1e6, where its 2-norm condition estimate is below the 1e7 up to which
   it is taken. LAPACK's 1-norm estimate (reported as kappa_sketch) exceeds kappa_2 by up to
   25x with one small singular value, above 1e7 at 1e6: that case shows the 2-norm estimate
   deciding.
   Its rounding must not spoil the preconditioner: the preconditioned condition number (Lanczos
   estimate, from below) stays within (1 + e) / (1 - e) for e = e_s + delta: e_s the embedding's
   distortion (distortion, Davidson-Szarek t = 3; 1.98 alone here), delta the relative change of
   the Gram matrix's smallest eigenvalue by the factor's rounding, (d + 1) u kappa_2(S A D)^2 to
   first order (Higham, ASNA Thm 10.3, |dG| <= gamma_(d+1) |R^T| |R| with |R^T| |R| of the size of
   G, whose diagonal is 1), kappa_2(S A D) <= ((1 + e_s) / (1 - e_s))^2 kappa_2(A D''): below
   2e-2 here. And the solve meets the accuracy asserted in test_accurate_vs_lapack (backward
   error, forward error from both backward errors, on A D''). */
static void test_cholesky_spectra(void)
{
  const spectrum_kind kinds[] = {SPECTRUM_ONE_SMALL, SPECTRUM_TWO_CLUSTERS};
  const double kappas[] = {1e4, 3e5, 1e6};
  const int64_t m = 2000, d = 40;
  for (size_t k = 0; k < 2; k++)
    for (size_t t = 0; t < 3; t++) {
      problem p, q;
      facts f;
      rla_dmat A = NULL, B = NULL;
      rla_lsq L = make_solver(RLA_LSQ_ACCURATE, RLA_SKETCH_SRHT, 11);
      rla_lsq_info info;
      double x[40], y[40], dcol[40], fe, kw, kws, mu, fbound, es, ks, delta, bound;
      int ok = 1;
      make_problem_kind(m, d, 1, kappas[t], 0.5, 1.0, kinds[k], t < 2 ? 900 + 2 * k + t : 910 + k,
                        &p);
      equilibrate(&p, &q, dcol);
      facts_make(&q, &f);
      distribute(&p, 0, &A, &B);
      RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
      unscale(d, dcol, x, y);
      fe = rel_diff(d, y, q.xstar);
      kw = kw_of(&q, &f, 0, y);
      kws = kw_of(&q, &f, 0, q.xstar);
      mu = mu_accurate(d, info.sketch_rows, info.tol);
      fbound = forward_bound(&q, &f, 0, sqrt(2.0) * mu) + forward_bound(&q, &f, 0, sqrt(2.0) * kws);
      es = distortion(d, info.sketch_rows);
      ks = (1.0 + es) / (1.0 - es) * (1.0 + es) / (1.0 - es) * f.kappa;
      delta = (double)(d + 1) * 0.5 * RLA_EPS * ks * ks;
      bound = (1.0 + es + delta) / (1.0 - es - delta);
      if (verbose())
        fprintf(stderr,
                "spectrum %d, kappa %.0e: %s, kappa_sk %.3g, kappa_pre %.3f (bound %.2f, delta "
                "%.1e), its %lld, fe %.2e (bound %.2e), kw %.2f eps (bound %.2f)\n",
                (int)kinds[k], kappas[t], info.factorization, info.kappa_sketch,
                info.kappa_preconditioned, bound, delta, (long long)info.iterations, fe, fbound,
                kw / RLA_EPS, mu / RLA_EPS);
      ok &= strcmp(info.factorization, "cholesky") == 0;
      if (kinds[k] == SPECTRUM_ONE_SMALL && kappas[t] == 1e6) ok &= info.kappa_sketch > 1e7;
      ok &= info.kappa_preconditioned >= 1.0 && info.kappa_preconditioned <= bound;
      ok &= info.converged && kw <= mu;
      ok &= fe <= fbound;
      RLA_ASSERT_ALL(ok);
      rla_lsq_destroy(&L);
      rla_dmat_destroy(&A);
      rla_dmat_destroy(&B);
      facts_free(&f);
      problem_free(&q);
      problem_free(&p);
    }
}

/* Sketch-and-solve: with distortion eps_e on span[A b], ||r_sas|| <= ||S r_sas|| / (1 - eps_e)
   <= ||S r*|| / (1 - eps_e) <= (1 + eps_e) / (1 - eps_e) ||r*||. For a Gaussian l x k sketch
   (k = d + 1) the singular values lie in 1 +- (sqrt(k / l) + t / sqrt(l)) with probability
   1 - 2 exp(-t^2 / 2) (Davidson-Szarek); t = 3 gives eps_e = sqrt(k / l) + 3 / sqrt(l)
   (distortion), which we also use for the block SRHT, whose embedding behaves like a Gaussian
   one at these sizes (Balabanov et al. 2023). So C in ||r_sas|| <= (1 + C sqrt(d / l)) ||r*||
   is 2 (1 + 3 / sqrt(k)) / (1 - eps_e) sqrt(k / d) here. */
static double solve_band(int64_t d, int64_t l)
{
  double eps_e = distortion(d, l);
  return (1.0 + eps_e) / (1.0 - eps_e);
}

/* Normwise backward error, relative to ||S A||_2, of sketch-and-solve's computed x for the
   sketched problem min ||S A x - S b|| with c = d + nrhs sketched columns: the sketch's sums of
   at most m terms err by gamma_m |S| |A|, with || |S| ||_2 <= ||S||_F = sqrt(m) (columns of unit
   expected norm) and ||S A||_2 >= (1 - e) ||A||_2; its Householder TSQR adds l c eps ||S A||_F
   (mu_householder), ||S A||_F / ||S A||_2 <= g ||A||_F / ||A||_2 with g = (1 + e) / (1 - e).
   The same operator on another number of ranks or with other right-hand sides beside it
   differs only by this rounding. */
static double mu_sketched(const facts *f, int64_t m, int64_t d, int64_t nrhs, int64_t l)
{
  double e = distortion(d, l), g = (1.0 + e) / (1.0 - e);
  return ((double)m * sqrt((double)m) / (1.0 - e) + (double)(l * (d + nrhs)) * g) * RLA_EPS *
         f->nf / f->n2;
}

/* Bound on ||x - x_s|| / ||x|| between two computed sketch-and-solve solutions x (each within
   mu_sketched of the exact x_s of the sketched problem; Wedin with kappa(S A) <= g kappa and
   ||S r|| / (||S A||_2 ||x||) <= g^2 rho): twice wedin. */
static double sketched_pair_bound(const facts *f, int64_t m, int64_t d, int64_t nrhs, int64_t l,
                                  double rho)
{
  double e = distortion(d, l), g = (1.0 + e) / (1.0 - e);
  return 2.0 * wedin(g * f->kappa, mu_sketched(f, m, d, nrhs, l), g * g * rho);
}

/* Bound on | ||b - A x|| - ||b - A x_s|| | <= ||A (x - x_s)|| <= ||S A (x - x_s)|| / (1 - e) for
   sketch-and-solve's computed x: S A (x - x_s) is the change of the sketched problem's residual,
   at most mu (2 (1 + kappa(S A)) ||S b|| + ||S A||_2 ||x||) (Higham, Thm 20.1, the residual
   bound, plus the perturbation of b - A x itself), mu = mu_sketched. */
static double sketched_residual_slack(const facts *f, int64_t m, int64_t d, int64_t nrhs, int64_t l,
                                      double bn, double xn)
{
  double e = distortion(d, l), g = (1.0 + e) / (1.0 - e);
  return g * mu_sketched(f, m, d, nrhs, l) * (2.0 * (1.0 + g * f->kappa) * bn + f->n2 * xn);
}

/* The band above for the computed x (its residual within sketched_residual_slack of the exact
   sketched solution's), and the sketched residual (1 - eps_e) ||r_sas|| <= ||S r_sas|| <=
   (1 + eps_e) ||r*||, with the same slack for the computed x and the reported value taken from
   R22; ||r_sas|| >= ||r*|| up to that slack and the rounding of the long double residuals
   (r* is the construction's: the exact optimum of the rounded data is within its backward error,
   far below, and ||b - A x*|| in long double stands for it). */
static void test_solve_band(void)
{
  const rla_sketch_type types[] = {RLA_SKETCH_SRHT, RLA_SKETCH_GAUSSIAN, RLA_SKETCH_SPARSE};
  const int64_t m = 2000, d = 20;
  for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
    problem p;
    facts f;
    rla_dmat A = NULL, B = NULL;
    rla_lsq L = NULL;
    rla_lsq_info info;
    evaluation ev, evs;
    double x[20], eps_e, band, slack, ld;
    int ok = 1;
    RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
    RLA_ASSERT_OK(rla_lsq_set_method(L, RLA_LSQ_SOLVE));
    RLA_ASSERT_OK(rla_lsq_set_sketch_type(L, types[t]));
    RLA_ASSERT_OK(rla_lsq_set_oversample(L, 12.0));
    RLA_ASSERT_OK(rla_lsq_set_seed(L, 11 + t));
    RLA_ASSERT_OK(rla_lsq_setup(L));
    make_problem(m, d, 1, 1e3, 0.5, 200 + t, &p);
    facts_make(&p, &f);
    distribute(&p, 0, &A, &B);
    RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
    evaluate(&p, 0, x, &ev, NULL);
    evaluate(&p, 0, p.xstar, &evs, NULL);
    eps_e = distortion(d, info.sketch_rows);
    band = solve_band(d, info.sketch_rows);
    slack = sketched_residual_slack(&f, m, d, 1, info.sketch_rows, cblas_dnrm2((int)m, p.b, 1),
                                    cblas_dnrm2((int)d, x, 1));
    ld = LDBL_EPSILON / DBL_EPSILON;
    if (verbose())
      fprintf(stderr,
              "%s: l %lld ||r_sas|| / ||r*|| = %.4f (band %.3f), sketched %.4f, slack %.2e\n",
              rla_sketch_type_name(types[t]), (long long)info.sketch_rows, ev.rn / p.rstar[0], band,
              info.residual_sketched[0] / p.rstar[0], slack / p.rstar[0]);
    ok &= info.sketch_rows == (int64_t)ceil(12.0 * (d + 1));
    ok &= ev.rn * (1.0 + ld * ev.tol_r) + slack >= evs.rn * (1.0 - ld * evs.tol_r);
    ok &= ev.rn <= band * evs.rn * (1.0 + ld * evs.tol_r) + slack;
    /* R22's norm: the residual of the exact x_s for the rounded sketch, a second slack */
    ok &= info.residual_sketched[0] >= (1.0 - eps_e) * (ev.rn - 2.0 * slack);
    ok &= info.residual_sketched[0] <=
          (1.0 + eps_e) * (evs.rn * (1.0 + ld * evs.tol_r) + 2.0 * slack);
    ok &= fabs(info.residual_norm[0] - ev.rn) <= ev.tol_r * ev.rn && info.iterations == 0;
    ok &= info.passes == 1 && isnan(info.kappa_preconditioned) && info.kappa_sketch >= 1.0;
    RLA_ASSERT_ALL(ok);
    rla_lsq_destroy(&L);
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&B);
    facts_free(&f);
    problem_free(&p);
  }
}

/* Exact rank k < d: columns k..d-1 repeat columns 0..d-k-1 scaled by 2, so the minimum-norm
   solution in the original coordinates differs from that of the equilibrated problem. LAPACK
   dgelsd with rcond 1e-10 gives the minimum-norm reference. Both are backward stable for the
   rank-k problem, whose nonzero singular values span kappa_k (19 here); the perturbation
   theory of rank-preserving perturbations (Wedin 1973; Bjorck, Numerical Methods for Least
   Squares Problems, Thm 1.4.6) gives wedin(kappa_k, e, rho) + kappa_k e for each, with e from
   mu_householder for dgelsd and from mu_accurate for the accurate method, the latter times the
   column-norm ratio of A (its bound is for the equilibrated problem) and sqrt(2). */
/* The rank-deficient problem of test_rank_deficient and test_spqr_rank_deficient: the m x k
   problem of seed 300 (kappa 10, residual 0.3) and d - k more columns, twice its first ones, so
   rank k; xmn (d) receives its minimum-norm solution (LAPACK dgelsd: SVD) and s (d) the singular
   values. Returns the rank dgelsd found. base: the m x k problem. */
static lapack_int make_rank_deficient(int64_t m, int64_t d, int64_t k, problem *base, problem *p,
                                      double *xmn, double *s)
{
  double *a = malloc(sizeof(double) * (size_t)(m * d)), *b = malloc(sizeof(double) * (size_t)m);
  lapack_int rank;
  make_problem(m, k, 1, 10.0, 0.3, 300, base);
  p->m = m;
  p->d = d;
  p->nrhs = 1;
  p->a = calloc((size_t)(m * d), sizeof(double));
  p->b = calloc((size_t)m, sizeof(double));
  p->xstar = calloc((size_t)d, sizeof(double));
  p->rstar = calloc(1, sizeof(double));
  memcpy(p->a, base->a, sizeof(double) * (size_t)(m * k));
  for (int64_t j = k; j < d; j++)
    for (int64_t i = 0; i < m; i++)
      p->a[i + j * m] = 2.0 * base->a[i + (j - k) * m];
  memcpy(p->b, base->b, sizeof(double) * (size_t)m);
  memcpy(a, p->a, sizeof(double) * (size_t)(m * d));
  memcpy(b, p->b, sizeof(double) * (size_t)m);
  LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)d, 1, a, (lapack_int)m, b,
                 (lapack_int)m, s, 1e-10, &rank);
  memcpy(xmn, b, sizeof(double) * (size_t)d);
  free(a);
  free(b);
  return rank;
}

static void test_rank_deficient(void)
{
  const int64_t m = 600, d = 20, k = 14;
  problem p, base, q;
  facts f, fq;
  rla_dmat A = NULL, B = NULL;
  double x[20], xs[20], xmn[20], s[20], dcol[20];
  int ok = 1;
  ok &= make_rank_deficient(m, d, k, &base, &p, xmn, s) == k;
  facts_make(&p, &f);
  equilibrate(&p, &q, dcol);
  facts_make(&q, &fq);
  distribute(&p, 0, &A, &B);
  {
    rla_lsq L = make_solver(RLA_LSQ_ACCURATE, RLA_SKETCH_SRHT, 3);
    rla_lsq_info info;
    RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
    ok &= info.rank == k && info.truncated && info.converged;
    ok &= strcmp(info.factorization, "tsqr+svd") == 0; /* the singular Gram matrix is refused */
    {
      double kk = s[0] / s[k - 1], nf = cblas_dnrm2((int)k, s, 1), rho, e1, e2, tol;
      evaluation ev;
      evaluate(&p, 0, xmn, &ev, NULL);
      rho = ev.rn / (s[0] * cblas_dnrm2((int)d, xmn, 1));
      e1 = sqrt(2.0) * mu_accurate(d, info.sketch_rows, info.tol) * f.colratio * nf / s[0];
      e2 = mu_householder(m, d) * nf / s[0];
      tol = wedin(kk, e1, rho) + kk * e1 + wedin(kk, e2, rho) + kk * e2;
      if (verbose())
        fprintf(stderr, "rank-deficient: kappa_k %.2f, |x - x_mn| / |x_mn| = %.2e (bound %.2e)\n",
                kk, rel_diff(d, x, xmn), tol);
      ok &= rel_diff(d, x, xmn) <= tol;
    }
    rla_lsq_destroy(&L);
  }
  {
    /* sketch-and-solve also returns a vector without null-space component: the part of
       x along the null-space directions 2 e_j - e_{j+k} is zero, i.e. x_{j+k} = 2 x_j
       for the duplicated pairs (the minimum-norm split of a coefficient between the columns
       a and 2a puts 1/5 on a and 4/5 on 2a). |x_{j+k} - 2 x_j| is sqrt(5) times the component
       along (2 e_j - e_{j+k}) / sqrt(5); the computed null space of S A D is off by an angle of
       at most ||E|| / sigma_k(S A D) <= mu_sketched kappa_sketch (Wedin's sin theta, E the
       sketch's and TSQR's rounding), at most (1 + e) / (1 - e) times the column-norm ratio of A
       more after the scaling back by D, and the projection rounds by 2 d eps. */
    rla_lsq L = make_solver(RLA_LSQ_SOLVE, RLA_SKETCH_SRHT, 3);
    rla_lsq_info info;
    double worst = 0.0, e, tol;
    RLA_ASSERT_OK(rla_lsq_solve(L, A, B, xs, d, &info));
    for (int64_t j = k; j < d; j++)
      worst = fmax(worst, fabs(xs[j] - 2.0 * xs[j - k]));
    e = distortion(d, info.sketch_rows);
    tol = sqrt(5.0) * (mu_sketched(&fq, m, d, 1, info.sketch_rows) * info.kappa_sketch *
                           f.colratio * (1.0 + e) / (1.0 - e) +
                       2.0 * (double)d * RLA_EPS);
    if (verbose())
      fprintf(stderr, "rank-deficient, solve: null-space part %.2e (bound %.2e)\n",
              worst / cblas_dnrm2((int)d, xs, 1), tol);
    ok &= info.rank == k && info.truncated && worst <= tol * cblas_dnrm2((int)d, xs, 1);
    rla_lsq_destroy(&L);
  }
  RLA_ASSERT_ALL(ok);
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&B);
  facts_free(&f);
  facts_free(&fq);
  problem_free(&q);
  problem_free(&p);
  problem_free(&base);
}

/* The same seed gives the same x on the whole communicator and on rank 0 alone: the sketch is
   the same operator, only the summation order of the reductions and the QR (one block, or TSQR
   over P blocks) differ, so the two solutions differ by rounding, each within its backward error
   bound: for the accurate method mu_accurate on the equilibrated problem (compared there), for
   sketch-and-solve mu_sketched on the sketched problem (sketched_pair_bound); kappa 1e2 here. The
   second size (accurate, d = 300, so l = 6020 and blocks of 3010 or 2007 rows of 301 columns at 2
   or 3 ranks) sums each block of the sketch in two 4 MiB pieces. The third (accurate, 20000 x 8)
   is tall enough for the default oversampling to exceed 20: the sketch rows, chosen from m and d
   alone, must be the same on P ranks and on one, above 20 (d + 1) and at most m / 4. */
static void test_rank_count_independence(void)
{
  const struct {
    int64_t m, d;
    int nmethods;
  } sizes[] = {{500, 16, 2}, {6500, 300, 1}, {20000, 8, 1}};
  const rla_lsq_method methods[] = {RLA_LSQ_ACCURATE, RLA_LSQ_SOLVE};
  for (size_t c = 0; c < 3; c++) {
    const int64_t m = sizes[c].m, d = sizes[c].d;
    double *x = calloc((size_t)d, sizeof(double)), *xself = calloc((size_t)d, sizeof(double));
    double *dcol = calloc((size_t)d, sizeof(double)), *y = calloc((size_t)d, sizeof(double));
    double *yself = calloc((size_t)d, sizeof(double));
    problem p, q;
    facts f, fq;
    make_problem(m, d, 1, 1e2, 0.5, 400 + (int)c, &p);
    equilibrate(&p, &q, dcol);
    facts_make(&p, &f);
    facts_make(&q, &fq);
    for (int t = 0; t < sizes[c].nmethods; t++) {
      rla_dmat A = NULL, B = NULL;
      rla_lsq L = make_solver(methods[t], RLA_SKETCH_SRHT, 42);
      rla_lsq_info info, info_self;
      double diff, tol;
      int ok = 1;
      distribute(&p, 0, &A, &B);
      RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
      info_self.sketch_rows = 0;
      if (rla_ctx_rank(rla_test_ctx) == 0) {
        rla_ctx self = NULL;
        rla_dmat As = NULL, Bs = NULL;
        rla_lsq Ls = NULL;
        rla_err err = rla_ctx_create(MPI_COMM_SELF, &self);
        if (!err) rla_ctx_set_verbosity(self, 0);
        if (!err) err = rla_dmat_create_rowblock(self, m, d, 0, &As);
        if (!err) err = rla_dmat_create_rowblock(self, m, 1, 0, &Bs);
        if (!err) err = rla_dmat_scatter(As, 0, p.a);
        if (!err) err = rla_dmat_scatter(Bs, 0, p.b);
        if (!err) err = rla_lsq_create(self, &Ls);
        if (!err) err = rla_lsq_set_method(Ls, methods[t]);
        if (!err) err = rla_lsq_set_seed(Ls, 42);
        if (!err) err = rla_lsq_setup(Ls);
        if (!err) err = rla_lsq_solve(Ls, As, Bs, xself, d, &info_self);
        ok = !err;
        rla_lsq_destroy(&Ls);
        rla_dmat_destroy(&As);
        rla_dmat_destroy(&Bs);
        rla_ctx_destroy(&self);
      }
      MPI_Bcast(xself, (int)d, MPI_DOUBLE, 0, MPI_COMM_WORLD);
      MPI_Bcast(&info_self.sketch_rows, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
      if (methods[t] == RLA_LSQ_ACCURATE) {
        unscale(d, dcol, x, y);
        unscale(d, dcol, xself, yself);
        diff = rel_diff(d, y, yself);
        tol =
            2.0 * forward_bound(&q, &fq, 0, sqrt(2.0) * mu_accurate(d, info.sketch_rows, info.tol));
      } else {
        diff = rel_diff(d, x, xself);
        tol = sketched_pair_bound(&f, m, d, 1, info.sketch_rows,
                                  p.rstar[0] / (f.n2 * cblas_dnrm2((int)d, p.xstar, 1)));
      }
      if (verbose())
        fprintf(stderr, "%s, d = %lld: P vs 1 rank %.2e (bound %.2e), l = %lld\n",
                rla_lsq_method_name(methods[t]), (long long)d, diff, tol,
                (long long)info.sketch_rows);
      ok &= diff <= tol;
      ok &= info.sketch_rows == info_self.sketch_rows;
      if (c == 2) ok &= info.sketch_rows > 20 * (d + 1) && info.sketch_rows <= m / 4;
      RLA_ASSERT_ALL(ok);
      rla_lsq_destroy(&L);
      rla_dmat_destroy(&A);
      rla_dmat_destroy(&B);
    }
    facts_free(&f);
    facts_free(&fq);
    problem_free(&q);
    problem_free(&p);
    free(x);
    free(xself);
    free(dcol);
    free(y);
    free(yself);
  }
}

/* The accurate method's default sketch rows on a tall, narrow problem (20000 x 8): above the
   floor 20 (d + 1) = 180 and at most m / 4 with the block SRHT and the sparse sketch, whose cost
   grows little with l; exactly the floor with a Gaussian sketch, whose cost is l m d flops.
   Each solve still reaches the default backward-error target (2 eps). */
static void test_default_oversampling(void)
{
  const int64_t m = 20000, d = 8;
  const rla_sketch_type types[] = {RLA_SKETCH_SRHT, RLA_SKETCH_SPARSE, RLA_SKETCH_GAUSSIAN};
  double x[8];
  problem p;
  make_problem(m, d, 1, 1e4, 0.1, 77, &p);
  for (int t = 0; t < 3; t++) {
    rla_dmat A = NULL, B = NULL;
    rla_lsq L = make_solver(RLA_LSQ_ACCURATE, types[t], 5);
    rla_lsq_info info;
    distribute(&p, 0, &A, &B);
    RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
    if (verbose())
      fprintf(stderr, "%s: l = %lld\n", rla_sketch_type_name(types[t]),
              (long long)info.sketch_rows);
    if (types[t] == RLA_SKETCH_GAUSSIAN)
      RLA_ASSERT_ALL(info.sketch_rows == 20 * (d + 1));
    else
      RLA_ASSERT_ALL(info.sketch_rows > 20 * (d + 1) && info.sketch_rows <= m / 4);
    RLA_ASSERT_ALL(info.converged);
    rla_lsq_destroy(&L);
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&B);
  }
  problem_free(&p);
}

/* PDGELS against dgels: both are Householder QR, backward stable with the a priori bound
   mu_householder (asserted for PDGELS through its Karlson-Walden estimate, within sqrt(2) of the
   optimal backward error), so they differ by at most twice its forward_bound: kappa 1e4 and a
   small residual (rho = 1e-8, kappa^2 rho < kappa). The reported residual norm, computed with
   cancellation (||b|| / ||r|| ~ 1e8), is that of x to the rounding bound of evaluate. */
static void test_direct(void)
{
  const int64_t m = 400, d = 24;
  const double kappa = 1e4;
  problem p;
  facts f;
  rla_dmat A = NULL, B = NULL;
  rla_lsq L = make_solver(RLA_LSQ_DIRECT, RLA_SKETCH_SRHT, 1);
  rla_lsq_info info;
  evaluation ev;
  double x[24], xl[24], tol, kw;
  int ok = 1;
  make_problem(m, d, 1, kappa, 1e-8, 500, &p);
  facts_make(&p, &f);
  distribute(&p, 0, &A, &B);
  lapack_solve(&p, xl);
  RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
  evaluate(&p, 0, x, &ev, NULL);
  tol = 2.0 * forward_bound(&p, &f, 0, mu_householder(m, d));
  kw = kw_of(&p, &f, 0, x);
  if (verbose())
    fprintf(stderr,
            "direct: %.2e vs dgels (bound %.2e), kw %.2f eps (bound %.0f), ||r|| %.2e (tol %.2e)\n",
            rel_diff(d, x, xl), tol, kw / RLA_EPS, sqrt(2.0) * mu_householder(m, d) / RLA_EPS,
            fabs(info.residual_norm[0] - ev.rn) / ev.rn, ev.tol_r);
  ok &= rel_diff(d, x, xl) <= tol && kw <= sqrt(2.0) * mu_householder(m, d);
  ok &= fabs(info.residual_norm[0] - ev.rn) <= ev.tol_r * ev.rn && info.sketch_rows == 0;
  ok &= info.method == RLA_LSQ_DIRECT && info.converged && info.passes == 1;
  RLA_ASSERT_ALL(ok);
  rla_lsq_destroy(&L);
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&B);
  facts_free(&f);
  problem_free(&p);
}

/* Several right-hand sides at once equal each solved alone: solve and direct apply the same
   operations column by column (GEMM instead of GEMV, TSQR of other widths: rounding only), each
   within its method's backward error bound; the accurate method may stop at other iterations,
   each solution within mu_accurate on the equilibrated problem (compared there). So the columns
   agree to twice the forward bound of that backward error (kappa 1e2 here): forward_bound with
   mu_accurate or mu_householder, sketched_pair_bound for sketch-and-solve. A zero right-hand side
   gives x = 0 exactly. With 6 right-hand sides, more than the 4 the accurate method takes on R
   alone, it preconditions and estimates with the SVD of R, and each column alone with R: both
   must reach the same solution and converge. */
static void test_multiple_rhs(void)
{
  const rla_lsq_method methods[] = {RLA_LSQ_ACCURATE, RLA_LSQ_SOLVE, RLA_LSQ_DIRECT};
  const int64_t m = 600, d = 16, counts[] = {3, 6};
  for (size_t c = 0; c < 2; c++) {
    const int64_t nrhs = counts[c];
    problem p, q;
    facts f, fq;
    double dcol[16];
    make_problem(m, d, nrhs, 1e2, 0.5, 600 + (int)c, &p);
    memset(p.b + m, 0, sizeof(double) * (size_t)m); /* the second right-hand side is zero */
    equilibrate(&p, &q, dcol);
    facts_make(&p, &f);
    facts_make(&q, &fq);
    for (size_t t = 0; t < 3; t++) {
      rla_dmat A = NULL, B = NULL;
      rla_lsq L = make_solver(methods[t], RLA_SKETCH_SRHT, 5);
      rla_lsq_info info;
      double x[6 * 20], xj[16];
      int ok = 1;
      const int64_t ldx = 20;
      distribute(&p, 0, &A, &B);
      RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, ldx, &info));
      ok &= info.nrhs == nrhs && info.converged;
      /* accurate: 3 right-hand sides take the Cholesky factor of the Gram matrix, 6 its SVD */
      if (methods[t] == RLA_LSQ_ACCURATE)
        ok &= strcmp(info.factorization, nrhs <= 4 ? "cholesky" : "cholesky+svd") == 0;
      for (int64_t j = 0; j < nrhs; j++)
        ok &= info.rhs_converged[j] &&
              (methods[t] != RLA_LSQ_ACCURATE || info.backward_error_estimate[j] <= info.tol);
      for (int64_t i = 0; i < d; i++)
        ok &= x[ldx + i] == 0.0;
      ok &= info.residual_norm[1] == 0.0 && info.backward_error[1] == 0.0;
      rla_dmat_destroy(&B);
      for (int64_t j = 0; j < nrhs; j++) {
        problem one = p;
        rla_dmat Bj = NULL;
        double tolj, diff, y[16], yj[16];
        one.nrhs = 1;
        one.b = p.b + j * m;
        RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, 1, 0, &Bj));
        RLA_ASSERT_OK(rla_dmat_scatter(Bj, 0, one.b));
        RLA_ASSERT_OK(rla_lsq_solve(L, A, Bj, xj, d, NULL));
        if (methods[t] == RLA_LSQ_ACCURATE) {
          unscale(d, dcol, x + j * ldx, y);
          unscale(d, dcol, xj, yj);
          diff = rel_diff(d, y, yj);
          tolj = 2.0 *
                 forward_bound(&q, &fq, j, sqrt(2.0) * mu_accurate(d, info.sketch_rows, info.tol));
        } else {
          diff = rel_diff(d, x + j * ldx, xj);
          tolj = methods[t] == RLA_LSQ_DIRECT
                     ? 2.0 * forward_bound(&p, &f, j, mu_householder(m, d))
                     : sketched_pair_bound(&f, m, d, nrhs, info.sketch_rows,
                                           p.rstar[j] /
                                               (f.n2 * cblas_dnrm2((int)d, p.xstar + j * d, 1)));
        }
        if (verbose())
          fprintf(stderr, "%s, %lld right-hand sides, rhs %lld: %.2e (bound %.2e)\n",
                  rla_lsq_method_name(methods[t]), (long long)nrhs, (long long)j, diff, tolj);
        ok &= diff <= tolj;
        rla_dmat_destroy(&Bj);
      }
      RLA_ASSERT_ALL(ok);
      rla_lsq_destroy(&L);
      rla_dmat_destroy(&A);
    }
    facts_free(&f);
    facts_free(&fq);
    problem_free(&q);
    problem_free(&p);
  }
}

/* A problem with what the bounds of the three methods need of it: its equilibrated copy q (see
   equilibrate, D'' in dcol), the facts of both, the long double evaluation of x* and x*'s own
   backward errors on both. */
typedef struct {
  problem p, q;
  facts f, fq;
  evaluation evs;
  double *dcol, kws, kwsq;
} reference;

static void reference_make(int64_t m, int64_t d, double kappa, double rho, uint64_t seed,
                           reference *r)
{
  r->dcol = malloc(sizeof(double) * (size_t)d);
  make_problem(m, d, 1, kappa, rho, seed, &r->p);
  equilibrate(&r->p, &r->q, r->dcol);
  facts_make(&r->p, &r->f);
  facts_make(&r->q, &r->fq);
  evaluate(&r->p, 0, r->p.xstar, &r->evs, NULL);
  r->kws = kw_of(&r->p, &r->f, 0, r->p.xstar);
  r->kwsq = kw_of(&r->q, &r->fq, 0, r->q.xstar);
}

static void reference_free(reference *r)
{
  facts_free(&r->f);
  facts_free(&r->fq);
  problem_free(&r->q);
  problem_free(&r->p);
  free(r->dcol);
}

/* How far the method's x is from x*, and how far it may be: with the bounds of test_solve_band
   (sketch-and-solve: its residual against ||r*||), test_accurate_vs_lapack (the accurate
   method, on the equilibrated problem) and test_direct, each plus the forward bound of x*'s own
   backward error. */
static void judge(const reference *r, rla_lsq_method method, const double *x,
                  const rla_lsq_info *info, double *diff, double *tol)
{
  const problem *p = &r->p;
  int64_t m = p->m, d = p->d;
  evaluation ev;
  double *y = malloc(sizeof(double) * (size_t)d);
  evaluate(p, 0, x, &ev, NULL);
  if (method == RLA_LSQ_SOLVE) {
    *diff = ev.rn;
    *tol = solve_band(d, info->sketch_rows) * r->evs.rn * (1.0 + r->evs.tol_r) +
           sketched_residual_slack(&r->f, m, d, 1, info->sketch_rows, cblas_dnrm2((int)m, p->b, 1),
                                   cblas_dnrm2((int)d, x, 1));
  } else if (method == RLA_LSQ_ACCURATE) {
    unscale(d, r->dcol, x, y);
    *diff = rel_diff(d, y, r->q.xstar);
    *tol =
        forward_bound(&r->q, &r->fq, 0, sqrt(2.0) * mu_accurate(d, info->sketch_rows, info->tol)) +
        forward_bound(&r->q, &r->fq, 0, sqrt(2.0) * r->kwsq);
  } else {
    *diff = rel_diff(d, x, p->xstar);
    *tol = forward_bound(p, &r->f, 0, mu_householder(m, d)) +
           forward_bound(p, &r->f, 0, sqrt(2.0) * r->kws);
  }
  free(y);
}

/* All rows on rank 0 (the other ranks hold none); uneven blocks with the default split. Against
   x* (kappa 1e3, rho 0.2) with the bounds of judge (sketch-and-solve: l = 4 (d + 1) = 52 here,
   a loose band of 22.8). */
static void test_empty_ranks(void)
{
  const rla_lsq_method methods[] = {RLA_LSQ_ACCURATE, RLA_LSQ_SOLVE, RLA_LSQ_DIRECT};
  const int64_t m = 301, d = 12;
  reference r;
  reference_make(m, d, 1e3, 0.2, 700, &r);
  for (size_t t = 0; t < 3; t++) {
    rla_dmat A = NULL, B = NULL;
    rla_lsq L = make_solver(methods[t], RLA_SKETCH_GAUSSIAN, 9);
    rla_lsq_info info;
    double x[12], diff, tol;
    int ok = 1;
    distribute(&r.p, m, &A, &B);
    RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
    judge(&r, methods[t], x, &info, &diff, &tol);
    if (verbose())
      fprintf(stderr, "%s, rows on rank 0: %.3g (bound %.3g)\n", rla_lsq_method_name(methods[t]),
              diff, tol);
    ok &= diff <= tol;
    RLA_ASSERT_ALL(ok);
    rla_lsq_destroy(&L);
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&B);
  }
  reference_free(&r);
}

/* The user's side of a matrix-free operator over the rows [row0, row0 + lm) of a problem held in
   full: products with those rows of A, no communication. */
struct rows_user {
  const problem *p;
  int64_t row0, lm;
  long long calls, fail_after; /* fail_after > 0: the callbacks fail from that call on */
};

static int rows_mult(void *u, int64_t nv, const double *x, int64_t ldx, double *y, int64_t ldy)
{
  struct rows_user *s = u;
  if (++s->calls >= s->fail_after && s->fail_after > 0) return 9;
  if (s->lm > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)s->lm, (int)nv, (int)s->p->d, 1.0,
                s->p->a + s->row0, (int)s->p->m, x, (int)ldx, 0.0, y, (int)ldy);
  return 0;
}

static int rows_mult_transpose(void *u, int64_t nv, const double *y, int64_t ldy, double *w,
                               int64_t ldw)
{
  struct rows_user *s = u;
  if (++s->calls >= s->fail_after && s->fail_after > 0) return 9;
  if (s->lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)s->p->d, (int)nv, (int)s->lm, 1.0,
                s->p->a + s->row0, (int)s->p->m, y, (int)ldy, 1.0, w, (int)ldw);
  return 0;
}

static const rla_op_shell_ops rows_ops = {rows_mult, rows_mult_transpose, NULL};

/* A split of m rows unlike the dense one: with P > 1 ranks rank 0 takes two shares, ranks 1 to
   P - 2 one each, and the last rank none; one rank takes all. */
static void split_rows(rla_ctx ctx, int64_t m, int64_t *row0, int64_t *lm)
{
  int r = rla_ctx_rank(ctx), P = rla_ctx_size(ctx), shares = P > 1 ? P : 2;
  int64_t start = r == 0 ? 0 : m * (r + 1) / shares, end = r >= P - 1 ? m : m * (r + 2) / shares;
  if (P > 1 && r == P - 1) start = m;
  *row0 = start;
  *lm = end - start;
}

/* A matrix-free operator over the rows of p split by split_rows, with the local rows of its
   right-hand sides in bl (lm x nrhs, leading dimension max(1, lm)). */
static rla_op rows_operator(rla_ctx ctx, const problem *p, struct rows_user *u, double **bl)
{
  rla_op op = NULL;
  int64_t ld;
  u->p = p;
  u->calls = u->fail_after = 0;
  split_rows(ctx, p->m, &u->row0, &u->lm);
  ld = u->lm > 1 ? u->lm : 1;
  *bl = calloc((size_t)(ld * p->nrhs), sizeof(double));
  for (int64_t j = 0; j < p->nrhs; j++)
    memcpy(*bl + j * ld, p->b + j * p->m + u->row0, sizeof(double) * (size_t)u->lm);
  RLA_ASSERT_OK(rla_op_create_shell(ctx, p->m, p->d, u->lm, &rows_ops, u, &op));
  return op;
}

/* Least squares through a matrix-free operator (rla_op_create_shell, its own uneven row split
   with an empty rank when P > 1): the accurate and solve methods meet the bounds of judge, the
   accurate method also its backward-error bound (kw_of on the equilibrated problem at most
   mu_accurate, as in test_accurate_vs_lapack); the operator's callbacks were used; the direct
   method, which needs the matrix itself, is refused at setup. */
static void test_operator(void)
{
  const rla_lsq_method methods[] = {RLA_LSQ_ACCURATE, RLA_LSQ_SOLVE};
  const int64_t m = 400, d = 14;
  reference r;
  struct rows_user u;
  double *bl = NULL;
  rla_op op;
  rla_lsq L = NULL;
  reference_make(m, d, 1e4, 0.3, 900, &r);
  op = rows_operator(rla_test_ctx, &r.p, &u, &bl);
  for (size_t t = 0; t < 2; t++) {
    rla_lsq_info info;
    double x[14], y[14], diff, tol, kw = 0.0, mu = 0.0;
    int ok = 1;
    RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
    RLA_ASSERT_OK(rla_lsq_set_method(L, methods[t]));
    RLA_ASSERT_OK(rla_lsq_set_seed(L, 5));
    RLA_ASSERT_OK(rla_lsq_set_operator(L, op));
    RLA_ASSERT_OK(rla_lsq_setup(L));
    RLA_ASSERT_OK(rla_lsq_solve_operator(L, 1, bl, u.lm > 1 ? u.lm : 1, x, d, &info));
    judge(&r, methods[t], x, &info, &diff, &tol);
    if (methods[t] == RLA_LSQ_ACCURATE) {
      unscale(d, r.dcol, x, y);
      kw = kw_of(&r.q, &r.fq, 0, y);
      mu = mu_accurate(d, info.sketch_rows, info.tol);
      ok &= info.converged && info.iterations > 0;
    }
    if (verbose())
      fprintf(stderr, "%s through a shell operator: %.3g (bound %.3g), kw %.3g eps (bound %.3g)\n",
              rla_lsq_method_name(methods[t]), diff, tol, kw / RLA_EPS, mu / RLA_EPS);
    ok &= diff <= tol && kw <= mu && u.calls > 0 && info.m == m && info.d == d;
    RLA_ASSERT_ALL(ok);
    rla_lsq_destroy(&L);
  }
  RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
  RLA_ASSERT_OK(rla_lsq_set_method(L, RLA_LSQ_DIRECT));
  RLA_ASSERT_OK(rla_lsq_set_operator(L, op));
  RLA_ASSERT_FAILS(rla_lsq_setup(L), RLA_ERR_UNSUPPORTED, "needs the matrix itself");
  RLA_ASSERT_FAILS(rla_lsq_solve_operator(L, 1, bl, 1, NULL, d, NULL), RLA_ERR_ARG, "not set up");
  rla_lsq_destroy(&L);
  /* provoked errors of the operator path */
  RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
  RLA_ASSERT_FAILS(rla_lsq_set_operator(L, NULL), RLA_ERR_ARG, "operator is NULL");
  RLA_ASSERT_FAILS(rla_lsq_set_rhs_count(L, 0), RLA_ERR_ARG, "at least 1");
  RLA_ASSERT_OK(rla_lsq_setup(L));
  RLA_ASSERT_FAILS(rla_lsq_solve_operator(L, 1, bl, 1, NULL, d, NULL), RLA_ERR_ARG, "no operator");
  RLA_ASSERT_OK(rla_lsq_set_operator(L, op));
  RLA_ASSERT_OK(rla_lsq_setup(L));
  {
    double x[14];
    int64_t ldb = u.lm > 1 ? u.lm : 1;
    RLA_ASSERT_FAILS(rla_lsq_solve_operator(L, 0, bl, ldb, x, d, NULL), RLA_ERR_SHAPE, "nothing");
    RLA_ASSERT_FAILS(rla_lsq_solve_operator(L, 1, NULL, ldb, x, d, NULL), RLA_ERR_ARG, "B: NULL");
    RLA_ASSERT_FAILS(rla_lsq_solve_operator(L, 1, bl, ldb, x, d - 1, NULL), RLA_ERR_ARG,
                     "leading dimension");
    /* a callback that fails on rank 0 alone, in the last pass of a solve: every rank fails */
    {
      long long c0 = u.calls;
      RLA_ASSERT_OK(rla_lsq_solve_operator(L, 1, bl, ldb, x, d, NULL));
      if (rla_ctx_rank(rla_test_ctx) == 0) u.fail_after = u.calls + (u.calls - c0);
    }
    RLA_ASSERT_FAILS(rla_lsq_solve_operator(L, 1, bl, ldb, x, d, NULL), RLA_ERR_NUMERIC,
                     "callback failed");
    u.fail_after = 0;
  }
  rla_lsq_destroy(&L);
  rla_op_destroy(&op);
  free(bl);
  reference_free(&r);
}

/* This rank's rows of p's A (split_rows) as a CSR matrix storing every entry, with an empty
   column inserted before column gap (none when gap < 0), and the rows of B in *bl (leading
   dimension max(1, lm)). */
static rla_smat sparse_rows(const problem *p, int64_t gap, double **bl, int64_t *lm)
{
  int64_t row0, n = p->d + (gap >= 0), ld;
  int64_t *rowptr;
  int32_t *colind;
  double *val;
  rla_smat S = NULL;
  split_rows(rla_test_ctx, p->m, &row0, lm);
  ld = *lm > 1 ? *lm : 1;
  rowptr = calloc((size_t)(*lm + 1), sizeof(int64_t));
  colind = calloc((size_t)(*lm * p->d + 1), sizeof(int32_t));
  val = calloc((size_t)(*lm * p->d + 1), sizeof(double));
  *bl = calloc((size_t)(ld * p->nrhs), sizeof(double));
  for (int64_t i = 0; i < *lm; i++) {
    rowptr[i + 1] = (i + 1) * p->d;
    for (int64_t k = 0; k < p->d; k++) {
      colind[i * p->d + k] = (int32_t)(gap >= 0 && k >= gap ? k + 1 : k);
      val[i * p->d + k] = p->a[row0 + i + k * p->m];
    }
  }
  for (int64_t j = 0; j < p->nrhs; j++)
    memcpy(*bl + j * ld, p->b + j * p->m + row0, sizeof(double) * (size_t)*lm);
  RLA_ASSERT_OK(rla_smat_create_csr(rla_test_ctx, p->m, n, *lm, rowptr, colind, val, &S));
  free(rowptr);
  free(colind);
  free(val);
  return S;
}

/* The direct method on a sparse operator: SuiteSparseQR on rank 0, which gathers A (split by
   split_rows: uneven, and an empty rank when P > 1) and two right-hand sides. On the problem of
   test_direct (kappa 1e4) each column is backward stable as Householder QR is (kw_of at most
   sqrt(2) mu_householder) and within Wedin's bound of that backward error of x* (forward_bound;
   first order, as in test_direct). With an empty column inserted at column 5 SuiteSparseQR finds
   the rank d of the other columns (truncated), x is 0 there exactly (the minimum-norm solution:
   the dead column is empty in R, and the minimum-norm solve puts nothing on it) and the other
   entries meet the same bounds, with the column permutation undone. A build without
   SuiteSparseQR refuses the operator at setup. */
static void test_spqr(void)
{
  const int64_t m = 400, d = 24, nrhs = 2;
  problem p;
  facts f;
  make_problem(m, d, nrhs, 1e4, 1e-3, 500, &p);
  facts_make(&p, &f);
  for (int64_t gap = -1; gap <= 5; gap += 6) {
    int64_t n = d + (gap >= 0), lm;
    double *bl = NULL, x[2 * 25], y[24];
    rla_smat S = sparse_rows(&p, gap, &bl, &lm);
    rla_op op = NULL;
    rla_lsq L = NULL;
    rla_lsq_info info;
    int ok = 1;
    RLA_ASSERT_OK(rla_op_create_sparse(S, &op));
    RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
    RLA_ASSERT_OK(rla_lsq_set_method(L, RLA_LSQ_DIRECT));
    RLA_ASSERT_OK(rla_lsq_set_operator(L, op));
    RLA_ASSERT_OK(rla_lsq_set_rhs_count(L, nrhs));
    if (!rla_lsq_has_spqr()) {
      RLA_ASSERT_FAILS(rla_lsq_setup(L), RLA_ERR_UNSUPPORTED, "SuiteSparseQR");
    } else {
      RLA_ASSERT_OK(rla_lsq_setup(L));
      RLA_ASSERT_OK(rla_lsq_solve_operator(L, nrhs, bl, lm > 1 ? lm : 1, x, n, &info));
      ok &= strcmp(info.factorization, "spqr") == 0 && info.rank == d &&
            info.truncated == (gap >= 0) && info.method == RLA_LSQ_DIRECT && info.nrhs == nrhs;
      for (int64_t j = 0; j < nrhs; j++) {
        double kw, fe, tol;
        for (int64_t k = 0; k < d; k++)
          y[k] = x[(gap >= 0 && k >= gap ? k + 1 : k) + j * n];
        ok &= gap < 0 || x[gap + j * n] == 0.0;
        kw = kw_of(&p, &f, j, y);
        fe = rel_diff(d, y, p.xstar + j * d);
        tol = forward_bound(&p, &f, j, mu_householder(m, d));
        if (verbose())
          fprintf(stderr, "spqr (gap %lld), rhs %lld: %.2e vs x* (bound %.2e), kw %.2f eps\n",
                  (long long)gap, (long long)j, fe, tol, kw / RLA_EPS);
        ok &= fe <= tol && kw <= sqrt(2.0) * mu_householder(m, d);
      }
    }
    RLA_ASSERT_ALL(ok);
    rla_lsq_destroy(&L);
    rla_op_destroy(&op);
    rla_smat_destroy(&S);
    free(bl);
  }
  facts_free(&f);
  problem_free(&p);
}

/* The direct method on a sparse operator with test_rank_deficient's A (rank 14 of 20: columns
   14 to 19 twice columns 0 to 5), split as in test_spqr: SuiteSparseQR's rank detection finds
   rank k (the second column of a pair to be factored leaves a rounding residual far below its
   tolerance 20 (m + d) eps max ||a_j||), and x is the minimum-norm solution, within the distance
   test_rank_deficient allows from dgelsd's: each is the minimum-norm solution of a problem within
   e sigma_1 of this one, dgelsd's with e2 = mu_householder ||A||_F / sigma_1, SuiteSparseQR's
   with the rounding of two Householder QRs (A's and R^T's, 2 mu_householder) and the d - k dead
   columns' residuals dropped (each at most its tolerance): Wedin's bound on the rank-k problem
   plus kappa_k e for the turn of its null space bounds each one's distance from the exact one. */
static void test_spqr_rank_deficient(void)
{
  const int64_t m = 600, d = 20, k = 14;
  problem p, base;
  double x[20], xmn[20], s[20], *bl = NULL, cmax = 0.0;
  int64_t lm;
  rla_smat S = NULL;
  rla_op op = NULL;
  rla_lsq L = NULL;
  rla_lsq_info info;
  int ok = make_rank_deficient(m, d, k, &base, &p, xmn, s) == k;
  if (rla_lsq_has_spqr()) { /* test_spqr checks that a build without it refuses */
    double kk = s[0] / s[k - 1], nf = cblas_dnrm2((int)k, s, 1), rho, e1, e2, tol;
    evaluation ev;
    S = sparse_rows(&p, -1, &bl, &lm);
    RLA_ASSERT_OK(rla_op_create_sparse(S, &op));
    RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
    RLA_ASSERT_OK(rla_lsq_set_method(L, RLA_LSQ_DIRECT));
    RLA_ASSERT_OK(rla_lsq_set_operator(L, op));
    RLA_ASSERT_OK(rla_lsq_setup(L));
    RLA_ASSERT_OK(rla_lsq_solve_operator(L, 1, bl, lm > 1 ? lm : 1, x, d, &info));
    ok &= info.rank == k && info.truncated && strcmp(info.factorization, "spqr") == 0;
    for (int64_t j = 0; j < d; j++)
      cmax = fmax(cmax, cblas_dnrm2((int)m, p.a + j * m, 1));
    evaluate(&p, 0, xmn, &ev, NULL);
    rho = ev.rn / (s[0] * cblas_dnrm2((int)d, xmn, 1));
    e1 = (2.0 * mu_householder(m, d) * nf +
          sqrt((double)(d - k)) * 20.0 * (double)(m + d) * RLA_EPS * cmax) /
         s[0];
    e2 = mu_householder(m, d) * nf / s[0];
    tol = wedin(kk, e1, rho) + kk * e1 + wedin(kk, e2, rho) + kk * e2;
    if (verbose())
      fprintf(stderr, "spqr, rank-deficient: rank %lld, |x - x_mn| / |x_mn| = %.2e (bound %.2e)\n",
              (long long)info.rank, rel_diff(d, x, xmn), tol);
    ok &= rel_diff(d, x, xmn) <= tol;
  }
  RLA_ASSERT_ALL(ok);
  rla_lsq_destroy(&L);
  rla_op_destroy(&op);
  rla_smat_destroy(&S);
  free(bl);
  problem_free(&p);
  problem_free(&base);
}

/* kappa_2(A D P) for the preconditioner P of p's A: its columns A (D P e_i), singular values by
   LAPACK dgesvd. */
static double preconditioned_kappa(rla_lsq_precond P, const problem *p)
{
  int64_t m = p->m, d = p->d, k = 0;
  double *e = calloc((size_t)d, sizeof(double)), *z = malloc(sizeof(double) * (size_t)d);
  double *M = calloc((size_t)(m * d), sizeof(double)), *s = malloc(sizeof(double) * (size_t)d);
  double *superb = malloc(sizeof(double) * (size_t)d), kappa;
  RLA_ASSERT_OK(rla_lsq_precond_get_info(P, NULL, &k, NULL, NULL));
  for (int64_t i = 0; i < k; i++) {
    e[i] = 1.0;
    RLA_ASSERT_OK(rla_lsq_precond_apply(P, e, z));
    e[i] = 0.0;
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)m, (int)d, 1.0, p->a, (int)m, z, 1, 0.0,
                M + i * m, 1);
  }
  LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)m, (lapack_int)k, M, (lapack_int)m, s,
                 NULL, 1, NULL, 1, superb);
  kappa = s[0] / s[k - 1];
  free(e);
  free(z);
  free(M);
  free(s);
  free(superb);
  return kappa;
}

/* The sketch preconditioner as an object: set up from a matrix-free operator (its sketch and
   TSQR over the ranks) and from a sketch formed by the caller on rank 0 (the PETSc PC's way),
   with QR and with the SVD. A D P is then well conditioned: for an embedding of distortion e
   (distortion) kappa_2(A D P) <= (1 + e) / (1 - e) for the exact factor; the computed R is the
   exact one of S A D + E with ||E|| <= l d u ||S A D|| (Householder, Higham Thm 19.4), which
   moves the singular values of A D P by a relative delta <= 2 l d u kappa_2(S A D) to first
   order, kappa_2(S A D) <= g^2 kappa_2(A D'') (test_accurate_vs_lapack): 2e-7 here. P^T D is
   checked against D P by the adjoint identity y^T (P^T D g) = (D P y)^T g to the rounding of
   two triangular solves (or products with V), a relative d u kappa_2(R) each (Higham Thm 8.5),
   with a factor 4 for the dot products and the scaling.
   Provoked errors: an apply before setup, a rank tolerance of 1.5, a sketch with fewer rows
   than columns, a sketch of other sizes than the operator. */
static void test_precond(void)
{
  const int64_t m = 500, d = 16, l = 8 * (d + 1);
  reference r;
  struct rows_user u;
  double *bl = NULL, *sa = NULL, y[16], g[16], z[16], w[16], e, g2, bound, lhs, rhs, slack;
  rla_op op;
  rla_sketch S = NULL, S2 = NULL;
  rla_lsq_precond P = NULL;
  int svd = -1;
  int64_t k = 0;
  reference_make(m, d, 1e3, 0.5, 990, &r);
  op = rows_operator(rla_test_ctx, &r.p, &u, &bl);
  RLA_ASSERT_OK(rla_sketch_create(rla_test_ctx, &S));
  RLA_ASSERT_OK(rla_sketch_set_sizes(S, l, m));
  RLA_ASSERT_OK(rla_sketch_set_seed(S, 3));
  RLA_ASSERT_OK(rla_sketch_setup(S));
  e = distortion(d, l);
  g2 = (1.0 + e) / (1.0 - e);
  bound = g2 * (1.0 + 2.0 * (double)(l * d) * RLA_EPS * g2 * g2 * r.fq.kappa);
  RLA_ASSERT_OK(rla_lsq_precond_create(rla_test_ctx, &P));
  RLA_ASSERT_FAILS(rla_lsq_precond_apply(P, y, z), RLA_ERR_ARG, "not set up");
  RLA_ASSERT_FAILS(rla_lsq_precond_set_rank_tol(P, 1.5, 0), RLA_ERR_ARG, "below 1");
  RLA_ASSERT_FAILS(rla_lsq_precond_setup_sketch(P, d - 1, d, NULL, d), RLA_ERR_ARG, "l >= d");
  RLA_ASSERT_OK(rla_sketch_create(rla_test_ctx, &S2));
  RLA_ASSERT_OK(rla_sketch_set_sizes(S2, l, m - 1));
  RLA_ASSERT_OK(rla_sketch_setup(S2));
  RLA_ASSERT_FAILS(rla_lsq_precond_setup(P, op, S2), RLA_ERR_SHAPE, "the sketch is");
  for (int force = 0; force < 2; force++) {
    double kap;
    RLA_ASSERT_OK(rla_lsq_precond_set_rank_tol(P, -1.0, force));
    RLA_ASSERT_OK(rla_lsq_precond_setup(P, op, S));
    RLA_ASSERT_OK(rla_lsq_precond_get_info(P, NULL, &k, &svd, NULL));
    kap = preconditioned_kappa(P, &r.p);
    if (verbose())
      fprintf(stderr, "precond (svd %d): kappa(A D P) %.4f (bound %.4f)\n", svd, kap, bound);
    RLA_ASSERT_ALL(k == d && svd == force && kap <= bound);
  }
  /* the adjoint identity, with the SVD (kappa_2(R) = sigma_1 / sigma_d from get_info) */
  for (int64_t i = 0; i < d; i++) {
    y[i] = sin(1.0 + (double)i);
    g[i] = cos(2.0 + 3.0 * (double)i);
  }
  RLA_ASSERT_OK(rla_lsq_precond_apply(P, y, z));
  RLA_ASSERT_OK(rla_lsq_precond_apply_transpose(P, g, w));
  {
    double kr;
    RLA_ASSERT_OK(rla_lsq_precond_get_info(P, NULL, NULL, NULL, &kr));
    lhs = cblas_ddot((int)d, y, 1, w, 1);
    rhs = cblas_ddot((int)d, z, 1, g, 1);
    slack = 4.0 * (double)d * RLA_EPS * kr *
            (cblas_dnrm2((int)d, y, 1) * cblas_dnrm2((int)d, w, 1) +
             cblas_dnrm2((int)d, z, 1) * cblas_dnrm2((int)d, g, 1));
    RLA_ASSERT_ALL(fabs(lhs - rhs) <= slack);
  }
  /* from the sketch of the whole A formed on rank 0 */
  {
    rla_err err = RLA_SUCCESS;
    if (rla_ctx_rank(rla_test_ctx) == 0) {
      sa = calloc((size_t)(l * d), sizeof(double));
      err = rla_sketch_apply_left_local(S, 0, m, d, r.p.a, m, sa, l);
    }
    RLA_ASSERT_ALL(err == RLA_SUCCESS);
  }
  RLA_ASSERT_OK(rla_lsq_precond_set_rank_tol(P, -1.0, 0));
  RLA_ASSERT_OK(rla_lsq_precond_setup_sketch(P, l, d, sa, l));
  RLA_ASSERT_OK(rla_lsq_precond_get_info(P, NULL, &k, &svd, NULL));
  RLA_ASSERT_ALL(k == d && svd == 0 && preconditioned_kappa(P, &r.p) <= bound);
  rla_lsq_precond_destroy(&P);
  RLA_ASSERT_ALL(P == NULL);
  rla_sketch_destroy(&S);
  rla_sketch_destroy(&S2);
  rla_op_destroy(&op);
  free(sa);
  free(bl);
  reference_free(&r);
}

/* Solves that allocate nothing once set up, in a context whose allocations are counted
   (rla_test_counting_ctx), through a dense and a matrix-free operator, the accurate and the
   solve methods: set the operator and the right-hand side count (2), set up (which allocates:
   the counter counts), then two solves of 2 and 1 right-hand sides, which allocate nothing
   (the sketch's reduce-scatter and TSQR included: their work is planned too). A third solve of
   3 right-hand sides grows the plan once, and the next one allocates nothing again. */
static void test_no_allocation(void)
{
  const rla_lsq_method methods[] = {RLA_LSQ_ACCURATE, RLA_LSQ_SOLVE};
  const int64_t m = 300, d = 10, nrhs = 3;
  rla_ctx ctx = rla_test_counting_ctx();
  problem p;
  struct rows_user u;
  double *bl = NULL, x[30];
  rla_dmat A = NULL;
  rla_op ops[2] = {NULL, NULL};
  RLA_ASSERT_ALL(ctx != NULL);
  make_problem(m, d, nrhs, 1e2, 0.1, 950, &p);
  RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, m, d, 0, &A));
  RLA_ASSERT_OK(rla_dmat_scatter(A, 0, p.a));
  RLA_ASSERT_OK(rla_op_create_dense(A, &ops[0]));
  ops[1] = rows_operator(ctx, &p, &u, &bl);
  for (int k = 0; k < 2; k++) {
    double *b = bl;
    int64_t row0, lm, ldb;
    rla_op_local_rows(ops[k], &row0, &lm);
    ldb = lm > 1 ? lm : 1;
    if (k == 0) {
      b = calloc((size_t)(ldb * nrhs), sizeof(double));
      for (int64_t j = 0; j < nrhs; j++)
        memcpy(b + j * ldb, p.b + j * m + row0, sizeof(double) * (size_t)lm);
    }
    for (size_t t = 0; t < 2; t++) {
      rla_lsq L = NULL;
      rla_lsq_info info;
      long long start, planned, before, left = 0;
      int ok = 1;
      start = rla_test_allocations();
      RLA_ASSERT_OK(rla_lsq_create(ctx, &L));
      RLA_ASSERT_OK(rla_lsq_set_method(L, methods[t]));
      RLA_ASSERT_OK(rla_lsq_set_operator(L, ops[k]));
      RLA_ASSERT_OK(rla_lsq_set_rhs_count(L, 2));
      RLA_ASSERT_OK(rla_lsq_setup(L));
      planned = before = rla_test_allocations();
      RLA_ASSERT_OK(rla_lsq_solve_operator(L, 2, b, ldb, x, d, &info));
      ok &= rla_test_allocations() - before == left;
      before = rla_test_allocations();
      RLA_ASSERT_OK(rla_lsq_solve_operator(L, 1, b, ldb, x, d, &info));
      ok &= rla_test_allocations() - before == left && before > start;
      if (methods[t] == RLA_LSQ_ACCURATE) ok &= strcmp(info.factorization, "cholesky") == 0;
      RLA_ASSERT_OK(rla_lsq_solve_operator(L, 3, b, ldb, x, d, &info));
      before = rla_test_allocations();
      RLA_ASSERT_OK(rla_lsq_solve_operator(L, 3, b, ldb, x, d, &info));
      ok &= rla_test_allocations() - before == left;
      if (verbose())
        fprintf(stderr, "%s, %s operator: setup %lld allocations, solve %lld\n",
                rla_lsq_method_name(methods[t]), rla_op_type_name(ops[k]), planned - start,
                rla_test_allocations() - before);
      RLA_ASSERT_ALL(ok);
      rla_lsq_destroy(&L);
    }
    if (k == 0) free(b);
  }
  rla_op_destroy(&ops[0]);
  rla_op_destroy(&ops[1]);
  rla_dmat_destroy(&A);
  free(bl);
  problem_free(&p);
  rla_ctx_destroy(&ctx);
}

/* What the monitor of test_monitor saw. */
struct seen {
  int64_t n, bad; /* calls; calls whose index was not the count so far */
  double est[600];
};

static void record(void *ctx, int64_t k, double estimate)
{
  struct seen *s = ctx;
  if (k != s->n || s->n >= 600)
    s->bad++;
  else
    s->est[s->n] = estimate;
  s->n++;
}

/* rla_lsq_set_monitor: one call per entry of the history, in order, with its index and value;
   the solution and the report are bitwise those of a solve without a monitor, and a removed
   monitor is not called. */
static void test_monitor(void)
{
  const int64_t m = 400, d = 12;
  rla_ctx ctx = rla_test_ctx;
  problem p;
  rla_dmat A = NULL, B = NULL;
  rla_lsq L = NULL;
  rla_lsq_info info;
  struct seen seen = {0, 0, {0}};
  double x0[12], x1[12], hist0[600];
  int64_t nh0;
  int ok = 1;
  make_problem(m, d, 1, 1e6, 0.1, 960, &p);
  distribute(&p, 0, &A, &B);
  RLA_ASSERT_OK(rla_lsq_create(ctx, &L));
  RLA_ASSERT_OK(rla_lsq_setup(L));
  RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x0, d, &info));
  nh0 = info.nhistory;
  RLA_ASSERT_ALL(nh0 > 1 && nh0 <= 600);
  memcpy(hist0, info.history, sizeof(double) * (size_t)nh0);
  RLA_ASSERT_OK(rla_lsq_set_monitor(L, record, &seen));
  RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x1, d, &info));
  ok &= seen.bad == 0 && seen.n == nh0 && info.nhistory == nh0;
  ok &=
      memcmp(x0, x1, sizeof(x0)) == 0 && memcmp(seen.est, hist0, sizeof(double) * (size_t)nh0) == 0;
  RLA_ASSERT_OK(rla_lsq_set_monitor(L, NULL, NULL));
  RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x1, d, &info));
  ok &= seen.n == nh0;
  RLA_ASSERT_ALL(ok);
  RLA_ASSERT_ALL(rla_lsq_set_monitor(NULL, record, &seen) == RLA_ERR_ARG);
  rla_lsq_destroy(&L);
  rla_dmat_destroy(&B);
  rla_dmat_destroy(&A);
  problem_free(&p);
}

/* The residual evaluation (the fused pass over A: r = b - A x, A^T r, ||A||_F) against long
   double sums over the full problem, on sizes that leave partial chunks, columns outside the
   groups of 8, and ranks with one row or none. Tolerances are the rounding bounds of the
   double computation (evaluate): a row or a column dropped or counted twice changes the
   results at O(1). */
static void test_evaluation(void)
{
  /* d = 600 takes the pipelined pass's floor of 512 rows per chunk (pipe_rows of
     src/op/impls/dense.c): several chunks and a partial one at 1, 2 and 3 ranks */
  const int64_t ms[] = {9001, 4099, 1000, 7, 2600}, ds[] = {13, 300, 1, 5, 600};
  for (size_t t = 0; t < sizeof(ms) / sizeof(ms[0]); t++) {
    int64_t m = ms[t], d = ds[t];
    problem p;
    rla_dmat A = NULL, B = NULL;
    rla_lsq L = make_solver(RLA_LSQ_SOLVE, RLA_SKETCH_SRHT, 3);
    rla_lsq_info info;
    evaluation ev;
    double *x = malloc(sizeof(double) * (size_t)d);
    int ok;
    make_problem(m, d, 1, 1e4, 0.5, 900 + t, &p);
    distribute(&p, 0, &A, &B);
    RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, d, &info));
    evaluate(&p, 0, x, &ev, NULL);
    ok = fabs(info.residual_norm[0] - ev.rn) <= ev.tol_r * ev.rn &&
         fabs(info.norm_fro - ev.af) <= ev.tol_f * ev.af &&
         fabs(info.backward_error[0] - ev.ratio) <= ev.tol_g * ev.ratio;
    if (verbose() && rla_ctx_rank(rla_test_ctx) == 0)
      printf("\n  m %lld d %lld: ||r|| rel err %.2e (tol %.2e), ||A||_F %.2e (%.2e), "
             "ratio %.2e (%.2e)",
             (long long)m, (long long)d, fabs(info.residual_norm[0] - ev.rn) / ev.rn, ev.tol_r,
             fabs(info.norm_fro - ev.af) / ev.af, ev.tol_f,
             fabs(info.backward_error[0] - ev.ratio) / ev.ratio, ev.tol_g);
    RLA_ASSERT_ALL(ok);
    free(x);
    rla_lsq_destroy(&L);
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&B);
    problem_free(&p);
  }
}

/* Sets global entry (i, j) of a row-block matrix on the rank that holds it. */
static void set_entry(rla_dmat A, int64_t i, int64_t j, double v)
{
  double *a;
  int64_t lm, lld, r0 = rla_dmat_row_offset(A);
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  if (i >= r0 && i < r0 + lm) a[(i - r0) + j * lld] = v;
}

/* NaN and Inf in A or B, and too large an A, for every method and sketch: the sketching methods
   find them in their sketch and then name the first bad entry, as the direct method's scan
   does; a finite A too large for their sums of squares gets its own message. The entries sit in
   the 8-wide body of the finiteness test and in its tail (local row 24 of 25 at two ranks, 49
   of 50 at one) and on the last rank's rows. */
static void test_nonfinite(void)
{
  static const struct {
    rla_lsq_method method;
    rla_sketch_type sketch;
  } cases[] = {{RLA_LSQ_ACCURATE, RLA_SKETCH_SRHT},   {RLA_LSQ_ACCURATE, RLA_SKETCH_GAUSSIAN},
               {RLA_LSQ_ACCURATE, RLA_SKETCH_SPARSE}, {RLA_LSQ_SOLVE, RLA_SKETCH_SRHT},
               {RLA_LSQ_SOLVE, RLA_SKETCH_GAUSSIAN},  {RLA_LSQ_SOLVE, RLA_SKETCH_SPARSE},
               {RLA_LSQ_DIRECT, RLA_SKETCH_SRHT}};
  static const struct {
    int64_t i, j;
    int in_b;
    double v;
    const char *text;
  } bad[] = {{49, 3, 0, NAN, "row 49, column 3"},
             {40, 7, 0, -INFINITY, "row 40, column 7"},
             {0, 0, 1, INFINITY, "B: non-finite value (NaN or Inf) at row 0"},
             {17, 0, 1, NAN, "B: non-finite value (NaN or Inf) at row 17"}};
  problem pr;
  rla_dmat A = NULL, B = NULL;
  double x[8];
  make_problem(50, 8, 1, 10.0, 0.5, 801, &pr);
  distribute(&pr, 0, &A, &B);
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    rla_lsq L = make_solver(cases[c].method, cases[c].sketch, 5);
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
      set_entry(bad[k].in_b ? B : A, bad[k].i, bad[k].j, bad[k].v);
      RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, x, 8, NULL), RLA_ERR_VALUE, bad[k].text);
      RLA_ASSERT_OK(rla_dmat_scatter(A, 0, pr.a));
      RLA_ASSERT_OK(rla_dmat_scatter(B, 0, pr.b));
    }
    if (cases[c].method != RLA_LSQ_DIRECT) {
      /* finite, but past what sums of squares can hold */
      for (int64_t i = 0; i < 50; i++)
        set_entry(A, i, 2, ldexp(1.0, 1020) * (1.0 + (double)i / 50.0));
      RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, x, 8, NULL), RLA_ERR_VALUE, "too large");
      RLA_ASSERT_OK(rla_dmat_scatter(A, 0, pr.a));
    }
    /* and it solves the clean problem afterwards */
    RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, 8, NULL));
    rla_lsq_destroy(&L);
  }
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&B);
  problem_free(&pr);
}

static void test_errors(void)
{
  rla_dmat A = NULL, B = NULL, Bshort = NULL, A0 = NULL, Awide = NULL, Bwide = NULL, Bmb = NULL;
  rla_lsq L = NULL;
  rla_lsq_method method;
  double x[40];
  int64_t p = rla_ctx_size(rla_test_ctx);
  problem pr;
  make_problem(50, 8, 1, 10.0, 0.5, 800, &pr);
  distribute(&pr, 0, &A, &B);
  RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
  RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, x, 8, NULL), RLA_ERR_ARG, "rla_lsq_setup");
  RLA_ASSERT_FAILS(rla_lsq_set_oversample(L, 1.0), RLA_ERR_ARG, "oversampling");
  RLA_ASSERT_FAILS(rla_lsq_set_oversample(L, NAN), RLA_ERR_ARG, "oversampling");
  RLA_ASSERT_FAILS(rla_lsq_set_tol(L, 0.0), RLA_ERR_ARG, "backward-error target");
  RLA_ASSERT_FAILS(rla_lsq_set_max_iterations(L, -1), RLA_ERR_ARG, "iterations");
  RLA_ASSERT_FAILS(rla_lsq_set_rank_tol(L, 1.0), RLA_ERR_ARG, "rank tolerance");
  RLA_ASSERT_FAILS(rla_lsq_set_sketch_rows(L, -3), RLA_ERR_ARG, "sketch rows");
  RLA_ASSERT_FAILS(rla_lsq_set_method(L, (rla_lsq_method)7), RLA_ERR_ARG, "method");
  RLA_ASSERT_FAILS(rla_lsq_set_sketch_type(L, (rla_sketch_type)9), RLA_ERR_ARG, "sketch type");
  RLA_ASSERT_FAILS(rla_lsq_method_from_name(rla_test_ctx, "qr", &method), RLA_ERR_ARG, "accurate");
  RLA_ASSERT_OK(rla_lsq_method_from_name(rla_test_ctx, "direct", &method));
  RLA_ASSERT_ALL(method == RLA_LSQ_DIRECT && strcmp(rla_lsq_method_name(method), "direct") == 0);
  RLA_ASSERT_OK(rla_lsq_setup(L));
  /* sketch rows not above d */
  RLA_ASSERT_OK(rla_lsq_set_sketch_rows(L, 8));
  RLA_ASSERT_OK(rla_lsq_setup(L));
  RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, x, 8, NULL), RLA_ERR_ARG, "must exceed");
  RLA_ASSERT_OK(rla_lsq_set_sketch_rows(L, 0));
  /* a set_* undoes the setup */
  RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, x, 8, NULL), RLA_ERR_ARG, "not set up");
  RLA_ASSERT_OK(rla_lsq_setup(L));
  /* m < d */
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 5, 8, 0, &Awide));
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 5, 1, 0, &Bwide));
  RLA_ASSERT_FAILS(rla_lsq_solve(L, Awide, Bwide, x, 8, NULL), RLA_ERR_SHAPE, "underdetermined");
  /* B rows != A rows */
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 49, 1, 0, &Bshort));
  RLA_ASSERT_FAILS(rla_lsq_solve(L, A, Bshort, x, 8, NULL), RLA_ERR_SHAPE, "B has 49 rows");
  /* B with another row distribution */
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 50, 1, 50, &Bmb));
  if (p > 1)
    RLA_ASSERT_FAILS(rla_lsq_solve(L, A, Bmb, x, 8, NULL), RLA_ERR_ARG, "row distribution");
  /* d = 0 */
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 50, 0, 0, &A0));
  RLA_ASSERT_FAILS(rla_lsq_solve(L, A0, B, x, 8, NULL), RLA_ERR_SHAPE, "d = 0");
  /* bad X */
  RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, NULL, 8, NULL), RLA_ERR_ARG, "X is NULL");
  RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, x, 7, NULL), RLA_ERR_ARG, "leading dimension");
  /* NaN in A on the last rank's rows, Inf in B */
  {
    double *a;
    int64_t lm, lld;
    rla_dmat_local(A, &a, &lm, NULL, &lld);
    if (rla_dmat_row_offset(A) + lm == 50 && lm > 0) a[(lm - 1) + 3 * lld] = NAN;
    RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, x, 8, NULL), RLA_ERR_VALUE, "row 49, column 3");
    RLA_ASSERT_OK(rla_dmat_scatter(A, 0, pr.a));
    rla_dmat_local(B, &a, &lm, NULL, &lld);
    if (rla_dmat_row_offset(B) == 0 && lm > 0) a[0] = INFINITY;
    RLA_ASSERT_FAILS(rla_lsq_solve(L, A, B, x, 8, NULL), RLA_ERR_VALUE, "B: non-finite");
    RLA_ASSERT_OK(rla_dmat_scatter(B, 0, pr.b));
  }
  /* and it still solves afterwards */
  RLA_ASSERT_OK(rla_lsq_solve(L, A, B, x, 8, NULL));
  {
    FILE *f = fopen(rla_test_path("view.txt"), "w+");
    char text[4096] = "";
    size_t n = 0;
    RLA_ASSERT_OK(rla_lsq_view(L, f));
    if (f) {
      rewind(f);
      n = fread(text, 1, sizeof(text) - 1, f);
      text[n] = '\0';
      fclose(f);
    }
    RLA_ASSERT_ALL(rla_ctx_rank(rla_test_ctx) != 0 ||
                   (strstr(text, "method accurate") && strstr(text, "rhs 0")));
  }
  rla_lsq_destroy(&L);
  RLA_ASSERT_ALL(L == NULL);
  RLA_ASSERT_OK(rla_lsq_destroy(NULL));
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&B);
  rla_dmat_destroy(&A0);
  rla_dmat_destroy(&Awide);
  rla_dmat_destroy(&Bwide);
  rla_dmat_destroy(&Bshort);
  rla_dmat_destroy(&Bmb);
  problem_free(&pr);
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("lsq", NULL, NULL);
  CU_add_test(s, "accurate method against dgels, kappa 1 to 1e12", test_accurate_vs_lapack);
  CU_add_test(s, "Cholesky preconditioner on other spectra", test_cholesky_spectra);
  CU_add_test(s, "sketch-and-solve residual band", test_solve_band);
  CU_add_test(s, "rank-deficient A gives the minimum-norm solution", test_rank_deficient);
  CU_add_test(s, "same seed, same x on P ranks and on one", test_rank_count_independence);
  CU_add_test(s, "default oversampling of the accurate method", test_default_oversampling);
  CU_add_test(s, "direct method against dgels", test_direct);
  CU_add_test(s, "several right-hand sides equal each alone", test_multiple_rhs);
  CU_add_test(s, "ranks without rows", test_empty_ranks);
  CU_add_test(s, "residual evaluation against long double", test_evaluation);
  CU_add_test(s, "provoked errors and view", test_errors);
  CU_add_test(s, "NaN, Inf and overflow in A and B, every method", test_nonfinite);
  CU_add_test(s, "least squares through a matrix-free operator", test_operator);
  CU_add_test(s, "direct method on a sparse operator (SuiteSparseQR)", test_spqr);
  CU_add_test(s, "SuiteSparseQR on a rank-deficient A: the minimum norm", test_spqr_rank_deficient);
  CU_add_test(s, "set up, a solve allocates nothing", test_no_allocation);
  CU_add_test(s, "the sketch preconditioner object", test_precond);
  CU_add_test(s, "the monitor sees the history as it is made", test_monitor);
}
