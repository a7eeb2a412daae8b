/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the .npy reader (magic, version, header dict, sizes, data) through rla_io_read. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[512];
  rla_fuzz_write("input.npy", data, size, path, sizeof(path));
  rla_fuzz_read_matrix(path, RLA_FORMAT_NPY);
  return 0;
}
