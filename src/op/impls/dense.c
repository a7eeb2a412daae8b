/* SPDX-License-Identifier: BSD-3-Clause */
/* The dense row-block operator: A is an rla_dmat in row-block layout, each rank holding its
   rows column-major. Products are BLAS-3 on the local rows; the normal-equations product
   A^T A z and the residual pass (r = b - A x with A^T r) are fused: rows are taken in chunks
   small enough to stay in cache (about 4 MiB: L2 plus a share of L3; chunk sizes chosen by
   measurement, see bench/README.md), so A y and A^T (.) of one chunk read A from memory once:
   either costs one pass over A (4 m n / P flops per vector) and no communication; the callers
   reduce the n-vectors with one allreduce. Sketches call the sketch's local kernels on the
   local rows directly. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/vec8.h"
#include "../op_impl.h"

/* The local rows of a dense operator and the fused kernels' scratch. */
struct rows {
  const double *a;
  int64_t lm, d, lda;
  double *chunk;
};

static struct rows rows_of(rla_op op)
{
  struct rows r;
  double *a;
  int64_t lda;
  rla_dmat_local((rla_dmat)op->data, &a, NULL, NULL, &lda);
  r.a = a;
  r.lm = op->lm;
  r.d = op->n;
  r.lda = lda > 0 ? lda : 1;
  r.chunk = op->work;
  return r;
}

/* About 2 MiB of A (the chunk in cache and the one being loaded stay in a rank's share of the
   cache), but at least 512 rows: each column's piece of a chunk is then a run of at least 4 KiB,
   long enough for the hardware prefetcher, which the shorter runs of 2 MiB chunks at large d are
   not; and at most 2048 rows. Above d = 512 the chunks grow past 2 MiB (16 MiB at d = 4096, more
   than a rank's 16 MiB share of L3 here, as on a node whose ranks share less cache), and the longer
   runs still won where both chunks no longer fit. Chosen by measurement: see bench/README.md,
   "Tuning constants". */
static int64_t pipe_rows(int64_t d)
{
  int64_t c = 262144 / (d > 0 ? d : 1);
  if (c < 512) c = 512;
  if (c > 2048) c = 2048;
  return c - c % 8;
}

static int64_t chunk_rows(int64_t d)
{
  int64_t c = 524288 / (d > 0 ? d : 1);
  if (c < 64) c = 64;
  if (c > 4096) c = 4096;
  return c;
}

/* t (cb x nv, leading dimension cb) = alpha * A(i0:i0+cb, :) z + beta * t */
static void rows_times(const struct rows *p, int64_t i0, int64_t cb, int64_t nv, double alpha,
                       const double *z, int64_t ldz, double beta, double *t)
{
  const double *ac = p->a + i0;
  if (nv == 1)
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)cb, (int)p->d, alpha, ac, (int)p->lda, z, 1, beta,
                t, 1);
  else
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)cb, (int)nv, (int)p->d, alpha, ac,
                (int)p->lda, z, (int)ldz, beta, t, (int)cb);
}

/* w (d x nv, leading dimension d) += A(i0:i0+cb, :)^T t */
static void rows_transpose_times(const struct rows *p, int64_t i0, int64_t cb, int64_t nv,
                                 const double *t, double *w)
{
  const double *ac = p->a + i0;
  if (nv == 1)
    cblas_dgemv(CblasColMajor, CblasTrans, (int)cb, (int)p->d, 1.0, ac, (int)p->lda, t, 1, 1.0, w,
                1);
  else
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)p->d, (int)nv, (int)cb, 1.0, ac,
                (int)p->lda, t, (int)cb, 1.0, w, (int)p->d);
}

/* Columns per group of the pipelined pass: 8 streams from memory and 8 from cache. */
#define PIPE_COLS 8
/* The loops over the columns of a group are unrolled, so that the group's vectors stay in
   registers (GCC does not unroll them at -O2). */
#if defined(__GNUC__) && !defined(__clang__)
#define PIPE_UNROLL _Pragma("GCC unroll 8")
#else
#define PIPE_UNROLL
#endif

/* One group of ncol <= PIPE_COLS columns of the pipelined pass (an, ac: its first column):
   yn(0:nn) += A_next(:, group) z(group) over the nn rows of the next chunk an, and
   w(group) += sign A_cur(:, group)^T yc over the nc rows of the current chunk ac, and when sq
   is set colsq(group) += the squared norms of the current chunk's columns. The common rows go in
   one loop, so that the loads from memory of the next chunk and from cache of the current one
   are in flight together. Inlined with constant ncol and sq into pass_pipelined. */
