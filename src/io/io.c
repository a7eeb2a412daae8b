/* SPDX-License-Identifier: BSD-3-Clause */
/* Matrix file front end: format detection, dispatch to the format readers and writers, and the
   MPI-IO helpers they share. Binary data moves once, in calls of up to 64 MiB per rank
   (collective reads, independent writes); byte offsets are 64-bit. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/fault.h"
#include "io_impl.h"

#define DEFAULT_CHUNK_BYTES ((int64_t)64 << 20)
#define MIN_CHUNK_BYTES     ((int64_t)1 << 20)
/* doubles per point-to-point message when rows are sent from rank 0 */
#define SEND_PIECE ((int64_t)1 << 24)

static const char *extension(const char *path)
{
  const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
  if (!dot || (slash && dot < slash) || dot == path || dot[-1] == '/') return "";
  return dot + 1;
}

rla_format rla_io_format_by_extension(const char *path)
{
  const char *ext = extension(path);
  if (rla_io_h5_named(path)) return RLA_FORMAT_HDF5;
  if (!strcasecmp(ext, "npy")) return RLA_FORMAT_NPY;
  if (!strcasecmp(ext, "mtx") || !strcasecmp(ext, "mm")) return RLA_FORMAT_MM;
  if (!strcasecmp(ext, "petsc") || !strcasecmp(ext, "bin") || !strcasecmp(ext, "dat"))
    return RLA_FORMAT_PETSC;
  return RLA_FORMAT_AUTO;
}

static rla_format format_by_magic(const unsigned char *b, size_t len)
{
  static const char mm[] = "%%MatrixMarket";
  if (len >= 6 && !memcmp(b, "\x93NUMPY", 6)) return RLA_FORMAT_NPY;
  if (len >= 8 && !memcmp(b, "\x89HDF\r\n\x1a\n", 8)) return RLA_FORMAT_HDF5;
  if (len >= sizeof(mm) - 1 && !strncasecmp((const char *)b, mm, sizeof(mm) - 1))
    return RLA_FORMAT_MM;
  if (len >= 4 &&
      (rla_io_get_be32(b) == RLA_IO_PETSC_MAT || rla_io_get_be32(b) == RLA_IO_PETSC_VEC))
    return RLA_FORMAT_PETSC;
  return RLA_FORMAT_AUTO;
}

rla_format rla_io_format_of(const char *path, rla_format fmt)
{
  unsigned char b[16];
  char file[RLA_PATH_MAX], dset[RLA_PATH_MAX];
  size_t len;
  FILE *f;
  if (fmt != RLA_FORMAT_AUTO || !path) return fmt;
  fmt = rla_io_format_by_extension(path);
  if (fmt != RLA_FORMAT_AUTO) return fmt;
  /* FILE:/DATASET of an HDF5 file of another extension */
  if (!rla_file_exists(path) &&
      !rla_io_hdf5_split(path, 0, file, sizeof(file), dset, sizeof(dset)) && dset[0])
    return rla_io_format_of(file, RLA_FORMAT_AUTO) == RLA_FORMAT_HDF5 ? RLA_FORMAT_HDF5
                                                                      : RLA_FORMAT_AUTO;
  if (!rla_file_exists(path)) return fmt;
  f = fopen(path, "rb");
  if (!f) return RLA_FORMAT_AUTO;
  len = fread(b, 1, sizeof(b), f);
  fclose(f);
  return format_by_magic(b, len);
}

const char *rla_io_format_name(rla_format fmt)
{
  switch (fmt) {
  case RLA_FORMAT_AUTO: return "auto";
  case RLA_FORMAT_NPY: return "npy";
  case RLA_FORMAT_MM: return "mm";
  case RLA_FORMAT_PETSC: return "petsc";
  case RLA_FORMAT_HDF5: return "hdf5";
  default: return "unknown";
  }
}

rla_err rla_io_open_local(rla_ctx ctx, const char *path, FILE **f, int64_t *size)
{
  struct stat st;
  *f = NULL;
  RLA_CHECK(ctx, stat(path, &st) == 0, RLA_ERR_FILE, "%s: cannot open: %s", path, strerror(errno));
  RLA_CHECK(ctx, !S_ISDIR(st.st_mode), RLA_ERR_FILE, "%s: cannot open: %s", path, strerror(EISDIR));
  *f = fopen(path, "rb");
  RLA_CHECK(ctx, *f, RLA_ERR_FILE, "%s: cannot open: %s", path, strerror(errno));
  *size = (int64_t)st.st_size;
  return RLA_SUCCESS;
}

