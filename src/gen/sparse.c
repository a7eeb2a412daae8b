/* SPDX-License-Identifier: BSD-3-Clause */
/* Sparse least squares problems with a known solution, and the pieces the sparse generators
   share (row split, seeded sampling and permutations).
   Construction of A (m x n, r nonzeros per row, d dense rows), A = A0 D:
   - Rows are of four sorts, indexed by a source s in [0, m): n "rank rows" (s < n), d dense rows,
     npairs = floor((m - n - d) / 2) pairs of equal rows, and one single row when m - n - d is
     odd. Global row i holds source s = (a i) mod m, a the integer nearest m / golden ratio that
     is coprime to m: a bijection that spreads each sort evenly over the rows (and the ranks).
   - Rank row p: column p with the value +-r, and r - 1 further distinct columns drawn uniformly
     from the others (Floyd's algorithm, Bentley and Floyd, CACM 30, 1987) with values uniform in
   (-1, 1). Pairs, the single row: r distinct columns drawn uniformly from [0, n), values uniform in
   (-1, 1); both rows of a pair are drawn from one key (the pair), so they are bitwise equal. Dense
   rows: every column, values uniform in (-1, 1). No value is zero (53-bit uniforms on an odd grid).
   - D = diag(s_j), s_j = cond^(-j / (n - 1)), from 1 down to 1/cond (the geometric spectrum).
   Full column rank, proved: the n rank rows of A0 form a matrix R that is strictly diagonally
   dominant by rows with a gap r - sum |off-diagonal| > 1, so R is nonsingular and
   ||R^-1||_inf < 1 (Varah, Linear Algebra Appl. 11, 1975); hence
   sigma_min(A0) >= sigma_min(R) > 1 / sqrt(n) and sigma_min(A) > 1 / (sqrt(n) cond) (the stored
   entries fl(a s_j) keep the dominance with a gap above 1 - 2 r u, a factor that bound loses at
   most). Nothing sharper is claimed: cond(A) <= cond(A0) cond, and cond(A0) is modest for random
   rows (it is not computed).
   Known answer: x Gaussian (RLA_RNG_GEN_X) with ||x||_2 = 1; the residual r is +t on the first
   row of pair q and -t on the second (t = +-rho / sqrt(2 npairs), its sign drawn per pair), 0
   elsewhere. The two rows of a pair are bitwise equal, so A^T r = sum_q t_q (a_q - a_q) = 0
   exactly (in exact arithmetic on the stored numbers: no rounding is involved), ||r|| = rho to
   2 ulps, and x is the exact least squares solution for the right-hand side A x + r; b =
   fl(fl(a_i . x) + r_i) is that right-hand side rounded: |b_i - a_i x - r_i| <= gamma_{k+1}
   (|a_i| |x| + |r_i|) for a row of k entries.
   Every number depends only on (seed, source, position), so the problem is bitwise the same on
   any number of ranks. Cost per rank: O(nnz / P + n) work and memory, O(r) random draws per row;
   no communication besides the agreement on errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dmat/dmat_impl.h"
#include "../smat/smat_impl.h"
#include "gen_impl.h"

void rla_gen_row_split(rla_ctx ctx, int64_t m, int64_t *row0, int64_t *lm)
{
  int64_t P = rla_ctx_size(ctx), mb = m > 0 ? (m + P - 1) / P : 1;
  *row0 = rla_ctx_rank(ctx) * mb < m ? rla_ctx_rank(ctx) * mb : m;
  *lm = m - *row0 < mb ? m - *row0 : mb;
}

uint64_t rla_gen_below(rla_rng rng, uint64_t row, uint64_t *ctr, uint64_t n)
{
  uint64_t lim = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    uint64_t w = rla_rng_bits(rng, row, (*ctr)++);
    if (w < lim) return w % n;
  }
}

void rla_gen_permutation(rla_rng rng, uint64_t row, int64_t len, int64_t *perm)
{
  uint64_t ctr = 0;
  for (int64_t i = 0; i < len; i++)
    perm[i] = i;
  for (int64_t i = len - 1; i > 0; i--) {
    int64_t j = (int64_t)rla_gen_below(rng, row, &ctr, (uint64_t)i + 1), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

static int cmp_int32(const void *a, const void *b)
{
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* k distinct values in [0, N) drawn uniformly (Floyd's algorithm: exactly k draws), in
   increasing order; marks: N zero bytes, left zero */