static inline __attribute__((always_inline)) void
pipe_group(int ncol, int sq, const double *an, int64_t nn, const double *ac, int64_t nc,
           int64_t lda, const double *z, double *yn, const double *yc, double sign, double *w,
           double *colsq)
{
  v8d zz[PIPE_COLS], s[PIPE_COLS], q[PIPE_COLS];
  double ws[PIPE_COLS], wq[PIPE_COLS];
  int64_t nn8 = nn & ~(int64_t)7, nc8 = nc & ~(int64_t)7, both = nn8 < nc8 ? nn8 : nc8, v;
  PIPE_UNROLL
  for (int c = 0; c < ncol; c++) {
    zz[c] = (v8d){0} + z[c];
    s[c] = q[c] = (v8d){0};
  }
  for (v = 0; v < both; v += 8) {
    v8d t = load8(yn + v), yv = load8(yc + v);
    PIPE_UNROLL
    for (int c = 0; c < ncol; c++) {
      v8d x = load8(ac + c * lda + v);
      t += load8(an + c * lda + v) * zz[c];
      s[c] += x * yv;
      if (sq) q[c] += x * x;
    }
    store8(yn + v, t);
  }
  for (v = both; v < nn8; v += 8) {
    v8d t = load8(yn + v);
    PIPE_UNROLL
    for (int c = 0; c < ncol; c++)
      t += load8(an + c * lda + v) * zz[c];
    store8(yn + v, t);
  }
  for (v = both; v < nc8; v += 8) {
    v8d yv = load8(yc + v);
    PIPE_UNROLL
    for (int c = 0; c < ncol; c++) {
      v8d x = load8(ac + c * lda + v);
      s[c] += x * yv;
      if (sq) q[c] += x * x;
    }
  }
  for (int64_t i = nn8; i < nn; i++) {
    double t = yn[i];
    PIPE_UNROLL
    for (int c = 0; c < ncol; c++)
      t += an[c * lda + i] * z[c];
    yn[i] = t;
  }
  if (nc == 0) return;
  for (int c = 0; c < ncol; c++) {
    ws[c] = wq[c] = 0.0;
    for (int k = 0; k < 8; k++) {
      ws[c] += s[c][k];
      wq[c] += q[c][k];
    }
  }
  for (int64_t i = nc8; i < nc; i++) {
    PIPE_UNROLL
    for (int c = 0; c < ncol; c++) {
      double x = ac[c * lda + i];
      ws[c] += x * yc[i];
      wq[c] += x * x;
    }
  }
  PIPE_UNROLL
  for (int c = 0; c < ncol; c++) {
    w[c] += sign * ws[c];
    if (sq) colsq[c] += wq[c];
  }
}

/* The fused pass for one vector, software-pipelined over chunks of about cb of the m local
   rows: y = A z, or y = A z - b when b is given, and w += A^T y, or w -= A^T y with b (that is
   w += A^T r for the residual r = b - A z), with ||y||^2 (when yy is given) and, with b,
   ||b||^2 added into *yy and *bb, and, when colsq is given, the squared column norms of A added
   into it. One sweep over the columns forms A z for chunk k from memory and A^T y for chunk
   k - 1, still in cache, so that the two overlap. The chunks after the first start on a 64-byte
   boundary of column 0 (of every column when lda is a multiple of 8), where 8-vectors load
   without crossing cache lines. y: 2 cb + 24 doubles of work. It is faster than two GEMVs per
   chunk, and than chunks of other sizes: see bench/README.md, "Tuning constants". */
