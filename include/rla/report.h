/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON reports and PASSED/FAILED checks. Values are set on every rank (they are equal after
   the collective computations that produced them); rank 0 writes the file atomically. */
#ifndef RLA_REPORT_H
#define RLA_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "rla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rla_report_s *rla_report;

/* Create an empty report (a JSON object). Local. */
rla_err rla_report_create(rla_ctx ctx, rla_report *rep);
/* Accepts NULL; sets *rep = NULL. Local. */
rla_err rla_report_destroy(rla_report *rep);

/* Set key in the current object (or append to the current array, where key is ignored).
   Non-finite reals are written as null. Local. */
rla_err rla_report_set_int(rla_report rep, const char *key, int64_t value);
rla_err rla_report_set_real(rla_report rep, const char *key, double value);
rla_err rla_report_set_string(rla_report rep, const char *key, const char *value);
rla_err rla_report_set_bool(rla_report rep, const char *key, int value);
rla_err rla_report_set_real_array(rla_report rep, const char *key, int64_t n, const double *values);
rla_err rla_report_set_int_array(rla_report rep, const char *key, int64_t n, const int64_t *values);
/* Open a nested object or array under key, making it current; pop returns to its parent. Local. */
rla_err rla_report_push_object(rla_report rep, const char *key);
rla_err rla_report_push_array(rla_report rep, const char *key);
rla_err rla_report_pop(rla_report rep);

/* Record a check "value <= threshold" under "checks" and print one greppable line on rank 0:
   "PASSED name: value = ... <= threshold" (or FAILED). Returns 1 when it passed. Local. */
int rla_report_check(rla_report rep, FILE *out, const char *name, double value, double threshold);
/* Number of failed checks so far. Local. */
int rla_report_failures(rla_report rep);

/* Write the report to path atomically from rank 0 (pretty-printed JSON). Collective. */
rla_err rla_report_write(rla_report rep, const char *path);
/* The JSON text (owned by the caller, free() it), or NULL. Local. */
char *rla_report_print(rla_report rep);

/* Peak resident memory of this process in bytes (VmHWM), 0 when unknown. Local. */
int64_t rla_peak_memory(void);

#ifdef __cplusplus
}
#endif
#endif
