/* SPDX-License-Identifier: BSD-3-Clause */
/* Orthonormalization of distributed tall-skinny matrices: CholeskyQR2 behind a conditioning
   guard, shifted CholeskyQR3 for ill-conditioned input, Householder TSQR as the fallback that
   cannot fail.

   Methods:
   - CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa, Yamamoto, ScalA 2014; Yamamoto, Nakatsukasa,
     Yanagisawa, Fukaya, ETNA 44, 2015): two passes of G = X^T X, R = chol(G), X = X R^{-1}.
     ||Q^T Q - I||_F = O(eps) when 8 kappa(X) sqrt((m l + l(l+1)) eps) <= 1 (their Thm 3.3).
   - Shifted CholeskyQR3 (Fukaya, Kannan, Nakatsukasa, Yamamoto, Yanagisawa, SISC 42(1), 2020):
     a first pass with R = chol(G + s I), s = 11 (m l + l(l+1)) eps ||X||_F^2, does not break
     down for kappa(X) up to about 1/eps and leaves a basis CholeskyQR2 can finish.
   - TSQR, flat tree (Demmel, Grigori, Hoemmen, Langou, SISC 34(1), 2012): local Householder QR,
     the P triangles gathered and factored on rank 0, their blocks of that Q scattered back.
     Stable for every X, also for a numerically rank-deficient one, whose Gram-based basis would
     span fewer than l directions.

   The guard. Every CholeskyQR pass factors the reduced Gram matrix on rank 0, which broadcasts
   R with its verdict, so all ranks take the same path. The first pass is accepted when Cholesky
   succeeds and 8 kappa sqrt((m l + l(l+1)) eps) <= 1, with kappa the LAPACK dtrcon estimate
   (1-norm) of kappa(R) = kappa(X); CholeskyQR2 then finishes with a plain pass. Otherwise the
   shifted pass runs on the same Gram matrix, its result must pass the guard in turn, and
   CholeskyQR2 finishes (shifted CholeskyQR3). Any Cholesky failure or guard failure after the
   shift (kappa(X) beyond about 1/eps: exactly rank-deficient or zero X) hands the current X to
   TSQR. The accumulated R is product of the pass factors, on rank 0.

   Cost: a CholeskyQR pass is 2 m l^2 / P flops per rank, l^3/3 on rank 0, a reduction and a
   broadcast of l^2 words; CholeskyQR2 takes 2 passes, shifted CholeskyQR3 3. TSQR: about
   4 m l^2 / P flops per rank, 2 P l^3 on rank 0, a gather and a scatter of at most P l^2 words
   (rank 0 holds them all: a flat tree, meant for the fallback, not for thousands of ranks). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "svd_impl.h"

enum { PASS_PLAIN, PASS_GUARDED, PASS_SHIFTED };

struct orth {
  rla_ctx ctx;
  MPI_Comm comm;
  int rank, size;
  int64_t m, lm, l;
  double *x;
  int64_t ldx;
  double *gloc; /* l x l: local Gram matrix */
  double *g;    /* l x l: reduced Gram matrix (rank 0) */
  double *r;    /* l x l + 1: R of the pass and the verdict, broadcast */
  double *racc; /* l x l: accumulated R (rank 0, when asked for) */
  rla_svd_info *info;
};

rla_err rla_svd_sum_replicated(rla_ctx ctx, double *buf, int count)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  if (rla_ctx_rank(ctx) == 0)
    RLA_MPI(ctx, MPI_Reduce(MPI_IN_PLACE, buf, count, MPI_DOUBLE, MPI_SUM, 0, comm));
  else
    RLA_MPI(ctx, MPI_Reduce(buf, NULL, count, MPI_DOUBLE, MPI_SUM, 0, comm));
  RLA_MPI(ctx, MPI_Bcast(buf, count, MPI_DOUBLE, 0, comm));
  return RLA_SUCCESS;
}