static void sample_sorted(rla_rng rng, uint64_t row, int64_t N, int64_t k, unsigned char *marks,
                          int32_t *out)
{
  uint64_t ctr = 0;
  for (int64_t j = N - k, q = 0; j < N; j++, q++) {
    int64_t t = (int64_t)rla_gen_below(rng, row, &ctr, (uint64_t)j + 1);
    if (marks[t]) t = j;
    marks[t] = 1;
    out[q] = (int32_t)t;
  }
  for (int64_t q = 0; q < k; q++)
    marks[out[q]] = 0;
  if (k > 32) {
    qsort(out, (size_t)k, sizeof(int32_t), cmp_int32);
    return;
  }
  for (int64_t q = 1; q < k; q++)
    for (int64_t p = q; p > 0 && out[p - 1] > out[p]; p--) {
      int32_t t = out[p];
      out[p] = out[p - 1];
      out[p - 1] = t;
    }
}

/* ---- sparse least squares ------------------------------------------------------------------- */

struct lsq_plan {
  rla_sparse_lsq_spec spec;
  int64_t npairs, stride;
  double t;             /* residual magnitude on a paired row */
  const double *scale;  /* n column scales */
  unsigned char *marks; /* n bytes of work */
};

enum { RANK_ROW, DENSE_ROW, PAIR_ROW, SINGLE_ROW };

/* the sort of global row i, the key of its content and (pairs) which of the two rows it is */
static int row_sort(const struct lsq_plan *pl, int64_t i, int64_t *key, int *second)
{
  const rla_sparse_lsq_spec *sp = &pl->spec;
  int64_t s = (int64_t)(((unsigned __int128)pl->stride * (unsigned __int128)i) % (uint64_t)sp->m);
  int64_t n = sp->n, d = sp->dense_rows;
  *key = s;
  *second = 0;
  if (s < n) return RANK_ROW;
  if (s < n + d) return DENSE_ROW;
  if (s < n + d + 2 * pl->npairs) {
    *key = n + d + (s - n - d) / 2;
    *second = (int)((s - n - d) % 2);
    return PAIR_ROW;
  }
  *key = n + d + pl->npairs;
  return SINGLE_ROW;
}

static int64_t row_length(const struct lsq_plan *pl, int64_t i)
{
  int64_t key;
  int second;
  return row_sort(pl, i, &key, &second) == DENSE_ROW ? pl->spec.n : pl->spec.nnz_per_row;
}

/* the entries of global row i (scaled by the columns) and its residual r_i */
static void lsq_row(const struct lsq_plan *pl, int64_t i, int32_t *col, double *val, double *res)
{
  const rla_sparse_lsq_spec *sp = &pl->spec;
  rla_rng pat = rla_rng_make(sp->seed, RLA_RNG_GEN_PATTERN);
  int64_t key, n = sp->n, r = sp->nnz_per_row, len = r, diag = -1;
  int second, sort = row_sort(pl, i, &key, &second);

  *res = 0.0;
  if (sort == DENSE_ROW) {
    len = n;
    for (int64_t j = 0; j < n; j++)
      col[j] = (int32_t)j;
  } else if (sort == RANK_ROW) {
    /* r - 1 columns among the n - 1 others (skipping column key), then key in its place */
    sample_sorted(pat, (uint64_t)key, n - 1, r - 1, pl->marks, col);
    diag = 0;
    for (int64_t q = 0; q < r - 1; q++) {
      if (col[q] >= key) col[q]++;
      diag += col[q] < key;
    }
    memmove(col + diag + 1, col + diag, sizeof(int32_t) * (size_t)(r - 1 - diag));
    col[diag] = (int32_t)key;
  } else {
    sample_sorted(pat, (uint64_t)key, n, r, pl->marks, col);
  }
  rla_rng_uniform(rla_rng_make(sp->seed, RLA_RNG_GEN_ENTRIES), (uint64_t)key, 0, (size_t)len, val);
  for (int64_t q = 0; q < len; q++)
    val[q] = 2.0 * val[q] - 1.0;
  if (diag >= 0) val[diag] = val[diag] < 0 ? -(double)r : (double)r;
  for (int64_t q = 0; q < len; q++)
    val[q] *= pl->scale[col[q]];
  if (sort == PAIR_ROW) {
    double sg;
    rla_rng_sign(rla_rng_make(sp->seed, RLA_RNG_GEN_R), (uint64_t)(key - n - sp->dense_rows), 0, 1,
                 &sg);
    *res = second ? -sg * pl->t : sg * pl->t;
  }
}

