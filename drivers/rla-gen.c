/* SPDX-License-Identifier: BSD-3-Clause */
/* rla-gen: writes test problems with known answers (least squares with known solution and
   residual, matrices with prescribed singular values, collections of blocks from a union of
   subspaces), checks what it wrote, prints PASSED/FAILED lines and an optional JSON report.
   usage: mpirun -np P rla-gen KIND [options] [deck], KIND one of lsq, svd, collection. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "batch.h"
#include "rla-gen.h"

#define MAXI ((double)INT_MAX)

enum { LSQ = 1, SVD = 2, COLL = 4, ALL = 7 };

/* every option of every kind, with the kinds that accept it */
static const struct {
  unsigned kinds;
  rla_option_spec spec;
} table[] = {
    {ALL,
     {"kind", NULL, RLA_OPT_STRING, NULL, "lsq|svd|collection", 1, 0,
      "problem kind (or give it as the first argument)"}},
    {ALL, {"m", "m", RLA_OPT_INT, NULL, NULL, 1, MAXI, "rows"}},
    {LSQ | SVD, {"n", "n", RLA_OPT_INT, NULL, NULL, 1, MAXI, "columns"}},
    {ALL, {"seed", NULL, RLA_OPT_INT, "1", NULL, 0, 9e18, "random seed"}},
    {ALL,
     {"format", NULL, RLA_OPT_STRING, "auto", "auto|npy|mm|petsc", 1, 0,
      "file format (auto: from each file's extension)"}},
    {LSQ | SVD,
     {"cond", NULL, RLA_OPT_REAL, "1e4", NULL, 1, 1e300,
      "condition number (lsq; svd with --spectrum geometric)"}},
    {LSQ,
     {"residual", NULL, RLA_OPT_REAL, "1e-3", NULL, 0, 1e300, "lsq: residual norm ||b - A x*||"}},
    {LSQ | SVD, {"A", "A", RLA_OPT_STRING, NULL, NULL, 1, 0, "output: the matrix A"}},
    {LSQ, {"b", "b", RLA_OPT_STRING, NULL, NULL, 1, 0, "lsq output: the right-hand side b"}},
    {LSQ, {"x", "x", RLA_OPT_STRING, NULL, NULL, 1, 0, "lsq output: the exact solution x*"}},
    {SVD,
     {"spectrum", NULL, RLA_OPT_STRING, "poly", "poly|exp|lowrank|scurve|geometric", 1, 0,
      "svd: singular value profile"}},
    {SVD,
     {"decay", NULL, RLA_OPT_REAL, "1", NULL, 1e-300, 1e300,
      "svd poly: exponent p, sigma_j = (j+1)^-p; exp: decades per index"}},
    {SVD,
     {"rank", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI,
      "svd: number of non-zero singular values (default min(m, n))"}},
    {SVD,
     {"knee", NULL, RLA_OPT_INT, NULL, NULL, 0, MAXI,
      "svd lowrank: number of unit singular values; scurve: index of the midpoint"}},
    {SVD,
     {"level", NULL, RLA_OPT_REAL, "1e-3", NULL, 1e-300, 1,
      "svd lowrank: value after the knee; scurve: floor"}},
    {SVD,
     {"transition", NULL, RLA_OPT_REAL, "5", NULL, 1e-300, 1e300,
      "svd scurve: width of the drop in indices"}},
    {SVD,
     {"sigma", "S", RLA_OPT_STRING, NULL, NULL, 1, 0, "svd output: the singular values (vector)"}},
    {SVD,
     {"U", "U", RLA_OPT_STRING, NULL, NULL, 1, 0, "svd output: left singular vectors (m x rank)"}},
    {SVD,
     {"V", "V", RLA_OPT_STRING, NULL, NULL, 1, 0, "svd output: right singular vectors (n x rank)"}},
    {SVD,
     {"check-spectrum", NULL, RLA_OPT_FLAG, "false", NULL, 1, 0,
      "svd: also compute the singular values of A (LAPACK on rank 0) and compare"}},
    {LSQ | SVD,
     {"sparse", NULL, RLA_OPT_FLAG, "false", NULL, 1, 0,
      "write a sparse A (.mtx: Matrix Market coordinate, .petsc: PETSc AIJ). lsq: "
      "--nnz-per-row, --dense-rows; --cond scales the columns from 1 to 1/cond, so cond(A) is "
      "about cond times cond of the unscaled rows (at most that product; not computed). svd: "
      "--block"}},
    {LSQ,
     {"nnz-per-row", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI,
      "sparse lsq: nonzeros per row at random distinct columns (default 8; implies --sparse)"}},
    {LSQ,
     {"dense-rows", NULL, RLA_OPT_INT, "0", NULL, 0, MAXI,
      "sparse lsq: number of rows with all n entries (implies --sparse)"}},
    {SVD,
     {"block", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI,
      "sparse svd: dense diagonal blocks of at most this many indices along the shorter side, "
      "then rows and columns permuted: about max(m, n) block nonzeros (implies --sparse)"}},
    {COLL, {"blocks", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI, "collection: number of blocks"}},
    {COLL,
     {"width", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI,
      "collection: block width (the lower end with --width-max)"}},
    {COLL,
     {"width-max", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI,
      "collection: widths uniform in [width, width-max]"}},
    {COLL,
     {"widths", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,
      "collection: comma-separated list of the block widths (instead of --width)"}},
    {COLL,
     {"wide", NULL, RLA_OPT_INT, "0", NULL, 0, MAXI,
      "collection: number of blocks (chosen at random) given width --wide-width"}},
    {COLL,
     {"wide-width", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI,
      "collection: width of the wide blocks"}},
    {COLL,
     {"subspaces", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI, "collection: number of subspaces"}},
    {COLL,
     {"dim", NULL, RLA_OPT_INT, NULL, NULL, 1, MAXI, "collection: dimension of each subspace"}},
    {COLL,
     {"noise", NULL, RLA_OPT_REAL, "0", NULL, 0, 1e300,
      "collection: noise-to-signal ratio per column"}},
    {COLL,
     {"membership", NULL, RLA_OPT_STRING, "random", "random|round-robin", 1, 0,
      "collection: subspace of each block"}},
    {COLL,
     {"dir", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,
      "collection output directory (blocks, truth.json, manifest.txt)"}},
    {ALL, RLA_DRIVER_OPTION_VERBOSE},
    {ALL, RLA_DRIVER_OPTION_REPORT}};
