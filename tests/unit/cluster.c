/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of src/cluster: the two error bounds and the incremental estimator against exact SVDs
   of the concatenation, and the clustering (errors within eps, partitions, rank independence). */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "rla/cluster.h"
#include "rla/gen.h"
#include "rla/io.h"
#include "../../src/cluster/cluster_impl.h"

/* block entries: sum_d basis_c(i, d) w(d, j) + noise g(i, j), every number from rla_rng keyed by
   (seed, global row, global column), so a block is the same on any number of ranks */
typedef struct {
  uint64_t seed;
  int64_t c;    /* subspace of the block */
  int64_t dim;  /* subspace dimension */
  int64_t col0; /* first column of the block in the collection */
  double noise;
} blockgen;

static double block_entry(int64_t i, int64_t j, void *data)
{
  const blockgen *g = data;
  double b[16], w[16], v = 0.0, e;
  rla_rng rb = rla_rng_make(g->seed, RLA_RNG_USER + 1 + (uint64_t)g->c);
  rla_rng rw = rla_rng_make(g->seed, RLA_RNG_USER + 100);
  rla_rng rn = rla_rng_make(g->seed, RLA_RNG_USER + 101);
  rla_rng_gaussian(rb, (uint64_t)i, 0, (size_t)g->dim, b);
  rla_rng_gaussian(rw, (uint64_t)(g->col0 + j), 0, (size_t)g->dim, w);
  for (int64_t d = 0; d < g->dim; d++)
    v += b[d] * w[d];
  rla_rng_gaussian(rn, (uint64_t)i, (uint64_t)(g->col0 + j), 1, &e);
  return v + g->noise * e;
}

/* a random small collection: K blocks of m rows, widths in [1, wmax], from nsub subspaces */
static rla_err make_blocks(rla_ctx ctx, uint64_t seed, int64_t K, int64_t m, int64_t wmax,
                           int64_t nsub, int64_t dim, double noise, rla_dmat *blocks,
                           int64_t *total)
{
  rla_rng rs = rla_rng_make(seed, RLA_RNG_USER);
  int64_t col0 = 0;
  for (int64_t j = 0; j < K; j++) {
    blockgen g = {seed, (int64_t)(rla_rng_bits(rs, (uint64_t)j, 0) % (uint64_t)nsub), dim, col0,
                  noise};
    int64_t n = 1 + (int64_t)(rla_rng_bits(rs, (uint64_t)j, 1) % (uint64_t)wmax);
    RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, m, n, 0, &blocks[j]));
    RLA_CALL(ctx, rla_dmat_fill(blocks[j], block_entry, &g));
    col0 += n;
  }
  *total = col0;
  return RLA_SUCCESS;
}

static void free_blocks(int64_t K, rla_dmat *blocks)
{
  for (int64_t j = 0; j < K; j++)
    rla_dmat_destroy(&blocks[j]);
}

/* err_r^2 of the concatenation by LAPACKE_dgesvd on the gathered matrix (every rank) */
static double exact_err2(int64_t K, rla_dmat *blocks, int64_t m, int64_t total, int64_t r)
{
  double *c = calloc((size_t)(m * total), sizeof(double)), *s = calloc((size_t)total + m, 8);
  double *sup = calloc((size_t)total + m, 8), all = 0.0, e = 0.0;
  int64_t off = 0, mn = m < total ? m : total;
  for (int64_t j = 0; j < K; j++) {
    int64_t n;
    rla_dmat_sizes(blocks[j], NULL, &n);
    if (rla_dmat_gather(blocks[j], -1, c + off * m)) return NAN;
    off += n;
  }
  for (int64_t i = 0; i < m * total; i++)
    all += c[i] * c[i];
  if (LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (lapack_int)m, (lapack_int)total, c, (lapack_int)m,
                     s, NULL, 1, NULL, 1, sup) != 0)
    e = NAN;
  for (int64_t i = 0; i < mn && i < r; i++)
    e += s[i] * s[i];
  free(c);
  free(s);
  free(sup);
  return all > 0 ? 1.0 - e / all : 0.0;
}

/* Rounding allowance on err^2 = 1 - E_r / ||C||_F^2 when two values computed in different ways
   are compared, C the m x N concatenation of K blocks (the widest nmax columns), rank r, and p
   oversampling columns of the estimator; u = eps / 2 is the unit roundoff.
   - Every method forms inner products of length <= m (Gram matrices, projections, norms: error
     gamma_m <= m u relative to the product of the norms, Higham, ASNA 2nd ed., (3.5)) and solves
     symmetric eigenproblems or SVDs of order <= N + r + p (eigenvalue or singular value error
     <= s u ||G||_2 for order s, the p(s) = s of the LAPACK Users' Guide, section 4.7; ||G||_2 <=
     ||C||_F^2). So each pass rounds the r summed energies and ||C||_F^2 by at most
     (r + 1) (m + N + r + p) u ||C||_F^2. The estimator rounds its state once per block (K
     passes); the Gram eigenproblem, the compression and the measured residual take two more.
     A sum of the m N squares of C costs m N u more (gamma_{mN}). Two values: twice all of it.
   - Bound 2 and the estimator leave out residual directions below 1e-14 ||A_j||_F (bounds.c,
     estimator.c): they are then exact for C - D with ||D||_F <= 1e-14 sqrt(nmax) ||C||_F, which
     moves E_r by at most 2 sqrt(r) ||C||_2 ||D||_F (Mirsky's theorem for the singular values),
     i.e. err^2 by 2e-14 sqrt(r nmax). */
static double allowance(int64_t m, int64_t K, int64_t N, int64_t r, int64_t p, int64_t nmax)
{
  return (double)((K + 2) * (r + 1) * (m + N + r + p) + m * N) * RLA_EPS +
         2e-14 * sqrt((double)(r * nmax));
}

#define NCASES 300

/* bounds and estimator never under-report the exact error, over NCASES random cases including
   blocks wider than r, rank-deficient and noisy collections */
