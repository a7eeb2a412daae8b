/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark of the sparse operator: time of y = A x (one SpMV), w += A^T y and the sparse sign
   sketch Omega A (l x n, k nonzeros per column of Omega) for a random m x n CSR row block with
   r nonzeros per row, for each r of a list, so that the times can be read against nnz. The
   sketch is also reported as a multiple of one SpMV, and so is the floor of any sketch into its
   output: clearing the l x n output once (memset). Times are the best of reps, the largest over
   the ranks; each is measured as wall time and as the calling thread's CPU time (the second
   leaves out the time the thread waits for a core, on a machine shared with other jobs).
   Usage: bench_sparse_op [--m M] [--n N] [--rows-nnz r1,r2,...] [--l L] [--k K] [--reps R]
   Rank 0 prints one line per r. Not part of make check's runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rla/rla.h"
#include "../src/op/op_impl.h"

struct params {
  int64_t m, n, l, k, reps;
  char rows_nnz[128];
};

static void parse(int argc, char **argv, struct params *p)
{
  p->m = 1 << 18;
  p->n = 1 << 12;
  p->l = 256;
  p->k = 8;
  p->reps = 5;
  snprintf(p->rows_nnz, sizeof(p->rows_nnz), "4,16,64");
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *key = argv[i], *val = argv[i + 1];
    if (!strcmp(key, "--m")) p->m = atoll(val);
    if (!strcmp(key, "--n")) p->n = atoll(val);
    if (!strcmp(key, "--l")) p->l = atoll(val);
    if (!strcmp(key, "--k")) p->k = atoll(val);
    if (!strcmp(key, "--reps")) p->reps = atoll(val);
    if (!strcmp(key, "--rows-nnz")) snprintf(p->rows_nnz, sizeof(p->rows_nnz), "%s", val);
  }
}

/* This rank's rows (an even split) with r distinct columns each, spread over [0, n) by a
   row-dependent stride; values in (-1, 1). */
static rla_err make(rla_ctx ctx, const struct params *p, int64_t r, rla_smat *A)
{
  int P = rla_ctx_size(ctx), rank = rla_ctx_rank(ctx);
  int64_t row0 = p->m * rank / P, lm = p->m * (rank + 1) / P - row0, step = p->n / r;
  int64_t *rp = calloc((size_t)lm + 1, sizeof(int64_t));
  int32_t *ci = calloc((size_t)(lm * r) + 1, sizeof(int32_t));
  double *v = calloc((size_t)(lm * r) + 1, sizeof(double));
  rla_err err;
  for (int64_t i = 0; i < lm; i++) {
    int64_t off = ((row0 + i) * 2654435761LL) % (step > 0 ? step : 1);
    rp[i + 1] = rp[i] + r;
    for (int64_t q = 0; q < r; q++) {
      ci[rp[i] + q] = (int32_t)(off + q * step);
      v[rp[i] + q] = (double)(((row0 + i) * 31 + q * 17) % 1999) / 1000.0 - 0.999;
    }
  }
  err = rla_smat_create_csr(ctx, p->m, p->n, lm, rp, ci, v, A);
  free(rp);
  free(ci);
  free(v);
  return err;
}

static double cpu_time(void)
{
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The best of reps of the kernel (0: A x, 1: A^T y, 2: Omega A, 3: clearing Omega A's output),
   wall time in t[0] and CPU time in t[1], the largest over the ranks. */
static void best(rla_op op, rla_sketch S, int kernel, const struct params *p, double *x, double *y,
                 double *w, double *out, double *t)
{
  int64_t lm;
  t[0] = t[1] = 1e300;
  rla_op_local_rows(op, NULL, &lm);
  for (int64_t rep = 0; rep < p->reps; rep++) {
    double t0, c0;
    MPI_Barrier(rla_ctx_comm(rla_op_ctx(op)));
    t0 = rla_wtime();
    c0 = cpu_time();
    if (kernel == 0) rla_op_mult(op, 1, x, p->n, y, lm > 1 ? lm : 1);
    if (kernel == 1) rla_op_mult_transpose_add(op, 1, y, lm > 1 ? lm : 1, w, p->n);
    if (kernel == 2) rla_op_sketch_left_local(op, S, out, p->l);
    if (kernel == 3) memset(out, 0, sizeof(double) * (size_t)(p->l * p->n));
    c0 = cpu_time() - c0;
    t0 = rla_wtime() - t0;
    if (t0 < t[0]) t[0] = t0;
    if (c0 < t[1]) t[1] = c0;
  }
  MPI_Allreduce(MPI_IN_PLACE, t, 2, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(rla_op_ctx(op)));
}

int main(int argc, char **argv)
{
  struct params p;
  rla_ctx ctx = NULL;
  rla_sketch S = NULL;
  double *x, *y, *w, *out;
  char *list, *tok, *save = NULL;
  int rank;
  MPI_Init(&argc, &argv);
  parse(argc, argv, &p);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx) || rla_sketch_create(ctx, &S) ||
      rla_sketch_set_type(S, RLA_SKETCH_SPARSE) || rla_sketch_set_sizes(S, p.l, p.m) ||
      rla_sketch_set_sparsity(S, p.k) || rla_sketch_setup(S)) {
    fprintf(stderr, "bench_sparse_op: setup failed\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  x = calloc((size_t)p.n, sizeof(double));
  w = calloc((size_t)p.n, sizeof(double));
  y = calloc((size_t)p.m + 1, sizeof(double));
  out = calloc((size_t)(p.l * p.n), sizeof(double));
  for (int64_t j = 0; j < p.n; j++)
    x[j] = 1.0 / (double)(j + 1);
  if (rank == 0)
    printf("# m %lld n %lld ranks %d, sparse sign l %lld k %lld, best of %lld\n"
           "# wall times, then CPU times (cpu_*)\n"
           "# row_nnz nnz spmv_s spmv_t_s sketch_s zero_s sketch/spmv zero/spmv cpu_spmv_s "
           "cpu_sketch_s cpu_zero_s cpu_sketch/spmv cpu_zero/spmv\n",
           (long long)p.m, (long long)p.n, rla_ctx_size(ctx), (long long)p.l, (long long)p.k,
           (long long)p.reps);
  list = strdup(p.rows_nnz);
  for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int64_t r = atoll(tok);
    rla_smat A = NULL;
    rla_op op = NULL;
    double t[4][2];
    if (r < 1 || r > p.n || make(ctx, &p, r, &A) || rla_op_create_sparse(A, &op) ||
        rla_op_setup(op, 1)) {
      fprintf(stderr, "bench_sparse_op: %lld nonzeros per row: the matrix failed\n",
              (long long)r);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (int k = 0; k < 4; k++)
      best(op, S, k, &p, x, y, w, out, t[k]);
    if (rank == 0)
      printf("%lld %lld %.6f %.6f %.6f %.6f %.1f %.1f %.6f %.6f %.6f %.1f %.1f\n", (long long)r,
             (long long)rla_smat_nnz(A), t[0][0], t[1][0], t[2][0], t[3][0], t[2][0] / t[0][0],
             t[3][0] / t[0][0], t[0][1], t[2][1], t[3][1], t[2][1] / t[0][1], t[3][1] / t[0][1]);
    rla_op_destroy(&op);
    rla_smat_destroy(&A);
  }
  free(list);
  free(x);
  free(y);
  free(w);
  free(out);
  rla_sketch_destroy(&S);
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return 0;
}
