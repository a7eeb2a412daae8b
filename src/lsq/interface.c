/* SPDX-License-Identifier: BSD-3-Clause */
/* Front end of the least-squares solver: settings, argument checks, dispatch to the methods
   (sketched.c, refine.c, direct.c) and the report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/setting.h"
#include "lsq_impl.h"

const char *const rla_lsq_method_names[3] = {
    [RLA_LSQ_ACCURATE] = "accurate", [RLA_LSQ_SOLVE] = "solve", [RLA_LSQ_DIRECT] = "direct"};
#define NMETHODS ((int)(sizeof(rla_lsq_method_names) / sizeof(rla_lsq_method_names[0])))

rla_err rla_lsq_create(rla_ctx ctx, rla_lsq *L)
{
  struct rla_lsq_s *s = NULL;
  RLA_CHECK(ctx, L != NULL, RLA_ERR_ARG, "rla_lsq_create: the output pointer is NULL");
  *L = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(*s), &s));
  s->ctx = ctx;
  s->method = RLA_LSQ_ACCURATE;
  s->sketch_type = RLA_SKETCH_SRHT;
  s->sketch_choice = -1;
  s->gamma = 0.0;
  s->seed = 1;
  s->tol = 2.0 * RLA_EPS;
  s->rank_tol = -1.0;
  s->max_iterations = 500;
  s->nrhs_plan = 1;
  *L = s;
  return RLA_SUCCESS;
}

void lsq_info_free(struct rla_lsq_s *L)
{
  rla_free(&L->residual_norm);
  rla_free(&L->rhs_norm);
  rla_free(&L->backward_error);
  rla_free(&L->backward_error_estimate);
  rla_free(&L->residual_sketched);
  rla_free(&L->rhs_iterations);
  rla_free(&L->rhs_converged);
  L->cap = 0;
}

static void free_arrays(struct rla_lsq_s *L)
{
  lsq_info_free(L);
  rla_free(&L->history);
  L->history_cap = 0;
}

rla_err rla_lsq_destroy(rla_lsq *L)
{
  if (!L || !*L) return RLA_SUCCESS;
  rla_sketch_destroy(&(*L)->sketch);
  rla_op_destroy(&(*L)->dense_op);
  rla_lsq_precond_destroy(&(*L)->pc);
  lsq_work_free(&(*L)->work);
  lsq_refine_free(&(*L)->refine);
  free_arrays(*L);
  rla_free(L);
  return RLA_SUCCESS;
}

rla_err rla_lsq_set_monitor(rla_lsq L, rla_lsq_monitor monitor, void *ctx)
{
  CHECK_SOLVER(L);
  L->monitor = monitor;
  L->monitor_ctx = ctx;
  return RLA_SUCCESS;
}

const char *rla_lsq_method_name(rla_lsq_method method)
{
  return rla_enum_name(rla_lsq_method_names, NMETHODS, (int)method);
}

rla_err rla_lsq_method_from_name(rla_ctx ctx, const char *name, rla_lsq_method *method)
{
  int v;
  RLA_CHECK(ctx, name != NULL && method != NULL, RLA_ERR_ARG,
            "rla_lsq_method_from_name: name and method must not be NULL");
  RLA_CALL(ctx, rla_enum_from_name(ctx, "least-squares method", rla_lsq_method_names, NMETHODS,
                                   name, &v));
  *method = (rla_lsq_method)v;
  return RLA_SUCCESS;
}

/* A setting was changed (err 0): the next solve sets up again. Returns err. */
static rla_err changed(rla_lsq L, rla_err err)
{
  if (!err) L->is_setup = 0;
  return err;
}

rla_err rla_lsq_set_method(rla_lsq L, rla_lsq_method method)
{
  CHECK_SOLVER(L);
  return changed(L, RLA_SET(L->ctx, L->method, method, (int)method >= 0 && (int)method < NMETHODS,
                            "unknown least-squares method %d: use RLA_LSQ_ACCURATE, "
                            "_SOLVE or _DIRECT",
                            (int)method));
}

