/* SPDX-License-Identifier: BSD-3-Clause */
/* Options: "key = value" decks with '#' comments, overridden by "--key value" on the command
   line. Rank 0 parses and validates; every rank receives the same values. */
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
/* Parse argv: at most one positional argument, a deck file, read first; then "--name value",
   "--name=value", "-alias value" and flags override it. Every value is validated (numbers,
   bounds, choices); unknown or duplicated keys are errors that name the key, file and line.
   Collective: rank 0 parses, the values are broadcast, all ranks return the same code. */
rla_err rla_options_parse(rla_options opts, int argc, char **argv);
/* Set one value as if given on the command line (validated). Local: call it on every rank. */
rla_err rla_options_set(rla_options opts, const char *name, const char *value);
/* 1 when the option has a value (given or defaulted). Local. */
int rla_options_has(rla_options opts, const char *name);
/* 1 when the option was given in the deck or on the command line. Local. */
int rla_options_given(rla_options opts, const char *name);
/* Typed access. An option without value gives RLA_ERR_ARG ("missing required option").
   Local. The string stays owned by opts. */
rla_err rla_options_get_int(rla_options opts, const char *name, int64_t *value);
rla_err rla_options_get_real(rla_options opts, const char *name, double *value);
rla_err rla_options_get_string(rla_options opts, const char *name, const char **value);
rla_err rla_options_get_flag(rla_options opts, const char *name, int *value);
/* Print "The following parameters will be used:" and every option with a value. Local. */
void rla_options_view(rla_options opts, FILE *out);
/* Print usage: every option with its alias, default, choices, bounds and help. Local. */
void rla_options_help(rla_options opts, const char *program, FILE *out);
/* Accepts NULL; sets *opts = NULL. Local. */
rla_err rla_options_destroy(rla_options *opts);

#ifdef __cplusplus
}
#endif
#endif
