/* SPDX-License-Identifier: BSD-3-Clause */
/* Private interface of src/io: the per-format header parsers, readers and writers, and the
   MPI-IO helpers they share (chunked collective transfers, byte order, row-major layout). */
#ifndef RLA_IO_IMPL_H
#define RLA_IO_IMPL_H

#include <stdio.h>

#include "rla/file.h"
#include "rla/io.h"
#include "rla/smat.h"

/* The element types of the files, all read as float64: a .npy file's dtype or a safetensors
   tensor's (the others are float64). bfloat16 is safetensors' alone (numpy has no code for it). */
typedef enum {
  RLA_IO_F8 = 0,
  RLA_IO_F4,
  RLA_IO_F2,
  RLA_IO_I1,
  RLA_IO_I2,
  RLA_IO_I4,
  RLA_IO_I8,
  RLA_IO_U1,
  RLA_IO_U2,
  RLA_IO_U4,
  RLA_IO_U8,
  RLA_IO_B1,
  RLA_IO_BF16,
  RLA_IO_NTYPES
} rla_io_dtype;
/* "float64", "float32", "float16", "int8", ..., "uint64", "bool", "bfloat16". Local. */
const char *rla_io_dtype_name(int dtype);
/* The bytes of one element of dtype. Local. */
int rla_io_dtype_size(int dtype);
/* dst[t] = element t of src (count elements of dtype, byte-swapped first when swap) as a double:
   exact for every type but the 64-bit integers beyond 2^53, which round. Local. */
void rla_io_widen(const void *src, int dtype, int swap, int64_t count, double *dst);

/* What a file's header says: found on rank 0, then broadcast as bytes. */
typedef struct {
  int64_t m, n;   /* global sizes; a vector is m x 1 */
  int64_t nz;     /* PETSc Mat: stored entries, -1 for the dense variant */
  int64_t offset; /* byte offset of the data (npy, PETSc) */
  int dtype;      /* npy: the element type (rla_io_dtype; RLA_IO_F8 for every other format) */
  int big;        /* npy: the data are big-endian */
  int fortran;    /* npy: column-major data */
  int vector;     /* a 1-D array or a PETSc Vec */
  int sparse;     /* a Matrix Market coordinate file or a PETSc AIJ Mat (nz >= 0) */
  int64_t bytes;  /* Matrix Market: the file size */
} rla_io_info;

/* Per format: the header parser runs on one rank (Local), the reader on all ranks after the
   header was broadcast and A (row-block, info->m x info->n, zeroed) created (Collective, agreed
   errors), the writer on all ranks with a row-block A (Collective, atomic, agreed errors). */
/* The .npy header parser takes keep: when not NULL, a parse that succeeds leaves the file open
   and gives its descriptor in *keep (the caller closes it), and *keep = -1 otherwise. */
rla_err rla_io_npy_header(rla_ctx ctx, const char *path, rla_io_info *info, int *keep);
rla_err rla_io_npy_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A);
/* The header of a .npy file holding a collection, a 3-D array of shape (K, m, n) in C order: K
   blocks of m x n, block k's elements at info->offset + k m n s (s, the element's bytes). info
   describes block 0; the file's size is checked for all K blocks. Errors as
   rla_io_npy_header's, and for an array of other than 3 dimensions, in Fortran order, or
   without blocks, rows or columns. Local. */
rla_err rla_io_npy_stack_header(rla_ctx ctx, const char *path, rla_io_info *info, int64_t *K);
rla_err rla_io_npy_write(rla_dmat A, const char *path, unsigned flags);