/* o->g (rank 0) = X^T X, upper triangle. */
static rla_err gram(struct orth *o)
{
  int64_t l = o->l;
  memset(o->gloc, 0, sizeof(double) * (size_t)(l * l));
  if (o->lm > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)l, (int)o->lm, 1.0, o->x, (int)o->ldx,
                0.0, o->gloc, (int)l);
  RLA_MPI(o->ctx, MPI_Reduce(o->gloc, o->g, (int)(l * l), MPI_DOUBLE, MPI_SUM, 0, o->comm));
  o->info->comm_words += l * l;
  return RLA_SUCCESS;
}

/* The verdict of rank 0 on one pass: factor g (shifted in PASS_SHIFTED), check the guard in
   PASS_GUARDED; r receives R (zero below the diagonal). */
static int factor(struct orth *o, int mode)
{
  int64_t l = o->l;
  double *r = o->r, dims = (double)o->m * (double)l + (double)l * (double)(l + 1), rcond = 0.0;
  memset(r, 0, sizeof(double) * (size_t)(l * l));
  for (int64_t j = 0; j < l; j++)
    memcpy(r + j * l, o->g + j * l, sizeof(double) * (size_t)(j + 1));
  if (mode == PASS_SHIFTED) {
    double trace = 0.0, shift;
    for (int64_t j = 0; j < l; j++)
      trace += o->g[j + j * l];
    shift = 11.0 * dims * RLA_EPS * trace;
    for (int64_t j = 0; j < l; j++)
      r[j + j * l] += shift;
  }
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (lapack_int)l, r, (lapack_int)l) != 0) return 0;
  for (int64_t j = 0; j < l; j++)
    if (!isfinite(r[j + j * l]) || r[j + j * l] <= 0.0) return 0;
  if (mode != PASS_GUARDED) return 1;
  if (LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', (lapack_int)l, r, (lapack_int)l, &rcond) != 0)
    return 0;
  return rcond >= 8.0 * sqrt(dims * RLA_EPS);
}

/* One CholeskyQR pass on the Gram matrix already in o->g; *ok tells whether it was applied. */
static rla_err pass(struct orth *o, int mode, int *ok)
{
  int64_t l = o->l;
  if (o->rank == 0) o->r[l * l] = factor(o, mode);
  RLA_MPI(o->ctx, MPI_Bcast(o->r, (int)(l * l + 1), MPI_DOUBLE, 0, o->comm));
  o->info->comm_words += l * l + 1;
  *ok = o->r[l * l] != 0.0;
  if (!*ok) return RLA_SUCCESS;
  if (o->lm > 0)
    cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)o->lm,
                (int)l, 1.0, o->r, (int)l, o->x, (int)o->ldx);
  if (o->racc)
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)l, (int)l,
                1.0, o->r, (int)l, o->racc, (int)l);
  return RLA_SUCCESS;
}

/* Local Householder QR: X (lm >= l rows) becomes its Q factor, tri its R. */
static rla_err local_qr(struct orth *o, double *tri, double *tau)
{
  int64_t l = o->l;
  lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)o->lm, (lapack_int)l, o->x,
                                   (lapack_int)o->ldx, tau);
  RLA_CHECK(o->ctx, info == 0, RLA_ERR_LIB, "TSQR: dgeqrf failed (info %d)", (int)info);
  for (int64_t j = 0; j < l; j++)
    memcpy(tri + j * l, o->x + j * o->ldx, sizeof(double) * (size_t)(j + 1));
  info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)o->lm, (lapack_int)l, (lapack_int)l, o->x,
                        (lapack_int)o->ldx, tau);
  RLA_CHECK(o->ctx, info == 0, RLA_ERR_LIB, "TSQR: dorgqr failed (info %d)", (int)info);
  return RLA_SUCCESS;
}

/* Rank 0: QR of the stacked pieces (piece p: rows[p] rows of l columns, column-major, at
   buf + off[p]); R goes to o->r, and each piece is overwritten by its rows of Q. */
