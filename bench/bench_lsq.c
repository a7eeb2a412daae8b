/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark of the least-squares methods on one generated problem per column count: time of
   sketch-and-solve and of the accurate method relative to PDGELS in the same run, and the
   backward errors of all three.
   Problem: A = G diag(sigma) H, G Gaussian m x d, sigma log-spaced from 1 to 1/kappa, H the
   product of two Householder reflections (it mixes the columns, so equilibration does not
   remove the conditioning); b = A x + noise of norm rho ||A x||. Every entry is a function of
   the seed and its global index, so the problem does not depend on the rank count.
   Usage: bench_lsq [--rows m] [--cols d1,d2,...] [--kappa k] [--rho r] [--nrhs n]
                    [--sketch srht|gaussian|sparse] [--oversample g] [--repeat r] [--seed s]
                    [--methods direct,solve,accurate]
   Prints one line per method and column count on rank 0, then the ratios to PDGELS; with
   BENCH_HISTORY=1 in the environment also the accurate method's backward-error estimate after
   each residual evaluation and CG step (rla_lsq_info.history), in units of eps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rla/lsq.h"
#include "rla/rla.h"
#include "rla/rng.h"

typedef struct {
  int64_t m, nrhs, repeat;
  int64_t cols[16];
  int ncols;
  double kappa, rho, gamma;
  rla_sketch_type sketch;
  uint64_t seed;
  int run[3]; /* direct, solve, accurate */
} params;

static void fail(rla_ctx ctx, const char *what)
{
  if (rla_ctx_rank(ctx) == 0)
    fprintf(stderr, "bench_lsq: %s: %s\n", what, rla_ctx_error_message(ctx));
  MPI_Abort(MPI_COMM_WORLD, 1);
}

static int parse(int argc, char **argv, params *p)
{
  p->m = 1 << 18;
  p->nrhs = 1;
  p->repeat = 1;
  p->ncols = 3;
  p->cols[0] = 64;
  p->cols[1] = 256;
  p->cols[2] = 1024;
  p->kappa = 1e6;
  p->rho = 0.1;
  p->gamma = 0.0;
  p->sketch = RLA_SKETCH_SRHT;
  p->seed = 2024;
  p->run[0] = p->run[1] = p->run[2] = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--rows"))
      p->m = atoll(v);
    else if (!strcmp(k, "--nrhs"))
      p->nrhs = atoll(v);
    else if (!strcmp(k, "--repeat"))
      p->repeat = atoll(v);
    else if (!strcmp(k, "--kappa"))
      p->kappa = atof(v);
    else if (!strcmp(k, "--rho"))
      p->rho = atof(v);
    else if (!strcmp(k, "--oversample"))
      p->gamma = atof(v);
    else if (!strcmp(k, "--seed"))
      p->seed = (uint64_t)atoll(v);
    else if (!strcmp(k, "--sketch"))
      p->sketch = !strcmp(v, "gaussian") ? RLA_SKETCH_GAUSSIAN
                  : !strcmp(v, "sparse") ? RLA_SKETCH_SPARSE
                                         : RLA_SKETCH_SRHT;
    else if (!strcmp(k, "--methods")) {
      p->run[0] = strstr(v, "direct") != NULL;
      p->run[1] = strstr(v, "solve") != NULL;
      p->run[2] = strstr(v, "accurate") != NULL;
    } else if (!strcmp(k, "--cols")) {
      char *s = (char *)v, *end;
      p->ncols = 0;
      while (*s && p->ncols < 16) {
        p->cols[p->ncols++] = strtoll(s, &end, 10);
        s = *end == ',' ? end + 1 : end;
        if (end == s && *s) break;
      }
    } else
      return 1;
  }
  return p->m < 1 || p->nrhs < 1 || p->ncols < 1;
}

/* row gi of A: Gaussian row, scaled by sigma, times two Householder reflections */
static void make_row(const params *p, int64_t d, int64_t gi, const double *sigma, const double *v1,
                     const double *v2, double *row)
{
  double t;
  rla_rng_gaussian(rla_rng_make(p->seed, RLA_RNG_USER), (uint64_t)gi, 0, (size_t)d, row);
  for (int64_t j = 0; j < d; j++)
    row[j] *= sigma[j];
  t = 0.0;
  for (int64_t j = 0; j < d; j++)
    t += row[j] * v1[j];
  for (int64_t j = 0; j < d; j++)
    row[j] -= 2.0 * t * v1[j];
  t = 0.0;
  for (int64_t j = 0; j < d; j++)
    t += row[j] * v2[j];
  for (int64_t j = 0; j < d; j++)
    row[j] -= 2.0 * t * v2[j];
}

