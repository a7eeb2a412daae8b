/* SPDX-License-Identifier: BSD-3-Clause */
/* Front end of rla_op: argument checks, the workspace, dispatch to the type's ops, and the
   compositions used when a type leaves an entry out (fused passes from two products, sketches
   and column norms from products with blocks of the identity). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_impl.h"

rla_err rla_op_create(rla_ctx ctx, const struct rla_op_ops *ops, int64_t m, int64_t n, void *data,
                      rla_op *op)
{
  rla_op o = NULL;
  RLA_CHECK(ctx, op, RLA_ERR_ARG, "rla_op: the output handle must not be NULL");
  *op = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(*o), &o));
  o->ctx = ctx;
  o->ops = ops;
  o->m = m;
  o->n = n;
  o->data = data;
  o->entries = (double)m * (double)n;
  o->sketch_default = RLA_SKETCH_SRHT;
  *op = o;
  return RLA_SUCCESS;
}

rla_err rla_op_destroy(rla_op *op)
{
  if (!op || !*op) return RLA_SUCCESS;
  if ((*op)->ops->destroy) (*op)->ops->destroy(*op);
  rla_free(&(*op)->work);
  rla_free(op);
  return RLA_SUCCESS;
}

void rla_op_sizes(rla_op op, int64_t *m, int64_t *n)
{
  if (m) *m = op->m;
  if (n) *n = op->n;
}

void rla_op_local_rows(rla_op op, int64_t *row0, int64_t *lm)
{
  if (row0) *row0 = op->row0;
  if (lm) *lm = op->lm;
}

rla_ctx rla_op_ctx(rla_op op) { return op ? op->ctx : NULL; }

const char *rla_op_type_name(rla_op op) { return op ? op->ops->name : "(null)"; }

rla_err rla_op_get_dmat(rla_op op, rla_dmat *A)
{
  rla_ctx ctx = op ? op->ctx : NULL;
  RLA_CHECK(ctx, op && A, RLA_ERR_ARG, "rla_op_get_dmat: NULL argument");
  RLA_CHECK(ctx, op->ops->get_dmat, RLA_ERR_UNSUPPORTED,
            "this needs a dense matrix, and the operator is of type %s: use rla_op_create_dense",
            op->ops->name);
  return op->ops->get_dmat(op, A);
}

rla_err rla_op_get_smat(rla_op op, rla_smat *A)
{
  rla_ctx ctx = op ? op->ctx : NULL;
  RLA_CHECK(ctx, op && A, RLA_ERR_ARG, "rla_op_get_smat: NULL argument");
  RLA_CHECK(ctx, op->ops->get_smat, RLA_ERR_UNSUPPORTED,
            "this needs a sparse matrix, and the operator is of type %s: use rla_op_create_sparse",
            op->ops->name);
  return op->ops->get_smat(op, A);
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Doubles of workspace for nv vectors: the type's own, or what the compositions below need
   for the entries the type leaves out. */
static int64_t work_doubles(rla_op op, int64_t nv)
{
  const struct rla_op_ops *t = op->ops;
  int64_t cb = op->n < RLA_OP_IDENTITY_BLOCK ? op->n : RLA_OP_IDENTITY_BLOCK, w = 0;
  if (t->work_doubles) w = t->work_doubles(op, nv);
  if (!t->normal || !t->residual) w = max64(w, op->lm * nv);
  if (!t->sketch_left || !t->column_sumsq) w = max64(w, (op->n + op->lm) * cb);
  if (!t->sketch_right) w = max64(w, op->n * nv + nv * cb + cb * cb);
  if (!t->left_mult) w = max64(w, op->n * nv);
  return w;
}

