/* SPDX-License-Identifier: BSD-3-Clause */
/* Householder TSQR of a distributed tall-skinny matrix, the reference path of the
   orthonormalization: stable for every X, also for a numerically rank-deficient one, whose
   Gram-based basis would span fewer than l directions.

   Method: TSQR (Demmel, Grigori, Hoemmen, Langou, SISC 34(1), 2012).
   - Explicit Q, flat tree: local Householder QR (LAPACK dgeqrf, dorgqr), the P triangles
     gathered and factored on rank 0, their blocks of that Q scattered back. A rank with fewer
     than l rows contributes its rows themselves (no padding: padded zero rows would take a
     share of Q when X is rank-deficient). Cost: about 4 m l^2 / P flops per rank, 2 P l^3 on
     rank 0, a gather and a scatter of at most P l^2 words (rank 0 holds them all: a flat
     tree, meant for the fallback, not for thousands of ranks).
   - R only, binomial tree: each rank that owns rows takes the Householder QR of its block
     (LAPACK dgeqrt, block 128; a block of fewer than l rows gives a trapezoid, zero rows below),
     the l x l triangles are combined pairwise up a binomial tree over those ranks (QR of two
     stacked triangles, LAPACK dtpqrt), and the final R is broadcast from the first of them.
     Zero rows do not change R, so the padding is harmless here. Cost: 2 (m / P) l^2 flops
     for the local QR, about (2/3) l^3 per tree level (log2 P levels, l^2 words each) and a
     broadcast of l^2 words. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "orth.h"

/* Local Householder QR: X (lm >= l rows) becomes its Q factor, tri its R. */
static rla_err local_qr(struct rla_orth_run *o, double *tri, double *tau)
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
static rla_err stack_qr(struct rla_orth_run *o, double *buf, const int *rows, const int *off)
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

