/* SPDX-License-Identifier: BSD-3-Clause */
/* PETSc binary files (MatView/VecView with PETSCVIEWERBINARY, 32-bit indices, real double,
   big-endian): Mat = class id 1211216, M, N, nz, then M row lengths, nz column indices and nz
   values (AIJ), or with nz = -1 the M*N values row-major (dense variant); Vec = class id
   1211214, n, then n values. Every rank reads and writes its own rows with MPI-IO; the AIJ
   offsets of a rank's entries come from a prefix sum of its row lengths. A sparse matrix
   (rla_smat) is read into and written from CSR directly, its column indices and values moved
   in the same chunked transfers. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io_impl.h"

#define DENSE_NZ RLA_IO_PETSC_DENSE

static rla_err unknown_class(rla_ctx ctx, const char *path, const unsigned char *b, size_t got)
{
  int32_t id = rla_io_get_be32(b), swapped = (int32_t)((uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
                                                       (uint32_t)b[1] << 8 | b[0]);
  RLA_CHECK(ctx, swapped != RLA_IO_PETSC_MAT && swapped != RLA_IO_PETSC_VEC, RLA_ERR_FORMAT,
            "%s: the PETSc class id %d is stored little-endian: PETSc binary files are big-endian",
            path, (int)swapped);
  RLA_CHECK(
      ctx,
      !(id == 0 && got >= 8 &&
        (rla_io_get_be32(b + 4) == RLA_IO_PETSC_MAT || rla_io_get_be32(b + 4) == RLA_IO_PETSC_VEC)),
      RLA_ERR_FORMAT,
      "%s: the file uses 64-bit integers (PETSc configured --with-64-bit-indices), which rla "
      "does not read: expected 32-bit class id 1211216 (Mat) or 1211214 (Vec)",
      path);
  RLA_CHECK(ctx, 0, RLA_ERR_FORMAT,
            "%s: not a PETSc Mat or Vec: class id %d (0x%08x) found, expected 1211216 (Mat) or "
            "1211214 (Vec)",
            path, (int)id, (unsigned)id);
  return RLA_ERR_FORMAT;
}

rla_err rla_io_petsc_header(rla_ctx ctx, const char *path, rla_io_info *info)
{
  unsigned char b[16];
  char what[256];
  FILE *f;
  int64_t size, want, M, N, nz;
  size_t got;
  int32_t id;

  memset(info, 0, sizeof(*info));
  RLA_CALL(ctx, rla_io_open_local(ctx, path, &f, &size));
  got = fread(b, 1, sizeof(b), f);
  fclose(f);
  RLA_CHECK(ctx, got >= 4, RLA_ERR_FORMAT,
            "%s: truncated: %lld bytes, too short for a PETSc binary header", path,
            (long long)size);
  id = rla_io_get_be32(b);
  if (id == RLA_IO_PETSC_VEC) {
    RLA_CHECK(ctx, got >= 8, RLA_ERR_FORMAT,
              "%s: truncated: %lld bytes, too short for a PETSc Vec header (8 bytes)", path,
              (long long)size);
    M = rla_io_get_be32(b + 4);
    RLA_CHECK(ctx, M >= 0, RLA_ERR_FORMAT, "%s: negative size %lld in the PETSc Vec header", path,
              (long long)M);
    info->m = M;
    info->n = 1;
    info->vector = 1;
    info->offset = 8;
    snprintf(what, sizeof(what), "a Vec of %lld float64 values", (long long)M);
    want = 8 + 8 * M;
  } else if (id == RLA_IO_PETSC_MAT) {
    RLA_CHECK(ctx, got >= 16, RLA_ERR_FORMAT,
              "%s: truncated: %lld bytes, too short for a PETSc Mat header (16 bytes)", path,
              (long long)size);
    M = rla_io_get_be32(b + 4);
    N = rla_io_get_be32(b + 8);
    nz = rla_io_get_be32(b + 12);
    RLA_CHECK(ctx, M >= 0 && N >= 0, RLA_ERR_FORMAT,
              "%s: negative size %lld x %lld in the PETSc Mat header", path, (long long)M,
              (long long)N);
    RLA_CHECK(ctx, nz >= 0 || nz == DENSE_NZ, RLA_ERR_FORMAT,
              "%s: negative entry count nz = %lld in the PETSc Mat header", path, (long long)nz);
    RLA_CHECK(ctx, nz <= M * N, RLA_ERR_FORMAT,
              "%s: the PETSc Mat header announces nz = %lld entries, more than %lld x %lld", path,
              (long long)nz, (long long)M, (long long)N);
    info->m = M;
    info->n = N;
    info->nz = nz;
    info->offset = 16;
    info->sparse = nz != DENSE_NZ;
    if (nz == DENSE_NZ) {
      snprintf(what, sizeof(what), "a dense %lld x %lld Mat", (long long)M, (long long)N);
      /* M, N < 2^31, so M N fits; 8 M N may not: no file is that long anyway */
      want = M * N <= (INT64_MAX - 16) / 8 ? 16 + 8 * M * N : INT64_MAX;
    } else {
      snprintf(what, sizeof(what), "a %lld x %lld AIJ Mat with %lld entries", (long long)M,
               (long long)N, (long long)nz);
      want = 16 + 4 * M + 12 * nz;
    }
  } else {
    return unknown_class(ctx, path, b, got);
  }
  RLA_CALL(ctx, rla_io_check_size(ctx, path, size, want, what,
                                  "; a file holding several PETSc objects is not read"));
  return RLA_SUCCESS;
}

