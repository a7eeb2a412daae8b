/* SPDX-License-Identifier: BSD-3-Clause */
/* Front end of the randomized SVD: parameters, the operator, setup (the plan, plan.c), the
   dense path of rla_svd_compute (the row-block working copy of cyclic input, wrapped in a dense
   operator), the norm and the finiteness check, results and their view.

   The tolerance floor. The blocked QB stops on E = ||A||_F^2 - sum_i ||B_i||_F^2. Each term
   is a sum of squares computed with a relative error of a small multiple of eps, and the loss
   of orthogonality of Q (O(eps) after the re-orthogonalization) perturbs ||B||_F^2 by the same
   order, so the computed E carries an absolute error of c eps ||A||_F^2 with c of order 1 to
   10 in practice. Certifying E <= tol^2 ||A||_F^2 needs that error well below the target:
   tol^2 >= 64 eps keeps it under about 1/6 of tol^2 for c <= 10, which gives the floor
   tol_min = 8 sqrt(eps) = 2^-23 ~ 1.19e-7. Smaller tolerances are raised to it and reported
   (info.clamped); the error estimate of the result has the same floor. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/setting.h"
#include "../dmat/dmat_impl.h"
#include "../dmat/scalapack.h"
#include "svd_impl.h"

#define TOL_MIN 1.1920928955078125e-07 /* 8 sqrt(eps) = 2^-23 */

double rla_svd_tol_min(void) { return TOL_MIN; }

#define CHECK_SVD(S)                                                                               \
  do {                                                                                             \
    if (!(S))                                                                                      \
      return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "NULL rla_svd");       \
  } while (0)

rla_err rla_svd_create(rla_ctx ctx, rla_svd *S)
{
  struct rla_svd_s *s = NULL;
  RLA_CHECK(ctx, S != NULL, RLA_ERR_ARG, "rla_svd_create: the output pointer is NULL");
  *S = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(*s), &s));
  s->ctx = ctx;
  s->p = 10;
  s->q = 2;
  s->block = 32;
  s->type = RLA_SKETCH_SRHT;
  s->type_choice = -1;
  s->seed = 1;
  *S = s;
  return RLA_SUCCESS;
}

/* The results are views of the plan's storage: forgetting them frees nothing. */
static void clear_results(rla_svd S)
{
  S->U = S->V = NULL;
  S->sigma = NULL;
  S->u = NULL;
  S->computed = 0;
}

/* A parameter was changed (err 0): setup must run again. Returns err. */
static rla_err changed(rla_svd S, rla_err err)
{
  if (err) return err;
  S->is_setup = 0;
  S->planned = 0;
  return RLA_SUCCESS;
}

rla_err rla_svd_destroy(rla_svd *S)
{
  if (!S || !*S) return RLA_SUCCESS;
  clear_results(*S);
  rla_svd_plan_destroy(&(*S)->plan);
  rla_free(S);
  return RLA_SUCCESS;
}

rla_err rla_svd_set_operator(rla_svd S, rla_op A)
{
  CHECK_SVD(S);
  RLA_CHECK(S->ctx, A != NULL, RLA_ERR_ARG, "rla_svd_set_operator: the operator is NULL");
  RLA_CHECK(S->ctx, rla_op_ctx(A) == S->ctx, RLA_ERR_ARG,
            "rla_svd_set_operator: the operator belongs to another context than the SVD object");
  S->op = A;
  return changed(S, RLA_SUCCESS);
}

rla_err rla_svd_set_rank(rla_svd S, int64_t k)
{
  CHECK_SVD(S);
  return changed(
      S, RLA_SET(S->ctx, S->k, k, k >= 1, "rank k = %lld: it must be at least 1", (long long)k));
}

rla_err rla_svd_set_tol(rla_svd S, double tol)
{
  CHECK_SVD(S);
  return changed(
      S, RLA_SET(S->ctx, S->tol, tol, tol > 0.0 && tol < 1.0,
                 "tolerance %g: it must lie strictly between 0 and 1 (relative Frobenius error)",
                 tol));
}

rla_err rla_svd_set_oversample(rla_svd S, int64_t p)
{
  CHECK_SVD(S);
  return changed(S, RLA_SET(S->ctx, S->p, p, p >= 0,
                            "oversampling p = %lld: it must be non-negative", (long long)p));
}

rla_err rla_svd_set_power(rla_svd S, int64_t q)
{
  CHECK_SVD(S);
  return changed(S, RLA_SET(S->ctx, S->q, q, q >= 0,
                            "power iterations q = %lld: it must be non-negative", (long long)q));
}

