/* SPDX-License-Identifier: BSD-3-Clause */
/* rla-lsq: distributed least squares min ||A x - b||_2 by block-SRHT sketch-and-solve, the
   accurate sketch-preconditioned method (default) or the direct method (ScaLAPACK PDGELS, or
   SuiteSparseQR on rank 0 for a sparse A when built with it); reads A and b, writes x,
   measures the accuracy of what it returns, prints PASSED/FAILED lines and a JSON report.
   usage: mpirun -np P rla-lsq -A A.npy -b b.npy [options] [deck] */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "driver.h"
#include "rla/lsq.h"

#define PROG "rla-lsq"

#ifdef HAVE_SPQR
#define DIRECT_SPARSE_HELP                                                                         \
  "--method direct on it runs SuiteSparseQR on one rank, gathering A and b to rank 0, which is "   \
  "fine for the sizes SuiteSparseQR can factor (x is broadcast; the accuracy is measured on the "  \
  "distributed A)"
#else
#define DIRECT_SPARSE_HELP                                                                         \
  "--method direct (PDGELS) reads it dense: this build has no SuiteSparseQR (configure "           \
  "--with-spqr; Debian: libsuitesparse-dev)"
#endif

/* the driver's own options; the solver's (method, sketch, oversample, sketch-rows, seed, tol,
   max-iterations, rank-tol) are read by rla_lsq_set_from_options */
static const rla_option_spec specs[] = {
    {"A", "A", RLA_OPT_STRING, NULL, NULL, 1, 0, "input: the m x n matrix A (.npy, .mtx, .petsc)"},
    {"b", "b", RLA_OPT_STRING, NULL, NULL, 1, 0,
     "input: the right-hand side b (m-vector, or m x nrhs matrix)"},
    {"x", "x", RLA_OPT_STRING, NULL, NULL, 1, 0, "output: the solution x (written atomically)"},
    {"x-exact", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,
     "input: the exact solution, to report the forward error"},
    {"dense", NULL, RLA_OPT_FLAG, "false", NULL, 1, 0,
     "read a sparse A (Matrix Market coordinate, PETSc AIJ) into a dense matrix; without it a "
     "sparse A stays sparse (CSR rows, O(nnz) products and sketches) unless it stores more than "
     "a quarter of its entries, and " DIRECT_SPARSE_HELP},
    RLA_DRIVER_BATCH_OPTIONS,
    RLA_DRIVER_COMMON_OPTIONS};
#define NSPECS ((int)(sizeof(specs) / sizeof(specs[0])))

static const rla_driver_batch batch = {2, {"A", "b"}, "A.npy b.npy", 1, {{"x", "x.npy"}}};

struct run {
  rla_ctx ctx;
  rla_options opts;
  rla_report rep;
  rla_driver_outputs outs;
  rla_dmat A, B;
  rla_smat S; /* A on the sparse path (A is then NULL) */
  rla_op op;  /* S's operator */
  double *X;
  rla_lsq L;
};

/* the solver's options, read on a solver made for the purpose (--help, the checks and the echo
   before any work) */
static rla_err objects(rla_ctx ctx, rla_options opts)
{
  rla_lsq L = NULL;
  rla_err err = rla_lsq_create(ctx, &L);
  if (!err) err = rla_lsq_set_from_options(L, opts, NULL);
  rla_lsq_destroy(&L);
  return err;
}

/* the solver from the options */
static rla_err configure(struct run *r)
{
  rla_ctx ctx = r->ctx;
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_lsq_create(ctx, &r->L)));
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_lsq_set_from_options(r->L, r->opts, NULL)));
  RLA_CALL(ctx, rla_lsq_setup(r->L));
  return RLA_SUCCESS;
}

