/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark of the sketch operators: time of Omega A (A: n x d row-block, Omega: l x n) for each
   operator, against the Gaussian sketch and against the one-pass floor (reading A once). The
   type "gemm" is not an operator: it times the DGEMM part of a Gaussian sketch alone (one
   l x 256 panel reused, no random numbers), the floor of any dense Gaussian sketch here.
   With --side right it times Y = A Omega^T for a row-block A of m x n instead.
   Usage: bench_sketch [--n N] [--d D] [--l L] [--b B] [--k K] [--reps R] [--types t1,t2,...]
                       [--transform auto|ref|fftw|dct] [--panel P] [--side left|right] [--m M]
   Rank 0 prints one line per operator; run it through bench/sketch.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "rla/rla.h"
#include "rla/sketch.h"
#include "../src/sketch/sketch_impl.h"

#define MAX_RESULTS 16
struct result {
  char name[16], param[32];
  double time, setup;
  int64_t bytes;
};

struct params {
  int64_t n, d, l, b, k, reps, panel, m;
  int right;
  char types[256];
  rla_srht_transform transform;
};

static int parse(int argc, char **argv, struct params *p)
{
  p->n = 1 << 20;
  p->d = 256;
  p->l = 1024;
  p->b = 0;
  p->k = 8;
  p->reps = 5;
  p->panel = 0;
  p->m = 1 << 16;
  p->right = 0;
  p->transform = RLA_SRHT_TRANSFORM_AUTO;
  snprintf(p->types, sizeof(p->types), "gaussian,gemm,srht,sparse");
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *key = argv[i], *val = argv[i + 1];
    if (!strcmp(key, "--n"))
      p->n = atoll(val);
    else if (!strcmp(key, "--d"))
      p->d = atoll(val);
    else if (!strcmp(key, "--l"))
      p->l = atoll(val);
    else if (!strcmp(key, "--b"))
      p->b = atoll(val);
    else if (!strcmp(key, "--k"))
      p->k = atoll(val);
    else if (!strcmp(key, "--reps"))
      p->reps = atoll(val);
    else if (!strcmp(key, "--panel"))
      p->panel = atoll(val);
    else if (!strcmp(key, "--m"))
      p->m = atoll(val);
    else if (!strcmp(key, "--side")) {
      if (!strcmp(val, "right"))
        p->right = 1;
      else if (strcmp(val, "left"))
        return 1;
    } else if (!strcmp(key, "--types"))
      snprintf(p->types, sizeof(p->types), "%s", val);
    else if (!strcmp(key, "--transform")) {
      if (!strcmp(val, "ref"))
        p->transform = RLA_SRHT_TRANSFORM_FWHT_REF;
      else if (!strcmp(val, "fftw"))
        p->transform = RLA_SRHT_TRANSFORM_FFTW;
      else if (!strcmp(val, "dct"))
        p->transform = RLA_SRHT_TRANSFORM_DCT;
      else if (strcmp(val, "auto"))
        return 1;
    } else
      return 1;
  }
  return (argc % 2 == 0) || p->n < 1 || p->d < 1 || p->l < 1 || p->m < 1 || p->reps < 1;
}

/* minimum over ranks of the slowest rank's time of fn: max over ranks, min over repetitions */
static double max_over_ranks(rla_ctx ctx, double t)
{
  double m;
  MPI_Allreduce(&t, &m, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
  return m;
}

/* one pass over the local A: the sum of all entries */
static double read_once(const double *a, int64_t lm, int64_t d, int64_t lld)
{
  double s = 0;
  for (int64_t j = 0; j < d; j++) {
    const double *c = a + j * lld;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= lm; i += 4) {
      s0 += c[i];
      s1 += c[i + 1];
      s2 += c[i + 2];
      s3 += c[i + 3];
    }
    for (; i < lm; i++)
      s0 += c[i];
    s += (s0 + s1) + (s2 + s3);
  }
  return s;
}