rla_err rla_io_open_fd(rla_ctx ctx, const char *path, int *fd, int64_t *size)
{
  struct stat st;
  int e = 0;
  *fd = open(path, O_RDONLY);
  RLA_CHECK(ctx, *fd >= 0, RLA_ERR_FILE, "%s: cannot open: %s", path, strerror(errno));
  if (fstat(*fd, &st) != 0)
    e = errno;
  else if (S_ISDIR(st.st_mode))
    e = EISDIR;
  if (e) {
    close(*fd);
    *fd = -1;
  }
  RLA_CHECK(ctx, !e, RLA_ERR_FILE, "%s: cannot open: %s", path, strerror(e));
  *size = (int64_t)st.st_size;
  return RLA_SUCCESS;
}

rla_err rla_io_check_size(rla_ctx ctx, const char *path, int64_t have, int64_t want,
                          const char *what, const char *note)
{
  RLA_CHECK(ctx, have >= want, RLA_ERR_FORMAT,
            "%s: truncated: the header announces %s, %lld bytes in all, but the file has only %lld "
            "bytes (%lld missing)",
            path, what, (long long)want, (long long)have, (long long)(want - have));
  RLA_CHECK(
      ctx, have <= want, RLA_ERR_FORMAT,
      "%s: over-long: the header announces %s, %lld bytes in all, but the file has %lld bytes "
      "(%lld too many)%s",
      path, what, (long long)want, (long long)have, (long long)(have - want), note);
  return RLA_SUCCESS;
}

static rla_err mpi_fail(rla_ctx ctx, int rc, const char *path, const char *what)
{
  char msg[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  return rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__, "%s: %s failed: %s", path,
                       what, msg);
}

rla_err rla_io_mpi_open(rla_ctx ctx, const char *path, int amode, MPI_File *fh)
{
  rla_err err = RLA_SUCCESS;
  int rc;
  *fh = MPI_FILE_NULL;
  rc = MPI_File_open(rla_ctx_comm(ctx), path, amode, MPI_INFO_NULL, fh);
  if (rc != MPI_SUCCESS) err = mpi_fail(ctx, rc, path, "MPI-IO open");
  /* a handle opened on some ranks only cannot be closed collectively: it is left open */
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  return RLA_SUCCESS;
}

rla_err rla_io_mpi_create(rla_ctx ctx, const char *path, char *tmp, size_t len, MPI_File *fh)
{
  rla_err err;
  *fh = MPI_FILE_NULL;
  RLA_CALL(ctx, rla_atomic_tmpname(ctx, path, tmp, len));
  err = rla_io_mpi_open(ctx, tmp, MPI_MODE_WRONLY, fh);
  if (err) {
    rla_atomic_finish(ctx, tmp, path, err);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

rla_err rla_io_mpi_finish(rla_ctx ctx, MPI_File *fh, const char *tmp, const char *path,
                          int64_t want, rla_err err)
{
  int rc;
  if (*fh != MPI_FILE_NULL) {
    MPI_Offset size = -1;
    rc = MPI_File_sync(*fh);
    if (rc != MPI_SUCCESS && !err) err = mpi_fail(ctx, rc, path, "MPI-IO sync");
    if (!err && (rc = MPI_File_get_size(*fh, &size)) != MPI_SUCCESS)
      err = mpi_fail(ctx, rc, path, "MPI-IO size");
    if (!err && size != want)
      err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: short write: %lld of %lld bytes written (file system full or a file "
                          "size limit?)",
                          path, (long long)size, (long long)want);
    rc = MPI_File_close(fh);
    if (rc != MPI_SUCCESS && !err) err = mpi_fail(ctx, rc, path, "MPI-IO close");
  }
  RLA_CALL(ctx, rla_atomic_finish(ctx, tmp, path, err));
  return RLA_SUCCESS;
}

rla_err rla_io_write_header(rla_ctx ctx, MPI_File fh, const void *buf, int len, const char *path)
{
  rla_err err = RLA_SUCCESS;
  if (rla_ctx_rank(ctx) == 0) {
    MPI_Status st;
    int rc = MPI_File_write_at(fh, 0, buf, len, MPI_BYTE, &st), got = 0;
    if (rc != MPI_SUCCESS)
      err = mpi_fail(ctx, rc, path, "writing the header");
    else if (MPI_Get_count(&st, MPI_BYTE, &got) != MPI_SUCCESS || got != len)
      err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: short write of the header (%d of %d bytes)", path, got, len);
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  return RLA_SUCCESS;
}

int64_t rla_io_chunk_bytes(void)
{
  const char *s = getenv("RLA_IO_CHUNK_BYTES");
  int64_t c = DEFAULT_CHUNK_BYTES;
  if (s && *s) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*end) c = v;
  }
  if (c < 64) c = 64;
  if (c > ((int64_t)1 << 30)) c = (int64_t)1 << 30;
  return c;
}

int32_t rla_io_get_be32(const unsigned char *p)
{
  return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
                   (uint32_t)p[3]);
}