/* A tensor of a safetensors file (rla_io_safetensors_header). */
typedef struct {
  char *name;     /* its key in the header */
  int dtype;      /* rla_io_dtype */
  int ndim;       /* entries of shape: 0 for a scalar */
  int64_t *shape; /* the dimensions */
  int64_t count;  /* elements: the product of shape (1 for a scalar) */
  int64_t offset; /* byte offset of its data in the file: 8 + header length + begin */
  int64_t bytes;  /* end - begin = count times the element's bytes */
} rla_io_st_tensor;
/* The tensors of the safetensors file path, in the header's order, in *tensors (*count entries;
   free with rla_io_safetensors_free), the whole header checked: the file has the 8 bytes of the
   header's length; that length is over 0, at most 100 MB and within the file; the header is
   UTF-8 JSON, an object whose optional "__metadata__" is an object of strings and whose other
   entries are tensors {"dtype", "shape", "data_offsets"} (further keys ignored); dtype is one of
   F64 F32 F16 BF16 I64 I32 I16 I8 U64 U32 U16 U8 BOOL (float8 and complex types refused as
   unsupported, naming them); the shape's entries and the offsets are integers in [0, 2^53),
   the shape's product fits 64 bits, begin <= end <= the data's bytes (those after the header)
   and end - begin = product(shape) element size; no name twice and no byte in two tensors (gaps
   between tensors are allowed). Errors: RLA_ERR_FILE (cannot open), RLA_ERR_FORMAT with one
   message naming the file and the tensor when there is one, RLA_ERR_MEM; nothing allocated.
   Local. */
rla_err rla_io_safetensors_header(rla_ctx ctx, const char *path, rla_io_st_tensor **tensors,
                                  int64_t *count);
/* Free what rla_io_safetensors_header gave; accepts NULLs. Local. */
void rla_io_safetensors_free(int64_t count, rla_io_st_tensor **tensors);

rla_err rla_io_mm_header(rla_ctx ctx, const char *path, rla_io_info *info);
rla_err rla_io_mm_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A);
rla_err rla_io_mm_write(rla_dmat A, const char *path, unsigned flags);

/* A Matrix Market entry on its way to the owner of its row: its key and value. The dense reader
   keys an entry by its place in the owner's column-major rows, (i - row0) + j lm; the sparse
   reader by (i - row0) n + j, the order of the CSR arrays. */
typedef struct {
  int64_t pos;
  double v;
} rla_io_mm_entry;
/* Takes count entries of a round, in file order (mirrored entries right after their own). */
typedef rla_err (*rla_io_mm_take_fn)(rla_ctx ctx, const rla_io_mm_entry *e, int64_t count,
                                     void *data);
/* Rank 0 parses the Matrix Market file path (whose header rla_io_mm_header gave info) and sends
   each entry to the owner of its row (rank r: the rows [r mb, (r + 1) mb) cut at m) in rounds of
   at most RLA_IO_CHUNK_BYTES / 32 entries (also at most m n and, when sparse, twice the entries
   the file announces or could hold, 2 min(nz, bytes / 4); at least 16); every rank hands its
   entries of a round to take (a failure of take is kept and agreed at the end; later rounds are
   received and dropped). sparse: the sparse reader's keys and rules: a coordinate file must
   announce at most m n entries, a symmetric or skew-symmetric one holds no entry above the
   diagonal, and a skew-symmetric one may hold a zero diagonal entry (the dense reader refuses
   any). Errors set and agreed: those of the file (line numbers), RLA_ERR_MEM, and those of take.
   Collective. */
rla_err rla_io_mm_scatter(rla_ctx ctx, const char *path, const rla_io_info *info, int64_t mb,
                          int sparse, rla_io_mm_take_fn take, void *data);
/* *p += v, but a *p of +0.0 becomes v (keeping the sign of a single -0.0): how both readers sum
   an entry into place. Local. */
void rla_io_mm_add(double *p, double v);
/* The shortest of %.15g, %.16g, %.17g that reads back as v (17 significant digits always do),
   in buf (len >= 32). Local. */
void rla_io_format_double(char *buf, size_t len, double v);

rla_err rla_io_petsc_header(rla_ctx ctx, const char *path, rla_io_info *info);
rla_err rla_io_petsc_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A);
rla_err rla_io_petsc_write(rla_dmat A, const char *path, unsigned flags);

/* Sparse matrices: this rank's lm rows of path (a Matrix Market coordinate file or a PETSc AIJ
   Mat whose header info came from rla_io_read_header) in new CSR arrays *rowptr (lm + 1),
   *colind, *val (rla_calloc'd, for rla_smat_create_owned_from, which checks a PETSc file's
   entries: column indices in range and strictly increasing within a row, finite values; NULL on
   failure). Matrix Market entries are checked as they are parsed, sorted and their duplicates
   summed. The rows: Matrix Market, those of
   rla_io_mm_scatter with mb rows per rank; PETSc, [row0, row0 + lm). Collective, agreed
   errors. */
