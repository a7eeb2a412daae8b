/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark of the clustering on a union-of-subspaces collection (rla_gen_collection, K blocks
   of m rows): the three algorithms against the deterministic baseline, the same greedy loop
   with the exact error of every candidate concatenation (the eigenvalues of its Gram matrix,
   rla_cluster_error_exact). Reports the time, the clusters found, the compression ratio and the
   largest actual error; run it at 1 and 2 ranks for the speedup. Prints human-readable lines and
   "RESULT key value" lines. Not part of make check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rla/cluster.h"
#include "rla/gen.h"
#include "rla/rla.h"

static const rla_option_spec specs[] = {
    {"m", NULL, RLA_OPT_INT, "200", NULL, 1, 1e9, "rows of every block"},
    {"blocks", NULL, RLA_OPT_INT, "2000", NULL, 1, 1e9, "number of blocks K"},
    {"subspaces", NULL, RLA_OPT_INT, "40", NULL, 1, 1e9, "subspaces of the collection"},
    {"dim", NULL, RLA_OPT_INT, "3", NULL, 1, 1e9, "dimension of every subspace"},
    {"noise", NULL, RLA_OPT_REAL, "1e-3", NULL, 0, 10, "noise-to-signal ratio"},
    {"r", NULL, RLA_OPT_INT, "8", NULL, 1, 1e9, "rank"},
    {"eps", NULL, RLA_OPT_REAL, "0.05", NULL, 1e-12, 0.999, "tolerance"},
    {"order", NULL, RLA_OPT_STRING, "norm", "norm|residual", 1, 0,
     "candidate order of the three algorithms (the baseline uses ascending norm)"},
    {"baseline", NULL, RLA_OPT_INT, "1", NULL, 0, 1, "1: run the exact-SVD baseline"},
};

/* the baseline: seeds as in rla_cluster_compute, candidates by ascending norm, each trial
   judged by the exact error of the concatenation */
static rla_err baseline(rla_ctx ctx, int64_t K, rla_dmat *blocks, int64_t r, double eps,
                        int64_t *nclusters, int64_t *trials)
{
  double *nrm = calloc((size_t)K, sizeof(double));
  int64_t *order = calloc((size_t)K, sizeof(int64_t)), *mem = calloc((size_t)K, sizeof(int64_t));
  char *done = calloc((size_t)K, 1);
  rla_dmat *sub = calloc((size_t)K, sizeof(rla_dmat));
  int64_t ncl = 0;
  rla_err err = RLA_SUCCESS;
  *trials = 0;
  if (!nrm || !order || !mem || !done || !sub) err = RLA_ERR_MEM;
  err = rla_ctx_agree(ctx, err);
  for (int64_t j = 0; j < K && !err; j++) {
    err = rla_dmat_norm_fro(blocks[j], &nrm[j]);
    order[j] = j;
  }
  /* descending norm (insertion sort: K is a few thousand) */
  for (int64_t a = 1; a < K && !err; a++)
    for (int64_t b = a; b > 0 && nrm[order[b]] > nrm[order[b - 1]]; b--) {
      int64_t t = order[b];
      order[b] = order[b - 1];
      order[b - 1] = t;
    }
  for (int64_t h = 0; h < K && !err; h++) {
    int64_t n = 0, used = 0, w;
    if (done[order[h]]) continue;
    for (int64_t i = h; i < K; i++) {
      int64_t j = order[i];
      if (done[j]) continue;
      rla_dmat_sizes(blocks[j], NULL, &w);
      if (n > 0 && used + w > r) break;
      sub[n++] = blocks[j];
      done[j] = 1;
      used += w;
      if (used >= r) break;
    }
    for (int64_t i = K - 1; i >= 0 && !err; i--) {
      int64_t j = order[i];
      double e = 0.0;
      if (done[j]) continue;
      sub[n] = blocks[j];
      err = rla_cluster_error_exact(n + 1, sub, r, &e);
      (*trials)++;
      if (err || e > eps) break;
      done[j] = 1;
      n++;
    }
    ncl++;
  }
  *nclusters = ncl;
  free(nrm);
  free(order);
  free(mem);
  free(done);
  free(sub);
  return err;
}

