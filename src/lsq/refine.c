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
   right-hand side for R_mu (about a twentieth of the SVD of R at d = 1024; chosen by
   measurement: see bench/README.md).
   Decisions use reduced values and are broadcast from rank 0 (a few ints per CG step), so every
   rank takes the same path even if replicated arithmetic differs in the last bit. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fault.h"
#include "lsq_impl.h"

#define MAX_STEPS   8   /* refinement steps; the stagnation rule ends them far earlier */
#define LANCZOS_MAX 200 /* CG coefficients kept for the condition estimate */

/* Block size of dtpqrt for the estimate's QR of [R; sqrt(mu) I]: 32 measured fastest at
   d = 1024, against 64 and 128 (chosen by measurement: see bench/README.md). */
#define KW_NB 32
/* Power-method steps for the estimates of ||R||_2 and kappa_2(R) of the QR path */
#define POWER_STEPS 8

/* The refinement's workspace, allocated by lsq_refine_plan for d columns and nrhs right-hand
   sides (the arrays of length k hold d), and its state during one lsq_refine. */
struct lsq_refine_ws {
  int64_t d, k, nrhs, cap_d, cap_nrhs;
  double *xh;                 /* d x nrhs, scaled coordinates */
  double *xbest;              /* d x nrhs, original coordinates */
  double *buf;                /* reduction buffer */
  double *pack;               /* d x nrhs */
  double *c, *s, *p, *dz, *q; /* k x nrhs each */
  double *vec;                /* d */
  double *gnew;               /* d: QR path, A^T r of the CG iterate in scaled coordinates */
  /* QR path: nrhs triangles R_mu (d x d, see kw_factor), then d x d of work for dtpqrt: views
     of the solve's arena, free once the sketch-and-solve solution is made (lsq_refine_plan) */
  double *rmu, *kwb;
  double *kwt; /* QR path: KW_NB x d of work for dtpqrt */
  double sigma1, kappa;       /* ||R||_2 and kappa_2(R) (estimates on the QR path) */
  double *rho, *rn, *xn, *fac, *est_prev, *best_est, *best_rn, *best_be, *rhs_norm;
  int64_t *cols, *cgcols;
  int *status; /* 2 nrhs flags: status (0 active, 1 converged, 2 stopped), then CG on/off */
  int *cg_on;  /* status + nrhs */
  double lanczos_a[LANCZOS_MAX], lanczos_b[LANCZOS_MAX];
  int nlanczos;
  /* the solve in progress */
  int64_t its, na, nc;
  double ahat_fro, a_fro;
};
typedef struct lsq_refine_ws refine_ws;

static void ws_free_arrays(refine_ws *w)
{
  double **arrays[] = {&w->xh,       &w->xbest,    &w->buf,     &w->pack,    &w->c,       &w->s,
                       &w->p,        &w->dz,       &w->q,       &w->vec,     &w->gnew,    &w->kwt,
                       &w->rho,      &w->rn,       &w->xn,      &w->fac,
                       &w->est_prev, &w->best_est, &w->best_rn, &w->best_be, &w->rhs_norm};
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
    rla_free(arrays[i]);
  rla_free(&w->cols);
  rla_free(&w->cgcols);
  rla_free(&w->status);
  w->cg_on = NULL;
  w->rmu = w->kwb = NULL;
  w->cap_d = w->cap_nrhs = 0;
}

void lsq_refine_free(lsq_refine_ws **w)
{
  if (!w || !*w) return;
  ws_free_arrays(*w);
  rla_free(w);
}

/* The arrays for d columns and nrhs right-hand sides but the QR path's triangles (at most
   LSQ_QR_MAX_RHS of them, more take the SVD path), which are the factor's. Local. */
static rla_err ws_alloc(rla_ctx ctx, refine_ws *w, int64_t d, int64_t nrhs)
{
  size_t kk = (size_t)(d * nrhs), dn = (size_t)(d * nrhs), n = (size_t)nrhs;
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
                {&w->kwt, (size_t)(KW_NB * d)},
                {&w->rho, n},
                {&w->rn, n},
                {&w->xn, n},
                {&w->fac, n},
                {&w->est_prev, n},
                {&w->best_est, n},
                {&w->best_rn, n},
                {&w->best_be, n},
                {&w->rhs_norm, n}};
  ws_free_arrays(w);
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
    RLA_CALL(ctx, rla_calloc(ctx, arrays[i].count, sizeof(double), arrays[i].ptr));
  RLA_CALL(ctx, rla_calloc(ctx, n, sizeof(int64_t), &w->cols));
  RLA_CALL(ctx, rla_calloc(ctx, n, sizeof(int64_t), &w->cgcols));
  RLA_CALL(ctx, rla_calloc(ctx, 2 * n, sizeof(int), &w->status));
  w->cg_on = w->status + n;
  w->cap_d = d;
  w->cap_nrhs = nrhs;
  return RLA_SUCCESS;
}