static void unit_vector(uint64_t seed, uint64_t purpose, int64_t d, double *v)
{
  double n = 0.0;
  rla_rng_gaussian(rla_rng_make(seed, purpose), 0, 0, (size_t)d, v);
  for (int64_t j = 0; j < d; j++)
    n += v[j] * v[j];
  for (int64_t j = 0; j < d; j++)
    v[j] /= sqrt(n);
}

static void generate(rla_ctx ctx, const params *p, int64_t d, rla_dmat *A, rla_dmat *B)
{
  double *a, *b, *sigma = malloc(sizeof(double) * (size_t)d),
                 *v1 = malloc(sizeof(double) * (size_t)d);
  double *v2 = malloc(sizeof(double) * (size_t)d), *row = malloc(sizeof(double) * (size_t)d);
  double *x = malloc(sizeof(double) * (size_t)(d * p->nrhs)), *ax, axn2 = 0.0, noise2 = 0.0;
  int64_t lm, lda, ldb, row0;
  if (rla_dmat_create_rowblock(ctx, p->m, d, 0, A) ||
      rla_dmat_create_rowblock(ctx, p->m, p->nrhs, 0, B))
    fail(ctx, "cannot create the matrices");
  rla_dmat_local(*A, &a, &lm, NULL, &lda);
  rla_dmat_local(*B, &b, NULL, NULL, &ldb);
  row0 = rla_dmat_row_offset(*A);
  for (int64_t j = 0; j < d; j++)
    sigma[j] = d > 1 ? pow(p->kappa, -(double)j / (double)(d - 1)) : 1.0;
  unit_vector(p->seed, RLA_RNG_USER + 1, d, v1);
  unit_vector(p->seed, RLA_RNG_USER + 2, d, v2);
  for (int64_t j = 0; j < p->nrhs; j++)
    rla_rng_gaussian(rla_rng_make(p->seed, RLA_RNG_USER + 3), (uint64_t)j, 0, (size_t)d, x + j * d);
  ax = calloc((size_t)(lm > 0 ? lm : 1) * (size_t)p->nrhs, sizeof(double));
  for (int64_t i = 0; i < lm; i++) {
    make_row(p, d, row0 + i, sigma, v1, v2, row);
    for (int64_t j = 0; j < d; j++)
      a[i + j * lda] = row[j];
    for (int64_t r = 0; r < p->nrhs; r++) {
      double s = 0.0;
      for (int64_t j = 0; j < d; j++)
        s += row[j] * x[j + r * d];
      ax[i + r * lm] = s;
      axn2 += s * s;
    }
  }
  /* noise of norm rho ||A x|| (summed over right-hand sides) */
  for (int64_t r = 0; r < p->nrhs; r++)
    for (int64_t i = 0; i < lm; i++) {
      double e;
      rla_rng_gaussian(rla_rng_make(p->seed, RLA_RNG_USER + 4), (uint64_t)(row0 + i), (uint64_t)r,
                       1, &e);
      b[i + r * ldb] = e;
      noise2 += e * e;
    }
  {
    double loc[2] = {axn2, noise2}, glob[2];
    MPI_Allreduce(loc, glob, 2, MPI_DOUBLE, MPI_SUM, rla_ctx_comm(ctx));
    for (int64_t r = 0; r < p->nrhs; r++)
      for (int64_t i = 0; i < lm; i++)
        b[i + r * ldb] = ax[i + r * lm] + p->rho * sqrt(glob[0] / glob[1]) * b[i + r * ldb];
  }
  free(sigma);
  free(v1);
  free(v2);
  free(row);
  free(x);
  free(ax);
}