static rla_err stack_qr(struct orth *o, double *buf, const int *rows, const int *off)
{
  int64_t l = o->l, total = 0, r0 = 0;
  double *stack = NULL, *tau = NULL;
  lapack_int info;
  rla_err err = RLA_SUCCESS;
  for (int p = 0; p < o->size; p++)
    total += rows[p];
  RLA_CALL_GOTO(o->ctx, err, done, rla_calloc(o->ctx, (size_t)(total * l), sizeof(double), &stack));
  RLA_CALL_GOTO(o->ctx, err, done, rla_calloc(o->ctx, (size_t)l, sizeof(double), &tau));
  for (int p = 0; p < o->size; r0 += rows[p], p++)
    for (int64_t j = 0; j < l; j++)
      memcpy(stack + r0 + j * total, buf + off[p] + j * rows[p], sizeof(double) * (size_t)rows[p]);
  info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)total, (lapack_int)l, stack,
                        (lapack_int)total, tau);
  RLA_CHECK_GOTO(o->ctx, err, done, info == 0, RLA_ERR_LIB, "TSQR: dgeqrf failed (info %d)",
                 (int)info);
  memset(o->r, 0, sizeof(double) * (size_t)(l * l));
  for (int64_t j = 0; j < l; j++)
    memcpy(o->r + j * l, stack + j * total, sizeof(double) * (size_t)(j + 1));
  info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (lapack_int)total, (lapack_int)l, (lapack_int)l, stack,
                        (lapack_int)total, tau);
  RLA_CHECK_GOTO(o->ctx, err, done, info == 0, RLA_ERR_LIB, "TSQR: dorgqr failed (info %d)",
                 (int)info);
  r0 = 0;
  for (int p = 0; p < o->size; r0 += rows[p], p++)
    for (int64_t j = 0; j < l; j++)
      memcpy(buf + off[p] + j * rows[p], stack + r0 + j * total, sizeof(double) * (size_t)rows[p]);
  if (o->racc)
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)l, (int)l,
                1.0, o->r, (int)l, o->racc, (int)l);
done:
  rla_free(&stack);
  rla_free(&tau);
  return err;
}

/* Flat-tree TSQR of o->x in place. A rank with at least l rows contributes the l x l triangle
   of its local QR; a rank with fewer contributes its rows themselves (no padding: padded zero
   rows would take a share of Q when X is rank-deficient). The stack has at least l rows since
   m >= l. */
static rla_err tsqr(struct orth *o)
{
  rla_ctx ctx = o->ctx;
  int64_t l = o->l, lm = o->lm, mine = lm < l ? lm : l;
  int *rows = NULL, *counts = NULL, *off = NULL, myrows = (int)mine;
  double *piece = NULL, *tau = NULL, *buf = NULL, *qloc = NULL;
  rla_err err;

  o->info->qr_tsqr++;
  err = rla_calloc(ctx, (size_t)(mine * l + 1), sizeof(double), &piece);
  if (!err) err = rla_calloc(ctx, (size_t)l, sizeof(double), &tau);
  if (!err && lm >= l) err = rla_calloc(ctx, (size_t)(lm * l), sizeof(double), &qloc);
  if (!err) err = rla_calloc(ctx, (size_t)o->size, sizeof(int), &rows);
  if (!err) err = rla_calloc(ctx, (size_t)o->size, sizeof(int), &counts);
  if (!err) err = rla_calloc(ctx, (size_t)o->size, sizeof(int), &off);
  if (!err && o->rank == 0)
    err = rla_calloc(ctx, (size_t)(o->size * l * l + 1), sizeof(double), &buf);
  if (!err && lm >= l) err = local_qr(o, piece, tau);
  if (!err && lm < l)
    for (int64_t j = 0; j < l; j++)
      memcpy(piece + j * lm, o->x + j * o->ldx, sizeof(double) * (size_t)lm);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  err = MPI_Allgather(&myrows, 1, MPI_INT, rows, 1, MPI_INT, o->comm);
  RLA_CHECK_GOTO(ctx, err, done, err == MPI_SUCCESS, RLA_ERR_MPI, "TSQR: MPI_Allgather failed");
  for (int p = 0, at = 0; p < o->size; at += counts[p], p++) {
    counts[p] = (int)(rows[p] * l);
    off[p] = at;
  }
  err = MPI_Gatherv(piece, counts[o->rank], MPI_DOUBLE, buf, counts, off, MPI_DOUBLE, 0, o->comm);
  RLA_CHECK_GOTO(ctx, err, done, err == MPI_SUCCESS, RLA_ERR_MPI, "TSQR: MPI_Gatherv failed");
  if (o->rank == 0) err = stack_qr(o, buf, rows, off);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  err = MPI_Scatterv(buf, counts, off, MPI_DOUBLE, piece, counts[o->rank], MPI_DOUBLE, 0, o->comm);
  RLA_CHECK_GOTO(ctx, err, done, err == MPI_SUCCESS, RLA_ERR_MPI, "TSQR: MPI_Scatterv failed");
  o->info->comm_words += 2 * (int64_t)(off[o->size - 1] + counts[o->size - 1]);
  if (lm >= l) {
    for (int64_t j = 0; j < l; j++)
      memcpy(qloc + j * lm, o->x + j * o->ldx, sizeof(double) * (size_t)lm);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)l, (int)l, 1.0, qloc,
                (int)lm, piece, (int)l, 0.0, o->x, (int)o->ldx);
  } else
    for (int64_t j = 0; j < l; j++)
      memcpy(o->x + j * o->ldx, piece + j * lm, sizeof(double) * (size_t)lm);