#define NSPECS ((int)(sizeof(table) / sizeof(table[0])))

static const char *const kind_names[] = {"lsq", "svd", "collection"};

/* LSQ, SVD or COLL for its name, 0 for anything else */
static unsigned kind_of(const char *s)
{
  int i;
  return rla_enum_from_name(NULL, "problem kind", kind_names, 3, s, &i) ? 0 : 1u << i;
}

static const char *kind_name(unsigned k)
{
  return rla_enum_name(kind_names, 3, k == LSQ ? 0 : k == SVD ? 1 : 2);
}

/* ---- shared pieces ------------------------------------------------------------------------- */

static const char *const format_names[] = {[RLA_FORMAT_AUTO] = "auto",
                                           [RLA_FORMAT_NPY] = "npy",
                                           [RLA_FORMAT_MM] = "mm",
                                           [RLA_FORMAT_PETSC] = "petsc"};
static const char *const membership_names[] = {
    [RLA_MEMBERSHIP_RANDOM] = "random", [RLA_MEMBERSHIP_ROUND_ROBIN] = "round-robin"};

/* *v = the index of the value of option name among names[0 .. n) */
static rla_err choice(struct run *r, const char *name, const char *const *names, int n, int *v)
{
  const char *text;
  RLA_CALL(r->ctx, rla_options_get_string(r->opts, name, &text));
  RLA_CALL(r->ctx, rla_enum_from_name(r->ctx, name, names, n, text, v));
  return RLA_SUCCESS;
}

rla_err rla_gen_get_int(struct run *r, const char *name, int64_t *v)
{
  return rla_options_get_int(r->opts, name, v);
}

/* an optional output: *tmp = NULL when the option is not given */
rla_err rla_gen_stage(struct run *r, const char *name, int required, const char **path,
                      const char **tmp, rla_format *f)
{
  RLA_CALL(r->ctx,
           rla_driver_outputs_add_option(r->outs, r->opts, name, required, r->fmt, path, tmp, f));
  return RLA_SUCCESS;
}

/* write A to the staged tmp, read it back and record the largest difference (relative to the
   largest entry) as a check: bitwise for binary formats */
rla_err rla_gen_write_and_verify(struct run *r, rla_dmat A, const char *path, const char *tmp,
                                 rla_format f, unsigned flags)
{
  rla_dmat B = NULL;
  double diff = 0.0, amax = 0.0, gdiff, *a, *b;
  int64_t lm, ln, lda, ldb, bm, bn, am, an;
  char name[RLA_PATH_MAX + 32];
  rla_err err;

  if (!tmp) return RLA_SUCCESS;
  RLA_CALL(r->ctx, rla_io_write(A, tmp, f, flags));
  RLA_CALL(r->ctx, rla_io_read(r->ctx, tmp, f, 0, &B));
  rla_dmat_sizes(A, &am, &an);
  rla_dmat_sizes(B, &bm, &bn);
  err = bm == am && bn == an
            ? RLA_SUCCESS
            : rla_error_set(r->ctx, RLA_ERR_SHAPE, __func__, __FILE__, __LINE__,
                            "%s: read back as %lld x %lld, written %lld x %lld", path,
                            (long long)bm, (long long)bn, (long long)am, (long long)an);
  if (!err) {
    rla_dmat_local(A, &a, &lm, &ln, &lda);
    rla_dmat_local(B, &b, NULL, NULL, &ldb);
    for (int64_t j = 0; j < ln; j++)
      for (int64_t i = 0; i < lm; i++) {
        diff = fmax(diff, fabs(a[i + j * lda] - b[i + j * ldb]));
        amax = fmax(amax, fabs(a[i + j * lda]));
      }
    MPI_Allreduce(&diff, &gdiff, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(r->ctx));
    MPI_Allreduce(&amax, &diff, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(r->ctx));
    snprintf(name, sizeof(name), "file %s reads back as written (max relative difference)", path);
    /* binary formats store the doubles themselves; Matrix Market text is decimal with
       17 significant digits, which round-trips as well */
    rla_report_check(r->rep, stdout, name, diff > 0 ? gdiff / diff : gdiff, 0.0);
  }
  rla_dmat_destroy(&B);
  return err;
}

/* ||Q^T Q - I||_F for a row-block Q (m x k), estimated from PROBES Gaussian vectors z:
   E ||(Q^T Q - I) z||^2 = ||Q^T Q - I||_F^2 (Hutchinson), at 4 PROBES m k flops instead of the
   2 m k^2 of the Gram matrix */
#define PROBES 4
static rla_err orth_error(rla_dmat Q, uint64_t seed, double *e)
{
  rla_ctx ctx = rla_dmat_ctx(Q);
  rla_dmat Z = NULL, Y = NULL, W = NULL;
  int64_t m, k, lm;
  double *z;
  rla_err err;
  rla_dmat_sizes(Q, &m, &k);
  err = rla_dmat_create_rowblock(ctx, k, PROBES, 0, &Z);
  if (!err) err = rla_dmat_create_rowblock(ctx, m, PROBES, 0, &Y);
  if (!err) err = rla_dmat_create_rowblock(ctx, k, PROBES, 0, &W);
  if (!err) {
    rla_dmat_local(Z, &z, &lm, NULL, NULL);
    for (int64_t i = 0; i < lm; i++) {
      double g[PROBES];
      rla_rng_gaussian(rla_rng_make(seed, RLA_RNG_NORM_EST), (uint64_t)rla_dmat_global_row(Z, i), 0,
                       PROBES, g);
      for (int t = 0; t < PROBES; t++)
        z[i + t * lm] = g[t];
    }
    err = rla_dmat_gemm('N', 'N', 1.0, Q, Z, 0.0, Y);
  }
  if (!err) err = rla_dmat_gemm('T', 'N', 1.0, Q, Y, 0.0, W);
  if (!err) err = rla_dmat_axpy(-1.0, Z, W);
  if (!err) err = rla_dmat_norm_fro(W, e);
  *e /= sqrt((double)PROBES);
  rla_dmat_destroy(&Z);
  rla_dmat_destroy(&Y);
  rla_dmat_destroy(&W);
  return err;
}

