/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the .npy reader (magic, version, header dict, sizes, data) through rla_io_read,
   and the same bytes as a collection in one file (a 3-D array, rla_cluster_collection_read). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[512];
  int64_t nblocks;
  rla_dmat *blocks;
  char **names;
  rla_fuzz_write("input.npy", data, size, path, sizeof(path));
  rla_fuzz_read_matrix(path, RLA_FORMAT_NPY);
  if (!rla_cluster_collection_read(rla_fuzz_ctx(), path, &nblocks, &blocks, &names))
    rla_cluster_collection_free(nblocks, &blocks, &names);
  return 0;
}
