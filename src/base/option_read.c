/* SPDX-License-Identifier: BSD-3-Clause */
/* Options of library objects read from an option set through their descriptions (each with the
   object's current value as default, set through the object's setter), the record of what they
   used, the keys none read, and enum names. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "options_impl.h"
#include "rla/file.h"

rla_err rla_enum_from_name(rla_ctx ctx, const char *what, const char *const *names, int n,
                           const char *name, int *value)
{
  char choices[256] = "";
  for (int i = 0; i < n; i++)
    if (name && !strcmp(name, names[i])) {
      *value = i;
      return RLA_SUCCESS;
    }
  for (int i = 0; i < n; i++)
    snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
             i == 0       ? ""
             : i == n - 1 ? " or "
                          : ", ",
             names[i]);
  return rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "unknown %s '%s': use %s",
                       what, name ? name : "(null)", choices);
}

const char *rla_enum_name(const char *const *names, int n, int value)
{
  return value >= 0 && value < n ? names[value] : "unknown";
}

struct rla_option_record *rla_option_record_find(rla_options o, const char *key)
{
  for (int i = 0; i < o->nrec; i++)
    if (rla_option_same_name(o->rec[i].key, key, strlen(key))) return &o->rec[i];
  return NULL;
}

void rla_option_desc_value_text(const rla_option_desc *d, const void *obj, char *buf, size_t len)
{
  rla_option_value v = {0, 0.0};
  buf[0] = '\0';
  if (!d->get(obj, &v)) return;
  switch (d->type) {
  case RLA_OPT_STRING:
    snprintf(buf, len, "%s", rla_enum_name(d->choices, d->nchoices, (int)v.i));
    break;
  case RLA_OPT_FLAG:
    snprintf(buf, len, "%s", v.i ? "true" : "false");
    break;
  case RLA_OPT_REAL: {
    /* the shortest decimal that reads back as the same double, without an exponent for whole
       numbers below 1e17 (20, not 2e+01) */
    int digits = 1, e = v.r != 0.0 ? (int)floor(log10(fabs(v.r))) : 0;
    for (; digits < 17; digits++) {
      snprintf(buf, len, "%.*g", digits, v.r);
      if (strtod(buf, NULL) == v.r) break;
    }
    snprintf(buf, len, "%.*g", e >= digits && e < 17 ? e + 1 : digits, v.r);
    break;
  }
  default:
    snprintf(buf, len, "%lld", (long long)v.i);
  }
}

/* the given value of key (or of its alias): the one given last, every match marked used */
static struct rla_option_raw *raw_take(rla_options o, const char *key, const char *alias)
{
  struct rla_option_raw *best = NULL;
  for (int i = 0; i < o->nraw; i++) {
    struct rla_option_raw *r = &o->raw[i];
    int match = r->dashes == 1 ? alias && !strcmp(r->key, alias)
                               : rla_option_same_name(r->key, key, strlen(key));
    if (!match) continue;
    r->used = 1;
    if (!best || r->source >= best->source) best = r;
  }
  return best;
}

/* the text v of option key converted for d; where names its origin */
static rla_err convert(rla_ctx ctx, const rla_option_desc *d, const char *key, const char *v,
                       const char *where, rla_option_value *out)
{
  char *end = NULL, choices[256] = "";
  int flag, index;
  errno = 0;
  switch (d->type) {
  case RLA_OPT_INT:
    out->i = strtoll(v, &end, 10);
    RLA_CHECK(ctx, *v && *end == '\0' && errno == 0, RLA_ERR_ARG,
              "%s: option '%s' needs an integer, got '%s'", where, key, v);
    break;
  case RLA_OPT_REAL:
    out->r = strtod(v, &end);
    RLA_CHECK(ctx, *v && *end == '\0' && errno == 0 && isfinite(out->r), RLA_ERR_ARG,
              "%s: option '%s' needs a finite number, got '%s'", where, key, v);
    break;
  case RLA_OPT_FLAG:
    RLA_CHECK(ctx, rla_option_parse_flag(v, &flag), RLA_ERR_ARG,
              "%s: option '%s' needs true or false, got '%s'", where, key, v);
    out->i = flag;
    break;
  default:
    if (rla_enum_from_name(NULL, key, d->choices, d->nchoices, v, &index) == RLA_SUCCESS) {
      out->i = index;
      break;
    }
    for (int c = 0; c < d->nchoices; c++)
      snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
               c ? "|" : "", d->choices[c]);
    RLA_CHECK(ctx, 0, RLA_ERR_ARG, "%s: option '%s' must be one of %s, got '%s'", where, key,
              choices, v);
  }
  return RLA_SUCCESS;
}