/* a replicated vector v[0..n) as a new row-block n x 1 matrix */
rla_err rla_gen_vector_dmat(rla_ctx ctx, int64_t n, const double *v, rla_dmat *out)
{
  double *a;
  int64_t lm;
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, n, 1, 0, out));
  rla_dmat_local(*out, &a, &lm, NULL, NULL);
  for (int64_t i = 0; i < lm; i++)
    a[i] = v[rla_dmat_global_row(*out, i)];
  return RLA_SUCCESS;
}

/* ---- lsq ----------------------------------------------------------------------------------- */

/* The measured facts of a generated least-squares problem, in the report and checked: the
   norms of A, x*, r = b - A x* and A^T r against what was asked for. Collective. */
static rla_err lsq_checks(struct run *r, int64_t n, double cond, double rho, double nA, double nx,
                          double nr, double nAtr)
{
  rla_ctx ctx = r->ctx;
  rla_err err;
  /* ||A||_F^2 = sum sigma_j^2 for the geometric sigma from 1 to 1/cond */
  double *sigma = NULL, ns = 0.0;
  rla_spectrum sp = {.kind = RLA_SPECTRUM_GEOMETRIC, .cond = cond};
  err = rla_calloc(ctx, (size_t)n, sizeof(double), &sigma);
  if (!err) err = rla_gen_spectrum(ctx, &sp, n, sigma);
  for (int64_t j = 0; !err && j < n; j++)
    ns = hypot(ns, sigma[j]);
  rla_free(&sigma);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  rla_report_push_object(r->rep, "measured");
  rla_report_set_real(r->rep, "norm_A_fro", nA);
  rla_report_set_real(r->rep, "norm_x", nx);
  rla_report_set_real(r->rep, "norm_b_minus_Ax", nr);
  rla_report_set_real(r->rep, "norm_At_r", nAtr);
  rla_report_set_real(r->rep, "orthogonality", nr > 0 ? nAtr / (nA * nr) : 0.0);
  rla_report_pop(r->rep);
  if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1)
    printf("measured: ||b - A x*|| = %.6e (requested %.6e), ||A^T r||/(||A||_F ||r||) = %.3e, "
           "||A||_F = %.6e, ||x*|| = %.6e\n",
           nr, rho, nr > 0 ? nAtr / (nA * nr) : 0.0, nA, nx);
  /* HPL-style scaled checks: the rounding of b = fl(A x + r) and of r = fl(b - A x) is at
     most about n eps (||A|| ||x|| + ||r||); dividing by that leaves O(1) values */
  rla_report_check(
      r->rep, stdout,
      "residual norm |  ||b - A x*|| - residual | / (n eps (||A||_F ||x*|| + residual))",
      fabs(nr - rho) / ((double)n * EPS * (nA * nx + rho)), 16.0);
  rla_report_check(
      r->rep, stdout,
      "orthogonality ||A^T (b - A x*)|| / (n eps ||A||_F (||A||_F ||x*|| + ||b - A x*||))",
      nAtr / ((double)n * EPS * nA * (nA * nx + nr)), 16.0);
  rla_report_check(r->rep, stdout,
                   "spectrum energy | ||A||_F - ||sigma||_2 | / (n eps ||sigma||_2)",
                   fabs(nA - ns) / ((double)n * EPS * ns), 16.0);
  rla_report_check(r->rep, stdout, "solution norm | ||x*|| - 1 | / (n eps)",
                   fabs(nx - 1.0) / ((double)n * EPS), 16.0);
  return RLA_SUCCESS;
}

static rla_err run_lsq(struct run *r)
{
  rla_ctx ctx = r->ctx;
  int64_t m, n, seed, lm, lda;
  double cond, rho, nA, nx, nr, nAtr, t;
  const char *pA, *pb, *px, *tA, *tb, *tx;
  rla_format fA = RLA_FORMAT_NPY, fb = RLA_FORMAT_NPY, fx = RLA_FORMAT_NPY;
  rla_dmat A = NULL, b = NULL, x = NULL, res = NULL, Atr = NULL;
  double *xs = NULL, *a, *bb, *rr;
  rla_err err = RLA_SUCCESS;

  if (rla_gen_sparse_wanted(r)) return rla_gen_run_sparse_lsq(r);
  RLA_CALL(ctx, rla_gen_get_int(r, "m", &m));
  RLA_CALL(ctx, rla_gen_get_int(r, "n", &n));
  RLA_CALL(ctx, rla_gen_get_int(r, "seed", &seed));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "cond", &cond));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "residual", &rho));
  RLA_CHECK(ctx, m >= n, RLA_ERR_ARG, "least squares needs m >= n: got -m %lld < -n %lld",
            (long long)m, (long long)n);
  RLA_CHECK(ctx, rho == 0 || m > n, RLA_ERR_ARG,
            "--residual %g > 0 needs m > n (for m = n every b is in the range of A)", rho);
  RLA_CALL(ctx, rla_gen_stage(r, "A", 1, &pA, &tA, &fA));
  RLA_CALL(ctx, rla_gen_stage(r, "b", 1, &pb, &tb, &fb));
  RLA_CALL(ctx, rla_gen_stage(r, "x", 0, &px, &tx, &fx));

  rla_ctx_progress(ctx,
                   PROG ": generating a %lld x %lld least squares problem, cond %g, "
                        "residual %g",
                   (long long)m, (long long)n, cond, rho);
  t = rla_wtime();
  RLA_CALL(ctx, rla_gen_lsq(ctx, m, n, cond, rho, (uint64_t)seed, &A, &b, &x));
  t = rla_wtime() - t;
  rla_report_set_real(r->rep, "time_generate", t);
  rla_ctx_progress(ctx, PROG ": generated in %.2f s; writing", t);
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, A, pA, tA, fA, 0));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, b, pb, tb, fb, RLA_IO_VECTOR));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, x, px, tx, fx, RLA_IO_VECTOR));
  rla_report_set_real(r->rep, "time_write_and_read_back", rla_wtime() - t);

  /* checks: r = b - A x in double, each rank on its rows, x gathered */
  RLA_CALL_GOTO(ctx, err, done,
                rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)n, sizeof(double), &xs)));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_gather(x, -1, xs));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_duplicate(b, &res));
  rla_dmat_local(A, &a, &lm, NULL, &lda);
  rla_dmat_local(res, &rr, NULL, NULL, NULL);
  rla_dmat_local(b, &bb, NULL, NULL, NULL);
  if (lm > 0)
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)lm, (int)n, -1.0, a, (int)lda, xs, 1, 1.0, rr, 1);
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, n, 1, 0, &Atr));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_gemm('T', 'N', 1.0, A, res, 0.0, Atr));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(A, &nA));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(x, &nx));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(res, &nr));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(Atr, &nAtr));
  RLA_CALL_GOTO(ctx, err, done, lsq_checks(r, n, cond, rho, nA, nx, nr, nAtr));