static void test_bounds_never_below_exact(void)
{
  rla_ctx ctx = rla_test_ctx;
  int ok1 = 1, ok2 = 1, oke = 1, okm = 1, runs = 1, tight = 1;
  double worst1 = 0, worst2 = 0, worste = 0;
  for (int t = 0; t < NCASES && runs; t++) {
    rla_rng rs = rla_rng_make(1000 + (uint64_t)t, RLA_RNG_USER);
    int64_t K = 1 + (int64_t)(rla_rng_bits(rs, 99, 0) % 6);
    int64_t m = 3 + (int64_t)(rla_rng_bits(rs, 99, 1) % 28);
    int64_t wmax = 1 + (int64_t)(rla_rng_bits(rs, 99, 2) % 8);
    int64_t r = 1 + (int64_t)(rla_rng_bits(rs, 99, 3) % 6);
    int64_t nsub = 1 + (int64_t)(rla_rng_bits(rs, 99, 4) % 3);
    int64_t dim = 1 + (int64_t)(rla_rng_bits(rs, 99, 5) % 5);
    double noise = (t % 3 == 0) ? 0.0 : pow(10.0, -(double)(t % 7));
    rla_dmat blocks[6] = {0};
    rla_cluster_estimator E = NULL, E1 = NULL, E2 = NULL;
    int64_t total = 0;
    double b1 = 0, b2 = 0, ex = 0, ee, em, truth, tol;
    runs &= make_blocks(ctx, 1000 + (uint64_t)t, K, m, wmax, nsub, dim, noise, blocks, &total) == 0;
    truth = exact_err2(K, blocks, m, total, r);
    tol = allowance(m, K, total, r, 5, wmax);
    runs &= rla_cluster_bound_maxnorm(K, blocks, r, &b1) == 0;
    runs &= rla_cluster_bound_residuals(K, blocks, r, &b2) == 0;
    runs &= rla_cluster_error_exact(K, blocks, r, &ex) == 0;
    runs &= rla_cluster_estimator_create(ctx, m, 0, r, 5, &E) == 0;
    runs &= rla_cluster_estimator_create(ctx, m, 0, r, 5, &E1) == 0;
    runs &= rla_cluster_estimator_create(ctx, m, 0, r, 5, &E2) == 0;
    for (int64_t j = 0; j < K && runs; j++) {
      runs &= rla_cluster_estimator_add(E, blocks[j]) == 0;
      runs &= rla_cluster_estimator_add(j % 2 ? E2 : E1, blocks[j]) == 0;
    }
    runs &= rla_cluster_estimator_merge(E1, E2) == 0;
    ee = rla_cluster_estimator_error(E);
    em = rla_cluster_estimator_error(E1);
    ok1 &= b1 * b1 >= truth - tol;
    ok2 &= b2 * b2 >= truth - tol;
    oke &= ee * ee >= truth - tol;
    okm &= em * em >= truth - tol;
    /* the Gram-based exact error agrees with dgesvd; a single block makes bound 2 exact, and an
       estimator of k = r + 5 >= N columns keeps everything, so it is exact too */
    tight &= fabs(ex * ex - truth) <= tol;
    if (K == 1) tight &= fabs(b2 * b2 - truth) <= tol;
    if (total <= r + 5) tight &= fabs(ee * ee - truth) <= tol;
    if (truth - b1 * b1 > worst1) worst1 = truth - b1 * b1;
    if (truth - b2 * b2 > worst2) worst2 = truth - b2 * b2;
    if (truth - ee * ee > worste) worste = truth - ee * ee;
    rla_cluster_estimator_destroy(&E);
    rla_cluster_estimator_destroy(&E1);
    rla_cluster_estimator_destroy(&E2);
    free_blocks(K, blocks);
  }
  if (rla_ctx_rank(ctx) == 0)
    printf("\n    largest under-report of err^2 over %d cases: bound 1 %.1e, bound 2 %.1e, "
           "estimator %.1e\n",
           NCASES, worst1, worst2, worste);
  RLA_ASSERT_ALL(runs);
  RLA_ASSERT_ALL(ok1);
  RLA_ASSERT_ALL(ok2);
  RLA_ASSERT_ALL(oke);
  RLA_ASSERT_ALL(okm);
  RLA_ASSERT_ALL(tight);
}

/* bound 1 credits a block wider than r only with its top-r energy: a single wide block of full
   rank has a positive error, never the 0 that crediting its whole norm would give */
static void test_bound1_wide_block(void)
{
  rla_dmat blocks[1] = {NULL};
  double b1, ex;
  blockgen g = {7, 0, 10, 0, 0.5};
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 20, 8, 0, &blocks[0]));
  RLA_ASSERT_OK(rla_dmat_fill(blocks[0], block_entry, &g));
  RLA_ASSERT_OK(rla_cluster_bound_maxnorm(1, blocks, 3, &b1));
  RLA_ASSERT_OK(rla_cluster_error_exact(1, blocks, 3, &ex));
  /* for one block bound 1 is its exact error, compared squared to the rounding allowance (both
     from Gram eigenvalues); 8 columns of rank 8 with noise 0.5 leave err^2 near 0.2 at r = 3, so
     0.1 is no rounding question: crediting the whole norm would give 0 */
  RLA_ASSERT_ALL(ex > 0.1 && fabs(b1 * b1 - ex * ex) <= allowance(20, 1, 8, 3, 0, 8));
  rla_dmat_destroy(&blocks[0]);
}

static void test_bounds_errors(void)
{
  rla_dmat blocks[2] = {NULL, NULL};
  double e;
  rla_cluster_estimator E = NULL, F = NULL;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 10, 2, 0, &blocks[0]));
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 11, 2, 0, &blocks[1]));
  RLA_ASSERT_FAILS(rla_cluster_bound_maxnorm(2, blocks, 2, &e), RLA_ERR_SHAPE, "same rows");
  RLA_ASSERT_FAILS(rla_cluster_bound_residuals(2, blocks, 2, &e), RLA_ERR_SHAPE, "same rows");
  RLA_ASSERT_FAILS(rla_cluster_error_exact(2, blocks, 2, &e), RLA_ERR_SHAPE, "same rows");
  RLA_ASSERT_FAILS(rla_cluster_bound_residuals(1, blocks, 0, &e), RLA_ERR_ARG, "at least 1");
  RLA_ASSERT_FAILS(rla_cluster_estimator_create(rla_test_ctx, 10, 0, 0, 5, &E), RLA_ERR_ARG,
                   "r >= 1");
  RLA_ASSERT_OK(rla_cluster_estimator_create(rla_test_ctx, 10, 0, 2, 5, &E));
  RLA_ASSERT_OK(rla_cluster_estimator_create(rla_test_ctx, 11, 0, 2, 5, &F));
  RLA_ASSERT_FAILS(rla_cluster_estimator_add(E, blocks[1]), RLA_ERR_SHAPE, "11 rows");
  RLA_ASSERT_FAILS(rla_cluster_estimator_merge(E, F), RLA_ERR_SHAPE, "rows");
  RLA_ASSERT_ALL(rla_cluster_estimator_error(E) == 0.0);
  rla_cluster_estimator_destroy(&E);
  rla_cluster_estimator_destroy(&F);
  RLA_ASSERT_ALL(E == NULL && F == NULL);
  rla_dmat_destroy(&blocks[0]);
  rla_dmat_destroy(&blocks[1]);
}

/* ---- clustering ------------------------------------------------------------------------------ */

/* the union-of-subspaces collection: 36 blocks of 40 rows, widths 2 to 5 and three of width 9,
   from 4 subspaces of dimension 3, noise 1e-3 */
static rla_err union_collection(rla_ctx ctx, rla_dmat *blocks, int64_t *nblocks)
{
  rla_collection coll = NULL;
  rla_collection_spec spec = {40, 36, NULL, 2, 5, 3, 9, 4, 3, 1e-3, RLA_MEMBERSHIP_RANDOM, 11};
  rla_err err;
  RLA_CALL(ctx, rla_gen_collection_create(ctx, &spec, &coll));
  *nblocks = spec.nblocks;
  err = RLA_SUCCESS;
  for (int64_t j = 0; j < spec.nblocks && !err; j++)
    err = rla_gen_collection_block(coll, j, &blocks[j]);
  rla_gen_collection_destroy(&coll);
  return err;
}

/* 1 when the clusters partition [0, nblocks) */
static int is_partition(rla_cluster C, int64_t nblocks)
{
  rla_cluster_summary s;
  rla_cluster_item it;
  int ok = rla_cluster_get_summary(C, &s) == 0 && s.nblocks == nblocks;
  char *seen = calloc((size_t)nblocks, 1);
  int64_t count = 0;
  for (int64_t c = 0; ok && c < s.nclusters; c++) {
    ok &= rla_cluster_get_item(C, c, &it) == 0 && it.nmembers >= 1;
    for (int64_t i = 0; ok && i < it.nmembers; i++) {
      ok &= it.members[i] >= 0 && it.members[i] < nblocks && !seen[it.members[i]];
      if (ok) seen[it.members[i]] = 1;
      count++;
    }
  }
  free(seen);
  return ok && count == nblocks;
}

