/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark of reading a matrix collection (rla_cluster_collection_read_dist): a collection of
   many files against a collection of one file holding the same bytes (the directory --single
   holding all.npy, also read by rla_io_read for reference), read in the same run, alternately,
   --repeat times; the fastest read of each (the slowest rank's time) is reported,
   with the time per file and the ratio to the one-file read. --distributions lists how the many
   files are spread (auto, rows, blocks; the one file is always read in rows, each rank its rows).
   Prints human-readable lines and "RESULT key value" lines. Not part of make check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rla/cluster.h"
#include "rla/rla.h"

static const rla_option_spec specs[] = {
    {"many", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0, "collection of many files (directory or list)"},
    {"single", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0, "collection of one file of the same bytes"},
    {"distributions", NULL, RLA_OPT_STRING, "auto,rows,blocks", NULL, 1, 0,
     "comma-separated distributions of the many files to time"},
    {"repeat", NULL, RLA_OPT_INT, "11", NULL, 1, 1000, "reads of each; the fastest is reported"},
};

/* one read of the collection: the slowest rank's time, the files and the bytes of data */
static rla_err time_read(rla_ctx ctx, const char *path, rla_cluster_distribution dist, double *t,
                         int64_t *files, int64_t *bytes, rla_cluster_distribution *used)
{
  rla_dmat *blocks = NULL;
  char **names = NULL;
  int64_t n = 0;
  double t0;
  MPI_Barrier(rla_ctx_comm(ctx));
  t0 = MPI_Wtime();
  RLA_CALL(ctx, rla_cluster_collection_read_dist(ctx, path, dist, &n, &blocks, &names, used));
  *t = MPI_Wtime() - t0;
  MPI_Allreduce(MPI_IN_PLACE, t, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
  *files = n;
  *bytes = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t m, w;
    if (!blocks[i]) continue; /* blocks distribution: another rank's block */
    rla_dmat_sizes(blocks[i], &m, &w);
    *bytes += 8 * m * w;
  }
  if (*used == RLA_CLUSTER_DIST_BLOCKS)
    MPI_Allreduce(MPI_IN_PLACE, bytes, 1, MPI_INT64_T, MPI_SUM, rla_ctx_comm(ctx));
  rla_cluster_collection_free(n, &blocks, &names);
  return RLA_SUCCESS;
}

/* one read of the one file by rla_io_read (MPI-IO over every rank): the slowest rank's time */
static rla_err time_io_read(rla_ctx ctx, const char *dir, double *t)
{
  char path[4096];
  rla_dmat A = NULL;
  double t0;
  snprintf(path, sizeof(path), "%s/all.npy", dir);
  MPI_Barrier(rla_ctx_comm(ctx));
  t0 = MPI_Wtime();
  RLA_CALL(ctx, rla_io_read(ctx, path, RLA_FORMAT_AUTO, 0, &A));
  *t = MPI_Wtime() - t0;
  MPI_Allreduce(MPI_IN_PLACE, t, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
  rla_dmat_destroy(&A);
  return RLA_SUCCESS;
}

int main(int argc, char **argv)
{
  rla_ctx ctx = NULL;
  rla_options opts = NULL;
  const char *many = NULL, *single = NULL, *list = NULL;
  rla_cluster_distribution dist[3];
  double best[4] = {1e300, 1e300, 1e300, 1e300}, best_io = 1e300;
  int64_t repeat, files[4] = {0, 0, 0, 0}, bytes[4] = {0, 0, 0, 0};
  rla_cluster_distribution used[4];
  const char *dname[3];
  int nd = 0, rank;
  rla_err err = RLA_SUCCESS;
  MPI_Init(&argc, &argv);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) return 1;
  rank = rla_ctx_rank(ctx);
  err = rla_options_create(ctx, specs, (int)(sizeof(specs) / sizeof(specs[0])), &opts);
  if (!err) err = rla_options_parse(opts, argc, argv);
  if (!err) {
    rla_options_get_string(opts, "many", &many);
    rla_options_get_string(opts, "single", &single);
    rla_options_get_string(opts, "distributions", &list);
    rla_options_get_int(opts, "repeat", &repeat);
    if (!many || !single || !*many || !*single)
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                          "give --many and --single");
  }
  for (const char *s = list; !err && s && *s && nd < 3; s = strchr(s, ',') ? strchr(s, ',') + 1 : "") {
    static const char *names[] = {"auto", "rows", "blocks"};
    static const rla_cluster_distribution d[] = {RLA_CLUSTER_DIST_AUTO, RLA_CLUSTER_DIST_ROWS,
                                                 RLA_CLUSTER_DIST_BLOCKS};
    size_t len = strchr(s, ',') ? (size_t)(strchr(s, ',') - s) : strlen(s);
    for (int k = 0; k < 3; k++)
      if (strlen(names[k]) == len && !strncmp(s, names[k], len)) {
        dname[nd] = names[k];
        dist[nd++] = d[k];
      }
  }
  for (int64_t r = 0; r < repeat && !err; r++) {
    double t;
    err = time_read(ctx, single, RLA_CLUSTER_DIST_ROWS, &t, &files[0], &bytes[0], &used[0]);
    if (!err && t < best[0]) best[0] = t;
    if (!err) err = time_io_read(ctx, single, &t);
    if (!err && t < best_io) best_io = t;
    for (int k = 0; k < nd && !err; k++) {
      err = time_read(ctx, many, dist[k], &t, &files[k + 1], &bytes[k + 1], &used[k + 1]);
      if (!err && t < best[k + 1]) best[k + 1] = t;
    }
  }
  if (err) {
    if (rank == 0) fprintf(stderr, "bench_collection: %s\n", rla_ctx_error_message(ctx));
  } else if (rank == 0) {
    printf("%d ranks, best of %lld reads\n", rla_ctx_size(ctx), (long long)repeat);
    printf("one file: %lld bytes of data in %.4f s\n", (long long)bytes[0], best[0]);
    printf("one file by rla_io_read (MPI-IO): %.4f s\n", best_io);
    printf("RESULT single_time %.6f\n", best[0]);
    printf("RESULT single_io_read_time %.6f\n", best_io);
    printf("RESULT files %lld\n", (long long)files[nd > 0 ? 1 : 0]);
    for (int k = 0; k < nd; k++) {
      printf("%lld files (%s, read as %s): %lld bytes of data in %.4f s: %.1f us per file, %.2fx "
             "the one file (%.2fx its rla_io_read)\n",
             (long long)files[k + 1], dname[k],
             used[k + 1] == RLA_CLUSTER_DIST_BLOCKS ? "blocks" : "rows", (long long)bytes[k + 1],
             best[k + 1], 1e6 * best[k + 1] / (double)files[k + 1], best[k + 1] / best[0],
             best[k + 1] / best_io);
      printf("RESULT %s_time %.6f\n", dname[k], best[k + 1]);
      printf("RESULT %s_per_file_us %.1f\n", dname[k], 1e6 * best[k + 1] / (double)files[k + 1]);
      printf("RESULT %s_ratio %.3f\n", dname[k], best[k + 1] / best[0]);
      printf("RESULT %s_ratio_io_read %.3f\n", dname[k], best[k + 1] / best_io);
    }
  }
  rla_options_destroy(&opts);
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return err ? 1 : 0;
}
