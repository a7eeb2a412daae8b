/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: collection manifests (one path a line, '#' comments, paths relative to the
   manifest) through rla_cluster_collection_read, beside a few small valid and invalid blocks.
   Inputs naming a path outside the scratch directory (absolute, or with "..") are skipped. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void write_blocks(void)
{
  /* 3 x 1 and 3 x 2 float64 .npy (version 1.0: magic, version, 118-byte header), a 3 x 1 Matrix
     Market array, one of 2 rows, and a text file named .npy */
  static const char mm3[] = "%%MatrixMarket matrix array real general\n3 1\n1\n2\n3\n";
  static const char mm2[] = "%%MatrixMarket matrix array real general\n2 1\n1\n2\n";
  static const uint8_t prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
  char path[512];
  for (int w = 1; w <= 2; w++) {
    uint8_t buf[128 + 48];
    double v[6] = {1, 2, 3, 4, 5, 6};
    char name[16];
    int k;
    memcpy(buf, prefix, sizeof(prefix));
    k = snprintf((char *)buf + 10, 118,
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (3, %d), }", w);
    memset(buf + 10 + k, ' ', (size_t)(117 - k));
    buf[127] = '\n';
    memcpy(buf + 128, v, sizeof(double) * 3 * (size_t)w);
    snprintf(name, sizeof(name), "b%d.npy", w);
    rla_fuzz_write(name, buf, 128 + 24 * (size_t)w, path, sizeof(path));
  }
  rla_fuzz_write("c.mtx", (const uint8_t *)mm3, strlen(mm3), path, sizeof(path));
  rla_fuzz_write("d.mtx", (const uint8_t *)mm2, strlen(mm2), path, sizeof(path));
  rla_fuzz_write("e.npy", (const uint8_t *)"not a matrix\n", 13, path, sizeof(path));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int blocks_written;
  rla_ctx ctx = rla_fuzz_ctx();
  rla_dmat *blocks = NULL;
  char path[512], **names = NULL;
  int64_t nblocks = 0;
  int start = 1;
  if (!blocks_written) { /* once, in the scratch directory made by LLVMFuzzerInitialize */
    write_blocks();
    blocks_written = 1;
  }
  for (size_t i = 0; i < size; i++) {
    if (start && data[i] == '/') return 0;
    if (i + 1 < size && data[i] == '.' && data[i + 1] == '.') return 0;
    start = data[i] == '\n' || (start && (data[i] == ' ' || data[i] == '\t'));
  }
  rla_fuzz_write("manifest.txt", data, size, path, sizeof(path));
  if (!rla_cluster_collection_read(ctx, path, &nblocks, &blocks, &names)) {
    if (nblocks < 1 || !blocks || !names) abort();
    rla_cluster_collection_free(nblocks, &blocks, &names);
  } else if (blocks || names || nblocks) {
    abort(); /* a failed read returns nothing */
  }
  return 0;
}
