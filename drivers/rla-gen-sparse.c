/* SPDX-License-Identifier: BSD-3-Clause */
/* rla-gen lsq --sparse and rla-gen svd --sparse: sparse problems with known answers
   (rla_gen_sparse_lsq, rla_gen_sparse_svd), written as Matrix Market coordinate or PETSc AIJ,
   read back and checked against what the construction guarantees, each check a scaled value
   against its bound (PASSED when at most 1, or 0 for exact ones). Only cheap facts are measured:
   nothing here factors A, except --check-spectrum on small matrices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rla-gen.h"

#define UROUND (EPS / 2)

/* gamma_k = k u / (1 - k u) (Higham, ASNA 2nd ed., Lemma 3.1) */
static double gamma_k(double k) { return k * UROUND / (1.0 - k * UROUND); }

int rla_gen_sparse_wanted(struct run *r)
{
  int flag = 0;
  rla_options_get_flag(r->opts, "sparse", &flag);
  return flag || rla_options_given(r->opts, "nnz-per-row") ||
         rla_options_given(r->opts, "dense-rows") || rla_options_given(r->opts, "block");
}

/* the output A of a sparse problem of nnz entries, staged; .npy, and PETSc beyond its 32-bit
   counts, are refused before any work */
static rla_err stage_sparse(struct run *r, int64_t nnz, const char **path, const char **tmp,
                            rla_format *f)
{
  RLA_CALL(r->ctx, rla_gen_stage(r, "A", 1, path, tmp, f));
  RLA_CHECK(r->ctx, *f != RLA_FORMAT_NPY, RLA_ERR_ARG,
            "%s: a sparse A is written as Matrix Market coordinate (.mtx) or PETSc AIJ (.petsc), "
            "not .npy",
            *path);
  RLA_CHECK(r->ctx, *f != RLA_FORMAT_PETSC || nnz <= INT32_MAX, RLA_ERR_UNSUPPORTED,
            "%s: A would have %lld nonzeros, and PETSc AIJ files hold at most 2^31 - 1: write "
            "Matrix Market (.mtx) or make A smaller",
            *path, (long long)nnz);
  return RLA_SUCCESS;
}

/* write A to the staged tmp with the sparse writer, read it back with the sparse reader (the
   same row split) and count the rows, column indices and values that differ: a check of 0 */
static rla_err write_sparse_and_verify(struct run *r, rla_smat A, const char *path, const char *tmp,
                                       rla_format f)
{
  rla_smat B = NULL;
  const int64_t *ra, *rb;
  const int32_t *ca, *cb;
  double *va, *vb, diff = 0.0, all;
  int64_t lma, lmb;
  char name[RLA_PATH_MAX + 64];

  RLA_CALL(r->ctx, rla_io_write_sparse(A, tmp, f));
  RLA_CALL(r->ctx, rla_io_read_sparse(r->ctx, tmp, f, &B));
  rla_smat_local_rows(A, NULL, &lma);
  rla_smat_local_rows(B, NULL, &lmb);
  rla_smat_local(A, &ra, &ca, &va);
  rla_smat_local(B, &rb, &cb, &vb);
  if (lma != lmb || memcmp(ra, rb, sizeof(int64_t) * (size_t)(lma + 1))) diff = 1.0 + (double)lma;
  for (int64_t e = 0; diff == 0.0 && e < ra[lma]; e++)
    diff += ca[e] != cb[e] || memcmp(&va[e], &vb[e], sizeof(double)) != 0;
  rla_smat_destroy(&B);
  RLA_MPI(r->ctx, MPI_Allreduce(&diff, &all, 1, MPI_DOUBLE, MPI_SUM, rla_ctx_comm(r->ctx)));
  snprintf(name, sizeof(name), "file %s reads back as written (entries that differ)", path);
  rla_report_check(r->rep, stdout, name, all, 0.0);
  return RLA_SUCCESS;
}

/* ---- lsq ----------------------------------------------------------------------------------- */