static rla_err run_cluster(rla_ctx ctx, int64_t nblocks, rla_dmat *blocks, int64_t r, double eps,
                           rla_cluster_algorithm a, rla_cluster_order o, int64_t patience,
                           rla_cluster *C)
{
  RLA_CALL(ctx, rla_cluster_create(ctx, C));
  RLA_CALL(ctx, rla_cluster_set_rank(*C, r));
  RLA_CALL(ctx, rla_cluster_set_tol(*C, eps));
  RLA_CALL(ctx, rla_cluster_set_algorithm(*C, a));
  RLA_CALL(ctx, rla_cluster_set_order(*C, o));
  RLA_CALL(ctx, rla_cluster_set_patience(*C, patience));
  RLA_CALL(ctx, rla_cluster_compute(*C, nblocks, blocks));
  return RLA_SUCCESS;
}

/* Cluster c of C (rank 6, p = 5), checked against the exact optimal error of its members'
   concatenation (blocks: the row-distributed collection): the stored basis within eps, the
   actual error between that optimum and the prediction, and equal to the optimum for the
   certified algorithms (the reasons are at test_cluster_errors_within_eps). The errors are
   compared squared, to the rounding allowance of the cluster's m x N concatenation: in the
   square root an absolute rounding d of err^2 becomes d / (2 err), unbounded as err -> 0. The
   item goes to *it; *runs is cleared when a call fails. */
static int item_within_bounds(rla_cluster C, int64_t c, const rla_dmat *blocks, double eps, int a,
                              rla_cluster_item *it, int *runs)
{
  rla_dmat sub[36];
  double ex = 0.0, tol, ac2, ex2;
  int64_t m = 0, nmax = 0;
  int ok;
  *runs &= rla_cluster_get_item(C, c, it) == 0;
  for (int64_t i = 0; i < it->nmembers; i++) {
    int64_t n;
    sub[i] = blocks[it->members[i]];
    rla_dmat_sizes(sub[i], &m, &n);
    if (n > nmax) nmax = n;
  }
  tol = allowance(m, it->nmembers, it->width, 6, 5, nmax);
  ac2 = it->actual * it->actual;
  /* the prediction is compared with eps by the algorithm itself: exact */
  ok = ac2 <= eps * eps + tol && it->predicted <= eps;
  if (it->rank > 0) {
    *runs &= rla_cluster_error_exact(it->nmembers, sub, 6, &ex) == 0;
    ex2 = ex * ex;
    ok &= ac2 >= ex2 - tol && ac2 <= it->predicted * it->predicted + tol;
    /* the certified algorithms store the top-r singular subspace: the optimum */
    if (a != RLA_CLUSTER_APPROXIMATE) ok &= fabs(ac2 - ex2) <= tol;
  }
  return ok;
}

/* every algorithm and order: a partition, and no stored basis above eps. The actual error is
   measured from the explicit residual (I - U U^T) C; the stored basis of a certified algorithm
   has the optimal error, at most the prediction, and the Rayleigh-Ritz basis of the estimator
   is kept only when its measured error is <= eps, so beyond eps there is only rounding (the
   allowance). The actual error lies between the exact optimal error of the cluster and the
   predicted one (the bounds and the estimator never under-report; the estimator's
   Rayleigh-Ritz basis does at least as well as its prediction), and equals the optimum for the
   certified algorithms (U spans the top-r singular subspace). */
static void test_cluster_errors_within_eps(void)
{
  rla_ctx ctx = rla_test_ctx;
  rla_dmat blocks[36] = {0};
  int64_t K, nmax = 0, napprox = 0;
  int ok = 1, part = 1, runs = 1;
  const double eps = 0.05;
  RLA_ASSERT_OK(union_collection(ctx, blocks, &K));
  for (int a = 0; a < 3; a++)
    for (int o = 0; o < 2; o++) {
      rla_cluster C = NULL;
      rla_cluster_summary s = {0};
      runs &= run_cluster(ctx, K, blocks, 6, eps, (rla_cluster_algorithm)a, (rla_cluster_order)o,
                          10, &C) == 0;
      runs &= rla_cluster_get_summary(C, &s) == 0;
      part &= is_partition(C, K);
      for (int64_t c = 0; runs && c < s.nclusters; c++) {
        rla_cluster_item it;
        ok &= item_within_bounds(C, c, blocks, eps, a, &it, &runs);
      }
      if (a == RLA_CLUSTER_MAX_NORM && o == RLA_CLUSTER_ORDER_NORM) nmax = s.nclusters;
      if (a == RLA_CLUSTER_APPROXIMATE && o == RLA_CLUSTER_ORDER_RESIDUAL) napprox = s.nclusters;
      if (rla_ctx_rank(ctx) == 0)
        printf("\n    %-11s %-8s: %2lld clusters (%lld multi-block), ratio %.2f, max error %.2e",
               rla_cluster_algorithm_name((rla_cluster_algorithm)a),
               rla_cluster_order_name((rla_cluster_order)o), (long long)s.nclusters,
               (long long)s.nnonsingleton, s.ratio, s.error_max);
      rla_cluster_destroy(&C);
    }
  if (rla_ctx_rank(ctx) == 0) printf("\n");
  RLA_ASSERT_ALL(runs);
  RLA_ASSERT_ALL(part);
  RLA_ASSERT_ALL(ok);
  /* 4 subspaces of dimension 3 fit rank 6 one per cluster: the estimator finds few clusters;
     bound 1 cannot credit more than r columns and so keeps clusters near r columns wide */
  RLA_ASSERT_ALL(napprox <= 12 && 2 * napprox < nmax);
  free_blocks(K, blocks);
}

/* the norms ||A_j||_F^2 of the row-distributed blocks as the loop forms them (local sums of
   squares, then one sum over the ranks of all K), so that the order they give is the loop's */
static rla_err loop_norms(rla_ctx ctx, int64_t K, const rla_dmat *blocks, double *nrm2)
{
  for (int64_t j = 0; j < K; j++) {
    double *a;
    int64_t lm, n, lld;
    rla_dmat_local(blocks[j], &a, &lm, &n, &lld);
    nrm2[j] = rla_cluster_sumsq(lm, n, a, lld);
  }
  return rla_reduce_sum_replicated(ctx, nrm2, K);
}

/* the members of a cluster in the order the loop tried them, when every seed is one block (every
   block at least r wide): the seed, the largest-norm member (ties: the lowest index, the first
   of the ascending members), then the others by the norm order's ascending norm (ties by
   index) */
static void trial_order(const rla_cluster_item *it, const double *nrm2, int64_t *order)
{
  int64_t n = it->nmembers, seed = 0, k = 1;
  for (int64_t i = 1; i < n; i++)
    if (nrm2[it->members[i]] > nrm2[it->members[seed]]) seed = i;
  order[0] = it->members[seed];
  for (int64_t i = 0; i < n; i++) {
    int64_t j = it->members[i], b = k;
    if (i == seed) continue;
    while (b > 1 && nrm2[order[b - 1]] > nrm2[j])
      b--;
    memmove(order + b + 1, order + b, sizeof(int64_t) * (size_t)(k - b));
    order[b] = j;
    k++;
  }
}

