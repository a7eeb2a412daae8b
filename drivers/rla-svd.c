/* SPDX-License-Identifier: BSD-3-Clause */
/* rla-svd: distributed randomized SVD of a matrix file at a fixed rank (-k) or to a relative
   Frobenius tolerance (--tol); writes U, S and V atomically, measures the accuracy of what it
   returns (residual, orthogonality, and the error against known singular values when given),
   prints PASSED/FAILED lines and a JSON report. A sparse file (Matrix Market coordinate, PETSc
   AIJ) stays sparse unless --dense: the SVD and its measures then reach A through products with
   its CSR rows alone (memory O(nnz / P + l n) per rank), and U, S, V are written dense as ever.
   usage: mpirun -np P rla-svd -A A.npy (-k K | --tol T) [options] [deck] */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "driver.h"
#include "rla/svd.h"

#define PROG "rla-svd"

/* the driver's own options; the SVD's (-k, tol, oversample, power, sketch, seed, block,
   max-rank) are read by rla_svd_set_from_options */
static const rla_option_spec specs[] = {
    {"A", "A", RLA_OPT_STRING, NULL, NULL, 1, 0,
     "input: the m x n matrix (.npy, .mtx, .petsc; a sparse file takes the sparse path)"},
    {"U", "U", RLA_OPT_STRING, NULL, NULL, 1, 0, "output: left singular vectors (m x k)"},
    {"S", "S", RLA_OPT_STRING, NULL, NULL, 1, 0, "output: singular values (k-vector)"},
    {"V", "V", RLA_OPT_STRING, NULL, NULL, 1, 0, "output: right singular vectors (n x k)"},
    {"sigma-exact", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,
     "input: the exact singular values, to report the error of the computed ones"},
    {"verify", NULL, RLA_OPT_FLAG, "true", NULL, 1, 0,
     "measure ||A - U S V^T|| (Frobenius: exactly on the dense path, from norms and traces with "
     "a reported floor on the sparse one; 2-norm by power steps; triplet residuals): a few more "
     "passes over A"},
    {"dense", NULL, RLA_OPT_FLAG, "false", NULL, 1, 0,
     "read a sparse A (Matrix Market coordinate, PETSc AIJ) into a dense matrix; without it a "
     "sparse A stays sparse (CSR rows, O(nnz) products and sketches, no dense m x n anywhere) "
     "unless it stores more than a quarter of its entries"},
    RLA_DRIVER_BATCH_OPTIONS,
    RLA_DRIVER_COMMON_OPTIONS};
#define NSPECS ((int)(sizeof(specs) / sizeof(specs[0])))

static const rla_driver_batch batch = {
    1, {"A"}, "A.npy", 3, {{"S", "S.npy"}, {"U", NULL}, {"V", NULL}}};

struct run {
  rla_ctx ctx;
  rla_options opts;
  rla_report rep;
  rla_driver_outputs outs;
  rla_dmat A;  /* A on the dense path */
  rla_smat As; /* A on the sparse path (A is then NULL) */
  rla_op op;   /* As's operator, or A's for the measures */
  rla_dmat Uw; /* U as a row-block matrix on the sparse path, for writing */
  rla_svd S;
  double residual_2; /* ||A - U S V^T||_2 estimate, NaN when not measured */
  rla_io_probe_info probe; /* A's header */
};

/* the SVD's options, read on an object made for the purpose (--help, the checks and the echo
   before any work) */
static rla_err objects(rla_ctx ctx, rla_options opts)
{
  rla_svd S = NULL;
  rla_err err = rla_svd_create(ctx, &S);
  if (!err) err = rla_svd_set_from_options(S, opts, NULL);
  rla_svd_destroy(&S);
  return err;
}

