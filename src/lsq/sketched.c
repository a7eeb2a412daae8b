/* SPDX-License-Identifier: BSD-3-Clause */
/* Sketch-and-solve (Sarlos 2006; Woodruff, "Sketching as a tool for numerical linear algebra",
   2014, Thm. 2.14): x = argmin ||S (A x - b)|| for a subspace embedding S of span[A b] with
   distortion eps_e, so ||b - A x|| <= (1 + eps_e) / (1 - eps_e) ||r*||.
   Steps: the local rows of A and B are sketched (rla_sketch_apply_left_local) into one l x c
   array, c = d + nrhs, whose sum over the ranks is factored by TSQR (Demmel, Grigori, Hoemmen,
   Langou, SISC 34, 2012): ONE reduce-scatter (a ring, see sketch_reduce) leaves each
   of the first Pq = min(P, l / c) ranks a block of about l / Pq rows of the summed sketch, in
   place; each takes the Householder QR of its block (LAPACK dgeqrt, block 128),
   the c x c triangles are combined pairwise up a binomial tree (QR of two stacked triangles,
   LAPACK dtpqrt), and the final R of [S A, S B] is broadcast. Its leading d x d block R11 is
   the R factor of S A, R12 = (Q^T S B)(1:d) and the norms of the columns of R22 are the
   sketched residuals ||S (B - A X)||. The columns are then equilibrated: D = diag(1 / ||S a_j||)
   with ||S a_j|| the norm of column j of R11 (Householder QR is backward stable column by
   column, so R11 D is as good an R factor of S A D as a QR of S A D itself), and
   x = D (R11 D)^-1 R12. When the accurate method asks for it (more than LSQ_QR_MAX_RHS
   right-hand sides), or when LAPACK's 1-norm condition
   estimate of R11 D says that it may be numerically singular, the SVD R11 D = U diag(sigma) V^T
   follows; singular values at or below rank_tol * sigma_1 are dropped (LSRN, Meng, Saunders,
   Mahoney, SISC 2014), x = D V_k diag(sigma_k)^-1 U_k^T R12, and the component of x in the
   numerical null space D span(V(:, k:d)) of A is removed, which gives the minimum-norm solution
   in the original coordinates.
   The accurate method first tries the Cholesky factor of the Gram matrix of the summed sketch
   instead (sketch_cholesky: one local dsyrk, (l / Pq) c^2 flops at BLAS-3 speed, a reduction
   and a broadcast of c^2 words, (1/3) d^3 flops on rank 0), and keeps it when its condition
   estimate is at most CHOL_KAPPA_MAX (lsq_impl.h); its x is then the solution of the sketch's
   normal equations, only a starting point for the refinement.
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

void lsq_factor_free(lsq_factor *F)
{
  rla_free(&F->scale);
  rla_free(&F->r);
  rla_free(&F->sigma);
  rla_free(&F->v);
  rla_free(&F->nullspace);
  rla_free(&F->work);
}

void lsq_precond_apply(const lsq_factor *F, const double *y, double *x)
{
  if (F->use_svd) {
    for (int64_t i = 0; i < F->k; i++)
      F->work[i] = y[i] / F->sigma[i];
    if (F->k == 0) {
      memset(x, 0, sizeof(double) * (size_t)F->d);
      return;
    }
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)F->d, (int)F->k, 1.0, F->v, (int)F->d, F->work, 1,
                0.0, x, 1);
  } else {
    memcpy(x, y, sizeof(double) * (size_t)F->d);
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)F->d, F->r, (int)F->d,
                x, 1);
  }
}

void lsq_precond_apply_transpose(const lsq_factor *F, const double *g, double *y)
{
  if (F->use_svd) {
    if (F->k == 0) return;
    cblas_dgemv(CblasColMajor, CblasTrans, (int)F->d, (int)F->k, 1.0, F->v, (int)F->d, g, 1, 0.0, y,
                1);
    for (int64_t i = 0; i < F->k; i++)
      y[i] /= F->sigma[i];
  } else {
    memcpy(y, g, sizeof(double) * (size_t)F->d);
    cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)F->d, F->r, (int)F->d, y,
                1);
  }
}

void lsq_project_nullspace(const lsq_factor *F, int64_t nrhs, double *x, int64_t ldx)
{
  int64_t nn = F->d - F->k;
  if (!F->use_svd || nn == 0) return;
  for (int64_t j = 0; j < nrhs; j++) {
    /* x -= N (N^T x) */
    cblas_dgemv(CblasColMajor, CblasTrans, (int)F->d, (int)nn, 1.0, F->nullspace, (int)F->d,
                x + j * ldx, 1, 0.0, F->work, 1);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)F->d, (int)nn, -1.0, F->nullspace, (int)F->d,
                F->work, 1, 1.0, x + j * ldx, 1);
  }
}