void rla_gen_progress(rla_ctx ctx, const char *what, int64_t done, int64_t total, const char *unit,
                      double *last)
{
  double now = rla_wtime();
  if (now - *last < 10.0) return;
  *last = now;
  rla_ctx_progress(ctx, "%s: %lld of the %lld %s of rank 0 done", what, (long long)done,
                   (long long)total, unit);
}

/* the integer nearest m / golden ratio that is coprime to m (1 for m <= 2) */
static int64_t spread_stride(int64_t m)
{
  int64_t a0 = (int64_t)llround((double)m * 0.6180339887498949);
  for (int64_t d = 0; m > 2 && d < m; d++)
    for (int sg = -1; sg <= 1; sg += 2) {
      int64_t a = a0 + sg * d, x = a, y = m;
      if (a < 1 || a >= m) continue;
      while (y) {
        int64_t t = x % y;
        x = y;
        y = t;
      }
      if (x == 1) return a;
    }
  return 1;
}

static rla_err check_lsq_spec(rla_ctx ctx, const rla_sparse_lsq_spec *sp)
{
  int64_t m = sp->m, n = sp->n, r = sp->nnz_per_row, d = sp->dense_rows;
  int64_t params[5] = {m, n, r, d, (int64_t)sp->seed};
  double reals[2] = {sp->cond, sp->residual_norm};
  RLA_CALL(ctx, rla_gen_agree_params(ctx, "rla_gen_sparse_lsq", params, 5, reals, 2));
  RLA_CHECK(ctx, m >= 1 && n >= 1, RLA_ERR_ARG,
            "least squares sizes must be positive, got m = %lld, n = %lld", (long long)m,
            (long long)n);
  RLA_CHECK(ctx, m <= INT32_MAX && n <= INT32_MAX, RLA_ERR_UNSUPPORTED,
            "a sparse problem of %lld x %lld: the sparse file formats hold at most 2^31 - 1 rows "
            "and columns",
            (long long)m, (long long)n);
  RLA_CHECK(ctx, r >= 1 && r <= n, RLA_ERR_ARG,
            "the nonzeros per row must be in [1, n] = [1, %lld], got %lld", (long long)n,
            (long long)r);
  RLA_CHECK(ctx, d >= 0, RLA_ERR_ARG, "the number of dense rows must be >= 0, got %lld",
            (long long)d);
  RLA_CHECK(ctx, m - n >= d, RLA_ERR_ARG,
            "sparse least squares needs m >= n + dense rows (n rows certify the rank): got m = "
            "%lld, n = %lld, %lld dense rows",
            (long long)m, (long long)n, (long long)d);
  RLA_CHECK(ctx, isfinite(sp->cond) && sp->cond >= 1, RLA_ERR_ARG,
            "the condition number must be finite and >= 1, got %g", sp->cond);
  RLA_CHECK(ctx, n > 1 || sp->cond == 1, RLA_ERR_ARG,
            "a single column has one scale: the condition number must be 1, not %g", sp->cond);
  RLA_CHECK(ctx, isfinite(sp->residual_norm) && sp->residual_norm >= 0, RLA_ERR_ARG,
            "the residual norm must be finite and >= 0, got %g", sp->residual_norm);
  RLA_CHECK(ctx, sp->residual_norm == 0 || m - n - d >= 2, RLA_ERR_ARG,
            "a non-zero residual needs m >= n + dense rows + 2 (one pair of equal rows), got "
            "m = %lld, n = %lld, %lld dense rows",
            (long long)m, (long long)n, (long long)d);
  return RLA_SUCCESS;
}