static rla_err sparse_lsq_configure(struct run *r, rla_sparse_lsq_spec *sp)
{
  int64_t seed;
  RLA_CALL(r->ctx, rla_gen_get_int(r, "m", &sp->m));
  RLA_CALL(r->ctx, rla_gen_get_int(r, "n", &sp->n));
  RLA_CALL(r->ctx, rla_gen_get_int(r, "seed", &seed));
  RLA_CALL(r->ctx, rla_gen_get_int(r, "dense-rows", &sp->dense_rows));
  sp->nnz_per_row = 8;
  if (rla_options_has(r->opts, "nnz-per-row"))
    RLA_CALL(r->ctx, rla_gen_get_int(r, "nnz-per-row", &sp->nnz_per_row));
  RLA_CALL(r->ctx, rla_options_get_real(r->opts, "cond", &sp->cond));
  RLA_CALL(r->ctx, rla_options_get_real(r->opts, "residual", &sp->residual_norm));
  sp->seed = (uint64_t)seed;
  RLA_CHECK(r->ctx, sp->nnz_per_row <= sp->n, RLA_ERR_ARG,
            "--nnz-per-row %lld exceeds the %lld columns", (long long)sp->nnz_per_row,
            (long long)sp->n);
  RLA_CHECK(r->ctx, sp->m >= sp->n + sp->dense_rows, RLA_ERR_ARG,
            "sparse least squares needs m >= n + dense rows: got -m %lld, -n %lld, --dense-rows "
            "%lld",
            (long long)sp->m, (long long)sp->n, (long long)sp->dense_rows);
  RLA_CHECK(r->ctx, sp->residual_norm == 0 || sp->m >= sp->n + sp->dense_rows + 2, RLA_ERR_ARG,
            "--residual %g > 0 needs m >= n + dense rows + 2 (a pair of equal rows carries it)",
            sp->residual_norm);
  return RLA_SUCCESS;
}

/* Row by row: |b_i - (A x)_i - r_i| against gamma_{k+1} (|a_i| |x| + |r_i|), the rounding of
   b_i = fl(fl(a_i . x) + r_i) for k entries, evaluated in long double (its own error, (k + 2)
   2^-63 of the same sums and |b_i|, is added to the bound). Column by column: fl(A^T r) against
   gamma_{c + P} (|A|^T |r|) with c the largest column count: A^T r is exactly 0, so what is
   computed is rounding only. *row and *col: the largest ratios (agreed). */
static rla_err lsq_ratios(rla_ctx ctx, rla_smat A, const double *xs, const double *b,
                          const double *res, double *row, double *col)
{
  const int64_t *rp;
  const int32_t *ci;
  double *v, *y = NULL, ratio[2] = {0.0, 0.0}, ny = 0.0, nz = 0.0, cmax = 0.0;
  int64_t lm, m, n;
  rla_err err;
  rla_smat_sizes(A, &m, &n);
  rla_smat_local_rows(A, NULL, &lm);
  rla_smat_local(A, &rp, &ci, &v);
  err = rla_calloc(ctx, (size_t)(3 * n), sizeof(double), &y); /* A^T r, |A|^T |r|, counts */
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  for (int64_t i = 0; i < lm; i++) {
    long double ax = 0.0L, ab = 0.0L, k = (long double)(rp[i + 1] - rp[i]);
    for (int64_t e = rp[i]; e < rp[i + 1]; e++) {
      ax += (long double)v[e] * xs[ci[e]];
      ab += fabsl((long double)v[e] * xs[ci[e]]);
      y[ci[e]] += v[e] * res[i];
      y[n + ci[e]] += fabs(v[e] * res[i]);
      y[2 * n + ci[e]] += 1.0;
    }
    long double dev = fabsl((long double)b[i] - ax - res[i]);
    long double bound = (long double)gamma_k((double)k + 1) * (ab + fabs(res[i])) +
                        (k + 2) * 0x1p-63L * (ab + fabs(res[i]) + fabs(b[i]));
    ratio[0] = fmax(ratio[0], bound > 0 ? (double)(dev / bound) : (dev > 0 ? INFINITY : 0.0));
  }
  err = MPI_Allreduce(MPI_IN_PLACE, y, (int)(3 * n), MPI_DOUBLE, MPI_SUM, rla_ctx_comm(ctx));
  for (int64_t j = 0; j < n; j++) {
    ny = hypot(ny, y[j]);
    nz = hypot(nz, y[n + j]);
    cmax = fmax(cmax, y[2 * n + j]);
  }
  free(y);
  RLA_CHECK(ctx, err == MPI_SUCCESS, RLA_ERR_MPI, "reduction of A^T r failed");
  RLA_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, ratio, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx)));
  *row = ratio[0];
  *col = nz > 0 ? ny / (gamma_k(cmax + rla_ctx_size(ctx)) * nz) : (ny > 0 ? INFINITY : 0.0);
  return RLA_SUCCESS;
}

