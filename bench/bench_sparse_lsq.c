/* SPDX-License-Identifier: BSD-3-Clause */
/* Warm repeated solves of one sparse least-squares problem in one process, as a program that
   keeps the solver (a time stepper, a parameter sweep) runs them: A and b are read once, the
   solver is planned once (rla_lsq_setup on the sparse operator), then solved --repeat times.
   Every solve sketches A again (the sketch belongs to the solve), so a warm solve saves the
   launch, the read and the plan, and the first use of the solver's pages.
   Usage: bench_sparse_lsq A B [--method accurate|solve] [--repeat r] [--seed s]
   A: a sparse file (Matrix Market coordinate or PETSc AIJ), B: its right-hand side(s).
   Rank 0 prints, times being the slowest rank's: one SpMV y = A x (best of 5), the plan, the
   first solve and the best and median of the later ones, with their time_sketch and
   time_iterate, the iterations and the backward error, then the ratios of the warm solve to the
   first and to the SpMV. The driver's cold launch on the same files is bench/sparse_lsq.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rla/io.h"
#include "rla/lsq.h"
#include "rla/op.h"
#include "rla/rla.h"

static void fail(rla_ctx ctx, const char *what)
{
  if (rla_ctx_rank(ctx) == 0)
    fprintf(stderr, "bench_sparse_lsq: %s: %s\n", what, rla_ctx_error_message(ctx));
  MPI_Abort(MPI_COMM_WORLD, 1);
}

/* the largest of t over the ranks */
static double slowest(double t)
{
  double g;
  MPI_Allreduce(&t, &g, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return g;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
  rla_ctx ctx = NULL;
  rla_smat S = NULL;
  rla_dmat B = NULL;
  rla_op op = NULL;
  rla_lsq L = NULL;
  rla_lsq_info info;
  rla_lsq_method method = RLA_LSQ_ACCURATE;
  int64_t repeat = 5, m, d, nrhs, lm, ldb;
  uint64_t seed = 1;
  const char *pa = NULL, *pb = NULL;
  double *b, *x, *y, *X, spmv = INFINITY, t;
  double *solve, *sketch, *iterate;
  int bad = 0;

  MPI_Init(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--method") && i + 1 < argc) {
      const char *v = argv[++i];
      if (!strcmp(v, "accurate"))
        method = RLA_LSQ_ACCURATE;
      else if (!strcmp(v, "solve"))
        method = RLA_LSQ_SOLVE;
      else
        bad = 1;
    } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = atoll(argv[++i]);
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = strtoull(argv[++i], NULL, 10);
    } else if (argv[i][0] != '-' && !pa) {
      pa = argv[i];
    } else if (argv[i][0] != '-' && !pb) {
      pb = argv[i];
    } else {
      bad = 1;
    }
  }
  if (bad || !pa || !pb || repeat < 2) {
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0)
      fprintf(stderr, "usage: bench_sparse_lsq A B [--method accurate|solve] [--repeat r >= 2] "
                      "[--seed s]\n");
    MPI_Finalize();
    return 2;
  }
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) MPI_Abort(MPI_COMM_WORLD, 1);
  rla_ctx_set_verbosity(ctx, 0);
  if (rla_io_read_sparse(ctx, pa, RLA_FORMAT_AUTO, &S)) fail(ctx, pa);
  if (rla_io_read(ctx, pb, RLA_FORMAT_AUTO, 0, &B)) fail(ctx, pb);
  rla_smat_sizes(S, &m, &d);
  rla_dmat_sizes(B, NULL, &nrhs);
  rla_dmat_local(B, &b, &lm, NULL, &ldb);
  if (rla_op_create_sparse(S, &op)) fail(ctx, "the sparse operator");

  /* one SpMV, best of 5 (the operator's own workspace is reserved by the solver's plan below;
     a single vector needs none) */
  x = malloc(sizeof(double) * (size_t)d);
  y = malloc(sizeof(double) * (size_t)(lm > 0 ? lm : 1));
  X = malloc(sizeof(double) * (size_t)(d * nrhs));
  solve = malloc(sizeof(double) * (size_t)repeat);
  sketch = malloc(sizeof(double) * (size_t)repeat);
  iterate = malloc(sizeof(double) * (size_t)repeat);
  if (!x || !y || !X || !solve || !sketch || !iterate) MPI_Abort(MPI_COMM_WORLD, 1);
  for (int64_t j = 0; j < d; j++)
    x[j] = 1.0 / (double)(j + 1);

  if (rla_lsq_create(ctx, &L) || rla_lsq_set_method(L, method) || rla_lsq_set_seed(L, seed) ||
      rla_lsq_set_operator(L, op) || rla_lsq_set_rhs_count(L, nrhs))
    fail(ctx, "the solver");
  MPI_Barrier(MPI_COMM_WORLD);
  t = MPI_Wtime();
  if (rla_lsq_setup(L)) fail(ctx, "rla_lsq_setup");
  t = slowest(MPI_Wtime() - t);
  for (int r = 0; r < 5; r++) {
    double s;
    MPI_Barrier(MPI_COMM_WORLD);
    s = MPI_Wtime();
    if (rla_op_mult(op, 1, x, d, y, lm > 0 ? lm : 1)) fail(ctx, "A x");
    s = slowest(MPI_Wtime() - s);
    if (s < spmv) spmv = s;
  }
  for (int64_t r = 0; r < repeat; r++) {
    MPI_Barrier(MPI_COMM_WORLD);
    solve[r] = MPI_Wtime();
    if (rla_lsq_solve_operator(L, nrhs, b, ldb, X, d, &info)) fail(ctx, "the solve");
    solve[r] = slowest(MPI_Wtime() - solve[r]);
    sketch[r] = slowest(info.time_sketch);
    iterate[r] = slowest(info.time_iterate);
  }
  if (rla_ctx_rank(ctx) == 0) {
    double warm[256], best = INFINITY, med;
    int64_t nw = repeat - 1 < 256 ? repeat - 1 : 256, ib = 1;
    for (int64_t r = 1; r <= nw; r++) {
      warm[r - 1] = solve[r];
      if (solve[r] < best) best = solve[r], ib = r;
    }
    qsort(warm, (size_t)nw, sizeof(double), cmp_double);
    med = nw % 2 ? warm[nw / 2] : 0.5 * (warm[nw / 2 - 1] + warm[nw / 2]);
    printf("# %s: %lld x %lld, %lld nonzeros, %lld right-hand side(s), %s, %d rank(s)\n", pa,
           (long long)m, (long long)d, (long long)rla_smat_nnz(S), (long long)nrhs,
           rla_lsq_method_name(method), rla_ctx_size(ctx));
    printf("spmv_s %.4g\nsetup_s %.4g\n", spmv, t);
    printf("first_solve_s %.4g (sketch %.4g, iterate %.4g)\n", solve[0], sketch[0], iterate[0]);
    printf("warm_solve_best_s %.4g (sketch %.4g, iterate %.4g)\nwarm_solve_median_s %.4g\n", best,
           sketch[ib], iterate[ib], med);
    printf("iterations %lld, backward_error %.3g, converged %d\n", (long long)info.iterations,
           info.backward_error[0], info.converged);
    printf("warm/first %.3f, (setup+first)/warm %.2f, warm/spmv %.1f, warm sketch/spmv %.1f\n",
           best / solve[0], (t + solve[0]) / best, best / spmv, sketch[ib] / spmv);
  }
  free(x);
  free(y);
  free(X);
  free(solve);
  free(sketch);
  free(iterate);
  rla_lsq_destroy(&L);
  rla_op_destroy(&op);
  rla_dmat_destroy(&B);
  rla_smat_destroy(&S);
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return 0;
}