/* The loop and the public bounds agree: bounds.c runs the loop's predictors (impls/maxnorm.c,
   impls/residuals.c) over the blocks in the order given, so for every cluster the loop forms,
   the bound of its blocks is the loop's predicted error. The collection: 12 blocks of 30 rows
   and 2 columns, each of rank 1 (plus noise 1e-3) in one of 4 directions, and r = 2: every seed
   is one block (it reaches r columns), so with the norm order a cluster's blocks were tried as
   trial_order says; a cluster of blocks in several directions is credited more by bound 2 (their
   residuals add up) than by bound 1 (one block at a time), so bound 2 decides the residuals
   algorithm's prediction there, and with more directions than r its value depends on the order
   (the test fails when the blocks are given in ascending order instead); patience K turns no
   block into a singleton (whose prediction is not made). max-norm: the prediction is bound 1 of
   the members, which does not depend on their order (the bound sorts them by norm, ties by
   index, and the members ascending keep the indices' order); residuals: it is the smaller of
   bound 1 of the members and bound 2 of the members in the trial order (bound 2 depends on the
   order). approximate has no public bound.
   Tolerance: the same code runs on the same local data in the same order, with reductions of the
   same lengths, but for the norms ||A_j||_F^2: the loop sums all K in one reduction, a bound the
   n of the cluster, and an MPI implementation may add the P ranks' partial sums in another order
   for another length. Each norm then moves by at most (P - 1) u relative (u = eps / 2; Higham,
   ASNA 2nd ed., (3.5)); the energy E and ||C||_F^2 are sums of at most n such norms in one order
   (their own rounding adds n u), so err^2 = 1 - E / ||C||_F^2 moves by at most 2 (P - 1 + n) u E
   / ||C||_F^2 <= 2 (P + n) u, and the division and the square root add 4 u on err^2 (the
   threshold 1e-14 ||A_j||_F of the orthonormalization moves as little, which changes the kept
   directions only for a singular value that close to it). At one rank nothing is reduced: the
   two are equal to the bit. */
static void test_loop_matches_bounds(void)
{
  rla_ctx ctx = rla_test_ctx;
  enum { K = 12 };
  rla_dmat blocks[K] = {0}, asc[K], tried[K];
  double nrm2[K] = {0};
  const double eps[3] = {0, 0.6, 0.9}; /* by algorithm: residuals, max-norm */
  int64_t P = rla_ctx_size(ctx), multi[3] = {0, 0, 0}, decided = 0, order[K];
  int ok = 1, runs = 1;
  for (int64_t j = 0; j < K; j++) {
    blockgen g = {17, j % 4, 1, 2 * j, 1e-3};
    RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, 30, 2, 0, &blocks[j]));
    RLA_ASSERT_OK(rla_dmat_fill(blocks[j], block_entry, &g));
  }
  RLA_ASSERT_OK(loop_norms(ctx, K, blocks, nrm2));
  for (int a = RLA_CLUSTER_RESIDUALS; a <= RLA_CLUSTER_MAX_NORM; a++) {
    rla_cluster C = NULL;
    rla_cluster_summary s = {0};
    runs &= run_cluster(ctx, K, blocks, 2, eps[a], (rla_cluster_algorithm)a, RLA_CLUSTER_ORDER_NORM,
                        K, &C) == 0;
    runs &= rla_cluster_get_summary(C, &s) == 0;
    for (int64_t c = 0; runs && c < s.nclusters; c++) {
      rla_cluster_item it;
      double b1 = 0.0, b2 = 2.0, want, tol;
      runs &= rla_cluster_get_item(C, c, &it) == 0;
      trial_order(&it, nrm2, order);
      for (int64_t i = 0; i < it.nmembers; i++) {
        asc[i] = blocks[it.members[i]];
        tried[i] = blocks[order[i]];
      }
      runs &= rla_cluster_bound_maxnorm(it.nmembers, asc, 2, &b1) == 0;
      if (a == RLA_CLUSTER_RESIDUALS)
        runs &= rla_cluster_bound_residuals(it.nmembers, tried, 2, &b2) == 0;
      want = b2 < b1 ? b2 : b1;
      tol = P == 1 ? 0.0 : (2.0 * (double)(P + it.nmembers) + 4.0) * (RLA_EPS / 2);
      ok &= fabs(it.predicted * it.predicted - want * want) <= tol;
      multi[a] += it.nmembers > 1;
      decided += it.nmembers > 1 && b2 < b1;
    }
    rla_cluster_destroy(&C);
  }
  if (rla_ctx_rank(ctx) == 0)
    printf("\n    clusters of several blocks compared: residuals %lld (%lld decided by bound 2), "
           "max-norm %lld\n",
           (long long)multi[RLA_CLUSTER_RESIDUALS], (long long)decided,
           (long long)multi[RLA_CLUSTER_MAX_NORM]);
  RLA_ASSERT_ALL(runs);
  RLA_ASSERT_ALL(ok);
  RLA_ASSERT_ALL(decided > 0 && multi[RLA_CLUSTER_MAX_NORM] > 0);
  free_blocks(K, blocks);
}

/* 1 when two results have the same clusters (members in the same order) */
static int same_clusters(rla_cluster A, rla_cluster B)
{
  rla_cluster_summary sa, sb;
  int same = rla_cluster_get_summary(A, &sa) == 0 && rla_cluster_get_summary(B, &sb) == 0 &&
             sa.nclusters == sb.nclusters;
  for (int64_t c = 0; same && c < sa.nclusters; c++) {
    rla_cluster_item ia, ib;
    rla_cluster_get_item(A, c, &ia);
    rla_cluster_get_item(B, c, &ib);
    same &= ia.nmembers == ib.nmembers &&
            !memcmp(ia.members, ib.members, sizeof(int64_t) * (size_t)ia.nmembers);
  }
  return same;
}

/* the same clusters on the full communicator and on MPI_COMM_SELF */
static void test_cluster_rank_independent(void)
{
  rla_ctx self = NULL;
  rla_dmat bw[36] = {0}, bs[36] = {0};
  int64_t K, K2;
  int same = 1;
  RLA_ASSERT_OK(rla_ctx_create(MPI_COMM_SELF, &self));
  RLA_ASSERT_OK(union_collection(rla_test_ctx, bw, &K));
  RLA_ASSERT_OK(union_collection(self, bs, &K2));
  for (int a = 0; a < 3; a++) {
    rla_cluster Cw = NULL, Cs = NULL;
    RLA_ASSERT_OK(run_cluster(rla_test_ctx, K, bw, 6, 0.05, (rla_cluster_algorithm)a,
                              RLA_CLUSTER_ORDER_RESIDUAL, 10, &Cw));
    RLA_ASSERT_OK(run_cluster(self, K2, bs, 6, 0.05, (rla_cluster_algorithm)a,
                              RLA_CLUSTER_ORDER_RESIDUAL, 10, &Cs));
    same &= same_clusters(Cw, Cs);
    rla_cluster_destroy(&Cw);
    rla_cluster_destroy(&Cs);
  }
  RLA_ASSERT_ALL(same);
  free_blocks(K, bw);
  free_blocks(K2, bs);
  rla_ctx_destroy(&self);
}

/* the union collection in the blocks distribution: every block whole on its owner
   (rla_cluster_owners) over the context self on MPI_COMM_SELF, NULL elsewhere; the values are
   those of the row-distributed collection (they depend on global indices only) */
static rla_err owned_collection(rla_ctx self, rla_dmat *blocks, int64_t *nblocks)
{
  int64_t w[36];
  int owner[36], P = rla_ctx_size(rla_test_ctx), me = rla_ctx_rank(rla_test_ctx);
  RLA_CALL(self, union_collection(self, blocks, nblocks));
  for (int64_t j = 0; j < *nblocks; j++)
    rla_dmat_sizes(blocks[j], NULL, &w[j]);
  RLA_CALL(self, rla_cluster_owners(self, P, *nblocks, w, owner));
  for (int64_t j = 0; j < *nblocks; j++)
    if (owner[j] != me) rla_dmat_destroy(&blocks[j]);
  return RLA_SUCCESS;
}

