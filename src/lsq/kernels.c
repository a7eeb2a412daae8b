/* SPDX-License-Identifier: BSD-3-Clause */
/* Reductions and the residual evaluation of the least-squares methods. The passes over A are
   the operator's (rla_op_normal_local, rla_op_residual_local: for a dense A the fused,
   cache-blocked passes of src/op/impls/dense.c, one pass over A and no communication each);
   the callers reduce the d-vectors with one allreduce. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../base/reduce.h"
#include "lsq_impl.h"

rla_err lsq_op_agree(const lsq_problem *p, rla_err err)
{
  return p->op_may_fail ? rla_ctx_agree(p->ctx, err) : err;
}

rla_err lsq_allreduce(rla_ctx ctx, double *buf, int64_t n, lsq_cost *cost)
{
  if (rla_ctx_size(ctx) == 1 || n == 0) return RLA_SUCCESS;
  RLA_CALL(ctx, rla_reduce_sum(ctx, buf, n));
  cost->words += n;
  cost->reductions++;
  return RLA_SUCCESS;
}

rla_err lsq_evaluate(rla_lsq L, const lsq_problem *p, rla_lsq_info *info, lsq_cost *cost)
{
  rla_ctx ctx = L->ctx;
  int64_t d = p->d, nrhs = p->nrhs, n = d * nrhs + 2 * nrhs + d;
  double *buf = L->work.eval, a_fro = 0.0;

  memset(buf, 0, sizeof(double) * (size_t)n);
  RLA_CALL(ctx, lsq_op_agree(p, rla_op_residual_local(p->op, nrhs, NULL, p->b, p->ldb, p->x, p->ldx,
                                                      buf, buf + d * nrhs, buf + d * nrhs + nrhs,
                                                      buf + d * nrhs + 2 * nrhs)));
  RLA_CALL(ctx, lsq_allreduce(ctx, buf, n, cost));
  cost->passes++;
  for (int64_t i = 0; i < d; i++)
    a_fro += buf[d * nrhs + 2 * nrhs + i];
  a_fro = sqrt(a_fro);
  info->norm_fro = a_fro;
  for (int64_t j = 0; j < nrhs; j++) {
    double rn = sqrt(buf[d * nrhs + j]), gn = cblas_dnrm2((int)d, buf + j * d, 1);
    L->residual_norm[j] = rn;
    L->rhs_norm[j] = sqrt(buf[d * nrhs + nrhs + j]);
    L->backward_error[j] = rn > 0.0 && a_fro > 0.0 ? gn / (a_fro * rn) : 0.0;
  }
  return RLA_SUCCESS;
}