rla_err rla_svd_set_sketch_type(rla_svd S, rla_sketch_type type)
{
  CHECK_SVD(S);
  RLA_CALL(S->ctx, rla_sketch_type_check(S->ctx, type));
  S->type = type;
  S->type_choice = (int)type;
  return changed(S, RLA_SUCCESS);
}

rla_err rla_svd_set_seed(rla_svd S, uint64_t seed)
{
  CHECK_SVD(S);
  S->seed = seed;
  S->planned = 0; /* the sketches of the plan carry the seed */
  return RLA_SUCCESS;
}

rla_err rla_svd_set_block(rla_svd S, int64_t b)
{
  CHECK_SVD(S);
  return changed(S, RLA_SET(S->ctx, S->block, b, b >= 1,
                            "QB block size %lld: it must be at least 1", (long long)b));
}

rla_err rla_svd_set_max_rank(rla_svd S, int64_t kmax)
{
  CHECK_SVD(S);
  return changed(S, RLA_SET(S->ctx, S->kmax, kmax, kmax >= 0,
                            "maximum rank %lld: give a positive cap, or 0 for min(m, n)",
                            (long long)kmax));
}

rla_err rla_svd_setup(rla_svd S)
{
  rla_err err = RLA_SUCCESS;
  CHECK_SVD(S);
  if (S->k > 0 && S->tol > 0.0)
    err = rla_error_set(S->ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                        "both a rank (%lld) and a tolerance (%g) are set: set one of them",
                        (long long)S->k, S->tol);
  else if (S->k == 0 && S->tol == 0.0)
    err = rla_error_set(S->ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                        "neither a rank nor a tolerance is set: call rla_svd_set_rank or "
                        "rla_svd_set_tol before rla_svd_setup");
  err = rla_ctx_agree(S->ctx, err);
  if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  S->is_setup = 1;
  /* unless one was set: the operator's own sketch (sparse sign for a sparse A), else the SRHT */
  if (S->type_choice < 0) S->type = S->op ? S->op->sketch_default : RLA_SKETCH_SRHT;
  if (!S->op) return RLA_SUCCESS;
  S->planned = 0;
  clear_results(S);
  RLA_CALL(S->ctx, rla_svd_plan_create(S, S->op));
  S->planned = 1;
  return RLA_SUCCESS;
}

/* Checks of compute on one rank, before the agreement. */
static rla_err compute_args(rla_svd S, rla_dmat A)
{
  int64_t m, n;
  RLA_CHECK(S->ctx, A != NULL, RLA_ERR_ARG, "rla_svd_compute: the matrix is NULL");
  RLA_CHECK(S->ctx, rla_dmat_ctx(A) == S->ctx, RLA_ERR_ARG,
            "rla_svd_compute: the matrix belongs to another context than the SVD object");
  RLA_CHECK(S->ctx, S->is_setup, RLA_ERR_ARG,
            "rla_svd_compute called before rla_svd_setup (or after a parameter changed)");
  rla_dmat_sizes(A, &m, &n);
  RLA_CHECK(S->ctx, m >= 1 && n >= 1, RLA_ERR_SHAPE, "the matrix is empty (%lld x %lld)",
            (long long)m, (long long)n);
  RLA_CHECK(S->ctx, S->k <= (m < n ? m : n), RLA_ERR_ARG,
            "rank k = %lld exceeds min(m, n) = %lld of the %lld x %lld matrix", (long long)S->k,
            (long long)(m < n ? m : n), (long long)m, (long long)n);
  return RLA_SUCCESS;
}

/* A^T (n x m) in row-block layout from any A: pdgemr2d into a 1 x P column-block copy of A,
   whose local m x (columns) array, transposed, is this rank's row block of A^T. */