static rla_err configure(struct run *r)
{
  rla_ctx ctx = r->ctx;
  double tol;
  int has_k, has_tol;

  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_svd_create(ctx, &r->S)));
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_svd_set_from_options(r->S, r->opts, NULL)));
  has_k = rla_options_given(r->opts, "k");
  has_tol = rla_options_given(r->opts, "tol");
  RLA_CHECK(ctx, has_k != has_tol, RLA_ERR_ARG,
            has_k ? "give either -k (fixed rank) or --tol (tolerance), not both"
                  : "give -k K (fixed rank) or --tol T (tolerance)");
  if (has_tol) {
    RLA_CALL(ctx, rla_options_get_real(r->opts, "tol", &tol));
    if (tol < rla_svd_tol_min() && rla_ctx_rank(ctx) == 0)
      printf("note: --tol %.3g is below %.3g, the smallest tolerance the energy identity "
             "||A - QB||_F^2 = ||A||_F^2 - ||B||_F^2 can certify in double precision; using "
             "%.3g\n",
             tol, rla_svd_tol_min(), rla_svd_tol_min());
  }
  RLA_CALL(ctx, rla_svd_setup(r->S));
  return RLA_SUCCESS;
}

/* the k singular values as a row-block k x 1 matrix, for writing */
static rla_err sigma_dmat(rla_ctx ctx, int64_t k, const double *sigma, rla_dmat *out)
{
  double *a;
  int64_t lm;
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, k, 1, 0, out));
  rla_dmat_local(*out, &a, &lm, NULL, NULL);
  for (int64_t i = 0; i < lm; i++)
    a[i] = sigma[rla_dmat_global_row(*out, i)];
  return RLA_SUCCESS;
}

/* compare with known singular values: the largest relative error, and the largest excess
   max_i (sigma_i - true_i) / true_0 (Ritz values never exceed the true ones in exact
   arithmetic) */
static rla_err exact_sigma(struct run *r, const char *path, int64_t k, const double *sigma)
{
  rla_ctx ctx = r->ctx;
  rla_dmat T = NULL;
  int64_t tm, tn;
  double *t = NULL, excess = 0.0;
  rla_err err = RLA_SUCCESS;
  RLA_CALL(ctx, rla_io_read(ctx, path, RLA_FORMAT_AUTO, 0, &T));
  rla_dmat_sizes(T, &tm, &tn);
  RLA_CHECK_GOTO(ctx, err, done, tn == 1 && tm >= k, RLA_ERR_SHAPE,
                 "%s: the exact singular values are %lld x %lld; expected a vector of at least "
                 "%lld",
                 path, (long long)tm, (long long)tn, (long long)k);
  RLA_CALL_GOTO(ctx, err, done,
                rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)tm, sizeof(double), &t)));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_gather(T, -1, t));
  for (int64_t i = 0; i < k; i++)
    excess = fmax(excess, (sigma[i] - t[i]) / t[0]);
  rla_report_set_real(r->rep, "sigma_error_max", rla_svd_sigma_error_max(k, sigma, t));
  rla_report_set_real(r->rep, "sigma_exact_next", tm > k ? t[k] : 0.0);
  if (tm > k && t[k] > 0 && !isnan(r->residual_2))
    rla_report_set_real(r->rep, "residual_2_over_sigma_next", r->residual_2 / t[k]);
  if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1)
    printf("against %s: max_i |sigma_i - true_i| / true_i = %.3e\n", path,
           rla_svd_sigma_error_max(k, sigma, t));
  /* Rayleigh-Ritz values do not exceed the true ones; the computed B = Q^T A carries
     rounding of order k eps ||A||, so an excess above 16 k eps sigma_1 is an error */
  rla_report_check(r->rep, stdout,
                   "no singular value above the true one: max (s_i - true_i) / (k eps true_0)",
                   excess / ((double)k * RLA_EPS), 16.0);
done:
  free(t);
  rla_dmat_destroy(&T);
  return err;
}

/* the sizes of A (*m x *n) against -k, and of --sigma-exact (path pe, or NULL): a bad input
   fails now, not after the SVD */
