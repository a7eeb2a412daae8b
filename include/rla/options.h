/* SPDX-License-Identifier: BSD-3-Clause */
/* Options: "key = value" decks with '#' comments, overridden by "--key value" on the command
   line. Rank 0 parses and validates; every rank receives the same values. A table of specs
   declares a program's own options (inputs, outputs, verbosity); library objects read theirs
   from the same set with their set_from_options (PETSc's model: each option's default is the
   object's current value), described by rla_option_desc. Also: enum names. */
#ifndef RLA_OPTIONS_H
#define RLA_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "rla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { RLA_OPT_INT, RLA_OPT_REAL, RLA_OPT_STRING, RLA_OPT_FLAG } rla_opt_type;

/* One accepted option. name is the long form and the deck key ('-' and '_' are the same in
   decks and on the command line); alias is an optional one-dash form ("A" for -A). */
typedef struct {
  const char *name;
  const char *alias;
  rla_opt_type type;
  const char *def;     /* default value as text, or NULL for none */
  const char *choices; /* for RLA_OPT_STRING: "a|b|c" restricts the value, or NULL */
  double min, max;     /* inclusive bounds for RLA_OPT_INT / RLA_OPT_REAL; ignored if min > max */
  const char *help;
} rla_option_spec;

typedef struct rla_options_s *rla_options;

/* Create an option set from nspecs specs (borrowed: they must outlive the set). Collective:
   a failure on one rank (out of memory) fails on every rank. */
rla_err rla_options_create(rla_ctx ctx, const rla_option_spec *specs, int nspecs,
                           rla_options *opts);
/* Keep the keys that are not in the specs (after rla_options_parse) for library objects to read
   with their set_from_options; rla_options_check_unused then reports those that none read.
   Without this call such keys are errors of rla_options_parse. Call it before parsing, on
   every rank. Local. */
void rla_options_keep_unknown(rla_options opts);
/* Parse argv: at most one positional argument, a deck file, read first; then "--name value",
   "--name=value", "-alias value" and flags override it. Every value of a spec is validated
   (numbers, bounds, choices); duplicated keys in the deck are errors that name the key, file and
   line, and so are unknown keys unless rla_options_keep_unknown was called (then a key outside
   the specs is stored as text; on the command line it takes one value: "--key value" or
   "--key=value"). Collective: rank 0 parses, the values are broadcast, all ranks return the same
   code. */
rla_err rla_options_parse(rla_options opts, int argc, char **argv);
/* After the objects have read their options: RLA_ERR_ARG for the first key kept by
   rla_options_keep_unknown that no rla_options_read consumed ("deck.in:3: unknown key 'k'" or
   "unknown option '--k' (see --help)"). Local: every rank holds the same keys and reads. */
rla_err rla_options_check_unused(rla_options opts);
/* Set one value as if given on the command line (a spec's value is validated; another key is
   kept for the objects when rla_options_keep_unknown was called). Local: call it on every
   rank. */
rla_err rla_options_set(rla_options opts, const char *name, const char *value);
/* 1 when the option has a value (given or defaulted; for an object's option, the value it
   read). Local. */
int rla_options_has(rla_options opts, const char *name);
/* 1 when the option was given in the deck or on the command line. Local. */
int rla_options_given(rla_options opts, const char *name);
/* Typed access to a spec's value, or to the value an object read (rla_options_read; a choice is
   a string). An option without value gives RLA_ERR_ARG ("missing required option"). Local. The
   string stays owned by opts. */
rla_err rla_options_get_int(rla_options opts, const char *name, int64_t *value);
rla_err rla_options_get_real(rla_options opts, const char *name, double *value);
rla_err rla_options_get_string(rla_options opts, const char *name, const char **value);
rla_err rla_options_get_flag(rla_options opts, const char *name, int *value);
/* Print "The following parameters will be used:" and every option with a value: the specs'
   and those the objects read (with the values they used). Local. */
void rla_options_view(rla_options opts, FILE *out);
/* Print usage: every option with its alias, default, choices, bounds and help: the specs, then
   the options the objects read (their defaults are the objects' values when read). Local. */
void rla_options_help(rla_options opts, const char *program, FILE *out);
/* Accepts NULL; sets *opts = NULL. Local. */
rla_err rla_options_destroy(rla_options *opts);

/* ---- options of library objects ------------------------------------------------------------ */

/* A value of an object's option: i for RLA_OPT_INT, RLA_OPT_STRING (the index of the choice)
   and RLA_OPT_FLAG (0 or 1), r for RLA_OPT_REAL. */
typedef struct {
  int64_t i;
  double r;
} rla_option_value;

/* One option of an object: the single description from which its set_from_options reads it,
   the drivers list it (--help, the echo of the parameters) and the PETSc plugin reads it
   (-<prefix><name> with '-' as '_'). */
typedef struct {
  const char *name;  /* deck key and long option ("sketch-rows"), after the reader's prefix */
  const char *alias; /* one-dash form in the drivers ("k" for -k) when the prefix is empty, or
                        NULL */
  rla_opt_type type; /* RLA_OPT_INT, RLA_OPT_REAL, RLA_OPT_FLAG, or RLA_OPT_STRING: one of the
                        choices */
  const char *help;
  double min, max;            /* the range set accepts, for help and bounded reads (PETSc's
                                 PetscOptionsBoundedInt takes min); max may be INFINITY; ignored
                                 if min > max. set is the check: these only describe it */
  const char *const *choices; /* RLA_OPT_STRING: the names of the values 0 .. nchoices - 1 */
  int nchoices;
  /* The object's current value into *value (a sentinel such as 0 when it has none); returns 0
     when it has none (an unset rank), 1 otherwise. Local. */
  int (*get)(const void *obj, rla_option_value *value);
  /* Set the value through the object's setter: RLA_ERR_ARG with the accepted range when it is
     out of range (message recorded in the object's context). Local. */
  rla_err (*set)(void *obj, rla_option_value value);
} rla_option_desc;

/* Read the n options desc of obj from opts: each option prefix + name (prefix NULL or "" for
   the bare names; '-' and '_' alike) that was given is converted (a malformed number names the
   option and where it was given) and set through desc->set; the value then in use (given or
   the object's current one) is recorded in opts for rla_options_view and rla_options_help.
   Errors: RLA_ERR_ARG naming the option, the deck file and line (or the command line) and the
   value; for a value set rejects, "is outside the accepted range: " and set's message. Local:
   every rank holds the same values and takes the same path. */
rla_err rla_options_read(rla_options opts, const char *prefix, const rla_option_desc *desc, int n,
                         void *obj);
/* The current value of desc's option of obj as text ("" when it has none): the name of an
   enum's choice, "true"/"false", an integer, or the shortest decimal that reads back as the
   same double. Local. */
void rla_option_desc_value_text(const rla_option_desc *desc, const void *obj, char *buf,
                                size_t len);

/* ---- enum names ---------------------------------------------------------------------------- */

/* *value = the index of name among names[0 .. n); otherwise RLA_ERR_ARG with the message
   "unknown WHAT 'NAME': use a, b or c" (ctx may be NULL: no message). Local. */
rla_err rla_enum_from_name(rla_ctx ctx, const char *what, const char *const *names, int n,
                           const char *name, int *value);
/* names[value], or "unknown" when value is outside [0, n). Local. */
const char *rla_enum_name(const char *const *names, int n, int value);

#ifdef __cplusplus
}
#endif
#endif