/* SVD of R, rank decision, orthonormal null-space basis of A in original coordinates, and the
   truncated solution xh = V_k diag(sigma_k)^-1 U_k^T c1 (scaled coordinates). */
static rla_err factor_svd(rla_ctx ctx, lsq_factor *F, double rank_tol, const double *c1,
                          int64_t ldc, int64_t nrhs, double *xh, int64_t ldxh,
                          double *residual_sketched)
{
  int64_t d = F->d, nn;
  double *u = NULL, *vt = NULL, *tau = NULL;
  lapack_int info;
  rla_err err = RLA_SUCCESS;

  RLA_CALL_GOTO(ctx, err, done, rla_calloc(ctx, (size_t)(d * d), sizeof(double), &u));
  RLA_CALL_GOTO(ctx, err, done, rla_calloc(ctx, (size_t)(d * d), sizeof(double), &vt));
  RLA_CALL_GOTO(ctx, err, done, rla_calloc(ctx, (size_t)d, sizeof(double), &tau));
  RLA_CALL_GOTO(ctx, err, done, rla_calloc(ctx, (size_t)d, sizeof(double), &F->sigma));
  RLA_CALL_GOTO(ctx, err, done, rla_calloc(ctx, (size_t)(d * d), sizeof(double), &F->v));
  /* R is overwritten by the SVD: work on F->v as the input copy */
  memcpy(F->v, F->r, sizeof(double) * (size_t)(d * d));
  info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)d, (lapack_int)d, F->v, (lapack_int)d,
                        F->sigma, u, (lapack_int)d, vt, (lapack_int)d);
  RLA_CHECK_GOTO(ctx, err, done, info == 0, RLA_ERR_LIB,
                 "the SVD of the %lld x %lld sketched R factor failed (LAPACK dgesdd info %d)",
                 (long long)d, (long long)d, (int)info);
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = 0; j < d; j++)
      F->v[j + i * d] = vt[i + j * d];
  F->use_svd = 1;
  F->k = 0;
  while (F->k < d && F->sigma[F->k] > rank_tol * F->sigma[0])
    F->k++;
  F->kappa = F->k > 0 ? F->sigma[0] / F->sigma[F->k - 1] : NAN;
  /* xh = V_k diag(1/sigma_k) U_k^T c1; the dropped part U_(k:d)^T c1 adds to the sketched
     residual */
  for (int64_t j = 0; j < nrhs; j++) {
    double dropped;
    cblas_dgemv(CblasColMajor, CblasTrans, (int)d, (int)d, 1.0, u, (int)d, c1 + j * ldc, 1, 0.0,
                tau, 1);
    dropped = F->k < d ? cblas_dnrm2((int)(d - F->k), tau + F->k, 1) : 0.0;
    residual_sketched[j] = hypot(residual_sketched[j], dropped);
    lsq_precond_apply(F, tau, xh + j * ldxh);
  }
  nn = d - F->k;
  if (nn > 0) {
    /* N = orth(D V(:, k:d)): the null space of A = (A D) D^-1 is D null(A D) */
    RLA_CALL_GOTO(ctx, err, done, rla_calloc(ctx, (size_t)(d * nn), sizeof(double), &F->nullspace));
    for (int64_t j = 0; j < nn; j++)
      for (int64_t i = 0; i < d; i++)
        F->nullspace[i + j * d] = F->scale[i] * F->v[i + (F->k + j) * d];
    info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)d, (lapack_int)nn, F->nullspace,
                          (lapack_int)d, tau);
    if (info == 0)
      info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)d, (lapack_int)nn, (lapack_int)nn,
                            F->nullspace, (lapack_int)d, tau);
    RLA_CHECK_GOTO(ctx, err, done, info == 0, RLA_ERR_LIB,
                   "the QR of the %lld-dimensional null-space basis failed (LAPACK info %d)",
                   (long long)nn, (int)info);
  }
