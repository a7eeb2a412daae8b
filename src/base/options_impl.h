/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of an option set, shared by the parser (options.c) and the reading of objects'
   options, the help and the echo (option_read.c). */
#ifndef RLA_OPTIONS_IMPL_H
#define RLA_OPTIONS_IMPL_H

#include "rla/options.h"

enum { SRC_NONE = 0, SRC_DEFAULT, SRC_DECK, SRC_CMDLINE };

/* A key outside the specs, kept as text for the objects (rla_options_keep_unknown). */
struct rla_option_raw {
  char *key, *value;
  int source; /* SRC_DECK or SRC_CMDLINE */
  int dashes; /* 0 in the deck, 1 for "-alias", 2 for "--name" */
  int line;   /* deck line */
  int used;   /* read by an object */
};

/* An option an object read: its full name, description and the value it used (NULL: none). */
struct rla_option_record {
  char *key, *value;
  const rla_option_desc *desc;
  int source;
};

struct rla_options_s {
  rla_ctx ctx;
  const rla_option_spec *specs;
  int n;
  char **values; /* owned copies, NULL when unset */
  int *source;
  char *deck; /* path of the deck read, or NULL */
  int keep_unknown;
  struct rla_option_raw *raw;
  int nraw;
  int64_t capraw;
  struct rla_option_record *rec;
  int nrec;
  int64_t caprec;
};

extern const char *const rla_option_source_name[];

/* compare option names treating '-' and '_' alike: a against the first blen bytes of b */
int rla_option_same_name(const char *a, const char *b, size_t blen);
/* "true"/"1"/"yes"/"on" -> 1, "false"/"0"/"no"/"off" -> 0; returns 0 for other text */
int rla_option_parse_flag(const char *v, int *out);
/* "usage" line of one option: head, help, choices, range and default */
void rla_option_help_line(FILE *out, const char *name, const char *alias, int flag,
                          const char *help, const char *choices, double min, double max,
                          const char *def);
/* the record of key, or NULL */
struct rla_option_record *rla_option_record_find(rla_options o, const char *key);

#endif