done:
  rla_free(&xs);
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&b);
  rla_dmat_destroy(&x);
  rla_dmat_destroy(&res);
  rla_dmat_destroy(&Atr);
  return err;
}

/* ---- svd ----------------------------------------------------------------------------------- */

/* singular values of A (row-block, m n < 2^31) on every rank: gathered to rank 0, LAPACK's
   dgesvd there, broadcast */
rla_err rla_gen_singular_values(rla_dmat A, double *s)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  int64_t m, n, mn;
  double *a = NULL, *sup = NULL;
  rla_err err = RLA_SUCCESS;
  rla_dmat_sizes(A, &m, &n);
  mn = m < n ? m : n;
  RLA_CHECK(ctx, (double)m * (double)n < 2147483648.0, RLA_ERR_UNSUPPORTED,
            "--check-spectrum gathers A on one rank: %lld x %lld is too large", (long long)m,
            (long long)n);
  if (rla_ctx_rank(ctx) == 0) {
    err = rla_calloc(ctx, (size_t)(m * n), sizeof(double), &a);
    if (!err) err = rla_calloc(ctx, (size_t)mn, sizeof(double), &sup);
  }
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_gather(A, 0, a));
  if (rla_ctx_rank(ctx) == 0 &&
      LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)m, (lapack_int)n, a, (lapack_int)m, s,
                     NULL, 1, NULL, 1, sup) != 0)
    err = rla_error_set(ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,
                        "LAPACK dgesvd did not converge on A");
  RLA_CHECK_GOTO(ctx, err, done,
                 MPI_Bcast(s, (int)mn, MPI_DOUBLE, 0, rla_ctx_comm(ctx)) == MPI_SUCCESS,
                 RLA_ERR_MPI, "broadcast of the singular values failed");
done:
  free(a);
  free(sup);
  return err;
}

/* the size, rank, seed and spectrum of an svd problem from the options */
rla_err rla_gen_svd_configure(struct run *r, int64_t *mp, int64_t *np, int64_t *kp, int64_t *seed,
                              rla_spectrum *sp, const char **kname, int *check)
{
  rla_ctx ctx = r->ctx;
  int64_t m, n, k;
  RLA_CALL(ctx, rla_gen_get_int(r, "m", &m));
  RLA_CALL(ctx, rla_gen_get_int(r, "n", &n));
  RLA_CALL(ctx, rla_gen_get_int(r, "seed", seed));
  k = m < n ? m : n;
  if (rla_options_has(r->opts, "rank")) RLA_CALL(ctx, rla_gen_get_int(r, "rank", &k));
  RLA_CHECK(ctx, k <= (m < n ? m : n), RLA_ERR_ARG, "--rank %lld exceeds min(m, n) = %lld",
            (long long)k, (long long)(m < n ? m : n));
  RLA_CALL(ctx, rla_options_get_string(r->opts, "spectrum", kname));
  RLA_CALL(ctx, rla_spectrum_kind_from_name(ctx, *kname, &sp->kind));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "decay", &sp->decay));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "level", &sp->level));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "transition", &sp->transition));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "cond", &sp->cond));
  if (sp->kind == RLA_SPECTRUM_LOWRANK || sp->kind == RLA_SPECTRUM_SCURVE) {
    RLA_CHECK(ctx, rla_options_has(r->opts, "knee"), RLA_ERR_ARG, "--spectrum %s needs --knee (%s)",
              *kname,
              sp->kind == RLA_SPECTRUM_LOWRANK ? "the number of unit singular values"
                                               : "the index of the midpoint of the drop");
    RLA_CALL(ctx, rla_gen_get_int(r, "knee", &sp->knee));
  }
  RLA_CALL(ctx, rla_options_get_flag(r->opts, "check-spectrum", check));
  *mp = m;
  *np = n;
  *kp = k;
  return RLA_SUCCESS;
}

/* --check-spectrum: the singular values of A (LAPACK on rank 0) against sigma */
static rla_err svd_check_spectrum(struct run *r, rla_dmat A, const double *sigma, int64_t m,
                                  int64_t n, int64_t k)
{
  rla_ctx ctx = r->ctx;
  int64_t mn = m < n ? m : n;
  double *s = NULL, worst = 0.0;
  rla_err err;
  rla_ctx_progress(ctx, PROG ": computing the singular values of A (dgesvd on rank 0)");
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)mn, sizeof(double), &s)));
  err = rla_gen_singular_values(A, s);
  for (int64_t j = 0; !err && j < mn; j++)
    worst = fmax(worst, fabs(s[j] - (j < k ? sigma[j] : 0.0)));
  free(s);
  RLA_CALL(ctx, err);
  /* a backward-stable SVD confirms sigma_j to O(eps) sigma_0 absolutely (see rla_gen_svd) */
  rla_report_check(r->rep, stdout,
                   "singular values max_j |s_j - sigma_j| / (max(m, n) eps sigma_0)",
                   worst / ((double)(m > n ? m : n) * EPS * sigma[0]), 16.0);
  return RLA_SUCCESS;
}

