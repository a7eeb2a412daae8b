/* SPDX-License-Identifier: BSD-3-Clause */
/* Sketch-and-solve (Sarlos 2006; Woodruff, "Sketching as a tool for numerical linear algebra",
   2014, Thm. 2.14): x = argmin ||S (A x - b)|| for a subspace embedding S of span[A b] with
   distortion eps_e, so ||b - A x|| <= (1 + eps_e) / (1 - eps_e) ||r*||.
   Steps: the local rows of A (through the operator, rla_op_sketch_left_local) and of B
   (rla_sketch_apply_left_local) are sketched into one l x c array, c = d + nrhs, whose sum
   over the ranks is factored by TSQR (Demmel, Grigori, Hoemmen, Langou, SISC 34, 2012): ONE
   reduce-scatter (a ring, see sketch_reduce) leaves each of the first Pq = min(P, l / c) ranks a
   block of about l / Pq rows of the summed sketch, in place; each takes the Householder QR of its
   block (LAPACK dgeqrt, block 128), the c x c triangles are combined pairwise up a binomial tree
   (QR of two stacked triangles, LAPACK dtpqrt), and the final R of [S A, S B] is broadcast. Its
   leading d x d block R11 is the R factor of S A, R12 = (Q^T S B)(1:d) and the norms of the columns
   of R22 are the sketched residuals ||S (B - A X)||. The columns are then equilibrated: D = diag(1
   / ||S a_j||) with ||S a_j|| the norm of column j of R11 (Householder QR is backward stable column
   by column, so R11 D is as good an R factor of S A D as a QR of S A D itself), and x = D (R11
   D)^-1 R12. When the accurate method asks for it (more than LSQ_QR_MAX_RHS right-hand sides), or
   when LAPACK's 1-norm condition estimate of R11 D says that it may be numerically singular, the
   SVD R11 D = U diag(sigma) V^T follows; singular values at or below rank_tol * sigma_1 are dropped
   (LSRN, Meng, Saunders, Mahoney, SISC 2014), x = D V_k diag(sigma_k)^-1 U_k^T R12, and the
   component of x in the numerical null space D span(V(:, k:d)) of A is removed, which gives the
   minimum-norm solution in the original coordinates. The accurate method first tries the Cholesky
   factor of the Gram matrix of the summed sketch instead (sketch_cholesky: one local dsyrk, (l /
   Pq) c^2 flops at BLAS-3 speed, a reduction and a broadcast of c^2 words, (1/3) d^3 flops on rank
   0), and keeps it when its condition estimate is at most CHOL_KAPPA_MAX (lsq_impl.h); its x is
   then the solution of the sketch's normal equations, only a starting point for the refinement.
   Cost: the sketch (see the operator); a reduce-scatter of l c words; 2 (l / Pq) c^2 flops for
   the local QR, about (2/3) c^3 per tree level (log2 Pq levels, c^2 words each) and a broadcast
   of c^2 words; replicated, O(d^3) for the SVD when made. */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/finite.h"
#include "../base/reduce.h"
#include "../orth/orth.h"
#include "lsq_impl.h"

/* Rows row0 .. row0 + rows - 1 of block q of the l-row sketch split over Pq ranks, as even as
   can be (each has >= c rows when l >= c); no rows for q >= Pq. */
static void block_range(int64_t l, int Pq, int q, int64_t *row0, int64_t *rows)
{
  int64_t base = l / Pq, extra = l % Pq;
  if (q >= Pq) {
    *row0 = l;
    *rows = 0;
    return;
  }
  *row0 = q * base + (q < extra ? q : extra);
  *rows = base + (q < extra);
}

/* The row blocks of the l x c sketch: the first Pq = min(P, l / c) ranks hold one each. */
static void sketch_blocks(rla_ctx ctx, int64_t l, int64_t c, int *Pq, int64_t *row0, int64_t *rows)
{
  int P = rla_ctx_size(ctx);
  *Pq = (int)(l / c < P ? l / c : P);
  if (*Pq < 1) *Pq = 1;
  block_range(l, *Pq, rla_ctx_rank(ctx), row0, rows);
}