static rla_err check_inputs(struct run *r, const char *pA, const char *pe, int64_t *mp, int64_t *np)
{
  rla_ctx ctx = r->ctx;
  int64_t k = 0, m, n;
  RLA_CALL(ctx, rla_io_probe(ctx, pA, RLA_FORMAT_AUTO, &r->probe));
  m = r->probe.m;
  n = r->probe.n;
  RLA_CHECK(ctx, m > 0 && n > 0, RLA_ERR_SHAPE, "%s: A is %lld x %lld: it needs rows and columns",
            pA, (long long)m, (long long)n);
  if (rla_options_has(r->opts, "k")) {
    RLA_CALL(ctx, rla_options_get_int(r->opts, "k", &k));
    RLA_CHECK(ctx, k <= (m < n ? m : n), RLA_ERR_ARG,
              "-k %lld exceeds min(m, n) = %lld for %s (%lld x %lld)", (long long)k,
              (long long)(m < n ? m : n), pA, (long long)m, (long long)n);
  }
  if (pe) {
    int64_t tm, tn;
    RLA_CALL(ctx, rla_io_read_sizes(ctx, pe, RLA_FORMAT_AUTO, &tm, &tn));
    RLA_CHECK(ctx, tn == 1, RLA_ERR_SHAPE,
              "%s: the exact singular values are %lld x %lld; expected a vector", pe, (long long)tm,
              (long long)tn);
    RLA_CHECK(ctx, !rla_options_has(r->opts, "k") || tm >= k, RLA_ERR_SHAPE,
              "%s: the exact singular values are %lld x 1; expected a vector of at least %lld", pe,
              (long long)tm, (long long)k);
  }
  *mp = m;
  *np = n;
  return RLA_SUCCESS;
}

/* what the run measured beside the SVD's own information */
struct measured {
  double t_read, t_write, t_verify;
  double t_setup; /* the plan of the sparse path's operator (rla_svd_setup); NAN on the dense
                     path, whose rla_svd_compute plans within time_svd */
  double res_fro, res_2, trip_max; /* NAN, NAN, 0 without --verify */
  double fro_floor;                /* absolute accuracy of res_fro: 0 when measured exactly */
  int verify;
};

/* A (m x n) from path: sparse (CSR rows and their operator) or dense, as
   rla_driver_matrix_path decides; the path taken into the report */
static rla_err read_matrix(struct run *r, const char *path, int64_t m, int64_t n)
{
  rla_ctx ctx = r->ctx;
  int sparse, dense;
  RLA_CALL(ctx, rla_driver_matrix_path(ctx, PROG, r->opts, path, &r->probe, &dense));
  sparse = r->probe.sparse && !dense;
  rla_ctx_progress(ctx, PROG ": reading A (%lld x %lld, %s)", (long long)m, (long long)n,
                   sparse ? "sparse" : "dense");
  rla_report_set_string(r->rep, "path", sparse ? "sparse" : "dense");
  rla_report_set_string(r->rep, "dtype_A", r->probe.dtype); /* stored type, read as float64 */
  if (!sparse) {
    if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1) printf("path: dense\n");
    return rla_io_read(ctx, path, RLA_FORMAT_AUTO, 0, &r->A);
  }
  /* the sparse reader's rows are those of the dense reader's default split, ceil(m / P) */
  RLA_CALL(ctx, rla_io_read_sparse(ctx, path, RLA_FORMAT_AUTO, &r->As));
  rla_report_set_int(r->rep, "nnz", rla_smat_nnz(r->As));
  if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1)
    printf("path: sparse, %lld nonzeros (CSR rows; no dense m x n matrix is formed)\n",
           (long long)rla_smat_nnz(r->As));
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_op_create_sparse(r->As, &r->op)));
  return RLA_SUCCESS;
}

/* the SVD of A: of the matrix on the dense path; on the sparse path of its operator, set on
   the SVD, planned (the time into *t_setup) and computed, and U copied into a row-block matrix
   (the operator's split is the row-block default, ceil(m / P)) when it is to be written (want_u;
   else *U is NULL) */