void rla_io_put_be32(unsigned char *p, int32_t v)
{
  uint32_t u = (uint32_t)v;
  p[0] = (unsigned char)(u >> 24);
  p[1] = (unsigned char)(u >> 16);
  p[2] = (unsigned char)(u >> 8);
  p[3] = (unsigned char)u;
}

int rla_io_host_little(void)
{
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

void rla_io_swap(void *buf, int64_t count, size_t esize)
{
  unsigned char *p = buf;
  for (int64_t k = 0; k < count; k++, p += esize)
    for (size_t i = 0; i < esize / 2; i++) {
      unsigned char t = p[i];
      p[i] = p[esize - 1 - i];
      p[esize - 1 - i] = t;
    }
}

rla_err rla_io_at_all(rla_ctx ctx, MPI_File fh, int write, MPI_Offset off, void *buf, int bytes,
                      const char *path)
{
  MPI_Status st;
  int got = 0, rc;
  /* writes are independent: when one rank's write fails (file system full, a size limit),
     Open MPI's collective write leaves the other ranks waiting forever */
  if (write)
    rc = bytes ? MPI_File_write_at(fh, off, buf, bytes, MPI_BYTE, &st) : MPI_SUCCESS;
  else
    rc = MPI_File_read_at_all(fh, off, buf, bytes, MPI_BYTE, &st);
  if (write && !bytes) return RLA_SUCCESS;
  if (rc != MPI_SUCCESS) return mpi_fail(ctx, rc, path, write ? "MPI-IO write" : "MPI-IO read");
  RLA_CHECK(ctx, MPI_Get_count(&st, MPI_BYTE, &got) == MPI_SUCCESS && got == bytes, RLA_ERR_FILE,
            "%s: short %s: %d of %d bytes at offset %lld (was the file changed?)", path,
            write ? "write" : "read", got, bytes, (long long)off);
  return RLA_SUCCESS;
}

/* elements per call when a rank moves count elements of esize bytes: rla_io_chunk_bytes(), but
   the buffer stays below an eighth of this rank's data (and at least 1 MiB), so that reading A
   does not hold a second copy of it at the peak */
static int64_t chunk_elements(int64_t count, size_t esize)
{
  int64_t chunk = rla_io_chunk_bytes();
  if (chunk > MIN_CHUNK_BYTES && chunk > count * (int64_t)esize / 8)
    chunk =
        count * (int64_t)esize / 8 > MIN_CHUNK_BYTES ? count * (int64_t)esize / 8 : MIN_CHUNK_BYTES;
  chunk /= (int64_t)esize;
  return chunk < 1 ? 1 : chunk;
}

rla_err rla_io_transfer(rla_ctx ctx, MPI_File fh, int write, MPI_Offset off, int64_t count,
                        size_t esize, rla_io_convert_fn convert, void *data, const char *path)
{
  int64_t chunk = chunk_elements(count, esize), mine, nchunks = 0, done = 0;
  char *buf = NULL;
  rla_err err;

  mine = (count + chunk - 1) / chunk;
  RLA_MPI(ctx, MPI_Allreduce(&mine, &nchunks, 1, MPI_INT64_T, MPI_MAX, rla_ctx_comm(ctx)));
  err = rla_calloc(ctx, (size_t)(count < chunk ? count : chunk), esize, &buf);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  /* every rank makes nchunks calls, empty ones once its own range is done or after a failure */
  for (int64_t c = 0; c < nchunks; c++) {
    int64_t k = err ? 0 : count - done < chunk ? count - done : chunk;
    rla_err e;
    if (write && k) convert(buf, done, k, data);
    e = rla_io_at_all(ctx, fh, write, off + (MPI_Offset)done * (MPI_Offset)esize, buf,
                      (int)(k * (int64_t)esize), path);
    if (!e) e = rla_fault_check(ctx, write ? "write" : "read");
    if (!e && !write && k) convert(buf, done, k, data);
    if (!err) err = e;
    done += k;
  }
  rla_free(&buf);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  return RLA_SUCCESS;
}

/* rows are moved in blocks of this many so that both sides stay in cache */
#define ROW_BLOCK 32

void rla_io_move_rows(double *rows, int64_t first, int64_t count, double *a, int64_t n, int64_t lld,
                      int to_local)
{
  int64_t i = first / n, j = first % n, k = 0, full;
  for (; k < count && j != 0; k++) { /* the end of a row begun before first */
    if (to_local)
      a[i + j * lld] = rows[k];
    else
      rows[k] = a[i + j * lld];
    if (++j == n) {
      j = 0;
      i++;
    }
  }
  full = (count - k) / n;
  for (int64_t ib = 0; ib < full; ib += ROW_BLOCK) {
    int64_t ie = ib + ROW_BLOCK < full ? ib + ROW_BLOCK : full;
    for (int64_t jj = 0; jj < n; jj++)
      for (int64_t ii = ib; ii < ie; ii++) {
        if (to_local)
          a[i + ii + jj * lld] = rows[k + ii * n + jj];
        else
          rows[k + ii * n + jj] = a[i + ii + jj * lld];
      }
  }
  k += full * n;
  i += full;
  for (j = 0; k < count; k++, j++) { /* the beginning of a row that goes on after count */
    if (to_local)
      a[i + j * lld] = rows[k];
    else
      rows[k] = a[i + j * lld];
  }
}

/* this rank's rows of the row-block A to (to_local 1) or from (0) the row-major rows */
static rla_err rowmajor_local(rla_dmat A, double *rows, int to_local)
{
  double *a;
  int64_t lm, n, lld;
  RLA_CHECK(rla_dmat_ctx(A), rla_dmat_get_layout(A) == RLA_DMAT_ROWBLOCK, RLA_ERR_ARG,
            "row-major rows go with a row-block matrix, not a block-cyclic one");
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  rla_dmat_sizes(A, NULL, &n);
  if (lm > 0 && n > 0) rla_io_move_rows(rows, 0, lm * n, a, n, lld, to_local);
  return RLA_SUCCESS;
}

rla_err rla_io_rowmajor_to_local(rla_dmat A, const double *rows)
{
  /* rla_io_move_rows only reads rows when it moves them into A */
  return rowmajor_local(A, (double *)rows, 1);
}

rla_err rla_io_local_to_rowmajor(rla_dmat A, double *rows) { return rowmajor_local(A, rows, 0); }

/* a row-major file range <-> the local column-major rows; a read's elements of dtype */
struct rowmajor {
  double *a;
  int64_t n, lld;
  int swap, dtype;
};

/* elements widened to doubles at a time (on the stack) before they are moved into place */
#define WIDEN_BLOCK 1024
static void rows_to_local(void *buf, int64_t first, int64_t count, void *data)
{
  struct rowmajor *r = data;
  const int es = rla_io_dtype_size(r->dtype);
  double tmp[WIDEN_BLOCK];
  if (r->dtype == RLA_IO_F8) {
    if (r->swap) rla_io_swap(buf, count, sizeof(double));
    rla_io_move_rows(buf, first, count, r->a, r->n, r->lld, 1);
    return;
  }
  for (int64_t t = 0; t < count; t += WIDEN_BLOCK) {
    int64_t b = count - t < WIDEN_BLOCK ? count - t : WIDEN_BLOCK;
    rla_io_widen((unsigned char *)buf + t * es, r->dtype, r->swap, b, tmp);
    rla_io_move_rows(tmp, first + t, b, r->a, r->n, r->lld, 1);
  }
}

static void local_to_rows(void *buf, int64_t first, int64_t count, void *data)
{
  struct rowmajor *r = data;
  rla_io_move_rows(buf, first, count, r->a, r->n, r->lld, 0);
  if (r->swap) rla_io_swap(buf, count, sizeof(double));
}

static rla_err transfer_rowmajor(rla_dmat A, MPI_File fh, int write, MPI_Offset off, int swap,
                                 int dtype, const char *path)
{
  struct rowmajor r;
  int64_t lm, n;
  const int64_t es = rla_io_dtype_size(dtype);
  rla_dmat_local(A, &r.a, &lm, NULL, &r.lld);
  rla_dmat_sizes(A, NULL, &n);
  r.n = n;
  r.swap = swap;
  r.dtype = dtype;
  off += (MPI_Offset)rla_dmat_row_offset(A) * (MPI_Offset)n * (MPI_Offset)es;
  RLA_CALL(rla_dmat_ctx(A),
           rla_io_transfer(rla_dmat_ctx(A), fh, write, off, n ? lm * n : 0, (size_t)es,
                           write ? local_to_rows : rows_to_local, &r, path));
  return RLA_SUCCESS;
}

rla_err rla_io_read_rowmajor(rla_dmat A, MPI_File fh, MPI_Offset off, int swap, int dtype,
                             const char *path)
{
  RLA_CALL(rla_dmat_ctx(A), transfer_rowmajor(A, fh, 0, off, swap, dtype, path));
  return RLA_SUCCESS;
}

rla_err rla_io_write_rowmajor(rla_dmat A, MPI_File fh, MPI_Offset off, int swap, const char *path)
{
  RLA_CALL(rla_dmat_ctx(A), transfer_rowmajor(A, fh, 1, off, swap, RLA_IO_F8, path));
  return RLA_SUCCESS;
}

rla_err rla_io_pread(rla_ctx ctx, int fd, int64_t off, void *buf, int64_t bytes, const char *path)
{
  int64_t done = 0;
  while (done < bytes) {
    ssize_t got = pread(fd, (char *)buf + done, (size_t)(bytes - done), (off_t)(off + done));
    if (got < 0 && errno == EINTR) continue;
    RLA_CHECK(ctx, got >= 0, RLA_ERR_FILE, "%s: read failed: %s", path, strerror(errno));
    RLA_CHECK(ctx, got > 0, RLA_ERR_FILE,
              "%s: short read: %lld of %lld bytes at offset %lld (was the file changed?)", path,
              (long long)done, (long long)bytes, (long long)off);
    done += got;
  }
  return RLA_SUCCESS;
}

void rla_io_scratch_free(rla_io_scratch *s)
{
  rla_free(&s->buf);
  s->len = 0;
  rla_io_h5_scratch_free(s);
}

rla_err rla_io_scratch_reserve(rla_ctx ctx, rla_io_scratch *s, int64_t words)
{
  if (s->len >= words) return RLA_SUCCESS;
  rla_free(&s->buf);
  s->len = 0;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)words, sizeof(double), &s->buf));
  s->len = words;
  return RLA_SUCCESS;
}

