/* SPDX-License-Identifier: BSD-3-Clause */
/* The solve path of the least-squares solver: argument checks, the plan (every array a solve
   uses, allocated once for the planned sizes), dispatch to the methods (sketched.c, refine.c,
   direct.c) and the report. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/finite.h"
#include "lsq_impl.h"

/* The sketch rows for an m x d problem with nrhs right-hand sides, checked. Collective
   verdict (replicated metadata). */
static rla_err sketch_rows(rla_lsq L, int64_t m, int64_t d, int64_t nrhs, int64_t *l)
{
  rla_ctx ctx = L->ctx;
  double lg = ceil(lsq_oversample(L, m, d) * (double)(d + 1));
  *l = L->sketch_rows > 0 ? L->sketch_rows : (int64_t)lg;
  RLA_CHECK(ctx, *l > d, RLA_ERR_ARG,
            "sketch rows l = %lld must exceed the %lld columns of A: raise the sketch rows or "
            "use the oversampling factor",
            (long long)*l, (long long)d);
  RLA_CHECK(ctx, lg < 2147483647.0 && *l * (d + nrhs) <= 2147483647, RLA_ERR_UNSUPPORTED,
            "a %lld x %lld sketch exceeds the 2^31 entries of one MPI reduction", (long long)*l,
            (long long)(d + nrhs));
  return RLA_SUCCESS;
}

/* The shape of A: d >= 1 columns, m >= d rows. Collective verdict. */
static rla_err check_shape(rla_ctx ctx, int64_t m, int64_t d)
{
  RLA_CHECK(ctx, d > 0, RLA_ERR_SHAPE, "A has no columns (d = 0): there is nothing to solve");
  RLA_CHECK(ctx, m >= d, RLA_ERR_SHAPE,
            "A is %lld x %lld, with fewer rows than columns: underdetermined least-squares "
            "problems (m < d) are not supported",
            (long long)m, (long long)d);
  return RLA_SUCCESS;
}

/* Checks of rla_lsq_solve on replicated metadata only: every rank reaches the same verdict. */
static rla_err check_args(rla_lsq L, rla_dmat A, rla_dmat B, const double *X, int64_t ldx)
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
  RLA_CALL(ctx, check_shape(ctx, m, d));
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
  return RLA_SUCCESS;
}

void lsq_work_free(lsq_work *w)
{
  double **arrays[] = {&w->sketch, &w->xh, &w->c1, &w->t, &w->eval, &w->arena};
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
    rla_free(arrays[i]);
  memset(w->cap, 0, sizeof(w->cap));
  w->rf = w->comm = w->gram = w->msg = w->cv = NULL;
}

/* The arrays of lsq_work for d columns, nrhs right-hand sides and l sketch rows (0: the direct
   method, which needs only the evaluation's buffer). Local. */
static rla_err work_reserve(rla_ctx ctx, lsq_work *w, int64_t d, int64_t nrhs, int64_t l)
{
  int64_t c = d + nrhs, dn = d * nrhs, nmsg = 2 + d + dn;
  int64_t comm = l > 0 ? lsq_comm_doubles(rla_ctx_size(ctx), l, c) : 0;
  int64_t fac = c * c + (nmsg + 2 * d > comm ? nmsg + 2 * d : comm);
  int64_t ref = ((nrhs < LSQ_QR_MAX_RHS ? nrhs : LSQ_QR_MAX_RHS) + 1) * d * d;
  double **arrays[] = {&w->sketch, &w->xh, &w->c1, &w->t, &w->eval, &w->arena};
  int64_t len[] = {l * c, dn, dn, l, dn + 2 * nrhs + d, fac > ref ? fac : ref};
  for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
    if (l > 0 || arrays[i] == &w->eval)
      RLA_CALL(ctx, lsq_reserve(ctx, arrays[i], &w->cap[i], len[i]));
  if (l > 0) {
    /* the QR path: rf, then comm; the Cholesky path: gram, then msg and cv */
    w->rf = w->gram = w->arena;
    w->comm = w->msg = w->arena + c * c;
    w->cv = w->msg + nmsg;
  }
  return RLA_SUCCESS;
}