static rla_err run_svd(struct run *r)
{
  rla_ctx ctx = r->ctx;
  int64_t m = 0, n = 0, k = 0, seed = 0;
  const char *kname, *pA, *pS, *pU, *pV, *tA, *tS, *tU, *tV;
  rla_format fA = RLA_FORMAT_NPY, fS = RLA_FORMAT_NPY, fU = RLA_FORMAT_NPY, fV = RLA_FORMAT_NPY;
  rla_spectrum sp = {0};
  rla_dmat A = NULL, U = NULL, V = NULL, S = NULL;
  double *sigma = NULL, t, eu, ev, nA, ns = 0.0;
  int check = 0;
  rla_err err = RLA_SUCCESS;

  if (rla_gen_sparse_wanted(r)) return rla_gen_run_sparse_svd(r);

  RLA_CALL(ctx, rla_gen_svd_configure(r, &m, &n, &k, &seed, &sp, &kname, &check));
  /* a matrix too large for memory fails here, not after the O(k) spectrum */
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, m, n, 0, &A));
  rla_dmat_destroy(&A);
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)k, sizeof(double), &sigma)));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_spectrum(ctx, &sp, k, sigma));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_stage(r, "A", 1, &pA, &tA, &fA));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_stage(r, "sigma", 0, &pS, &tS, &fS));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_stage(r, "U", 0, &pU, &tU, &fU));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_stage(r, "V", 0, &pV, &tV, &fV));

  rla_ctx_progress(ctx,
                   PROG ": generating a %lld x %lld matrix of rank %lld, %s spectrum from 1 "
                        "to %.3e",
                   (long long)m, (long long)n, (long long)k, kname, sigma[k - 1]);
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done,
                rla_gen_svd(ctx, m, n, k, sigma, (uint64_t)seed, RLA_DMAT_ROWBLOCK, &A, &U, &V));
  t = rla_wtime() - t;
  rla_report_set_real(r->rep, "time_generate", t);
  rla_ctx_progress(ctx, PROG ": generated in %.2f s; writing", t);
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, rla_gen_vector_dmat(ctx, k, sigma, &S));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, A, pA, tA, fA, 0));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, S, pS, tS, fS, RLA_IO_VECTOR));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, U, pU, tU, fU, 0));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, V, pV, tV, fV, 0));
  rla_report_set_real(r->rep, "time_write_and_read_back", rla_wtime() - t);

  RLA_CALL_GOTO(ctx, err, done, orth_error(U, (uint64_t)seed, &eu));
  RLA_CALL_GOTO(ctx, err, done, orth_error(V, (uint64_t)seed + 1, &ev));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(A, &nA));
  for (int64_t j = 0; j < k; j++)
    ns = hypot(ns, sigma[j]);
  rla_report_set_real_array(r->rep, "sigma_first", k < 10 ? k : 10, sigma);
  rla_report_set_real(r->rep, "sigma_last", sigma[k - 1]);
  /* Householder Q factors: ||Q^T Q - I||_F = O(k eps) (Higham, ASNA, 19.3) */
  rla_report_check(r->rep, stdout, "orthonormal U: ||U^T U - I||_F (4-probe estimate) / (rank eps)",
                   eu / ((double)k * EPS), 16.0);
  rla_report_check(r->rep, stdout, "orthonormal V: ||V^T V - I||_F (4-probe estimate) / (rank eps)",
                   ev / ((double)k * EPS), 16.0);
  rla_report_check(r->rep, stdout,
                   "spectrum energy | ||A||_F - ||sigma||_2 | / (rank eps ||sigma||_2)",
                   fabs(nA - ns) / ((double)k * EPS * ns), 16.0);
  if (check) RLA_CALL_GOTO(ctx, err, done, svd_check_spectrum(r, A, sigma, m, n, k));
done:
  free(sigma);
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&U);
  rla_dmat_destroy(&V);
  rla_dmat_destroy(&S);
  return err;
}

/* ---- collection ---------------------------------------------------------------------------- */

/* parse "8,12,40" into a new array of count values >= 1 */
static rla_err parse_widths(rla_ctx ctx, const char *text, int64_t **w, int64_t *count)
{
  const char *p = text;
  int64_t n = 1;
  for (const char *q = text; *q; q++)
    n += *q == ',';
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)n, sizeof(int64_t), w));
  for (int64_t j = 0; j < n; j++) {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 1 || (*end && *end != ',')) {
      rla_free(w);
      RLA_CHECK(ctx, 0, RLA_ERR_ARG,
                "--widths: entry %lld of '%s' is not a positive integer (give e.g. 8,12,40)",
                (long long)j + 1, text);
    }
    (*w)[j] = v;
    p = end + (*end == ',');
  }
  *count = n;
  return RLA_SUCCESS;
}

struct projection {
  int64_t nsub, dim;
  double *B; /* local rows of all bases, lm x (nsub dim) */
  int64_t lm;
  double *G; /* nsub Cholesky factors of B_c^T B_c (dim x dim each), replicated */
};

