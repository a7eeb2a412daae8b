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
#include "rla/rng.h"
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

/* The start of the power method: a fixed vector, or a Gaussian one of the norm estimator's
   stream (seed 0), the same on every rank and run. */
static void power_start(int64_t d, int random_start, double *v)
{
  if (random_start) {
    rla_rng_gaussian(rla_rng_make(0, RLA_RNG_NORM_EST), 0, 0, (size_t)d, v);
    return;
  }
  for (int64_t i = 0; i < d; i++)
    v[i] = 1.0 / sqrt((double)d) * (1.0 + 0.5 * (double)(i % 3));
}

void lsq_power_estimates(const double *r, int64_t d, int steps, int random_start, double *v,
                         double *y, double *sigma1, double *kappa)
{
  double lmax = 0.0, linv = 0.0;
  for (int pass = 0; pass < 2; pass++) {
    double lam = 0.0;
    power_start(d, random_start, v);
    for (int it = 0; it < steps; it++) {
      double nrm = cblas_dnrm2((int)d, v, 1);
      if (!(nrm > 0.0) || !isfinite(nrm)) break;
      cblas_dscal((int)d, 1.0 / nrm, v, 1);
      memcpy(y, v, sizeof(double) * (size_t)d);
      if (pass == 0) { /* y = R^T R v */
        cblas_dtrmv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)d, r, (int)d, y, 1);
        cblas_dtrmv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, r, (int)d, y, 1);
      } else { /* y = R^-1 R^-T v */
        cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, (int)d, r, (int)d, y, 1);
        cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, (int)d, r, (int)d, y, 1);
      }
      lam = cblas_ddot((int)d, v, 1, y, 1);
      memcpy(v, y, sizeof(double) * (size_t)d);
    }
    if (pass == 0)
      lmax = lam;
    else
      linv = lam;
  }
  *sigma1 = lmax > 0.0 ? sqrt(lmax) : 0.0;
  *kappa = lmax > 0.0 && linv > 0.0 ? sqrt(lmax * linv) : INFINITY;
}