/* The per right-hand-side arrays of the report for nrhs. Local. */
static rla_err info_reserve(rla_lsq L, int64_t nrhs)
{
  rla_ctx ctx = L->ctx;
  if (L->cap >= nrhs) return RLA_SUCCESS;
  lsq_info_free(L);
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->residual_norm));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->rhs_norm));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->backward_error));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->backward_error_estimate));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(double), &L->residual_sketched));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(int64_t), &L->rhs_iterations));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nrhs, sizeof(int), &L->rhs_converged));
  L->cap = nrhs;
  return RLA_SUCCESS;
}

/* Size and set up the sketch for l x m (kept across plans of the same sizes). Collective. */
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

/* A sparse (CSR) operator: the direct method takes SuiteSparseQR for it. */
static int is_sparse(rla_op op) { return strcmp(rla_op_type_name(op), "sparse") == 0; }

rla_err lsq_plan(rla_lsq L, int64_t nrhs)
{
  rla_ctx ctx = L->ctx;
  int64_t m, d, l = 0;
  rla_dmat A;
  rla_err err = RLA_SUCCESS;
  L->planned = 0;
  rla_op_sizes(L->op, &m, &d);
  RLA_CALL(ctx, check_shape(ctx, m, d));
  if (L->method == RLA_LSQ_DIRECT && is_sparse(L->op))
    RLA_CHECK(ctx, rla_lsq_has_spqr(), RLA_ERR_UNSUPPORTED,
              "the direct method on a sparse operator needs SuiteSparseQR, and this build of rla "
              "has none (configure --with-spqr; Debian: libsuitesparse-dev): use the accurate or "
              "solve method, or a dense operator (rla_op_create_dense)");
  else if (L->method == RLA_LSQ_DIRECT)
    RLA_CHECK(ctx, rla_op_get_dmat(L->op, &A) == RLA_SUCCESS, RLA_ERR_UNSUPPORTED,
              "the direct method (ScaLAPACK PDGELS, or SuiteSparseQR for a sparse operator) needs "
              "the matrix itself, and the operator is of type %s: use the accurate or solve "
              "method, or a dense or sparse operator (rla_op_create_dense, rla_op_create_sparse)",
              rla_op_type_name(L->op));
  if (L->method != RLA_LSQ_DIRECT) {
    RLA_CALL(ctx, sketch_rows(L, m, d, nrhs, &l));
    RLA_CALL(ctx, ensure_sketch(L, l, m));
  }
  RLA_CALL(ctx, rla_op_setup(L->op, nrhs));
  if (!L->pc) err = rla_lsq_precond_create(ctx, &L->pc);
  if (!err && l > 0) err = lsq_factor_plan(ctx, &L->pc->f, d, nrhs);
  if (!err) err = work_reserve(ctx, &L->work, d, nrhs, l);
  if (!err) err = info_reserve(L, nrhs);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  if (L->method == RLA_LSQ_ACCURATE) RLA_CALL(ctx, lsq_refine_plan(L, d, nrhs));
  L->planned = 1;
  L->nrhs_planned = nrhs;
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
  for (int64_t j = 0; j < nrhs; j++) {
    L->residual_norm[j] = L->rhs_norm[j] = L->backward_error[j] = NAN;
    L->backward_error_estimate[j] = L->residual_sketched[j] = NAN;
    L->rhs_iterations[j] = 0;
    L->rhs_converged[j] = 1;
  }
}

/* RLA_ERR_VALUE naming the first NaN or Inf of this rank's rows of B (the one of the lowest
   rank and row-major position over the ranks). Collective. */
