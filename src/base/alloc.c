/* SPDX-License-Identifier: BSD-3-Clause */
/* Allocation helpers over rla_calloc: copies of strings and arrays that grow (see alloc.h). */
#include <string.h>

#include "alloc.h"

/* the smallest array rla_grow makes, so that short lists take one allocation */
#define GROW_MIN 8

rla_err rla_strndup(rla_ctx ctx, const char *s, size_t len, char **copy)
{
  char *p = NULL;
  size_t n = strnlen(s, len);
  RLA_CALL(ctx, rla_calloc(ctx, n + 1, 1, &p));
  memcpy(p, s, n);
  *copy = p;
  return RLA_SUCCESS;
}

rla_err rla_strdup(rla_ctx ctx, const char *s, char **copy)
{
  return rla_strndup(ctx, s, strlen(s), copy);
}

rla_err rla_grow(rla_ctx ctx, void *ptr, int64_t *cap, int64_t need, size_t size)
{
  void **array = ptr, *p = NULL;
  int64_t c = *cap;
  if (need <= c) return RLA_SUCCESS;
  c = 2 * c > need ? 2 * c : need;
  if (c < GROW_MIN) c = GROW_MIN;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)c, size, &p));
  if (*cap > 0) memcpy(p, *array, (size_t)*cap * size);
  rla_free(array);
  *array = p;
  *cap = c;
  return RLA_SUCCESS;
}