rla_err lsq_refine_plan(rla_lsq L, int64_t d, int64_t nrhs)
{
  rla_ctx ctx = L->ctx;
  int64_t nh = L->max_iterations + MAX_STEPS + 2;
  rla_err err = RLA_SUCCESS;
  if (!L->refine) err = rla_calloc(ctx, 1, sizeof(refine_ws), &L->refine);
  if (!err && (L->refine->cap_d < d || L->refine->cap_nrhs < nrhs))
    err = ws_alloc(ctx, L->refine, d, nrhs);
  if (!err) {
    /* the arena, planned by lsq_plan for d and nrhs */
    int64_t nqr = nrhs < LSQ_QR_MAX_RHS ? nrhs : LSQ_QR_MAX_RHS;
    L->refine->rmu = L->work.arena;
    L->refine->kwb = L->work.arena + nqr * d * d;
  }
  if (!err && L->history_cap < nh) {
    rla_free(&L->history);
    L->history_cap = 0;
    err = rla_calloc(ctx, (size_t)nh, sizeof(double), &L->history);
    if (!err) L->history_cap = nh;
  }
  if (err && L->refine) ws_free_arrays(L->refine);
  return rla_ctx_agree(ctx, err);
}

/* The state of a new solve: every right-hand side active, no CG coefficients. */
static void ws_start(refine_ws *w, int64_t d, int64_t k, int64_t nrhs)
{
  w->d = d;
  w->k = k;
  w->nrhs = nrhs;
  w->nlanczos = 0;
  w->its = w->na = w->nc = 0;
  w->ahat_fro = w->a_fro = 0.0;
  memset(w->status, 0, sizeof(int) * (size_t)(2 * nrhs));
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
   power method from a fixed start (see lsq_power_estimates); the rule needs them to a few
   percent. v, y: d. */
static void power_estimates(const lsq_factor *F, double *v, double *y, double *sigma1,
                            double *kappa)
{
  lsq_power_estimates(F->r, F->d, POWER_STEPS, 0, v, y, sigma1, kappa);
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

/* Init: the estimates of ||R||_2 and kappa_2(R) for the adaptive rule, and the scaled-coordinate
   start x^ = D^-1 x of every right-hand side. */
static void refine_init(const lsq_problem *pb, const lsq_factor *F, refine_ws *w)
{
  int64_t d = pb->d;
  if (F->use_svd) {
    w->sigma1 = F->sigma[0];
    w->kappa = F->kappa;
  } else {
    power_estimates(F, w->vec, w->gnew, &w->sigma1, &w->kappa);
  }
  for (int64_t j = 0; j < pb->nrhs; j++) {
    for (int64_t i = 0; i < d; i++)
      w->xh[i + j * d] = pb->x[i + j * pb->ldx] / F->scale[i];
    w->best_est[j] = INFINITY;
    w->est_prev[j] = INFINITY;
  }
}

/* The active right-hand sides (status 0) into w->cols, their count into w->na. */
static void list_active(refine_ws *w)
{
  w->na = 0;
  for (int64_t j = 0; j < w->nrhs; j++)
    if (w->status[j] == 0) w->cols[w->na++] = j;
}

/* The first right-hand side's estimate est into the history, and to the monitor. */
static void record_history(rla_lsq L, rla_lsq_info *info, double est)
{
  if (info->nhistory >= L->history_cap) return;
  L->history[info->nhistory++] = est;
  if (L->monitor) L->monitor(L->monitor_ctx, info->nhistory - 1, est);
}

/* Test of right-hand side j (jj-th active) at refinement step `step`, from the reduced residual
   pass in w->buf: the backward-error estimate, the best iterate, the stopping decision, and the
   start of its CG (dz = 0, s = p = c = P^T g^). */
static rla_err refine_test(rla_lsq L, const lsq_problem *pb, const lsq_factor *F, refine_ws *w,
                           int step, int64_t jj, rla_lsq_info *info)
{
  int64_t d = pb->d, k = w->k, na = w->na, j = w->cols[jj];
  double *g = w->buf + jj * d, rn = sqrt(w->buf[d * na + jj]), gn, xn = 0.0, theta, est, be;
  lapack_int kinfo = 0;
  if (step == 0) w->rhs_norm[j] = sqrt(w->buf[d * na + na + jj]);
  gn = cblas_dnrm2((int)d, g, 1);
  be = rn > 0.0 && w->a_fro > 0.0 ? gn / (w->a_fro * rn) : 0.0;
  for (int64_t i = 0; i < d; i++) {
    g[i] *= F->scale[i]; /* g^ = D A^T r = A^T r in scaled coordinates */
    xn += w->xh[i + j * d] * w->xh[i + j * d];
  }
  xn = sqrt(xn);
  theta = w->rhs_norm[j] > 0.0 ? w->ahat_fro / w->rhs_norm[j] : 0.0;
  w->fac[j] = theta / sqrt(1.0 + theta * theta * xn * xn);
  w->rn[j] = rn;
  w->xn[j] = xn;
  if (F->use_svd) {
    cblas_dgemv(CblasColMajor, CblasTrans, (int)d, (int)d, 1.0, F->v, (int)d, g, 1, 0.0, w->vec, 1);
    est = kw_estimate(F, w->vec, d, w->fac[j], rn, w->ahat_fro);
  } else {
    /* R_mu for this step's mu, kept for the CG estimates that follow */
    kinfo = kw_factor(F, (w->fac[j] * rn) * (w->fac[j] * rn), w->rmu + j * d * d, w->kwb, w->kwt);
    est =
        rn == 0.0 ? 0.0 : kw_estimate_qr(w->rmu + j * d * d, d, g, w->vec, w->fac[j], w->ahat_fro);
  }
  if (w->rhs_norm[j] == 0.0 || k == 0) est = 0.0; /* x = 0 is the minimum-norm solution */
  if (j == 0) record_history(L, info, est);
  if (est <= w->best_est[j] || est <= L->tol) {
    w->best_est[j] = est;
    w->best_rn[j] = rn;
    w->best_be[j] = be;
    memcpy(w->xbest + j * d, pb->x + j * pb->ldx, sizeof(double) * (size_t)d);
  }
  if (est <= L->tol)
    w->status[j] = 1;
  else if ((step >= 2 && est > 0.5 * w->est_prev[j]) || step >= MAX_STEPS ||
           w->its >= L->max_iterations)
    w->status[j] = 2;
  w->est_prev[j] = est;
  lsq_precond_apply_transpose(F, g, w->c + j * k);
  memcpy(w->s + j * k, w->c + j * k, sizeof(double) * (size_t)k);
  memcpy(w->p + j * k, w->c + j * k, sizeof(double) * (size_t)k);
  memset(w->dz + j * k, 0, sizeof(double) * (size_t)k);
  w->rho[j] = cblas_ddot((int)k, w->s + j * k, 1, w->s + j * k, 1);
  w->cg_on[j] = w->status[j] == 0 && w->rho[j] > 0.0;
  RLA_CHECK(L->ctx, kinfo == 0, RLA_ERR_LIB,
            "the QR of [R; sqrt(mu) I] for the backward-error estimate failed (LAPACK dtpqrt "
            "info %d)",
            (int)kinfo);
  return RLA_SUCCESS;
}

/* One refinement step's residual pass: r = b - A x and A^T r for the active right-hand sides
   (and the column norms at the first step), reduced; then refine_test for each, and the
   agreed decisions. Collective. */
static rla_err refine_evaluate(rla_lsq L, const lsq_problem *pb, const lsq_factor *F, refine_ws *w,
                               int step, rla_lsq_info *info, lsq_cost *cost)
{
  rla_ctx ctx = L->ctx;
  int64_t d = pb->d, na = w->na, nbuf;
  rla_err err = RLA_SUCCESS;
  for (int64_t jj = 0; jj < na; jj++)
    memcpy(w->pack + jj * d, pb->x + w->cols[jj] * pb->ldx, sizeof(double) * (size_t)d);
  nbuf = d * na + 2 * na + (step == 0 ? d : 0);
  memset(w->buf, 0, sizeof(double) * (size_t)nbuf);
  RLA_CALL(ctx,
           lsq_op_agree(pb, rla_op_residual_local(pb->op, na, w->cols, pb->b, pb->ldb, w->pack, d,
                                                  w->buf, w->buf + d * na, w->buf + d * na + na,
                                                  step == 0 ? w->buf + d * na + 2 * na : NULL)));
  RLA_CALL(ctx, lsq_allreduce(ctx, w->buf, nbuf, cost));
  cost->passes++;
  if (step == 0) {
    const double *colsq = w->buf + d * na + 2 * na;
    for (int64_t i = 0; i < d; i++) {
      w->a_fro += colsq[i];
      w->ahat_fro += colsq[i] * F->scale[i] * F->scale[i];
    }
    w->a_fro = sqrt(w->a_fro);
    w->ahat_fro = sqrt(w->ahat_fro);
    info->norm_fro = w->a_fro;
  }
  for (int64_t jj = 0; jj < na; jj++) {
    rla_err e = refine_test(L, pb, F, w, step, jj, info);
    if (e && !err) err = e;
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  return agree_flags(ctx, w->status, 2 * w->nrhs, cost);
}

/* The backward-error estimate of the CG iterate x^ + P dz of right-hand side j from the CG
   recurrences: with the SVD, V_k^T g^_new = diag(sigma_k) s and ||r_new||^2 = ||r||^2 -
   dz^T (c + s) in exact arithmetic; on the QR path g^_new = R^T s, weighted with the mu of the
   step's start (||r|| moves little during CG when r is large, and the recomputed residual
   decides when it is not). */
static double cg_estimate(const lsq_factor *F, refine_ws *w, int64_t j)
{
  int64_t d = w->d, k = w->k;
  const double *s = w->s + j * k, *dz = w->dz + j * k;
  double nrn2, mu, sum = 0.0;
  if (!F->use_svd) {
    memcpy(w->gnew, s, sizeof(double) * (size_t)d);
    cblas_dtrmv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, F->r, (int)d, w->gnew,
                1);
    return kw_estimate_qr(w->rmu + j * d * d, d, w->gnew, w->vec, w->fac[j], w->ahat_fro);
  }
  nrn2 = w->rn[j] * w->rn[j] - cblas_ddot((int)k, dz, 1, w->c + j * k, 1) -
         cblas_ddot((int)k, dz, 1, s, 1);
  mu = w->fac[j] * w->fac[j] * (nrn2 > 0.0 ? nrn2 : 0.0);
  for (int64_t i = 0; i < k; i++) {
    double t = F->sigma[i] * s[i], den = F->sigma[i] * F->sigma[i] + mu;
    sum += t * t / den;
  }
  return w->ahat_fro > 0.0 ? w->fac[j] * sqrt(sum) / w->ahat_fro : 0.0;
}

/* Iterate: the CG update of right-hand side j (jj-th in the CG) from wj = A^T A P p (reduced),
   with its estimate and stopping test. */
static void cg_update(rla_lsq L, const lsq_factor *F, refine_ws *w, int step, int64_t jj,
                      rla_lsq_info *info)
{
  int64_t d = w->d, k = w->k, j = w->cgcols[jj];
  double *wj = w->buf + jj * d, *s = w->s + j * k, *p = w->p + j * k, *q = w->q + j * k;
  double *dz = w->dz + j * k, pq, alpha, rho_new, update, est_in;
  L->rhs_iterations[j]++;
  for (int64_t i = 0; i < d; i++)
    wj[i] *= F->scale[i];
  lsq_precond_apply_transpose(F, wj, q);
  pq = cblas_ddot((int)k, p, 1, q, 1);
  if (!(pq > 0.0) || !isfinite(pq)) {
    w->cg_on[j] = 0; /* breakdown: keep dz as it is */
    return;
  }
  alpha = w->rho[j] / pq;
  cblas_daxpy((int)k, alpha, p, 1, dz, 1);
  cblas_daxpy((int)k, -alpha, q, 1, s, 1);
  rho_new = cblas_ddot((int)k, s, 1, s, 1);
  update = fabs(alpha) * cblas_dnrm2((int)k, p, 1);
  if (step == 0 && jj == 0 && w->cgcols[0] == w->cols[0] && w->nlanczos < LANCZOS_MAX) {
    w->lanczos_a[w->nlanczos] = alpha;
    w->lanczos_b[w->nlanczos] = rho_new / w->rho[j];
    w->nlanczos++;
  }
  est_in = cg_estimate(F, w, j);
  if (j == 0) record_history(L, info, est_in);
  if (est_in <= 0.5 * L->tol || rho_new == 0.0 ||
      (step == 0 && update <= RLA_EPS * (w->sigma1 * w->xn[j] + 0.04 * w->kappa * w->rn[j])))
    w->cg_on[j] = 0;
  if (rho_new > 0.0) {
    for (int64_t i = 0; i < k; i++)
      p[i] = s[i] + (rho_new / w->rho[j]) * p[i];
    w->rho[j] = rho_new;
  }
}

/* CG on (P^T A^T A P) dy = c for the active right-hand sides: one fused pass and one reduction
   per step for all those still iterating. Collective. */
static rla_err refine_cg(rla_lsq L, const lsq_problem *pb, const lsq_factor *F, refine_ws *w,
                         int step, rla_lsq_info *info, lsq_cost *cost)
{
  rla_ctx ctx = L->ctx;
  int64_t d = pb->d, k = w->k;
  for (;;) {
    int64_t nc = 0;
    for (int64_t jj = 0; jj < w->na; jj++)
      if (w->cg_on[w->cols[jj]]) w->cgcols[nc++] = w->cols[jj];
    if (nc == 0 || w->its >= L->max_iterations) break;
    for (int64_t jj = 0; jj < nc; jj++) {
      int64_t j = w->cgcols[jj];
      double *z = w->pack + jj * d;
      lsq_precond_apply(F, w->p + j * k, z);
      for (int64_t i = 0; i < d; i++)
        z[i] *= F->scale[i];
    }
    RLA_CALL(ctx, lsq_op_agree(pb, rla_op_normal_local(pb->op, nc, w->pack, w->buf)));
    RLA_CALL(ctx, lsq_allreduce(ctx, w->buf, d * nc, cost));
    cost->passes++;
    w->its++;
    for (int64_t jj = 0; jj < nc; jj++)
      cg_update(L, F, w, step, jj, info);
    RLA_CALL(ctx, agree_flags(ctx, w->cg_on, w->nrhs, cost));
    RLA_CALL(ctx, rla_fault_agree(ctx, "iterate"));
  }
  return RLA_SUCCESS;
}

/* x^ += P dz, x = D x^ (minus its null-space component) for the active right-hand sides. */
static void refine_update(const lsq_problem *pb, const lsq_factor *F, refine_ws *w)
{
  int64_t d = pb->d, k = w->k;
  for (int64_t jj = 0; jj < w->na; jj++) {
    int64_t j = w->cols[jj];
    double *x = pb->x + j * pb->ldx;
    lsq_precond_apply(F, w->dz + j * k, w->vec);
    for (int64_t i = 0; i < d; i++) {
      w->xh[i + j * d] += w->vec[i];
      x[i] = F->scale[i] * w->xh[i + j * d];
    }
    lsq_project_nullspace(F, 1, x, pb->ldx);
    if (F->k < d)
      for (int64_t i = 0; i < d; i++)
        w->xh[i + j * d] = x[i] / F->scale[i];
  }
}

rla_err lsq_refine(rla_lsq L, const lsq_problem *pb, const lsq_factor *F, rla_lsq_info *info,
                   lsq_cost *cost)
{
  refine_ws *w = L->refine;
  int64_t d = pb->d, nrhs = pb->nrhs, steps = 0;

  RLA_CHECK(L->ctx, w && w->cap_d >= d && w->cap_nrhs >= nrhs, RLA_ERR_ARG,
            "lsq_refine: the workspace is not planned for %lld right-hand sides", (long long)nrhs);
  ws_start(w, d, F->k, nrhs);
  info->history = L->history;
  info->nhistory = 0;
  refine_init(pb, F, w);
  for (int step = 0;; step++) {
    list_active(w);
    if (w->na == 0) break;
    RLA_CALL(L->ctx, refine_evaluate(L, pb, F, w, step, info, cost));
    list_active(w);
    if (w->na == 0) break;
    RLA_CALL(L->ctx, refine_cg(L, pb, F, w, step, info, cost));
    refine_update(pb, F, w);
    steps++;
  }
  /* the best iterate (the last one for a converged right-hand side) */
  for (int64_t j = 0; j < nrhs; j++) {
    memcpy(pb->x + j * pb->ldx, w->xbest + j * d, sizeof(double) * (size_t)d);
    L->residual_norm[j] = w->best_rn[j];
    L->backward_error[j] = w->best_be[j];
    L->backward_error_estimate[j] = w->best_est[j];
    L->rhs_norm[j] = w->rhs_norm[j];
    L->rhs_converged[j] = w->status[j] == 1;
  }
  info->iterations = w->its;
  info->refinements = steps;
  info->kappa_preconditioned = lanczos_kappa(w);
  return RLA_SUCCESS;
}