done:
  rla_free(&piece);
  rla_free(&tau);
  rla_free(&qloc);
  rla_free(&rows);
  rla_free(&counts);
  rla_free(&off);
  rla_free(&buf);
  return err;
}

/* The sequence of passes described at the top of the file. */
static rla_err orthonormalize(struct orth *o)
{
  int ok;
  RLA_CALL(o->ctx, gram(o));
  RLA_CALL(o->ctx, pass(o, PASS_GUARDED, &ok));
  if (!ok) {
    o->info->qr_shifted++;
    RLA_CALL(o->ctx, pass(o, PASS_SHIFTED, &ok));
    if (!ok) return tsqr(o);
    RLA_CALL(o->ctx, gram(o));
    RLA_CALL(o->ctx, pass(o, PASS_GUARDED, &ok));
    if (!ok) return tsqr(o);
  }
  RLA_CALL(o->ctx, gram(o));
  RLA_CALL(o->ctx, pass(o, PASS_PLAIN, &ok));
  if (!ok) return tsqr(o);
  return RLA_SUCCESS;
}

rla_err rla_svd_orth(rla_ctx ctx, int64_t m, int64_t lm, int64_t l, double *x, int64_t ldx,
                     double *r, rla_svd_info *info)
{
  struct orth o = {0};
  rla_err err;

  if (l == 0) return RLA_SUCCESS;
  o.ctx = ctx;
  o.comm = rla_ctx_comm(ctx);
  o.rank = rla_ctx_rank(ctx);
  o.size = rla_ctx_size(ctx);
  o.m = m;
  o.lm = lm;
  o.l = l;
  o.x = x;
  o.ldx = ldx;
  o.info = info;
  err = rla_calloc(ctx, (size_t)(l * l), sizeof(double), &o.gloc);
  if (!err) err = rla_calloc(ctx, (size_t)(l * l), sizeof(double), &o.g);
  if (!err) err = rla_calloc(ctx, (size_t)(l * l + 1), sizeof(double), &o.r);
  if (!err && r && o.rank == 0) {
    err = rla_calloc(ctx, (size_t)(l * l), sizeof(double), &o.racc);
    for (int64_t j = 0; !err && j < l; j++)
      o.racc[j + j * l] = 1.0;
  }
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done, orthonormalize(&o));
  if (o.racc) memcpy(r, o.racc, sizeof(double) * (size_t)(l * l));
done:
  rla_free(&o.gloc);
  rla_free(&o.g);
  rla_free(&o.r);
  rla_free(&o.racc);
  return err;
}
