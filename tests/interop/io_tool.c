/* SPDX-License-Identifier: BSD-3-Clause */
/* Matrix file tool for the interoperability tests: writes the test matrix, checks a file against
   it bit for bit, converts, compares and prints norms, all through librla's readers and writers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rla/rla.h"

static const char usage[] =
    "usage: io_tool fill OUT M N [vector|dense]   write the test matrix T (T(i,j) = entry(i, j))\n"
    "       io_tool check IN M N                  exit 0 when IN holds T bit for bit\n"
    "       io_tool convert IN OUT [vector|dense] read IN, write OUT (format from the extension)\n"
    "       io_tool cmp A B                       exit 0 when A and B hold the same values bit for "
    "bit\n"
    "       io_tool norm IN                       print 'M N ||A||_F' (Frobenius norm, %.17g)\n"
    "       io_tool time IN                       read IN and print the sizes and the seconds "
    "taken\n";

/* The test matrix; tests/interop/npy_check.py evaluates the same formula: every operation is one
   IEEE rounding (k / 17, ldexp), so both give the same bits. It mixes signs, magnitudes from 2^-30
   to 2^30, subnormals and -0.0. */
static double entry(int64_t i, int64_t j, void *data)
{
  int64_t k = (i * 131 + j * 7) % 1009 - 504;
  double v = ldexp((double)k / 17.0, (int)((i + 3 * j) % 61) - 30);
  (void)data;
  if ((i + j) % 13 == 5) v = ldexp(v, -1040);
  if (k == 0 && i % 2) v = -0.0;
  return v;
}

static unsigned parse_flags(int argc, char **argv, int first)
{
  unsigned flags = 0;
  for (int k = first; k < argc; k++) {
    if (!strcmp(argv[k], "vector"))
      flags |= RLA_IO_VECTOR;
    else if (!strcmp(argv[k], "dense"))
      flags |= RLA_IO_DENSE;
  }
  return flags;
}

/* 1 on every rank when A and B have the same sizes and bits */
static int same_bits(rla_ctx ctx, rla_dmat A, rla_dmat B)
{
  int64_t m, n, m2, n2, lm, ln, lld, lldb;
  double *a, *b;
  int same, all;
  rla_dmat_sizes(A, &m, &n);
  rla_dmat_sizes(B, &m2, &n2);
  if (m != m2 || n != n2) return 0;
  rla_dmat_local(A, &a, &lm, &ln, &lld);
  rla_dmat_local(B, &b, NULL, NULL, &lldb);
  same = 1;
  for (int64_t j = 0; j < ln; j++)
    same &= !memcmp(a + j * lld, b + j * lldb, sizeof(double) * (size_t)lm);
  MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_LAND, rla_ctx_comm(ctx));
  return all;
}

static rla_err run(rla_ctx ctx, int argc, char **argv, int *status)
{
  rla_dmat A = NULL, B = NULL;
  rla_err err = RLA_SUCCESS;
  const char *cmd = argv[1];
  int rank = rla_ctx_rank(ctx);
  *status = 0;
  if (!strcmp(cmd, "fill") && argc >= 5) {
    err = rla_dmat_create_rowblock(ctx, atoll(argv[3]), atoll(argv[4]), 0, &A);
    if (!err) err = rla_dmat_fill(A, entry, NULL);
    if (!err) err = rla_io_write(A, argv[2], RLA_FORMAT_AUTO, parse_flags(argc, argv, 5));
  } else if (!strcmp(cmd, "check") && argc == 5) {
    err = rla_io_read(ctx, argv[2], RLA_FORMAT_AUTO, 0, &A);
    if (!err) err = rla_dmat_create_rowblock(ctx, atoll(argv[3]), atoll(argv[4]), 0, &B);
    if (!err) err = rla_dmat_fill(B, entry, NULL);
    if (!err && !same_bits(ctx, A, B)) {
      if (rank == 0)
        fprintf(stderr, "io_tool: %s does not hold the test matrix %s x %s\n", argv[2], argv[3],
                argv[4]);
      *status = 1;
    }
  } else if (!strcmp(cmd, "convert") && argc >= 4) {
    err = rla_io_read(ctx, argv[2], RLA_FORMAT_AUTO, 0, &A);
    if (!err) err = rla_io_write(A, argv[3], RLA_FORMAT_AUTO, parse_flags(argc, argv, 4));
  } else if (!strcmp(cmd, "cmp") && argc == 4) {
    err = rla_io_read(ctx, argv[2], RLA_FORMAT_AUTO, 0, &A);
    if (!err) err = rla_io_read(ctx, argv[3], RLA_FORMAT_AUTO, 0, &B);
    if (!err && !same_bits(ctx, A, B)) {
      if (rank == 0) fprintf(stderr, "io_tool: %s and %s differ\n", argv[2], argv[3]);
      *status = 1;
    }
  } else if (!strcmp(cmd, "norm") && argc == 3) {
    double nrm = 0.0;
    int64_t m, n;
    err = rla_io_read(ctx, argv[2], RLA_FORMAT_AUTO, 0, &A);
    if (!err) err = rla_dmat_norm_fro(A, &nrm);
    if (!err && rank == 0) {
      rla_dmat_sizes(A, &m, &n);
      printf("%lld %lld %.17g\n", (long long)m, (long long)n, nrm);
    }
  } else if (!strcmp(cmd, "time") && argc == 3) {
    double t;
    int64_t m, n;
    MPI_Barrier(rla_ctx_comm(ctx));
    t = rla_wtime();
    err = rla_io_read(ctx, argv[2], RLA_FORMAT_AUTO, 0, &A);
    t = rla_wtime() - t;
    if (!err && rank == 0) {
      rla_dmat_sizes(A, &m, &n);
      printf("%lld x %lld read in %.3f s\n", (long long)m, (long long)n, t);
    }
  } else {
    if (rank == 0) fputs(usage, stderr);
    *status = 2;
  }
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&B);
  return err;
}

int main(int argc, char **argv)
{
  rla_ctx ctx = NULL;
  int status = 2;
  MPI_Init(&argc, &argv);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx) == RLA_SUCCESS) {
    rla_ctx_set_verbosity(ctx, 0);
    if (argc < 2) {
      if (rla_ctx_rank(ctx) == 0) fputs(usage, stderr);
    } else if (run(ctx, argc, argv, &status)) {
      if (rla_ctx_rank(ctx) == 0) fprintf(stderr, "io_tool: %s\n", rla_ctx_error_message(ctx));
      status = 1;
    }
  }
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return status;
}
