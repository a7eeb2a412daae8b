/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the Matrix Market readers (banner, size line, array and coordinate entries)
   through rla_io_read and, into CSR, rla_io_read_sparse. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[512];
  rla_fuzz_write("input.mtx", data, size, path, sizeof(path));
  rla_fuzz_read_matrix(path, RLA_FORMAT_MM);
  rla_fuzz_read_sparse(path, RLA_FORMAT_MM);
  return 0;
}