static rla_err transpose_rowblock(rla_dmat A, rla_dmat *At)
{
  rla_ctx ctx = A->ctx;
  int p = rla_ctx_size(ctx), ictxt_col, ictxt_all, nprow, npcol, myrow, mycol, info = 0;
  int im = (int)A->m, in = (int)A->n, zero = 0, one = 1, desc[9];
  int64_t nb = (A->n + p - 1) / p, lnc;
  int inb = (int)nb, imb = im > 1 ? im : 1, lld = imb;
  double *buf = NULL;
  rla_err err;

  RLA_CALL(ctx, rla_ctx_grid(ctx, 1, p, &ictxt_col));
  RLA_CALL(ctx, rla_ctx_grid(ctx, p, 1, &ictxt_all));
  Cblacs_gridinfo(ictxt_col, &nprow, &npcol, &myrow, &mycol);
  descinit_(desc, &im, &in, &imb, &inb, &zero, &zero, &ictxt_col, &lld, &info);
  RLA_CHECK(ctx, info == 0, RLA_ERR_INTERNAL, "descinit failed (info %d)", info);
  lnc = numroc_(&in, &inb, &mycol, &zero, &p);
  err = rla_calloc(ctx, (size_t)lld * (size_t)(lnc > 1 ? lnc : 1), sizeof(double), &buf);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, A->n, A->m, nb, At));
  RLA_CHECK_GOTO(ctx, err, done, (*At)->lm == lnc, RLA_ERR_INTERNAL,
                 "column blocks (%lld) and row blocks (%lld) of A^T differ", (long long)lnc,
                 (long long)(*At)->lm);
  pdgemr2d_(&im, &in, A->a, &one, &one, A->desc, buf, &one, &one, desc, &ictxt_all);
  for (int64_t j = 0; j < A->m; j++)
    for (int64_t i = 0; i < lnc; i++)
      (*At)->a[i + j * (*At)->lld] = buf[j + i * lld];
done:
  rla_free(&buf);
  if (err) rla_dmat_destroy(At);
  return err;
}

/* The row-block matrix the algorithm works on: A itself, or a copy of A or A^T. */
static rla_err working_matrix(rla_svd S, rla_dmat A, rla_dmat *W)
{
  double t = rla_wtime();
  *W = A;
  if (A->layout == RLA_DMAT_ROWBLOCK) return RLA_SUCCESS;
  *W = NULL;
  if (A->m >= A->n) {
    RLA_CALL(S->ctx, rla_dmat_create_rowblock(S->ctx, A->m, A->n, 0, W));
    RLA_CALL(S->ctx, rla_dmat_redistribute(A, *W));
  } else {
    RLA_CALL(S->ctx, transpose_rowblock(A, W));
    S->info.transposed = 1;
  }
  S->info.comm_words += A->m * A->n;
  S->info.time_redistribute = rla_wtime() - t;
  return RLA_SUCCESS;
}

/* ||A||_F of the planned operator from its squared column norms (compensated sum, the same
   on every rank); fails on NaN or Inf, naming the entry of A (given: the matrix of
   rla_svd_compute) or of a dense operator. */
static rla_err norm_checked(rla_svd S, rla_dmat A)
{
  struct rla_svd_plan *P = &S->plan;
  double nrm;
  RLA_CALL(S->ctx, rla_svd_norm_fro_sq(P->op, P->colsq, &nrm));
  nrm = sqrt(nrm);
  if (!isfinite(nrm)) {
    if (A)
      RLA_CALL(S->ctx, rla_dmat_check_finite(A, "the matrix given to rla_svd_compute"));
    else
      RLA_CALL(S->ctx, rla_op_check_finite(P->op, "the operator given to rla_svd_set_operator"));
    RLA_CHECK(S->ctx, !isnan(nrm), RLA_ERR_VALUE,
              "||A||_F is NaN: the operator's products give NaN (check the callbacks)");
    RLA_CHECK(S->ctx, 0, RLA_ERR_VALUE, "||A||_F overflows: scale the matrix");
  }
  S->info.norm_fro = nrm;
  return RLA_SUCCESS;
}

/* Times as the maximum over the ranks, so that the info is the same everywhere. */
static rla_err agree_times(rla_svd S)
{
  double t[6] = {S->info.time_redistribute, S->info.time_sketch,    S->info.time_power,
                 S->info.time_qb,           S->info.time_small_svd, S->info.time_total};
  RLA_MPI(S->ctx, MPI_Allreduce(MPI_IN_PLACE, t, 6, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(S->ctx)));
  S->info.time_redistribute = t[0];
  S->info.time_sketch = t[1];
  S->info.time_power = t[2];
  S->info.time_qb = t[3];
  S->info.time_small_svd = t[4];
  S->info.time_total = t[5];
  return RLA_SUCCESS;
}

static void start_info(rla_svd S, int64_t m, int64_t n)
{
  rla_svd_info *info = &S->info;
  memset(info, 0, sizeof(*info));
  info->m = m;
  info->n = n;
  info->oversample = S->p;
  info->power_iters = S->q;
  info->tolerance_mode = S->tol > 0.0;
  info->tol_requested = S->tol;
  info->tol = S->tol > 0.0 && S->tol < TOL_MIN ? TOL_MIN : S->tol;
  info->clamped = S->tol > 0.0 && S->tol < TOL_MIN;
  info->sketch = S->type;
  info->seed = S->seed;
}

