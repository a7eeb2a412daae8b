/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark of the clustering on a union-of-subspaces collection (rla_gen_collection: K blocks
   of m rows, random widths, some wider than r, subspaces plus noise) against the plain approach:
   the same greedy seed-and-grow loop in the same candidate order, each candidate judged by the
   exact error of the concatenation [cluster, candidate] (the eigenvalues of its Gram matrix,
   rla_cluster_error_exact: m N^2 + N^3/3 flops for N columns, cheaper than an SVD of the
   concatenation). Reports the time, the clusters, the compression ratio and the largest actual
   error; run it at 1 and 2 ranks for the speedup. --distribution chooses how the blocks are
   spread for the library (the baseline always uses rows). Prints human-readable lines and
   "RESULT key value" lines. Not part of make check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rla/cluster.h"
#include "rla/gen.h"
#include "rla/rla.h"
#include "../src/cluster/cluster_impl.h"

static const rla_option_spec specs[] = {
    {"m", NULL, RLA_OPT_INT, "2000", NULL, 1, 1e9, "rows of every block"},
    {"blocks", NULL, RLA_OPT_INT, "2000", NULL, 1, 1e9, "number of blocks K"},
    {"wmin", NULL, RLA_OPT_INT, "2", NULL, 1, 1e9, "smallest block width"},
    {"wmax", NULL, RLA_OPT_INT, "12", NULL, 1, 1e9, "largest block width (of the ordinary ones)"},
    {"nwide", NULL, RLA_OPT_INT, "100", NULL, 0, 1e9, "blocks of width --wide"},
    {"wide", NULL, RLA_OPT_INT, "16", NULL, 1, 1e9, "width of the wide blocks (> r)"},
    {"subspaces", NULL, RLA_OPT_INT, "20", NULL, 1, 1e9, "subspaces of the collection"},
    {"dim", NULL, RLA_OPT_INT, "3", NULL, 1, 1e9, "dimension of every subspace"},
    {"noise", NULL, RLA_OPT_REAL, "1e-3", NULL, 0, 10, "noise-to-signal ratio"},
    {"r", NULL, RLA_OPT_INT, "10", NULL, 1, 1e9, "rank"},
    {"eps", NULL, RLA_OPT_REAL, "0.05", NULL, 1e-12, 0.999, "tolerance"},
    {"order", NULL, RLA_OPT_STRING, "residual", "norm|residual", 1, 0,
     "candidate order of the algorithms and of the baseline"},
    {"algorithms", NULL, RLA_OPT_STRING, "approximate", "approximate|all", 1, 0,
     "the estimator only, or the three algorithms"},
    {"distribution", NULL, RLA_OPT_STRING, "auto", "auto|rows|blocks", 1, 0,
     "how the library's blocks are spread"},
    {"baseline", NULL, RLA_OPT_INT, "1", NULL, 0, 1, "1: run the exact-SVD baseline"},
    {"repeat", NULL, RLA_OPT_INT, "3", NULL, 1, 1000,
     "runs of each algorithm; the fastest is reported (the baseline runs once)"},
};

static double now_max(rla_ctx ctx, double t)
{
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
  return t;
}

/* relative residuals 1 - ||Q^T A_j||^2 / ||A_j||^2 of the candidates against the seed's span Q
   (an estimator wide enough to hold the whole seed: exact) */
static rla_err seed_keys(rla_ctx ctx, rla_dmat *blocks, const int64_t *seed, int64_t nseed,
                         const int64_t *cand, int64_t nc, const double *nrm2, int64_t m, int64_t r,
                         int64_t nmax, double *key)
{
  rla_cluster_estimator E = NULL;
  rla_dmat Q = NULL, Y = NULL;
  int64_t k;
  rla_err err;
  RLA_CALL(ctx, rla_cluster_estimator_create(ctx, m, 0, r, nmax, &E));
  for (int64_t i = 0; i < nseed; i++)
    RLA_CALL(ctx, rla_cluster_estimator_add(E, blocks[seed[i]]));
  rla_cluster_estimator_get(E, NULL, &k, NULL, &Q);
  for (int64_t i = 0; i < nc; i++) {
    int64_t n;
    double y;
    rla_dmat_sizes(blocks[cand[i]], NULL, &n);
    err = rla_dmat_create_rowblock(ctx, k, n, 0, &Y);
    if (!err) err = rla_dmat_gemm('T', 'N', 1.0, Q, blocks[cand[i]], 0.0, Y);
    if (!err) err = rla_dmat_norm_fro(Y, &y);
    rla_dmat_destroy(&Y);
    if (err) break;
    key[i] = nrm2[cand[i]] > 0 ? 1.0 - y * y / nrm2[cand[i]] : 0.0;
  }
  rla_cluster_estimator_destroy(&E);
  return err;
}