static rla_err check_rhs_finite(const lsq_problem *p)
{
  long long first = LLONG_MAX, gfirst;
  int64_t cols = isnan(rla_max_abs(p->b, p->lm, p->nrhs, p->ldb)) ? p->nrhs : 0;
  if (p->B) return rla_dmat_check_finite(p->B, "B");
  for (int64_t j = 0; j < cols; j++)
    for (int64_t i = 0; i < p->lm; i++)
      if (!isfinite(p->b[i + j * p->ldb]) && (p->row0 + i) * p->nrhs + j < first)
        first = (long long)((p->row0 + i) * p->nrhs + j);
  RLA_MPI(p->ctx, MPI_Allreduce(&first, &gfirst, 1, MPI_LONG_LONG, MPI_MIN, rla_ctx_comm(p->ctx)));
  RLA_CHECK(p->ctx, gfirst == LLONG_MAX, RLA_ERR_VALUE,
            "B: non-finite value (NaN or Inf) at row %lld, column %lld (0-based)", gfirst / p->nrhs,
            gfirst % p->nrhs);
  return RLA_SUCCESS;
}

/* The sketch of [A B] holds a NaN or Inf, or too large an entry (lsq_sketch_solve): the error
   names the first non-finite entry of A or B, or, when both are finite, the sizes. Collective. */
static rla_err sketch_out_of_range(const lsq_problem *p, const lsq_factor *F)
{
  rla_ctx ctx = p->ctx;
  double amax, bmax;
  RLA_CALL(ctx, rla_op_check_finite(p->op, "A"));
  RLA_CALL(ctx, check_rhs_finite(p));
  RLA_CALL(ctx, rla_op_norm_max(p->op, &amax));
  bmax = rla_max_abs(p->b, p->lm, p->nrhs, p->ldb);
  RLA_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &bmax, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx)));
  return rla_error_set(ctx, RLA_ERR_VALUE, __func__, __FILE__, __LINE__,
                       "[A B] is too large for the sketching methods, which sum squares of "
                       "their entries: the largest entries are %.3g in A and %.3g in B, and "
                       "%.3g in their sketch, above %.3g = sqrt(DBL_MAX / (4 l (d + nrhs))); "
                       "scale A and B down alike (x does not change)",
                       amax, bmax, F->sketch_max, F->sketch_bound);
}

/* Solve and accurate: the sketch phase, then the refinement or the evaluation. Collective. */
static rla_err solve_sketched(rla_lsq L, const lsq_problem *p, rla_lsq_info *I, lsq_cost *cost)
{
  lsq_factor *F = &L->pc->f;
  int accurate = L->method == RLA_LSQ_ACCURATE;
  double t0;
  I->sketch_block = rla_sketch_get_block_size(L->sketch);
  L->pc->is_setup = 0;
  RLA_CALL(L->ctx, lsq_sketch_solve(L, p, accurate && p->nrhs > LSQ_QR_MAX_RHS, F,
                                    L->residual_sketched, cost, &I->time_sketch, &I->time_factor));
  if (!(F->sketch_max <= F->sketch_bound)) return sketch_out_of_range(p, F);
  L->pc->is_setup = 1;
  I->rank = F->k;
  I->truncated = F->k < p->d;
  I->kappa_sketch = F->kappa;
  I->factorization =
      F->cholesky ? (F->use_svd ? "cholesky+svd" : "cholesky") : (F->use_svd ? "tsqr+svd" : "tsqr");
  t0 = rla_wtime();
  if (accurate) {
    RLA_CALL(L->ctx, lsq_refine(L, p, F, I, cost));
    I->time_iterate = rla_wtime() - t0;
    for (int64_t j = 0; j < p->nrhs; j++)
      I->converged &= L->rhs_converged[j];
  } else {
    RLA_CALL(L->ctx, lsq_evaluate(L, p, I, cost));
    I->time_residual = rla_wtime() - t0;
  }
  return RLA_SUCCESS;
}

/* Direct: PDGELS on the operator's dense matrix, or SuiteSparseQR on its sparse one, then the
   evaluation. Collective. */
