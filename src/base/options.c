/* SPDX-License-Identifier: BSD-3-Clause */
/* Deck and command-line options: rank 0 parses and validates, then broadcasts one buffer. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "options_impl.h"

const char *const rla_option_source_name[] = {"", "default", "deck", "command line"};

int rla_option_same_name(const char *a, const char *b, size_t blen)
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
    if (rla_option_same_name(o->specs[i].name, name, len)) return i;
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
      RLA_CALL(ctx, rla_strdup(ctx, specs[i].def, &o->values[i]));
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

static void free_raw(rla_options o)
{
  for (int i = 0; i < o->nraw; i++) {
    rla_free(&o->raw[i].key);
    rla_free(&o->raw[i].value);
  }
  rla_free(&o->raw);
  o->nraw = o->capraw = 0;
}

rla_err rla_options_destroy(rla_options *opts)
{
  rla_options o;
  if (!opts || !*opts) return RLA_SUCCESS;
  o = *opts;
  for (int i = 0; o->values && i < o->n; i++)
    rla_free(&o->values[i]);
  rla_free(&o->values);
  rla_free(&o->source);
  rla_free(&o->deck);
  free_raw(o);
  for (int i = 0; i < o->nrec; i++) {
    rla_free(&o->rec[i].key);
    rla_free(&o->rec[i].value);
  }
  rla_free(&o->rec);
  rla_free(opts);
  return RLA_SUCCESS;
}

void rla_options_keep_unknown(rla_options opts) { opts->keep_unknown = 1; }

int rla_option_parse_flag(const char *v, int *out)
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
    RLA_CHECK(ctx, rla_option_parse_flag(v, &f), RLA_ERR_ARG,
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
  char *copy = NULL;
  RLA_CALL(o->ctx, validate(o, &o->specs[i], v, where));
  RLA_CALL(o->ctx, rla_strdup(o->ctx, v, &copy));
  rla_free(&o->values[i]);
  o->values[i] = copy;
  o->source[i] = source;
  return RLA_SUCCESS;
}

/* Keep key (its first len bytes) = value for the objects. A deck key given twice is an error;
   the command line replaces an earlier value of the same key and form. */
static rla_err keep_raw(rla_options o, const char *key, size_t len, const char *value, int source,
                        int dashes, int line)
{
  rla_ctx ctx = o->ctx;
  struct rla_option_raw *r = NULL;
  char *copy = NULL;
  for (int i = 0; i < o->nraw && !r; i++)
    if ((o->raw[i].dashes == 1) == (dashes == 1) && o->raw[i].source == source &&
        rla_option_same_name(o->raw[i].key, key, len))
      r = &o->raw[i];
  RLA_CHECK(ctx, !r || source != SRC_DECK, RLA_ERR_ARG, "%s:%d: key '%.*s' already set on line %d",
            o->deck, line, (int)len, key, r ? r->line : 0);
  RLA_CALL(ctx, rla_strdup(ctx, value, &copy));
  if (!r) {
    rla_err err = rla_grow(ctx, &o->raw, &o->capraw, o->nraw + 1, sizeof(*o->raw));
    if (!err) err = rla_strndup(ctx, key, len, &o->raw[o->nraw].key);
    if (err) {
      rla_free(&copy);
      return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
    }
    r = &o->raw[o->nraw++];
  }
  rla_free(&r->value);
  r->value = copy;
  r->source = source;
  r->dashes = dashes;
  r->line = line;
  return RLA_SUCCESS;
}

rla_err rla_options_set(rla_options opts, const char *name, const char *value)
{
  int i = find(opts, name);
  if (i < 0 && opts->keep_unknown)
    return keep_raw(opts, name, strlen(name), value, SRC_CMDLINE, 2, 0);
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
    if (i < 0 && o->keep_unknown) {
      RLA_CALL_GOTO(ctx, err, done, keep_raw(o, key, strlen(key), val, SRC_DECK, 0, lineno));
      continue;
    }
    RLA_CHECK_GOTO(ctx, err, done, i >= 0, RLA_ERR_ARG, "%s: unknown key '%s'", where, key);
    RLA_CHECK_GOTO(ctx, err, done, !seen[i], RLA_ERR_ARG, "%s: key '%s' already set on line %d",
                   where, key, seen[i]);
    seen[i] = lineno;
    RLA_CALL_GOTO(ctx, err, done, assign(o, i, val, SRC_DECK, where));
  }
  RLA_CHECK_GOTO(ctx, err, done, !ferror(f), RLA_ERR_FILE, "%s: read error", path);