/* this rank's rows: CSR arrays, b and r (lm each), x replicated in xs; rowptr allocated */
static rla_err lsq_rows(rla_ctx ctx, const struct lsq_plan *pl, const double *xs, int64_t row0,
                        int64_t lm, int64_t *rowptr, int32_t **colind, double **val, double *b,
                        double *res)
{
  double last = rla_wtime();
  for (int64_t i = 0; i < lm; i++)
    rowptr[i + 1] = rowptr[i] + row_length(pl, row0 + i);
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)rowptr[lm], sizeof(int32_t), colind));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)rowptr[lm], sizeof(double), val));
  for (int64_t i = 0; i < lm; i++) {
    int32_t *c = *colind + rowptr[i];
    double *v = *val + rowptr[i], ax = 0.0;
    lsq_row(pl, row0 + i, c, v, &res[i]);
    for (int64_t q = 0; q < rowptr[i + 1] - rowptr[i]; q++)
      ax += v[q] * xs[c[q]];
    b[i] = ax + res[i];
    if (i % 65536 == 65535) rla_gen_progress(ctx, "rla_gen_sparse_lsq", i + 1, lm, "rows", &last);
  }
  return RLA_SUCCESS;
}

/* a replicated vector v[0..n) as a new row-block n x 1 matrix */
static rla_err replicated_vector(rla_ctx ctx, int64_t n, const double *v, rla_dmat *out)
{
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, n, 1, 0, out));
  for (int64_t i = 0; i < (*out)->lm; i++)
    (*out)->a[i] = v[rla_dmat_global_row(*out, i)];
  return RLA_SUCCESS;
}

rla_err rla_gen_sparse_lsq(rla_ctx ctx, const rla_sparse_lsq_spec *spec, rla_smat *A, rla_dmat *b,
                           rla_dmat *x, rla_dmat *r)
{
  struct lsq_plan pl = {0};
  rla_spectrum geo = {.kind = RLA_SPECTRUM_GEOMETRIC};
  int64_t row0, lm, *rowptr = NULL;
  int32_t *colind = NULL;
  double *scale = NULL, *xs = NULL, *vals = NULL;
  rla_dmat bo = NULL, ro = NULL, xo = NULL;
  rla_err err;

  RLA_CHECK(ctx, spec && A && b && x, RLA_ERR_ARG, "rla_gen_sparse_lsq: null argument");
  *A = NULL;
  *b = *x = NULL;
  if (r) *r = NULL;
  RLA_CALL(ctx, check_lsq_spec(ctx, spec));
  pl.spec = *spec;
  pl.npairs = (spec->m - spec->n - spec->dense_rows) / 2;
  pl.stride = spread_stride(spec->m);
  pl.t = pl.npairs > 0 ? spec->residual_norm / sqrt(2.0 * (double)pl.npairs) : 0.0;
  geo.cond = spec->cond;
  rla_gen_row_split(ctx, spec->m, &row0, &lm);
  err = rla_calloc(ctx, (size_t)spec->n, sizeof(double), &scale);
  if (!err) err = rla_calloc(ctx, (size_t)spec->n, sizeof(double), &xs);
  if (!err) err = rla_calloc(ctx, (size_t)spec->n, 1, &pl.marks);
  if (!err) err = rla_calloc(ctx, (size_t)lm + 1, sizeof(int64_t), &rowptr);
  if (!err) err = rla_gen_spectrum(ctx, &geo, spec->n, scale);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  pl.scale = scale;
  rla_gen_unit_gaussian(rla_rng_make(spec->seed, RLA_RNG_GEN_X), spec->n, xs);
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, spec->m, 1, 0, &bo));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, spec->m, 1, 0, &ro));
  RLA_CALL_GOTO(ctx, err, done, replicated_vector(ctx, spec->n, xs, &xo));
  err = lsq_rows(ctx, &pl, xs, row0, lm, rowptr, &colind, &vals, bo->a, ro->a);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  /* takes the arrays, on failure too */
  RLA_CALL_GOTO(ctx, err, done,
                rla_smat_create_owned(ctx, spec->m, spec->n, lm, &rowptr, &colind, &vals, A));
  *b = bo;
  *x = xo;
  if (r) *r = ro;
  bo = xo = NULL;
  if (r) ro = NULL;
done:
  rla_free(&scale);
  rla_free(&xs);
  rla_free(&pl.marks);
  rla_free(&rowptr);
  rla_free(&colind);
  rla_free(&vals);
  rla_dmat_destroy(&bo);
  rla_dmat_destroy(&ro);
  rla_dmat_destroy(&xo);
  return err;
}
