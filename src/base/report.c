/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON reports over cJSON, checks with PASSED/FAILED lines, atomic write from rank 0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "rla/file.h"
#include "rla/report.h"

#define MAX_DEPTH 16

struct rla_report_s {
  rla_ctx ctx;
  cJSON *root;
  cJSON *stack[MAX_DEPTH];
  int depth; /* stack[depth] is the current container */
  int failures;
};

rla_err rla_report_create(rla_ctx ctx, rla_report *rep)
{
  rla_report r = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(*r), &r));
  r->ctx = ctx;
  r->root = cJSON_CreateObject();
  if (!r->root) {
    free(r);
    RLA_CHECK(ctx, 0, RLA_ERR_MEM, "out of memory creating a report");
  }
  r->stack[0] = r->root;
  *rep = r;
  return RLA_SUCCESS;
}

rla_err rla_report_destroy(rla_report *rep)
{
  if (!rep || !*rep) return RLA_SUCCESS;
  cJSON_Delete((*rep)->root);
  free(*rep);
  *rep = NULL;
  return RLA_SUCCESS;
}

static rla_err put(rla_report r, const char *key, cJSON *item)
{
  cJSON *cur = r->stack[r->depth];
  RLA_CHECK(r->ctx, item, RLA_ERR_MEM, "out of memory in report");
  if (cJSON_IsArray(cur))
    cJSON_AddItemToArray(cur, item);
  else if (cJSON_GetObjectItemCaseSensitive(cur, key))
    cJSON_ReplaceItemInObjectCaseSensitive(cur, key, item);
  else
    cJSON_AddItemToObject(cur, key, item);
  return RLA_SUCCESS;
}

static cJSON *number(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

rla_err rla_report_set_int(rla_report rep, const char *key, int64_t value)
{
  return put(rep, key, cJSON_CreateNumber((double)value));
}
rla_err rla_report_set_real(rla_report rep, const char *key, double value)
{
  return put(rep, key, number(value));
}
rla_err rla_report_set_string(rla_report rep, const char *key, const char *value)
{
  return put(rep, key, cJSON_CreateString(value ? value : ""));
}
rla_err rla_report_set_bool(rla_report rep, const char *key, int value)
{
  return put(rep, key, cJSON_CreateBool(value));
}

rla_err rla_report_set_real_array(rla_report rep, const char *key, int64_t n, const double *values)
{
  cJSON *a = cJSON_CreateArray();
  RLA_CHECK(rep->ctx, a, RLA_ERR_MEM, "out of memory in report");
  for (int64_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, number(values[i]));
  return put(rep, key, a);
}

rla_err rla_report_set_int_array(rla_report rep, const char *key, int64_t n, const int64_t *values)
{
  cJSON *a = cJSON_CreateArray();
  RLA_CHECK(rep->ctx, a, RLA_ERR_MEM, "out of memory in report");
  for (int64_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateNumber((double)values[i]));
  return put(rep, key, a);
}

static rla_err push(rla_report r, const char *key, cJSON *c)
{
  RLA_CHECK(r->ctx, r->depth + 1 < MAX_DEPTH, RLA_ERR_INTERNAL, "report nested too deeply");
  RLA_CALL(r->ctx, put(r, key, c));
  r->stack[++r->depth] = c;
  return RLA_SUCCESS;
}

rla_err rla_report_push_object(rla_report rep, const char *key)
{
  return push(rep, key, cJSON_CreateObject());
}
rla_err rla_report_push_array(rla_report rep, const char *key)
{
  return push(rep, key, cJSON_CreateArray());
}
rla_err rla_report_pop(rla_report rep)
{
  RLA_CHECK(rep->ctx, rep->depth > 0, RLA_ERR_INTERNAL, "report pop without push");
  rep->depth--;
  return RLA_SUCCESS;
}

int rla_report_check(rla_report rep, FILE *out, const char *name, double value, double threshold)
{
  int ok = value <= threshold; /* NaN fails */
  cJSON *checks = cJSON_GetObjectItemCaseSensitive(rep->root, "checks"), *c;
  if (!checks) {
    checks = cJSON_CreateArray();
    cJSON_AddItemToObject(rep->root, "checks", checks);
  }
  c = cJSON_CreateObject();
  if (checks && c) {
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddItemToObject(c, "value", number(value));
    cJSON_AddItemToObject(c, "threshold", number(threshold));
    cJSON_AddBoolToObject(c, "passed", ok);
    cJSON_AddItemToArray(checks, c);
  }
  if (!ok) rep->failures++;
  if (out && rla_ctx_rank(rep->ctx) == 0)
    fprintf(out, "%s %s: %.6e <= %.3e\n", ok ? "PASSED" : "FAILED", name, value, threshold);
  return ok;
}

int rla_report_failures(rla_report rep) { return rep->failures; }

char *rla_report_print(rla_report rep) { return cJSON_Print(rep->root); }

rla_err rla_report_write(rla_report rep, const char *path)
{
  rla_ctx ctx = rep->ctx;
  rla_err err = RLA_SUCCESS;
  if (rla_ctx_rank(ctx) == 0) {
    rla_atomic_file af;
    char *text = cJSON_Print(rep->root);
    if (!text)
      err = rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__,
                          "out of memory printing the report");
    else if (!(err = rla_atomic_open(ctx, path, &af))) {
      fputs(text, af.f);
      fputc('\n', af.f);
      err = rla_atomic_commit(ctx, &af);
    }
    free(text);
  }
  return rla_ctx_agree(ctx, err);
}

int64_t rla_peak_memory(void)
{
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long long kb = 0;
  if (!f) return 0;
  while (fgets(line, sizeof(line), f))
    if (!strncmp(line, "VmHWM:", 6)) {
      kb = atoll(line + 6);
      break;
    }
  fclose(f);
  return (int64_t)kb * 1024;
}