static rla_err projection_setup(rla_ctx ctx, rla_collection coll, int64_t nsub, int64_t dim,
                                struct projection *p)
{
  rla_err err = RLA_SUCCESS;
  int64_t bad = 0;
  memset(p, 0, sizeof(*p));
  p->nsub = nsub;
  p->dim = dim;
  err = rla_calloc(ctx, (size_t)(nsub * dim * dim), sizeof(double), &p->G);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  for (int64_t c = 0; c < nsub && !err; c++) {
    rla_dmat B = NULL;
    double *b;
    int64_t lm, ld;
    RLA_CALL(ctx, rla_gen_collection_basis(coll, c, &B));
    rla_dmat_local(B, &b, &lm, NULL, &ld);
    if (!p->B) {
      p->lm = lm;
      err = rla_calloc(ctx, (size_t)(lm * nsub * dim), sizeof(double), &p->B);
    }
    for (int64_t t = 0; !err && t < dim; t++)
      memcpy(p->B + (c * dim + t) * lm, b + t * ld, sizeof(double) * (size_t)lm);
    rla_dmat_destroy(&B);
    RLA_CALL(ctx, rla_ctx_agree(ctx, err));
    if (lm > 0)
      cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)dim, (int)lm, 1.0,
                  p->B + c * dim * lm, (int)lm, 0.0, p->G + c * dim * dim, (int)dim);
  }
  RLA_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, p->G, (int)(nsub * dim * dim), MPI_DOUBLE, MPI_SUM,
                             rla_ctx_comm(ctx)));
  for (int64_t c = 0; c < nsub && !bad; c++)
    if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)dim, p->G + c * dim * dim, (int)dim))
      bad = c + 1;
  RLA_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_MAX, rla_ctx_comm(ctx)));
  RLA_CHECK(ctx, !bad, RLA_ERR_NUMERIC, "subspace basis %lld is numerically rank deficient",
            (long long)bad - 1);
  return RLA_SUCCESS;
}

/* for block A (row-block, lm rows like the bases): ||(I - P_c) A||_F^2 for its own subspace
   (explicitly) and the smallest relative residual over the other subspaces (normal equations,
   fine for residuals far from zero) */
static rla_err projection_residuals(rla_ctx ctx, struct projection *p, rla_dmat A, int64_t own,
                                    double *own_res2, double *norm2, double *other_rel)
{
  int64_t lm, w, ld, sd = p->nsub * p->dim, d = p->dim;
  double *a, *Y = NULL, *Z = NULL, *R = NULL, loc[2] = {0, 0}, glob[2];
  rla_err err;
  rla_dmat_local(A, &a, &lm, &w, &ld);
  err = rla_calloc(ctx, (size_t)(sd * w), sizeof(double), &Y);
  if (!err) err = rla_calloc(ctx, (size_t)(d * w), sizeof(double), &Z);
  if (!err) err = rla_calloc(ctx, (size_t)(lm * w), sizeof(double), &R);
  err = rla_ctx_agree(ctx, err);
  if (err) goto done;
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)sd, (int)w, (int)lm, 1.0, p->B,
                (int)lm, a, (int)ld, 0.0, Y, (int)sd);
  MPI_Allreduce(MPI_IN_PLACE, Y, (int)(sd * w), MPI_DOUBLE, MPI_SUM, rla_ctx_comm(ctx));
  /* own subspace: R = A - B_c G_c^{-1} Y_c */
  for (int64_t q = 0; q < w; q++)
    memcpy(Z + q * d, Y + own * d + q * sd, sizeof(double) * (size_t)d);
  LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', (int)d, (int)w, p->G + own * d * d, (int)d, Z, (int)d);
  for (int64_t q = 0; q < w; q++)
    memcpy(R + q * lm, a + q * ld, sizeof(double) * (size_t)lm);
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)w, (int)d, -1.0,
                p->B + own * d * lm, (int)lm, Z, (int)d, 1.0, R, (int)lm);
  for (int64_t k = 0; k < lm * w; k++)
    loc[0] += R[k] * R[k];
  for (int64_t q = 0; q < w; q++)
    for (int64_t i = 0; i < lm; i++)
      loc[1] += a[i + q * ld] * a[i + q * ld];
  MPI_Allreduce(loc, glob, 2, MPI_DOUBLE, MPI_SUM, rla_ctx_comm(ctx));
  *own_res2 = glob[0];
  *norm2 = glob[1];
  /* other subspaces: ||(I - P) A||^2 = ||A||^2 - trace(Y_c^T G_c^{-1} Y_c) */
  *other_rel = 1.0;
  for (int64_t c = 0; c < p->nsub; c++) {
    double tr = 0.0;
    if (c == own) continue;
    for (int64_t q = 0; q < w; q++)
      memcpy(Z + q * d, Y + c * d + q * sd, sizeof(double) * (size_t)d);
    /* with G = R^T R: trace(Y^T G^-1 Y) = ||R^-T Y||_F^2 */
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, (int)d, (int)w, 1.0,
                p->G + c * d * d, (int)d, Z, (int)d);
    for (int64_t k = 0; k < d * w; k++)
      tr += Z[k] * Z[k];
    if (glob[1] > 0) *other_rel = fmin(*other_rel, sqrt(fmax(0.0, 1.0 - tr / glob[1])));
  }
done:
  free(Y);
  free(Z);
  free(R);
  return err;
}

/* the collection's spec and output directory from the options; *list (the widths of --widths,
   or NULL) is the caller's to free */