int main(int argc, char **argv)
{
  rla_ctx ctx = NULL;
  rla_options opts = NULL;
  rla_collection coll = NULL;
  rla_dmat *blocks = NULL;
  int64_t m, K, nsub, dim, r, base;
  rla_cluster_order order = RLA_CLUSTER_ORDER_NORM;
  double noise, eps;
  int rank;
  MPI_Init(&argc, &argv);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) return 1;
  rank = rla_ctx_rank(ctx);
  if (rla_options_create(ctx, specs, (int)(sizeof(specs) / sizeof(specs[0])), &opts) ||
      rla_options_parse(opts, argc, argv)) {
    if (rank == 0) fprintf(stderr, "bench_cluster: %s\n", rla_ctx_error_message(ctx));
    rla_ctx_destroy(&ctx);
    MPI_Finalize();
    return 1;
  }
  rla_options_get_int(opts, "m", &m);
  rla_options_get_int(opts, "blocks", &K);
  rla_options_get_int(opts, "subspaces", &nsub);
  rla_options_get_int(opts, "dim", &dim);
  rla_options_get_real(opts, "noise", &noise);
  rla_options_get_int(opts, "r", &r);
  rla_options_get_real(opts, "eps", &eps);
  rla_options_get_int(opts, "baseline", &base);
  {
    const char *o;
    rla_options_get_string(opts, "order", &o);
    rla_cluster_order_from_name(ctx, o, &order);
  }
  {
    rla_collection_spec spec = {m, K, NULL, 2, 6, 0, 0, nsub, dim, noise, RLA_MEMBERSHIP_RANDOM, 1};
    blocks = calloc((size_t)K, sizeof(rla_dmat));
    if (!blocks || rla_gen_collection_create(ctx, &spec, &coll)) goto fail;
    for (int64_t j = 0; j < K; j++)
      if (rla_gen_collection_block(coll, j, &blocks[j])) goto fail;
  }
  if (rank == 0)
    printf("collection: K = %lld blocks of m = %lld rows (widths 2-6), %lld subspaces of "
           "dimension %lld, noise %g; r = %lld, eps = %g, %s order, %d ranks\n",
           (long long)K, (long long)m, (long long)nsub, (long long)dim, noise, (long long)r, eps,
           rla_cluster_order_name(order), rla_ctx_size(ctx));
  for (int a = 0; a < 3; a++) {
    rla_cluster C = NULL;
    rla_cluster_summary s;
    double t;
    if (rla_cluster_create(ctx, &C) || rla_cluster_set_rank(C, r) || rla_cluster_set_tol(C, eps) ||
        rla_cluster_set_algorithm(C, (rla_cluster_algorithm)a) || rla_cluster_set_order(C, order))
      goto fail;
    MPI_Barrier(MPI_COMM_WORLD);
    t = rla_wtime();
    if (rla_cluster_compute(C, K, blocks) || rla_cluster_get_summary(C, &s)) goto fail;
    t = rla_wtime() - t;
    if (rank == 0) {
      printf("%-12s %8.3f s (cluster %.3f s, compress %.3f s): %5lld clusters, %5lld multi-block, "
             "ratio %6.3f, max actual error %.3e\n",
             rla_cluster_algorithm_name((rla_cluster_algorithm)a), t, s.time_cluster,
             s.time_compress, (long long)s.nclusters, (long long)s.nnonsingleton, s.ratio,
             s.error_max);
      printf("RESULT %s_time %.6f\nRESULT %s_clusters %lld\nRESULT %s_ratio %.6f\n",
             rla_cluster_algorithm_name((rla_cluster_algorithm)a), t,
             rla_cluster_algorithm_name((rla_cluster_algorithm)a), (long long)s.nclusters,
             rla_cluster_algorithm_name((rla_cluster_algorithm)a), s.ratio);
    }
    rla_cluster_destroy(&C);
  }
  if (base) {
    int64_t ncl, trials;
    double t;
    MPI_Barrier(MPI_COMM_WORLD);
    t = rla_wtime();
    if (baseline(ctx, K, blocks, r, eps, &ncl, &trials)) goto fail;
    t = rla_wtime() - t;
    if (rank == 0) {
      printf("%-12s %8.3f s: %5lld clusters, %lld exact SVDs of candidate concatenations\n",
             "exact", t, (long long)ncl, (long long)trials);
      printf("RESULT exact_time %.6f\nRESULT exact_clusters %lld\n", t, (long long)ncl);
    }
  }
  for (int64_t j = 0; j < K; j++)
    rla_dmat_destroy(&blocks[j]);
  free(blocks);
  rla_gen_collection_destroy(&coll);
  rla_options_destroy(&opts);
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return 0;
fail:
  if (rank == 0) fprintf(stderr, "bench_cluster: %s\n", rla_ctx_error_message(ctx));
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return 1;
}