rla_err rla_io_read_rowmajor_local(rla_ctx ctx, rla_dmat A, int fd, int64_t off, int swap,
                                   int dtype, const char *path, rla_io_scratch *scratch)
{
  struct rowmajor r;
  int64_t lm, n, count, chunk, words, done = 0;
  const int64_t es = rla_io_dtype_size(dtype);
  double *buf = NULL;
  rla_err err;
  rla_dmat_local(A, &r.a, &lm, NULL, &r.lld);
  rla_dmat_sizes(A, NULL, &n);
  r.n = n;
  r.swap = swap;
  r.dtype = dtype;
  count = n ? lm * n : 0;
  chunk = chunk_elements(count, (size_t)es);
  /* the buffer of one call, in doubles */
  words = ((count < chunk ? count : chunk) * es + 7) / 8;
  off += rla_dmat_row_offset(A) * n * es;
  if (scratch) RLA_CALL(ctx, rla_io_scratch_reserve(ctx, scratch, words));
  if (scratch)
    buf = scratch->buf;
  else
    RLA_CALL(ctx, rla_calloc(ctx, (size_t)words, sizeof(double), &buf));
  /* the calls of rla_io_transfer, each a passage through the read fault point, and at least one
     as a rank of a collective transfer makes */
  do {
    int64_t k = count - done < chunk ? count - done : chunk;
    err = rla_io_pread(ctx, fd, off + done * es, buf, k * es, path);
    if (!err) err = rla_fault_check(ctx, "read");
    if (!err && k) rows_to_local(buf, done, k, &r);
    done += k;
  } while (!err && done < count);
  if (!scratch) rla_free(&buf);
  return err;
}

