/* SPDX-License-Identifier: BSD-3-Clause */
/* Accurate least squares: sketch-and-precondition with iterative refinement, SPIR (Epperly,
   Meier, Nakatsukasa, "Fast randomized least-squares solvers can be just as accurate and stable
   as classical direct solvers", arXiv 2406.03468, 2024), which repairs the loss of backward
   stability of sketch-and-precondition with a warm start (Meier, Nakatsukasa, Townsend, Webb,
   "Are sketch-and-precondition least squares solvers numerically stable?", SIMAX 45, 2024).
   With the column-equilibrated A^ = A D, its sketch S A^ = Q R and the preconditioner
   P = R^-1, or, when R is numerically rank-deficient (or there are more than LSQ_QR_MAX_RHS
   right-hand sides), R = U diag(sigma) V^T and P = V_k diag(sigma_k)^-1 (either way A^ P is
   well conditioned, kappa about (1 + eps_e) / (1 - eps_e) for an embedding of distortion
   eps_e), starting from the sketch-and-solve x, each refinement step
     r = b - A^ x^,  c = P^T A^T r  (one fused pass over A, one allreduce of d + 2 words),
     solve (P^T A^T A P) dy = c by CG from dy = 0,  x^ <- x^ + P dy.
   The first CG solve runs until its update falls below the rounding level of c,
   eps (sigma_1 ||x^|| + 0.04 kappa ||r||) (the adaptive rule of the authors' code); later ones
   until the backward-error estimate of their recursively updated residual is below tol / 2.
   The refinement stops on the backward-error estimate of the recomputed residual, the
   Karlson-Walden estimate (Karlson, Walden, BIT 37, 1997; Grcar, Saunders, Su) evaluated with
   the sketch's R in place of A^'s triangular factor, as in the authors' code:
     est = theta / sqrt(1 + theta^2 ||x^||^2) || (R^T R + mu I)^-1/2 A^T r || / ||A^||_F,
     theta = ||A^||_F / ||b||, mu = theta^2 ||r||^2 / (1 + theta^2 ||x^||^2),
   that is || (sigma^2 + mu)^-1/2 V^T A^T r || with the SVD, or || R_mu^-T A^T r || with R_mu
   the R factor of [R; sqrt(mu) I] without it (one QR per refinement step, see kw_factor; the
   CG steps of that refinement keep its mu, since ||r|| changes little during CG when it is
   large, and when it is not the recomputed residual decides),
   reaching est <= tol, or when a step fails to halve it (then the best iterate is kept), or at
   the iteration cap. CG rather than the heavy-ball iteration of FOSSILS (same paper) because
   it needs no spectral bounds and converges at least as fast; its stability is the paper's
   conjecture for SPIR with CG, borne out by its experiments and by our tests up to kappa 1e12.
   Cost per CG step: one fused pass A^T (A z) over the local rows (4 m d / P flops per right-hand
   side), one allreduce of d words per right-hand side, O(d k) replicated flops for P, P^T and
   the estimate. Without the SVD, (2/3) d^3 replicated flops per refinement step and
   right-hand side for R_mu (0.03 s at d = 1024, against 0.54 s for the SVD of R).
   Decisions use reduced values and are broadcast from rank 0 (a few ints per CG step), so every
   rank takes the same path even if replicated arithmetic differs in the last bit. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsq_impl.h"

#define MAX_STEPS   8   /* refinement steps; the stagnation rule ends them far earlier */
#define LANCZOS_MAX 200 /* CG coefficients kept for the condition estimate */

/* Block size of dtpqrt for the estimate's QR of [R; sqrt(mu) I]: 32 measured fastest at
   d = 1024 (0.03 s; 0.04 s with 64 or 128). */
#define KW_NB 32
/* Power-method steps for the estimates of ||R||_2 and kappa_2(R) of the QR path */
#define POWER_STEPS 8