/* the checks of a sparse lsq problem: nnz, b = A x + r, A^T r = 0, ||r||, ||x|| */
static rla_err sparse_lsq_checks(struct run *r, const rla_sparse_lsq_spec *sp, rla_smat A,
                                 rla_dmat b, rla_dmat x, rla_dmat res)
{
  rla_ctx ctx = r->ctx;
  double *xs = NULL, *bb, *rr, rowr = 0.0, colr = 0.0, nr, nx, nA;
  int64_t want = (sp->m - sp->dense_rows) * sp->nnz_per_row + sp->dense_rows * sp->n;
  rla_err err;
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)sp->n, sizeof(double), &xs)));
  err = rla_dmat_gather(x, -1, xs);
  rla_dmat_local(b, &bb, NULL, NULL, NULL);
  rla_dmat_local(res, &rr, NULL, NULL, NULL);
  if (!err) err = lsq_ratios(ctx, A, xs, bb, rr, &rowr, &colr);
  free(xs);
  RLA_CALL(ctx, err);
  RLA_CALL(ctx, rla_dmat_norm_fro(res, &nr));
  RLA_CALL(ctx, rla_dmat_norm_fro(x, &nx));
  RLA_CALL(ctx, rla_smat_norm_fro(A, &nA));
  rla_report_push_object(r->rep, "measured");
  rla_report_set_int(r->rep, "nnz", rla_smat_nnz(A));
  rla_report_set_real(r->rep, "norm_A_fro", nA);
  rla_report_set_real(r->rep, "norm_r", nr);
  rla_report_set_real(r->rep, "norm_x", nx);
  rla_report_pop(r->rep);
  if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1)
    printf("measured: nnz(A) = %lld, ||A||_F = %.6e, ||r|| = %.6e (requested %.6e)\n",
           (long long)rla_smat_nnz(A), nA, nr, sp->residual_norm);
  rla_report_check(r->rep, stdout, "nonzeros |nnz(A) - ((m - d) r + d n)|",
                   fabs((double)(rla_smat_nnz(A) - want)), 0.0);
  rla_report_check(r->rep, stdout,
                   "right-hand side max_i |b_i - (A x*)_i - r_i| / (gamma_{k+1} (|a_i| |x*| + "
                   "|r_i|))",
                   rowr, 1.0);
  rla_report_check(
      r->rep, stdout,
      "orthogonality (exact 0 in theory) ||fl(A^T r)|| / (gamma_{c+P} || |A|^T |r| ||)", colr, 1.0);
  /* t = fl(rho / fl(sqrt(2 npairs))): 3 roundings; the norm's own: (m + 2) u */
  rla_report_check(r->rep, stdout, "residual norm | ||r|| - residual | / ((m + 5) u residual)",
                   sp->residual_norm > 0 ? fabs(nr - sp->residual_norm) /
                                               ((double)(sp->m + 5) * UROUND * sp->residual_norm)
                                         : nr,
                   sp->residual_norm > 0 ? 1.0 : 0.0);
  /* n - 1 hypot calls and a division, each within 1 ulp, and the norm's own (n + 2) u */
  rla_report_check(r->rep, stdout, "solution norm | ||x*|| - 1 | / ((3 n + 3) u)",
                   fabs(nx - 1.0) / ((double)(3 * sp->n + 3) * UROUND), 1.0);
  return RLA_SUCCESS;
}

rla_err rla_gen_run_sparse_lsq(struct run *r)
{
  rla_ctx ctx = r->ctx;
  rla_sparse_lsq_spec sp = {0};
  const char *pA, *pb, *px, *tA, *tb, *tx;
  rla_format fA = RLA_FORMAT_MM, fb = RLA_FORMAT_NPY, fx = RLA_FORMAT_NPY;
  rla_smat A = NULL;
  rla_dmat b = NULL, x = NULL, res = NULL;
  double t;
  rla_err err = RLA_SUCCESS;

  RLA_CALL(ctx, sparse_lsq_configure(r, &sp));
  /* m, n <= 2^31 - 1 (the options' range): no overflow */
  RLA_CALL(ctx, stage_sparse(r, (sp.m - sp.dense_rows) * sp.nnz_per_row + sp.dense_rows * sp.n, &pA,
                             &tA, &fA));
  RLA_CALL(ctx, rla_gen_stage(r, "b", 1, &pb, &tb, &fb));
  RLA_CALL(ctx, rla_gen_stage(r, "x", 0, &px, &tx, &fx));
  rla_ctx_progress(ctx,
                   PROG ": generating a sparse %lld x %lld least squares problem, %lld nonzeros "
                        "per row, %lld dense rows, column scales 1 to 1/%g, residual %g",
                   (long long)sp.m, (long long)sp.n, (long long)sp.nnz_per_row,
                   (long long)sp.dense_rows, sp.cond, sp.residual_norm);
  t = rla_wtime();
  RLA_CALL(ctx, rla_gen_sparse_lsq(ctx, &sp, &A, &b, &x, &res));
  t = rla_wtime() - t;
  rla_report_set_real(r->rep, "time_generate", t);
  rla_ctx_progress(ctx, PROG ": generated in %.2f s; writing", t);
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, write_sparse_and_verify(r, A, pA, tA, fA));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, b, pb, tb, fb, RLA_IO_VECTOR));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, x, px, tx, fx, RLA_IO_VECTOR));
  rla_report_set_real(r->rep, "time_write_and_read_back", rla_wtime() - t);
  RLA_CALL_GOTO(ctx, err, done, sparse_lsq_checks(r, &sp, A, b, x, res));
