/* SPDX-License-Identifier: BSD-3-Clause */
/* Sparse matrices with exactly known singular values: A = P_r B P_c^T with B block diagonal,
   B_t = Q1 diag(sigma_t) Q2^T dense and small. The singular values of a block diagonal matrix
   are those of its blocks, and permutations change none, so sigma(A) is the prescribed list up
   to the rounding of each block (Householder factors orthonormal to delta = O(l s u), Higham,
   ASNA 2nd ed., Thm 19.4; the product adds s^1.5 u ||sigma_t||: see rla/gen.h).
   Method: every rank draws the two permutations (Fisher-Yates on a counter-based stream, the same
   on every rank), finds which rows of B its rows of A are, and for each block holding one of them
   forms Q1 and Q2 from Gaussians keyed by global indices (Householder QR in plain C, so that the
   bits do not depend on the BLAS or on the number of ranks), then writes its rows, each sorted by
   column through the block's column order. Cost per rank: O(m + n) for the permutations,
   4 (l + s) s^2 flops per block touched (nearly all when P is small: O((m + n) block^2) in all),
   2 s flops per entry, no communication besides agreeing on errors. Memory: the permutations
   (8 (m + n) bytes), this rank's CSR arrays and one block's factors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../smat/smat_impl.h"
#include "gen_impl.h"

/* The block geometry: nb blocks along the shorter side (mn indices) and the longer (ml). */
struct geom {
  int64_t m, n, mn, ml, nb, k;
  int tall; /* m >= n: the rows are the longer side */
};

static int64_t short_start(const struct geom *g, int64_t t) { return t * g->mn / g->nb; }
static int64_t long_start(const struct geom *g, int64_t t)
{
  return short_start(g, t) + t * (g->ml - g->mn) / g->nb;
}
static int64_t row_start(const struct geom *g, int64_t t)
{
  return g->tall ? long_start(g, t) : short_start(g, t);
}
static int64_t col_start(const struct geom *g, int64_t t)
{
  return g->tall ? short_start(g, t) : long_start(g, t);
}
/* blocks holding one of the k values: the first ones, up to the block of value k - 1 */
static int64_t live_blocks(const struct geom *g)
{
  int64_t t = (g->k - 1) * g->nb / g->mn;
  while (short_start(g, t + 1) <= g->k - 1)
    t++;
  while (short_start(g, t) > g->k - 1)
    t--;
  return t + 1;
}

static rla_err check_args(rla_ctx ctx, int64_t m, int64_t n, int64_t block, int64_t k,
                          struct geom *g)
{
  int64_t mn = m < n ? m : n;
  RLA_CHECK(ctx, m >= 1 && n >= 1, RLA_ERR_ARG,
            "matrix sizes must be positive, got m = %lld, n = %lld", (long long)m, (long long)n);
  RLA_CHECK(
      ctx, m <= INT32_MAX && n <= INT32_MAX, RLA_ERR_UNSUPPORTED,
      "a sparse matrix of %lld x %lld: the sparse file formats hold at most 2^31 - 1 rows and "
      "columns",
      (long long)m, (long long)n);
  RLA_CHECK(ctx, block >= 1 && block <= mn, RLA_ERR_ARG,
            "the block size must be in [1, min(m, n)] = [1, %lld], got %lld", (long long)mn,
            (long long)block);
  RLA_CHECK(ctx, k >= 1 && k <= mn, RLA_ERR_ARG,
            "the number of singular values (rank) must be in [1, min(m, n)] = [1, %lld], got %lld",
            (long long)mn, (long long)k);
  g->m = m;
  g->n = n;
  g->mn = mn;
  g->ml = m < n ? n : m;
  g->nb = (mn + block - 1) / block;
  g->k = k;
  g->tall = m >= n;
  return RLA_SUCCESS;
}