/* read A and B with the same row distribution, checking their shapes before reading values */
static rla_err read_inputs(struct run *r, const char *pA, const char *pb)
{
  rla_ctx ctx = r->ctx;
  int64_t m, n, bm, bn, mb;
  int dense = 0, sparse;
  const char *method;
  rla_io_probe_info probe, bprobe;
  RLA_CALL(ctx, rla_io_probe(ctx, pA, RLA_FORMAT_AUTO, &probe));
  m = probe.m;
  n = probe.n;
  sparse = probe.sparse;
  RLA_CALL(ctx, rla_io_probe(ctx, pb, RLA_FORMAT_AUTO, &bprobe));
  bm = bprobe.m;
  bn = bprobe.n;
  /* the stored element types, all read as float64 */
  rla_report_set_string(r->rep, "dtype_A", probe.dtype);
  rla_report_set_string(r->rep, "dtype_b", bprobe.dtype);
  RLA_CHECK(ctx, m > 0 && n > 0, RLA_ERR_SHAPE, "%s: A is %lld x %lld: it needs rows and columns",
            pA, (long long)m, (long long)n);
  RLA_CHECK(ctx, m >= n, RLA_ERR_SHAPE,
            "%s: A is %lld x %lld with more columns than rows: underdetermined least squares is "
            "not supported (give a tall or square A)",
            pA, (long long)m, (long long)n);
  RLA_CHECK(ctx, bm == m, RLA_ERR_SHAPE, "%s: b has %lld rows but A (%s) has %lld", pb,
            (long long)bm, pA, (long long)m);
  RLA_CHECK(ctx, bn > 0, RLA_ERR_SHAPE, "%s: b has no columns", pb);
  RLA_CALL(ctx, rla_driver_matrix_path(ctx, PROG, r->opts, pA, &probe, &dense));
  RLA_CALL(ctx, rla_options_get_string(r->opts, "method", &method));
  if (sparse && !dense && !strcmp(method, "direct") && !rla_lsq_has_spqr()) {
    /* without SuiteSparseQR the direct method is PDGELS, which factors a dense matrix */
    rla_ctx_progress(ctx, PROG ": %s is sparse; the direct method (PDGELS) reads it into a "
                     "dense matrix", pA);
    dense = 1;
  }
  if (sparse && !dense && !strcmp(method, "direct"))
    rla_ctx_progress(ctx, PROG ": %s is sparse; SuiteSparseQR on rank 0 gathers it", pA);
  rla_ctx_progress(ctx, PROG ": reading A (%lld x %lld, %s) and b (%lld right-hand side%s)",
                   (long long)m, (long long)n, sparse && !dense ? "sparse" : "dense", (long long)bn,
                   bn > 1 ? "s" : "");
  rla_report_set_string(r->rep, "path", sparse && !dense ? "sparse" : "dense");
  if (sparse && !dense) {
    /* the sparse reader's rows are those of the dense reader's default split, ceil(m / P) */
    RLA_CALL(ctx, rla_io_read_sparse(ctx, pA, RLA_FORMAT_AUTO, &r->S));
    RLA_CALL(ctx, rla_io_read(ctx, pb, RLA_FORMAT_AUTO, 0, &r->B));
    rla_report_set_int(r->rep, "nnz", rla_smat_nnz(r->S));
    return RLA_SUCCESS;
  }
  RLA_CALL(ctx, rla_io_read(ctx, pA, RLA_FORMAT_AUTO, 0, &r->A));
  rla_dmat_blocks(r->A, &mb, NULL);
  RLA_CALL(ctx, rla_io_read(ctx, pb, RLA_FORMAT_AUTO, mb, &r->B));
  return RLA_SUCCESS;
}

/* The sparse path: A's operator set on the solver, which plans for it, then the solve of B's
   local rows (the operator's row split: both are ceil(m / P) rows per rank). */
static rla_err solve_sparse(struct run *r, int64_t nrhs, int64_t d, rla_lsq_info *in)
{
  rla_ctx ctx = r->ctx;
  double *b;
  int64_t ldb;
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_op_create_sparse(r->S, &r->op)));
  RLA_CALL(ctx, rla_lsq_set_operator(r->L, r->op));
  RLA_CALL(ctx, rla_lsq_set_rhs_count(r->L, nrhs));
  RLA_CALL(ctx, rla_lsq_setup(r->L));
  rla_dmat_local(r->B, &b, NULL, NULL, &ldb);
  RLA_CALL(ctx, rla_lsq_solve_operator(r->L, nrhs, b, ldb, r->X, d, in));
  return RLA_SUCCESS;
}

/* the replicated d x nrhs solution as a row-block matrix, for writing */
static rla_err solution_dmat(struct run *r, int64_t d, int64_t nrhs, rla_dmat *Xd)
{
  double *a;
  int64_t lm, lld;
  RLA_CALL(r->ctx, rla_dmat_create_rowblock(r->ctx, d, nrhs, 0, Xd));
  rla_dmat_local(*Xd, &a, &lm, NULL, &lld);
  for (int64_t j = 0; j < nrhs; j++)
    for (int64_t i = 0; i < lm; i++)
      a[i + j * lld] = r->X[rla_dmat_global_row(*Xd, i) + j * d];
  return RLA_SUCCESS;
}

