/* SPDX-License-Identifier: BSD-3-Clause */
/* The bad-input corpus's reader of sparse matrix files, for the cases of the sparse readers until
   a driver takes the sparse path: reads each file named with rla_io_read_sparse and prints
   "PATH: M x N, NNZ entries" (rank 0), or fails as a driver does, with one "read_sparse: error:"
   line from rank 0 and exit status 1 on every rank. "-v N" (which run.sh adds) is ignored. */
#include <stdio.h>
#include <string.h>

#include "../../drivers/driver.h"

int main(int argc, char **argv)
{
  rla_ctx ctx;
  int code = 0;
  if (rla_driver_init(&argc, &argv, &ctx)) return 1;
  rla_ctx_set_verbosity(ctx, 0);
  for (int a = 1; a < argc && !code; a++) {
    rla_smat A = NULL;
    int64_t m, n;
    if (!strcmp(argv[a], "-v")) {
      a++;
      continue;
    }
    if (rla_io_read_sparse(ctx, argv[a], RLA_FORMAT_AUTO, &A)) {
      code = rla_driver_fail(ctx, "read_sparse");
      break;
    }
    rla_smat_sizes(A, &m, &n);
    if (rla_ctx_rank(ctx) == 0)
      printf("%s: %lld x %lld, %lld entries\n", argv[a], (long long)m, (long long)n,
             (long long)rla_smat_nnz(A));
    rla_smat_destroy(&A);
  }
  return rla_driver_finalize(&ctx, code);
}
