/* SPDX-License-Identifier: BSD-3-Clause */
/* Matrix files: NumPy .npy (float64, C or Fortran order), Matrix Market (array and
   coordinate, read into dense) and PETSc binary (Mat and Vec). Readers produce the row-block
   layout, each rank reading its own rows where the format allows (MPI-IO for .npy and PETSc
   binary); writers are collective and atomic (temporary file, then rename). Every malformed
   file gives an error whose message names the file and the problem. */
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
  RLA_IO_VECTOR = 1 /* write an m x 1 matrix as a vector: 1-D .npy, PETSc Vec, MM array */
};

/* Format of path: from its extension when fmt is AUTO, else fmt. Local. */
rla_format rla_io_format_of(const char *path, rla_format fmt);
/* Name of a format ("npy", "mm", "petsc"). Local. */
const char *rla_io_format_name(rla_format fmt);

/* Global sizes stored in a file, read from its header only (a vector is m x 1). Rank 0 reads,
   all ranks receive. Collective. */
rla_err rla_io_read_sizes(rla_ctx ctx, const char *path, rla_format fmt, int64_t *m, int64_t *n);

/* Read a matrix (or a vector, as m x 1) into a new row-block matrix with row block mb (0: the
   default ceil(m/P)). Checks the header, the file size against it, and that every value is
   finite. Collective. */
rla_err rla_io_read(rla_ctx ctx, const char *path, rla_format fmt, int64_t mb, rla_dmat *A);

/* Write A (any layout) to path atomically. flags: RLA_IO_VECTOR. Collective. */
rla_err rla_io_write(rla_dmat A, const char *path, rla_format fmt, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
