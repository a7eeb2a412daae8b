/* SPDX-License-Identifier: BSD-3-Clause */
/* Front end of the least-squares solver: settings, argument checks, dispatch to the methods
   (sketched.c, refine.c, direct.c) and the report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lsq_impl.h"

const char *const rla_lsq_method_names[3] = {
    [RLA_LSQ_ACCURATE] = "accurate", [RLA_LSQ_SOLVE] = "solve", [RLA_LSQ_DIRECT] = "direct"};
#define NMETHODS ((int)(sizeof(rla_lsq_method_names) / sizeof(rla_lsq_method_names[0])))

#define CHECK_SOLVER(L)                                                                            \
  do {                                                                                             \
    if (!(L))                                                                                      \
      return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "NULL solver");        \
  } while (0)

rla_err rla_lsq_create(rla_ctx ctx, rla_lsq *L)
{
  struct rla_lsq_s *s = NULL;
  RLA_CHECK(ctx, L != NULL, RLA_ERR_ARG, "rla_lsq_create: the output pointer is NULL");
  *L = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(*s), &s));
  s->ctx = ctx;
  s->method = RLA_LSQ_ACCURATE;
  s->sketch_type = RLA_SKETCH_SRHT;
  s->gamma = 0.0;
  s->seed = 1;
  s->tol = 2.0 * RLA_EPS;
  s->rank_tol = -1.0;
  s->max_iterations = 500;
  *L = s;
  return RLA_SUCCESS;
}

static void free_arrays(struct rla_lsq_s *L)
{
  rla_free(&L->residual_norm);
  rla_free(&L->rhs_norm);
  rla_free(&L->backward_error);
  rla_free(&L->backward_error_estimate);
  rla_free(&L->residual_sketched);
  rla_free(&L->rhs_iterations);
  rla_free(&L->rhs_converged);
  rla_free(&L->history);
  rla_free(&L->sketch_work);
  L->cap = L->history_cap = 0;
  L->sketch_work_len = 0;
}

rla_err rla_lsq_destroy(rla_lsq *L)
{
  if (!L || !*L) return RLA_SUCCESS;
  rla_sketch_destroy(&(*L)->sketch);
  free_arrays(*L);
  rla_free(L);
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

rla_err rla_lsq_set_method(rla_lsq L, rla_lsq_method method)
{
  CHECK_SOLVER(L);
  RLA_CHECK(L->ctx, (int)method >= 0 && (int)method < NMETHODS, RLA_ERR_ARG,
            "unknown least-squares method %d: use RLA_LSQ_ACCURATE, _SOLVE or _DIRECT",
            (int)method);
  L->method = method;
  L->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err rla_lsq_set_sketch_type(rla_lsq L, rla_sketch_type type)
{
  CHECK_SOLVER(L);
  RLA_CALL(L->ctx, rla_sketch_type_check(L->ctx, type));
  L->sketch_type = type;
  L->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err rla_lsq_set_oversample(rla_lsq L, double gamma)
{
  CHECK_SOLVER(L);
  RLA_CHECK(L->ctx, gamma == 0.0 || (isfinite(gamma) && gamma > 1.0 && gamma <= 1000.0),
            RLA_ERR_ARG,
            "oversampling factor %g: it must lie in (1, 1000] so that the sketch has more rows "
            "l = ceil(gamma (d + 1)) than A has columns (0: the default of the method)",
            gamma);
  L->gamma = gamma;
  L->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err rla_lsq_set_sketch_rows(rla_lsq L, int64_t l)
{
  CHECK_SOLVER(L);
  RLA_CHECK(L->ctx, l >= 0, RLA_ERR_ARG,
            "sketch rows l = %lld: give l > d, or 0 to use the oversampling factor", (long long)l);
  L->sketch_rows = l;
  L->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err rla_lsq_set_seed(rla_lsq L, uint64_t seed)
{
  CHECK_SOLVER(L);
  L->seed = seed;
  L->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err rla_lsq_set_tol(rla_lsq L, double tol)
{
  CHECK_SOLVER(L);
  RLA_CHECK(L->ctx, isfinite(tol) && tol > 0.0 && tol < 1.0, RLA_ERR_ARG,
            "backward-error target %g: it must lie in (0, 1); the default is 2 eps = %g", tol,
            2.0 * RLA_EPS);
  L->tol = tol;
  L->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err rla_lsq_set_max_iterations(rla_lsq L, int64_t max_iterations)
{
  CHECK_SOLVER(L);
  RLA_CHECK(L->ctx, max_iterations >= 0, RLA_ERR_ARG,
            "maximum number of iterations %lld: it must be >= 0", (long long)max_iterations);
  L->max_iterations = max_iterations;
  L->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err rla_lsq_set_rank_tol(rla_lsq L, double rank_tol)
{
  CHECK_SOLVER(L);
  RLA_CHECK(L->ctx, !isnan(rank_tol) && rank_tol < 1.0, RLA_ERR_ARG,
            "rank tolerance %g: it must be below 1 (negative for the default 30 sqrt(d) eps)",
            rank_tol);
  L->rank_tol = rank_tol < 0.0 ? -1.0 : rank_tol;
  L->is_setup = 0;
  return RLA_SUCCESS;
}

rla_err rla_lsq_setup(rla_lsq L)
{
  rla_err err = RLA_SUCCESS;
  CHECK_SOLVER(L);
  L->is_setup = 0;
  rla_sketch_destroy(&L->sketch);
  L->sketch_l = L->sketch_m = 0;
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
   gamma d. Constants measured at 2 ranks, 2^18 rows: d = 1024, gamma 20: Gram 0.26 s,
   reduction 0.06-0.14 s, pass 0.105-0.119 s; d = 256: the sketch grows by 4.6e-4 s per unit of
   gamma, a pass takes 0.025 s. The model's choices (25 at d = 1024, 107 at 256, 389 at 64)
   match the best measured within its flatness: at d = 256, 0.48 s at gamma 120 against 0.66 s at
   20; at d = 64, 0.094-0.099 s at 200-400 against 0.138 s at 20. It depends on m and d only, so
   the sketch, and the answer, are the same on any number of ranks. */