rla_err rla_io_mm_read_sparse(rla_ctx ctx, const char *path, const rla_io_info *info, int64_t mb,
                              int64_t lm, int64_t **rowptr, int32_t **colind, double **val);
rla_err rla_io_petsc_read_sparse(rla_ctx ctx, const char *path, const rla_io_info *info,
                                 int64_t row0, int64_t lm, int64_t **rowptr, int32_t **colind,
                                 double **val);
/* Write A to path, atomically: Matrix Market coordinate real general (rank 0 writes, receiving
   the other ranks' entries in pieces of RLA_IO_CHUNK_BYTES / 16) or PETSc binary AIJ (every rank
   its own slices, with MPI-IO). Collective, agreed errors. */
rla_err rla_io_mm_write_sparse(rla_smat A, const char *path);
rla_err rla_io_petsc_write_sparse(rla_smat A, const char *path);

/* Scratch of the local reads, kept from one file to the next (zeroed at first; freed with
   rla_io_scratch_free), so that a collection of many small files allocates it once. */
typedef struct {
  double *buf;
  int64_t len;    /* doubles */
  char *h5name;   /* the HDF5 file kept open (rla_io_h5_read_local), or NULL */
  int64_t h5file; /* its HDF5 identifier */
  char *h5path;   /* the path of the dataset kept open in it, or NULL */
  int64_t h5dset; /* its HDF5 identifier */
} rla_io_scratch;

/* HDF5 (src/io/hdf5.c; without HDF5 every function but the naming fails with
   RLA_ERR_UNSUPPORTED). A dataset is named "FILE:/PATH" (FILE alone: its only dataset when
   reading, /STEM when writing). */
/* 1 when path names an HDF5 file by its extension (.h5, .hdf5, .he5, .hdf, any case), alone or
   followed by ":/DATASET". Local. */
int rla_io_h5_named(const char *path);
/* The header of a dataset: a 2-D dataset (m x n) or a 1-D one (a vector, m x 1) when K is NULL,
   a 3-D one (K, m, n) otherwise (*K blocks, info describing one). info->dtype: the stored type;
   info->offset: -1 (rla_io_h5_read and rla_io_h5_read_local read block k of a 3-D dataset when
   it is k). Checks the file's signature, the dataset, its dimensions (none overflowing), its
   type (integers and floating-point numbers; complex ones refused) and that HDF5 can decode its
   filters. Local. */
rla_err rla_io_h5_header(rla_ctx ctx, const char *path, rla_io_info *info, int64_t *K);
/* The blocks of a collection in one HDF5 file, path naming a 3-D dataset (K, m, n): its K blocks,
   named "PATH[k]", info[k].offset = k; or a group: its datasets in the order of their names,
   each 2-D, named "FILE:/GROUP/NAME", info[k].offset = -1. A file named alone: its only dataset
   when that is 3-D, else its root group. New arrays *names (each name allocated) and *info of *n
   entries, freed by the caller (also on failure: the *n made). Errors as rla_io_h5_header's,
   and for a group without datasets, a dataset of another rank in a group, a 3-D dataset without
   blocks. Local. */
rla_err rla_io_h5_collection(rla_ctx ctx, const char *path, int64_t *n, char ***names,
                             rla_io_info **info);
/* Every rank reads its rows of the row-block A through HDF5's MPI-IO driver: one hyperslab per
   call, collective transfers of at most rla_io_chunk_bytes(). Collective, agreed. */
rla_err rla_io_h5_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A);
/* This rank's rows of A (over any context) with HDF5's default driver, the file kept open in
   scratch (when not NULL) for the next block of the same file. Local. */
rla_err rla_io_h5_read_local(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A,
                             rla_io_scratch *scratch);
/* Close the HDF5 file kept in s. Local. */
void rla_io_h5_scratch_free(rla_io_scratch *s);
/* Write the row-block A as a float64 dataset (1-D with RLA_IO_VECTOR): into FILE when it
   exists (an HDF5 file; a dataset of the same name is replaced, and a failed one removed), else
   into a new file written beside it and renamed into place. Collective, agreed. */
rla_err rla_io_h5_write(rla_dmat A, const char *path, unsigned flags);

