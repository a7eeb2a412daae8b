/* SPDX-License-Identifier: BSD-3-Clause */
/* Deck and command-line options: rank 0 parses and validates, then broadcasts one buffer. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rla/options.h"

enum { SRC_NONE = 0, SRC_DEFAULT, SRC_DECK, SRC_CMDLINE };

struct rla_options_s {
  rla_ctx ctx;
  const rla_option_spec *specs;
  int n;
  char **values; /* owned copies, NULL when unset */
  int *source;
  char *deck; /* path of the deck read, or NULL */
};

static const char *source_name[] = {"", "default", "deck", "command line"};

/* compare option names treating '-' and '_' alike */
static int same_name(const char *a, const char *b, size_t blen)
{
  size_t i;
  for (i = 0; i < blen && a[i]; i++) {
    char x = a[i] == '_' ? '-' : a[i], y = b[i] == '_' ? '-' : b[i];
    if (x != y) return 0;
  }
  return i == blen && a[i] == '\0';
}

static int find_len(rla_options o, const char *name, size_t len)
{
  for (int i = 0; i < o->n; i++)
    if (same_name(o->specs[i].name, name, len)) return i;
  return -1;
}

static int find(rla_options o, const char *name) { return find_len(o, name, strlen(name)); }

static int find_alias(rla_options o, const char *alias)
{
  for (int i = 0; i < o->n; i++)
    if (o->specs[i].alias && !strcmp(o->specs[i].alias, alias)) return i;
  return -1;
}

static rla_err create_local(rla_ctx ctx, const rla_option_spec *specs, int nspecs, rla_options *opts)
{
  rla_options o = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(*o), &o));
  *opts = o;
  o->ctx = ctx;
  o->specs = specs;
  o->n = nspecs;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nspecs, sizeof(char *), &o->values));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nspecs, sizeof(int), &o->source));
  for (int i = 0; i < nspecs; i++)
    if (specs[i].def) {
      o->values[i] = strdup(specs[i].def);
      RLA_CHECK(ctx, o->values[i], RLA_ERR_MEM, "out of memory copying the default of --%s",
                specs[i].name);
      o->source[i] = SRC_DEFAULT;
    }
  return RLA_SUCCESS;
}

rla_err rla_options_create(rla_ctx ctx, const rla_option_spec *specs, int nspecs, rla_options *opts)
{
  rla_err err;
  RLA_CHECK(ctx, opts && specs && nspecs >= 0, RLA_ERR_ARG, "rla_options_create: null argument");
  *opts = NULL;
  /* agreed: a rank that could not allocate must not leave the others in the parse */
  err = rla_ctx_agree(ctx, create_local(ctx, specs, nspecs, opts));
  if (err) {
    rla_options_destroy(opts);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

rla_err rla_options_destroy(rla_options *opts)
{
  if (!opts || !*opts) return RLA_SUCCESS;
  for (int i = 0; (*opts)->values && i < (*opts)->n; i++)
    free((*opts)->values[i]);
  free((*opts)->values);
  free((*opts)->source);
  free((*opts)->deck);
  free(*opts);
  *opts = NULL;
  return RLA_SUCCESS;
}

static int parse_flag_text(const char *v, int *out)
{
  if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on")) {
    *out = 1;
    return 1;
  }
  if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off")) {
    *out = 0;
    return 1;
  }
  return 0;
}