static rla_err collection_configure(struct run *r, rla_collection_spec *spec, const char **dir,
                                    int64_t **list)
{
  rla_ctx ctx = r->ctx;
  const char *wtext;
  int64_t nlist = 0, seed;
  int v;

  RLA_CALL(ctx, rla_gen_get_int(r, "m", &spec->m));
  RLA_CALL(ctx, rla_gen_get_int(r, "blocks", &spec->nblocks));
  RLA_CALL(ctx, rla_gen_get_int(r, "subspaces", &spec->nsub));
  RLA_CALL(ctx, rla_gen_get_int(r, "dim", &spec->dim));
  RLA_CALL(ctx, rla_gen_get_int(r, "seed", &seed));
  RLA_CALL(ctx, rla_gen_get_int(r, "wide", &spec->nwide));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "noise", &spec->noise));
  RLA_CALL(ctx, rla_options_get_string(r->opts, "dir", dir));
  spec->seed = (uint64_t)seed;
  RLA_CALL(ctx, choice(r, "membership", membership_names, 2, &v));
  spec->membership = (rla_membership)v;
  if (spec->nwide > 0) {
    RLA_CHECK(ctx, rla_options_has(r->opts, "wide-width"), RLA_ERR_ARG,
              "--wide %lld needs --wide-width", (long long)spec->nwide);
    RLA_CALL(ctx, rla_gen_get_int(r, "wide-width", &spec->wide_width));
  }
  if (rla_options_has(r->opts, "widths")) {
    RLA_CHECK(ctx, !rla_options_has(r->opts, "width") && !rla_options_has(r->opts, "width-max"),
              RLA_ERR_ARG, "give either --widths or --width [--width-max], not both");
    RLA_CALL(ctx, rla_options_get_string(r->opts, "widths", &wtext));
    RLA_CALL(ctx, parse_widths(ctx, wtext, list, &nlist));
    if (nlist != spec->nblocks) {
      rla_free(list);
      RLA_CHECK(ctx, 0, RLA_ERR_ARG, "--widths lists %lld widths for --blocks %lld",
                (long long)nlist, (long long)spec->nblocks);
    }
    spec->widths = *list;
  } else {
    RLA_CHECK(ctx, rla_options_has(r->opts, "width"), RLA_ERR_ARG,
              "give the block widths: --width W [--width-max W2] or --widths LIST");
    RLA_CALL(ctx, rla_gen_get_int(r, "width", &spec->width_min));
    spec->width_max = spec->width_min;
    if (rla_options_has(r->opts, "width-max"))
      RLA_CALL(ctx, rla_gen_get_int(r, "width-max", &spec->width_max));
    RLA_CHECK(ctx, spec->width_max >= spec->width_min, RLA_ERR_ARG,
              "--width-max %lld is below --width %lld", (long long)spec->width_max,
              (long long)spec->width_min);
  }
  return RLA_SUCCESS;
}

/* every block file against the block generated: the largest difference (on this rank) into
   *diff, the sums of the squared residuals in the own subspaces and of the squared norms, the
   smallest relative residual in another subspace */
static rla_err collection_read_back(struct run *r, rla_collection coll, const char *dir,
                                    struct projection *proj, double *diff, double *res2,
                                    double *tot2, double *sep)
{
  rla_ctx ctx = r->ctx;
  const int64_t *c;
  int64_t K;
  char path[RLA_PATH_MAX + 64];
  rla_err err = RLA_SUCCESS;

  rla_gen_collection_info(coll, NULL, &K, NULL, &c, NULL);
  for (int64_t j = 0; j < K; j++) {
    rla_dmat A = NULL, B = NULL;
    double own2 = 0.0, n2 = 0.0, other = 1.0, d = 0.0, *a, *b;
    int64_t lm, ln, lda, ldb;
    const char *ext = r->fmt == RLA_FORMAT_MM      ? "mtx"
                      : r->fmt == RLA_FORMAT_PETSC ? "petsc"
                                                   : "npy";
    snprintf(path, sizeof(path), "%s/block_%06lld.%s", dir, (long long)j, ext);
    RLA_CALL(ctx, rla_gen_collection_block(coll, j, &A));
    err = rla_io_read(ctx, path, RLA_FORMAT_AUTO, 0, &B);
    if (!err) {
      rla_dmat_local(A, &a, &lm, &ln, &lda);
      rla_dmat_local(B, &b, NULL, NULL, &ldb);
      for (int64_t q = 0; q < ln; q++)
        for (int64_t i = 0; i < lm; i++)
          d = fmax(d, fabs(a[i + q * lda] - b[i + q * ldb]));
      *diff = fmax(*diff, d);
      err = projection_residuals(ctx, proj, B, c[j], &own2, &n2, &other);
    }
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&B);
    RLA_CALL(ctx, err);
    *res2 += own2;
    *tot2 += n2;
    *sep = fmin(*sep, other);
  }
  return RLA_SUCCESS;
}

static rla_err run_collection(struct run *r)
{
  rla_ctx ctx = r->ctx;
  rla_collection_spec spec = {0};
  rla_collection coll = NULL;
  struct projection proj = {0};
  const char *dir;
  int64_t *list = NULL, K;
  const int64_t *w, *c;
  double t, res2 = 0.0, tot2 = 0.0, sep = 1.0, diff = 0.0;
  rla_err err = RLA_SUCCESS;

  RLA_CALL(ctx, collection_configure(r, &spec, &dir, &list));

  rla_ctx_progress(ctx,
                   PROG ": generating %lld blocks of %lld rows from %lld subspaces of "
                        "dimension %lld",
                   (long long)spec.nblocks, (long long)spec.m, (long long)spec.nsub,
                   (long long)spec.dim);
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, rla_gen_collection_create(ctx, &spec, &coll));
  RLA_CALL_GOTO(
      ctx, err, done,
      rla_gen_collection_write(coll, dir, r->fmt == RLA_FORMAT_AUTO ? RLA_FORMAT_NPY : r->fmt));
  rla_report_set_real(r->rep, "time_generate_and_write", rla_wtime() - t);
  rla_gen_collection_info(coll, NULL, &K, &w, &c, NULL);
  rla_report_set_int_array(r->rep, "widths", K, w);
  rla_report_set_int_array(r->rep, "membership", K, c);

  /* checks: every file reads back as generated; projection residuals */
  rla_ctx_progress(ctx, PROG ": verifying");
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, projection_setup(ctx, coll, spec.nsub, spec.dim, &proj));
  RLA_CALL_GOTO(ctx, err, done,
                collection_read_back(r, coll, dir, &proj, &diff, &res2, &tot2, &sep));
  MPI_Allreduce(MPI_IN_PLACE, &diff, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
  rla_report_set_real(r->rep, "time_verify", rla_wtime() - t);
  rla_report_push_object(r->rep, "measured");
  rla_report_set_real(r->rep, "relative_residual_own_subspace", sqrt(res2 / tot2));
  rla_report_set_real(r->rep, "relative_residual_nearest_other_subspace",
                      spec.nsub > 1 ? sep : 1.0);
  rla_report_pop(r->rep);
  if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1)
    printf("measured: relative residual in the true subspaces %.3e (noise %g), smallest relative "
           "residual in another subspace %.3f\n",
           sqrt(res2 / tot2), spec.noise, spec.nsub > 1 ? sep : 1.0);
  rla_report_check(r->rep, stdout, "files read back as generated (max abs difference)", diff, 0.0);
  /* sum over blocks of ||(I - P_c(j)) A_j||^2 / ||A_j||^2 concentrates near
     noise^2 (1 - dim/m) / (1 + noise^2): twice the noise covers the fluctuations of all but
     tiny collections; 1000 eps the rounding of the projection */
  rla_report_check(r->rep, stdout, "union of subspaces: ||(I - P) A||_F / ||A||_F over all blocks",
                   sqrt(res2 / tot2), 2.0 * spec.noise + 1000 * EPS);
