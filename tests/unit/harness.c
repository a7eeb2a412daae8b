/* SPDX-License-Identifier: BSD-3-Clause */
/* main() of every unit suite (tests/unit/X.c): MPI and context setup, a scratch directory,
   CUnit run on all ranks with output from rank 0, and a final "N passed, N failed" line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "harness.h"
#include "../../src/base/ctx_impl.h"
#include "../../src/base/leak_check.h"

rla_ctx rla_test_ctx = NULL;
const char *rla_test_tmpdir = NULL;
const char *rla_test_srcdir = ".";
static char tmpdir_buf[1024];

int rla_test_all(int cond)
{
  int in = cond ? 1 : 0, out = 0;
  MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  return out;
}

void rla_test_report_local(const char *what, const char *file, int line)
{
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  fprintf(stderr, "[rank %d] %s:%d: assertion failed: %s\n", rank, file, line, what);
}

void rla_test_report_error(const char *what, rla_err err, const char *file, int line)
{
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  fprintf(stderr, "[rank %d] %s:%d: %s returned %d (%s): %s\n", rank, file, line, what, err,
          rla_err_name(err), rla_ctx_error_message(rla_test_ctx));
}

int rla_test_check_failure(rla_err got, rla_err want, const char *text, const char *what,
                           const char *file, int line)
{
  int rank;
  const char *msg = rla_ctx_error_message(rla_test_ctx);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (got != want) {
    fprintf(stderr, "[rank %d] %s:%d: %s returned %d (%s), expected %d (%s); message: %s\n", rank,
            file, line, what, got, rla_err_name(got), want, rla_err_name(want), msg);
    return 0;
  }
  if (text && !strstr(msg, text)) {
    fprintf(stderr, "[rank %d] %s:%d: %s: message \"%s\" lacks \"%s\"\n", rank, file, line, what,
            msg, text);
    return 0;
  }
  rla_ctx_error_clear(rla_test_ctx);
  return 1;
}

rla_ctx rla_test_counting_ctx(void)
{
  char spec[64], *old = getenv("RLA_FAULT"), *keep = old ? strdup(old) : NULL;
  rla_ctx ctx = NULL;
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  snprintf(spec, sizeof(spec), "%d:alloc:%lld", rank, 9000000000000000000LL);
  setenv("RLA_FAULT", spec, 1);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) ctx = NULL;
  if (keep)
    setenv("RLA_FAULT", keep, 1);
  else
    unsetenv("RLA_FAULT");
  free(keep);
  return ctx;
}

long long rla_test_allocations(void) { return rla_fault_passages(); }

const char *rla_test_path(const char *name)
{
  static char slots[8][2048];
  static int next = 0;
  char *p = slots[next];
  next = (next + 1) % 8;
  snprintf(p, sizeof(slots[0]), "%s/%s", rla_test_tmpdir, name);
  return p;
}

static void remove_tree(const char *dir)
{
  char cmd[1200];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
  int rank, size, failed_tests = 0, ran_tests = 0, keep = getenv("RLA_TEST_KEEP") != NULL;
  const char *s = getenv("srcdir");
  const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (s) rla_test_srcdir = s;
  if (rla_ctx_create(MPI_COMM_WORLD, &rla_test_ctx)) {
    fprintf(stderr, "cannot create the rla context\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  rla_ctx_set_verbosity(rla_test_ctx, 0);
  if (rank == 0) {
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmpdir_buf, sizeof(tmpdir_buf), "%s/unit-%s-np%d-XXXXXX", base, prog, size);
    if (!mkdtemp(tmpdir_buf)) tmpdir_buf[0] = '\0';
  }
  MPI_Bcast(tmpdir_buf, sizeof(tmpdir_buf), MPI_CHAR, 0, MPI_COMM_WORLD);
  if (!tmpdir_buf[0]) {
    if (rank == 0) fprintf(stderr, "cannot create a scratch directory\n");
    MPI_Finalize();
    return 2;
  }
  rla_test_tmpdir = tmpdir_buf;

  if (CU_initialize_registry() != CUE_SUCCESS) MPI_Abort(MPI_COMM_WORLD, 2);
  rla_test_register();
  CU_basic_set_mode(rank == 0 ? CU_BRM_VERBOSE : CU_BRM_SILENT);
  CU_basic_run_tests();
  ran_tests = (int)CU_get_number_of_tests_run();
  failed_tests = (int)CU_get_number_of_tests_failed();
  CU_cleanup_registry();

  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {
    if (!keep) remove_tree(tmpdir_buf);
    printf("\nunit/%s on %d rank%s: %d passed, %d failed\n", prog, size, size > 1 ? "s" : "",
           ran_tests - failed_tests, failed_tests);
  }
  rla_ctx_destroy(&rla_test_ctx);
  rla_leak_check();
  MPI_Finalize();
  return failed_tests ? 1 : 0;
}
