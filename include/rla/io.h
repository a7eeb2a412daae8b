/* SPDX-License-Identifier: BSD-3-Clause */
/* Matrix files: NumPy .npy (float64, C or Fortran order), Matrix Market (array and
   coordinate), PETSc binary (Mat and Vec) and HDF5 datasets ("FILE.h5:/GROUP/NAME", when built
   with parallel HDF5; see rla_io_hdf5_split; integer and floating-point datasets widened to
   float64, written as float64; every rank reads and writes its own rows in collective HDF5
   transfers; a dataset written into an existing file is added to it, replacing one of the same
   name). Readers produce the row-block layout, dense
   (rla_dmat) from any file, sparse (rla_smat, CSR) from a Matrix Market coordinate file or a
   PETSc AIJ Mat without forming the dense matrix; each rank reads its own rows where the format
   allows (MPI-IO for .npy and PETSc binary); writers are collective and atomic (temporary file,
   then rename). Every malformed file gives an error whose message names the file and the
   problem.
   Binary data moves in collective MPI-IO calls of at most 64 MiB per rank; the environment
   variable RLA_IO_CHUNK_BYTES changes that size (the same value on every rank). */
#ifndef RLA_IO_H
#define RLA_IO_H

#include <stdint.h>

#include "rla/base.h"
#include "rla/dmat.h"
#include "rla/smat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  RLA_FORMAT_AUTO = 0, /* by extension: .npy, .mtx/.mm, .petsc/.bin/.dat; else by magic bytes */
  RLA_FORMAT_NPY = 1,
  RLA_FORMAT_MM = 2,
  RLA_FORMAT_PETSC = 3,
  RLA_FORMAT_HDF5 = 4 /* a dataset of an HDF5 file: "FILE.h5:/GROUP/NAME" (see rla_io_read) */
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
/* An HDF5 dataset's path "FILE:/GROUP/NAME" split: FILE into file (flen bytes) and "/GROUP/NAME"
   into dataset (dlen bytes). The split follows the first ":/" after an HDF5 extension (.h5,
   .hdf5, .he5, .hdf, any case), or else the first ":/" of a path that names no existing file.
   Without a dataset: dataset is "" when reading (the file's only dataset is meant) and "/STEM"
   when writing (STEM: FILE's name without its directory and extension). Returns -1 when a part
   does not fit, else 0. Local. */
int rla_io_hdf5_split(const char *path, int writing, char *file, size_t flen, char *dataset,
                      size_t dlen);
/* Name of a format ("npy", "mm", "petsc", "hdf5"; "auto" for AUTO). Local. */
const char *rla_io_format_name(rla_format fmt);

/* This rank's rows of the row-block A from (to) a row-major array rows (lm x n, row i at
   rows + i n: a file's row-major data, a NumPy array in C order), by a blocked transpose.
   RLA_ERR_ARG for another layout. Local. */
rla_err rla_io_rowmajor_to_local(rla_dmat A, const double *rows);
rla_err rla_io_local_to_rowmajor(rla_dmat A, double *rows);

/* Global sizes stored in a file, read from its header only (a vector is m x 1). Rank 0 reads,
   all ranks receive. Errors: RLA_ERR_FILE (cannot open), RLA_ERR_FORMAT (malformed header or a
   file size that disagrees with it). Collective. */
rla_err rla_io_read_sizes(rla_ctx ctx, const char *path, rla_format fmt, int64_t *m, int64_t *n);

/* What a matrix file's header says, from one read of it (rla_io_probe). */
typedef struct {
  rla_format format; /* the format settled (as rla_io_format_of, then the header; never AUTO) */
  int64_t m, n;      /* global sizes (a vector is m x 1) */
  int sparse;        /* 1: a Matrix Market coordinate file or a PETSc AIJ Mat (nz >= 0); 0: .npy,
                        a Matrix Market array file, a dense PETSc Mat or a Vec */
  int64_t entries;   /* the entries stored: a sparse file's count as written (the mirrored half
                        of a symmetric Matrix Market file is not counted), m n for a dense one */
  char dtype[16];    /* the stored element type, read as float64: a .npy file's "float64",
                        "float32", "float16", "int8" ... "int64", "uint8" ... "uint64" or
                        "bool"; "float64" for the other formats */
} rla_io_probe_info;

/* Everything rla_io_read_sizes, rla_io_is_sparse and rla_io_read_entries tell, from one read of
   the header: rank 0 reads it, every rank receives the same *info. With it a caller decides how
   to read a file (sparse or dense: a sparse file's density is entries / (m n)) before reading
   any value. Errors: those of rla_io_read_sizes, RLA_ERR_ARG (NULL info). Collective. */
