/* SPDX-License-Identifier: BSD-3-Clause */
/* The matrix-free operator: the user's two callbacks give this rank's rows of A X and its part
   of A^T Y; the fused passes, the sketches and the column norms are composed from them by the
   front end (interface.c). */
#include <stdlib.h>

#include "../../base/reduce.h"
#include "../op_impl.h"

struct shell {
  rla_op_shell_ops ops;
  void *user;
};

static rla_err shell_mult(rla_op op, int64_t nv, const double *x, int64_t ldx, double *y,
                          int64_t ldy)
{
  struct shell *s = op->data;
  int rc = s->ops.mult(s->user, nv, x, ldx, y, ldy);
  RLA_CHECK(op->ctx, rc == 0, RLA_ERR_NUMERIC,
            "the operator's mult callback failed (returned %d) on %lld vectors", rc, (long long)nv);
  return RLA_SUCCESS;
}

static rla_err shell_mult_transpose_add(rla_op op, int64_t nv, const double *y, int64_t ldy,
                                        double *w, int64_t ldw)
{
  struct shell *s = op->data;
  int rc = s->ops.mult_transpose(s->user, nv, y, ldy, w, ldw);
  RLA_CHECK(op->ctx, rc == 0, RLA_ERR_NUMERIC,
            "the operator's mult_transpose callback failed (returned %d) on %lld vectors", rc,
            (long long)nv);
  return RLA_SUCCESS;
}

static void shell_destroy(rla_op op)
{
  struct shell *s = op->data;
  if (s && s->ops.destroy) s->ops.destroy(s->user);
  rla_free(&op->data);
}

const struct rla_op_ops rla_op_shell_ops_table = {
    "shell",       shell_mult, shell_mult_transpose_add,
    NULL,          NULL,       NULL,
    NULL,          NULL,       NULL,
    NULL,          NULL,       NULL,
    shell_destroy, NULL,       NULL};

rla_err rla_op_create_shell(rla_ctx ctx, int64_t m, int64_t n, int64_t lm,
                            const rla_op_shell_ops *ops, void *user, rla_op *op)
{
  rla_err err = RLA_SUCCESS;
  struct shell *s = NULL;
  int64_t row0 = 0;
  RLA_CHECK(ctx, ctx && op, RLA_ERR_ARG, "rla_op_create_shell: ctx and op must not be NULL");
  *op = NULL;
  if (!ops || !ops->mult || !ops->mult_transpose)
    err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                        "rla_op_create_shell: ops with the mult and mult_transpose callbacks "
                        "are required");
  else if (m < 0 || n < 1 || lm < 0 || lm > m)
    err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                        "rla_op_create_shell: sizes m = %lld, n = %lld, local rows %lld: need "
                        "m >= 0, n >= 1 and 0 <= local rows <= m",
                        (long long)m, (long long)n, (long long)lm);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_CALL(ctx, rla_agree_row_split(ctx, "rla_op_create_shell", m, n, lm, &row0));
  err = rla_calloc(ctx, 1, sizeof(*s), &s);
  if (!err) {
    s->ops = *ops;
    s->user = user;
    err = rla_op_create(ctx, &rla_op_shell_ops_table, m, n, s, op);
  }
  err = rla_ctx_agree(ctx, err);
  if (err) { /* the user's data stays the user's */
    if (*op) rla_free(op);
    rla_free(&s);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  (*op)->lm = lm;
  (*op)->row0 = row0;
  return RLA_SUCCESS;
}