done:
  free(u);
  free(vt);
  free(tau);
  return err;
}

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

/* The reduce-scatter of the l x c sketch whose parts w (column-major, leading dimension l) the
   ranks hold, leaving block q (its rows of all c columns, see sketch_blocks) summed in rank q's
   rows of w: the ring of rla_reduce_scatter_rows (src/base/reduce.c). Collective. */
static rla_err sketch_reduce(rla_ctx ctx, double *w, int64_t l, int64_t c, lsq_cost *cost)
{
  int P = rla_ctx_size(ctx), Pq;
  int64_t row0, rows, *starts = NULL;
  rla_err err;

  if (P == 1) return RLA_SUCCESS;
  sketch_blocks(ctx, l, c, &Pq, &row0, &rows);
  err = rla_calloc(ctx, (size_t)(2 * P), sizeof(int64_t), &starts);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  for (int q = 0; q < P; q++)
    block_range(l, Pq, q, starts + q, starts + P + q);
  err = rla_reduce_scatter_rows(ctx, w, l, c, starts, starts + P);
  rla_free(&starts);
  RLA_CALL(ctx, err);
  cost->reductions++;
  cost->words += l * c;
  return RLA_SUCCESS;
}

/* TSQR of the reduced l x c sketch in w (each rank's block, see sketch_blocks; overwritten):
   the R factor (c x c, upper triangular, lower part zero) into r on every rank, by the
   binomial tree of src/orth/tsqr.c over the ranks that hold blocks. Collective. */
static rla_err sketch_tsqr(rla_ctx ctx, double *w, int64_t l, int64_t c, double *r, lsq_cost *cost)
{
  int Pq;
  int64_t row0, rows;
  rla_orth_stats st = {0, 0, 0};
  rla_err err;

  sketch_blocks(ctx, l, c, &Pq, &row0, &rows);
  err = rla_orth_r(ctx, RLA_ORTH_TSQR, l, rows, c, w + row0, l, r, &st);
  cost->words += st.words;
  return err;
}

/* Cholesky path of the accurate method (see lsq_sketch_solve): from the reduced l x c sketch
   W = [S A, S B] in w (each rank's block, see sketch_blocks; left intact), the Gram matrix
   G = W^T W (one local dsyrk, summed to rank 0), D = diag(G11)^-1/2 and the Cholesky factor R
   of D G11 D, which is R11 D of the QR path in exact arithmetic, and c1 = R^-T D G12, which
   is R12 there. Rank 0 decides and broadcasts, with R, D and c1, whether R is accepted (see
   CHOL_KAPPA_MAX): *accepted is then 1 on every rank and F->scale, F->r, F->kappa and c1
   (d x nrhs) are set. Collective. */