static void progress(rla_svd S)
{
  const rla_svd_info *i = &S->info;
  if (S->tol > 0.0)
    rla_ctx_progress(S->ctx, "rla_svd: %lld x %lld, tolerance %.3g%s, q = %lld, QB blocks of %lld",
                     (long long)i->m, (long long)i->n, i->tol,
                     i->clamped ? " (raised to the certifiable floor)" : "", (long long)S->q,
                     (long long)S->block);
  else
    rla_ctx_progress(S->ctx, "rla_svd: %lld x %lld, rank %lld, p = %lld, q = %lld", (long long)i->m,
                     (long long)i->n, (long long)S->k, (long long)S->p, (long long)S->q);
}

/* The run on the planned operator and its results: sigma, U and V in the user's orientation
   (swapped when the work ran on A^T), their orthogonality, the times. A: the matrix of
   rla_svd_compute, or NULL. Allocates nothing. Collective. */
static rla_err run_planned(rla_svd S, rla_dmat A, double t0)
{
  struct rla_svd_plan *P = &S->plan;
  rla_svd_info *info = &S->info;
  double lu, lv, *v;
  int64_t lldv;
  RLA_CALL(S->ctx, norm_checked(S, A));
  progress(S);
  RLA_CALL(S->ctx, rla_svd_run(S));
  info->block_size = info->tolerance_mode ? S->block : info->basis_size;
  rla_svd_plan_set_rank(P, info->rank);
  rla_dmat_local(P->V, &v, NULL, NULL, &lldv);
  RLA_CALL(S->ctx,
           rla_svd_orth_loss_local(S->ctx, info->rank, P->w.lm, P->u, P->ldu, P->gram, &lu));
  RLA_CALL(S->ctx, rla_svd_orth_loss_local(S->ctx, info->rank, P->w.ln, v, lldv, P->gram, &lv));
  info->orth_loss_u = info->transposed ? lv : lu;
  info->orth_loss_v = info->transposed ? lu : lv;
  S->U = info->transposed ? P->V : P->U;
  S->V = info->transposed ? P->U : P->V;
  S->sigma = P->sigma;
  if (S->U) {
    double *u;
    rla_dmat_local(S->U, &u, &S->lmu, NULL, &S->ldu);
    S->u = u;
  } else {
    S->u = P->u;
    S->ldu = P->ldu;
    S->lmu = P->w.lm;
  }
  info->time_total = rla_wtime() - t0;
  RLA_CALL(S->ctx, agree_times(S));
  S->computed = 1;
  return RLA_SUCCESS;
}

rla_err rla_svd_compute(rla_svd S, rla_dmat A)
{
  rla_ctx ctx;
  rla_dmat W = NULL;
  rla_op op = NULL;
  double t = rla_wtime();
  rla_err err;

  CHECK_SVD(S);
  ctx = S->ctx;
  err = rla_ctx_agree(ctx, compute_args(S, A));
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  clear_results(S);
  S->planned = 0; /* the plan becomes that of A: set up again for the operator */
  start_info(S, A->m, A->n);
  RLA_CALL_GOTO(ctx, err, done, working_matrix(S, A, &W));
  err = rla_ctx_agree(ctx, rla_op_create_dense(W, &op));
  if (!err) err = rla_svd_plan_create(S, op);
  if (!err) err = run_planned(S, A, t);
done:
  S->plan.op = NULL; /* the results stay in the plan's storage; the operator goes */
  S->plan.w.op = NULL;
  rla_op_destroy(&op);
  if (W != A) rla_dmat_destroy(&W);
  if (err) clear_results(S);
  return err;
}

/* Checks of compute_operator on one rank, before the agreement. */
static rla_err compute_operator_args(rla_svd S)
{
  RLA_CHECK(S->ctx, S->op != NULL, RLA_ERR_ARG,
            "rla_svd_compute_operator: no operator: call rla_svd_set_operator first");
  RLA_CHECK(S->ctx, S->is_setup && S->planned, RLA_ERR_ARG,
            "rla_svd_compute_operator called before rla_svd_setup (or after a parameter, the "
            "operator or a compute of a matrix changed the setup)");
  return RLA_SUCCESS;
}

rla_err rla_svd_compute_operator(rla_svd S)
{
  double t = rla_wtime();
  rla_err err;
  CHECK_SVD(S);
  err = rla_ctx_agree(S->ctx, compute_operator_args(S));
  if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  clear_results(S);
  start_info(S, S->plan.w.m, S->plan.w.n);
  err = run_planned(S, NULL, t);
  if (err) clear_results(S);
  return err;
}