/* PETSc class ids (petscmat.h, petscvec.h), and the entry count nz of the dense variant of a Mat
   (MATRIX_BINARY_FORMAT_DENSE) */
#define RLA_IO_PETSC_MAT   1211216
#define RLA_IO_PETSC_VEC   1211214
#define RLA_IO_PETSC_DENSE (-1)

/* rla_io_header on rank 0, its result (and errors) given to every rank: what rla_io_read_sizes
   and rla_io_read read first. Collective. */
rla_err rla_io_read_header(rla_ctx ctx, const char *path, rla_format fmt, rla_format *found,
                           rla_io_info *info);
/* The format that path's extension names, RLA_FORMAT_AUTO when none. Local. */
rla_format rla_io_format_by_extension(const char *path);

/* Settle the format of path (fmt, or from the extension or the first bytes when fmt is
   RLA_FORMAT_AUTO) into *found and parse its header into *info on this rank alone: the part of
   rla_io_read_sizes and rla_io_read that rank 0 does. Errors as theirs, not agreed. keep: NULL,
   or where a .npy file's descriptor is left open for rla_io_read_local (see rla_io_npy_header;
   -1 for the other formats and on failure). Local. */
rla_err rla_io_header(rla_ctx ctx, const char *path, rla_format fmt, rla_format *found,
                      rla_io_info *info, int *keep);

void rla_io_scratch_free(rla_io_scratch *s);
/* Room for words doubles in s->buf (kept when it has it). Local. */
rla_err rla_io_scratch_reserve(rla_ctx ctx, rla_io_scratch *s, int64_t words);

/* Fill this rank's rows of the row-block A (info->m x info->n, zeroed, over any context: a rank
   of a larger one, or MPI_COMM_SELF) from path, of format fmt and header info (rla_io_header),
   without communication over A's context: .npy and PETSc dense Mat or Vec with POSIX reads of
   the rows alone (the same bytes in the same places as rla_io_read, and the same passages
   through the read fault point as its transfers); Matrix Market and PETSc AIJ read whole over
   self (a context over MPI_COMM_SELF) with rla_io_read and the rows copied. Does not check that
   the values are finite (the whole-file path does, as rla_io_read). Errors set on ctx, not
   agreed. fd: path's descriptor left open by rla_io_header (used, not closed), or -1 to open
   it here. scratch: NULL, or the reads' scratch to reuse. Local. */
rla_err rla_io_read_local(rla_ctx ctx, rla_ctx self, const char *path, rla_format fmt,
                          const rla_io_info *info, rla_dmat A, int fd, rla_io_scratch *scratch);
/* The .npy part of rla_io_read_local on the open descriptor fd: C order through
   rla_io_read_rowmajor_local, Fortran order one read per column. Local. */
rla_err rla_io_npy_read_local(rla_ctx ctx, int fd, const char *path, const rla_io_info *info,
                              rla_dmat A, rla_io_scratch *scratch);
/* rla_io_read_rowmajor on this rank alone, with POSIX reads of fd: its rows of A from the
   row-major elements of dtype at byte offset off, in the calls of rla_io_transfer; the buffer of
   a call from scratch when it is not NULL. Local. */
rla_err rla_io_read_rowmajor_local(rla_ctx ctx, rla_dmat A, int fd, int64_t off, int swap,
                                   int dtype, const char *path, rla_io_scratch *scratch);
/* Read bytes at off of fd (all of them: a short read is an error). Local. */
rla_err rla_io_pread(rla_ctx ctx, int fd, int64_t off, void *buf, int64_t bytes, const char *path);

/* Open path for reading with stdio and give its size; a missing file, a directory or an
   unreadable file fails with "PATH: cannot open: REASON". Local. */
rla_err rla_io_open_local(rla_ctx ctx, const char *path, FILE **f, int64_t *size);
/* rla_io_open_local with a POSIX descriptor (the caller closes *fd; -1 on failure). Local. */
rla_err rla_io_open_fd(rla_ctx ctx, const char *path, int *fd, int64_t *size);
/* Fail with RLA_ERR_FORMAT unless the file size equals want: "truncated" or "over-long", with
   the byte counts; what describes the content the header announces; note (may be "") is added
   to the over-long message. Local. */