done:
  rla_smat_destroy(&A);
  rla_dmat_destroy(&b);
  rla_dmat_destroy(&x);
  rla_dmat_destroy(&res);
  return err;
}

/* ---- svd ----------------------------------------------------------------------------------- */

/* The rounding of the blocks (rla/gen.h): with s and l the largest block's sides, the factors'
   orthogonality delta = 6 (l s + s (s + 1)) u moves each sigma_j by 2 delta + u relatively, and
   the products add s^1.5 u ||sigma_t||_2 <= s^2 u sigma_0 absolutely. */
struct block_bound {
  double rel, abs; /* |sigma_j(A) - sigma_j| <= rel sigma_j + abs sigma_0 */
};

static struct block_bound block_bound(int64_t m, int64_t n, int64_t block)
{
  int64_t mn = m < n ? m : n, ml = m < n ? n : m, nb = (mn + block - 1) / block;
  double s = (double)((mn + nb - 1) / nb), l = s + (double)((ml - mn + nb - 1) / nb);
  struct block_bound b = {2 * 6 * (l * s + s * (s + 1)) * UROUND + UROUND, s * s * UROUND};
  return b;
}

/* the sparse A as a dense row-block matrix (the same row split) */
static rla_err densify(rla_smat A, rla_dmat *D)
{
  rla_ctx ctx = rla_smat_ctx(A);
  const int64_t *rp;
  const int32_t *ci;
  double *v, *a;
  int64_t m, n, lm, lld;
  rla_smat_sizes(A, &m, &n);
  rla_smat_local(A, &rp, &ci, &v);
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, m, n, 0, D));
  rla_dmat_local(*D, &a, &lm, NULL, &lld);
  for (int64_t i = 0; i < lm; i++)
    for (int64_t e = rp[i]; e < rp[i + 1]; e++)
      a[i + ci[e] * lld] = v[e];
  return RLA_SUCCESS;
}

/* --check-spectrum: dgesvd of the dense A on rank 0 against sigma, zeros past k */
static rla_err sparse_svd_spectrum(struct run *r, rla_smat A, const double *sigma, int64_t k,
                                   struct block_bound bb)
{
  rla_ctx ctx = r->ctx;
  rla_dmat D = NULL;
  int64_t m, n, mn;
  double *s = NULL, worst = 0.0;
  rla_err err;
  rla_smat_sizes(A, &m, &n);
  mn = m < n ? m : n;
  rla_ctx_progress(ctx, PROG ": computing the singular values of A (dgesvd on rank 0)");
  RLA_CALL(ctx, densify(A, &D));
  err = rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)mn, sizeof(double), &s));
  if (!err) err = rla_gen_singular_values(D, s);
  /* dgesvd adds max(m, n) u sigma_0 (LAPACK Users' Guide, section 4.9) */
  for (int64_t j = 0; !err && j < mn; j++) {
    double want = j < k ? sigma[j] : 0.0;
    double bound = bb.rel * want + (bb.abs + (double)(m > n ? m : n) * UROUND) * sigma[0];
    worst = fmax(worst, fabs(s[j] - want) / bound);
  }
  free(s);
  rla_dmat_destroy(&D);
  RLA_CALL(ctx, err);
  rla_report_check(r->rep, stdout,
                   "singular values max_j |s_j - sigma_j| / ((2 delta + u) sigma_j + (s^2 + "
                   "max(m, n)) u sigma_0)",
                   worst, 1.0);
  return RLA_SUCCESS;
}

/* nnz as promised; ||A||_F against ||sigma||_2: the blocks' rounding, and the norm's own
   gamma_{nnz + P} / 2 */