/* owners: balanced by columns, deterministic, every block owned once */
static void test_owners(void)
{
  const int64_t w[7] = {5, 3, 3, 2, 1, 9, 1};
  int owner[7], ok = 1;
  int64_t load[3] = {0, 0, 0};
  RLA_ASSERT_OK(rla_cluster_owners(rla_test_ctx, 2, 5, w, owner));
  /* descending width 5, 3, 3, 2, 1 to the lighter rank: 0, 1, 1, 0, 1 (loads 7 and 7) */
  ok &= owner[0] == 0 && owner[1] == 1 && owner[2] == 1 && owner[3] == 0 && owner[4] == 1;
  RLA_ASSERT_OK(rla_cluster_owners(rla_test_ctx, 3, 7, w, owner));
  for (int j = 0; j < 7; j++) {
    ok &= owner[j] >= 0 && owner[j] < 3;
    if (owner[j] >= 0 && owner[j] < 3) load[owner[j]] += w[j];
  }
  /* greedy by descending size: the loads differ by at most the widest block */
  for (int p = 0; p < 3; p++)
    for (int q = 0; q < 3; q++)
      ok &= load[p] - load[q] <= 9;
  RLA_ASSERT_OK(rla_cluster_owners(rla_test_ctx, 3, 2, w, owner));
  ok &= owner[0] == 0 && owner[1] == 1;
  ok &= rla_cluster_distribution_choose(1, 10, 100, w) == RLA_CLUSTER_DIST_ROWS;
  ok &= rla_cluster_distribution_choose(2, 10, 100, w) == RLA_CLUSTER_DIST_BLOCKS;
  ok &= rla_cluster_distribution_choose(2, 10, 3, w) == RLA_CLUSTER_DIST_ROWS;
  ok &= rla_cluster_distribution_choose(2, 2 * RLA_CLUSTER_ROWS_PER_RANK, 100, w) ==
        RLA_CLUSTER_DIST_ROWS;
  RLA_ASSERT_ALL(ok);
}

/* the blocks distribution gives the clusters of the rows distribution for every algorithm and
   order (blocks wider than r included); the stored bases stay within eps, the actual error is
   the exact one of the cluster and the prediction never below it (tolerances as in
   test_cluster_errors_within_eps) */
static void test_cluster_blocks_distribution(void)
{
  rla_ctx ctx = rla_test_ctx, self = NULL;
  rla_dmat bw[36] = {0}, bo[36] = {0};
  int64_t K, K2;
  int same = 1, ok = 1, part = 1, runs = 1, dist = 1;
  const double eps = 0.05;
  RLA_ASSERT_OK(rla_ctx_create(MPI_COMM_SELF, &self));
  RLA_ASSERT_OK(union_collection(ctx, bw, &K));
  RLA_ASSERT_OK(owned_collection(self, bo, &K2));
  for (int a = 0; a < 3; a++)
    for (int o = 0; o < 2; o++) {
      rla_cluster Cw = NULL, Co = NULL;
      rla_cluster_summary so = {0};
      runs &= run_cluster(ctx, K, bw, 6, eps, (rla_cluster_algorithm)a, (rla_cluster_order)o, 10,
                          &Cw) == 0;
      runs &= run_cluster(ctx, K2, bo, 6, eps, (rla_cluster_algorithm)a, (rla_cluster_order)o, 10,
                          &Co) == 0;
      runs &= rla_cluster_get_summary(Co, &so) == 0;
      dist &= so.distribution ==
              (rla_ctx_size(ctx) > 1 ? RLA_CLUSTER_DIST_BLOCKS : RLA_CLUSTER_DIST_ROWS);
      same &= same_clusters(Cw, Co);
      part &= is_partition(Co, K2);
      for (int64_t c = 0; runs && c < so.nclusters; c++) {
        rla_cluster_item it;
        rla_dmat U = NULL;
        ok &= item_within_bounds(Co, c, bw, eps, a, &it, &runs);
        runs &= rla_cluster_get_basis(Co, c, &U) == 0;
        ok &= (it.rank > 0) == (U != NULL);
      }
      rla_cluster_destroy(&Cw);
      rla_cluster_destroy(&Co);
    }
  RLA_ASSERT_ALL(runs);
  RLA_ASSERT_ALL(dist);
  RLA_ASSERT_ALL(same);
  RLA_ASSERT_ALL(part);
  RLA_ASSERT_ALL(ok);
  free_blocks(K, bw);
  free_blocks(K2, bo);
  rla_ctx_destroy(&self);
}

/* two blocks on up to three ranks: a rank that owns none takes part and gets the same clusters;
   mixing the distributions, or a block held whole by several ranks, fails on every rank */
static void test_cluster_blocks_few(void)
{
  rla_ctx ctx = rla_test_ctx, self = NULL;
  rla_dmat bw[36] = {0}, bo[36] = {0}, mixed[2] = {NULL, NULL}, twice[1] = {NULL};
  int64_t K, K2;
  int same = 1, part = 1;
  RLA_ASSERT_OK(rla_ctx_create(MPI_COMM_SELF, &self));
  RLA_ASSERT_OK(union_collection(ctx, bw, &K));
  RLA_ASSERT_OK(union_collection(self, bo, &K2));
  {
    /* blocks 0 and 1: owners 0 and 1 (rla_cluster_owners over two blocks) */
    int64_t w[2];
    int owner[2];
    rla_dmat two[2];
    rla_dmat_sizes(bo[0], NULL, &w[0]);
    rla_dmat_sizes(bo[1], NULL, &w[1]);
    RLA_ASSERT_OK(rla_cluster_owners(ctx, rla_ctx_size(ctx), 2, w, owner));
    for (int j = 0; j < 2; j++)
      two[j] = owner[j] == rla_ctx_rank(ctx) || rla_ctx_size(ctx) == 1 ? bo[j] : NULL;
    for (int a = 0; a < 3; a++) {
      rla_cluster Cw = NULL, Co = NULL;
      RLA_ASSERT_OK(run_cluster(ctx, 2, bw, 2, 0.05, (rla_cluster_algorithm)a,
                                RLA_CLUSTER_ORDER_RESIDUAL, 10, &Cw));
      RLA_ASSERT_OK(run_cluster(ctx, 2, two, 2, 0.05, (rla_cluster_algorithm)a,
                                RLA_CLUSTER_ORDER_RESIDUAL, 10, &Co));
      same &= same_clusters(Cw, Co);
      part &= is_partition(Co, 2);
      rla_cluster_destroy(&Cw);
      rla_cluster_destroy(&Co);
    }
  }
  RLA_ASSERT_ALL(same);
  RLA_ASSERT_ALL(part);
  if (rla_ctx_size(ctx) > 1) {
    rla_cluster C = NULL;
    RLA_ASSERT_OK(rla_cluster_create(ctx, &C));
    RLA_ASSERT_OK(rla_cluster_set_rank(C, 2));
    RLA_ASSERT_OK(rla_cluster_set_tol(C, 0.1));
    mixed[0] = rla_ctx_rank(ctx) == 0 ? bo[0] : NULL;
    mixed[1] = bw[1];
    RLA_ASSERT_FAILS(rla_cluster_compute(C, 2, mixed), RLA_ERR_ARG, "one distribution");
    twice[0] = bo[0];
    RLA_ASSERT_FAILS(rla_cluster_compute(C, 1, twice), RLA_ERR_ARG, "exactly one rank");
    twice[0] = NULL;
    RLA_ASSERT_FAILS(rla_cluster_compute(C, 1, twice), RLA_ERR_ARG, "exactly one rank");
    rla_cluster_destroy(&C);
  }
  free_blocks(K, bw);
  free_blocks(K2, bo);
  rla_ctx_destroy(&self);
}

