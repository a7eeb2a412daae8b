/* SPDX-License-Identifier: BSD-3-Clause */
/* Matrix files: NumPy .npy (float64, C or Fortran order), Matrix Market (array and
   coordinate, read into dense) and PETSc binary (Mat and Vec). Readers produce the row-block
   layout, each rank reading its own rows where the format allows (MPI-IO for .npy and PETSc
   binary); writers are collective and atomic (temporary file, then rename). Every malformed
   file gives an error whose message names the file and the problem.
   Binary data moves in collective MPI-IO calls of at most 64 MiB per rank; the environment
   variable RLA_IO_CHUNK_BYTES changes that size (the same value on every rank). */
#ifndef RLA_IO_H
#define RLA_IO_H

#include <stdint.h>

#include "rla/base.h"
#include "rla/dmat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  RLA_FORMAT_AUTO = 0, /* by extension: .npy, .mtx/.mm, .petsc/.bin/.dat; else by magic bytes */
  RLA_FORMAT_NPY = 1,
  RLA_FORMAT_MM = 2,
  RLA_FORMAT_PETSC = 3
} rla_format;

/* Writer flags. */
enum {
  RLA_IO_VECTOR = 1, /* write an m x 1 matrix as a vector: 1-D .npy, PETSc Vec, MM array */
  RLA_IO_DENSE = 2   /* PETSc: the dense variant (nz = -1, values row-major), which MatLoad reads
                        into MATDENSE only; the default is AIJ storing every entry, which MatLoad
                        reads into MATAIJ and MATDENSE but which holds at most 2^31-1 entries */
};

/* Format of path: fmt unless it is AUTO; else from the extension (.npy; .mtx, .mm; .petsc, .bin,
   .dat; any case); else from the first bytes of the file (\x93NUMPY, %%MatrixMarket, a
   big-endian PETSc Mat or Vec class id); RLA_FORMAT_AUTO when none tells. Local. */
rla_format rla_io_format_of(const char *path, rla_format fmt);
/* Name of a format ("npy", "mm", "petsc"; "auto" for AUTO). Local. */
const char *rla_io_format_name(rla_format fmt);

/* Global sizes stored in a file, read from its header only (a vector is m x 1). Rank 0 reads,
   all ranks receive. Errors: RLA_ERR_FILE (cannot open), RLA_ERR_FORMAT (malformed header or a
   file size that disagrees with it). Collective. */
rla_err rla_io_read_sizes(rla_ctx ctx, const char *path, rla_format fmt, int64_t *m, int64_t *n);

/* Read a matrix (or a vector, as m x 1) into a new row-block matrix with row block mb (0: the
   default ceil(m/P)); the caller destroys *A. Checks the header, the file size against it, and
   that every value is finite. .npy and PETSc binary: every rank reads its own rows with MPI-IO;
   Matrix Market: rank 0 parses the text and sends the entries to the owners of their rows in
   rounds of RLA_IO_CHUNK_BYTES / 32 entries (2 Mi by default; rank 0 holds 40 bytes per entry of
   a round, the others 16), so memory stays the local rows plus one round. Errors (the same on every
   rank, *A = NULL): RLA_ERR_FILE (cannot open or read), RLA_ERR_FORMAT (bad header, dtype,
   entry, truncated or over-long file), RLA_ERR_VALUE (NaN or Inf), RLA_ERR_UNSUPPORTED
   (dimensions over 2^31-1). Collective. */
rla_err rla_io_read(rla_ctx ctx, const char *path, rla_format fmt, int64_t mb, rla_dmat *A);

/* Write A (any layout; a cyclic one is first redistributed to row-block) to path atomically:
   a temporary file beside path, renamed over it when complete, removed on failure, so path
   holds the old file or the new one. fmt AUTO takes the format from the extension. .npy (C
   order, version 1.0, the header numpy writes) and PETSc binary (big-endian) are written by
   every rank with MPI-IO; Matrix Market (array real general) is gathered to rank 0 and limited
   to 2^27 entries. flags: RLA_IO_VECTOR, RLA_IO_DENSE. Collective. */
rla_err rla_io_write(rla_dmat A, const char *path, rla_format fmt, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