rla_err rla_lsq_set_sketch_type(rla_lsq L, rla_sketch_type type)
{
  CHECK_SOLVER(L);
  RLA_CALL(L->ctx, rla_sketch_type_check(L->ctx, type));
  L->sketch_type = type;
  L->sketch_choice = (int)type;
  return changed(L, RLA_SUCCESS);
}

rla_err rla_lsq_set_oversample(rla_lsq L, double gamma)
{
  CHECK_SOLVER(L);
  return changed(
      L, RLA_SET(L->ctx, L->gamma, gamma,
                 gamma == 0.0 || (isfinite(gamma) && gamma > 1.0 && gamma <= 1000.0),
                 "oversampling factor %g: it must lie in (1, 1000] so that the sketch has more "
                 "rows l = ceil(gamma (d + 1)) than A has columns (0: the default of the method)",
                 gamma));
}

rla_err rla_lsq_set_sketch_rows(rla_lsq L, int64_t l)
{
  CHECK_SOLVER(L);
  return changed(L, RLA_SET(L->ctx, L->sketch_rows, l, l >= 0,
                            "sketch rows l = %lld: give l > d, or 0 to use the oversampling factor",
                            (long long)l));
}

rla_err rla_lsq_set_seed(rla_lsq L, uint64_t seed)
{
  CHECK_SOLVER(L);
  L->seed = seed;
  return changed(L, RLA_SUCCESS);
}

rla_err rla_lsq_set_tol(rla_lsq L, double tol)
{
  CHECK_SOLVER(L);
  return changed(
      L, RLA_SET(L->ctx, L->tol, tol, isfinite(tol) && tol > 0.0 && tol < 1.0,
                 "backward-error target %g: it must lie in (0, 1); the default is 2 eps = %g", tol,
                 2.0 * RLA_EPS));
}

rla_err rla_lsq_set_max_iterations(rla_lsq L, int64_t max_iterations)
{
  CHECK_SOLVER(L);
  return changed(L, RLA_SET(L->ctx, L->max_iterations, max_iterations, max_iterations >= 0,
                            "maximum number of iterations %lld: it must be >= 0",
                            (long long)max_iterations));
}

rla_err rla_lsq_set_rank_tol(rla_lsq L, double rank_tol)
{
  CHECK_SOLVER(L);
  return changed(
      L, RLA_SET(L->ctx, L->rank_tol, rank_tol < 0.0 ? -1.0 : rank_tol,
                 !isnan(rank_tol) && rank_tol < 1.0,
                 "rank tolerance %g: it must be below 1 (negative for the default 30 sqrt(d) eps)",
                 rank_tol));
}

rla_err rla_lsq_set_operator(rla_lsq L, rla_op A)
{
  CHECK_SOLVER(L);
  RLA_CHECK(L->ctx, A != NULL, RLA_ERR_ARG, "rla_lsq_set_operator: the operator is NULL");
  RLA_CHECK(L->ctx, rla_op_ctx(A) == L->ctx, RLA_ERR_ARG,
            "rla_lsq_set_operator: the operator must belong to the solver's context");
  L->user_op = A;
  L->op = A;
  L->planned = 0;
  return changed(L, RLA_SUCCESS);
}

rla_err rla_lsq_set_rhs_count(rla_lsq L, int64_t nrhs)
{
  CHECK_SOLVER(L);
  return changed(L, RLA_SET(L->ctx, L->nrhs_plan, nrhs, nrhs >= 1,
                            "number of right-hand sides %lld: setup plans for at least 1",
                            (long long)nrhs));
}

