/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: decks ("key = value" lines, '#' comments) through rla_options_parse, with an
   option of every type, bounds and choices, then every value read back. */
#include <stdlib.h>

#include "fuzz.h"

static const rla_option_spec specs[] = {
    {"A", "A", RLA_OPT_STRING, NULL, NULL, 1, 0, "a path"},
    {"k", "k", RLA_OPT_INT, NULL, NULL, 1, 2147483647.0, "a bounded integer"},
    {"seed", NULL, RLA_OPT_INT, "1", NULL, 0, 9e18, "a large integer"},
    {"tol", NULL, RLA_OPT_REAL, "1e-8", NULL, 1e-300, 0.999999, "a bounded real"},
    {"scale", NULL, RLA_OPT_REAL, NULL, NULL, 1, 0, "an unbounded real"},
    {"method", NULL, RLA_OPT_STRING, "accurate", "accurate|solve|direct", 1, 0, "a choice"},
    {"verify", NULL, RLA_OPT_FLAG, "true", NULL, 1, 0, "a flag"},
    {"save-factors", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0, "a dashed name"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  rla_ctx ctx = rla_fuzz_ctx();
  rla_options opts = NULL;
  char path[512], prog[] = "fuzz", *argv[3] = {prog, path, NULL};
  int nspecs = (int)(sizeof(specs) / sizeof(specs[0]));
  rla_fuzz_write("deck.in", data, size, path, sizeof(path));
  if (rla_options_create(ctx, specs, nspecs, &opts)) abort();
  if (!rla_options_parse(opts, 2, argv)) {
    for (int i = 0; i < nspecs; i++) {
      int64_t iv;
      double rv;
      const char *sv;
      int fv;
      if (!rla_options_has(opts, specs[i].name)) continue;
      switch (specs[i].type) {
      case RLA_OPT_INT:
        if (rla_options_get_int(opts, specs[i].name, &iv)) abort();
        if (iv < specs[i].min || iv > specs[i].max) abort(); /* bounds were checked */
        break;
      case RLA_OPT_REAL:
        if (rla_options_get_real(opts, specs[i].name, &rv)) abort();
        if (specs[i].min <= specs[i].max && (rv < specs[i].min || rv > specs[i].max)) abort();
        break;
      case RLA_OPT_STRING:
        if (rla_options_get_string(opts, specs[i].name, &sv) || !sv) abort();
        break;
      case RLA_OPT_FLAG:
        if (rla_options_get_flag(opts, specs[i].name, &fv) || (fv != 0 && fv != 1)) abort();
        break;
      }
    }
  }
  rla_options_destroy(&opts);
  return 0;
}