static rla_err sketch_cholesky(rla_ctx ctx, const double *w, int64_t l, int64_t d, int64_t nrhs,
                               lsq_factor *F, double *c1, lsq_cost *cost, int *accepted)
{
  int me = rla_ctx_rank(ctx), Pq;
  int64_t c = d + nrhs, rows, row0, nmsg = 2 + d + d * d + d * nrhs;
  double *g = NULL, *msg = NULL;
  lapack_int info = 0;
  rla_err err;

  *accepted = 0;
  sketch_blocks(ctx, l, c, &Pq, &row0, &rows);
  err = rla_calloc(ctx, (size_t)(c * c), sizeof(double), &g);
  if (!err) err = rla_calloc(ctx, (size_t)nmsg, sizeof(double), &msg);
  if (!err && nmsg > INT_MAX)
    err = rla_error_set(ctx, RLA_ERR_UNSUPPORTED, __func__, __FILE__, __LINE__,
                        "the R factor of the %lld x %lld sketch exceeds the 2^31 count of MPI",
                        (long long)l, (long long)c);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  if (rows > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)c, (int)rows, 1.0, w + row0, (int)l,
                0.0, g, (int)c);
  if (rla_ctx_size(ctx) > 1) {
    RLA_MPI(ctx, MPI_Reduce(me == 0 ? MPI_IN_PLACE : g, me == 0 ? g : NULL, (int)(c * c),
                            MPI_DOUBLE, MPI_SUM, 0, rla_ctx_comm(ctx)));
    cost->reductions++;
    cost->words += c * c;
  }
  if (me == 0) {
    /* msg: accepted, kappa, D (d), R (d x d), c1 (d x nrhs) */
    double *scale = msg + 2, *r = scale + d, *cc = r + d * d, rcond = 0.0;
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
      info = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', (lapack_int)d, r, (lapack_int)d,
                            &rcond);
    if (ok && info >= 0 && rcond > 0.0 && 1.0 / rcond <= CHOL_KAPPA_MAX) {
      msg[0] = 1.0;
      msg[1] = 1.0 / rcond;
      for (int64_t j = 0; j < nrhs; j++) {
        for (int64_t i = 0; i < d; i++)
          cc[i + j * d] = scale[i] * g[i + (d + j) * c];
        cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, r, (int)d,
                    cc + j * d, 1);
      }
    }
  }
  if (rla_ctx_size(ctx) > 1) {
    /* the flag first, then the factor only when it is taken */
    RLA_MPI(ctx, MPI_Bcast(msg, 2, MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
    cost->reductions++;
    if (msg[0] == 1.0) {
      RLA_MPI(ctx, MPI_Bcast(msg + 2, (int)(nmsg - 2), MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
      cost->words += nmsg - 2;
    }
  }
  if (msg[0] == 1.0) {
    *accepted = 1;
    F->kappa = msg[1];
    memcpy(F->scale, msg + 2, sizeof(double) * (size_t)d);
    for (int64_t j = 0; j < d; j++)
      for (int64_t i = 0; i < d; i++)
        F->r[i + j * d] = i <= j ? msg[2 + d + i + j * d] : 0.0;
    memcpy(c1, msg + 2 + d + d * d, sizeof(double) * (size_t)(d * nrhs));
  }
done:
  free(g);
  free(msg);
  return err;
}

/* ||S (B - A X)|| from the reduced sketch rows in w (see sketch_blocks) and the
   original-coordinate X: one local product over this rank's rows, one allreduce of nrhs
   words. t: as many doubles of work as the rank's rows. Collective. */
static rla_err sketch_residual(rla_ctx ctx, const double *w, int64_t l, int64_t d, int64_t nrhs,
                               const double *x, int64_t ldx, double *t, double *out,
                               lsq_cost *cost)
{
  int Pq;
  int64_t row0, rows;
  sketch_blocks(ctx, l, d + nrhs, &Pq, &row0, &rows);
  for (int64_t j = 0; j < nrhs; j++) {
    out[j] = 0.0;
    if (rows == 0) continue;
    memcpy(t, w + (d + j) * l + row0, sizeof(double) * (size_t)rows);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)rows, (int)d, -1.0, w + row0, (int)l,
                x + j * ldx, 1, 1.0, t, 1);
    out[j] = cblas_ddot((int)rows, t, 1, t, 1);
  }
  RLA_CALL(ctx, lsq_allreduce(ctx, out, nrhs, cost));
  for (int64_t j = 0; j < nrhs; j++)
    out[j] = sqrt(out[j]);
  return RLA_SUCCESS;
}

rla_err lsq_sketch_solve(rla_lsq L, const lsq_problem *p, int want_svd, lsq_factor *F,
                         double *residual_sketched, lsq_cost *cost, double *t_sketch,
                         double *t_factor)
{
  rla_ctx ctx = L->ctx;
  int64_t d = p->d, nrhs = p->nrhs, l = L->sketch_l, c = d + nrhs, ldc = c;
  double *w = NULL, *rf = NULL, *xh = NULL, *cbuf = NULL, *c1 = NULL, *t = NULL, rank_tol, tf;
  double t0 = rla_wtime();
  int chol = 0;
  lapack_int info;
  rla_err err = RLA_SUCCESS;

  memset(F, 0, sizeof(*F));
  F->d = d;
  F->l = l;
  rank_tol = L->rank_tol >= 0 ? L->rank_tol : 30.0 * sqrt((double)d) * RLA_EPS;
  if (L->sketch_work_len < (size_t)(l * c)) {
    rla_free(&L->sketch_work);
    L->sketch_work_len = 0;
    err = rla_calloc(ctx, (size_t)(l * c), sizeof(double), &L->sketch_work);
    if (!err) L->sketch_work_len = (size_t)(l * c);
  }
  w = L->sketch_work; /* overwritten by the sketch */
  if (!err) err = rla_calloc(ctx, (size_t)(d * nrhs), sizeof(double), &xh);
  if (!err) err = rla_calloc(ctx, (size_t)d, sizeof(double), &F->scale);
  if (!err) err = rla_calloc(ctx, (size_t)(d > nrhs ? d : nrhs), sizeof(double), &F->work);
  if (!err) err = rla_calloc(ctx, (size_t)(d * d), sizeof(double), &F->r);
  /* the sketch of the local rows of A and of B, side by side */
  if (!err) err = rla_sketch_apply_left_local(L->sketch, p->row0, p->lm, d, p->a, p->lda, w, l);
  if (!err)
    err = rla_sketch_apply_left_local(L->sketch, p->row0, p->lm, nrhs, p->b, p->ldb, w + l * d, l);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  /* the sketch phase ends with its reduce-scatter */
  RLA_CALL_GOTO(ctx, err, done, sketch_reduce(ctx, w, l, c, cost));
  /* A NaN or infinite entry of A or B reaches the summed sketch, as does an overflow: every
     sketch adds each row of [A B], times nonzero factors, into at least one of its rows (the
     Hadamard transform of the SRHT into all of them), and a non-finite value times anything,
     plus anything, stays non-finite. So the input is read once, here, and scanned for the
     position only when the sketch says there is something to find (rla_lsq_solve). The methods
     also sum squares of the sketch's entries (its Gram matrix, l c of them at most) and of A's
     and B's (their norms, about as large: the sketch keeps column norms to within its
     distortion), so a largest entry above sqrt(DBL_MAX / (4 l c)) is refused as well. */
  {
    int Pq, rc;
    int64_t r0, nr;
    double big;
    sketch_blocks(ctx, l, c, &Pq, &r0, &nr);
    big = rla_max_abs(w + r0, nr, c, l);
    if (isnan(big)) big = INFINITY; /* MPI_MAX may drop a NaN */
    rc = MPI_Allreduce(MPI_IN_PLACE, &big, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
    RLA_CHECK_GOTO(ctx, err, done, rc == MPI_SUCCESS, RLA_ERR_MPI,
                   "the test of the sketch for NaN and Inf failed (MPI error %d)", rc);
    cost->reductions++;
    F->sketch_max = big;
    F->sketch_bound = sqrt(DBL_MAX / (4.0 * (double)l * (double)c));
    if (!(big <= F->sketch_bound)) goto done;
  }
  *t_sketch = rla_wtime() - t0;
  tf = rla_wtime();

  if (L->method == RLA_LSQ_ACCURATE) {
    err = rla_calloc(ctx, (size_t)(d * nrhs), sizeof(double), &cbuf);
    if (!err) err = rla_calloc(ctx, (size_t)l, sizeof(double), &t);
    RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
    RLA_CALL_GOTO(ctx, err, done, sketch_cholesky(ctx, w, l, d, nrhs, F, cbuf, cost, &chol));
  }
  if (chol) {
    F->cholesky = 1;
    c1 = cbuf; /* R^-T D (S A)^T S B */
    ldc = d;
  } else {
    err = rla_calloc(ctx, (size_t)(c * c), sizeof(double), &rf);
    RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
    RLA_CALL_GOTO(ctx, err, done, sketch_tsqr(ctx, w, l, c, rf, cost));
    /* equilibrate: D from the column norms of R11 (those of S A), R = R11 D */
    for (int64_t j = 0; j < d; j++) {
      double nrm = cblas_dnrm2((int)(j + 1), rf + j * c, 1);
      F->scale[j] = nrm > 0.0 ? 1.0 / nrm : 1.0;
      for (int64_t i = 0; i <= j; i++)
        F->r[i + j * d] = rf[i + j * c] * F->scale[j];
    }
    c1 = rf + d * c; /* R12 */
    /* ||S (b_j - A x)|| at the sketch-and-solve x: the column of R22 */
    for (int64_t j = 0; j < nrhs; j++)
      residual_sketched[j] = cblas_dnrm2((int)(j + 1), rf + (d + j) * c + d, 1);
  }
  if (!want_svd) {
    double rcond = chol ? 1.0 / F->kappa : 0.0;
    int zero_diag = 0;
    for (int64_t i = 0; i < d && !chol; i++)
      zero_diag |= F->r[i + i * d] == 0.0;
    if (!chol && !zero_diag) {
      info = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', (lapack_int)d, F->r, (lapack_int)d,
                            &rcond);
      RLA_CHECK_GOTO(ctx, err, agree, info == 0, RLA_ERR_LIB,
                     "the condition estimate of the sketched R factor failed (LAPACK info %d)",
                     (int)info);
    }
    /* kappa_2 <= d kappa_1: a 1-norm estimate above 1 / (d rank_tol) may hide a 2-norm
       condition above 1 / rank_tol, so the SVD decides */
    want_svd = rcond < (double)d * rank_tol;
    F->kappa = rcond > 0.0 ? 1.0 / rcond : INFINITY;
  }
  if (want_svd) {
    RLA_CALL_GOTO(ctx, err, agree,
                  factor_svd(ctx, F, rank_tol, c1, ldc, nrhs, xh, d, residual_sketched));
  } else {
    F->k = d;
    for (int64_t j = 0; j < nrhs; j++)
      lsq_precond_apply(F, c1 + j * ldc, xh + j * d);
  }
  /* x = D xh, then without its null-space component */
  for (int64_t j = 0; j < nrhs; j++)
    for (int64_t i = 0; i < d; i++)
      p->x[i + j * p->ldx] = F->scale[i] * xh[i + j * d];
  lsq_project_nullspace(F, nrhs, p->x, p->ldx);
  /* the Cholesky path has no R22: the sketched residual from the sketch itself */
  if (chol) err = sketch_residual(ctx, w, l, d, nrhs, p->x, p->ldx, t, residual_sketched, cost);
agree:
  err = rla_ctx_agree(ctx, err);
  *t_factor = rla_wtime() - tf;
done:
  free(rf);
  free(xh);
  free(cbuf);
  free(t);
  if (err) lsq_factor_free(F);
  return err;
}
