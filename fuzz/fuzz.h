/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared parts of the fuzz targets: MPI and a context on MPI_COMM_SELF set up once, a private
   scratch directory, and writing the input to a file the readers then open. */
#ifndef RLA_FUZZ_H
#define RLA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "rla/rla.h"

/* Matrices whose header announces more entries than this (max(m, 1) x max(n, 1)) are checked up
   to their sizes only: the full read allocates that many doubles, which a few bytes of header
   can make arbitrarily large (a 16-byte PETSc header of a 0 x 1761607680 Mat asks for 14 GB). */
#define RLA_FUZZ_MAX_ENTRIES ((int64_t)1 << 20)

/* The context (MPI_COMM_SELF) and the scratch directory, made by rla_fuzz_setup. */
rla_ctx rla_fuzz_ctx(void);
const char *rla_fuzz_dir(void);
/* Set up MPI, the context and the scratch directory (removed at exit); idempotent. */
void rla_fuzz_setup(void);
/* Write n bytes to the file name in the scratch directory; its full path goes to path. Aborts
   on failure (a broken harness, not a finding). */
void rla_fuzz_write(const char *name, const uint8_t *data, size_t n, char *path, size_t len);
/* Read a matrix file with rla_io_read in format fmt, checking the sizes first (the full read
   only for at most RLA_FUZZ_MAX_ENTRIES entries), and sanity-check what comes back. */
void rla_fuzz_read_matrix(const char *path, rla_format fmt);
/* Read a matrix file with rla_io_read_sparse in format fmt, for at most RLA_FUZZ_MAX_ENTRIES rows
   (the row offsets alone take 8 (m + 1) bytes), and check the CSR that comes back: sizes as the
   header says, offsets from 0 to nnz, columns in range and increasing, finite values. */
void rla_fuzz_read_sparse(const char *path, rla_format fmt);

/* rla_fuzz_setup, for every target (fuzz/common.c); each target defines TestOneInput */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