done:
  free(list);
  free(proj.B);
  free(proj.G);
  rla_gen_collection_destroy(&coll);
  return err;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void usage(rla_ctx ctx, unsigned kind, rla_options opts)
{
  if (rla_ctx_rank(ctx) != 0) return;
  if (!kind)
    printf("usage: mpirun -np P " PROG " KIND [options] [deck]\n"
           "KIND: lsq (least squares with known solution), svd (prescribed singular values),\n"
           "      collection (blocks from a union of subspaces). '" PROG " KIND --help' lists\n"
           "      the options of one kind. All options:\n");
  {
    char prog[64];
    snprintf(prog, sizeof(prog), PROG "%s%s", kind ? " " : "", kind ? kind_name(kind) : "");
    rla_options_help(opts, prog, stdout);
  }
}

/* the job: the format, the kind and ranks in the report, the problem of that kind */
static rla_err gen_job(rla_driver_job *job, void *data)
{
  unsigned kind = *(const unsigned *)data;
  struct run r = {job->ctx, job->opts, job->rep, job->outs, RLA_FORMAT_AUTO, job->t0};
  int v = 0;
  RLA_CALL(r.ctx, choice(&r, "format", format_names, 4, &v));
  r.fmt = (rla_format)v;
  RLA_CALL(r.ctx, rla_report_set_string(r.rep, "kind", kind_name(kind)));
  RLA_CALL(r.ctx, rla_report_set_int(r.rep, "ranks", rla_ctx_size(r.ctx)));
  return kind == LSQ ? run_lsq(&r) : kind == SVD ? run_svd(&r) : run_collection(&r);
}

/* The kind from the first argument (taken off argv) or the kind key: a first pass over every
   option finds it and rejects the options of other kinds. Fills specs with the options of the
   kind. Returns 1 when main must stop with *code (--help, or an error printed), 0 to go on. */
static int select_kind(rla_ctx ctx, int *argc, char ***argv, rla_option_spec *specs, int *nspecs,
                       unsigned *kindp, int *code)
{
  rla_options all = NULL, opts = NULL;
  rla_option_spec all_specs[NSPECS];
  unsigned kind = 0, given;
  const char *ktext = NULL;
  int stop = 1;
  rla_err err = RLA_SUCCESS;

  *code = 1;
  *nspecs = 0;
  for (int i = 0; i < NSPECS; i++)
    all_specs[i] = table[i].spec;
  if (*argc > 1 && (kind = kind_of((*argv)[1]))) {
    (*argv)[1] = (*argv)[0];
    (*argv)++;
    (*argc)--;
  }
  if (rla_options_create(ctx, all_specs, NSPECS, &all)) goto fail;
  for (int i = 0; i < NSPECS; i++)
    if (!kind || (table[i].kinds & kind)) specs[(*nspecs)++] = all_specs[i];
  if (rla_options_create(ctx, specs, *nspecs, &opts)) goto fail;
  if (rla_driver_wants_help(*argc, *argv)) {
    usage(ctx, kind, opts);
    *code = 0;
    goto end;
  }
  if (rla_options_parse(all, *argc, *argv)) goto fail;
  if (rla_options_has(all, "kind")) rla_options_get_string(all, "kind", &ktext);
  given = kind_of(ktext);
  if (kind && given && kind != given)
    err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                        "the kind is given twice: '%s' and kind = %s", kind_name(kind), ktext);
  else if (!kind && !given)
    err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                        "give the problem kind: " PROG " lsq|svd|collection [options] [deck] "
                        "(or kind = ... in the deck); see --help");
  if (!kind) kind = given;
  for (int i = 0; !err && i < NSPECS; i++)
    if (!(table[i].kinds & kind) && rla_options_given(all, all_specs[i].name))
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                          "option --%s does not apply to %s problems (see " PROG " %s --help)",
                          all_specs[i].name, kind_name(kind), kind_name(kind));
  if (err) goto fail;
  *nspecs = 0;
  for (int i = 0; i < NSPECS; i++)
    if (table[i].kinds & kind) specs[(*nspecs)++] = all_specs[i];
  *kindp = kind;
  *code = 0;
  stop = 0;
  goto end;
fail:
  *code = rla_driver_fail(ctx, PROG);
end:
  rla_options_destroy(&opts);
  rla_options_destroy(&all);
  return stop;
}

/* the kind, then the shared life of a driver with the options of that kind (the second pass:
   validates, echoes the parameters) */
int main(int argc, char **argv)
{
  rla_ctx ctx = NULL;
  rla_option_spec specs[NSPECS];
  unsigned kind = 0;
  int nspecs, code;

  if (rla_driver_init(&argc, &argv, &ctx)) return 1;
  if (select_kind(ctx, &argc, &argv, specs, &nspecs, &kind, &code))
    return rla_driver_finalize(&ctx, code);
  {
    rla_driver_def def = {PROG, specs, nspecs, NULL, NULL, gen_job, &kind};
    return rla_driver_run_ctx(&ctx, &def, argc, argv);
  }
}