int main(int argc, char **argv)
{
  params p;
  rla_ctx ctx = NULL;
  const rla_lsq_method methods[] = {RLA_LSQ_DIRECT, RLA_LSQ_SOLVE, RLA_LSQ_ACCURATE};
  int rank;

  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (parse(argc, argv, &p)) {
    if (rank == 0)
      fprintf(stderr, "usage: bench_lsq [--rows m] [--cols d1,d2,...] [--kappa k] [--rho r] "
                      "[--nrhs n] [--sketch srht|gaussian|sparse] [--oversample g] [--repeat r] "
                      "[--seed s] [--methods direct,solve,accurate]\n");
    MPI_Finalize();
    return 2;
  }
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) MPI_Abort(MPI_COMM_WORLD, 2);
  rla_ctx_set_verbosity(ctx, 0);
  if (rank == 0)
    printf("bench_lsq: m = %lld, nrhs = %lld, kappa = %.1e, rho = %g, sketch %s, oversampling %g "
           "(0: method default), "
           "%d ranks, best of %lld\n",
           (long long)p.m, (long long)p.nrhs, p.kappa, p.rho, rla_sketch_type_name(p.sketch),
           p.gamma, rla_ctx_size(ctx), (long long)p.repeat);
  for (int c = 0; c < p.ncols; c++) {
    int64_t d = p.cols[c];
    rla_dmat A = NULL, B = NULL;
    double *x = malloc(sizeof(double) * (size_t)(d * p.nrhs)), best[3], be[3], res[3],
           pdgels_factor = 0.0;
    generate(ctx, &p, d, &A, &B);
    rla_lsq L[3] = {NULL, NULL, NULL};
    rla_lsq_info kept[3];
    for (int t = 0; t < 3; t++) {
      best[t] = INFINITY;
      if (!p.run[t]) continue;
      if (rla_lsq_create(ctx, &L[t]) || rla_lsq_set_method(L[t], methods[t]) ||
          rla_lsq_set_sketch_type(L[t], p.sketch) || rla_lsq_set_oversample(L[t], p.gamma) ||
          rla_lsq_set_seed(L[t], p.seed) || rla_lsq_setup(L[t]))
        fail(ctx, "setup");
    }
    /* repetitions interleave the methods, so a change of machine load hits them alike */
    for (int64_t r = 0; r < p.repeat; r++)
      for (int t = 0; t < 3; t++) {
        rla_lsq_info info;
        if (!p.run[t]) continue;
        if (rla_lsq_solve(L[t], A, B, x, d, &info)) fail(ctx, "solve");
        if (info.time_total < best[t]) {
          best[t] = info.time_total;
          kept[t] = info;
          if (t == 0) pdgels_factor = info.time_factor;
        }
      }
    for (int t = 0; t < 3; t++) {
      const rla_lsq_info *info = &kept[t];
      if (!p.run[t]) continue;
      be[t] = info->backward_error[0];
      res[t] = info->residual_norm[0];
      if (rank == 0) {
        printf("d = %5lld %-8s total %8.3f s (sketch %.3f factor %.3f iterate %.3f redistribute "
               "%.3f residual %.3f) ||A^T r||/(||A||_F ||r||) = %.2f eps",
               (long long)d, rla_lsq_method_name(methods[t]), best[t], info->time_sketch,
               info->time_factor, info->time_iterate, info->time_redistribute, info->time_residual,
               be[t] / RLA_EPS);
        if (methods[t] == RLA_LSQ_ACCURATE)
          printf(" estimate %.2f eps, %lld iterations, %lld refinements, kappa_pre %.2f, "
                 "kappa_sketch %.2g%s",
                 info->backward_error_estimate[0] / RLA_EPS, (long long)info->iterations,
                 (long long)info->refinements, info->kappa_preconditioned, info->kappa_sketch,
                 info->converged ? "" : " NOT CONVERGED");
        if (methods[t] != RLA_LSQ_DIRECT) printf(", l = %lld", (long long)info->sketch_rows);
        printf("\n");
        if (getenv("BENCH_HISTORY") && methods[t] == RLA_LSQ_ACCURATE)
          for (int64_t h = 0; h < info->nhistory; h++)
            printf("  history %lld %.3e\n", (long long)h, info->history[h] / RLA_EPS);
        fflush(stdout);
      }
      rla_lsq_destroy(&L[t]);
    }
    if (rank == 0 && p.run[0] && p.run[1] && p.run[2])
      printf("d = %5lld speedup over PDGELS with its redistribution: solve %.2fx, accurate %.2fx; "
             "over the PDGELS call alone: solve %.2fx, accurate %.2fx; backward error accurate / "
             "PDGELS = %.2f; residual solve / PDGELS = %.4f\n",
             (long long)d, best[0] / best[1], best[0] / best[2], pdgels_factor / best[1],
             pdgels_factor / best[2], be[2] / be[0], res[1] / res[0]);
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&B);
    free(x);
  }
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return 0;
}