typedef struct {
  int64_t d, k, nrhs;
  double *xh;                 /* d x nrhs, scaled coordinates */
  double *xbest;              /* d x nrhs, original coordinates */
  double *buf;                /* reduction buffer */
  double *pack;               /* d x nrhs */
  double *c, *s, *p, *dz, *q; /* k x nrhs each */
  double *vec;                /* d */
  double *gnew;               /* d: QR path, A^T r of the CG iterate in scaled coordinates */
  double *rmu;                /* QR path: nrhs triangles R_mu (d x d), see kw_factor */
  double *kwb, *kwt;          /* QR path: d x d and KW_NB x d of work for dtpqrt */
  double sigma1, kappa;       /* ||R||_2 and kappa_2(R) (estimates on the QR path) */
  double *rho, *rn, *xn, *fac, *est_prev, *best_est, *best_rn, *best_be, *rhs_norm;
  int64_t *cols, *cgcols;
  int *status; /* 2 nrhs flags: status (0 active, 1 converged, 2 stopped), then CG on/off */
  int *cg_on;  /* status + nrhs */
  double lanczos_a[LANCZOS_MAX], lanczos_b[LANCZOS_MAX];
  int nlanczos;
} refine_ws;

static void ws_free(refine_ws *w)
{
  double **arrays[] = {&w->xh,       &w->xbest,    &w->buf,     &w->pack,    &w->c,       &w->s,
                       &w->p,        &w->dz,       &w->q,       &w->vec,     &w->gnew,    &w->rmu,
                       &w->kwb,      &w->kwt,      &w->rho,     &w->rn,      &w->xn,      &w->fac,
                       &w->est_prev, &w->best_est, &w->best_rn, &w->best_be, &w->rhs_norm};
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
    rla_free(arrays[i]);
  rla_free(&w->cols);
  rla_free(&w->cgcols);
  rla_free(&w->status);
  w->cg_on = NULL;
}

static rla_err ws_alloc(rla_ctx ctx, refine_ws *w, int64_t d, int64_t k, int64_t nrhs, int qr)
{
  size_t kk = (size_t)((k > 0 ? k : 1) * nrhs), dn = (size_t)(d * nrhs), n = (size_t)nrhs;
  size_t dd = qr ? (size_t)(d * d) : 1;
  struct {
    double **ptr;
    size_t count;
  } arrays[] = {{&w->xh, dn},
                {&w->xbest, dn},
                {&w->buf, dn + 2 * n + (size_t)d},
                {&w->pack, dn},
                {&w->c, kk},
                {&w->s, kk},
                {&w->p, kk},
                {&w->dz, kk},
                {&w->q, kk},
                {&w->vec, (size_t)d},
                {&w->gnew, (size_t)d},
                {&w->rmu, dd * n},
                {&w->kwb, dd},
                {&w->kwt, qr ? (size_t)(KW_NB * d) : 1},
                {&w->rho, n},
                {&w->rn, n},
                {&w->xn, n},
                {&w->fac, n},
                {&w->est_prev, n},
                {&w->best_est, n},
                {&w->best_rn, n},
                {&w->best_be, n},
                {&w->rhs_norm, n}};
  memset(w, 0, sizeof(*w));
  w->d = d;
  w->k = k;
  w->nrhs = nrhs;
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
    RLA_CALL(ctx, rla_calloc(ctx, arrays[i].count, sizeof(double), arrays[i].ptr));
  RLA_CALL(ctx, rla_calloc(ctx, n, sizeof(int64_t), &w->cols));
  RLA_CALL(ctx, rla_calloc(ctx, n, sizeof(int64_t), &w->cgcols));
  RLA_CALL(ctx, rla_calloc(ctx, 2 * n, sizeof(int), &w->status));
  w->cg_on = w->status + n;
  return RLA_SUCCESS;
}

/* Every rank takes rank 0's decisions (status and CG on/off per right-hand side): they are made
   on identical reduced data, but replicated LAPACK and BLAS results may differ in the last bit
   between unlike processors, and ranks that disagreed on a decision would not call the same
   collectives. Collective. */
static rla_err agree_flags(rla_ctx ctx, int *flags, int64_t n, lsq_cost *cost)
{
  if (rla_ctx_size(ctx) == 1) return RLA_SUCCESS;
  RLA_MPI(ctx, MPI_Bcast(flags, (int)n, MPI_INT, 0, rla_ctx_comm(ctx)));
  cost->reductions++;
  return RLA_SUCCESS;
}

/* Karlson-Walden estimate from V^T g^ given as t (d), relative to ||A^||_F. */
static double kw_estimate(const lsq_factor *F, const double *t, int64_t n, double fac, double rn,
                          double ahat_fro)
{
  double mu = (fac * rn) * (fac * rn), sum = 0.0;
  if (rn == 0.0 || ahat_fro == 0.0) return 0.0;
  for (int64_t i = 0; i < n; i++) {
    double den = F->sigma[i] * F->sigma[i] + mu;
    if (t[i] == 0.0) continue;
    if (den == 0.0) return INFINITY;
    sum += t[i] * t[i] / den;
  }
  return fac * sqrt(sum) / ahat_fro;
}