static rla_err compute(struct run *r, int want_u, rla_dmat *U, double *t_setup)
{
  rla_ctx ctx = r->ctx;
  const double *u;
  double *a;
  int64_t m, k, ldu, lm, lmw, lld;
  if (r->A) {
    RLA_CALL(ctx, rla_svd_compute(r->S, r->A));
    return rla_svd_get_u(r->S, U);
  }
  RLA_CALL(ctx, rla_svd_set_operator(r->S, r->op));
  *t_setup = rla_wtime();
  RLA_CALL(ctx, rla_svd_setup(r->S));
  *t_setup = rla_wtime() - *t_setup;
  RLA_CALL(ctx, rla_svd_compute_operator(r->S));
  *U = NULL;
  if (!want_u) return RLA_SUCCESS;
  RLA_CALL(ctx, rla_svd_get_u_local(r->S, &u, &ldu, &lm, &k));
  rla_op_sizes(r->op, &m, NULL);
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, m, k, 0, &r->Uw));
  rla_dmat_local(r->Uw, &a, &lmw, NULL, &lld);
  RLA_CHECK(ctx, lmw == lm, RLA_ERR_INTERNAL,
            "U's rows (%lld on this rank) are not the row-block split's (%lld)", (long long)lm,
            (long long)lmw);
  for (int64_t j = 0; j < k && lm > 0; j++)
    memcpy(a + j * lld, u + j * ldu, sizeof(double) * (size_t)lm);
  *U = r->Uw;
  return RLA_SUCCESS;
}

/* the measures of --verify, through A's operator (E = A - U S V^T never formed): the Frobenius
   residual (on the dense path exactly, from E a panel of rows at a time; on the sparse path
   from norms and traces, with its floor), the 2-norm by 20 power steps and the triplet
   residuals on both sides */
static rla_err verify(struct run *r, int64_t k, const double *sigma, rla_dmat U, rla_dmat V,
                      uint64_t seed, struct measured *ms)
{
  rla_ctx ctx = r->ctx;
  const double *u;
  double *trip = NULL;
  int64_t ldu;
  rla_err err = RLA_SUCCESS;
  if (!r->op) RLA_CALL(ctx, rla_ctx_agree(ctx, rla_op_create_dense(r->A, &r->op)));
  RLA_CALL(ctx, rla_svd_get_u_local(r->S, &u, &ldu, NULL, NULL));
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)(2 * k), sizeof(double), &trip)));
  if (r->A)
    RLA_CALL_GOTO(ctx, err, done, rla_svd_residual_norm_fro(r->A, k, sigma, U, V, &ms->res_fro));
  else
    RLA_CALL_GOTO(ctx, err, done,
                  rla_svd_residual_norm_fro_operator(r->op, k, sigma, u, ldu, V, &ms->res_fro,
                                                     &ms->fro_floor));
  RLA_CALL_GOTO(ctx, err, done,
                rla_svd_residual_norm2_estimate_operator(r->op, k, sigma, u, ldu, V, 20, seed + 1,
                                                         &ms->res_2));
  RLA_CALL_GOTO(ctx, err, done,
                rla_svd_triplet_residuals_operator(r->op, k, sigma, u, ldu, V, trip, trip + k));
  for (int64_t i = 0; i < 2 * k; i++)
    ms->trip_max = fmax(ms->trip_max, trip[i]);
  r->residual_2 = ms->res_2;
done:
  free(trip);
  return err;
}

/* the run's results, times and parameters into the report: the computation's
   (rla_svd_info_report) and the driver's measurements and times */
static void report_results(struct run *r, const rla_svd_info *in, int64_t k, const double *sigma,
                           const struct measured *ms)
{
  rla_report rep = r->rep;
  rla_svd_info_report(in, sigma, rep);
  rla_report_set_int(rep, "rank", k);
  rla_report_set_int(rep, "nprocs", rla_ctx_size(r->ctx));
  rla_report_set_real(rep, "residual_fro_relative", ms->verify ? ms->res_fro / in->norm_fro : NAN);
  rla_report_set_real(rep, "residual_2_estimate", ms->res_2);
  rla_report_set_real(rep, "residual_fro_relative_floor",
                      ms->verify ? ms->fro_floor / in->norm_fro : NAN);
  rla_report_set_real(rep, "triplet_residual_max", ms->verify ? ms->trip_max : NAN);
  rla_report_set_real(rep, "triplet_residual_relative", ms->verify ? ms->trip_max / sigma[0] : NAN);
  rla_report_set_real(rep, "time_read", ms->t_read);
  rla_report_set_real(rep, "time_setup", ms->t_setup);
  rla_report_set_real(rep, "time_verify", ms->t_verify);
  rla_report_set_real(rep, "time_write", ms->t_write);
}

