/* SPDX-License-Identifier: BSD-3-Clause */
/* Private helper of the objects' setters: the validated assignment of one setting. */
#ifndef RLA_SETTING_H
#define RLA_SETTING_H

#include "rla/base.h"

/* field = value when ok, and RLA_SUCCESS; otherwise field is left as it was and the result is
   RLA_ERR_ARG with the message fmt and its printf arguments (the arguments after ok: say what
   the value must be), raised in the setter that uses the macro (its name, file and line in the
   traceback). field is an lvalue of any arithmetic or enum type; value is evaluated only when
   ok. Local. */
#define RLA_SET(ctx, field, value, ok, ...)                                                        \
  (rla_setting_ok((ctx), (ok), __func__, __FILE__, __LINE__, __VA_ARGS__)                          \
       ? ((field) = (value), RLA_SUCCESS)                                                          \
       : RLA_ERR_ARG)

/* ok, or 0 with the refusal recorded in ctx as RLA_SET describes. Local. */
int rla_setting_ok(rla_ctx ctx, int ok, const char *func, const char *file, int line,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
