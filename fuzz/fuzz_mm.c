/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the Matrix Market reader (banner, size line, array and coordinate entries)
   through rla_io_read. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[512];
  rla_fuzz_write("input.mtx", data, size, path, sizeof(path));
  rla_fuzz_read_matrix(path, RLA_FORMAT_MM);
  return 0;
}