/* QR path: R_mu (upper triangular, d x d, into rmu) with R_mu^T R_mu = R^T R + mu I, from the
   QR of [R; sqrt(mu) I] (LAPACK dtpqrt; b and t are work). Then the weighted norm of the
   estimate is g^T (R^T R + mu I)^-1 g = ||R_mu^-T g||^2, exact for any conditioning of R,
   where the SVD gives the same as sum (V^T g)_i^2 / (sigma_i^2 + mu). */
static lapack_int kw_factor(const lsq_factor *F, double mu, double *rmu, double *b, double *t)
{
  int64_t d = F->d, nb = d < KW_NB ? d : KW_NB;
  memcpy(rmu, F->r, sizeof(double) * (size_t)(d * d));
  if (mu == 0.0) return 0;
  memset(b, 0, sizeof(double) * (size_t)(d * d));
  for (int64_t i = 0; i < d; i++)
    b[i + i * d] = sqrt(mu);
  return LAPACKE_dtpqrt(LAPACK_COL_MAJOR, (lapack_int)d, (lapack_int)d, (lapack_int)d,
                        (lapack_int)nb, rmu, (lapack_int)d, b, (lapack_int)d, t, (lapack_int)nb);
}

/* QR path: the Karlson-Walden estimate fac ||R_mu^-T g^|| / ||A^||_F for g^ (d, scaled
   coordinates); y is d of work. */
static double kw_estimate_qr(const double *rmu, int64_t d, const double *g, double *y, double fac,
                             double ahat_fro)
{
  if (ahat_fro == 0.0) return 0.0;
  memcpy(y, g, sizeof(double) * (size_t)d);
  cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, rmu, (int)d, y, 1);
  return fac * cblas_dnrm2((int)d, y, 1) / ahat_fro;
}

/* QR path: ||R||_2 and kappa_2(R) for the adaptive stopping rule, by POWER_STEPS steps of the
   power method on R^T R and on (R^T R)^-1 (triangular products and solves, O(d^2) each) from a
   fixed start. Both converge from below; the rule needs them to a few percent. v, y: d. */
static void power_estimates(const lsq_factor *F, double *v, double *y, double *sigma1,
                            double *kappa)
{
  int64_t d = F->d;
  double lmax = 0.0, linv = 0.0;
  for (int pass = 0; pass < 2; pass++) {
    double lam = 0.0;
    for (int64_t i = 0; i < d; i++)
      v[i] = 1.0 / sqrt((double)d) * (1.0 + 0.5 * (double)(i % 3));
    for (int it = 0; it < POWER_STEPS; it++) {
      double nrm = cblas_dnrm2((int)d, v, 1);
      if (!(nrm > 0.0) || !isfinite(nrm)) break;
      cblas_dscal((int)d, 1.0 / nrm, v, 1);
      memcpy(y, v, sizeof(double) * (size_t)d);
      if (pass == 0) { /* y = R^T R v */
        cblas_dtrmv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)d, F->r, (int)d, y,
                    1);
        cblas_dtrmv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, F->r, (int)d, y,
                    1);
      } else { /* y = R^-1 R^-T v */
        cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, F->r, (int)d, y,
                    1);
        cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)d, F->r, (int)d, y,
                    1);
      }
      lam = cblas_ddot((int)d, v, 1, y, 1);
      memcpy(v, y, sizeof(double) * (size_t)d);
    }
    if (pass == 0)
      lmax = lam;
    else
      linv = lam;
  }
  *sigma1 = lmax > 0.0 ? sqrt(lmax) : 0.0;
  *kappa = lmax > 0.0 && linv > 0.0 ? sqrt(lmax * linv) : INFINITY;
}

