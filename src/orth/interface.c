/* SPDX-License-Identifier: BSD-3-Clause */
/* Front end of the tall-skinny orthonormalization: the table of methods, argument checks apart
   from compute, the work space of one call, and the fallback to TSQR (the reference path, which
   cannot fail) when a Gram-based method declines.

   Methods (one line each in the table below): "tsqr" (tsqr.c), "cholqr2" and "scholqr3"
   (cholqr.c) and "auto", the guarded sequence of cholqr.c: CholeskyQR2 when the guard passes,
   shifted CholeskyQR3 when it does not, TSQR when that fails too. */
#include <string.h>

#include "../base/reduce.h"
#include "orth.h"

static const struct rla_orth_ops auto_ops = {"auto", rla_orth_cholqr_auto};
static const struct rla_orth_ops basis_ops = {"basis", rla_orth_cholqr_basis};

static const struct rla_orth_ops *const registry[RLA_ORTH_NMETHODS] = {
    [RLA_ORTH_AUTO] = &auto_ops,
    [RLA_ORTH_TSQR] = &rla_orth_tsqr_ops,
    [RLA_ORTH_CHOLQR2] = &rla_orth_cholqr2_ops,
    [RLA_ORTH_SCHOLQR3] = &rla_orth_scholqr3_ops,
    [RLA_ORTH_BASIS] = &basis_ops,
};

const char *rla_orth_method_name(rla_orth_method method)
{
  if ((int)method < 0 || method >= RLA_ORTH_NMETHODS) return NULL;
  return registry[method]->name;
}

/* Local checks of the arguments; need_m_ge_l for an explicit Q. */
static rla_err check_args(rla_ctx ctx, rla_orth_method method, int64_t m, int64_t lm, int64_t l,
                          const double *x, int64_t ldx, int need_m_ge_l)
{
  RLA_CHECK(ctx, (int)method >= 0 && method < RLA_ORTH_NMETHODS, RLA_ERR_ARG,
            "orthonormalization: unknown method %d", (int)method);
  RLA_CHECK(ctx, l >= 0 && lm >= 0 && lm <= m, RLA_ERR_ARG,
            "orthonormalization: need 0 <= local rows (%lld) <= m (%lld) and l >= 0 (%lld)",
            (long long)lm, (long long)m, (long long)l);
  RLA_CHECK(ctx, !need_m_ge_l || m >= l, RLA_ERR_ARG,
            "orthonormalization: an orthonormal Q of %lld columns needs m >= l rows, got m = %lld",
            (long long)l, (long long)m);
  RLA_CHECK(ctx, ldx >= (lm > 1 ? lm : 1), RLA_ERR_ARG,
            "orthonormalization: leading dimension %lld below the %lld local rows", (long long)ldx,
            (long long)lm);
  RLA_CHECK(ctx, x != NULL || lm == 0 || l == 0, RLA_ERR_ARG,
            "orthonormalization: NULL local rows");
  return RLA_SUCCESS;
}

static void run_init(struct rla_orth_run *o, rla_ctx ctx, int64_t m, int64_t lm, int64_t l,
                     double *x, int64_t ldx, rla_orth_stats *stats)
{
  memset(o, 0, sizeof(*o));
  o->ctx = ctx;
  o->comm = rla_ctx_comm(ctx);
  o->rank = rla_ctx_rank(ctx);
  o->size = rla_ctx_size(ctx);
  o->m = m;
  o->lm = lm;
  o->l = l;
  o->x = x;
  o->ldx = ldx;
  o->stats = stats;
}

int64_t rla_orth_qr_work(int64_t l) { return 3 * l * l + 1; }

/* The Gram matrix, the pass factor and the accumulated R of one call in work (zeroed), or
   allocated when work is NULL (*own then holds them). */
static rla_err run_buffers(struct rla_orth_run *o, int want_r, double *work, double **own)
{
  int64_t l = o->l;
  *own = NULL;
  if (l == 0) return RLA_SUCCESS;
  if (!work) RLA_CALL(o->ctx, rla_calloc(o->ctx, (size_t)rla_orth_qr_work(l), sizeof(double), own));
  if (!work)
    work = *own;
  else
    memset(work, 0, sizeof(double) * (size_t)rla_orth_qr_work(l));
  o->g = work;
  o->r = work + l * l;
  if (!want_r || o->rank != 0) return RLA_SUCCESS;
  o->racc = work + 2 * l * l + 1;
  for (int64_t j = 0; j < l; j++)
    o->racc[j + j * l] = 1.0;
  return RLA_SUCCESS;
}

rla_err rla_orth_qr(rla_ctx ctx, rla_orth_method method, int64_t m, int64_t lm, int64_t l,
                    double *x, int64_t ldx, double *r, rla_orth_stats *stats, double *work)
{
  struct rla_orth_run o;
  rla_orth_stats mine = {0, 0, 0};
  double *own = NULL;
  int ok = 0;
  rla_err err;

  err = check_args(ctx, method, m, lm, l, x, ldx, 1);
  run_init(&o, ctx, m, lm, l, x, ldx, stats ? stats : &mine);
  if (!err) err = run_buffers(&o, r != NULL, work, &own);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  if (l == 0) goto done;
  RLA_CALL_GOTO(ctx, err, done, registry[method]->qr(&o, &ok));
  if (!ok) RLA_CALL_GOTO(ctx, err, done, rla_orth_tsqr_ops.qr(&o, &ok));
  if (o.racc) memcpy(r, o.racc, sizeof(double) * (size_t)(l * l));
done:
  rla_free(&own);
  return err;
}

rla_err rla_orth_r(rla_ctx ctx, rla_orth_method method, int64_t m, int64_t lm, int64_t l, double *x,
                   int64_t ldx, double *r, rla_orth_stats *stats, double *work)
{
  struct rla_orth_run o;
  rla_orth_stats mine = {0, 0, 0};
  rla_err err = check_args(ctx, method, m, lm, l, x, ldx, 0);

  if (!err && r == NULL && l > 0)
    err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                        "orthonormalization: NULL R factor");
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  if (l == 0) return RLA_SUCCESS;
  if (!stats) stats = &mine;
  /* an m < l matrix has no orthonormal Q: only TSQR's R applies */
  if (method == RLA_ORTH_TSQR || m < l) {
    run_init(&o, ctx, m, lm, l, x, ldx, stats);
    RLA_CALL(ctx, rla_orth_tsqr_r(&o, r, work));
    return RLA_SUCCESS;
  }
  RLA_CALL(ctx, rla_orth_qr(ctx, method, m, lm, l, x, ldx, r, stats, work));
  RLA_CALL(ctx, rla_reduce_bcast(ctx, r, l * l));
  if (rla_ctx_size(ctx) > 1) stats->words += l * l;
  return RLA_SUCCESS;
}
