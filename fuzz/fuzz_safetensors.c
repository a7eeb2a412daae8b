/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the safetensors header parser (rla_io_safetensors_header), whose tensors must lie
   within the file and hold what their shapes and dtypes need, and the same bytes as a collection
   (rla_cluster_collection_read_opts), whose blocks must be the tensors of 2 or more dimensions. */
#include <stdlib.h>

#include "fuzz.h"
#include "../src/io/io_impl.h"

/* abort unless every tensor of the n lies within the file of size bytes, its bytes those of its
   shape and dtype; the count of those of 2 or more dimensions in *blocks */
static void check_tensors(const rla_io_st_tensor *t, int64_t n, int64_t size, int64_t *blocks)
{
  *blocks = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t count = 1;
    for (int d = 0; d < t[i].ndim; d++)
      count *= t[i].shape[d];
    if (!t[i].name || t[i].offset < 8 || t[i].bytes < 0 || t[i].offset + t[i].bytes > size ||
        count != t[i].count || t[i].bytes != count * rla_io_dtype_size(t[i].dtype))
      abort();
    *blocks += t[i].ndim >= 2;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[512];
  int64_t nt = 0, nb = 0, nblocks;
  rla_io_st_tensor *t = NULL;
  rla_dmat *blocks;
  char **names;
  rla_cluster_collection_info info;
  rla_ctx ctx = rla_fuzz_ctx();
  int parsed;
  rla_fuzz_write("input.safetensors", data, size, path, sizeof(path));
  parsed = !rla_io_safetensors_header(ctx, path, &t, &nt);
  if (parsed)
    check_tensors(t, nt, (int64_t)size, &nb);
  else if (t || nt)
    abort(); /* a failed parse leaves nothing */
  rla_io_safetensors_free(nt, &t);
  if (!rla_cluster_collection_read_opts(ctx, path, NULL, &nblocks, &blocks, &names, &info)) {
    if (!parsed || nblocks != nb || info.nskipped != nt - nb) abort();
    rla_cluster_collection_info_free(&info);
    rla_cluster_collection_free(nblocks, &blocks, &names);
  }
  return 0;
}