/* ||x - x*||_F / ||x*||_F against the exact solution in path */
static rla_err forward_error(struct run *r, const char *path, int64_t d, int64_t nrhs, double *fe)
{
  rla_ctx ctx = r->ctx;
  rla_dmat E = NULL, Xd = NULL;
  int64_t em, en;
  double ne, nd;
  rla_err err = RLA_SUCCESS;
  RLA_CALL(ctx, rla_io_read(ctx, path, RLA_FORMAT_AUTO, 0, &E));
  rla_dmat_sizes(E, &em, &en);
  RLA_CHECK_GOTO(ctx, err, done, em == d && en == nrhs, RLA_ERR_SHAPE,
                 "%s: the exact solution is %lld x %lld, expected %lld x %lld", path, (long long)em,
                 (long long)en, (long long)d, (long long)nrhs);
  RLA_CALL_GOTO(ctx, err, done, solution_dmat(r, d, nrhs, &Xd));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(E, &ne));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_axpy(-1.0, E, Xd));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(Xd, &nd));
  *fe = ne > 0 ? nd / ne : nd;
done:
  rla_dmat_destroy(&E);
  rla_dmat_destroy(&Xd);
  return err;
}

static double max_of(int64_t n, const double *v)
{
  double m = 0.0;
  for (int64_t j = 0; j < n; j++)
    if (!(v[j] <= m)) m = v[j]; /* NaN propagates */
  return m;
}

/* the checks, each with the reason for its threshold */
static void check(struct run *r, const rla_lsq_info *in, double tol)
{
  int64_t k = in->nrhs;
  double scaled = 0.0;
  /* Any backward-stable solution satisfies ||A^T r|| <~ c eps ||A|| (||A|| ||x|| + ||b||): the
     solution of a problem perturbed by eps ||A|| leaves that much gradient (Higham, ASNA 20.7).
     Scaled by n eps it is O(1); 16 is HPL's threshold for such scaled residuals. */
  for (int64_t j = 0; j < k; j++) {
    double nx = 0.0, s;
    for (int64_t i = 0; i < in->d; i++)
      nx = hypot(nx, r->X[i + j * in->d]);
    s = in->backward_error[j] * in->residual_norm[j] /
        ((double)in->d * RLA_EPS * (in->norm_fro * nx + in->rhs_norm[j]));
    if (in->residual_norm[j] == 0.0) s = 0.0;
    if (!(s <= scaled)) scaled = s;
  }
  if (in->method == RLA_LSQ_SOLVE) {
    /* Sketch-and-solve is not backward stable; what it certifies is the residual. With an
       embedding of distortion e, ||r_sas|| <= ||S r_sas|| / (1 - e); e ~ sqrt((n + 1) / l) is
       the Gaussian embedding's scale (Halko, Martinsson, Tropp 2011, Thm 10.8 order), which
       block SRHT matches at these oversampling factors (Balabanov et al. 2023). */
    double e = sqrt((double)(in->d + 1) / (double)in->sketch_rows), worst = 0.0;
    for (int64_t j = 0; j < k; j++) {
      double q = in->residual_sketched[j] > 0 ? in->residual_norm[j] / in->residual_sketched[j]
                                              : (in->residual_norm[j] > 0 ? INFINITY : 1.0);
      if (!(q <= worst)) worst = q;
    }
    rla_report_check(r->rep, stdout,
                     "residual ||b - A x|| / ||S (b - A x)|| <= 1 / (1 - sqrt((n+1)/l))", worst,
                     1.0 / (1.0 - e));
  } else {
    if (in->method == RLA_LSQ_ACCURATE)
      rla_report_check(r->rep, stdout, "backward error estimate (Karlson-Walden) <= tol",
                       max_of(k, in->backward_error_estimate), tol);
    rla_report_check(r->rep, stdout,
                     "scaled gradient ||A^T r|| / (n eps ||A||_F (||A||_F ||x|| + ||b||))", scaled,
                     16.0);
  }
}

/* the solve's fields (rla_lsq_info_report) and the driver's reading and writing times */
static void report(struct run *r, const rla_lsq_info *in, double t_read, double t_write)
{
  rla_lsq_info_report(in, r->rep);
  rla_report_set_real(r->rep, "time_read", t_read);
  rla_report_set_real(r->rep, "time_write", t_write);
}