/* the whole file read over self, then this rank's rows of A copied from it */
static rla_err read_whole_local(rla_ctx ctx, rla_ctx self, const char *path, rla_format fmt,
                                rla_dmat A)
{
  rla_dmat W = NULL;
  double *a, *w;
  int64_t m, n, wm, wn, lm, lld, ldw, row0 = rla_dmat_row_offset(A);
  rla_err err = rla_io_read(self, path, fmt, 0, &W);
  if (err)
    return ctx == self ? err
                       : rla_error_set(ctx, err, __func__, __FILE__, __LINE__, "%s",
                                       rla_ctx_error_message(self));
  rla_dmat_sizes(A, &m, &n);
  rla_dmat_sizes(W, &wm, &wn);
  if (wm != m || wn != n) {
    rla_dmat_destroy(&W);
    RLA_CHECK(ctx, 0, RLA_ERR_FILE, "%s: now %lld x %lld, was %lld x %lld (was the file changed?)",
              path, (long long)wm, (long long)wn, (long long)m, (long long)n);
  }
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  rla_dmat_local(W, &w, NULL, NULL, &ldw);
  for (int64_t j = 0; j < n && lm > 0; j++)
    memcpy(a + j * lld, w + row0 + j * ldw, sizeof(double) * (size_t)lm);
  rla_dmat_destroy(&W);
  return RLA_SUCCESS;
}