#define CHECK_COMPUTED(S)                                                                          \
  do {                                                                                             \
    CHECK_SVD(S);                                                                                  \
    RLA_CHECK((S)->ctx, (S)->computed, RLA_ERR_ARG,                                                \
              "no results: rla_svd_compute has not succeeded on this object");                     \
  } while (0)

rla_err rla_svd_get_info(rla_svd S, rla_svd_info *info)
{
  CHECK_COMPUTED(S);
  RLA_CHECK(S->ctx, info != NULL, RLA_ERR_ARG, "rla_svd_get_info: info is NULL");
  *info = S->info;
  return RLA_SUCCESS;
}

rla_err rla_svd_get_sigma(rla_svd S, const double **sigma, int64_t *k)
{
  CHECK_COMPUTED(S);
  if (sigma) *sigma = S->sigma;
  if (k) *k = S->info.rank;
  return RLA_SUCCESS;
}

rla_err rla_svd_get_u(rla_svd S, rla_dmat *U)
{
  CHECK_COMPUTED(S);
  RLA_CHECK(S->ctx, U != NULL, RLA_ERR_ARG, "rla_svd_get_u: the output pointer is NULL");
  RLA_CHECK(S->ctx, S->U != NULL, RLA_ERR_UNSUPPORTED,
            "rla_svd_get_u: U of a matrix-free operator has the operator's rows, not a row-block "
            "matrix: use rla_svd_get_u_local");
  *U = S->U;
  return RLA_SUCCESS;
}

rla_err rla_svd_get_u_local(rla_svd S, const double **u, int64_t *ldu, int64_t *lm, int64_t *k)
{
  CHECK_COMPUTED(S);
  if (u) *u = S->u;
  if (ldu) *ldu = S->ldu;
  if (lm) *lm = S->lmu;
  if (k) *k = S->info.rank;
  return RLA_SUCCESS;
}

rla_err rla_svd_get_v(rla_svd S, rla_dmat *V)
{
  CHECK_COMPUTED(S);
  RLA_CHECK(S->ctx, V != NULL, RLA_ERR_ARG, "rla_svd_get_v: the output pointer is NULL");
  *V = S->V;
  return RLA_SUCCESS;
}

rla_err rla_svd_view(rla_svd S, FILE *out)
{
  const rla_svd_info *i = &S->info;
  CHECK_SVD(S);
  if (rla_ctx_rank(S->ctx) != 0) return RLA_SUCCESS;
  if (S->tol > 0.0 && S->kmax > 0)
    fprintf(out, "rla_svd: tolerance %g, QB block %lld, max rank %lld", S->tol, (long long)S->block,
            (long long)S->kmax);
  else if (S->tol > 0.0)
    fprintf(out, "rla_svd: tolerance %g, QB block %lld", S->tol, (long long)S->block);
  else
    fprintf(out, "rla_svd: rank %lld, oversampling %lld", (long long)S->k, (long long)S->p);
  fprintf(out, ", power iterations %lld, sketch %s, seed %llu\n", (long long)S->q,
          rla_sketch_type_name(S->type), (unsigned long long)S->seed);
  if (!S->computed) return RLA_SUCCESS;
  fprintf(out, "  A: %lld x %lld, ||A||_F = %.6e%s\n", (long long)i->m, (long long)i->n,
          i->norm_fro, i->transposed ? ", worked on A^T" : "");
  fprintf(out, "  rank %lld, basis %lld columns in %lld block(s)\n", (long long)i->rank,
          (long long)i->basis_size, (long long)i->blocks);
  if (i->tolerance_mode)
    fprintf(out, "  tolerance %.3e%s: %s\n", i->tol,
            i->clamped ? " (raised from the requested value: the floor of the certificate)" : "",
            i->tol_met ? "met" : "NOT met within the maximum rank");
  fprintf(out, "  error estimate ||A - U S V^T||_F / ||A||_F = %.3e, sigma_{k+1}(B) = %.3e\n",
          i->error_estimate, i->sigma_next);
  fprintf(out, "  orthogonality loss: U %.2e, V %.2e; guarded QR: %d shifted, %d TSQR\n",
          i->orth_loss_u, i->orth_loss_v, i->qr_shifted, i->qr_tsqr);
  fprintf(out,
          "  times (s): redistribute %.3f, sketch %.3f, power %.3f, QB %.3f, small SVD %.3f, "
          "total %.3f; communicated %lld words\n",
          i->time_redistribute, i->time_sketch, i->time_power, i->time_qb, i->time_small_svd,
          i->time_total, (long long)i->comm_words);
  return RLA_SUCCESS;
}