#define ACC_GAMMA_MIN    20.0
#define ACC_GAMMA_MAX    1000.0
#define ACC_LN_GAIN      24.0
#define ACC_DIST         0.9
#define ACC_GRAM         0.029
#define ACC_REDUCE       11.5
#define ACC_SKETCH_BYTES 268435456.0 /* 256 MiB */
static double accurate_oversample(int64_t m, int64_t d)
{
  double per = (ACC_GRAM * (double)d * (double)d + ACC_REDUCE * (double)d) / (double)m;
  double c = (double)(d + 1), best = ACC_GAMMA_MIN;
  double gmax = fmin(fmin(ACC_GAMMA_MAX, 0.25 * (double)m / c), ACC_SKETCH_BYTES / (8.0 * c * c));
  double fbest = INFINITY;
  for (double g = ACC_GAMMA_MIN; g <= gmax; g *= 1.02) {
    double f = ACC_LN_GAIN / log(sqrt(g) / ACC_DIST) + g * per;
    if (f < fbest) {
      fbest = f;
      best = g;
    }
  }
  return floor(best);
}

/* The oversampling factor in use for an m x d problem: the one set, or the default of the
   method. */
static double oversample(rla_lsq L, int64_t m, int64_t d)
{
  if (L->gamma > 0.0) return L->gamma;
  if (L->method != RLA_LSQ_ACCURATE) return 4.0;
  /* a Gaussian sketch costs l m d flops and l m random numbers: the smallest oversampling */
  if (L->sketch_type == RLA_SKETCH_GAUSSIAN || m <= 0 || d <= 0) return ACC_GAMMA_MIN;
  return accurate_oversample(m, d);
}