static void read_lengths(void *buf, int64_t first, int64_t count, void *data)
{
  int32_t *len = (int32_t *)data + first;
  for (int64_t k = 0; k < count; k++)
    len[k] = rla_io_get_be32((unsigned char *)buf + 4 * k);
}

/* AIJ: this rank's row lengths (rows [row0, row0 + lm)) in *len, each checked to lie in
   [0, n]; their sum *lnnz; the entries of the ranks before it *nz0 (an exclusive prefix sum);
   the sum over all ranks checked against the header's nz. *len is freed on failure.
   Collective, agreed. */
static rla_err read_row_lengths(rla_ctx ctx, const char *path, const rla_io_info *info, MPI_File fh,
                                int64_t row0, int64_t lm, int32_t **len, int64_t *lnnz,
                                int64_t *nz0)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  int64_t total = 0;
  rla_err err;
  *lnnz = 0;
  *nz0 = 0;
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)lm, sizeof(int32_t), len)));
  err = rla_io_transfer(ctx, fh, 0, 16 + 4 * (MPI_Offset)row0, lm, 4, read_lengths, *len, path);
  for (int64_t i = 0; i < lm && !err; i++) {
    if ((*len)[i] < 0 || (*len)[i] > info->n)
      err = rla_error_set(ctx, RLA_ERR_FORMAT, __func__, __FILE__, __LINE__,
                          "%s: bad row length: row %lld has %d entries, outside [0, %lld]", path,
                          (long long)(row0 + i), (int)(*len)[i], (long long)info->n);
    *lnnz += (*len)[i];
  }
  err = rla_ctx_agree(ctx, err);
  if (!err && (MPI_Exscan(lnnz, nz0, 1, MPI_INT64_T, MPI_SUM, comm) != MPI_SUCCESS ||
               MPI_Allreduce(lnnz, &total, 1, MPI_INT64_T, MPI_SUM, comm) != MPI_SUCCESS))
    err = rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                        "%s: summing the row lengths failed", path);
  if (rla_ctx_rank(ctx) == 0) *nz0 = 0; /* MPI_Exscan leaves rank 0's undefined */
  if (!err && total != info->nz)
    err = rla_error_set(ctx, RLA_ERR_FORMAT, __func__, __FILE__, __LINE__,
                        "%s: bad row lengths: they sum to %lld but the header says nz = %lld", path,
                        (long long)total, (long long)info->nz);
  if (err) rla_free(len);
  return err;
}

/* AIJ: the rank's row lengths, then its column indices and values in chunks, placed into the
   zeroed local dense array */