/* validate value v for spec s; where names the origin for the message */
static rla_err validate(rla_options o, const rla_option_spec *s, const char *v, const char *where)
{
  rla_ctx ctx = o->ctx;
  char *end = NULL;
  switch (s->type) {
  case RLA_OPT_INT: {
    long long x;
    errno = 0;
    x = strtoll(v, &end, 10);
    RLA_CHECK(ctx, *v && end && *end == '\0' && errno == 0, RLA_ERR_ARG,
              "%s: option '%s' needs an integer, got '%s'", where, s->name, v);
    RLA_CHECK(ctx, s->min > s->max || ((double)x >= s->min && (double)x <= s->max), RLA_ERR_ARG,
              "%s: option '%s' = %lld is outside [%.17g, %.17g]", where, s->name, x, s->min,
              s->max);
    break;
  }
  case RLA_OPT_REAL: {
    double x;
    errno = 0;
    x = strtod(v, &end);
    RLA_CHECK(ctx, *v && end && *end == '\0' && errno == 0 && isfinite(x), RLA_ERR_ARG,
              "%s: option '%s' needs a finite number, got '%s'", where, s->name, v);
    RLA_CHECK(ctx, s->min > s->max || (x >= s->min && x <= s->max), RLA_ERR_ARG,
              "%s: option '%s' = %g is outside [%g, %g]", where, s->name, x, s->min, s->max);
    break;
  }
  case RLA_OPT_FLAG: {
    int f;
    RLA_CHECK(ctx, parse_flag_text(v, &f), RLA_ERR_ARG,
              "%s: option '%s' needs true or false, got '%s'", where, s->name, v);
    break;
  }
  case RLA_OPT_STRING:
    RLA_CHECK(ctx, *v, RLA_ERR_ARG, "%s: option '%s' needs a value", where, s->name);
    if (s->choices) {
      const char *c = s->choices;
      size_t len = strlen(v);
      int ok = 0;
      while (*c && !ok) {
        size_t w = strcspn(c, "|");
        ok = (w == len && !strncmp(c, v, len));
        c += w + (c[w] == '|');
      }
      RLA_CHECK(ctx, ok, RLA_ERR_ARG, "%s: option '%s' must be one of %s, got '%s'", where, s->name,
                s->choices, v);
    }
    break;
  }
  return RLA_SUCCESS;
}

static rla_err assign(rla_options o, int i, const char *v, int source, const char *where)
{
  char *copy;
  RLA_CALL(o->ctx, validate(o, &o->specs[i], v, where));
  copy = strdup(v);
  RLA_CHECK(o->ctx, copy, RLA_ERR_MEM, "out of memory storing option '%s'", o->specs[i].name);
  free(o->values[i]);
  o->values[i] = copy;
  o->source[i] = source;
  return RLA_SUCCESS;
}

rla_err rla_options_set(rla_options opts, const char *name, const char *value)
{
  int i = find(opts, name);
  RLA_CHECK(opts->ctx, i >= 0, RLA_ERR_ARG, "unknown option '%s'", name);
  return assign(opts, i, value, SRC_CMDLINE, "option");
}

static char *trim(char *s)
{
  char *e;
  while (isspace((unsigned char)*s))
    s++;
  e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

static rla_err read_deck(rla_options o, const char *path)
{
  rla_ctx ctx = o->ctx;
  FILE *f = fopen(path, "r");
  char line[4096], where[4200];
  int lineno = 0, *seen = NULL;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, f, RLA_ERR_FILE, "%s: cannot open deck: %s", path, strerror(errno));
  RLA_CALL_GOTO(ctx, err, done, rla_calloc(ctx, (size_t)o->n, sizeof(int), &seen));
  while (fgets(line, sizeof(line), f)) {
    char *s, *eq, *key, *val;
    int i;
    lineno++;
    snprintf(where, sizeof(where), "%s:%d", path, lineno);
    RLA_CHECK_GOTO(ctx, err, done, strchr(line, '\n') || feof(f), RLA_ERR_FORMAT,
                   "%s: line longer than %zu characters", where, sizeof(line) - 2);
    if ((s = strchr(line, '#'))) *s = '\0';
    s = trim(line);
    if (!*s) continue;
    eq = strchr(s, '=');
    RLA_CHECK_GOTO(ctx, err, done, eq, RLA_ERR_FORMAT, "%s: expected 'key = value', got '%s'",
                   where, s);
    *eq = '\0';
    key = trim(s);
    val = trim(eq + 1);
    RLA_CHECK_GOTO(ctx, err, done, *key, RLA_ERR_FORMAT, "%s: missing key before '='", where);
    i = find(o, key);
    RLA_CHECK_GOTO(ctx, err, done, i >= 0, RLA_ERR_ARG, "%s: unknown key '%s'", where, key);
    RLA_CHECK_GOTO(ctx, err, done, !seen[i], RLA_ERR_ARG, "%s: key '%s' already set on line %d",
                   where, key, seen[i]);
    seen[i] = lineno;
    RLA_CALL_GOTO(ctx, err, done, assign(o, i, val, SRC_DECK, where));
  }
  RLA_CHECK_GOTO(ctx, err, done, !ferror(f), RLA_ERR_FILE, "%s: read error", path);
done:
  free(seen);
  fclose(f);
  return err;
}