static rla_err sparse_svd_checks(struct run *r, rla_smat A, const double *sigma, int64_t k,
                                 int64_t want, struct block_bound bb)
{
  double nA, ns = 0.0, bound;
  RLA_CALL(r->ctx, rla_smat_norm_fro(A, &nA));
  for (int64_t j = 0; j < k; j++)
    ns = hypot(ns, sigma[j]);
  bound = (bb.rel + bb.abs + gamma_k((double)(want + rla_ctx_size(r->ctx))) / 2) * ns;
  rla_report_push_object(r->rep, "measured");
  rla_report_set_int(r->rep, "nnz", rla_smat_nnz(A));
  rla_report_set_real(r->rep, "norm_A_fro", nA);
  rla_report_pop(r->rep);
  if (rla_ctx_rank(r->ctx) == 0 && rla_ctx_verbosity(r->ctx) >= 1)
    printf("measured: nnz(A) = %lld, ||A||_F = %.6e, ||sigma||_2 = %.6e\n",
           (long long)rla_smat_nnz(A), nA, ns);
  rla_report_check(r->rep, stdout, "nonzeros |nnz(A) - promised|",
                   fabs((double)(rla_smat_nnz(A) - want)), 0.0);
  rla_report_check(r->rep, stdout,
                   "spectrum energy | ||A||_F - ||sigma||_2 | / (block rounding + norm rounding)",
                   fabs(nA - ns) / bound, 1.0);
  return RLA_SUCCESS;
}

rla_err rla_gen_run_sparse_svd(struct run *r)
{
  rla_ctx ctx = r->ctx;
  int64_t m = 0, n = 0, k = 0, seed = 0, block = 0, nnz = 0;
  const char *kname, *pA, *pS, *tA, *tS;
  rla_format fA = RLA_FORMAT_MM, fS = RLA_FORMAT_NPY;
  rla_spectrum sp = {0};
  rla_smat A = NULL;
  rla_dmat S = NULL;
  double *sigma = NULL, t;
  int check = 0;
  rla_err err = RLA_SUCCESS;

  RLA_CALL(ctx, rla_gen_svd_configure(r, &m, &n, &k, &seed, &sp, &kname, &check));
  RLA_CHECK(ctx, rla_options_has(r->opts, "block"), RLA_ERR_ARG,
            "svd --sparse needs --block B (blocks of at most B indices along the shorter side)");
  RLA_CHECK(ctx, !rla_options_has(r->opts, "U") && !rla_options_has(r->opts, "V"), RLA_ERR_ARG,
            "svd --sparse writes no singular vectors: drop -U and -V");
  RLA_CALL(ctx, rla_gen_get_int(r, "block", &block));
  RLA_CALL(ctx, rla_gen_sparse_svd_nnz(ctx, m, n, block, k, &nnz));
  RLA_CHECK(ctx, !check || (double)m * (double)n < 2147483648.0, RLA_ERR_UNSUPPORTED,
            "--check-spectrum gathers A dense on one rank: %lld x %lld is too large", (long long)m,
            (long long)n);
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)k, sizeof(double), &sigma)));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_spectrum(ctx, &sp, k, sigma));
  RLA_CALL_GOTO(ctx, err, done, stage_sparse(r, nnz, &pA, &tA, &fA));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_stage(r, "sigma", 0, &pS, &tS, &fS));
  rla_ctx_progress(ctx,
                   PROG
                   ": generating a sparse %lld x %lld matrix of rank %lld from blocks of %lld, "
                   "%lld nonzeros, %s spectrum from 1 to %.3e",
                   (long long)m, (long long)n, (long long)k, (long long)block, (long long)nnz,
                   kname, sigma[k - 1]);
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, rla_gen_sparse_svd(ctx, m, n, block, k, sigma, (uint64_t)seed, &A));
  t = rla_wtime() - t;
  rla_report_set_real(r->rep, "time_generate", t);
  rla_ctx_progress(ctx, PROG ": generated in %.2f s; writing", t);
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, rla_gen_vector_dmat(ctx, k, sigma, &S));
  RLA_CALL_GOTO(ctx, err, done, write_sparse_and_verify(r, A, pA, tA, fA));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_write_and_verify(r, S, pS, tS, fS, RLA_IO_VECTOR));
  rla_report_set_real(r->rep, "time_write_and_read_back", rla_wtime() - t);
  rla_report_set_real_array(r->rep, "sigma_first", k < 10 ? k : 10, sigma);
  rla_report_set_real(r->rep, "sigma_last", sigma[k - 1]);
  RLA_CALL_GOTO(ctx, err, done, sparse_svd_checks(r, A, sigma, k, nnz, block_bound(m, n, block)));
  if (check)
    RLA_CALL_GOTO(ctx, err, done, sparse_svd_spectrum(r, A, sigma, k, block_bound(m, n, block)));
done:
  free(sigma);
  rla_smat_destroy(&A);
  rla_dmat_destroy(&S);
  return err;
}