/* seeds: every block fits in the seed; a multi-block seed that cannot grow keeps its blocks;
   patience turns the rest into singletons */
static void test_cluster_seeds(void)
{
  rla_ctx ctx = rla_test_ctx;
  rla_dmat blocks[36] = {0};
  int64_t K;
  int ok = 1;
  RLA_ASSERT_OK(union_collection(ctx, blocks, &K));
  for (int a = 0; a < 3; a++) {
    rla_cluster C = NULL;
    rla_cluster_summary s;
    rla_cluster_item it;
    /* three narrow blocks, r = 20: all fit in the seed, one cluster, error 0 */
    rla_dmat three[3] = {blocks[0], blocks[1], blocks[2]};
    RLA_ASSERT_OK(run_cluster(ctx, 3, three, 20, 0.05, (rla_cluster_algorithm)a,
                              RLA_CLUSTER_ORDER_RESIDUAL, 10, &C));
    RLA_ASSERT_OK(rla_cluster_get_summary(C, &s));
    RLA_ASSERT_OK(rla_cluster_get_item(C, 0, &it));
    ok &= s.nclusters == 1 && it.nmembers == 3 && it.actual == 0.0 && is_partition(C, 3);
    rla_cluster_destroy(&C);
    /* eps below the noise: nothing grows; patience 1 stops after the first seed (several
       blocks, kept together), the rest are singletons */
    RLA_ASSERT_OK(run_cluster(ctx, K, blocks, 6, 1e-6, (rla_cluster_algorithm)a,
                              RLA_CLUSTER_ORDER_NORM, 1, &C));
    RLA_ASSERT_OK(rla_cluster_get_summary(C, &s));
    RLA_ASSERT_OK(rla_cluster_get_item(C, 0, &it));
    ok &= is_partition(C, K) && s.failed_seeds == 1 && it.nmembers >= 1 &&
          s.nclusters == K - it.nmembers + 1 && s.nnonsingleton <= 1;
    rla_cluster_destroy(&C);
  }
  RLA_ASSERT_ALL(ok);
  free_blocks(K, blocks);
}

/* 1 when two results with the same clusters have bitwise the same predictions, errors, ranks
   and coefficients (the same code on the same data) */
static int same_numbers(rla_cluster A, rla_cluster B)
{
  rla_cluster_summary sa;
  int same = same_clusters(A, B) && rla_cluster_get_summary(A, &sa) == 0;
  for (int64_t c = 0; same && c < sa.nclusters; c++) {
    rla_cluster_item ia, ib;
    const double *ca, *cb;
    rla_cluster_get_item(A, c, &ia);
    rla_cluster_get_item(B, c, &ib);
    rla_cluster_get_coefficients(A, c, &ca);
    rla_cluster_get_coefficients(B, c, &cb);
    same &= ia.predicted == ib.predicted && ia.actual == ib.actual && ia.rank == ib.rank &&
            ia.storage == ib.storage && (ca == NULL) == (cb == NULL);
    if (same && ca) same &= !memcmp(ca, cb, sizeof(double) * (size_t)(ia.rank * ia.width));
  }
  return same;
}

/* the lifecycle: setup then compute gives what compute alone gives, bitwise, and so does a
   second compute on the same plan (no state of the first is left in the workspaces), in both
   distributions; compute on another collection, or after a setting that the plan depends on,
   makes a new plan; view; setup's provoked errors */
static void test_cluster_setup(void)
{
  rla_ctx ctx = rla_test_ctx, self = NULL;
  rla_dmat bw[36] = {0}, bo[36] = {0}, bad[2] = {NULL, NULL};
  int64_t K, K2;
  int same = 1, part = 1, viewed = 1;
  RLA_ASSERT_OK(rla_ctx_create(MPI_COMM_SELF, &self));
  RLA_ASSERT_OK(union_collection(ctx, bw, &K));
  RLA_ASSERT_OK(owned_collection(self, bo, &K2));
  for (int a = 0; a < 3; a++)
    for (int d = 0; d < 2; d++) {
      rla_dmat *b = d ? bo : bw;
      rla_cluster A = NULL, B = NULL;
      RLA_ASSERT_OK(run_cluster(ctx, K, b, 6, 0.05, (rla_cluster_algorithm)a,
                                RLA_CLUSTER_ORDER_RESIDUAL, 10, &A));
      RLA_ASSERT_OK(rla_cluster_create(ctx, &B));
      RLA_ASSERT_OK(rla_cluster_set_rank(B, 6));
      RLA_ASSERT_OK(rla_cluster_set_tol(B, 0.05));
      RLA_ASSERT_OK(rla_cluster_set_algorithm(B, (rla_cluster_algorithm)a));
      RLA_ASSERT_OK(rla_cluster_setup(B, K, b));
      RLA_ASSERT_OK(rla_cluster_compute(B, K, b));
      same &= same_numbers(A, B);
      RLA_ASSERT_OK(rla_cluster_compute(B, K, b));
      same &= same_numbers(A, B);
      /* the first 12 blocks: another collection */
      RLA_ASSERT_OK(rla_cluster_compute(B, 12, b));
      part &= is_partition(B, 12);
      /* the norm order: the plan is made again */
      rla_cluster_destroy(&A);
      RLA_ASSERT_OK(run_cluster(ctx, K, b, 6, 0.05, (rla_cluster_algorithm)a,
                                RLA_CLUSTER_ORDER_NORM, 10, &A));
      RLA_ASSERT_OK(rla_cluster_set_order(B, RLA_CLUSTER_ORDER_NORM));
      RLA_ASSERT_OK(rla_cluster_compute(B, K, b));
      same &= same_numbers(A, B);
      if (a == 0 && d == 0) {
        FILE *f = tmpfile();
        RLA_ASSERT_OK(rla_cluster_view(B, f));
        viewed = !f || rla_ctx_rank(ctx) != 0 || ftell(f) > 0;
        if (f) fclose(f);
      }
      rla_cluster_destroy(&A);
      rla_cluster_destroy(&B);
    }
  RLA_ASSERT_ALL(same);
  RLA_ASSERT_ALL(part);
  RLA_ASSERT_ALL(viewed);
  {
    rla_cluster C = NULL;
    RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, 10, 2, 0, &bad[0]));
    RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, 12, 2, 0, &bad[1]));
    RLA_ASSERT_OK(rla_cluster_create(ctx, &C));
    RLA_ASSERT_FAILS(rla_cluster_setup(C, 2, bad), RLA_ERR_ARG, "rank");
    RLA_ASSERT_OK(rla_cluster_set_rank(C, 2));
    RLA_ASSERT_FAILS(rla_cluster_setup(C, 2, bad), RLA_ERR_SHAPE, "same rows");
    RLA_ASSERT_FAILS(rla_cluster_setup(C, 0, bad), RLA_ERR_ARG, "no blocks");
    RLA_ASSERT_FAILS(rla_cluster_setup(NULL, 2, bad), RLA_ERR_ARG, NULL);
    RLA_ASSERT_FAILS(rla_cluster_view(NULL, stdout), RLA_ERR_ARG, NULL);
    rla_cluster_destroy(&C);
    rla_dmat_destroy(&bad[0]);
    rla_dmat_destroy(&bad[1]);
  }
  free_blocks(K, bw);
  free_blocks(K2, bo);
  rla_ctx_destroy(&self);
}