rla_err rla_io_read_local(rla_ctx ctx, rla_ctx self, const char *path, rla_format fmt,
                          const rla_io_info *info, rla_dmat A, int fd, rla_io_scratch *scratch)
{
  int own = fd < 0;
  rla_err err;
  if (fmt == RLA_FORMAT_HDF5) {
    RLA_CALL(ctx, rla_io_h5_read_local(ctx, path, info, A, scratch));
    return RLA_SUCCESS;
  }
  if (fmt != RLA_FORMAT_NPY &&
      !(fmt == RLA_FORMAT_PETSC && (info->vector || info->nz == RLA_IO_PETSC_DENSE)))
    return read_whole_local(ctx, self, path, fmt, A);
  if (own) fd = open(path, O_RDONLY);
  RLA_CHECK(ctx, fd >= 0, RLA_ERR_FILE, "%s: cannot open: %s", path, strerror(errno));
  if (fmt == RLA_FORMAT_NPY)
    err = rla_io_npy_read_local(ctx, fd, path, info, A, scratch);
  else
    err = rla_io_read_rowmajor_local(ctx, A, fd, info->offset, rla_io_host_little(), RLA_IO_F8,
                                     path, scratch);
  if (own) close(fd);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

rla_err rla_io_scatter_rows(rla_dmat A, const double *full)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  int rank = rla_ctx_rank(ctx), p = rla_ctx_size(ctx);
  int64_t m, n, lm, lld, mb, row0;
  double *a, *pack = NULL;
  rla_err err = RLA_SUCCESS;

  rla_dmat_sizes(A, &m, &n);
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  rla_dmat_rank_rows(A, 0, NULL, &mb);
  if (rank == 0) err = rla_calloc(ctx, (size_t)(mb * n), sizeof(double), &pack);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  for (int r = 1; r < p; r++) {
    int64_t cnt, total;
    rla_dmat_rank_rows(A, r, &row0, &cnt);
    total = cnt * n;
    if (rank == 0 && total) {
      for (int64_t j = 0; j < n; j++)
        memcpy(pack + j * cnt, full + row0 + j * m, sizeof(double) * (size_t)cnt);
      for (int64_t s = 0; s < total && !err; s += SEND_PIECE) {
        int k = (int)(total - s < SEND_PIECE ? total - s : SEND_PIECE);
        if (MPI_Send(pack + s, k, MPI_DOUBLE, r, 0, rla_ctx_comm(ctx)) != MPI_SUCCESS)
          err = rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                              "sending rows to rank %d failed", r);
      }
    } else if (rank == r && total) {
      /* lm > 0 here, so lld == lm and the local array is contiguous */
      for (int64_t s = 0; s < total && !err; s += SEND_PIECE) {
        int k = (int)(total - s < SEND_PIECE ? total - s : SEND_PIECE);
        if (MPI_Recv(a + s, k, MPI_DOUBLE, 0, 0, rla_ctx_comm(ctx), MPI_STATUS_IGNORE) !=
            MPI_SUCCESS)
          err = rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                              "receiving rows from rank 0 failed");
      }
    }
  }
  if (rank == 0)
    for (int64_t j = 0; j < n; j++)
      memcpy(a + j * lld, full + j * m, sizeof(double) * (size_t)lm);
  rla_free(&pack);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  return RLA_SUCCESS;
}