done:
  rla_free(&seen);
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
      const char *eq = arg[1] == '-' ? strchr(arg + 2, '=') : NULL;
      if (arg[1] == '-')
        i = find_len(o, arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
      else
        i = find_alias(o, arg + 1);
      RLA_CHECK(ctx, i >= 0 || o->keep_unknown, RLA_ERR_ARG, "unknown option '%s' (see --help)",
                arg);
      if (!eq && (i < 0 || o->specs[i].type != RLA_OPT_FLAG)) a++; /* skip its value */
      continue;
    }
    RLA_CHECK(ctx, !deck, RLA_ERR_ARG, "more than one deck given: '%s' and '%s'", deck, arg);
    deck = arg;
  }
  if (deck) {
    RLA_CALL(ctx, rla_strdup(ctx, deck, &o->deck));
    RLA_CALL(ctx, read_deck(o, deck));
  }
  for (a = 1; a < argc; a++) {
    const char *arg = argv[a], *val = NULL;
    int i;
    if (!(arg[0] == '-' && arg[1] != '\0')) continue;
    const char *eq = arg[1] == '-' ? strchr(arg + 2, '=') : NULL;
    int dashes = arg[1] == '-' ? 2 : 1;
    size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + dashes);
    i = dashes == 2 ? find_len(o, arg + 2, len) : find_alias(o, arg + 1);
    RLA_CHECK(ctx, i >= 0 || o->keep_unknown, RLA_ERR_ARG, "unknown option '%s' (see --help)",
              arg);
    if (eq) val = eq + 1;
    if (!val) {
      if (i >= 0 && o->specs[i].type == RLA_OPT_FLAG)
        val = "true";
      else {
        RLA_CHECK(ctx, a + 1 < argc, RLA_ERR_ARG, "option '%s' needs a value", arg);
        val = argv[++a];
      }
    }
    if (i < 0)
      RLA_CALL(ctx, keep_raw(o, arg + dashes, len, val, SRC_CMDLINE, dashes, 0));
    else
      RLA_CALL(ctx, assign(o, i, val, SRC_CMDLINE, "command line"));
  }
  return RLA_SUCCESS;
}

/* append text and its NUL at *p (when buf is not NULL); returns the bytes it takes */
static size_t put(char *buf, size_t *p, const char *text)
{
  size_t n = strlen(text) + 1;
  if (buf) memcpy(buf + *p, text, n);
  *p += n;
  return n;
}

/* serialise the parsed values into buf (NULL: only measure); returns the length. Per spec:
   source byte, value; the deck; the count of kept keys, then per key: source and dashes bytes,
   line, key, value. */
static size_t pack(rla_options o, char *buf)
{
  size_t p = 0;
  char num[32];
  for (int i = 0; i < o->n; i++) {
    char head[2] = {(char)('0' + o->source[i]), '\0'};
    put(buf, &p, head);
    put(buf, &p, o->values[i] ? o->values[i] : "");
  }
  put(buf, &p, o->deck ? o->deck : "");
  snprintf(num, sizeof(num), "%d", o->nraw);
  put(buf, &p, num);
  for (int i = 0; i < o->nraw; i++) {
    char head[3] = {(char)('0' + o->raw[i].source), (char)('0' + o->raw[i].dashes), '\0'};
    put(buf, &p, head);
    snprintf(num, sizeof(num), "%d", o->raw[i].line);
    put(buf, &p, num);
    put(buf, &p, o->raw[i].key);
    put(buf, &p, o->raw[i].value);
  }
  return p;
}

/* the other ranks: the values from rank 0's buffer */
static rla_err unpack(rla_options o, const char *p)
{
  int nraw;
  for (int i = 0; i < o->n; i++) {
    int src = p[0] - '0';
    p += strlen(p) + 1;
    rla_free(&o->values[i]);
    if (src != SRC_NONE) RLA_CALL(o->ctx, rla_strdup(o->ctx, p, &o->values[i]));
    o->source[i] = src;
    p += strlen(p) + 1;
  }
  rla_free(&o->deck);
  if (*p) RLA_CALL(o->ctx, rla_strdup(o->ctx, p, &o->deck));
  p += strlen(p) + 1;
  nraw = atoi(p);
  p += strlen(p) + 1;
  free_raw(o);
  for (int i = 0; i < nraw; i++) {
    const char *head = p, *line = head + strlen(head) + 1, *key = line + strlen(line) + 1;
    const char *value = key + strlen(key) + 1;
    RLA_CALL(o->ctx, keep_raw(o, key, strlen(key), value, head[0] - '0', head[1] - '0',
                              atoi(line)));
    p = value + strlen(value) + 1;
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
      len = (long long)pack(opts, NULL);
      err = rla_calloc(ctx, (size_t)len, 1, &buf);
      if (!err) pack(opts, buf);
    }
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, rla_ctx_comm(ctx)));
  if (rla_ctx_rank(ctx) != 0) err = rla_calloc(ctx, (size_t)len, 1, &buf);
  err = rla_ctx_agree(ctx, err);
  if (err) {
    rla_free(&buf);
    return err;
  }
  MPI_Bcast(buf, (int)len, MPI_CHAR, 0, rla_ctx_comm(ctx));
  if (rla_ctx_rank(ctx) != 0) err = unpack(opts, buf);
  rla_free(&buf);
  return rla_ctx_agree(ctx, err);
}