rla_err rla_io_check_size(rla_ctx ctx, const char *path, int64_t have, int64_t want,
                          const char *what, const char *note);

/* Open path on every rank with MPI-IO (amode as MPI_File_open). Collective, agreed. */
rla_err rla_io_mpi_open(rla_ctx ctx, const char *path, int amode, MPI_File *fh);
/* Create the temporary file beside path and open it for writing on every rank. Collective. */
rla_err rla_io_mpi_create(rla_ctx ctx, const char *path, char *tmp, size_t len, MPI_File *fh);
/* Sync fh, check that the file has want bytes (collective writes may not report a short write),
   close it, then rename tmp over path, or remove tmp when err is set on any rank. Returns the
   agreed error. Collective. */
rla_err rla_io_mpi_finish(rla_ctx ctx, MPI_File *fh, const char *tmp, const char *path,
                          int64_t want, rla_err err);
/* Rank 0 writes len bytes at offset 0 (a header); agreed. Collective. */
rla_err rla_io_write_header(rla_ctx ctx, MPI_File fh, const void *buf, int len, const char *path);

/* Bytes moved per MPI-IO call: 64 MiB, or the environment variable RLA_IO_CHUNK_BYTES
   (clamped to [64, 2^30]; give every rank the same). Local. */
int64_t rla_io_chunk_bytes(void);

/* Read (write 0) or write bytes at off: reads with the collective MPI_File_read_at_all, writes
   with the independent MPI_File_write_at (a failed collective write can hang the other ranks).
   A failure or a short count is returned, not agreed (the caller agrees after its loop).
   Collective for reads, every rank calling equally often. */
rla_err rla_io_at_all(rla_ctx ctx, MPI_File fh, int write, MPI_Offset off, void *buf, int bytes,
                      const char *path);

/* Convert count elements between memory and the file buffer: for a read, buf holds elements
   [first, first+count) as read; for a write, fill them. */
typedef void (*rla_io_convert_fn)(void *buf, int64_t first, int64_t count, void *data);
/* Every rank moves its own count elements of esize bytes starting at byte offset off, in calls
   of at most rla_io_chunk_bytes(), and at most an eighth of its data when that is over 1 MiB
   (the buffer is the only copy of the data the transfer makes), through rla_io_at_all (ranks with
   fewer take part with empty calls). write: 1 writes, 0 reads. Collective, agreed. */
rla_err rla_io_transfer(rla_ctx ctx, MPI_File fh, int write, MPI_Offset off, int64_t count,
                        size_t esize, rla_io_convert_fn convert, void *data, const char *path);

/* The rows of a row-block A as a row-major array in the file at byte offset off (row i starts
   at off + s i n): read from elements of dtype (s bytes each, widened to double), written as
   doubles; swap: the file's byte order differs from the host's. Each rank reads or writes its
   own rows in large collective calls. Collective, agreed. */
rla_err rla_io_read_rowmajor(rla_dmat A, MPI_File fh, MPI_Offset off, int swap, int dtype,
                             const char *path);
rla_err rla_io_write_rowmajor(rla_dmat A, MPI_File fh, MPI_Offset off, int swap, const char *path);

/* Elements [first, first+count) of the row-major lm x n local rows, in rows[0..count), to the
   column-major local array a (leading dimension lld) when to_local is 1, or back when 0; rows
   may begin and end anywhere. Blocked so that both sides stay in cache. Local. */
void rla_io_move_rows(double *rows, int64_t first, int64_t count, double *a, int64_t n, int64_t lld,
                      int to_local);

/* Rank 0 holds the whole matrix column-major in full (leading dimension m); every rank receives
   its rows of the row-block A. full is read on rank 0 only. Collective. */
rla_err rla_io_scatter_rows(rla_dmat A, const double *full);

/* A big-endian 32-bit integer at p, and storing one. Local. */
int32_t rla_io_get_be32(const unsigned char *p);
void rla_io_put_be32(unsigned char *p, int32_t v);
/* 1 when the host stores numbers little-endian. Local. */
int rla_io_host_little(void);
/* Reverse the bytes of each of count elements of esize bytes. Local. */
void rla_io_swap(void *buf, int64_t count, size_t esize);

#endif