rla_err rla_lsq_setup(rla_lsq L)
{
  rla_err err = RLA_SUCCESS;
  CHECK_SOLVER(L);
  L->is_setup = 0;
  L->planned = 0;
  rla_sketch_destroy(&L->sketch);
  L->sketch_l = L->sketch_m = 0;
  /* unless one was set: the operator's own sketch (sparse sign for a sparse A), else the SRHT */
  if (L->sketch_choice < 0)
    L->sketch_type = L->user_op ? L->user_op->sketch_default : RLA_SKETCH_SRHT;
  if (L->method != RLA_LSQ_DIRECT) {
    err = rla_sketch_create(L->ctx, &L->sketch);
    if (!err) err = rla_sketch_set_type(L->sketch, L->sketch_type);
    if (!err) err = rla_sketch_set_seed(L->sketch, L->seed);
  }
  err = rla_ctx_agree(L->ctx, err);
  if (err) {
    rla_sketch_destroy(&L->sketch);
    return rla_error_trace(L->ctx, err, __func__, __FILE__, __LINE__);
  }
  /* with an operator set, the plan now (for it, not for a dense operator an rla_lsq_solve made);
     without, at the first solve */
  if (L->user_op) L->op = L->user_op;
  if (L->op) RLA_CALL(L->ctx, lsq_plan(L, L->nrhs_plan));
  L->is_setup = 1;
  return RLA_SUCCESS;
}

/* Default oversampling of the accurate method for an m x d problem: the gamma in
   [ACC_GAMMA_MIN, ACC_GAMMA_MAX], with at most m / 4 sketch rows and ACC_SKETCH_BYTES of
   sketch per rank (unless ACC_GAMMA_MIN needs more), that minimizes a model of its time in
   units of one pass over A (see rla_lsq_set_oversample):
     f(gamma) = ACC_LN_GAIN / ln(sqrt(gamma) / ACC_DIST) + gamma (ACC_GRAM d^2 + ACC_REDUCE d) / m.
   The first term counts CG steps: each gains the sketch's distortion, about
   ACC_DIST / sqrt(gamma) (measured: preconditioned condition numbers 1.53-1.56 at gamma 20,
   1.17 at 120, 1.09 at 400, that is distortions 0.94, 0.86, 0.86 over sqrt(gamma)), and
   ACC_LN_GAIN = ln(3e10) is the gain from the sketch-and-solve start to eps on the benchmark
   problem (kappa 1e6, residual 0.1). The second is what a larger sketch costs, relative to a
   pass (8 m d / P bytes per rank): the Gram matrix of the gamma (d + 1) x d sketch,
   gamma d^3 / P flops per rank, and the reduction and transform of the sketch, both linear in
   gamma d. The constants ACC_GRAM and ACC_REDUCE are those costs over the time of a pass,
   measured at 2 ranks on 2^18 rows at d = 1024 and 256; the model's choices (25 at d = 1024,
   107 at 256, 389 at 64) match the best measured within its flatness (chosen by measurement:
   the figures are in bench/README.md, "Least squares"). It depends on m and d only, so
   the sketch, and the answer, are the same on any number of ranks.
   A pass over a sparse A reads about 12 bytes per nonzero and 16 per row rather than 8 m d:
   the costs of a larger sketch are then the larger, relative to a pass, by the ratio of the
   two (pass = that ratio, 1 for a dense A), and the smallest oversampling is lower,
   ACC_GAMMA_MIN_SPARSE (a distortion of about ACC_DIST / 2, a preconditioned condition number
   below 3). */
#define ACC_GAMMA_MIN    20.0
#define ACC_GAMMA_MIN_SPARSE 4.0
#define ACC_GAMMA_MAX    1000.0
#define ACC_LN_GAIN      24.0
#define ACC_DIST         0.9
#define ACC_GRAM         0.029
#define ACC_REDUCE       11.5
#define ACC_SKETCH_BYTES 268435456.0 /* 256 MiB */
static double accurate_oversample(int64_t m, int64_t d, double pass, double gmin)
{
  double per = (ACC_GRAM * (double)d * (double)d + ACC_REDUCE * (double)d) / (double)m / pass;
  double c = (double)(d + 1), best = gmin;
  double gmax = fmin(fmin(ACC_GAMMA_MAX, 0.25 * (double)m / c), ACC_SKETCH_BYTES / (8.0 * c * c));
  double fbest = INFINITY;
  for (double g = gmin; g <= gmax; g *= 1.02) {
    double f = ACC_LN_GAIN / log(sqrt(g) / ACC_DIST) + g * per;
    if (f < fbest) {
      fbest = f;
      best = g;
    }
  }
  return floor(best);
}