/* Checks on replicated metadata only: every rank reaches the same verdict. */
static rla_err check_args(rla_lsq L, rla_dmat A, rla_dmat B, const double *X, int64_t ldx,
                          int64_t *l)
{
  rla_ctx ctx = L->ctx;
  int64_t m, d, mb_rows, nrhs, amb, bmb;
  RLA_CHECK(ctx, L->is_setup, RLA_ERR_ARG,
            "the least-squares solver is not set up: call rla_lsq_setup before rla_lsq_solve "
            "(and again after changing a setting)");
  RLA_CHECK(ctx, A != NULL && B != NULL, RLA_ERR_ARG, "rla_lsq_solve: A and B must not be NULL");
  RLA_CHECK(ctx, rla_dmat_ctx(A) == ctx && rla_dmat_ctx(B) == ctx, RLA_ERR_ARG,
            "rla_lsq_solve: A and B must belong to the solver's context");
  RLA_CHECK(ctx,
            rla_dmat_get_layout(A) == RLA_DMAT_ROWBLOCK &&
                rla_dmat_get_layout(B) == RLA_DMAT_ROWBLOCK,
            RLA_ERR_ARG, "rla_lsq_solve needs row-block matrices A and B: redistribute them first");
  rla_dmat_sizes(A, &m, &d);
  rla_dmat_sizes(B, &mb_rows, &nrhs);
  RLA_CHECK(ctx, d > 0, RLA_ERR_SHAPE, "A has no columns (d = 0): there is nothing to solve");
  RLA_CHECK(ctx, m >= d, RLA_ERR_SHAPE,
            "A is %lld x %lld, with fewer rows than columns: underdetermined least-squares "
            "problems (m < d) are not supported",
            (long long)m, (long long)d);
  RLA_CHECK(ctx, mb_rows == m, RLA_ERR_SHAPE,
            "B has %lld rows but A has %lld: each right-hand side needs one entry per row of A",
            (long long)mb_rows, (long long)m);
  RLA_CHECK(ctx, nrhs > 0, RLA_ERR_SHAPE, "B has no columns (nrhs = 0): there is nothing to solve");
  rla_dmat_blocks(A, &amb, NULL);
  rla_dmat_blocks(B, &bmb, NULL);
  RLA_CHECK(ctx, amb == bmb, RLA_ERR_ARG,
            "B must have the row distribution of A: create both with the same row block size "
            "(A has %lld rows per rank, B %lld)",
            (long long)amb, (long long)bmb);
  RLA_CHECK(ctx, X != NULL, RLA_ERR_ARG, "rla_lsq_solve: the solution array X is NULL");
  RLA_CHECK(ctx, ldx >= d, RLA_ERR_ARG,
            "leading dimension of X %lld is smaller than the %lld columns of A", (long long)ldx,
            (long long)d);
  *l = 0;
  if (L->method != RLA_LSQ_DIRECT) {
    double lg = ceil(oversample(L, m, d) * (double)(d + 1));
    *l = L->sketch_rows > 0 ? L->sketch_rows : (int64_t)lg;
    RLA_CHECK(ctx, *l > d, RLA_ERR_ARG,
              "sketch rows l = %lld must exceed the %lld columns of A: raise the sketch rows or "
              "use the oversampling factor",
              (long long)*l, (long long)d);
    RLA_CHECK(ctx, lg < 2147483647.0 && *l * (d + nrhs) <= 2147483647, RLA_ERR_UNSUPPORTED,
              "a %lld x %lld sketch exceeds the 2^31 entries of one MPI reduction", (long long)*l,
              (long long)(d + nrhs));
  }
  return RLA_SUCCESS;
}

static rla_err ensure_arrays(rla_lsq L, int64_t nrhs)
{
  rla_ctx ctx = L->ctx;
  if (L->cap < nrhs) {
    free_arrays(L);
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->residual_norm));
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->rhs_norm));
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->backward_error));
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->backward_error_estimate));
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->residual_sketched));
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(int64_t), &L->rhs_iterations));
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(int), &L->rhs_converged));
    L->cap = nrhs;
  }
  for (int64_t j = 0; j < nrhs; j++) {
    L->residual_norm[j] = L->rhs_norm[j] = L->backward_error[j] = NAN;
    L->backward_error_estimate[j] = L->residual_sketched[j] = NAN;
    L->rhs_iterations[j] = 0;
    L->rhs_converged[j] = 1;
  }
  return RLA_SUCCESS;
}

