/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared parts of the fuzz targets (see fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static rla_ctx fuzz_ctx;
static char fuzz_dir[256];

rla_ctx rla_fuzz_ctx(void) { return fuzz_ctx; }
const char *rla_fuzz_dir(void) { return fuzz_dir; }

static void cleanup(void)
{
  char cmd[300];
  rla_ctx_destroy(&fuzz_ctx);
  if (fuzz_dir[0]) {
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
  }
  MPI_Finalize();
}

void rla_fuzz_setup(void)
{
  int init = 0;
  const char *tmp = getenv("TMPDIR");
  if (fuzz_ctx) return;
  /* as root, Open MPI refuses to start without these; a shared-memory transport without CMA */
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  MPI_Initialized(&init);
  if (!init) MPI_Init(NULL, NULL);
  if (rla_ctx_create(MPI_COMM_SELF, &fuzz_ctx)) {
    fprintf(stderr, "fuzz: cannot create the context\n");
    abort();
  }
  rla_ctx_set_verbosity(fuzz_ctx, 0);
  snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/rla-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(fuzz_dir)) {
    perror("fuzz: mkdtemp");
    abort();
  }
  atexit(cleanup);
}

void rla_fuzz_write(const char *name, const uint8_t *data, size_t n, char *path, size_t len)
{
  FILE *f;
  snprintf(path, len, "%s/%s", fuzz_dir, name);
  f = fopen(path, "wb");
  if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
    perror(path);
    abort();
  }
}

void rla_fuzz_read_matrix(const char *path, rla_format fmt)
{
  rla_ctx ctx = fuzz_ctx;
  rla_dmat A = NULL;
  int64_t m, n, am, an, lm;
  double *a;
  if (rla_io_read_sizes(ctx, path, fmt, &m, &n)) return;
  if (m < 0 || n < 0) abort(); /* the header parsers reject negative sizes */
  /* an empty matrix still holds one local row of n (the leading dimension is at least 1) */
  if ((m > 1 ? m : 1) > RLA_FUZZ_MAX_ENTRIES / (n > 1 ? n : 1)) return;
  if (rla_io_read(ctx, path, fmt, 0, &A)) {
    if (A) abort(); /* a failed read leaves *A NULL */
    return;
  }
  rla_dmat_sizes(A, &am, &an);
  if (am != m || an != n) abort(); /* the read agrees with the header */
  rla_dmat_local(A, &a, &lm, NULL, NULL);
  for (int64_t j = 0; j < an; j++)
    for (int64_t i = 0; i < lm; i++)
      if (a[i + j * lm] - a[i + j * lm] != 0.0) abort(); /* finite values only */
  rla_dmat_destroy(&A);
}

void rla_fuzz_read_sparse(const char *path, rla_format fmt)
{
  rla_ctx ctx = fuzz_ctx;
  rla_smat A = NULL;
  int64_t m, n, am, an, row0, lm;
  const int64_t *rp;
  const int32_t *ci;
  double *v;
  if (rla_io_read_sizes(ctx, path, fmt, &m, &n) || m > RLA_FUZZ_MAX_ENTRIES) return;
  if (rla_io_read_sparse(ctx, path, fmt, &A)) {
    if (A) abort(); /* a failed read leaves *A NULL */
    return;
  }
  rla_smat_sizes(A, &am, &an);
  rla_smat_local_rows(A, &row0, &lm);
  rla_smat_local(A, &rp, &ci, &v);
  if (am != m || an != n || row0 != 0 || lm != m || rp[0] != 0 || rp[m] != rla_smat_nnz(A)) abort();
  for (int64_t i = 0; i < m; i++)
    for (int64_t k = rp[i]; k < rp[i + 1]; k++)
      if (ci[k] < 0 || ci[k] >= n || (k > rp[i] && ci[k] <= ci[k - 1]) || v[k] - v[k] != 0.0)
        abort();
  rla_smat_destroy(&A);
}

/* the same for every target: MPI, the context and the scratch directory */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  rla_fuzz_setup();
  return 0;
}