static void test_cluster_errors(void)
{
  rla_ctx ctx = rla_test_ctx;
  rla_cluster C = NULL;
  rla_cluster_summary s;
  rla_cluster_algorithm a;
  rla_cluster_order o;
  rla_dmat blocks[2] = {NULL, NULL};
  RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, 10, 2, 0, &blocks[0]));
  RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, 12, 2, 0, &blocks[1]));
  RLA_ASSERT_OK(rla_cluster_create(ctx, &C));
  RLA_ASSERT_FAILS(rla_cluster_compute(C, 2, blocks), RLA_ERR_ARG, "rank");
  RLA_ASSERT_FAILS(rla_cluster_set_rank(C, 0), RLA_ERR_ARG, "at least 1");
  RLA_ASSERT_FAILS(rla_cluster_set_tol(C, 1.5), RLA_ERR_ARG, "(0, 1)");
  RLA_ASSERT_FAILS(rla_cluster_set_oversample(C, -1), RLA_ERR_ARG, ">= 0");
  RLA_ASSERT_FAILS(rla_cluster_set_patience(C, 0), RLA_ERR_ARG, "at least 1");
  RLA_ASSERT_FAILS(rla_cluster_set_algorithm(C, (rla_cluster_algorithm)7), RLA_ERR_ARG, NULL);
  RLA_ASSERT_FAILS(rla_cluster_set_order(C, (rla_cluster_order)7), RLA_ERR_ARG, NULL);
  RLA_ASSERT_FAILS(rla_cluster_get_summary(C, &s), RLA_ERR_ARG, "compute first");
  RLA_ASSERT_OK(rla_cluster_set_rank(C, 2));
  RLA_ASSERT_OK(rla_cluster_set_tol(C, 0.1));
  RLA_ASSERT_FAILS(rla_cluster_compute(C, 2, blocks), RLA_ERR_SHAPE, "same rows");
  RLA_ASSERT_FAILS(rla_cluster_compute(C, 0, blocks), RLA_ERR_ARG, "no blocks");
  RLA_ASSERT_FAILS(rla_cluster_algorithm_from_name(ctx, "kmeans", &a), RLA_ERR_ARG, "max-norm");
  RLA_ASSERT_FAILS(rla_cluster_order_from_name(ctx, "random", &o), RLA_ERR_ARG, "residual");
  RLA_ASSERT_OK(rla_cluster_algorithm_from_name(ctx, "residuals", &a));
  RLA_ASSERT_ALL(a == RLA_CLUSTER_RESIDUALS);
  rla_cluster_destroy(&C);
  RLA_ASSERT_ALL(C == NULL);
  rla_dmat_destroy(&blocks[0]);
  rla_dmat_destroy(&blocks[1]);
}