int64_t lsq_comm_doubles(int P, int64_t l, int64_t c)
{
  int64_t Pq = l / c < P ? l / c : P, ring, tsqr = rla_orth_r_work(P, c);
  if (Pq < 1) Pq = 1;
  ring = 2 * (int64_t)P + rla_reduce_scatter_rows_work(P, (l + Pq - 1) / Pq);
  return ring > tsqr ? ring : tsqr;
}

/* The reduce-scatter of the l x c sketch whose parts w (column-major, leading dimension l) the
   ranks hold, leaving block q (its rows of all c columns, see sketch_blocks) summed in rank q's
   rows of w: the ring of rla_reduce_scatter_rows (src/base/reduce.c), in work
   (lsq_comm_doubles, or NULL to allocate). Collective. */
static rla_err sketch_reduce(rla_ctx ctx, double *w, int64_t l, int64_t c, lsq_cost *cost,
                             double *work)
{
  int P = rla_ctx_size(ctx), Pq;
  int64_t row0, rows, *starts = NULL, *own = NULL;
  rla_err err = RLA_SUCCESS;

  if (P == 1) return RLA_SUCCESS;
  sketch_blocks(ctx, l, c, &Pq, &row0, &rows);
  if (!work) err = rla_calloc(ctx, (size_t)(2 * P), sizeof(int64_t), &own);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  starts = work ? (int64_t *)work : own;
  for (int q = 0; q < P; q++)
    block_range(l, Pq, q, starts + q, starts + P + q);
  err = rla_reduce_scatter_rows(ctx, w, l, c, starts, starts + P, work ? work + 2 * P : NULL);
  rla_free(&own);
  RLA_CALL(ctx, err);
  cost->reductions++;
  cost->words += l * c;
  return RLA_SUCCESS;
}

/* TSQR of the reduced l x c sketch in w (each rank's block, see sketch_blocks; overwritten):
   the R factor (c x c, upper triangular, lower part zero) into r on every rank, by the
   binomial tree of src/orth/tsqr.c over the ranks that hold blocks, in work (lsq_comm_doubles,
   or NULL to allocate). Collective. */
static rla_err sketch_tsqr(rla_ctx ctx, double *w, int64_t l, int64_t c, double *r, lsq_cost *cost,
                           double *work)
{
  int Pq;
  int64_t row0, rows;
  rla_orth_stats st = {0, 0, 0};
  rla_err err;

  sketch_blocks(ctx, l, c, &Pq, &row0, &rows);
  err = rla_orth_r(ctx, RLA_ORTH_TSQR, l, rows, c, w + row0, l, r, &st, work);
  cost->words += st.words;
  return err;
}

/* Rank 0's part of sketch_cholesky: from the summed Gram matrix g (c x c, upper), msg =
   (accepted, kappa, D (d), c1 (d x nrhs)) and R (d x d, upper) in r, accepted only when the
   estimate of kappa_2(R) passes CHOL_KAPPA_MAX (msg and r are zero on entry, and r is again
   when R is refused); kappa is LAPACK's 1-norm estimate, as on the QR path. v: 2 d doubles of
   work. */
static void cholesky_on_root(const double *g, int64_t c, int64_t d, int64_t nrhs, double *msg,
                             double *r, double *v)
{
  double *scale = msg + 2, *cc = scale + d, rcond = 0.0, sigma1, kappa2;
  lapack_int info = 0;
  int ok = 1;
  for (int64_t j = 0; j < d; j++) {
    ok &= g[j + j * c] > 0.0;
    scale[j] = g[j + j * c] > 0.0 ? 1.0 / sqrt(g[j + j * c]) : 1.0;
  }
  for (int64_t j = 0; j < d; j++)
    for (int64_t i = 0; i <= j; i++)
      r[i + j * d] = scale[i] * g[i + j * c] * scale[j];
  if (ok) info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (lapack_int)d, r, (lapack_int)d);
  if (ok && info == 0)
    info = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', (lapack_int)d, r, (lapack_int)d, &rcond);
  if (ok && info >= 0 && rcond > 0.0)
    lsq_power_estimates(r, d, CHOL_POWER_STEPS, 1, v, v + d, &sigma1, &kappa2);
  if (!(ok && info >= 0 && rcond > 0.0 && kappa2 <= CHOL_KAPPA_MAX)) {
    memset(r, 0, sizeof(double) * (size_t)(d * d));
    return;
  }
  msg[0] = 1.0;
  msg[1] = 1.0 / rcond;
  for (int64_t j = 0; j < nrhs; j++) {
    for (int64_t i = 0; i < d; i++)
      cc[i + j * d] = scale[i] * g[i + (d + j) * c];
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, r, (int)d, cc + j * d,
                1);
  }
}

