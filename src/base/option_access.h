/* SPDX-License-Identifier: BSD-3-Clause */
/* Private helpers of the objects' option descriptions (src/<component>/options.c): the getter
   and setter of one option over a field of the object's private struct and its setter. */
#ifndef RLA_OPTION_ACCESS_H
#define RLA_OPTION_ACCESS_H

#include "rla/options.h"

/* static get_NAME and set_NAME for an rla_option_desc: get_NAME copies ((T *)obj)->FIELD into
   the value's MEMBER (i or r) and returns HAS (an expression of v: 1, or v->i > 0 when 0 means
   "not set"); set_NAME calls SETTER(obj, (CAST)value.MEMBER). */
#define RLA_OPTION_ACCESS(T, NAME, MEMBER, FIELD, HAS, SETTER, CAST)                               \
  static int get_##NAME(const void *o, rla_option_value *v)                                        \
  {                                                                                                \
    v->MEMBER = ((const T *)o)->FIELD;                                                             \
    return HAS;                                                                                    \
  }                                                                                                \
  static rla_err set_##NAME(void *o, rla_option_value v) { return SETTER(o, (CAST)v.MEMBER); }

/* A seed given as an option is an integer >= 0 (the setters take uint64_t). */
static inline rla_err rla_option_seed(rla_ctx ctx, int64_t seed)
{
  RLA_CHECK(ctx, seed >= 0, RLA_ERR_ARG, "seed %lld: it must be non-negative", (long long)seed);
  return RLA_SUCCESS;
}

#endif