/* the DGEMM work of Omega A for a Gaussian Omega, with one panel reused: out = sum of panels */
static int gemm_only(rla_ctx ctx, const double *a, int64_t lm, int64_t d, int64_t lld, int64_t l,
                     double *out)
{
  const int64_t p = 256;
  double *g = malloc(sizeof(double) * (size_t)(p * l));
  if (!g) return 1;
  for (int64_t k = 0; k < l; k++)
    rla_rng_uniform(rla_rng_make(3, RLA_RNG_USER), (uint64_t)k, 0, (size_t)p, g + k * p);
  for (int64_t j = 0; j < d; j++)
    memset(out + j * l, 0, sizeof(double) * (size_t)l);
  for (int64_t t0 = 0; t0 < lm; t0 += p) {
    const int64_t np = lm - t0 < p ? lm - t0 : p;
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)l, (int)d, (int)np, 1.0, g, (int)p,
                a + t0, (int)lld, 1.0, out, (int)l);
  }
  free(g);
  MPI_Allreduce(MPI_IN_PLACE, out, (int)(l * d), MPI_DOUBLE, MPI_SUM, rla_ctx_comm(ctx));
  return 0;
}

/* time of one pass over A (slowest rank) */
static double floor_pass(rla_ctx ctx, const double *a, int64_t lm, int64_t cols, int64_t lld,
                         double *checksum)
{
  double t;
  MPI_Barrier(MPI_COMM_WORLD);
  t = rla_wtime();
  *checksum += read_once(a, lm, cols, lld);
  return max_over_ranks(ctx, rla_wtime() - t);
}

