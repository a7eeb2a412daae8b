/* SPDX-License-Identifier: BSD-3-Clause */
/* The check behind the objects' validated settings (see setting.h). */
#include <stdarg.h>
#include <stdio.h>

#include "setting.h"

int rla_setting_ok(rla_ctx ctx, int ok, const char *func, const char *file, int line,
                   const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  if (ok) return 1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  rla_error_set(ctx, RLA_ERR_ARG, func, file, line, "%s", msg);
  return 0;
}
