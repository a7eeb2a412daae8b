/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the PETSc binary readers (Vec, dense and AIJ Mat) through rla_io_read and, for
   AIJ into CSR, rla_io_read_sparse. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[512];
  rla_fuzz_write("input.petsc", data, size, path, sizeof(path));
  rla_fuzz_read_matrix(path, RLA_FORMAT_PETSC);
  rla_fuzz_read_sparse(path, RLA_FORMAT_PETSC);
  return 0;
}