/* the summary on stdout (rank 0, verbosity >= 1) and the checks of the results */
static void print_and_check(struct run *r, const rla_svd_info *in, int64_t k, const double *sigma,
                            const struct measured *ms)
{
  rla_ctx ctx = r->ctx;
  if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1) {
    printf("%s mode: m = %lld, n = %lld, rank %lld, basis %lld, q = %lld, sketch %s, %d ranks\n",
           in->tolerance_mode ? "tolerance" : "fixed-rank", (long long)in->m, (long long)in->n,
           (long long)k, (long long)in->basis_size, (long long)in->power_iters,
           rla_sketch_type_name(in->sketch), rla_ctx_size(ctx));
    printf("sigma_1 = %.6e, sigma_k = %.6e, sigma_{k+1} >= %.3e\n", sigma[0], sigma[k - 1],
           in->sigma_next);
    printf("error estimate ||A - U S V^T||_F / ||A||_F = %.3e", in->error_estimate);
    if (ms->verify)
      printf(", measured %.3e (floor %.1e); ||A - U S V^T||_2 >= %.3e (%.3f sigma_{k+1} bound); "
             "triplet residuals <= %.2e sigma_1",
             ms->res_fro / in->norm_fro, ms->fro_floor / in->norm_fro, ms->res_2,
             in->sigma_next > 0 ? ms->res_2 / in->sigma_next : 0.0, ms->trip_max / sigma[0]);
    printf("\ntime %.3f s (read %.3f s)\n", in->time_total, ms->t_read);
  }
  /* CholeskyQR2 and Householder QR leave ||Q^T Q - I|| = O(l eps) (Yamamoto et al. 2015);
     16 is HPL's threshold for such scaled quantities */
  rla_report_check(r->rep, stdout, "orthonormal U and V: max |(Q^T Q - I)_ij| / (basis eps)",
                   fmax(in->orth_loss_u, in->orth_loss_v) / ((double)in->basis_size * RLA_EPS),
                   16.0);
  if (in->tolerance_mode)
    rla_report_check(r->rep, stdout, "certified error estimate <= tol", in->error_estimate,
                     in->tol);
  if (ms->verify) {
    /* the estimate sqrt(||A||^2 - ||B||^2)/||A|| carries an absolute error of about
       c eps / estimate (cancellation), at most 8 sqrt(eps) for c <= 64: the same bound
       rla_svd_tol_min() uses; the sparse path's measure, from norms and traces, has a floor of
       the same kind (fro_floor; 0 on the dense path, which forms E) */
    double fl = ms->fro_floor / in->norm_fro;
    rla_report_check(r->rep, stdout,
                     "measured Frobenius error agrees with the estimate: |measured - estimate|",
                     fabs(ms->res_fro / in->norm_fro - in->error_estimate), rla_svd_tol_min() + fl);
    if (in->tolerance_mode)
      rla_report_check(r->rep, stdout,
                       "measured ||A - U S V^T||_F / ||A||_F <= tol + 8 sqrt(eps) + floor",
                       ms->res_fro / in->norm_fro, in->tol + rla_svd_tol_min() + fl);
  }
}