static void info_start(rla_lsq L, int64_t m, int64_t d, int64_t nrhs, int64_t l, rla_lsq_info *I)
{
  memset(I, 0, sizeof(*I));
  I->method = L->method;
  I->m = m;
  I->d = d;
  I->nrhs = nrhs;
  I->ranks = rla_ctx_size(L->ctx);
  I->sketch_type = L->sketch_type;
  I->sketch_rows = l;
  I->seed = L->seed;
  I->tol = L->tol;
  I->rank = d;
  I->kappa_sketch = I->kappa_preconditioned = I->norm_fro = NAN;
  I->converged = 1;
  I->residual_norm = L->residual_norm;
  I->rhs_norm = L->rhs_norm;
  I->backward_error = L->backward_error;
  I->backward_error_estimate = L->backward_error_estimate;
  I->residual_sketched = L->residual_sketched;
  I->rhs_iterations = L->rhs_iterations;
  I->rhs_converged = L->rhs_converged;
  I->history = L->history;
  I->nhistory = 0;
}

/* Size and set up the sketch for l x m (kept across solves of the same sizes). Collective. */
static rla_err ensure_sketch(rla_lsq L, int64_t l, int64_t m)
{
  if (L->sketch_l == l && L->sketch_m == m) return RLA_SUCCESS;
  L->sketch_l = L->sketch_m = 0;
  RLA_CALL(L->ctx, rla_sketch_set_sizes(L->sketch, l, m));
  RLA_CALL(L->ctx, rla_sketch_setup(L->sketch));
  L->sketch_l = l;
  L->sketch_m = m;
  return RLA_SUCCESS;
}

/* The sketch of [A B] holds a NaN or Inf, or too large an entry (lsq_sketch_solve): the error
   names the first non-finite entry of A or B, or, when both are finite, the sizes. Collective. */
static rla_err sketch_out_of_range(rla_dmat A, rla_dmat B, const lsq_factor *F)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  double amax, bmax;
  RLA_CALL(ctx, rla_dmat_check_finite(A, "A"));
  RLA_CALL(ctx, rla_dmat_check_finite(B, "B"));
  RLA_CALL(ctx, rla_dmat_norm_max(A, &amax));
  RLA_CALL(ctx, rla_dmat_norm_max(B, &bmax));
  return rla_error_set(ctx, RLA_ERR_VALUE, __func__, __FILE__, __LINE__,
                       "[A B] is too large for the sketching methods, which sum squares of "
                       "their entries: the largest entries are %.3g in A and %.3g in B, and "
                       "%.3g in their sketch, above %.3g = sqrt(DBL_MAX / (4 l (d + nrhs))); "
                       "scale A and B down alike (x does not change)",
                       amax, bmax, F->sketch_max, F->sketch_bound);
}