/* rank 0: the whole parse */
static rla_err parse_root(rla_options o, int argc, char **argv)
{
  rla_ctx ctx = o->ctx;
  const char *deck = NULL;
  int a;

  /* find the deck first so the command line overrides it whatever the order */
  for (a = 1; a < argc; a++) {
    const char *arg = argv[a];
    if (arg[0] == '-' && arg[1] != '\0') {
      int i;
      if (arg[1] == '-') {
        const char *eq = strchr(arg + 2, '=');
        i = find_len(o, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
        RLA_CHECK(ctx, i >= 0, RLA_ERR_ARG, "unknown option '%s' (see --help)", arg);
        if (eq) continue;
      } else
        i = find_alias(o, arg + 1);
      RLA_CHECK(ctx, i >= 0, RLA_ERR_ARG, "unknown option '%s' (see --help)", arg);
      if (o->specs[i].type != RLA_OPT_FLAG) a++; /* skip its value */
      continue;
    }
    RLA_CHECK(ctx, !deck, RLA_ERR_ARG, "more than one deck given: '%s' and '%s'", deck, arg);
    deck = arg;
  }
  if (deck) {
    RLA_CALL(ctx, read_deck(o, deck));
    o->deck = strdup(deck);
  }
  for (a = 1; a < argc; a++) {
    const char *arg = argv[a], *val = NULL;
    int i;
    if (!(arg[0] == '-' && arg[1] != '\0')) continue;
    if (arg[1] == '-') {
      const char *eq = strchr(arg + 2, '=');
      i = find_len(o, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
      RLA_CHECK(ctx, i >= 0, RLA_ERR_ARG, "unknown option '%s' (see --help)", arg);
      if (eq) val = eq + 1;
    } else {
      i = find_alias(o, arg + 1);
      RLA_CHECK(ctx, i >= 0, RLA_ERR_ARG, "unknown option '%s' (see --help)", arg);
    }
    if (!val) {
      if (o->specs[i].type == RLA_OPT_FLAG)
        val = "true";
      else {
        RLA_CHECK(ctx, a + 1 < argc, RLA_ERR_ARG, "option '%s' needs a value", arg);
        val = argv[++a];
      }
    }
    RLA_CALL(ctx, assign(o, i, val, SRC_CMDLINE, "command line"));
  }
  return RLA_SUCCESS;
}

rla_err rla_options_parse(rla_options opts, int argc, char **argv)
{
  rla_ctx ctx = opts->ctx;
  rla_err err = RLA_SUCCESS;
  char *buf = NULL;
  long long len = 0;

  if (rla_ctx_rank(ctx) == 0) {
    err = parse_root(opts, argc, argv);
    if (!err) {
      /* serialise: per option, source byte then value text with a terminating NUL */
      for (int i = 0; i < opts->n; i++)
        len += 2 + (opts->values[i] ? (long long)strlen(opts->values[i]) : 0);
      len += 1 + (opts->deck ? (long long)strlen(opts->deck) : 0);
      err = rla_calloc(ctx, (size_t)len, 1, &buf);
      if (!err) {
        char *p = buf;
        for (int i = 0; i < opts->n; i++) {
          *p++ = (char)opts->source[i];
          if (opts->values[i]) p = stpcpy(p, opts->values[i]);
          *p++ = '\0';
        }
        if (opts->deck) p = stpcpy(p, opts->deck);
        *p = '\0';
      }
    }
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, rla_ctx_comm(ctx)));
  if (rla_ctx_rank(ctx) != 0) err = rla_calloc(ctx, (size_t)len, 1, &buf);
  err = rla_ctx_agree(ctx, err);
  if (err) {
    free(buf);
    return err;
  }
  MPI_Bcast(buf, (int)len, MPI_CHAR, 0, rla_ctx_comm(ctx));
  if (rla_ctx_rank(ctx) != 0) {
    const char *p = buf;
    for (int i = 0; i < opts->n; i++) {
      int src = *p++;
      free(opts->values[i]);
      opts->values[i] = src == SRC_NONE ? NULL : strdup(p);
      opts->source[i] = src;
      p += strlen(p) + 1;
    }
    free(opts->deck);
    opts->deck = *p ? strdup(p) : NULL;
  }
  free(buf);
  return RLA_SUCCESS;
}

int rla_options_has(rla_options opts, const char *name)
{
  int i = find(opts, name);
  return i >= 0 && opts->values[i] != NULL;
}

int rla_options_given(rla_options opts, const char *name)
{
  int i = find(opts, name);
  return i >= 0 && opts->source[i] >= SRC_DECK;
}

static rla_err lookup(rla_options o, const char *name, rla_opt_type type, const char **v)
{
  int i = find(o, name);
  RLA_CHECK(o->ctx, i >= 0 && o->specs[i].type == type, RLA_ERR_INTERNAL,
            "option '%s' is not declared with this type", name);
  RLA_CHECK(o->ctx, o->values[i], RLA_ERR_ARG, "missing required option --%s (%s)", name,
            o->specs[i].help ? o->specs[i].help : "");
  *v = o->values[i];
  return RLA_SUCCESS;
}

rla_err rla_options_get_int(rla_options opts, const char *name, int64_t *value)
{
  const char *v;
  RLA_CALL(opts->ctx, lookup(opts, name, RLA_OPT_INT, &v));
  *value = strtoll(v, NULL, 10);
  return RLA_SUCCESS;
}

rla_err rla_options_get_real(rla_options opts, const char *name, double *value)
{
  const char *v;
  RLA_CALL(opts->ctx, lookup(opts, name, RLA_OPT_REAL, &v));
  *value = strtod(v, NULL);
  return RLA_SUCCESS;
}

rla_err rla_options_get_string(rla_options opts, const char *name, const char **value)
{
  RLA_CALL(opts->ctx, lookup(opts, name, RLA_OPT_STRING, value));
  return RLA_SUCCESS;
}

rla_err rla_options_get_flag(rla_options opts, const char *name, int *value)
{
  const char *v;
  RLA_CALL(opts->ctx, lookup(opts, name, RLA_OPT_FLAG, &v));
  parse_flag_text(v, value);
  return RLA_SUCCESS;
}

void rla_options_view(rla_options opts, FILE *out)
{
  fprintf(out, "The following parameters will be used:\n");
  if (opts->deck) fprintf(out, "  %-16s = %s\n", "(deck)", opts->deck);
  for (int i = 0; i < opts->n; i++)
    if (opts->values[i])
      fprintf(out, "  %-16s = %-24s (%s)\n", opts->specs[i].name, opts->values[i],
              source_name[opts->source[i]]);
}

void rla_options_help(rla_options opts, const char *program, FILE *out)
{
  fprintf(out,
          "usage: %s [options] [deck]\n"
          "A deck holds 'key = value' lines ('#' starts a comment); options override it.\n",
          program);
  for (int i = 0; i < opts->n; i++) {
    const rla_option_spec *s = &opts->specs[i];
    char head[96];
    snprintf(head, sizeof(head), "%s%s%s--%s%s", s->alias ? "-" : "", s->alias ? s->alias : "",
             s->alias ? ", " : "", s->name, s->type == RLA_OPT_FLAG ? "" : " VALUE");
    fprintf(out, "  %-28s %s", head, s->help ? s->help : "");
    if (s->choices) fprintf(out, " [%s]", s->choices);
    if (s->min <= s->max) fprintf(out, " (range %g..%g)", s->min, s->max);
    if (s->def) fprintf(out, " (default %s)", s->def);
    fputc('\n', out);
  }
}