/* Cholesky path of the accurate method (see lsq_sketch_solve): from the reduced l x c sketch
   W = [S A, S B] in w (each rank's block, see sketch_blocks; left intact), the Gram matrix
   G = W^T W (one local dsyrk, summed to rank 0), D = diag(G11)^-1/2 and the Cholesky factor R
   of D G11 D, which is R11 D of the QR path in exact arithmetic, and c1 = R^-T D G12, which
   is R12 there. Rank 0 decides and broadcasts, with R, D and c1, whether R is accepted (see
   CHOL_KAPPA_MAX): *accepted is then 1 on every rank and F->scale, F->r, F->kappa and c1
   (d x nrhs) are set (F->r is zero on entry and stays so otherwise). g (c x c), msg (2 + d +
   d nrhs) and v (2 d): work. Collective. */
static rla_err sketch_cholesky(rla_ctx ctx, const double *w, int64_t l, int64_t d, int64_t nrhs,
                               lsq_factor *F, double *c1, double *g, double *msg, double *v,
                               lsq_cost *cost, int *accepted)
{
  int me = rla_ctx_rank(ctx), Pq;
  int64_t c = d + nrhs, rows, row0, nmsg = 2 + d + d * nrhs;

  *accepted = 0;
  sketch_blocks(ctx, l, c, &Pq, &row0, &rows);
  RLA_CHECK(ctx, nmsg <= INT_MAX && d * d <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "the R factor of the %lld x %lld sketch exceeds the 2^31 count of MPI", (long long)l,
            (long long)c);
  memset(g, 0, sizeof(double) * (size_t)(c * c));
  memset(msg, 0, sizeof(double) * (size_t)nmsg);
  if (rows > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)c, (int)rows, 1.0, w + row0, (int)l,
                0.0, g, (int)c);
  if (rla_ctx_size(ctx) > 1) {
    RLA_MPI(ctx, MPI_Reduce(me == 0 ? MPI_IN_PLACE : g, me == 0 ? g : NULL, (int)(c * c),
                            MPI_DOUBLE, MPI_SUM, 0, rla_ctx_comm(ctx)));
    cost->reductions++;
    cost->words += c * c;
  }
  if (me == 0) cholesky_on_root(g, c, d, nrhs, msg, F->r, v);
  if (rla_ctx_size(ctx) > 1) {
    /* the flag first, then the factor only when it is taken */
    RLA_MPI(ctx, MPI_Bcast(msg, 2, MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
    cost->reductions++;
    if (msg[0] == 1.0) {
      RLA_MPI(ctx, MPI_Bcast(msg + 2, (int)(nmsg - 2), MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
      RLA_MPI(ctx, MPI_Bcast(F->r, (int)(d * d), MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
      cost->words += nmsg - 2 + d * d;
    }
  }
  if (msg[0] == 1.0) {
    *accepted = 1;
    F->kappa = msg[1];
    memcpy(F->scale, msg + 2, sizeof(double) * (size_t)d);
    memcpy(c1, msg + 2 + d, sizeof(double) * (size_t)(d * nrhs));
  }
  return RLA_SUCCESS;
}

/* ||S (B - A X)|| from the reduced sketch rows in w (see sketch_blocks) and the
   original-coordinate X: one local product over this rank's rows, one allreduce of nrhs
   words. t: as many doubles of work as the rank's rows. Collective. */
static rla_err sketch_residual(rla_ctx ctx, const double *w, int64_t l, int64_t d, int64_t nrhs,
                               const double *x, int64_t ldx, double *t, double *out, lsq_cost *cost)
{
  int Pq;
  int64_t row0, rows;
  sketch_blocks(ctx, l, d + nrhs, &Pq, &row0, &rows);
  for (int64_t j = 0; j < nrhs; j++) {
    out[j] = 0.0;
    if (rows == 0) continue;
    memcpy(t, w + (d + j) * l + row0, sizeof(double) * (size_t)rows);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)rows, (int)d, -1.0, w + row0, (int)l, x + j * ldx,
                1, 1.0, t, 1);
    out[j] = cblas_ddot((int)rows, t, 1, t, 1);
  }
  RLA_CALL(ctx, lsq_allreduce(ctx, out, nrhs, cost));
  for (int64_t j = 0; j < nrhs; j++)
    out[j] = sqrt(out[j]);
  return RLA_SUCCESS;
}

rla_err lsq_sketch_phase(rla_ctx ctx, rla_op op, rla_sketch S, int64_t nrhs, const double *b,
                         int64_t ldb, double *w, lsq_factor *F, lsq_cost *cost, double *comm)
{
  int64_t l, d, row0, lm, c, r0, nr;
  int Pq, rc;
  double big;
  rla_err err;
  rla_sketch_get_sizes(S, &l, NULL);
  rla_op_sizes(op, NULL, &d);
  rla_op_local_rows(op, &row0, &lm);
  c = d + nrhs;
  /* the sketch of the local rows of A and of B, side by side */
  err = rla_op_sketch_left_local(op, S, w, l);
  if (!err && nrhs > 0) err = rla_sketch_apply_left_local(S, row0, lm, nrhs, b, ldb, w + l * d, l);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  /* the sketch phase ends with its reduce-scatter */
  RLA_CALL(ctx, sketch_reduce(ctx, w, l, c, cost, comm));
  /* A NaN or infinite entry of A or B reaches the summed sketch, as does an overflow: every
     sketch adds each row of [A B], times nonzero factors, into at least one of its rows (the
     Hadamard transform of the SRHT into all of them), and a non-finite value times anything,
     plus anything, stays non-finite. So the input is read once, here, and scanned for the
     position only when the sketch says there is something to find (rla_lsq_solve). The methods
     also sum squares of the sketch's entries (its Gram matrix, l c of them at most) and of A's
     and B's (their norms, about as large: the sketch keeps column norms to within its
     distortion), so a largest entry above sqrt(DBL_MAX / (4 l c)) is refused as well. */
  sketch_blocks(ctx, l, c, &Pq, &r0, &nr);
  big = rla_max_abs(w + r0, nr, c, l);
  if (isnan(big)) big = INFINITY; /* MPI_MAX may drop a NaN */
  rc = MPI_Allreduce(MPI_IN_PLACE, &big, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
  RLA_CHECK(ctx, rc == MPI_SUCCESS, RLA_ERR_MPI,
            "the test of the sketch for NaN and Inf failed (MPI error %d)", rc);
  cost->reductions++;
  F->sketch_max = big;
  F->sketch_bound = sqrt(DBL_MAX / (4.0 * (double)l * (double)c));
  return RLA_SUCCESS;
}

rla_err lsq_sketch_qr(rla_ctx ctx, double *w, int64_t l, int64_t d, int64_t nrhs, double *rf,
                      lsq_factor *F, lsq_cost *cost, double *comm)
{
  int64_t c = d + nrhs;
  memset(rf, 0, sizeof(double) * (size_t)(c * c));
  RLA_CALL(ctx, sketch_tsqr(ctx, w, l, c, rf, cost, comm));
  /* equilibrate: D from the column norms of R11 (those of S A), R = R11 D */
  for (int64_t j = 0; j < d; j++) {
    double nrm = cblas_dnrm2((int)(j + 1), rf + j * c, 1);
    F->scale[j] = nrm > 0.0 ? 1.0 / nrm : 1.0;
    for (int64_t i = 0; i <= j; i++)
      F->r[i + j * d] = rf[i + j * c] * F->scale[j];
  }
  return RLA_SUCCESS;
}

/* The sketch-and-solve solution from R (and U with the SVD) and c1 = R12 (leading dimension
   ldc): xh = P c1 in scaled coordinates (with the SVD, P U_k^T c1, the dropped part U^T c1
   adding to the sketched residual), x = D xh without its null-space component. Local. */
static void sketch_solution(const lsq_factor *F, const double *c1, int64_t ldc, int64_t nrhs,
                            double *xh, double *residual_sketched, double *x, int64_t ldx)
{
  int64_t d = F->d;
  for (int64_t j = 0; j < nrhs; j++) {
    if (F->use_svd) {
      double dropped;
      cblas_dgemv(CblasColMajor, CblasTrans, (int)d, (int)d, 1.0, F->u, (int)d, c1 + j * ldc, 1,
                  0.0, F->tau, 1);
      dropped = F->k < d ? cblas_dnrm2((int)(d - F->k), F->tau + F->k, 1) : 0.0;
      residual_sketched[j] = hypot(residual_sketched[j], dropped);
      lsq_precond_apply(F, F->tau, xh + j * d);
    } else {
      lsq_precond_apply(F, c1 + j * ldc, xh + j * d);
    }
  }
  for (int64_t j = 0; j < nrhs; j++)
    for (int64_t i = 0; i < d; i++)
      x[i + j * ldx] = F->scale[i] * xh[i + j * d];
  lsq_project_nullspace(F, nrhs, x, ldx);
}

/* The factorization of the reduced sketch: the Cholesky path (accurate), else TSQR; c1 and its
   leading dimension for the solution; the sketched residuals of the QR path. Collective. */
static rla_err sketch_factor(rla_lsq L, const lsq_problem *p, lsq_factor *F,
                             double *residual_sketched, lsq_cost *cost, const double **c1,
                             int64_t *ldc)
{
  rla_ctx ctx = L->ctx;
  lsq_work *W = &L->work;
  int64_t d = p->d, nrhs = p->nrhs, l = L->sketch_l, c = d + nrhs;
  int chol = 0;
  if (L->method == RLA_LSQ_ACCURATE)
    RLA_CALL(ctx, sketch_cholesky(ctx, W->sketch, l, d, nrhs, F, W->c1, W->gram, W->msg, W->cv,
                                  cost, &chol));
  if (chol) {
    F->cholesky = 1;
    *c1 = W->c1; /* R^-T D (S A)^T S B */
    *ldc = d;
    return RLA_SUCCESS;
  }
  RLA_CALL(ctx, lsq_sketch_qr(ctx, W->sketch, l, d, nrhs, W->rf, F, cost, W->comm));
  *c1 = W->rf + d * c; /* R12 */
  *ldc = c;
  /* ||S (b_j - A x)|| at the sketch-and-solve x: the column of R22 */
  for (int64_t j = 0; j < nrhs; j++)
    residual_sketched[j] = cblas_dnrm2((int)(j + 1), W->rf + (d + j) * c + d, 1);
  return RLA_SUCCESS;
}

rla_err lsq_sketch_solve(rla_lsq L, const lsq_problem *p, int want_svd, lsq_factor *F,
                         double *residual_sketched, lsq_cost *cost, double *t_sketch,
                         double *t_factor)
{
  rla_ctx ctx = L->ctx;
  lsq_work *W = &L->work;
  int64_t d = p->d, nrhs = p->nrhs, l = L->sketch_l, ldc = 0;
  const double *c1 = NULL;
  double rank_tol = lsq_rank_tol(L->rank_tol, d), t0 = rla_wtime(), tf;
  rla_err err = RLA_SUCCESS;

  lsq_factor_reset(F, d, l);
  RLA_CALL(ctx, lsq_sketch_phase(ctx, p->op, L->sketch, nrhs, p->b, p->ldb, W->sketch, F, cost,
                                 W->comm));
  if (!(F->sketch_max <= F->sketch_bound)) return RLA_SUCCESS;
  *t_sketch = rla_wtime() - t0;
  tf = rla_wtime();
  RLA_CALL(ctx, sketch_factor(L, p, F, residual_sketched, cost, &c1, &ldc));
  err = lsq_factor_decide(ctx, F, rank_tol, want_svd, F->cholesky ? 1.0 / F->kappa : 0.0);
  if (!err) sketch_solution(F, c1, ldc, nrhs, W->xh, residual_sketched, p->x, p->ldx);
  /* the Cholesky path has no R22: the sketched residual from the sketch itself */
  if (!err && F->cholesky)
    err = sketch_residual(ctx, W->sketch, l, d, nrhs, p->x, p->ldx, W->t, residual_sketched, cost);
  err = rla_ctx_agree(ctx, err);
  *t_factor = rla_wtime() - tf;
  return err;
}