KERNEL static void pass_pipelined(const double *a, int64_t m, int64_t d, int64_t lda,
                                  const double *b, const double *z, double *w, double *colsq,
                                  double *yy, double *bb, double *y, int64_t cb)
{
  int64_t head = (int64_t)(((64 - ((uintptr_t)a & 63)) & 63) / sizeof(double));
  int64_t nchunks = m <= head + cb ? (m > 0) : 1 + (m - head - cb + cb - 1) / cb;
  double *yc = (double *)(((uintptr_t)y + 63) & ~(uintptr_t)63), *yn = yc + cb + 8;
  double sign = b ? -1.0 : 1.0;
  for (int64_t k = 0; k <= nchunks; k++) {
    /* chunk i: rows [first(i), first(i + 1)), first(0) = 0, first(i) = head + i cb */
    int64_t n0 = k == 0 ? 0 : head + k * cb, n1 = head + (k + 1) * cb;
    int64_t c0 = k <= 1 ? 0 : head + (k - 1) * cb, c1 = n0;
    int64_t nn = k < nchunks ? (n1 < m ? n1 : m) - n0 : 0;
    int64_t nc = k > 0 ? (c1 < m ? c1 : m) - c0 : 0;
    const double *an = a + n0, *ac = a + c0;
    double *tmp;
    int64_t j = 0;
    if (b)
      for (int64_t i = 0; i < nn; i++)
        yn[i] = -b[n0 + i];
    else if (nn > 0)
      memset(yn, 0, sizeof(double) * (size_t)nn);
    if (colsq) {
      for (; j + PIPE_COLS <= d; j += PIPE_COLS)
        pipe_group(PIPE_COLS, 1, an + j * lda, nn, ac + j * lda, nc, lda, z + j, yn, yc, sign,
                   w + j, colsq + j);
      for (; j < d; j++)
        pipe_group(1, 1, an + j * lda, nn, ac + j * lda, nc, lda, z + j, yn, yc, sign, w + j,
                   colsq + j);
    } else {
      for (; j + PIPE_COLS <= d; j += PIPE_COLS)
        pipe_group(PIPE_COLS, 0, an + j * lda, nn, ac + j * lda, nc, lda, z + j, yn, yc, sign,
                   w + j, NULL);
      for (; j < d; j++)
        pipe_group(1, 0, an + j * lda, nn, ac + j * lda, nc, lda, z + j, yn, yc, sign, w + j, NULL);
    }
    /* y of chunk k is complete */
    for (int64_t i = 0; i < nn && yy; i++)
      *yy += yn[i] * yn[i];
    if (b)
      for (int64_t i = 0; i < nn; i++)
        *bb += b[n0 + i] * b[n0 + i];
    tmp = yc;
    yc = yn;
    yn = tmp;
  }
}

static rla_err dense_normal(rla_op op, int64_t nv, const double *z, double *w)
{
  struct rows rows = rows_of(op), *p = &rows;
  int64_t cb = chunk_rows(p->d);
  double *t = p->chunk;
  memset(w, 0, sizeof(double) * (size_t)(p->d * nv));
  if (nv == 1) {
    pass_pipelined(p->a, p->lm, p->d, p->lda, NULL, z, w, NULL, NULL, NULL, t, pipe_rows(p->d));
    return RLA_SUCCESS;
  }
  for (int64_t i0 = 0; i0 < p->lm; i0 += cb) {
    int64_t n = p->lm - i0 < cb ? p->lm - i0 : cb;
    rows_times(p, i0, n, nv, 1.0, z, p->d, 0.0, t);
    rows_transpose_times(p, i0, n, nv, t, w);
  }
  return RLA_SUCCESS;
}

static rla_err dense_residual(rla_op op, int64_t nv, const int64_t *cols, const double *b,
                              int64_t ldb, const double *x, int64_t ldx, double *g, double *rn2,
                              double *bn2, double *colsq)
{
  struct rows rows = rows_of(op), *p = &rows;
  int64_t cb = chunk_rows(p->d);
  double *t = p->chunk;
  if (nv == 1 && p->lm > 0) {
    pass_pipelined(p->a, p->lm, p->d, p->lda, b + (cols ? cols[0] : 0) * ldb, x, g, colsq, rn2, bn2,
                   t, pipe_rows(p->d));
    return RLA_SUCCESS;
  }
  for (int64_t i0 = 0; i0 < p->lm; i0 += cb) {
    int64_t n = p->lm - i0 < cb ? p->lm - i0 : cb;
    for (int64_t j = 0; j < nv; j++) {
      const double *bj = b + (cols ? cols[j] : j) * ldb + i0;
      memcpy(t + j * n, bj, sizeof(double) * (size_t)n);
      for (int64_t i = 0; i < n; i++)
        bn2[j] += bj[i] * bj[i];
    }
    /* t = b - A x, with the leading dimension n of this chunk */
    if (nv == 1)
      cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)p->d, -1.0, p->a + i0, (int)p->lda, x,
                  1, 1.0, t, 1);
    else
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)nv, (int)p->d, -1.0,
                  p->a + i0, (int)p->lda, x, (int)ldx, 1.0, t, (int)n);
    rows_transpose_times(p, i0, n, nv, t, g);
    for (int64_t j = 0; j < nv; j++) {
      const double *tj = t + j * n;
      double s = 0.0;
      for (int64_t i = 0; i < n; i++)
        s += tj[i] * tj[i];
      rn2[j] += s;
    }
    if (colsq) /* the chunk is in cache: BLAS dot products, not a scalar loop over it */
      for (int64_t c = 0; c < p->d; c++) {
        const double *ac = p->a + c * p->lda + i0;
        colsq[c] += cblas_ddot((int)n, ac, 1, ac, 1);
      }
  }
  return RLA_SUCCESS;
}