/* the baseline: seeds as in rla_cluster_compute, candidates in the same order, each trial judged
   by the exact error of the concatenation; the stored basis of a cluster is the one of its last
   exact eigendecomposition, so no compression step is counted */
static rla_err baseline(rla_ctx ctx, int64_t K, rla_dmat *blocks, int64_t m, int64_t r, double eps,
                        rla_cluster_order order, int64_t *nclusters, int64_t *trials, double *ratio,
                        double *emax)
{
  double *nrm = calloc((size_t)K, sizeof(double)), *key = calloc((size_t)K, sizeof(double));
  int64_t *bynorm = calloc((size_t)K, sizeof(int64_t)), *cand = calloc((size_t)K, sizeof(int64_t));
  int64_t *seed = calloc((size_t)K, sizeof(int64_t)), ncl = 0, nmax = 0, total = 0, stored = 0;
  char *done = calloc((size_t)K, 1);
  rla_dmat *sub = calloc((size_t)K + 1, sizeof(rla_dmat));
  rla_err err = RLA_SUCCESS;
  *trials = 0;
  *emax = 0.0;
  if (!nrm || !key || !bynorm || !cand || !seed || !done || !sub) err = RLA_ERR_MEM;
  err = rla_ctx_agree(ctx, err);
  for (int64_t j = 0; j < K && !err; j++) {
    int64_t w;
    err = rla_dmat_norm_fro(blocks[j], &nrm[j]);
    nrm[j] *= nrm[j];
    rla_dmat_sizes(blocks[j], NULL, &w);
    nmax = w > nmax ? w : nmax;
    total += w;
    bynorm[j] = j;
  }
  /* descending norm, ties by index (insertion sort: K is a few thousand) */
  for (int64_t a = 1; a < K && !err; a++)
    for (int64_t b = a; b > 0 && nrm[bynorm[b]] > nrm[bynorm[b - 1]]; b--) {
      int64_t t = bynorm[b];
      bynorm[b] = bynorm[b - 1];
      bynorm[b - 1] = t;
    }
  for (int64_t h = 0; h < K && !err; h++) {
    int64_t n = 0, used = 0, w, nc = 0, N = 0;
    double e = 0.0, last = 0.0;
    if (done[bynorm[h]]) continue;
    for (int64_t i = h; i < K; i++) {
      int64_t j = bynorm[i];
      if (done[j]) continue;
      rla_dmat_sizes(blocks[j], NULL, &w);
      if (n > 0 && used + w > r) break;
      seed[n] = j;
      sub[n++] = blocks[j];
      done[j] = 1;
      used += w;
      if (used >= r) break;
    }
    N = used;
    if (used > r) err = rla_cluster_error_exact(n, sub, r, &last);
    for (int64_t i = 0; i < K; i++)
      if (!done[bynorm[i]]) cand[nc++] = bynorm[i];
    /* the candidate order: ascending norm, or ascending residual against the seed (stable
       insertion sort of the keys, ties by index as in the library) */
    if (!err && order == RLA_CLUSTER_ORDER_RESIDUAL && nc > 0)
      err = seed_keys(ctx, blocks, seed, n, cand, nc, nrm, m, r, nmax, key);
    else
      for (int64_t i = 0; i < nc; i++)
        key[i] = nrm[cand[i]];
    for (int64_t a = 1; a < nc && !err; a++)
      for (int64_t b = a;
           b > 0 && (key[b] < key[b - 1] || (key[b] == key[b - 1] && cand[b] < cand[b - 1])); b--) {
        double tk = key[b];
        int64_t tc = cand[b];
        key[b] = key[b - 1];
        cand[b] = cand[b - 1];
        key[b - 1] = tk;
        cand[b - 1] = tc;
      }
    for (int64_t i = 0; i < nc && !err && last <= eps; i++) {
      int64_t j = cand[i];
      sub[n] = blocks[j];
      err = rla_cluster_error_exact(n + 1, sub, r, &e);
      (*trials)++;
      if (err || e > eps) break;
      rla_dmat_sizes(blocks[j], NULL, &w);
      N += w;
      done[j] = 1;
      last = e;
      n++;
    }
    stored += n == 1 ? m * N : (r * (m + N) < m * N ? r * (m + N) : m * N);
    if (n > 1 && r * (m + N) < m * N && last > *emax) *emax = last;
    ncl++;
  }
  *nclusters = ncl;
  *ratio = stored > 0 ? (double)(m * total) / (double)stored : 1.0;
  free(nrm);
  free(key);
  free(bynorm);
  free(cand);
  free(seed);
  free(done);
  free(sub);
  return err;
}