/* collections: a written one read back as a directory and as a manifest; bad ones fail */
static void test_collection_read(void)
{
  rla_ctx ctx = rla_test_ctx;
  rla_collection coll = NULL;
  rla_collection_spec spec = {9, 4, NULL, 1, 3, 0, 0, 2, 2, 0.0, RLA_MEMBERSHIP_ROUND_ROBIN, 3};
  rla_dmat *b = NULL;
  char **names = NULL, path[1024];
  int64_t n = 0, m;
  rla_cluster_distribution used = RLA_CLUSTER_DIST_AUTO, d;
  RLA_ASSERT_OK(rla_gen_collection_create(ctx, &spec, &coll));
  RLA_ASSERT_OK(rla_gen_collection_write(coll, rla_test_path("coll"), RLA_FORMAT_NPY));
  rla_gen_collection_destroy(&coll);
  RLA_ASSERT_OK(rla_cluster_collection_read_dist(ctx, rla_test_path("coll"), RLA_CLUSTER_DIST_ROWS,
                                                 &n, &b, &names, &used));
  rla_dmat_sizes(b[0], &m, NULL);
  RLA_ASSERT_ALL(n == 4 && m == 9 && strstr(names[0], "block_000000.npy") &&
                 used == RLA_CLUSTER_DIST_ROWS);
  rla_cluster_collection_free(n, &b, &names);
  RLA_ASSERT_ALL(b == NULL && names == NULL);
  /* blocks: every block whole (9 rows) on exactly its owner */
  RLA_ASSERT_OK(rla_cluster_collection_read_dist(ctx, rla_test_path("coll"),
                                                 RLA_CLUSTER_DIST_BLOCKS, &n, &b, &names, &used));
  {
    int64_t held[4] = {0, 0, 0, 0}, w[4];
    int owner[4], ok = n == 4, P = rla_ctx_size(ctx);
    ok &= used == (P > 1 ? RLA_CLUSTER_DIST_BLOCKS : RLA_CLUSTER_DIST_ROWS);
    for (int j = 0; ok && j < 4; j++) {
      int64_t mj = 0, lm = 0;
      if (!b[j]) continue;
      held[j] = 1;
      rla_dmat_sizes(b[j], &mj, &w[j]);
      rla_dmat_local(b[j], NULL, &lm, NULL, NULL);
      ok &= mj == 9 && (P == 1 || lm == 9);
    }
    MPI_Allreduce(MPI_IN_PLACE, held, 4, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    for (int j = 0; ok && j < 4; j++)
      ok &= held[j] == 1;
    if (ok && P > 1) {
      /* the widths from the file sizes: 1 to 3 columns; owners as rla_cluster_owners says */
      int64_t ww[4];
      for (int j = 0; j < 4; j++)
        ww[j] = b[j] ? w[j] : 0;
      MPI_Allreduce(MPI_IN_PLACE, ww, 4, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
      ok &= rla_cluster_owners(ctx, P, 4, ww, owner) == RLA_SUCCESS;
      for (int j = 0; j < 4; j++)
        ok &= (b[j] != NULL) == (owner[j] == rla_ctx_rank(ctx));
    }
    RLA_ASSERT_ALL(ok);
  }
  rla_cluster_collection_free(n, &b, &names);
  RLA_ASSERT_ALL(b == NULL && names == NULL);
  snprintf(path, sizeof(path), "%s/manifest.txt", rla_test_path("coll"));
  RLA_ASSERT_OK(rla_cluster_collection_read(ctx, path, &n, &b, &names));
  RLA_ASSERT_ALL(n == 4);
  rla_cluster_collection_free(n, &b, &names);
  if (rla_ctx_rank(ctx) == 0) {
    FILE *f;
    mkdir(rla_test_path("empty"), 0755);
    f = fopen(rla_test_path("bad-manifest.txt"), "w");
    if (f) {
      fprintf(f, "# a comment\nnot-there.npy\n");
      fclose(f);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  RLA_ASSERT_FAILS(rla_cluster_collection_read(ctx, rla_test_path("empty"), &n, &b, &names),
                   RLA_ERR_FILE, "no matrix files");
  RLA_ASSERT_FAILS(rla_cluster_collection_read(ctx, rla_test_path("nowhere"), &n, &b, &names),
                   RLA_ERR_FILE, "cannot open");
  RLA_ASSERT_FAILS(
      rla_cluster_collection_read(ctx, rla_test_path("bad-manifest.txt"), &n, &b, &names),
      RLA_ERR_FILE, "not-there.npy");
  RLA_ASSERT_ALL(b == NULL && names == NULL && n == 0);
  RLA_ASSERT_FAILS(rla_cluster_collection_read_dist(ctx, rla_test_path("coll"),
                                                    (rla_cluster_distribution)9, &n, &b, &names,
                                                    NULL),
                   RLA_ERR_ARG, "distribution");
  RLA_ASSERT_FAILS(rla_cluster_distribution_from_name(ctx, "cyclic", &d), RLA_ERR_ARG, "blocks");
  RLA_ASSERT_OK(rla_cluster_distribution_from_name(ctx, "blocks", &d));
  RLA_ASSERT_ALL(d == RLA_CLUSTER_DIST_BLOCKS &&
                 !strcmp(rla_cluster_distribution_name(d), "blocks"));
}

/* a file of each format and layout: C and Fortran order .npy and a 1-D one, PETSc dense, AIJ
   and Vec, Matrix Market; m rows, entries of every binade from -20 to 19 */
#define FMT_M 13
static double fmt_entry(int64_t i, int64_t j, int64_t f)
{
  return ldexp(sin((double)(1 + 7 * i + 3 * j + 11 * f)), (int)((5 * i + j + f) % 40) - 20);
}

static void write_formats(rla_ctx ctx, const char *dir)
{
  static const char *name[] = {"a.npy", "c.petsc", "d.petsc", "e.mtx", "f.petsc", "g.npy", "h.npy"};
  static const int64_t width[] = {3, 2, 3, 2, 1, 1, 5};
  static const unsigned flags[] = {0, RLA_IO_DENSE, 0, 0, RLA_IO_VECTOR, RLA_IO_VECTOR, 0};
  char path[1024];
  if (rla_ctx_rank(ctx) == 0) mkdir(dir, 0755);
  MPI_Barrier(MPI_COMM_WORLD);
  for (int f = 0; f < 7; f++) {
    rla_dmat A = NULL;
    double *a;
    int64_t lm, lld, row0;
    RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, FMT_M, width[f], 0, &A));
    rla_dmat_local(A, &a, &lm, NULL, &lld);
    row0 = rla_dmat_row_offset(A);
    for (int64_t j = 0; j < width[f]; j++)
      for (int64_t i = 0; i < lm; i++)
        a[i + j * lld] = fmt_entry(row0 + i, j, f);
    snprintf(path, sizeof(path), "%s/%s", dir, name[f]);
    RLA_ASSERT_OK(rla_io_write(A, path, RLA_FORMAT_AUTO, flags[f]));
    rla_dmat_destroy(&A);
  }
  /* Fortran order, written as numpy does: the dict, spaces to a multiple of 64 bytes, '\n' */
  if (rla_ctx_rank(ctx) == 0) {
    char head[128] = "\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', 'fortran_order': True, "
                     "'shape': (13, 4), }";
    FILE *fp;
    size_t k = strlen(head + 10) + 10;
    memset(head + k, ' ', 127 - k);
    head[127] = '\n';
    snprintf(path, sizeof(path), "%s/b.npy", dir);
    fp = fopen(path, "wb");
    if (fp) {
      fwrite(head, 1, 128, fp);
      for (int64_t j = 0; j < 4; j++)
        for (int64_t i = 0; i < FMT_M; i++) {
          double v = fmt_entry(i, j, 7);
          fwrite(&v, sizeof(v), 1, fp);
        }
      fclose(fp);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

/* block i of a collection read in the blocks distribution, whole on every rank (from its owner) */
static void bcast_owned(rla_dmat B, int64_t m, int64_t w, double *full)
{
  int owner = -1, have = B ? rla_ctx_rank(rla_test_ctx) : -1;
  MPI_Allreduce(&have, &owner, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (B) {
    double *a;
    int64_t lld;
    rla_dmat_local(B, &a, NULL, NULL, &lld);
    for (int64_t j = 0; j < w; j++)
      memcpy(full + j * m, a + j * lld, sizeof(double) * (size_t)m);
  }
  MPI_Bcast(full, (int)(m * w), MPI_DOUBLE, owner, MPI_COMM_WORLD);
}

/* the collection's reads without communication per file (POSIX reads of a rank's rows or of its
   owned blocks, the other formats read whole on the rank) against rla_io_read, the collective
   MPI-IO reader over every rank: the same bits in the same places, in both distributions */
static void test_collection_read_local(void)
{
  rla_ctx ctx = rla_test_ctx;
  const char *dir = rla_test_path("formats");
  write_formats(ctx, dir);
  for (int d = 0; d < 2; d++) {
    rla_cluster_distribution dist = d ? RLA_CLUSTER_DIST_BLOCKS : RLA_CLUSTER_DIST_ROWS, used;
    rla_dmat *b = NULL;
    char **names = NULL;
    int64_t n = 0;
    int ok = 1;
    RLA_ASSERT_OK(rla_cluster_collection_read_dist(ctx, dir, dist, &n, &b, &names, &used));
    RLA_ASSERT_ALL(n == 8 && strstr(names[1], "b.npy"));
    for (int64_t i = 0; i < n; i++) {
      rla_dmat R = NULL;
      double *r, *full = NULL;
      int64_t m, w, lm, lld, row0;
      RLA_ASSERT_OK(rla_io_read(ctx, names[i], RLA_FORMAT_AUTO, 0, &R));
      rla_dmat_sizes(R, &m, &w);
      rla_dmat_local(R, &r, &lm, NULL, &lld);
      row0 = rla_dmat_row_offset(R);
      full = calloc((size_t)(m * w), sizeof(double));
      if (used == RLA_CLUSTER_DIST_BLOCKS)
        bcast_owned(b[i], m, w, full);
      else {
        double *a;
        int64_t bm, bw, blm, blld;
        rla_dmat_sizes(b[i], &bm, &bw);
        rla_dmat_local(b[i], &a, &blm, NULL, &blld);
        ok &= bm == m && bw == w && blm == lm && rla_dmat_row_offset(b[i]) == row0;
        for (int64_t j = 0; ok && j < w; j++)
          memcpy(full + row0 + j * m, a + j * blld, sizeof(double) * (size_t)lm);
      }
      for (int64_t j = 0; ok && j < w; j++)
        ok &= !memcmp(full + row0 + j * m, r + j * lld, sizeof(double) * (size_t)lm);
      /* and the entries written (exact in every format: %.17g in Matrix Market) */
      for (int64_t j = 0; ok && j < w; j++)
        for (int64_t q = 0; q < lm; q++)
          ok &= r[q + j * lld] == fmt_entry(row0 + q, j, i == 1 ? 7 : i == 0 ? 0 : i - 1);
      free(full);
      rla_dmat_destroy(&R);
    }
    RLA_ASSERT_ALL(ok);
    rla_cluster_collection_free(n, &b, &names);
  }
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("bounds", NULL, NULL);
  CU_add_test(s, "bounds and estimator never below the exact error", test_bounds_never_below_exact);
  CU_add_test(s, "bound 1 and a block wider than r", test_bound1_wide_block);
  CU_add_test(s, "provoked errors", test_bounds_errors);
  s = CU_add_suite("cluster", NULL, NULL);
  CU_add_test(s, "errors within eps, partitions, fewer clusters", test_cluster_errors_within_eps);
  CU_add_test(s, "same clusters on any number of ranks", test_cluster_rank_independent);
  CU_add_test(s, "seeds and patience", test_cluster_seeds);
  CU_add_test(s, "the loop's predictions are the public bounds", test_loop_matches_bounds);
  CU_add_test(s, "owners balanced by columns, the automatic rule", test_owners);
  CU_add_test(s, "blocks distribution: the clusters of the rows one",
              test_cluster_blocks_distribution);
  CU_add_test(s, "blocks distribution: ranks without blocks, mixed layouts",
              test_cluster_blocks_few);
  CU_add_test(s, "setup, then compute on the plan", test_cluster_setup);
  CU_add_test(s, "provoked errors", test_cluster_errors);
  CU_add_test(s, "reading collections", test_collection_read);
  CU_add_test(s, "reading collections: the local reads are the collective reader's",
              test_collection_read_local);
}