static int64_t chunk_doubles(int64_t d, int64_t nrhs)
{
  int64_t pipe = 2 * pipe_rows(d) + 24;
  return chunk_rows(d) * nrhs > pipe ? chunk_rows(d) * nrhs : pipe;
}

static int64_t dense_work_doubles(rla_op op, int64_t nv) { return chunk_doubles(op->n, nv); }

static rla_err dense_mult(rla_op op, int64_t nv, const double *x, int64_t ldx, double *y,
                          int64_t ldy)
{
  struct rows p = rows_of(op);
  if (p.lm == 0) return RLA_SUCCESS;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)p.lm, (int)nv, (int)p.d, 1.0, p.a,
              (int)p.lda, x, (int)ldx, 0.0, y, (int)ldy);
  return RLA_SUCCESS;
}

static rla_err dense_mult_transpose_add(rla_op op, int64_t nv, const double *y, int64_t ldy,
                                        double *w, int64_t ldw)
{
  struct rows p = rows_of(op);
  if (p.lm == 0) return RLA_SUCCESS;
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)p.d, (int)nv, (int)p.lm, 1.0, p.a,
              (int)p.lda, y, (int)ldy, 1.0, w, (int)ldw);
  return RLA_SUCCESS;
}

static rla_err dense_left_mult(rla_op op, int64_t nv, const double *y, int64_t ldy, double *w,
                               int64_t ldw)
{
  struct rows p = rows_of(op);
  if (p.lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)nv, (int)p.d, (int)p.lm, 1.0, y,
                (int)ldy, p.a, (int)p.lda, 0.0, w, (int)ldw);
  else
    for (int64_t j = 0; j < p.d; j++)
      memset(w + j * ldw, 0, sizeof(double) * (size_t)nv);
  return RLA_SUCCESS;
}

static rla_err dense_sketch_left(rla_op op, rla_sketch S, double *out, int64_t ldo)
{
  struct rows p = rows_of(op);
  return rla_sketch_apply_left_local(S, op->row0, p.lm, p.d, p.a, p.lda, out, ldo);
}

static rla_err dense_sketch_right(rla_op op, rla_sketch S, double *y, int64_t ldy)
{
  struct rows p = rows_of(op);
  return rla_sketch_apply_right_local(S, p.lm, p.a, p.lda, y, ldy);
}

static rla_err dense_column_sumsq(rla_op op, double *c)
{
  struct rows p = rows_of(op);
  for (int64_t j = 0; j < p.d && p.lm > 0; j++)
    c[j] += cblas_ddot((int)p.lm, p.a + j * p.lda, 1, p.a + j * p.lda, 1);
  return RLA_SUCCESS;
}

static rla_err dense_check_finite(rla_op op, const char *name)
{
  return rla_dmat_check_finite((rla_dmat)op->data, name);
}

static rla_err dense_norm_max(rla_op op, double *v)
{
  return rla_dmat_norm_max((rla_dmat)op->data, v);
}

static rla_err dense_get_dmat(rla_op op, rla_dmat *A)
{
  *A = (rla_dmat)op->data;
  return RLA_SUCCESS;
}

const struct rla_op_ops rla_op_dense_ops = {"dense",
                                            dense_mult,
                                            dense_mult_transpose_add,
                                            dense_work_doubles,
                                            dense_normal,
                                            dense_residual,
                                            dense_sketch_left,
                                            dense_sketch_right,
                                            dense_column_sumsq,
                                            dense_check_finite,
                                            dense_norm_max,
                                            dense_get_dmat,
                                            NULL,
                                            dense_left_mult,
                                            NULL};

rla_err rla_op_create_dense(rla_dmat A, rla_op *op)
{
  rla_ctx ctx = A ? rla_dmat_ctx(A) : NULL;
  int64_t m, n;
  RLA_CHECK(ctx, A && op, RLA_ERR_ARG, "rla_op_create_dense: A and op must not be NULL");
  RLA_CHECK(ctx, rla_dmat_get_layout(A) == RLA_DMAT_ROWBLOCK, RLA_ERR_ARG,
            "rla_op_create_dense needs a row-block matrix (rla_dmat_create_rowblock)");
  rla_dmat_sizes(A, &m, &n);
  RLA_CALL(ctx, rla_op_create(ctx, &rla_op_dense_ops, m, n, A, op));
  rla_dmat_local(A, NULL, &(*op)->lm, NULL, NULL);
  (*op)->row0 = rla_dmat_row_offset(A);
  return RLA_SUCCESS;
}