rla_err rla_io_probe(rla_ctx ctx, const char *path, rla_format fmt, rla_io_probe_info *info);

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

/* Does path hold a sparse matrix: *sparse = 1 for a Matrix Market coordinate file or a PETSc AIJ
   Mat (nz >= 0), 0 for .npy, a Matrix Market array file and a dense PETSc Mat or Vec. Reads the
   header only (format settled as rla_io_read_sizes does; rla_io_probe tells this and the rest
   at once). Errors: those of rla_io_read_sizes, RLA_ERR_ARG (NULL sparse). Collective. */
rla_err rla_io_is_sparse(rla_ctx ctx, const char *path, rla_format fmt, int *sparse);

/* The entries path stores, from its header: the entry count of a Matrix Market coordinate file
   (as written: the mirrored half of a symmetric file is not counted) or of a PETSc AIJ Mat, m n
   for the dense files. With rla_io_read_sizes it gives a sparse file's density, for a caller
   that reads a nearly full one dense (CSR takes 12 bytes an entry against 8, and dense products
   are faster; rla_io_probe tells both at once). Errors: those of rla_io_read_sizes, RLA_ERR_ARG
   (NULL entries). Collective. */
rla_err rla_io_read_entries(rla_ctx ctx, const char *path, rla_format fmt, int64_t *entries);

/* Read a sparse matrix file into a new CSR matrix (rla/smat.h) with ceil(m/P) rows per rank
   (the split of rla_io_read's default; the last ranks may hold fewer or none); the caller
   destroys *A. Nothing dense is ever formed: memory per rank is its own nonzeros and, while
   reading, one round or chunk.
   - Matrix Market coordinate (real, integer or pattern; general, symmetric or skew-symmetric):
     rank 0 parses the text and sends the entries to the owners of their rows in rounds of
     RLA_IO_CHUNK_BYTES / 32 entries as rla_io_read does; each owner keeps its entries (16 bytes
     each), then sorts them into CSR (28 bytes per entry at the peak). A symmetric file gives
     both (i, j) and (j, i) for i != j, a skew-symmetric one (j, i) with the opposite sign; such a
     file holds the lower triangle only (an entry above the diagonal is an error) and a
     skew-symmetric one no nonzero diagonal entry. Duplicate entries (the same (i, j) more than
     once) are summed in file order, as scipy.io.mmread and PETSc do and as rla_io_read does (the
     two readers give the same values bit for bit); explicit zeros are kept.
   - PETSc binary AIJ (header, row lengths, column indices, values; big-endian 32-bit integers and
     float64): every rank reads its rows' lengths, its offset into the index and value arrays
     comes from a prefix sum, and it reads its slices with collective MPI-IO in chunks. The column
     indices of a row must increase strictly (as MatView writes them).
   Errors (the same on every rank, *A = NULL; messages name the file, and the line for Matrix
   Market): RLA_ERR_FILE (cannot open or read), RLA_ERR_FORMAT (bad banner or header; complex or
   hermitian fields; a size line whose entry count overflows or exceeds m n; indices out of
   range; an entry above the diagonal of a symmetric file or a nonzero one on the diagonal of a
   skew-symmetric file; more or fewer entries than announced; a value that is not a number; row
   lengths that are negative or do not sum to nz; column indices not increasing within a row; a
   file size that disagrees with the header), RLA_ERR_VALUE (NaN or Inf), RLA_ERR_UNSUPPORTED (a
   dense file: read it with rla_io_read; no columns; dimensions over 2^31-1), RLA_ERR_MEM,
   RLA_ERR_ARG (NULL A). Collective. */
rla_err rla_io_read_sparse(rla_ctx ctx, const char *path, rla_format fmt, rla_smat *A);

/* Write the sparse A to path atomically (as rla_io_write: path holds the old file or the new
   one), fmt AUTO taking the format from the extension: Matrix Market "coordinate real general"
   (1-based entries row by row, each value the shortest decimal of at most 17 significant digits
   that reads back exactly; rank 0 writes, receiving the other ranks' entries in pieces of
   RLA_IO_CHUNK_BYTES / 16, so it never holds more than its rows and one piece) or PETSc binary
   AIJ (MatLoad reads it into MATAIJ; every rank writes its row lengths, column indices and
   values with MPI-IO at offsets from a prefix sum). Errors (agreed): RLA_ERR_ARG (NULL A, empty
   path, no format), RLA_ERR_UNSUPPORTED (.npy; PETSc: over 2^31-1 rows or entries; Matrix Market:
   over 2^31-1 rows), RLA_ERR_FILE, RLA_ERR_MEM. Collective. */
rla_err rla_io_write_sparse(rla_smat A, const char *path, rla_format fmt);

#ifdef __cplusplus
}
#endif
#endif
