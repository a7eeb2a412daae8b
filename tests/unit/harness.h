/* SPDX-License-Identifier: BSD-3-Clause */
/* MPI test harness over CUnit: every rank runs every suite; assertions are agreed across ranks
   (a failure on any rank fails the test on all), and rank 0 prints the results. */
#ifndef RLA_TEST_HARNESS_H
#define RLA_TEST_HARNESS_H

#include <CUnit/CUnit.h>

#include "rla/rla.h"

/* The context of the test run (MPI_COMM_WORLD), valid inside tests. */
extern rla_ctx rla_test_ctx;
/* Directory for scratch files (a fresh per-run directory, same on all ranks). */
extern const char *rla_test_tmpdir;
/* Source directory of the tests (for bundled input files). */
extern const char *rla_test_srcdir;

/* Each test program defines this: add its suites with CU_add_suite / CU_add_test. */
void rla_test_register(void);

/* 1 on every rank when cond holds on every rank. Collective. */
int rla_test_all(int cond);

/* Collective assertion: all ranks must reach it. The failing rank prints file:line. */
#define RLA_ASSERT_ALL(cond)                                                                       \
  do {                                                                                             \
    int rla_ok_ = (cond) ? 1 : 0;                                                                  \
    if (!rla_ok_) rla_test_report_local(#cond, __FILE__, __LINE__);                                \
    CU_ASSERT_FATAL(rla_test_all(rla_ok_));                                                        \
  } while (0)
/* Collective: the rla call succeeds on every rank. */
#define RLA_ASSERT_OK(expr)                                                                        \
  do {                                                                                             \
    rla_err rla_e_ = (expr);                                                                       \
    if (rla_e_) rla_test_report_error(#expr, rla_e_, __FILE__, __LINE__);                          \
    CU_ASSERT_FATAL(rla_test_all(rla_e_ == 0));                                                    \
  } while (0)
/* Collective: the rla call fails with code on every rank, with a message containing text
   (NULL: any message). */
#define RLA_ASSERT_FAILS(expr, code, text)                                                         \
  do {                                                                                             \
    rla_err rla_e_ = (expr);                                                                       \
    int rla_ok_ = rla_test_check_failure(rla_e_, (code), (text), #expr, __FILE__, __LINE__);       \
    CU_ASSERT_FATAL(rla_test_all(rla_ok_));                                                        \
  } while (0)

void rla_test_report_local(const char *what, const char *file, int line);
void rla_test_report_error(const char *what, rla_err err, const char *file, int line);
int rla_test_check_failure(rla_err got, rla_err want, const char *text, const char *what,
                           const char *file, int line);
/* A new context over MPI_COMM_WORLD whose allocations (rla_calloc and the matrices) are counted,
   and the count so far on this rank over all such contexts: RLA_FAULT is set, for the creation
   only, to this rank's alloc point at a passage never reached. Destroy the context with
   rla_ctx_destroy. Collective / Local. */
rla_ctx rla_test_counting_ctx(void);
long long rla_test_allocations(void);
/* Path of a scratch file: rla_test_tmpdir/name (static buffer per call slot 0..7). */
const char *rla_test_path(const char *name);

#endif