/* a key kept for the objects under its long name (deck or "--name"), or NULL */
static const struct rla_option_raw *raw_find(rla_options o, const char *name)
{
  for (int i = 0; i < o->nraw; i++)
    if (o->raw[i].dashes != 1 && rla_option_same_name(o->raw[i].key, name, strlen(name)))
      return &o->raw[i];
  return NULL;
}

int rla_options_has(rla_options opts, const char *name)
{
  int i = find(opts, name);
  const struct rla_option_record *r = i < 0 ? rla_option_record_find(opts, name) : NULL;
  if (i >= 0) return opts->values[i] != NULL;
  return r ? r->value != NULL : raw_find(opts, name) != NULL;
}

int rla_options_given(rla_options opts, const char *name)
{
  int i = find(opts, name);
  const struct rla_option_record *r = i < 0 ? rla_option_record_find(opts, name) : NULL;
  if (i >= 0) return opts->source[i] >= SRC_DECK;
  return r ? r->source >= SRC_DECK : raw_find(opts, name) != NULL;
}

/* the text of option name declared with type (a spec, or an object's option that was read) */
static rla_err lookup(rla_options o, const char *name, rla_opt_type type, const char **v)
{
  int i = find(o, name);
  const struct rla_option_record *r = i < 0 ? rla_option_record_find(o, name) : NULL;
  rla_opt_type t = i >= 0 ? o->specs[i].type : r ? r->desc->type : type;
  RLA_CHECK(o->ctx, (i >= 0 || r) && t == type,
            RLA_ERR_INTERNAL, "option '%s' is not declared with this type", name);
  *v = i >= 0 ? o->values[i] : r->value;
  RLA_CHECK(o->ctx, *v, RLA_ERR_ARG, "missing required option --%s (%s)", name,
            i >= 0 ? (o->specs[i].help ? o->specs[i].help : "") : r->desc->help);
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
  rla_option_parse_flag(v, value);
  return RLA_SUCCESS;
}

void rla_options_view(rla_options opts, FILE *out)
{
  fprintf(out, "The following parameters will be used:\n");
  if (opts->deck) fprintf(out, "  %-16s = %s\n", "(deck)", opts->deck);
  for (int i = 0; i < opts->n; i++)
    if (opts->values[i])
      fprintf(out, "  %-16s = %-24s (%s)\n", opts->specs[i].name, opts->values[i],
              rla_option_source_name[opts->source[i]]);
  for (int i = 0; i < opts->nrec; i++)
    if (opts->rec[i].value)
      fprintf(out, "  %-16s = %-24s (%s)\n", opts->rec[i].key, opts->rec[i].value,
              rla_option_source_name[opts->rec[i].source]);
}

void rla_option_help_line(FILE *out, const char *name, const char *alias, int flag,
                          const char *help, const char *choices, double min, double max,
                          const char *def)
{
  char head[96];
  snprintf(head, sizeof(head), "%s%s%s--%s%s", alias ? "-" : "", alias ? alias : "",
           alias ? ", " : "", name, flag ? "" : " VALUE");
  fprintf(out, "  %-28s %s", head, help ? help : "");
  if (choices) fprintf(out, " [%s]", choices);
  if (min <= max && isinf(max))
    fprintf(out, " (at least %g)", min);
  else if (min <= max)
    fprintf(out, " (range %g..%g)", min, max);
  if (def) fprintf(out, " (default %s)", def);
  fputc('\n', out);
}

void rla_options_help(rla_options opts, const char *program, FILE *out)
{
  fprintf(out,
          "usage: %s [options] [deck]\n"
          "A deck holds 'key = value' lines ('#' starts a comment); options override it.\n",
          program);
  for (int i = 0; i < opts->n; i++) {
    const rla_option_spec *s = &opts->specs[i];
    rla_option_help_line(out, s->name, s->alias, s->type == RLA_OPT_FLAG, s->help, s->choices,
                         s->min, s->max, s->def);
  }
  for (int i = 0; i < opts->nrec; i++) {
    const struct rla_option_record *r = &opts->rec[i];
    const rla_option_desc *d = r->desc;
    char choices[256] = "";
    for (int c = 0; d->type == RLA_OPT_STRING && c < d->nchoices; c++)
      snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
               c ? "|" : "", d->choices[c]);
    /* an object's flag takes a value on the command line too: "--name true" */
    rla_option_help_line(out, r->key, !strcmp(r->key, d->name) ? d->alias : NULL, 0, d->help,
                         *choices ? choices : NULL, d->min, d->max, r->value);
  }
}