static rla_err read_aij(rla_ctx ctx, const char *path, const rla_io_info *info, MPI_File fh,
                        rla_dmat A)
{
  int64_t m = info->m, n = info->n, lm, lld, row0 = rla_dmat_row_offset(A), lnnz = 0, nz0 = 0,
          total = info->nz, chunk, mine, nchunks = 0, done = 0, r = 0, left = 0;
  int32_t *len = NULL, *idx = NULL;
  double *a, *val = NULL;
  MPI_Offset off_idx, off_val;
  rla_err err;

  rla_dmat_local(A, &a, &lm, NULL, &lld);
  RLA_CALL(ctx, read_row_lengths(ctx, path, info, fh, row0, lm, &len, &lnnz, &nz0));
  chunk = rla_io_chunk_bytes() / 12;
  if (chunk < 1) chunk = 1;
  mine = (lnnz + chunk - 1) / chunk;
  MPI_Allreduce(&mine, &nchunks, 1, MPI_INT64_T, MPI_MAX, rla_ctx_comm(ctx));
  err = rla_calloc(ctx, (size_t)(lnnz < chunk ? lnnz : chunk), sizeof(int32_t), &idx);
  if (!err) err = rla_calloc(ctx, (size_t)(lnnz < chunk ? lnnz : chunk), sizeof(double), &val);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  off_idx = 16 + 4 * (MPI_Offset)m + 4 * (MPI_Offset)nz0;
  off_val = 16 + 4 * (MPI_Offset)m + 4 * (MPI_Offset)total + 8 * (MPI_Offset)nz0;
  left = lm ? len[0] : 0;
  for (int64_t c = 0; c < nchunks; c++) {
    int64_t k = err ? 0 : lnnz - done < chunk ? lnnz - done : chunk;
    rla_err e = rla_io_at_all(ctx, fh, 0, off_idx + 4 * (MPI_Offset)done, idx, (int)(4 * k), path);
    rla_err e2 = rla_io_at_all(ctx, fh, 0, off_val + 8 * (MPI_Offset)done, val, (int)(8 * k), path);
    if (!err) err = e ? e : e2;
    if (err) continue;
    if (rla_io_host_little()) rla_io_swap(val, k, sizeof(double));
    for (int64_t q = 0; q < k;) {
      int64_t q0 = q, first;
      int32_t col;
      while (left == 0)
        left = len[++r];
      /* a run of entries in row-major order (full rows, columns 0..n-1, as rla and MatView
         of a dense matrix write them) moves in cache-friendly blocks */
      first = r * n + (len[r] - left);
      while (q < k && left > 0 && len[r] == n &&
             rla_io_get_be32((unsigned char *)(idx + q)) == n - left) {
        q++;
        if (--left == 0 && r + 1 < lm && len[r + 1] == n) left = len[++r];
      }
      if (q > q0) {
        rla_io_move_rows(val + q0, first, q - q0, a, n, lld, 1);
        continue;
      }
      col = rla_io_get_be32((unsigned char *)(idx + q));
      if (col < 0 || col >= n) {
        err = rla_error_set(ctx, RLA_ERR_FORMAT, __func__, __FILE__, __LINE__,
                            "%s: column index %d out of range [0, %lld) in row %lld", path,
                            (int)col, (long long)n, (long long)(row0 + r));
        break;
      }
      a[r + col * lld] = val[q++];
      left--;
    }
    done += k;
  }
  err = rla_ctx_agree(ctx, err);
done:
  rla_free(&len);
  rla_free(&idx);
  rla_free(&val);
  return err;
}

