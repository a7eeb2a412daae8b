/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark of reading a matrix collection (rla_cluster_collection_read_dist): a collection of
   many files against a collection of one file holding the same bytes (the directory --single
   holding all.npy, also read by rla_io_read for reference), read in the same run, alternately,
   --repeat times; the fastest read of each (the slowest rank's time) is reported,
   with the time per file and the ratio to the one-file read. --distributions lists how the many
   files are spread (auto, rows, blocks; the one file is always read in rows, each rank its rows).
   --stack FILE adds a collection in one .npy file: the same blocks as a 3-D array (K, m, n),
   read as K blocks (auto distribution), and the ratio of the many files to it.
   --cold many|single|stack instead reads that one collection once, in this fresh process (its
   page faults and first calls included), for a script that launches one process per read.
   Prints human-readable lines and "RESULT key value" lines. Not part of make check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rla/cluster.h"
#include "rla/rla.h"

/* the CPU time of this process (every thread): a measure that load on the machine barely
   changes, unlike the wall-clock time; a rank waiting in a collective spins and counts */
static double cpu_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* wall-clock and CPU time since (w0, c0), the slowest rank's of each */
static void elapsed(rla_ctx ctx, double w0, double c0, double *t)
{
  t[0] = MPI_Wtime() - w0;
  t[1] = cpu_now() - c0;
  MPI_Allreduce(MPI_IN_PLACE, t, 2, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
}

static const rla_option_spec specs[] = {
    {"many", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,
     "collection of many files (directory or list)"},
    {"single", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0, "collection of one file of the same bytes"},
    {"distributions", NULL, RLA_OPT_STRING, "auto,rows,blocks", NULL, 1, 0,
     "comma-separated distributions of the many files to time"},
    {"repeat", NULL, RLA_OPT_INT, "11", NULL, 1, 1000, "reads of each; the fastest is reported"},
    {"stack", NULL, RLA_OPT_STRING, "", NULL, 1, 0,
     "the same blocks as one .npy file of a 3-D array (K, m, n), read as K blocks"},
    {"cold", NULL, RLA_OPT_STRING, "", NULL, 1, 0,
     "many, single or stack: read only that collection, once (auto distribution), as a fresh "
     "process does; prints RESULT cold_time"},
};

/* one read of the collection: the slowest rank's wall-clock and CPU times (t[0], t[1]), the
   files and the bytes of data */
static rla_err time_read(rla_ctx ctx, const char *path, rla_cluster_distribution dist, double *t,
                         int64_t *files, int64_t *bytes, rla_cluster_distribution *used)
{
  rla_dmat *blocks = NULL;
  char **names = NULL;
  int64_t n = 0;
  double w0, c0;
  MPI_Barrier(rla_ctx_comm(ctx));
  w0 = MPI_Wtime();
  c0 = cpu_now();
  RLA_CALL(ctx, rla_cluster_collection_read_dist(ctx, path, dist, &n, &blocks, &names, used));
  elapsed(ctx, w0, c0, t);
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

/* one read of the one file by rla_io_read (MPI-IO over every rank): the slowest rank's
   wall-clock and CPU times */
static rla_err time_io_read(rla_ctx ctx, const char *dir, double *t)
{
  char path[4096];
  rla_dmat A = NULL;
  double w0, c0;
  snprintf(path, sizeof(path), "%s/all.npy", dir);
  MPI_Barrier(rla_ctx_comm(ctx));
  w0 = MPI_Wtime();
  c0 = cpu_now();
  RLA_CALL(ctx, rla_io_read(ctx, path, RLA_FORMAT_AUTO, 0, &A));
  elapsed(ctx, w0, c0, t);
  rla_dmat_destroy(&A);
  return RLA_SUCCESS;
}

/* a case's line and RESULT lines: the best wall-clock and CPU times, per file, and their ratios
   to the one file read the same way (ref) and by rla_io_read (io) */
static void print_case(const char *name, const char *how, int64_t files, int64_t bytes,
                       const double *t, const double *ref, const double *io)
{
  printf("%s (%s): %lld files, %lld bytes; wall %.4f s (%.1f us per file, %.2fx the one file, "
         "%.2fx its rla_io_read); CPU %.4f s (%.2fx, %.2fx)\n",
         name, how, (long long)files, (long long)bytes, t[0], 1e6 * t[0] / (double)files,
         t[0] / ref[0], t[0] / io[0], t[1], t[1] / ref[1], t[1] / io[1]);
  printf("RESULT %s_time %.6f\nRESULT %s_per_file_us %.1f\nRESULT %s_ratio %.3f\n", name, t[0],
         name, 1e6 * t[0] / (double)files, name, t[0] / ref[0]);
  printf("RESULT %s_ratio_io_read %.3f\nRESULT %s_cpu_time %.6f\nRESULT %s_cpu_ratio %.3f\n", name,
         t[0] / io[0], name, t[1], name, t[1] / ref[1]);
}

/* the distributions named in list (auto, rows, blocks, comma-separated), at most 3 */
static int parse_distributions(const char *list, rla_cluster_distribution *dist, const char **dname)
{
  static const char *names[] = {"auto", "rows", "blocks"};
  static const rla_cluster_distribution d[] = {RLA_CLUSTER_DIST_AUTO, RLA_CLUSTER_DIST_ROWS,
                                               RLA_CLUSTER_DIST_BLOCKS};
  int nd = 0;
  for (const char *s = list; s && *s && nd < 3; s = strchr(s, ',') ? strchr(s, ',') + 1 : "") {
    size_t len = strchr(s, ',') ? (size_t)(strchr(s, ',') - s) : strlen(s);
    for (int k = 0; k < 3; k++)
      if (strlen(names[k]) == len && !strncmp(s, names[k], len)) {
        dname[nd] = names[k];
        dist[nd++] = d[k];
      }
  }
  return nd;
}

int main(int argc, char **argv)
{
  rla_ctx ctx = NULL;
  rla_options opts = NULL;
  const char *many = NULL, *single = NULL, *stack = NULL, *list = NULL, *dname[3];
  rla_cluster_distribution dist[3], used[5];
  /* [case][wall, CPU]: the one file, then the many files in each distribution, then the stack;
     the one file by rla_io_read */
  double best[5][2], io[2] = {1e300, 1e300};
  int64_t repeat = 1, files[5] = {0, 0, 0, 0, 0}, bytes[5] = {0, 0, 0, 0, 0};
  int nd = 0;
  rla_err err;
  MPI_Init(&argc, &argv);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) return 1;
  err = rla_options_create(ctx, specs, (int)(sizeof(specs) / sizeof(specs[0])), &opts);
  if (!err) err = rla_options_parse(opts, argc, argv);
  if (!err) {
    rla_options_get_string(opts, "many", &many);
    rla_options_get_string(opts, "single", &single);
    rla_options_get_string(opts, "stack", &stack);
    rla_options_get_string(opts, "distributions", &list);
    rla_options_get_int(opts, "repeat", &repeat);
    if (!many || !single || !*many || !*single)
      err =
          rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "give --many and --single");
    nd = parse_distributions(list, dist, dname);
  }
  if (!err) {
    const char *cold = NULL;
    rla_options_get_string(opts, "cold", &cold);
    if (cold && *cold && strcmp(cold, "many") && strcmp(cold, "single") &&
        (strcmp(cold, "stack") || !stack || !*stack))
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                          "--cold takes many, single or (with --stack) stack, not %s", cold);
    else if (cold && *cold) {
      double t[2];
      int64_t f = 0, b = 0;
      rla_cluster_distribution u;
      const char *which = !strcmp(cold, "single") ? single : !strcmp(cold, "stack") ? stack : many;
      err = time_read(ctx, which,
                      strcmp(cold, "single") ? RLA_CLUSTER_DIST_AUTO : RLA_CLUSTER_DIST_ROWS, t, &f,
                      &b, &u);
      if (!err && rla_ctx_rank(ctx) == 0)
        printf("cold %s: %lld files, wall %.4f s, CPU %.4f s\nRESULT cold_time %.6f\n", cold,
               (long long)f, t[0], t[1], t[0]);
      repeat = 0;
    }
  }
  for (int k = 0; k < 5; k++)
    best[k][0] = best[k][1] = 1e300;
  for (int64_t r = 0; r < repeat && !err; r++) {
    double t[2];
    for (int k = 0; k <= nd && !err; k++) {
      err = k ? time_read(ctx, many, dist[k - 1], t, &files[k], &bytes[k], &used[k])
              : time_read(ctx, single, RLA_CLUSTER_DIST_ROWS, t, &files[0], &bytes[0], &used[0]);
      for (int q = 0; q < 2 && !err; q++)
        if (t[q] < best[k][q]) best[k][q] = t[q];
    }
    if (!err && stack && *stack) {
      err = time_read(ctx, stack, RLA_CLUSTER_DIST_AUTO, t, &files[4], &bytes[4], &used[4]);
      for (int q = 0; q < 2 && !err; q++)
        if (t[q] < best[4][q]) best[4][q] = t[q];
    }
    if (!err) err = time_io_read(ctx, single, t);
    for (int q = 0; q < 2 && !err; q++)
      if (t[q] < io[q]) io[q] = t[q];
  }
  if (err) {
    if (rla_ctx_rank(ctx) == 0)
      fprintf(stderr, "bench_collection: %s\n", rla_ctx_error_message(ctx));
  } else if (rla_ctx_rank(ctx) == 0 && repeat > 0) {
    printf("%d ranks, best of %lld reads (wall-clock and CPU time each the best)\n",
           rla_ctx_size(ctx), (long long)repeat);
    printf("one file by rla_io_read (MPI-IO): wall %.4f s, CPU %.4f s\n", io[0], io[1]);
    printf("RESULT single_io_read_time %.6f\n", io[0]);
    print_case("single", "rows", files[0], bytes[0], best[0], best[0], io);
    for (int k = 0; k < nd; k++)
      print_case(dname[k], used[k + 1] == RLA_CLUSTER_DIST_BLOCKS ? "blocks" : "rows", files[k + 1],
                 bytes[k + 1], best[k + 1], best[0], io);
    if (stack && *stack) {
      print_case("stack", used[4] == RLA_CLUSTER_DIST_BLOCKS ? "blocks" : "rows", files[4],
                 bytes[4], best[4], best[0], io);
      for (int k = 0; k < nd; k++)
        printf("many files (%s) / stack: wall %.2fx, CPU %.2fx\nRESULT %s_over_stack %.3f\n",
               dname[k], best[k + 1][0] / best[4][0], best[k + 1][1] / best[4][1], dname[k],
               best[k + 1][0] / best[4][0]);
    }
  }
  rla_options_destroy(&opts);
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return err ? 1 : 0;
}