rla_err rla_io_header(rla_ctx ctx, const char *path, rla_format fmt, rla_format *found,
                      rla_io_info *info, int *keep)
{
  rla_format f;
  memset(info, 0, sizeof(*info));
  if (keep) *keep = -1;
  *found = RLA_FORMAT_AUTO;
  RLA_CHECK(ctx, path && *path, RLA_ERR_ARG, "empty input path");
  f = rla_io_format_of(path, fmt);
  if (f == RLA_FORMAT_AUTO) {
    FILE *fp;
    int64_t size;
    RLA_CALL(ctx, rla_io_open_local(ctx, path, &fp, &size));
    fclose(fp);
    RLA_CHECK(ctx, 0, RLA_ERR_FORMAT,
              "%s: unknown file format: the extension is none of .npy, .mtx, .mm, .petsc, .bin, "
              ".dat, .h5, .hdf5 and the file starts with neither \\x93NUMPY, %%%%MatrixMarket, "
              "the HDF5 signature nor a PETSc Mat or Vec class id",
              path);
  } else if (f == RLA_FORMAT_NPY)
    RLA_CALL(ctx, rla_io_npy_header(ctx, path, info, keep));
  else if (f == RLA_FORMAT_MM)
    RLA_CALL(ctx, rla_io_mm_header(ctx, path, info));
  else if (f == RLA_FORMAT_PETSC)
    RLA_CALL(ctx, rla_io_petsc_header(ctx, path, info));
  else if (f == RLA_FORMAT_HDF5)
    RLA_CALL(ctx, rla_io_h5_header(ctx, path, info, NULL));
  else
    RLA_CHECK(ctx, 0, RLA_ERR_ARG, "%s: invalid format %d", path, (int)fmt);
  *found = f;
  return RLA_SUCCESS;
}

/* Rank 0 settles the format (opening the file when only its first bytes can tell) and parses
   the header; every rank receives both. */
rla_err rla_io_read_header(rla_ctx ctx, const char *path, rla_format fmt, rla_format *found,
                           rla_io_info *info)
{
  rla_err err = RLA_SUCCESS;
  rla_format f = RLA_FORMAT_AUTO;
  int fi;
  RLA_CHECK(ctx, path && *path, RLA_ERR_ARG, "empty input path");
  memset(info, 0, sizeof(*info));
  if (rla_ctx_rank(ctx) == 0) err = rla_io_header(ctx, path, fmt, &f, info, NULL);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  fi = (int)f;
  RLA_MPI(ctx, MPI_Bcast(&fi, 1, MPI_INT, 0, rla_ctx_comm(ctx)));
  RLA_MPI(ctx, MPI_Bcast(info, (int)sizeof(*info), MPI_BYTE, 0, rla_ctx_comm(ctx)));
  *found = (rla_format)fi;
  return RLA_SUCCESS;
}

rla_err rla_io_read_sizes(rla_ctx ctx, const char *path, rla_format fmt, int64_t *m, int64_t *n)
{
  rla_format f;
  rla_io_info info;
  RLA_CALL(ctx, rla_io_read_header(ctx, path, fmt, &f, &info));
  if (m) *m = info.m;
  if (n) *n = info.n;
  return RLA_SUCCESS;
}