int main(int argc, char **argv)
{
  struct params p;
  rla_ctx ctx = NULL;
  rla_dmat A = NULL, Y = NULL;
  int64_t rows, cols;
  double *a, *out, floor_t = INFINITY, gauss_t = NAN, checksum = 0;
  struct result res[MAX_RESULTS];
  int nres = 0;
  int64_t lm, lld, row0;
  int rank, size, status = 0;

  MPI_Init(&argc, &argv);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) {
    MPI_Finalize();
    return 1;
  }
  rank = rla_ctx_rank(ctx);
  size = rla_ctx_size(ctx);
  if (parse(argc, argv, &p)) {
    if (rank == 0)
      fprintf(stderr,
              "usage: bench_sketch [--n N] [--d D] [--l L] [--b B] [--k K] [--reps R] "
              "[--types gaussian,gemm,srht,sparse] [--transform auto|ref|fftw|dct] [--panel P] "
              "[--side left|right] [--m M]\n");
    rla_ctx_destroy(&ctx);
    MPI_Finalize();
    return 2;
  }
  /* left: A is n x d and Omega A is l x d; right: A is m x n and A Omega^T is m x l */
  rows = p.right ? p.m : p.n;
  cols = p.right ? p.n : p.d;
  if (rla_dmat_create_rowblock(ctx, rows, cols, 0, &A) ||
      (p.right && rla_dmat_create_rowblock(ctx, p.m, p.l, 0, &Y)) ||
      !(out = malloc(sizeof(double) * (size_t)(p.l * p.d)))) {
    if (rank == 0) fprintf(stderr, "bench_sketch: %s\n", rla_ctx_error_message(ctx));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  row0 = rla_dmat_row_offset(A);
  for (int64_t j = 0; j < cols; j++)
    rla_rng_uniform(rla_rng_make(5, RLA_RNG_USER), (uint64_t)j, (uint64_t)row0, (size_t)lm,
                    a + j * lld);
  for (int r = 0; r < p.reps + 1; r++) {
    double t = floor_pass(ctx, a, lm, cols, lld, &checksum);
    if (r > 0 && t < floor_t) floor_t = t; /* the first pass warms up */
  }
  if (rank == 0) {
    if (p.right)
      printf("# right apply A Omega^T: A is m x n = %lld x %lld, l = %lld", (long long)p.m,
             (long long)p.n, (long long)p.l);
    else
      printf("# left apply Omega A: A is n x d = %lld x %lld, l = %lld", (long long)p.n,
             (long long)p.d, (long long)p.l);
    printf(", ranks = %d, A = %.2f GiB, OPENBLAS_NUM_THREADS = %s\n", size,
           (double)rows * (double)cols * 8.0 / 1073741824.0,
           getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS") : "unset");
    printf("# time_s: best of the repetitions, slowest rank; gauss/time: how many times faster "
           "than the Gaussian sketch; time/floor: multiple of the one-pass floor (reading A "
           "once: the sum of its entries), measured before every repetition\n");
  }
  for (char *tok = strtok(p.types, ","); tok; tok = strtok(NULL, ",")) {
    rla_sketch S = NULL;
    rla_sketch_type type = RLA_SKETCH_GAUSSIAN;
    double best = INFINITY, setup_t = 0;
    char param[32] = "";
    int gemm = !strcmp(tok, "gemm");
    if (gemm && p.right) continue;
    if (!gemm && rla_sketch_type_from_name(ctx, tok, &type)) {
      if (rank == 0) fprintf(stderr, "bench_sketch: %s\n", rla_ctx_error_message(ctx));
      status = 2;
      continue;
    }
    if (!gemm) {
      rla_sketch_create(ctx, &S);
      rla_sketch_set_type(S, type);
      rla_sketch_set_sizes(S, p.l, p.n);
      rla_sketch_set_seed(S, 11);
      if (type == RLA_SKETCH_SRHT) rla_sketch_set_block_size(S, p.b);
      if (type == RLA_SKETCH_SPARSE) rla_sketch_set_sparsity(S, p.k);
      S->srht_transform = p.transform;
      S->panel = p.panel;
      setup_t = rla_wtime();
      if (rla_sketch_setup(S)) {
        if (rank == 0) fprintf(stderr, "bench_sketch: %s\n", rla_ctx_error_message(ctx));
        rla_sketch_destroy(&S);
        status = 1;
        continue;
      }
      setup_t = max_over_ranks(ctx, rla_wtime() - setup_t);
    }
    /* the dense Gaussian products take seconds: one run is enough */
    for (int64_t r = 0; r < (gemm || type == RLA_SKETCH_GAUSSIAN ? 1 : p.reps); r++) {
      double t = floor_pass(ctx, a, lm, cols, lld, &checksum);
      if (t < floor_t) floor_t = t;
      MPI_Barrier(MPI_COMM_WORLD);
      t = rla_wtime();
      int fail = gemm ? gemm_only(ctx, a, lm, p.d, lld, p.l, out)
                      : (p.right ? rla_sketch_apply_right(S, A, Y)
                                 : rla_sketch_apply_left(S, A, out, p.l));
      if (fail) {
        if (rank == 0)
          fprintf(stderr, "bench_sketch: %s failed: %s\n", tok, rla_ctx_error_message(ctx));
        status = 1;
        break;
      }
      t = max_over_ranks(ctx, rla_wtime() - t);
      if (t < best) best = t;
    }
    if (!gemm && type == RLA_SKETCH_GAUSSIAN) gauss_t = best;
    if (!gemm && type == RLA_SKETCH_SRHT)
      snprintf(param, sizeof(param), "b=%lld", (long long)rla_sketch_get_block_size(S));
    if (!gemm && type == RLA_SKETCH_SPARSE)
      snprintf(param, sizeof(param), "k=%lld", (long long)p.k);
    if (nres < MAX_RESULTS) {
      struct result *q = &res[nres++];
      snprintf(q->name, sizeof(q->name), "%s", tok);
      snprintf(q->param, sizeof(q->param), "%s", param);
      q->time = best;
      q->setup = setup_t;
      q->bytes = gemm ? (size > 1 ? 8 * p.l * p.d : 0) : 8 * rla_sketch_comm_words(S);
    }
    rla_sketch_destroy(&S);
  }
  if (rank == 0) {
    printf("%-3s %-9s %-8s %10s %12s %10s %12s %8s\n", "np", "operator", "param", "time_s",
           "gauss/time", "time/floor", "mpi_bytes", "setup_s");
    printf("%-3d %-9s %-8s %10.4f %12s %10.2f %12d %8s\n", size, "floor", "", floor_t, "", 1.0, 0,
           "");
    for (int q = 0; q < nres; q++)
      printf("%-3d %-9s %-8s %10.4f %12.2f %10.2f %12lld %8.3f\n", size, res[q].name, res[q].param,
             res[q].time, gauss_t / res[q].time, res[q].time / floor_t, (long long)res[q].bytes,
             res[q].setup);
    printf("# one-pass floor %.1f GB/s per rank; checksum %.6e\n",
           (double)lm * (double)cols * 8.0 / floor_t / 1e9, checksum);
  }
  free(out);
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&Y);
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return status;
}