rla_err rla_op_setup(rla_op op, int64_t nv)
{
  rla_ctx ctx = op ? op->ctx : NULL;
  rla_err err = RLA_SUCCESS;
  int64_t len;
  RLA_CHECK(ctx, op && nv >= 1, RLA_ERR_ARG, "rla_op_setup: NULL operator or nv < 1");
  len = work_doubles(op, nv);
  if (len > op->work_len) {
    double *w = NULL;
    err = rla_calloc(ctx, (size_t)len, sizeof(double), &w);
    if (!err) {
      rla_free(&op->work);
      op->work = w;
      op->work_len = len;
    }
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  if (nv > op->nv_setup) op->nv_setup = nv;
  return RLA_SUCCESS;
}

/* The kernels that use the workspace run only for as many vectors as it was set up for. */
static rla_err check_setup(rla_op op, int64_t nv, const char *what)
{
  RLA_CHECK(op->ctx, nv <= op->nv_setup && work_doubles(op, nv) <= op->work_len, RLA_ERR_ARG,
            "%s: the operator is set up for %lld vectors, not %lld (call rla_op_setup)", what,
            (long long)op->nv_setup, (long long)nv);
  return RLA_SUCCESS;
}

rla_err rla_op_mult(rla_op op, int64_t nv, const double *x, int64_t ldx, double *y, int64_t ldy)
{
  rla_ctx ctx = op ? op->ctx : NULL;
  RLA_CHECK(ctx, op && (x || nv == 0) && (y || nv == 0 || op->lm == 0) && nv >= 0, RLA_ERR_ARG,
            "rla_op_mult: NULL argument or nv < 0");
  RLA_CHECK(ctx, ldx >= op->n && ldy >= (op->lm > 1 ? op->lm : 1), RLA_ERR_ARG,
            "rla_op_mult: leading dimensions %lld and %lld must be at least n = %lld and the "
            "local rows %lld",
            (long long)ldx, (long long)ldy, (long long)op->n, (long long)op->lm);
  if (nv == 0) return RLA_SUCCESS;
  return op->ops->mult(op, nv, x, ldx, y, ldy);
}

rla_err rla_op_mult_transpose_add(rla_op op, int64_t nv, const double *y, int64_t ldy, double *w,
                                  int64_t ldw)
{
  rla_ctx ctx = op ? op->ctx : NULL;
  RLA_CHECK(ctx, op && (w || nv == 0) && (y || nv == 0 || op->lm == 0) && nv >= 0, RLA_ERR_ARG,
            "rla_op_mult_transpose_add: NULL argument or nv < 0");
  RLA_CHECK(ctx, ldw >= op->n && ldy >= (op->lm > 1 ? op->lm : 1), RLA_ERR_ARG,
            "rla_op_mult_transpose_add: leading dimensions %lld and %lld must be at least the "
            "local rows %lld and n = %lld",
            (long long)ldy, (long long)ldw, (long long)op->lm, (long long)op->n);
  if (nv == 0) return RLA_SUCCESS;
  return op->ops->mult_transpose_add(op, nv, y, ldy, w, ldw);
}

rla_err rla_op_normal_local(rla_op op, int64_t nv, const double *z, double *w)
{
  double *y = op->work;
  int64_t ld = op->lm > 1 ? op->lm : 1;
  RLA_CALL(op->ctx, check_setup(op, nv, "rla_op_normal_local"));
  if (op->ops->normal) return op->ops->normal(op, nv, z, w);
  memset(w, 0, sizeof(double) * (size_t)(op->n * nv));
  RLA_CALL(op->ctx, op->ops->mult(op, nv, z, op->n, y, ld));
  return op->ops->mult_transpose_add(op, nv, y, ld, w, op->n);
}

rla_err rla_op_residual_local(rla_op op, int64_t nv, const int64_t *cols, const double *b,
                              int64_t ldb, const double *x, int64_t ldx, double *g, double *rn2,
                              double *bn2, double *colsq)
{
  double *y = op->work;
  int64_t ld = op->lm > 1 ? op->lm : 1;
  RLA_CALL(op->ctx, check_setup(op, nv, "rla_op_residual_local"));
  if (op->ops->residual) return op->ops->residual(op, nv, cols, b, ldb, x, ldx, g, rn2, bn2, colsq);
  RLA_CALL(op->ctx, op->ops->mult(op, nv, x, ldx, y, ld));
  for (int64_t j = 0; j < nv; j++) {
    const double *bj = b + (cols ? cols[j] : j) * ldb;
    double *yj = y + j * ld;
    for (int64_t i = 0; i < op->lm; i++) {
      yj[i] = bj[i] - yj[i];
      rn2[j] += yj[i] * yj[i];
      bn2[j] += bj[i] * bj[i];
    }
  }
  RLA_CALL(op->ctx, op->ops->mult_transpose_add(op, nv, y, ld, g, op->n));
  return colsq ? rla_op_column_sumsq_local(op, colsq) : RLA_SUCCESS;
}

rla_err rla_op_left_mult_local(rla_op op, int64_t nv, const double *y, int64_t ldy, double *w,
                               int64_t ldw)
{
  rla_ctx ctx = op ? op->ctx : NULL;
  int ok = op && nv >= 0 && (w || nv == 0) && (y || nv == 0 || op->lm == 0);
  double *t;
  RLA_CHECK(ctx, ok && ldw >= (nv > 1 ? nv : 1) && ldy >= (op->lm > 1 ? op->lm : 1), RLA_ERR_ARG,
            "rla_op_left_mult_local: NULL argument, nv < 0, or leading dimensions %lld (Y) and "
            "%lld (W) below the local rows and nv = %lld",
            (long long)ldy, (long long)ldw, (long long)nv);
  if (nv == 0) return RLA_SUCCESS;
  if (op->ops->left_mult) return op->ops->left_mult(op, nv, y, ldy, w, ldw);
  /* A_local^T Y (n x nv) in the workspace, transposed into W */
  RLA_CALL(ctx, check_setup(op, nv, "rla_op_left_mult_local"));
  t = op->work;
  memset(t, 0, sizeof(double) * (size_t)(op->n * nv));
  RLA_CALL(ctx, op->ops->mult_transpose_add(op, nv, y, ldy, t, op->n));
  for (int64_t i = 0; i < op->n; i++)
    for (int64_t j = 0; j < nv; j++)
      w[j + i * ldw] = t[i + j * op->n];
  return RLA_SUCCESS;
}

/* The columns [j0, j0 + c) of A's local rows into y (lm x c, leading dimension ld), by a product
   with those columns of the identity (e: n x c of workspace). */
static rla_err identity_columns(rla_op op, int64_t j0, int64_t c, double *e, double *y, int64_t ld)
{
  memset(e, 0, sizeof(double) * (size_t)(op->n * c));
  for (int64_t j = 0; j < c; j++)
    e[(j0 + j) + j * op->n] = 1.0;
  return op->ops->mult(op, c, e, op->n, y, ld);
}

rla_err rla_op_sketch_left_local(rla_op op, rla_sketch S, double *out, int64_t ldo)
{
  int64_t cb = op->n < RLA_OP_IDENTITY_BLOCK ? op->n : RLA_OP_IDENTITY_BLOCK;
  int64_t ld = op->lm > 1 ? op->lm : 1;
  double *e = op->work, *y = op->work + op->n * cb;
  if (op->ops->sketch_left) return op->ops->sketch_left(op, S, out, ldo);
  RLA_CALL(op->ctx, check_setup(op, 1, "rla_op_sketch_left_local"));
  for (int64_t j0 = 0; j0 < op->n; j0 += cb) {
    int64_t c = op->n - j0 < cb ? op->n - j0 : cb;
    RLA_CALL(op->ctx, identity_columns(op, j0, c, e, y, ld));
    RLA_CALL(op->ctx,
             rla_sketch_apply_left_local(S, op->row0, op->lm, c, y, ld, out + j0 * ldo, ldo));
  }
  return RLA_SUCCESS;
}

rla_err rla_op_column_sumsq_local(rla_op op, double *c)
{
  int64_t cb = op->n < RLA_OP_IDENTITY_BLOCK ? op->n : RLA_OP_IDENTITY_BLOCK;
  int64_t ld = op->lm > 1 ? op->lm : 1;
  double *e = op->work, *y = op->work + op->n * cb;
  if (op->ops->column_sumsq) return op->ops->column_sumsq(op, c);
  RLA_CALL(op->ctx, check_setup(op, 1, "rla_op_column_sumsq_local"));
  for (int64_t j0 = 0; j0 < op->n; j0 += cb) {
    int64_t nc = op->n - j0 < cb ? op->n - j0 : cb;
    RLA_CALL(op->ctx, identity_columns(op, j0, nc, e, y, ld));
    for (int64_t j = 0; j < nc; j++)
      for (int64_t i = 0; i < op->lm; i++)
        c[j0 + j] += y[i + j * ld] * y[i + j * ld];
  }
  return RLA_SUCCESS;
}

rla_err rla_op_sketch_right(rla_op op, rla_sketch S, double *y, int64_t ldy)
{
  int64_t l, cb = op->n < RLA_OP_IDENTITY_BLOCK ? op->n : RLA_OP_IDENTITY_BLOCK;
  double *omt = op->work, *blk, *eye;
  if (op->ops->sketch_right) return op->ops->sketch_right(op, S, y, ldy);
  rla_sketch_get_sizes(S, &l, NULL);
  RLA_CALL(op->ctx, check_setup(op, l, "rla_op_sketch_right"));
  /* Omega^T (n x l) explicitly, cb of its rows at a time: the sketch of the rows [j0, j0 + c)
     of the identity is Omega(:, j0:j0+c) (l x c), transposed into place */
  blk = omt + op->n * l;
  eye = blk + l * cb;
  memset(eye, 0, sizeof(double) * (size_t)(cb * cb));
  for (int64_t j = 0; j < cb; j++)
    eye[j + j * cb] = 1.0;
  for (int64_t j0 = 0; j0 < op->n; j0 += cb) {
    int64_t c = op->n - j0 < cb ? op->n - j0 : cb;
    RLA_CALL(op->ctx, rla_sketch_apply_left_local(S, j0, c, c, eye, cb, blk, l));
    for (int64_t j = 0; j < c; j++)
      for (int64_t i = 0; i < l; i++)
        omt[(j0 + j) + i * op->n] = blk[i + j * l];
  }
  return op->ops->mult(op, l, omt, op->n, y, ldy);
}

rla_err rla_op_check_finite(rla_op op, const char *name)
{
  return op->ops->check_finite ? op->ops->check_finite(op, name) : RLA_SUCCESS;
}

rla_err rla_op_norm_max(rla_op op, double *v)
{
  if (op->ops->norm_max) return op->ops->norm_max(op, v);
  *v = NAN;
  return RLA_SUCCESS;
}