rla_err rla_io_probe(rla_ctx ctx, const char *path, rla_format fmt, rla_io_probe_info *info)
{
  rla_io_info h;
  RLA_CHECK(ctx, info, RLA_ERR_ARG, "null output pointer");
  memset(info, 0, sizeof(*info));
  RLA_CALL(ctx, rla_io_read_header(ctx, path, fmt, &info->format, &h));
  info->m = h.m;
  info->n = h.n;
  info->sparse = h.sparse;
  info->entries = h.sparse ? h.nz : h.m * h.n;
  snprintf(info->dtype, sizeof(info->dtype), "%s", rla_io_dtype_name(h.dtype));
  return RLA_SUCCESS;
}

rla_err rla_io_read(rla_ctx ctx, const char *path, rla_format fmt, int64_t mb, rla_dmat *A)
{
  rla_format f;
  rla_io_info info;
  rla_err err;
  RLA_CHECK(ctx, A, RLA_ERR_ARG, "null output matrix pointer");
  *A = NULL;
  RLA_CALL(ctx, rla_io_read_header(ctx, path, fmt, &f, &info));
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, info.m, info.n, mb, A));
  if (f == RLA_FORMAT_NPY)
    err = rla_io_npy_read(ctx, path, &info, *A);
  else if (f == RLA_FORMAT_MM)
    err = rla_io_mm_read(ctx, path, &info, *A);
  else if (f == RLA_FORMAT_HDF5)
    err = rla_io_h5_read(ctx, path, &info, *A);
  else
    err = rla_io_petsc_read(ctx, path, &info, *A);
  if (!err) err = rla_dmat_check_finite(*A, path);
  if (err) {
    rla_dmat_destroy(A);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

rla_err rla_io_write(rla_dmat A, const char *path, rla_format fmt, unsigned flags)
{
  rla_ctx ctx;
  rla_dmat B = NULL;
  rla_err err;
  int64_t m, n;

  if (!A) return RLA_ERR_ARG;
  ctx = rla_dmat_ctx(A);
  RLA_CHECK(ctx, path && *path, RLA_ERR_ARG, "empty output path");
  if (fmt == RLA_FORMAT_AUTO) fmt = rla_io_format_by_extension(path);
  RLA_CHECK(ctx,
            fmt == RLA_FORMAT_NPY || fmt == RLA_FORMAT_MM || fmt == RLA_FORMAT_PETSC ||
                fmt == RLA_FORMAT_HDF5,
            RLA_ERR_ARG,
            "%s: cannot tell the output format from the extension: use .npy, .mtx, .mm, .petsc, "
            ".bin, .dat or .h5 (FILE.h5:/DATASET), or name the format",
            path);
  RLA_CHECK(ctx, !(flags & ~(unsigned)(RLA_IO_VECTOR | RLA_IO_DENSE)), RLA_ERR_ARG,
            "%s: unknown writer flags 0x%x", path, flags);
  rla_dmat_sizes(A, &m, &n);
  RLA_CHECK(ctx, !(flags & RLA_IO_VECTOR) || n == 1, RLA_ERR_SHAPE,
            "%s: writing a vector needs an m x 1 matrix, got %lld x %lld", path, (long long)m,
            (long long)n);
  RLA_CHECK(ctx, !(flags & RLA_IO_DENSE) || fmt == RLA_FORMAT_PETSC, RLA_ERR_ARG,
            "%s: RLA_IO_DENSE applies to PETSc binary files only", path);
  if (rla_dmat_get_layout(A) != RLA_DMAT_ROWBLOCK) {
    RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, m, n, 0, &B));
    err = rla_dmat_redistribute(A, B);
    if (err) {
      rla_dmat_destroy(&B);
      return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
    }
  }
  if (fmt == RLA_FORMAT_NPY)
    err = rla_io_npy_write(B ? B : A, path, flags);
  else if (fmt == RLA_FORMAT_MM)
    err = rla_io_mm_write(B ? B : A, path, flags);
  else if (fmt == RLA_FORMAT_HDF5)
    err = rla_io_h5_write(B ? B : A, path, flags);
  else
    err = rla_io_petsc_write(B ? B : A, path, flags);
  rla_dmat_destroy(&B);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}
