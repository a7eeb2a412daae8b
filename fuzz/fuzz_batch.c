/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the batch manifests of the drivers (drivers/batch.c: one entry a line, one or two
   paths relative to the manifest, '#' comments, unique output names). The parser is static in
   the driver code, which is compiled into this target; the first input byte chooses one or two
   paths a line (rla-svd and rla-cluster, or rla-lsq), the rest is the manifest's text. */
/* first: it defines the feature macros its system headers need */
#include "../drivers/batch.c"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const rla_driver_batch one = {1, {"A", NULL}, "A.npy", 1, {{"S", "S.npy"}}};
  static const rla_driver_batch two = {2, {"A", "b"}, "A.npy b.npy", 1, {{"x", "x.npy"}}};
  struct batch b;
  char *text;
  if (size < 1) return 0;
  memset(&b, 0, sizeof(b));
  b.ctx = rla_fuzz_ctx();
  b.prog = "rla-fuzz";
  b.desc = data[0] & 1 ? &two : &one;
  b.manifest = "jobs/manifest.txt";
  b.dir = "out";
  text = malloc(size);
  if (!text) abort();
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  if (!parse_manifest(&b, text)) {
    if (b.n < 1) abort(); /* a parsed manifest has entries */
    for (int64_t i = 0; i < b.n; i++)
      if (!b.e[i].stem[0] || b.e[i].stem[0] == '.' || !b.e[i].input[0]) abort();
  }
  free_batch(&b);
  free(text);
  return 0;
}