int main(int argc, char **argv)
{
  rla_ctx ctx = NULL, self = NULL;
  rla_options opts = NULL;
  rla_collection coll = NULL, cself = NULL;
  rla_dmat *blocks = NULL, *owned = NULL;
  int64_t m, K, nsub, dim, r, base, wmin, wmax, nwide, wide, repeat;
  rla_cluster_order order = RLA_CLUSTER_ORDER_RESIDUAL;
  rla_cluster_distribution dist = RLA_CLUSTER_DIST_AUTO;
  double noise, eps;
  const char *algs;
  int rank, P;
  MPI_Init(&argc, &argv);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) return 1;
  rank = rla_ctx_rank(ctx);
  P = rla_ctx_size(ctx);
  if (rla_options_create(ctx, specs, (int)(sizeof(specs) / sizeof(specs[0])), &opts) ||
      rla_options_parse(opts, argc, argv)) {
    if (rank == 0) fprintf(stderr, "bench_cluster: %s\n", rla_ctx_error_message(ctx));
    rla_ctx_destroy(&ctx);
    MPI_Finalize();
    return 1;
  }
  rla_options_get_int(opts, "m", &m);
  rla_options_get_int(opts, "blocks", &K);
  rla_options_get_int(opts, "wmin", &wmin);
  rla_options_get_int(opts, "wmax", &wmax);
  rla_options_get_int(opts, "nwide", &nwide);
  rla_options_get_int(opts, "wide", &wide);
  rla_options_get_int(opts, "subspaces", &nsub);
  rla_options_get_int(opts, "dim", &dim);
  rla_options_get_real(opts, "noise", &noise);
  rla_options_get_int(opts, "r", &r);
  rla_options_get_real(opts, "eps", &eps);
  rla_options_get_int(opts, "baseline", &base);
  rla_options_get_int(opts, "repeat", &repeat);
  rla_options_get_string(opts, "algorithms", &algs);
  {
    const char *o;
    rla_options_get_string(opts, "order", &o);
    rla_cluster_order_from_name(ctx, o, &order);
    rla_options_get_string(opts, "distribution", &o);
    rla_cluster_distribution_from_name(ctx, o, &dist);
  }
  {
    rla_collection_spec spec = {m,
                                K,
                                NULL,
                                wmin,
                                wmax,
                                nwide < K ? nwide : K,
                                wide,
                                nsub,
                                dim,
                                noise,
                                RLA_MEMBERSHIP_RANDOM,
                                1};
    const int64_t *widths;
    int *owner;
    blocks = calloc((size_t)K, sizeof(rla_dmat));
    owned = calloc((size_t)K, sizeof(rla_dmat));
    owner = calloc((size_t)K, sizeof(int));
    if (!blocks || !owned || !owner || rla_gen_collection_create(ctx, &spec, &coll)) goto fail;
    rla_gen_collection_info(coll, NULL, NULL, &widths, NULL, NULL);
    if (dist == RLA_CLUSTER_DIST_AUTO) dist = rla_cluster_distribution_choose(P, m, K, widths);
    if (P == 1) dist = RLA_CLUSTER_DIST_ROWS;
    /* the row-distributed blocks (the baseline, and the library with rows) */
    if (base || dist == RLA_CLUSTER_DIST_ROWS)
      for (int64_t j = 0; j < K; j++)
        if (rla_gen_collection_block(coll, j, &blocks[j])) goto fail;
    /* the owned blocks: generated whole by their owner over MPI_COMM_SELF (the same values) */
    if (dist == RLA_CLUSTER_DIST_BLOCKS) {
      if (rla_ctx_create(MPI_COMM_SELF, &self) || rla_gen_collection_create(self, &spec, &cself))
        goto fail;
      if (rla_cluster_owners(ctx, P, K, widths, owner)) goto fail;
      for (int64_t j = 0; j < K; j++)
        if (owner[j] == rank && rla_gen_collection_block(cself, j, &owned[j])) goto fail;
    }
    free(owner);
    if (rank == 0) {
      int64_t total = 0;
      for (int64_t j = 0; j < K; j++)
        total += widths[j];
      printf("collection: K = %lld blocks of m = %lld rows (widths %lld-%lld, %lld of width "
             "%lld; %lld columns), %lld subspaces of dimension %lld, noise %g; r = %lld, "
             "eps = %g, %s order, %d ranks, %s distribution\n",
             (long long)K, (long long)m, (long long)wmin, (long long)wmax, (long long)nwide,
             (long long)wide, (long long)total, (long long)nsub, (long long)dim, noise,
             (long long)r, eps, rla_cluster_order_name(order), P,
             rla_cluster_distribution_name(dist));
    }
  }
  for (int a = 0; a < 3; a++) {
    rla_cluster C = NULL;
    rla_cluster_summary s = {0};
    const char *name = rla_cluster_algorithm_name((rla_cluster_algorithm)a);
    double t = INFINITY;
    if (a > 0 && strcmp(algs, "all")) break;
    if (rla_cluster_create(ctx, &C) || rla_cluster_set_rank(C, r) || rla_cluster_set_tol(C, eps) ||
        rla_cluster_set_algorithm(C, (rla_cluster_algorithm)a) || rla_cluster_set_order(C, order))
      goto fail;
    /* the fastest of the runs (the same clusters every time), with the phases of that run */
    for (int64_t rep = 0; rep < repeat; rep++) {
      rla_cluster_summary si;
      double ti;
      MPI_Barrier(MPI_COMM_WORLD);
      ti = rla_wtime();
      if (rla_cluster_compute(C, K, dist == RLA_CLUSTER_DIST_BLOCKS ? owned : blocks) ||
          rla_cluster_get_summary(C, &si))
        goto fail;
      ti = now_max(ctx, rla_wtime() - ti);
      if (ti < t) {
        t = ti;
        s = si;
      }
    }
    if (rank == 0) {
      printf("%-12s %8.3f s (best of %lld; norms %.3f s, cluster %.3f s, compress %.3f s): "
             "%5lld clusters, %5lld multi-block, ratio %6.3f, max actual error %.3e\n",
             name, t, (long long)repeat, s.time_norms, s.time_cluster, s.time_compress,
             (long long)s.nclusters, (long long)s.nnonsingleton, s.ratio, s.error_max);
      printf("RESULT %s_time %.6f\nRESULT %s_clusters %lld\nRESULT %s_ratio %.6f\n"
             "RESULT %s_error_max %.6e\n",
             name, t, name, (long long)s.nclusters, name, s.ratio, name, s.error_max);
    }
    rla_cluster_destroy(&C);
  }
  if (base) {
    int64_t ncl, trials;
    double t, ratio, emax;
    MPI_Barrier(MPI_COMM_WORLD);
    t = rla_wtime();
    if (baseline(ctx, K, blocks, m, r, eps, order, &ncl, &trials, &ratio, &emax)) goto fail;
    t = now_max(ctx, rla_wtime() - t);
    if (rank == 0) {
      printf("%-12s %8.3f s: %5lld clusters, ratio %6.3f, max error %.3e, %lld exact "
             "eigendecompositions of candidate concatenations\n",
             "exact", t, (long long)ncl, ratio, emax, (long long)trials);
      printf("RESULT exact_time %.6f\nRESULT exact_clusters %lld\nRESULT exact_ratio %.6f\n"
             "RESULT exact_error_max %.6e\n",
             t, (long long)ncl, ratio, emax);
    }
  }
  for (int64_t j = 0; j < K; j++) {
    rla_dmat_destroy(&blocks[j]);
    rla_dmat_destroy(&owned[j]);
  }
  free(blocks);
  free(owned);
  rla_gen_collection_destroy(&coll);
  rla_gen_collection_destroy(&cself);
  rla_options_destroy(&opts);
  rla_ctx_destroy(&self);
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return 0;
fail:
  if (rank == 0) fprintf(stderr, "bench_cluster: %s\n", rla_ctx_error_message(ctx));
  if (self && rank == 0) fprintf(stderr, "bench_cluster: %s\n", rla_ctx_error_message(self));
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return 1;
}