rla_err rla_gen_sparse_svd_nnz(rla_ctx ctx, int64_t m, int64_t n, int64_t block, int64_t k,
                               int64_t *nnz)
{
  struct geom g;
  int64_t total = 0, live;
  RLA_CHECK(ctx, nnz, RLA_ERR_ARG, "rla_gen_sparse_svd_nnz: null output");
  RLA_CALL(ctx, check_args(ctx, m, n, block, k, &g));
  live = live_blocks(&g);
  /* at most (mn + nb) / nb * (ml + nb) / nb per block, nb blocks: below 2^63 for 31-bit sizes */
  for (int64_t t = 0; t < live; t++)
    total +=
        (short_start(&g, t + 1) - short_start(&g, t)) * (long_start(&g, t + 1) - long_start(&g, t));
  *nnz = total;
  return RLA_SUCCESS;
}

/* y (len) = (I - tau v v^T) y: one Householder reflection */
static void reflect(const double *v, double tau, int64_t len, double *y)
{
  double w = 0.0;
  for (int64_t i = 0; i < len; i++)
    w += v[i] * y[i];
  w *= tau;
  for (int64_t i = 0; i < len; i++)
    y[i] -= w * v[i];
}

/* q (r x p, column-major, r >= p >= 1) = the orthonormal factor of a = Q R with R's diagonal
   positive: Householder QR of a (overwritten), then Q = H_0 ... H_{p-1} [I; 0] accumulated
   backwards, columns signed by R's diagonal. Haar distributed for a Gaussian a (Stewart, SIAM J.
   Numer. Anal. 17, 1980). tau, sg: p doubles of work. */
static void householder_q(int64_t r, int64_t p, double *a, double *q, double *tau, double *sg)
{
  for (int64_t j = 0; j < p; j++) {
    double *v = a + j * r + j, alpha = v[0], xn = 0.0, beta;
    for (int64_t i = 1; i < r - j; i++)
      xn += v[i] * v[i];
    tau[j] = 0.0;
    sg[j] = alpha < 0 ? -1.0 : 1.0;
    if (xn == 0.0) continue;
    beta = -copysign(sqrt(alpha * alpha + xn), alpha);
    tau[j] = (beta - alpha) / beta;
    sg[j] = beta < 0 ? -1.0 : 1.0;
    for (int64_t i = 1; i < r - j; i++)
      v[i] /= alpha - beta;
    v[0] = 1.0;
    for (int64_t c = j + 1; c < p; c++)
      reflect(v, tau[j], r - j, a + c * r + j);
  }
  memset(q, 0, sizeof(double) * (size_t)(r * p));
  for (int64_t j = 0; j < p; j++)
    q[j + j * r] = 1.0;
  /* the columns c < j of H_{j+1} ... E are unit vectors zero from row j on: H_j keeps them */
  for (int64_t j = p - 1; j >= 0; j--) {
    const double *v = a + j * r + j;
    if (tau[j] == 0.0) continue;
    for (int64_t c = j; c < p; c++)
      reflect(v, tau[j], r - j, q + c * r + j);
  }
  for (int64_t j = 0; j < p; j++)
    for (int64_t i = 0; i < r; i++)
      q[i + j * r] *= sg[j];
}

/* The work of one rank: permutations, its rows, one block's factors. */
struct svd_work {
  struct geom g;
  int64_t row0, lm;
  int64_t *prow, *pcol; /* row rho of B is row prow[rho] of A; column c is column pcol[c] */
  unsigned char *touched;
  int64_t max_rows, max_cols, max_p;
  double *pool; /* the slices below */
  double *gauss, *q1, *q2, *q1t, *w, *tau, *sg;
  int64_t *order; /* a block's columns sorted by their column in A: (A column, index) pairs */
};

/* Q (r x p, column-major) from the Gaussian of rows start.. of purpose, its transpose into qt
   (row-major, p per row) */