double lsq_oversample(rla_lsq L, int64_t m, int64_t d)
{
  if (L->gamma > 0.0) return L->gamma;
  if (L->method != RLA_LSQ_ACCURATE) return 4.0;
  /* a Gaussian sketch costs l m d flops and l m random numbers: the smallest oversampling */
  if (L->sketch_type == RLA_SKETCH_GAUSSIAN || m <= 0 || d <= 0) return ACC_GAMMA_MIN;
  if (L->op && L->op->entries < (double)m * (double)d) {
    double pass = (12.0 * L->op->entries + 16.0 * (double)m) / (8.0 * (double)m * (double)d);
    return accurate_oversample(m, d, fmin(pass, 1.0),
                               L->sketch_type == RLA_SKETCH_SPARSE ? ACC_GAMMA_MIN_SPARSE
                                                                   : ACC_GAMMA_MIN);
  }
  return accurate_oversample(m, d, 1.0, ACC_GAMMA_MIN);
}

rla_err rla_lsq_view(rla_lsq L, FILE *out)
{
  const rla_lsq_info *I;
  CHECK_SOLVER(L);
  if (rla_ctx_rank(L->ctx) != 0 || !out) return RLA_SUCCESS;
  fprintf(out, "rla_lsq: method %s, sketch %s, ", rla_lsq_method_name(L->method),
          rla_sketch_type_name(L->sketch_type));
  if (L->sketch_rows > 0)
    fprintf(out, "l = %lld", (long long)L->sketch_rows);
  else if (L->gamma > 0.0 || L->method != RLA_LSQ_ACCURATE || L->sketch_type == RLA_SKETCH_GAUSSIAN)
    fprintf(out, "oversampling %g", lsq_oversample(L, 0, 0));
  else
    fprintf(out, "oversampling from m and d");
  fprintf(out, ", seed %llu, tol %.3g, max_iterations %lld, rank_tol ", (unsigned long long)L->seed,
          L->tol, (long long)L->max_iterations);
  if (L->rank_tol < 0)
    fprintf(out, "30 sqrt(d) eps");
  else
    fprintf(out, "%.3g", L->rank_tol);
  fprintf(out, "%s\n", L->is_setup ? "" : " (not set up)");
  if (!L->has_info) return RLA_SUCCESS;
  I = &L->info;
  fprintf(out, "  last solve: %lld x %lld, %lld rhs on %d ranks; sketch rows %lld", (long long)I->m,
          (long long)I->d, (long long)I->nrhs, I->ranks, (long long)I->sketch_rows);
  if (I->sketch_block) fprintf(out, " (block %lld)", (long long)I->sketch_block);
  fprintf(out, ", factored by %s, rank %lld%s, kappa(sketch) %.3g, kappa(preconditioned) %.3g\n",
          I->factorization ? I->factorization : "-", (long long)I->rank,
          I->truncated ? " (truncated)" : "", I->kappa_sketch, I->kappa_preconditioned);
  fprintf(out, "  iterations %lld, refinements %lld, passes over A %lld, %s\n",
          (long long)I->iterations, (long long)I->refinements, (long long)I->passes,
          I->converged ? "converged" : "NOT converged");
  fprintf(out,
          "  time: sketch %.3g s, factor %.3g s, iterate %.3g s, redistribute %.3g s, residual "
          "%.3g s, total %.3g s; %lld words in %lld reductions\n",
          I->time_sketch, I->time_factor, I->time_iterate, I->time_redistribute, I->time_residual,
          I->time_total, (long long)I->comm_words, (long long)I->comm_reductions);
  for (int64_t j = 0; j < I->nrhs; j++)
    fprintf(out,
            "  rhs %lld: ||r|| = %.6e, ||b|| = %.6e, ||A^T r||/(||A||_F ||r||) = %.3e, backward "
            "error estimate %.3e, iterations %lld%s\n",
            (long long)j, I->residual_norm[j], I->rhs_norm[j], I->backward_error[j],
            I->backward_error_estimate[j], (long long)I->rhs_iterations[j],
            I->rhs_converged[j] ? "" : " (not converged)");
  return RLA_SUCCESS;
}