static rla_err run(struct run *r)
{
  rla_ctx ctx = r->ctx;
  const char *pA, *pb, *px = NULL, *tx = NULL, *pe = NULL;
  rla_format fx = RLA_FORMAT_NPY;
  rla_lsq_info in;
  rla_dmat Xd = NULL;
  int64_t m, d, nrhs;
  double t_read, t_write = 0.0, tol, fe = 0.0;
  rla_err err = RLA_SUCCESS;

  RLA_CALL(ctx, rla_options_get_string(r->opts, "A", &pA));
  RLA_CALL(ctx, rla_options_get_string(r->opts, "b", &pb));
  if (rla_options_has(r->opts, "x-exact"))
    RLA_CALL(ctx, rla_options_get_string(r->opts, "x-exact", &pe));
  RLA_CALL(ctx,
           rla_driver_outputs_add_option(r->outs, r->opts, "x", 0, RLA_FORMAT_AUTO, &px, &tx, &fx));
  RLA_CALL(ctx, configure(r));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "tol", &tol));
  t_read = rla_wtime();
  RLA_CALL(ctx, read_inputs(r, pA, pb));
  t_read = rla_wtime() - t_read;
  if (r->S)
    rla_smat_sizes(r->S, &m, &d);
  else
    rla_dmat_sizes(r->A, &m, &d);
  rla_dmat_sizes(r->B, NULL, &nrhs);
  if (pe) { /* a bad --x-exact fails now, not after the solve */
    int64_t em, en;
    RLA_CALL(ctx, rla_io_read_sizes(ctx, pe, RLA_FORMAT_AUTO, &em, &en));
    RLA_CHECK(ctx, em == d && en == nrhs, RLA_ERR_SHAPE,
              "%s: the exact solution is %lld x %lld, expected %lld x %lld", pe, (long long)em,
              (long long)en, (long long)d, (long long)nrhs);
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)(d * nrhs), sizeof(double), &r->X)));
  {
    const char *method;
    RLA_CALL(ctx, rla_options_get_string(r->opts, "method", &method));
    rla_ctx_progress(ctx, PROG ": solving with the %s method on %d rank%s", method,
                     rla_ctx_size(ctx), rla_ctx_size(ctx) > 1 ? "s" : "");
  }
  if (r->S)
    RLA_CALL(ctx, solve_sparse(r, nrhs, d, &in));
  else
    RLA_CALL(ctx, rla_lsq_solve(r->L, r->A, r->B, r->X, d, &in));
  rla_ctx_progress(ctx, PROG ": solved in %.3f s: %lld iterations, backward error %.2e",
                   in.time_total, (long long)in.iterations, max_of(nrhs, in.backward_error));
  if (tx) {
    t_write = rla_wtime();
    RLA_CALL_GOTO(ctx, err, done, solution_dmat(r, d, nrhs, &Xd));
    RLA_CALL_GOTO(ctx, err, done, rla_io_write(Xd, tx, fx, nrhs == 1 ? RLA_IO_VECTOR : 0));
    t_write = rla_wtime() - t_write;
  }
  report(r, &in, t_read, t_write);
  if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1) {
    printf("%s%s: m = %lld, n = %lld, nrhs = %lld, %d ranks, sketch %s with l = %lld\n",
           rla_lsq_method_name(in.method),
           in.method != RLA_LSQ_DIRECT         ? ""
           : !strcmp(in.factorization, "spqr") ? " (backend spqr: SuiteSparseQR on rank 0)"
                                               : " (backend pdgels)",
           (long long)m, (long long)d, (long long)nrhs, in.ranks,
           in.method == RLA_LSQ_DIRECT ? "none" : rla_sketch_type_name(in.sketch_type),
           (long long)in.sketch_rows);
    printf("residual ||b - A x|| = %.6e, backward error ||A^T r||/(||A||_F ||r||) = %.3e\n",
           max_of(nrhs, in.residual_norm), max_of(nrhs, in.backward_error));
    printf("iterations %lld, factorization %s, kappa estimate %.3e, time %.3f s (read %.3f s)\n",
           (long long)in.iterations, in.factorization ? in.factorization : "none", in.kappa_sketch,
           in.time_total, t_read);
  }
  check(r, &in, tol);
  if (pe) {
    RLA_CALL_GOTO(ctx, err, done, forward_error(r, pe, d, nrhs, &fe));
    rla_report_set_real(r->rep, "forward_error", fe);
    if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1)
      printf("forward error ||x - x*|| / ||x*|| = %.3e (%s)\n", fe, pe);
  }
done:
  rla_dmat_destroy(&Xd);
  return err;
}

/* the job: everything it allocates is freed here, whatever happened */
static rla_err job(rla_driver_job *job, void *data)
{
  struct run r = {job->ctx, job->opts, job->rep, job->outs, NULL, NULL, NULL, NULL, NULL, NULL};
  rla_err err = run(&r);
  (void)data;
  free(r.X);
  rla_lsq_destroy(&r.L);
  rla_op_destroy(&r.op);
  rla_smat_destroy(&r.S);
  rla_dmat_destroy(&r.A);
  rla_dmat_destroy(&r.B);
  return err;
}

int main(int argc, char **argv)
{
  static const rla_driver_def def = {PROG, specs, NSPECS, objects, &batch, job, NULL};
  return rla_driver_run(&def, argc, argv);
}