static void block_factor(struct svd_work *wk, uint64_t seed, uint64_t purpose, int64_t start,
                         int64_t r, int64_t p, double *q, double *qt)
{
  double buf[64];
  rla_rng rng = rla_rng_make(seed, purpose);
  for (int64_t i = 0; i < r; i++)
    for (int64_t l0 = 0; l0 < p; l0 += 64) {
      int64_t len = p - l0 < 64 ? p - l0 : 64;
      rla_rng_gaussian(rng, (uint64_t)(start + i), (uint64_t)l0, (size_t)len, buf);
      for (int64_t l = 0; l < len; l++)
        wk->gauss[i + (l0 + l) * r] = buf[l];
    }
  householder_q(r, p, wk->gauss, q, wk->tau, wk->sg);
  for (int64_t i = 0; i < r; i++)
    for (int64_t l = 0; l < p; l++)
      qt[l + i * p] = q[i + l * r];
}

static int cmp_pair(const void *a, const void *b)
{
  const int64_t *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

/* rowptr (lm + 1, zeroed) from the lengths of this rank's rows; the blocks they touch and the
   largest sizes among those */
static void svd_rows(struct svd_work *wk, int64_t *rowptr)
{
  const struct geom *g = &wk->g;
  int64_t live = live_blocks(g);
  for (int64_t t = 0; t < live; t++) {
    int64_t r0 = row_start(g, t), rows = row_start(g, t + 1) - r0;
    int64_t cols = col_start(g, t + 1) - col_start(g, t);
    for (int64_t rho = r0; rho < r0 + rows; rho++) {
      int64_t i = wk->prow[rho] - wk->row0;
      if (i < 0 || i >= wk->lm) continue;
      rowptr[i + 1] = cols;
      wk->touched[t] = 1;
    }
    if (!wk->touched[t]) continue;
    wk->max_rows = rows > wk->max_rows ? rows : wk->max_rows;
    wk->max_cols = cols > wk->max_cols ? cols : wk->max_cols;
  }
  wk->max_p = wk->max_rows < wk->max_cols ? wk->max_rows : wk->max_cols;
  for (int64_t i = 0; i < wk->lm; i++)
    rowptr[i + 1] += rowptr[i];
}

/* the block's factors, then this rank's rows of it, sorted by column */
static void svd_block(struct svd_work *wk, int64_t t, const double *sigma, uint64_t seed,
                      const int64_t *rowptr, int32_t *colind, double *val)
{
  const struct geom *g = &wk->g;
  int64_t r0 = row_start(g, t), rows = row_start(g, t + 1) - r0;
  int64_t c0 = col_start(g, t), cols = col_start(g, t + 1) - c0;
  int64_t s0 = short_start(g, t), p = short_start(g, t + 1) - s0;
  block_factor(wk, seed, RLA_RNG_GEN_U, r0, rows, p, wk->q1, wk->q1t);
  block_factor(wk, seed, RLA_RNG_GEN_V, c0, cols, p, wk->q2, wk->w);
  for (int64_t c = 0; c < cols; c++)
    for (int64_t l = 0; l < p; l++)
      wk->w[l + c * p] *= s0 + l < g->k ? sigma[s0 + l] : 0.0;
  for (int64_t c = 0; c < cols; c++) {
    wk->order[2 * c] = wk->pcol[c0 + c];
    wk->order[2 * c + 1] = c;
  }
  qsort(wk->order, (size_t)cols, 2 * sizeof(int64_t), cmp_pair);
  for (int64_t rho = 0; rho < rows; rho++) {
    int64_t i = wk->prow[r0 + rho] - wk->row0;
    const double *u = wk->q1t + rho * p;
    if (i < 0 || i >= wk->lm) continue;
    for (int64_t e = 0; e < cols; e++) {
      const double *w = wk->w + wk->order[2 * e + 1] * p;
      double v = 0.0;
      for (int64_t l = 0; l < p; l++)
        v += u[l] * w[l];
      colind[rowptr[i] + e] = (int32_t)wk->order[2 * e];
      val[rowptr[i] + e] = v;
    }
  }
}

static void free_work(struct svd_work *wk)
{
  rla_free(&wk->prow);
  rla_free(&wk->pcol);
  rla_free(&wk->touched);
  rla_free(&wk->pool);
  rla_free(&wk->order);
}

/* the factors' work at the largest touched sizes, in one pool */
static rla_err alloc_factors(rla_ctx ctx, struct svd_work *wk)
{
  size_t p = (size_t)wk->max_p, r = (size_t)wk->max_rows, c = (size_t)wk->max_cols;
  size_t g = (r > c ? r : c) * p;
  RLA_CALL(ctx, rla_calloc(ctx, g + 2 * r * p + 2 * c * p + 2 * p, sizeof(double), &wk->pool));
  wk->gauss = wk->pool;
  wk->q1 = wk->gauss + g;
  wk->q1t = wk->q1 + r * p;
  wk->q2 = wk->q1t + r * p;
  wk->w = wk->q2 + c * p;
  wk->tau = wk->w + c * p;
  wk->sg = wk->tau + p;
  RLA_CALL(ctx, rla_calloc(ctx, 2 * c, sizeof(int64_t), &wk->order));
  return RLA_SUCCESS;
}

rla_err rla_gen_sparse_svd(rla_ctx ctx, int64_t m, int64_t n, int64_t block, int64_t k,
                           const double *sigma, uint64_t seed, rla_smat *A)
{
  int64_t params[5] = {m, n, block, k, (int64_t)seed}, *rowptr = NULL, live, done = 0;
  struct svd_work wk = {0};
  int32_t *colind = NULL;
  double *val = NULL, last = rla_wtime();
  rla_rng pat = rla_rng_make(seed, RLA_RNG_GEN_PATTERN);
  rla_err err;

  RLA_CHECK(ctx, A, RLA_ERR_ARG, "rla_gen_sparse_svd: null output matrix pointer");
  *A = NULL;
  RLA_CALL(ctx, rla_gen_agree_params(ctx, "rla_gen_sparse_svd", params, 5, NULL, 0));
  RLA_CALL(ctx, check_args(ctx, m, n, block, k, &wk.g));
  RLA_CALL(ctx, rla_gen_check_sigma(ctx, "rla_gen_sparse_svd: sigma", sigma, k));
  rla_gen_row_split(ctx, m, &wk.row0, &wk.lm);
  live = live_blocks(&wk.g);
  err = rla_calloc(ctx, (size_t)m, sizeof(int64_t), &wk.prow);
  if (!err) err = rla_calloc(ctx, (size_t)n, sizeof(int64_t), &wk.pcol);
  if (!err) err = rla_calloc(ctx, (size_t)live, 1, &wk.touched);
  if (!err) err = rla_calloc(ctx, (size_t)wk.lm + 1, sizeof(int64_t), &rowptr);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  /* streams (row counter) 0 and 1 of the pattern purpose: rows and columns */
  rla_gen_permutation(pat, 0, m, wk.prow);
  rla_gen_permutation(pat, 1, n, wk.pcol);
  svd_rows(&wk, rowptr);
  err = rla_calloc(ctx, (size_t)rowptr[wk.lm], sizeof(int32_t), &colind);
  if (!err) err = rla_calloc(ctx, (size_t)rowptr[wk.lm], sizeof(double), &val);
  if (!err && wk.max_p > 0) err = alloc_factors(ctx, &wk);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  for (int64_t t = 0; t < live; t++) {
    if (!wk.touched[t]) continue;
    svd_block(&wk, t, sigma, seed, rowptr, colind, val);
    if (++done % 256 == 0) rla_gen_progress(ctx, "rla_gen_sparse_svd", done, live, "blocks", &last);
  }
  free_work(&wk);
  /* takes the arrays, on failure too */
  RLA_CALL_GOTO(ctx, err, done, rla_smat_create_owned(ctx, m, n, wk.lm, &rowptr, &colind, &val, A));
done:
  free_work(&wk);
  rla_free(&rowptr);
  rla_free(&colind);
  rla_free(&val);
  return err;
}