/* sqrt(theta_max / theta_min) of the CG (Lanczos) tridiagonal matrix */
static double lanczos_kappa(const refine_ws *w)
{
  int n = w->nlanczos;
  double diag[LANCZOS_MAX], off[LANCZOS_MAX];
  if (n < 2) return NAN;
  for (int i = 0; i < n; i++) {
    diag[i] = 1.0 / w->lanczos_a[i] + (i > 0 ? w->lanczos_b[i - 1] / w->lanczos_a[i - 1] : 0.0);
    if (i + 1 < n) off[i] = sqrt(w->lanczos_b[i]) / w->lanczos_a[i];
  }
  if (LAPACKE_dstev(LAPACK_COL_MAJOR, 'N', n, diag, off, NULL, 1) != 0 || !(diag[0] > 0.0))
    return NAN;
  return sqrt(diag[n - 1] / diag[0]);
}

rla_err lsq_refine(rla_lsq L, const lsq_problem *pb, const lsq_factor *F, rla_lsq_info *info,
                   lsq_cost *cost)
{
  rla_ctx ctx = L->ctx;
  int64_t d = pb->d, k = F->k, nrhs = pb->nrhs, its = 0, steps = 0;
  double ahat_fro = 0.0, a_fro = 0.0, tol = L->tol;
  refine_ws w;
  rla_err err;

  err = ws_alloc(ctx, &w, d, k, nrhs, !F->use_svd);
  if (!err && L->history_cap < L->max_iterations + MAX_STEPS + 2) {
    rla_free(&L->history);
    L->history_cap = 0;
    err = rla_calloc(ctx, (size_t)(L->max_iterations + MAX_STEPS + 2), sizeof(double), &L->history);
    if (!err) L->history_cap = L->max_iterations + MAX_STEPS + 2;
  }
  info->history = L->history;
  info->nhistory = 0;
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  if (F->use_svd) {
    w.sigma1 = F->sigma[0];
    w.kappa = F->kappa;
  } else {
    power_estimates(F, w.vec, w.gnew, &w.sigma1, &w.kappa);
  }
  for (int64_t j = 0; j < nrhs; j++) {
    for (int64_t i = 0; i < d; i++)
      w.xh[i + j * d] = pb->x[i + j * pb->ldx] / F->scale[i];
    w.best_est[j] = INFINITY;
    w.est_prev[j] = INFINITY;
  }
  for (int step = 0;; step++) {
    int64_t na = 0, nbuf;
    /* --- evaluate r = b - A x, A^T r for the active right-hand sides --- */
    for (int64_t j = 0; j < nrhs; j++)
      if (w.status[j] == 0) w.cols[na++] = j;
    if (na == 0) break;
    for (int64_t jj = 0; jj < na; jj++)
      memcpy(w.pack + jj * d, pb->x + w.cols[jj] * pb->ldx, sizeof(double) * (size_t)d);
    nbuf = d * na + 2 * na + (step == 0 ? d : 0);
    memset(w.buf, 0, sizeof(double) * (size_t)nbuf);
    lsq_local_residual(pb, na, w.cols, w.pack, d, w.buf, w.buf + d * na, w.buf + d * na + na,
                       step == 0 ? w.buf + d * na + 2 * na : NULL);
    RLA_CALL_GOTO(ctx, err, done, lsq_allreduce(ctx, w.buf, nbuf, cost));
    cost->passes++;
    if (step == 0) {
      const double *colsq = w.buf + d * na + 2 * na;
      for (int64_t i = 0; i < d; i++) {
        a_fro += colsq[i];
        ahat_fro += colsq[i] * F->scale[i] * F->scale[i];
      }
      a_fro = sqrt(a_fro);
      ahat_fro = sqrt(ahat_fro);
      info->norm_fro = a_fro;
    }
    for (int64_t jj = 0; jj < na; jj++) {
      int64_t j = w.cols[jj];
      double *g = w.buf + jj * d, rn = sqrt(w.buf[d * na + jj]), gn, xn = 0.0, theta, est, be;
      lapack_int kinfo = 0;
      if (step == 0) w.rhs_norm[j] = sqrt(w.buf[d * na + na + jj]);
      gn = cblas_dnrm2((int)d, g, 1);
      be = rn > 0.0 && a_fro > 0.0 ? gn / (a_fro * rn) : 0.0;
      for (int64_t i = 0; i < d; i++) {
        g[i] *= F->scale[i]; /* g^ = D A^T r = A^T r in scaled coordinates */
        xn += w.xh[i + j * d] * w.xh[i + j * d];
      }
      xn = sqrt(xn);
      theta = w.rhs_norm[j] > 0.0 ? ahat_fro / w.rhs_norm[j] : 0.0;
      w.fac[j] = theta / sqrt(1.0 + theta * theta * xn * xn);
      w.rn[j] = rn;
      w.xn[j] = xn;
      if (F->use_svd) {
        cblas_dgemv(CblasColMajor, CblasTrans, (int)d, (int)d, 1.0, F->v, (int)d, g, 1, 0.0, w.vec,
                    1);
        est = kw_estimate(F, w.vec, d, w.fac[j], rn, ahat_fro);
      } else {
        /* R_mu for this step's mu, kept for the CG estimates that follow */
        kinfo = kw_factor(F, (w.fac[j] * rn) * (w.fac[j] * rn), w.rmu + j * d * d, w.kwb, w.kwt);
        est = rn == 0.0 ? 0.0 : kw_estimate_qr(w.rmu + j * d * d, d, g, w.vec, w.fac[j], ahat_fro);
      }
      if (kinfo != 0 && !err)
        err = rla_error_set(ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,
                            "the QR of [R; sqrt(mu) I] for the backward-error estimate failed "
                            "(LAPACK dtpqrt info %d)",
                            (int)kinfo);
      if (w.rhs_norm[j] == 0.0 || k == 0) est = 0.0; /* x = 0 is the minimum-norm solution */
      if (j == 0 && info->nhistory < L->history_cap) L->history[info->nhistory++] = est;
      if (est <= w.best_est[j] || est <= tol) {
        w.best_est[j] = est;
        w.best_rn[j] = rn;
        w.best_be[j] = be;
        memcpy(w.xbest + j * d, pb->x + j * pb->ldx, sizeof(double) * (size_t)d);
      }
      if (est <= tol)
        w.status[j] = 1;
      else if ((step >= 2 && est > 0.5 * w.est_prev[j]) || step >= MAX_STEPS ||
               its >= L->max_iterations)
        w.status[j] = 2;
      w.est_prev[j] = est;
      /* CG start: dz = 0, s = p = c = P^T g^ */
      lsq_precond_apply_transpose(F, g, w.c + j * k);
      memcpy(w.s + j * k, w.c + j * k, sizeof(double) * (size_t)k);
      memcpy(w.p + j * k, w.c + j * k, sizeof(double) * (size_t)k);
      memset(w.dz + j * k, 0, sizeof(double) * (size_t)k);
      w.rho[j] = cblas_ddot((int)k, w.s + j * k, 1, w.s + j * k, 1);
      w.cg_on[j] = w.status[j] == 0 && w.rho[j] > 0.0;
    }
    RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
    RLA_CALL_GOTO(ctx, err, done, agree_flags(ctx, w.status, 2 * nrhs, cost));
    na = 0;
    for (int64_t j = 0; j < nrhs; j++)
      if (w.status[j] == 0) w.cols[na++] = j;
    if (na == 0) break;

    /* --- CG on (P^T A^T A P) dy = c for the active right-hand sides --- */
    for (;;) {
      int64_t nc = 0;
      for (int64_t jj = 0; jj < na; jj++)
        if (w.cg_on[w.cols[jj]]) w.cgcols[nc++] = w.cols[jj];
      if (nc == 0 || its >= L->max_iterations) break;
      for (int64_t jj = 0; jj < nc; jj++) {
        int64_t j = w.cgcols[jj];
        double *z = w.pack + jj * d;
        lsq_precond_apply(F, w.p + j * k, z);
        for (int64_t i = 0; i < d; i++)
          z[i] *= F->scale[i];
      }
      lsq_local_normal(pb, nc, w.pack, w.buf);
      RLA_CALL_GOTO(ctx, err, done, lsq_allreduce(ctx, w.buf, d * nc, cost));
      cost->passes++;
      its++;
      for (int64_t jj = 0; jj < nc; jj++) {
        int64_t j = w.cgcols[jj];
        double *wj = w.buf + jj * d, *s = w.s + j * k, *p = w.p + j * k, *q = w.q + j * k;
        double *dz = w.dz + j * k, pq, alpha, rho_new, update, nrn2, est_in, sum = 0.0, mu;
        L->rhs_iterations[j]++;
        for (int64_t i = 0; i < d; i++)
          wj[i] *= F->scale[i];
        lsq_precond_apply_transpose(F, wj, q);
        pq = cblas_ddot((int)k, p, 1, q, 1);
        if (!(pq > 0.0) || !isfinite(pq)) {
          w.cg_on[j] = 0; /* breakdown: keep dz as it is */
          continue;
        }
        alpha = w.rho[j] / pq;
        cblas_daxpy((int)k, alpha, p, 1, dz, 1);
        cblas_daxpy((int)k, -alpha, q, 1, s, 1);
        rho_new = cblas_ddot((int)k, s, 1, s, 1);
        update = fabs(alpha) * cblas_dnrm2((int)k, p, 1);
        if (step == 0 && jj == 0 && w.cgcols[0] == w.cols[0] && w.nlanczos < LANCZOS_MAX) {
          w.lanczos_a[w.nlanczos] = alpha;
          w.lanczos_b[w.nlanczos] = rho_new / w.rho[j];
          w.nlanczos++;
        }
        if (F->use_svd) {
          /* estimate at x^ + P dz: V_k^T g^_new = diag(sigma_k) s, ||r_new||^2 = ||r||^2 -
             dz^T (c + s) in exact arithmetic */
          nrn2 = w.rn[j] * w.rn[j] - cblas_ddot((int)k, dz, 1, w.c + j * k, 1) -
                 cblas_ddot((int)k, dz, 1, s, 1);
          mu = w.fac[j] * w.fac[j] * (nrn2 > 0.0 ? nrn2 : 0.0);
          for (int64_t i = 0; i < k; i++) {
            double t = F->sigma[i] * s[i], den = F->sigma[i] * F->sigma[i] + mu;
            sum += t * t / den;
          }
          est_in = ahat_fro > 0.0 ? w.fac[j] * sqrt(sum) / ahat_fro : 0.0;
        } else {
          /* g^_new = R^T s, weighted with the mu of the step's start: ||r|| moves little
             during CG when r is large, and the recomputed residual decides when it is not */
          memcpy(w.gnew, s, sizeof(double) * (size_t)d);
          cblas_dtrmv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, F->r, (int)d,
                      w.gnew, 1);
          est_in = kw_estimate_qr(w.rmu + j * d * d, d, w.gnew, w.vec, w.fac[j], ahat_fro);
        }
        if (j == 0 && info->nhistory < L->history_cap) L->history[info->nhistory++] = est_in;
        if (est_in <= 0.5 * tol || rho_new == 0.0 ||
            (step == 0 && update <= RLA_EPS * (w.sigma1 * w.xn[j] + 0.04 * w.kappa * w.rn[j])))
          w.cg_on[j] = 0;
        if (rho_new > 0.0) {
          for (int64_t i = 0; i < k; i++)
            p[i] = s[i] + (rho_new / w.rho[j]) * p[i];
          w.rho[j] = rho_new;
        }
      }
      RLA_CALL_GOTO(ctx, err, done, agree_flags(ctx, w.cg_on, nrhs, cost));
      RLA_CALL_GOTO(ctx, err, done, rla_fault_agree(ctx, "iterate"));
    }
    /* --- x^ += P dz, x = D x^ (minus its null-space component) --- */
    for (int64_t jj = 0; jj < na; jj++) {
      int64_t j = w.cols[jj];
      double *x = pb->x + j * pb->ldx;
      lsq_precond_apply(F, w.dz + j * k, w.vec);
      for (int64_t i = 0; i < d; i++) {
        w.xh[i + j * d] += w.vec[i];
        x[i] = F->scale[i] * w.xh[i + j * d];
      }
      lsq_project_nullspace(F, 1, x, pb->ldx);
      if (F->k < d)
        for (int64_t i = 0; i < d; i++)
          w.xh[i + j * d] = x[i] / F->scale[i];
    }
    steps++;
  }
  /* the best iterate (the last one for a converged right-hand side) */
  for (int64_t j = 0; j < nrhs; j++) {
    memcpy(pb->x + j * pb->ldx, w.xbest + j * d, sizeof(double) * (size_t)d);
    L->residual_norm[j] = w.best_rn[j];
    L->backward_error[j] = w.best_be[j];
    L->backward_error_estimate[j] = w.best_est[j];
    L->rhs_norm[j] = w.rhs_norm[j];
    L->rhs_converged[j] = w.status[j] == 1;
  }
  info->iterations = its;
  info->refinements = steps;
  info->kappa_preconditioned = lanczos_kappa(&w);
done:
  ws_free(&w);
  return err;
}