static rla_err solve_direct(rla_lsq L, const lsq_problem *p, rla_lsq_info *I, lsq_cost *cost)
{
  rla_dmat A;
  rla_smat S;
  double t0;
  /* the sketching methods find NaN and Inf in their sketch (see sketch_out_of_range) */
  RLA_CALL(L->ctx, rla_op_check_finite(p->op, "A"));
  RLA_CALL(L->ctx, check_rhs_finite(p));
  if (is_sparse(p->op)) {
    RLA_CALL(L->ctx, rla_op_get_smat(p->op, &S));
    I->factorization = "spqr";
    RLA_CALL(L->ctx, lsq_spqr(L, S, p, I));
  } else {
    RLA_CALL(L->ctx, rla_op_get_dmat(p->op, &A));
    I->factorization = "pdgels";
    RLA_CALL(L->ctx, lsq_direct(L, A, p, I, cost));
  }
  t0 = rla_wtime();
  RLA_CALL(L->ctx, lsq_evaluate(L, p, I, cost));
  I->time_residual = rla_wtime() - t0;
  return RLA_SUCCESS;
}

rla_err lsq_broadcast_solution(rla_ctx ctx, double *X, int64_t d, int64_t nrhs, int64_t ldx)
{
  MPI_Datatype cols = MPI_DATATYPE_NULL;
  int rc = MPI_Type_vector((int)nrhs, (int)d, (int)ldx, MPI_DOUBLE, &cols);
  if (rc == MPI_SUCCESS) rc = MPI_Type_commit(&cols);
  if (rc == MPI_SUCCESS) rc = MPI_Bcast(X, 1, cols, 0, rla_ctx_comm(ctx));
  if (cols != MPI_DATATYPE_NULL) MPI_Type_free(&cols);
  RLA_CHECK(ctx, rc == MPI_SUCCESS, RLA_ERR_MPI, "broadcast of the solution failed (MPI error %d)",
            rc);
  return RLA_SUCCESS;
}

/* The solve of p (its operator L->op) once the arguments are checked. Collective. */
static rla_err solve_problem(rla_lsq L, lsq_problem *p, double t_start, rla_lsq_info *info)
{
  rla_ctx ctx = L->ctx;
  rla_lsq_info *I = &L->info;
  lsq_cost cost = {0, 0, 0};
  p->op_may_fail = strcmp(rla_op_type_name(p->op), "dense") != 0;
  if (!L->planned || p->nrhs > L->nrhs_planned)
    RLA_CALL(ctx, lsq_plan(L, p->nrhs > L->nrhs_plan ? p->nrhs : L->nrhs_plan));
  info_start(L, p->m, p->d, p->nrhs, L->method == RLA_LSQ_DIRECT ? 0 : L->sketch_l, I);
  if (L->method == RLA_LSQ_DIRECT)
    RLA_CALL(ctx, solve_direct(L, p, I, &cost));
  else
    RLA_CALL(ctx, solve_sketched(L, p, I, &cost));
  if (L->method != RLA_LSQ_DIRECT && rla_ctx_size(ctx) > 1) {
    RLA_CALL(ctx, lsq_broadcast_solution(ctx, p->x, p->d, p->nrhs, p->ldx));
    cost.reductions++;
  }
  I->passes = cost.passes;
  I->comm_words = cost.words;
  I->comm_reductions = cost.reductions;
  I->time_total = rla_wtime() - t_start;
  L->has_info = 1;
  if (info) *info = *I;
  return RLA_SUCCESS;
}