static rla_err run(struct run *r)
{
  rla_ctx ctx = r->ctx;
  rla_svd_info in;
  rla_dmat U, V, Sd = NULL;
  const double *sigma;
  const char *pA, *pe = NULL, *pU, *pS, *pV, *tU, *tS, *tV;
  rla_format fU = RLA_FORMAT_NPY, fS = RLA_FORMAT_NPY, fV = RLA_FORMAT_NPY;
  int64_t k, m = 0, n = 0;
  struct measured ms = {0.0, 0.0, 0.0, NAN, NAN, NAN, 0.0, 0.0, 0};
  rla_err err = RLA_SUCCESS;

  RLA_CALL(ctx, rla_options_get_string(r->opts, "A", &pA));
  RLA_CALL(ctx, rla_options_get_flag(r->opts, "verify", &ms.verify));
  if (rla_options_has(r->opts, "sigma-exact"))
    RLA_CALL(ctx, rla_options_get_string(r->opts, "sigma-exact", &pe));
  RLA_CALL(ctx,
           rla_driver_outputs_add_option(r->outs, r->opts, "U", 0, RLA_FORMAT_AUTO, &pU, &tU, &fU));
  RLA_CALL(ctx,
           rla_driver_outputs_add_option(r->outs, r->opts, "S", 0, RLA_FORMAT_AUTO, &pS, &tS, &fS));
  RLA_CALL(ctx,
           rla_driver_outputs_add_option(r->outs, r->opts, "V", 0, RLA_FORMAT_AUTO, &pV, &tV, &fV));
  RLA_CALL(ctx, configure(r));

  RLA_CALL(ctx, check_inputs(r, pA, pe, &m, &n));
  ms.t_read = rla_wtime();
  RLA_CALL(ctx, read_matrix(r, pA, m, n));
  ms.t_read = rla_wtime() - ms.t_read;
  rla_ctx_progress(ctx, PROG ": randomized SVD on %d rank%s", rla_ctx_size(ctx),
                   rla_ctx_size(ctx) > 1 ? "s" : "");
  RLA_CALL(ctx, compute(r, tU != NULL, &U, &ms.t_setup));
  RLA_CALL(ctx, rla_svd_get_info(r->S, &in));
  RLA_CALL(ctx, rla_svd_get_sigma(r->S, &sigma, &k));
  RLA_CALL(ctx, rla_svd_get_v(r->S, &V));
  rla_ctx_progress(ctx, PROG ": rank %lld in %.3f s, error estimate %.3e", (long long)k,
                   in.time_total, in.error_estimate);

  if (ms.verify) {
    rla_ctx_progress(ctx, PROG ": measuring the residual");
    ms.t_verify = rla_wtime();
    RLA_CALL(ctx, verify(r, k, sigma, U, V, in.seed, &ms));
    ms.t_verify = rla_wtime() - ms.t_verify;
  }

  ms.t_write = rla_wtime();
  if (tU) RLA_CALL_GOTO(ctx, err, done, rla_io_write(U, tU, fU, 0));
  if (tV) RLA_CALL_GOTO(ctx, err, done, rla_io_write(V, tV, fV, 0));
  if (tS) {
    RLA_CALL_GOTO(ctx, err, done, sigma_dmat(ctx, k, sigma, &Sd));
    RLA_CALL_GOTO(ctx, err, done, rla_io_write(Sd, tS, fS, RLA_IO_VECTOR));
  }
  ms.t_write = rla_wtime() - ms.t_write;

  report_results(r, &in, k, sigma, &ms);
  print_and_check(r, &in, k, sigma, &ms);
  if (pe) RLA_CALL_GOTO(ctx, err, done, exact_sigma(r, pe, k, sigma));
done:
  rla_dmat_destroy(&Sd);
  return err;
}

/* the job: everything it allocates is freed here, whatever happened */
static rla_err job(rla_driver_job *job, void *data)
{
  struct run r = {job->ctx, job->opts, job->rep, job->outs, NULL, NULL, NULL, NULL, NULL, NAN, {0}};
  rla_err err = run(&r);
  (void)data;
  rla_svd_destroy(&r.S);
  rla_op_destroy(&r.op);
  rla_dmat_destroy(&r.Uw);
  rla_smat_destroy(&r.As);
  rla_dmat_destroy(&r.A);
  return err;
}

int main(int argc, char **argv)
{
  static const rla_driver_def def = {PROG, specs, NSPECS, objects, &batch, job, NULL};
  return rla_driver_run(&def, argc, argv);
}