rla_err rla_io_petsc_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A)
{
  MPI_File fh;
  rla_err err;
  RLA_CALL(ctx, rla_io_mpi_open(ctx, path, MPI_MODE_RDONLY, &fh));
  if (info->vector || info->nz == DENSE_NZ)
    err = rla_io_read_rowmajor(A, fh, info->offset, rla_io_host_little(), RLA_IO_F8, path);
  else
    err = read_aij(ctx, path, info, fh, A);
  MPI_File_close(&fh);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

/* big-endian float64 values to the host's doubles data[first, first + count) */
static void read_values(void *buf, int64_t first, int64_t count, void *data)
{
  if (rla_io_host_little()) rla_io_swap(buf, count, sizeof(double));
  memcpy((double *)data + first, buf, sizeof(double) * (size_t)count);
}

rla_err rla_io_petsc_read_sparse(rla_ctx ctx, const char *path, const rla_io_info *info,
                                 int64_t row0, int64_t lm, int64_t **rowptr, int32_t **colind,
                                 double **val)
{
  MPI_File fh;
  MPI_Offset idx = 16 + 4 * (MPI_Offset)info->m;
  int32_t *len = NULL;
  int64_t lnnz = 0, nz0 = 0;
  rla_err err;
  *rowptr = NULL;
  *colind = NULL;
  *val = NULL;
  RLA_CALL(ctx, rla_io_mpi_open(ctx, path, MPI_MODE_RDONLY, &fh));
  err = read_row_lengths(ctx, path, info, fh, row0, lm, &len, &lnnz, &nz0);
  if (!err) {
    err = rla_calloc(ctx, (size_t)lm + 1, sizeof(int64_t), rowptr);
    if (!err && lnnz) err = rla_calloc(ctx, (size_t)lnnz, sizeof(int32_t), colind);
    if (!err && lnnz) err = rla_calloc(ctx, (size_t)lnnz, sizeof(double), val);
    err = rla_ctx_agree(ctx, err);
  }
  /* the slices of the index and value arrays at this rank's offset nz0 */
  if (!err)
    err = rla_io_transfer(ctx, fh, 0, idx + 4 * (MPI_Offset)nz0, lnnz, 4, read_lengths, *colind,
                          path);
  if (!err)
    err = rla_io_transfer(ctx, fh, 0, idx + 4 * (MPI_Offset)info->nz + 8 * (MPI_Offset)nz0, lnnz, 8,
                          read_values, *val, path);
  MPI_File_close(&fh);
  if (!err)
    for (int64_t i = 0; i < lm; i++)
      (*rowptr)[i + 1] = (*rowptr)[i] + len[i];
  rla_free(&len);
  if (err) {
    rla_free(rowptr);
    rla_free(colind);
    rla_free(val);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

static void fill_lengths(void *buf, int64_t first, int64_t count, void *data)
{
  int32_t n = *(const int32_t *)data;
  (void)first;
  for (int64_t k = 0; k < count; k++)
    rla_io_put_be32((unsigned char *)buf + 4 * k, n);
}

/* entry e of the rank's rows sits in column e mod n */
static void fill_columns(void *buf, int64_t first, int64_t count, void *data)
{
  int32_t n = *(const int32_t *)data, j = (int32_t)(first % n);
  for (int64_t k = 0; k < count; k++) {
    rla_io_put_be32((unsigned char *)buf + 4 * k, j);
    if (++j == n) j = 0;
  }
}

rla_err rla_io_petsc_write(rla_dmat A, const char *path, unsigned flags)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  unsigned char header[16];
  char tmp[RLA_PATH_MAX];
  int64_t m, n, lm, row0 = rla_dmat_row_offset(A);
  int32_t n32;
  int hlen;
  int swap = rla_io_host_little();
  MPI_File fh;
  rla_err err;

  rla_dmat_sizes(A, &m, &n);
  rla_dmat_local(A, NULL, &lm, NULL, NULL);
  n32 = (int32_t)n;
  if (flags & RLA_IO_VECTOR) {
    rla_io_put_be32(header, RLA_IO_PETSC_VEC);
    rla_io_put_be32(header + 4, (int32_t)m);
    hlen = 8;
  } else {
    RLA_CHECK(ctx, (flags & RLA_IO_DENSE) || m * n <= INT_MAX, RLA_ERR_UNSUPPORTED,
              "%s: a %lld x %lld matrix has more than 2^31-1 entries, too many for PETSc's 32-bit "
              "AIJ format: write the dense variant (RLA_IO_DENSE) or .npy",
              path, (long long)m, (long long)n);
    rla_io_put_be32(header, RLA_IO_PETSC_MAT);
    rla_io_put_be32(header + 4, (int32_t)m);
    rla_io_put_be32(header + 8, n32);
    rla_io_put_be32(header + 12, (flags & RLA_IO_DENSE) ? DENSE_NZ : (int32_t)(m * n));
    hlen = 16;
  }
  RLA_CALL(ctx, rla_io_mpi_create(ctx, path, tmp, sizeof(tmp), &fh));
  err = rla_io_write_header(ctx, fh, header, hlen, path);
  if (!err && (flags & (RLA_IO_VECTOR | RLA_IO_DENSE)))
    err = rla_io_write_rowmajor(A, fh, hlen, swap, path);
  else if (!err) {
    MPI_Offset cols = 16 + 4 * (MPI_Offset)m;
    err = rla_io_transfer(ctx, fh, 1, 16 + 4 * (MPI_Offset)row0, lm, 4, fill_lengths, &n32, path);
    if (!err && n)
      err = rla_io_transfer(ctx, fh, 1, cols + 4 * (MPI_Offset)row0 * n, lm * n, 4, fill_columns,
                            &n32, path);
    if (!err) err = rla_io_write_rowmajor(A, fh, cols + 4 * (MPI_Offset)m * n, swap, path);
  }
  RLA_CALL(ctx,
           rla_io_mpi_finish(
               ctx, &fh, tmp, path,
               hlen + ((flags & (RLA_IO_VECTOR | RLA_IO_DENSE)) ? 8 * m * n : 4 * m + 12 * m * n),
               err));
  return RLA_SUCCESS;
}

/* this rank's CSR arrays, for the sparse writer's transfers */
struct csr_out {
  const int64_t *rowptr;
  const int32_t *colind;
  const double *val;
};

static void put_row_lengths(void *buf, int64_t first, int64_t count, void *data)
{
  const int64_t *rp = ((const struct csr_out *)data)->rowptr + first;
  for (int64_t k = 0; k < count; k++)
    rla_io_put_be32((unsigned char *)buf + 4 * k, (int32_t)(rp[k + 1] - rp[k]));
}

static void put_columns(void *buf, int64_t first, int64_t count, void *data)
{
  const int32_t *c = ((const struct csr_out *)data)->colind + first;
  for (int64_t k = 0; k < count; k++)
    rla_io_put_be32((unsigned char *)buf + 4 * k, c[k]);
}

static void put_values(void *buf, int64_t first, int64_t count, void *data)
{
  memcpy(buf, ((const struct csr_out *)data)->val + first, sizeof(double) * (size_t)count);
  if (rla_io_host_little()) rla_io_swap(buf, count, sizeof(double));
}

rla_err rla_io_petsc_write_sparse(rla_smat A, const char *path)
{
  rla_ctx ctx = rla_smat_ctx(A);
  unsigned char header[16];
  char tmp[RLA_PATH_MAX];
  int64_t m, n, row0, lm, lnnz = rla_smat_local_nnz(A), nnz = rla_smat_nnz(A), nz0 = 0;
  struct csr_out c;
  double *v;
  MPI_Offset idx;
  MPI_File fh;
  rla_err err;

  rla_smat_sizes(A, &m, &n);
  rla_smat_local_rows(A, &row0, &lm);
  rla_smat_local(A, &c.rowptr, &c.colind, &v);
  c.val = v;
  RLA_CHECK(ctx, m <= INT_MAX && nnz <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "%s: a %lld x %lld matrix with %lld entries does not fit PETSc's 32-bit AIJ format "
            "(at most 2^31-1 rows and entries)",
            path, (long long)m, (long long)n, (long long)nnz);
  RLA_MPI(ctx, MPI_Exscan(&lnnz, &nz0, 1, MPI_INT64_T, MPI_SUM, rla_ctx_comm(ctx)));
  if (rla_ctx_rank(ctx) == 0) nz0 = 0;
  rla_io_put_be32(header, RLA_IO_PETSC_MAT);
  rla_io_put_be32(header + 4, (int32_t)m);
  rla_io_put_be32(header + 8, (int32_t)n);
  rla_io_put_be32(header + 12, (int32_t)nnz);
  idx = 16 + 4 * (MPI_Offset)m;
  RLA_CALL(ctx, rla_io_mpi_create(ctx, path, tmp, sizeof(tmp), &fh));
  err = rla_io_write_header(ctx, fh, header, 16, path);
  if (!err)
    err = rla_io_transfer(ctx, fh, 1, 16 + 4 * (MPI_Offset)row0, lm, 4, put_row_lengths, &c, path);
  if (!err)
    err = rla_io_transfer(ctx, fh, 1, idx + 4 * (MPI_Offset)nz0, lnnz, 4, put_columns, &c, path);
  if (!err)
    err = rla_io_transfer(ctx, fh, 1, idx + 4 * (MPI_Offset)nnz + 8 * (MPI_Offset)nz0, lnnz, 8,
                          put_values, &c, path);
  RLA_CALL(ctx, rla_io_mpi_finish(ctx, &fh, tmp, path, 16 + 4 * m + 12 * nnz, err));
  return RLA_SUCCESS;
}