/* Flat-tree TSQR of o->x in place, Q explicit. The stack has at least l rows since m >= l. */
static rla_err tsqr(struct rla_orth_run *o, int *ok)
{
  rla_ctx ctx = o->ctx;
  int64_t l = o->l, lm = o->lm, mine = lm < l ? lm : l;
  int *rows = NULL, *counts = NULL, *off = NULL, myrows = (int)mine;
  double *piece = NULL, *tau = NULL, *buf = NULL, *qloc = NULL;
  rla_err err;

  *ok = 1;
  o->stats->tsqr++;
  err = rla_calloc(ctx, (size_t)(mine * l + 1), sizeof(double), &piece);
  if (!err) err = rla_calloc(ctx, (size_t)l, sizeof(double), &tau);
  if (!err && lm >= l) err = rla_calloc(ctx, (size_t)(lm * l), sizeof(double), &qloc);
  if (!err) err = rla_calloc(ctx, (size_t)o->size, sizeof(int), &rows);
  if (!err) err = rla_calloc(ctx, (size_t)o->size, sizeof(int), &counts);
  if (!err) err = rla_calloc(ctx, (size_t)o->size, sizeof(int), &off);
  if (!err && (double)o->size * (double)(l * l) > (double)INT_MAX)
    err = rla_error_set(ctx, RLA_ERR_UNSUPPORTED, __func__, __FILE__, __LINE__,
                        "TSQR: %d triangles of %lld x %lld exceed the 2^31 count of MPI", o->size,
                        (long long)l, (long long)l);
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
  o->stats->words += 2 * (int64_t)(off[o->size - 1] + counts[o->size - 1]);
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

const struct rla_orth_ops rla_orth_tsqr_ops = {"tsqr", tsqr};

/* The ranks that own rows, in rank order: owners[0 .. *n), and this rank's place among them
   (-1 when it owns none); fails when the rows do not add up to m. Collective. */
static rla_err row_owners(struct rla_orth_run *o, int64_t *all, int *owners, int *n, int *mine)
{
  int64_t total = 0;
  rla_err err = MPI_Allgather(&o->lm, 1, MPI_INT64_T, all, 1, MPI_INT64_T, o->comm);
  RLA_CHECK_GOTO(o->ctx, err, done, err == MPI_SUCCESS, RLA_ERR_MPI, "TSQR: MPI_Allgather failed");
  *n = 0;
  *mine = -1;
  for (int p = 0; p < o->size; p++) {
    total += all[p];
    if (all[p] == 0) continue;
    if (p == o->rank) *mine = *n;
    owners[(*n)++] = p;
  }
  RLA_CHECK_GOTO(o->ctx, err, done, total == o->m, RLA_ERR_ARG,
                 "TSQR: the ranks' rows add up to %lld, not to the m = %lld given",
                 (long long)total, (long long)o->m);
done:
  return err;
}

/* The tree: at distance h, owner a (a multiple of 2h) absorbs the triangle of owner a + h.
   info carries the first LAPACK failure (no further factorization after it). */
static rla_err tree(struct rla_orth_run *o, const int *owners, int n, int a, double *r, double *rb,
                    double *t, int64_t nbt, lapack_int *info)
{
  int64_t l = o->l;
  for (int h = 1; h < n && a >= 0; h *= 2) {
    if (a % (2 * h) == h) {
      RLA_MPI(o->ctx, MPI_Send(r, (int)(l * l), MPI_DOUBLE, owners[a - h], 0, o->comm));
      break;
    }
    if (a % (2 * h) == 0 && a + h < n) {
      RLA_MPI(o->ctx,
              MPI_Recv(rb, (int)(l * l), MPI_DOUBLE, owners[a + h], 0, o->comm, MPI_STATUS_IGNORE));
      if (*info == 0)
        *info = LAPACKE_dtpqrt(LAPACK_COL_MAJOR, (lapack_int)l, (lapack_int)l, (lapack_int)l,
                               (lapack_int)nbt, r, (lapack_int)l, rb, (lapack_int)l, t,
                               (lapack_int)nbt);
      o->stats->words += l * l;
    }
  }
  return RLA_SUCCESS;
}

/* Block sizes, chosen by measurement (see bench/README.md): 128 for the local QR (dgeqrt,
   faster than LAPACK's dgeqrf with its block 32), 32 for the QRs of two stacked triangles
   (dtpqrt, faster than with 64 or 128). */
static int64_t local_block(int64_t l) { return l < 128 ? l : 128; }

int64_t rla_orth_r_work(int P, int64_t l) { return l * l + local_block(l) * l + 2 * (int64_t)P; }

rla_err rla_orth_tsqr_r(struct rla_orth_run *o, double *r, double *work)
{
  rla_ctx ctx = o->ctx;
  int64_t l = o->l, lm = o->lm, nb = local_block(l), nbt = l < 32 ? l : 32;
  int *owners, n = 0, a = -1;
  int64_t *all;
  double *own = NULL, *rb, *t;
  lapack_int info = 0;
  rla_err err = RLA_SUCCESS;

  o->stats->tsqr++;
  memset(r, 0, sizeof(double) * (size_t)(l * l));
  if (!work) err = rla_calloc(ctx, (size_t)rla_orth_r_work(o->size, l), sizeof(double), &own);
  rb = work ? work : own;
  t = rb ? rb + l * l : NULL;
  all = t ? (int64_t *)(t + nb * l) : NULL;
  owners = all ? (int *)(all + o->size) : NULL;
  if (!err && l * l > INT_MAX)
    err = rla_error_set(ctx, RLA_ERR_UNSUPPORTED, __func__, __FILE__, __LINE__,
                        "TSQR: an R factor of %lld x %lld exceeds the 2^31 count of MPI",
                        (long long)l, (long long)l);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, row_owners(o, all, owners, &n, &a)));
  if (lm > 0) {
    int64_t k = lm < nb ? lm : nb;
    info = LAPACKE_dgeqrt(LAPACK_COL_MAJOR, (lapack_int)lm, (lapack_int)l, (lapack_int)k, o->x,
                          (lapack_int)o->ldx, t, (lapack_int)nb);
    for (int64_t j = 0; j < l; j++)
      for (int64_t i = 0; i <= j && i < lm; i++)
        r[i + j * l] = o->x[i + j * o->ldx];
  }
  RLA_CALL_GOTO(ctx, err, done, tree(o, owners, n, a, r, rb, t, nbt, &info));
  if (o->size > 1 && n > 0) {
    RLA_CHECK_GOTO(ctx, err, done,
                   MPI_Bcast(r, (int)(l * l), MPI_DOUBLE, owners[0], o->comm) == MPI_SUCCESS,
                   RLA_ERR_MPI, "TSQR: MPI_Bcast of R failed");
    o->stats->words += l * l;
  }
  for (int64_t j = 0; j < l; j++)
    for (int64_t i = j + 1; i < l; i++)
      r[i + j * l] = 0.0;
  RLA_CHECK_GOTO(ctx, err, agree, info == 0, RLA_ERR_LIB,
                 "TSQR: the QR of the %lld x %lld matrix failed (LAPACK info %d)", (long long)o->m,
                 (long long)l, (int)info);
agree:
  err = rla_ctx_agree(ctx, err);
done:
  rla_free(&own);
  return err;
}