rla_err rla_lsq_solve(rla_lsq L, rla_dmat A, rla_dmat B, double *X, int64_t ldx, rla_lsq_info *info)
{
  rla_ctx ctx;
  rla_lsq_info *I;
  lsq_problem p;
  lsq_factor F;
  lsq_cost cost = {0, 0, 0};
  int64_t l = 0, m, d, nrhs, lmb;
  double t_start = rla_wtime(), t0;
  rla_err err;

  CHECK_SOLVER(L);
  ctx = L->ctx;
  L->has_info = 0;
  RLA_CALL(ctx, check_args(L, A, B, X, ldx, &l));
  if (L->method == RLA_LSQ_DIRECT) {
    /* the sketching methods find NaN and Inf in their sketch (see sketch_out_of_range) */
    RLA_CALL(ctx, rla_dmat_check_finite(A, "A"));
    RLA_CALL(ctx, rla_dmat_check_finite(B, "B"));
  }
  rla_dmat_sizes(A, &m, &d);
  rla_dmat_sizes(B, NULL, &nrhs);
  if (L->method != RLA_LSQ_DIRECT) RLA_CALL(ctx, ensure_sketch(L, l, m));

  memset(&p, 0, sizeof(p));
  memset(&F, 0, sizeof(F));
  p.ctx = ctx;
  p.m = m;
  p.d = d;
  p.nrhs = nrhs;
  p.row0 = rla_dmat_row_offset(A);
  {
    double *a, *b;
    int64_t lm, lda, ldb;
    rla_dmat_local(A, &a, &lm, NULL, &lda);
    rla_dmat_local(B, &b, &lmb, NULL, &ldb);
    p.a = a;
    p.b = b;
    p.lm = lm;
    p.lda = lda;
    p.ldb = ldb;
  }
  p.x = X;
  p.ldx = ldx;
  err = ensure_arrays(L, nrhs);
  if (!err) err = rla_calloc(ctx, (size_t)lsq_chunk_doubles(d, nrhs), sizeof(double), &p.chunk);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  I = &L->info;
  info_start(L, m, d, nrhs, l, I);
  if (L->method != RLA_LSQ_DIRECT) I->sketch_block = rla_sketch_get_block_size(L->sketch);

  switch (L->method) {
  case RLA_LSQ_SOLVE:
  case RLA_LSQ_ACCURATE:
    RLA_CALL_GOTO(ctx, err, done,
                  lsq_sketch_solve(L, &p, L->method == RLA_LSQ_ACCURATE && nrhs > LSQ_QR_MAX_RHS,
                                   &F, L->residual_sketched, &cost, &I->time_sketch,
                                   &I->time_factor));
    if (!(F.sketch_max <= F.sketch_bound))
      RLA_CALL_GOTO(ctx, err, done, sketch_out_of_range(A, B, &F));
    I->rank = F.k;
    I->truncated = F.k < d;
    I->kappa_sketch = F.kappa;
    I->factorization = F.cholesky ? (F.use_svd ? "cholesky+svd" : "cholesky")
                                  : (F.use_svd ? "tsqr+svd" : "tsqr");
    t0 = rla_wtime();
    if (L->method == RLA_LSQ_ACCURATE) {
      RLA_CALL_GOTO(ctx, err, done, lsq_refine(L, &p, &F, I, &cost));
      I->time_iterate = rla_wtime() - t0;
      for (int64_t j = 0; j < nrhs; j++)
        I->converged &= L->rhs_converged[j];
    } else {
      RLA_CALL_GOTO(ctx, err, done, lsq_evaluate(L, &p, I, &cost));
      I->time_residual = rla_wtime() - t0;
    }
    break;
  case RLA_LSQ_DIRECT:
    I->factorization = "pdgels";
    RLA_CALL_GOTO(ctx, err, done, lsq_direct(L, A, B, &p, I, &cost));
    t0 = rla_wtime();
    RLA_CALL_GOTO(ctx, err, done, lsq_evaluate(L, &p, I, &cost));
    I->time_residual = rla_wtime() - t0;
    break;
  }
  if (L->method != RLA_LSQ_DIRECT && rla_ctx_size(ctx) > 1) {
    /* the same X on every rank, bit for bit (replicated arithmetic may differ in the last bit
       between unlike processors) */
    MPI_Datatype cols = MPI_DATATYPE_NULL;
    int rc = MPI_Type_vector((int)nrhs, (int)d, (int)ldx, MPI_DOUBLE, &cols);
    if (rc == MPI_SUCCESS) rc = MPI_Type_commit(&cols);
    if (rc == MPI_SUCCESS) rc = MPI_Bcast(X, 1, cols, 0, rla_ctx_comm(ctx));
    if (cols != MPI_DATATYPE_NULL) MPI_Type_free(&cols);
    RLA_CHECK_GOTO(ctx, err, done, rc == MPI_SUCCESS, RLA_ERR_MPI,
                   "broadcast of the solution failed (MPI error %d)", rc);
    cost.reductions++;
  }
  I->passes = cost.passes;
  I->comm_words = cost.words;
  I->comm_reductions = cost.reductions;
  I->time_total = rla_wtime() - t_start;
  L->has_info = 1;
  if (info) *info = *I;
done:
  lsq_factor_free(&F);
  free(p.chunk);
  return err;
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
  else if (L->gamma > 0.0 || L->method != RLA_LSQ_ACCURATE ||
           L->sketch_type == RLA_SKETCH_GAUSSIAN)
    fprintf(out, "oversampling %g", oversample(L, 0, 0));
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