/* the setter refused the value: say where it came from, then the setter's reason */
static rla_err refused(rla_ctx ctx, rla_err code, const char *where, const char *key,
                       const char *v)
{
  char why[1024];
  int verbosity = rla_ctx_verbosity(ctx);
  rla_ctx_set_verbosity(ctx, 0); /* the message without its traceback */
  snprintf(why, sizeof(why), "%s", rla_ctx_error_message(ctx));
  rla_ctx_set_verbosity(ctx, verbosity);
  return rla_error_set(ctx, code, __func__, __FILE__, __LINE__,
                       "%s: option '%s' = %s is outside the accepted range: %s", where, key, v,
                       why);
}

/* record (or update) what the object uses for key */
static rla_err record(rla_options o, const char *key, const rla_option_desc *d, const char *value,
                      int source)
{
  rla_ctx ctx = o->ctx;
  struct rla_option_record *r = rla_option_record_find(o, key);
  char *copy = NULL;
  if (*value) RLA_CALL(ctx, rla_strdup(ctx, value, &copy));
  if (!r) {
    rla_err err = rla_grow(ctx, &o->rec, &o->caprec, o->nrec + 1, sizeof(*o->rec));
    if (!err) err = rla_strdup(ctx, key, &o->rec[o->nrec].key);
    if (err) {
      rla_free(&copy);
      return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
    }
    r = &o->rec[o->nrec++];
  }
  rla_free(&r->value);
  r->value = copy;
  r->desc = d;
  r->source = source;
  return RLA_SUCCESS;
}

rla_err rla_options_read(rla_options opts, const char *prefix, const rla_option_desc *desc, int n,
                         void *obj)
{
  rla_ctx ctx;
  RLA_CHECK(NULL, opts, RLA_ERR_ARG, "rla_options_read: NULL options");
  ctx = opts->ctx;
  RLA_CHECK(ctx, desc && obj && n >= 0, RLA_ERR_ARG, "rla_options_read: NULL argument");
  if (!prefix) prefix = "";
  for (int k = 0; k < n; k++) {
    const rla_option_desc *d = &desc[k];
    const struct rla_option_raw *r;
    char key[160], where[RLA_PATH_MAX + 32], text[64];
    RLA_CHECK(ctx, snprintf(key, sizeof(key), "%s%s", prefix, d->name) < (int)sizeof(key),
              RLA_ERR_ARG, "option prefix '%s' is too long", prefix);
    r = raw_take(opts, key, *prefix ? NULL : d->alias);
    if (r) {
      rla_option_value v = {0, 0.0};
      rla_err err;
      if (r->source == SRC_DECK)
        snprintf(where, sizeof(where), "%s:%d", opts->deck ? opts->deck : "deck", r->line);
      else
        snprintf(where, sizeof(where), "command line");
      RLA_CALL(ctx, convert(ctx, d, key, r->value, where, &v));
      err = d->set(obj, v);
      if (err) return refused(ctx, err, where, key, r->value);
    }
    rla_option_desc_value_text(d, obj, text, sizeof(text));
    RLA_CALL(ctx, record(opts, key, d, text, r ? r->source : SRC_DEFAULT));
  }
  return RLA_SUCCESS;
}

rla_err rla_options_check_unused(rla_options opts)
{
  for (int i = 0; i < opts->nraw; i++) {
    const struct rla_option_raw *r = &opts->raw[i];
    if (r->used) continue;
    if (r->source == SRC_DECK)
      RLA_CHECK(opts->ctx, 0, RLA_ERR_ARG, "%s:%d: unknown key '%s'", opts->deck, r->line, r->key);
    RLA_CHECK(opts->ctx, 0, RLA_ERR_ARG, "unknown option '%s%s' (see --help)",
              r->dashes == 1 ? "-" : "--", r->key);
  }
  return RLA_SUCCESS;
}