rla_err rla_lsq_solve_operator(rla_lsq L, int64_t nrhs, const double *B, int64_t ldb, double *X,
                               int64_t ldx, rla_lsq_info *info)
{
  double t_start = rla_wtime();
  rla_ctx ctx;
  lsq_problem p;
  CHECK_SOLVER(L);
  ctx = L->ctx;
  L->has_info = 0;
  RLA_CHECK(ctx, L->user_op, RLA_ERR_ARG,
            "rla_lsq_solve_operator: no operator: call rla_lsq_set_operator (then rla_lsq_setup)");
  RLA_CHECK(ctx, L->is_setup, RLA_ERR_ARG,
            "the least-squares solver is not set up: call rla_lsq_setup before "
            "rla_lsq_solve_operator (and again after changing a setting)");
  memset(&p, 0, sizeof(p));
  p.ctx = ctx;
  p.op = L->user_op;
  p.nrhs = nrhs;
  rla_op_sizes(p.op, &p.m, &p.d);
  rla_op_local_rows(p.op, &p.row0, &p.lm);
  RLA_CHECK(ctx, nrhs > 0, RLA_ERR_SHAPE, "nrhs = %lld: there is nothing to solve",
            (long long)nrhs);
  RLA_CHECK(ctx, X != NULL && ldx >= p.d, RLA_ERR_ARG,
            "rla_lsq_solve_operator: X must not be NULL and its leading dimension %lld at least "
            "the %lld columns of A",
            (long long)ldx, (long long)p.d);
  RLA_CALL(ctx,
           rla_ctx_agree(ctx, B && ldb >= (p.lm > 1 ? p.lm : 1)
                                  ? RLA_SUCCESS
                                  : rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                                                  "B: NULL, or its leading dimension %lld "
                                                  "below this rank's %lld rows",
                                                  (long long)ldb, (long long)p.lm)));
  p.b = B;
  p.ldb = ldb;
  p.x = X;
  p.ldx = ldx;
  if (L->op != L->user_op) {
    L->op = L->user_op;
    L->planned = 0;
  }
  return solve_problem(L, &p, t_start, info);
}

/* The dense operator of A, kept while A and its row split are those it was made for. */
static rla_err dense_operator(rla_lsq L, rla_dmat A)
{
  int64_t m, d, om = -1, od = -1, lm, row0 = rla_dmat_row_offset(A);
  rla_dmat_sizes(A, &m, &d);
  rla_dmat_local(A, NULL, &lm, NULL, NULL);
  if (L->dense_op) rla_op_sizes(L->dense_op, &om, &od);
  if (L->dense_op && L->dense_A == A && om == m && od == d && L->dense_lm == lm &&
      L->dense_row0 == row0) {
    if (L->op != L->dense_op) L->planned = 0;
    L->op = L->dense_op;
    return RLA_SUCCESS;
  }
  rla_op_destroy(&L->dense_op);
  L->dense_A = NULL;
  L->planned = 0;
  RLA_CALL(L->ctx, rla_ctx_agree(L->ctx, rla_op_create_dense(A, &L->dense_op)));
  L->dense_A = A;
  L->dense_lm = lm;
  L->dense_row0 = row0;
  L->op = L->dense_op;
  return RLA_SUCCESS;
}

rla_err rla_lsq_solve(rla_lsq L, rla_dmat A, rla_dmat B, double *X, int64_t ldx, rla_lsq_info *info)
{
  double t_start = rla_wtime(), *b;
  rla_ctx ctx;
  lsq_problem p;
  int64_t ldb;
  CHECK_SOLVER(L);
  ctx = L->ctx;
  L->has_info = 0;
  RLA_CALL(ctx, check_args(L, A, B, X, ldx));
  RLA_CALL(ctx, dense_operator(L, A));
  memset(&p, 0, sizeof(p));
  p.ctx = ctx;
  p.op = L->op;
  rla_dmat_sizes(A, &p.m, &p.d);
  rla_dmat_sizes(B, NULL, &p.nrhs);
  rla_op_local_rows(p.op, &p.row0, &p.lm);
  rla_dmat_local(B, &b, NULL, NULL, &ldb);
  p.b = b;
  p.ldb = ldb > 0 ? ldb : 1;
  p.B = B;
  p.x = X;
  p.ldx = ldx;
  return solve_problem(L, &p, t_start, info);
}
