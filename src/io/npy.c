/* SPDX-License-Identifier: BSD-3-Clause */
/* NumPy .npy files: header parsing and writing exactly as numpy does (numpy/lib/format.py:
   magic \x93NUMPY, version, little-endian header length, a Python dict literal padded with
   spaces to a multiple of 64 bytes and ending in '\n'), and parallel data I/O: C order is one
   contiguous byte range per rank, Fortran order one strided read. Reads float64, float32,
   float16, the integers and bool in either byte order, widened to float64 (src/io/dtype.c);
   writes float64 ('<f8'). */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_impl.h"

#define MAGIC     "\x93NUMPY"
#define MAGIC_LEN 6
#define ALIGN     64
/* numpy >= 1.24 leaves room for the first axis to grow to 21 digits */
#define GROWTH_AXIS_MAX_DIGITS 21
/* a float64 header is under 200 bytes; anything beyond this is not one */
#define MAX_HEADER ((int64_t)1 << 20)
#define MAX_RANK   32

/* the parsed dict */
struct header {
  char descr[64];
  int have_descr, have_fortran, have_shape;
  int fortran;
  int rank;
  int64_t dims[MAX_RANK];
  int dim_too_big; /* a dimension over INT64_MAX */
  int negative;
};

struct cursor {
  const char *s;
  size_t len, pos;
};

static void skip_space(struct cursor *c)
{
  while (c->pos < c->len && isspace((unsigned char)c->s[c->pos]))
    c->pos++;
}

static int peek(struct cursor *c)
{
  skip_space(c);
  return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static int expect(struct cursor *c, char ch)
{
  if (peek(c) != (unsigned char)ch) return 0;
  c->pos++;
  return 1;
}

/* a Python string literal in ' or " without escapes */
static int parse_string(struct cursor *c, char *out, size_t outlen)
{
  int q = peek(c);
  size_t start, k;
  if (q != '\'' && q != '"') return 0;
  start = ++c->pos;
  while (c->pos < c->len && c->s[c->pos] != q && c->s[c->pos] != '\\')
    c->pos++;
  if (c->pos >= c->len || c->s[c->pos] != q) return 0;
  k = c->pos - start < outlen - 1 ? c->pos - start : outlen - 1;
  memcpy(out, c->s + start, k);
  out[k] = '\0';
  c->pos++;
  return 1;
}

static int parse_word(struct cursor *c, const char *word)
{
  size_t k = strlen(word);
  skip_space(c);
  if (c->len - c->pos < k || strncmp(c->s + c->pos, word, k) != 0) return 0;
  if (c->pos + k < c->len && (isalnum((unsigned char)c->s[c->pos + k]) || c->s[c->pos + k] == '_'))
    return 0;
  c->pos += k;
  return 1;
}

/* (d0, d1, ...) with an optional trailing comma; Python 2 wrote 3L */
static int parse_shape(struct cursor *c, struct header *h)
{
  h->rank = 0;
  if (!expect(c, '(')) return 0;
  if (expect(c, ')')) return 1;
  for (;;) {
    int neg = 0, digits = 0;
    int64_t v = 0;
    skip_space(c);
    if (c->pos < c->len && c->s[c->pos] == '-') {
      neg = 1;
      c->pos++;
    }
    while (c->pos < c->len && isdigit((unsigned char)c->s[c->pos])) {
      int d = c->s[c->pos++] - '0';
      if (v > (INT64_MAX - d) / 10)
        h->dim_too_big = 1;
      else
        v = v * 10 + d;
      digits++;
    }
    if (!digits) return 0;
    if (c->pos < c->len && c->s[c->pos] == 'L') c->pos++;
    if (neg && v) h->negative = 1;
    if (h->rank < MAX_RANK) h->dims[h->rank] = neg ? -v : v;
    h->rank++;
    if (expect(c, ')')) return 1;
    if (!expect(c, ',')) return 0;
    if (expect(c, ')')) return 1;
  }
}

static rla_err bad_header(rla_ctx ctx, const char *path, const char *what, const struct cursor *c)
{
  size_t len = c->len;
  while (len && isspace((unsigned char)c->s[len - 1]))
    len--;
  return rla_error_set(ctx, RLA_ERR_FORMAT, __func__, __FILE__, __LINE__,
                       "%s: bad .npy header: %s at byte %zu of \"%.*s\"", path, what, c->pos,
                       (int)(len < 200 ? len : 200), c->s);
}

static rla_err parse_dict(rla_ctx ctx, const char *path, const char *text, size_t len,
                          struct header *h)
{
  struct cursor c = {text, len, 0};
  memset(h, 0, sizeof(*h));
  if (!expect(&c, '{')) return bad_header(ctx, path, "expected a dict '{'", &c);
  while (!expect(&c, '}')) {
    char key[64];
    if (!parse_string(&c, key, sizeof(key)))
      return bad_header(ctx, path, "expected a quoted key", &c);
    if (!expect(&c, ':')) return bad_header(ctx, path, "expected ':' after the key", &c);
    if (!strcmp(key, "descr")) {
      if (h->have_descr) return bad_header(ctx, path, "key 'descr' repeated", &c);
      if (peek(&c) == '[')
        RLA_CHECK(ctx, 0, RLA_ERR_FORMAT,
                  "%s: structured dtype (a list of fields) is not supported: rla reads float64 "
                  "('<f8') arrays",
                  path);
      if (!parse_string(&c, h->descr, sizeof(h->descr)))
        return bad_header(ctx, path, "expected a quoted dtype for 'descr'", &c);
      h->have_descr = 1;
    } else if (!strcmp(key, "fortran_order")) {
      if (h->have_fortran) return bad_header(ctx, path, "key 'fortran_order' repeated", &c);
      if (parse_word(&c, "True"))
        h->fortran = 1;
      else if (parse_word(&c, "False"))
        h->fortran = 0;
      else
        return bad_header(ctx, path, "expected True or False for 'fortran_order'", &c);
      h->have_fortran = 1;
    } else if (!strcmp(key, "shape")) {
      if (h->have_shape) return bad_header(ctx, path, "key 'shape' repeated", &c);
      if (!parse_shape(&c, h))
        return bad_header(ctx, path, "expected a tuple of integers for 'shape'", &c);
      h->have_shape = 1;
    } else {
      RLA_CHECK(
          ctx, 0, RLA_ERR_FORMAT,
          "%s: bad .npy header: unexpected key '%s' (expected 'descr', 'fortran_order', 'shape')",
          path, key);
    }
    if (!expect(&c, ',')) {
      if (!expect(&c, '}')) return bad_header(ctx, path, "expected ',' or '}'", &c);
      break;
    }
  }
  if (peek(&c) != -1) return bad_header(ctx, path, "text after the dict", &c);
  RLA_CHECK(ctx, h->have_descr && h->have_fortran && h->have_shape, RLA_ERR_FORMAT,
            "%s: bad .npy header: the key '%s' is missing", path,
            !h->have_descr     ? "descr"
            : !h->have_fortran ? "fortran_order"
                               : "shape");
  return RLA_SUCCESS;
}

/* "float32", "big-endian float64", "complex128", "Python object", ... for a dtype string */
static void describe_dtype(const char *d, char *out, size_t len)
{
  const char *order = "", *kind;
  if (*d == '>') order = "big-endian ";
  if (*d == '<' || *d == '>' || *d == '|' || *d == '=') d++;
  switch (*d) {
  case 'f': kind = "float"; break;
  case 'i': kind = "int"; break;
  case 'u': kind = "uint"; break;
  case 'c': kind = "complex"; break;
  case 'b': kind = "bool"; break;
  case 'O': kind = "Python object"; break;
  case 'U': kind = "unicode string"; break;
  case 'S': kind = "byte string"; break;
  case 'V': kind = "raw bytes (void)"; break;
  case 'M': kind = "datetime64"; break;
  case 'm': kind = "timedelta64"; break;
  default: kind = "unknown type"; break;
  }
  /* the number after a numeric kind is its size in bytes (a nonsense size is not shown) */
  if (*d && strchr("fiuc", *d) && strtol(d + 1, NULL, 10) > 0 && strtol(d + 1, NULL, 10) <= 64)
    snprintf(out, len, "%s%s%ld", order, kind, 8 * strtol(d + 1, NULL, 10));
  else
    snprintf(out, len, "%s%s", order, kind);
}

/* The element type of a dtype string: byte order '<', '>', '|' (one byte: none) or '=' (the
   host's), then a kind and size of rla_io_dtype. Returns 0 and sets *dtype and *big (the data
   are big-endian), or 1 for any other dtype. */
static int parse_dtype(const char *d, int *dtype, int *big)
{
  static const char *const codes[RLA_IO_NTYPES] = {
      [RLA_IO_F8] = "f8", [RLA_IO_F4] = "f4", [RLA_IO_F2] = "f2", [RLA_IO_I1] = "i1",
      [RLA_IO_I2] = "i2", [RLA_IO_I4] = "i4", [RLA_IO_I8] = "i8", [RLA_IO_U1] = "u1",
      [RLA_IO_U2] = "u2", [RLA_IO_U4] = "u4", [RLA_IO_U8] = "u8", [RLA_IO_B1] = "b1"};
  char order = d[0];
  if (!strchr("<>|=", order) || !order) return 1;
  for (int t = 0; t < RLA_IO_NTYPES; t++) {
    if (!codes[t] || strcmp(d + 1, codes[t])) continue; /* bfloat16 has no code */
    if (order == '|' && rla_io_dtype_size(t) > 1) return 1;
    *dtype = t;
    *big = order == '>' || (order == '=' && !rla_io_host_little());
    return 0;
  }
  return 1;
}

/* 'c' after an optional byte order */
static int is_complex(const char *d)
{
  if (d[0] && strchr("<>|=", d[0])) d++;
  return d[0] == 'c';
}

static void shape_text(const struct header *h, char *out, size_t len)
{
  size_t k = (size_t)snprintf(out, len, "(");
  for (int i = 0; i < h->rank && i < MAX_RANK && k < len; i++)
    k += (size_t)snprintf(out + k, len - k, i ? ", %lld" : "%lld", (long long)h->dims[i]);
  if (k < len) snprintf(out + k, len - k, h->rank == 1 ? ",)" : ")");
}

/* The header of a 2-D (or 1-D) array, or with stack not NULL of a 3-D array (K, m, n) in C
   order: *stack = K, info describes its first block (m x n, at the data's offset) */
static rla_err parse_file(rla_ctx ctx, const char *path, rla_io_info *info, int *keep,
                          int64_t *stack)
{
  unsigned char pre[12];
  char *text = NULL, shape[256], what[400];
  int fd = -1;
  int64_t size, hlen, prefix, data, esize;
  size_t got;
  ssize_t r;
  struct header h;
  rla_err err = RLA_SUCCESS;

  memset(info, 0, sizeof(*info));
  if (keep) *keep = -1;
  RLA_CALL(ctx, rla_io_open_fd(ctx, path, &fd, &size));
  r = pread(fd, pre, sizeof(pre), 0);
  got = r > 0 ? (size_t)r : 0;
  RLA_CHECK_GOTO(ctx, err, done, got >= MAGIC_LEN && !memcmp(pre, MAGIC, MAGIC_LEN), RLA_ERR_FORMAT,
                 "%s: not a .npy file: bad magic (it does not start with \\x93NUMPY)", path);
  RLA_CHECK_GOTO(ctx, err, done, got >= 10, RLA_ERR_FORMAT,
                 "%s: truncated .npy header: the file has only %lld bytes", path, (long long)size);
  RLA_CHECK_GOTO(
      ctx, err, done, (pre[6] == 1 || pre[6] == 2 || pre[6] == 3) && pre[7] == 0, RLA_ERR_FORMAT,
      "%s: unknown .npy format version %d.%d (rla reads 1.0, 2.0 and 3.0)", path, pre[6], pre[7]);
  if (pre[6] == 1) {
    prefix = 10;
    hlen = (int64_t)pre[8] | (int64_t)pre[9] << 8;
  } else {
    RLA_CHECK_GOTO(ctx, err, done, got >= 12, RLA_ERR_FORMAT,
                   "%s: truncated .npy header: the file has only %lld bytes", path,
                   (long long)size);
    prefix = 12;
    hlen = (int64_t)pre[8] | (int64_t)pre[9] << 8 | (int64_t)pre[10] << 16 | (int64_t)pre[11] << 24;
  }
  RLA_CHECK_GOTO(ctx, err, done, prefix + hlen <= size, RLA_ERR_FORMAT,
                 "%s: truncated .npy header: the header length field says %lld bytes but the file "
                 "ends %lld bytes after the %lld-byte prefix",
                 path, (long long)hlen, (long long)(size - prefix), (long long)prefix);
  RLA_CHECK_GOTO(ctx, err, done, hlen <= MAX_HEADER, RLA_ERR_FORMAT,
                 "%s: bad .npy header: %lld bytes long, not a float64 array header", path,
                 (long long)hlen);
  RLA_CALL_GOTO(ctx, err, done, rla_calloc(ctx, (size_t)hlen + 1, 1, &text));
  RLA_CHECK_GOTO(ctx, err, done, pread(fd, text, (size_t)hlen, (off_t)prefix) == (ssize_t)hlen,
                 RLA_ERR_FILE, "%s: cannot read the .npy header", path);
  RLA_CALL_GOTO(ctx, err, done, parse_dict(ctx, path, text, (size_t)hlen, &h));
  shape_text(&h, shape, sizeof(shape));
  if (parse_dtype(h.descr, &info->dtype, &info->big)) {
    char name[64];
    describe_dtype(h.descr, name, sizeof(name));
    RLA_CHECK_GOTO(ctx, err, done, !is_complex(h.descr), RLA_ERR_FORMAT,
                   "%s: dtype '%s' (%s) is complex, and rla reads real arrays: stack the real and "
                   "imaginary parts into a real array (numpy: np.hstack([a.real, a.imag]) for "
                   "columns, np.vstack for rows) and write that",
                   path, h.descr, name);
    RLA_CHECK_GOTO(ctx, err, done, 0, RLA_ERR_FORMAT,
                   "%s: dtype '%s' (%s) is not supported: rla reads float64, float32 and float16, "
                   "signed and unsigned integers of 8 to 64 bits and bool (widened to float64); "
                   "convert with a.astype('<f8')",
                   path, h.descr, name);
  }
  esize = rla_io_dtype_size(info->dtype);
  if (stack) {
    RLA_CHECK_GOTO(ctx, err, done, h.rank == 3, RLA_ERR_FORMAT,
                   "%s: %d-D array of shape %s: a collection in one .npy file is a 3-D array of "
                   "shape (K, m, n), K blocks of m x n",
                   path, h.rank, shape);
    RLA_CHECK_GOTO(ctx, err, done, !h.fortran, RLA_ERR_FORMAT,
                   "%s: the 3-D array of shape %s is in Fortran order, which interleaves the "
                   "blocks: write it in C order (numpy: np.save(path, np.ascontiguousarray(a)))",
                   path, shape);
  } else {
    RLA_CHECK_GOTO(ctx, err, done, h.rank == 1 || h.rank == 2, RLA_ERR_FORMAT,
                   "%s: %d-D array of shape %s is not supported: rla reads 1-D and 2-D arrays (a "
                   "3-D array (K, m, n) is a collection of K blocks, which rla-cluster reads as "
                   "--collection)",
                   path, h.rank, shape);
  }
  RLA_CHECK_GOTO(ctx, err, done, !h.negative, RLA_ERR_FORMAT, "%s: negative dimension in shape %s",
                 path, shape);
  RLA_CHECK_GOTO(ctx, err, done, !h.dim_too_big, RLA_ERR_FORMAT,
                 "%s: a dimension in the shape overflows 64-bit integers", path);
  if (stack) {
    *stack = h.dims[0];
    info->m = h.dims[1];
    info->n = h.dims[2];
    RLA_CHECK_GOTO(ctx, err, done, *stack > 0 && info->m > 0 && info->n > 0, RLA_ERR_SHAPE,
                   "%s: the stack of shape %s needs blocks, and the blocks rows and columns", path,
                   shape);
  } else {
    info->m = h.dims[0];
    info->n = h.rank == 2 ? h.dims[1] : 1;
    info->vector = h.rank == 1;
    info->fortran = h.fortran;
  }
  RLA_CHECK_GOTO(ctx, err, done, info->m <= INT_MAX && info->n <= INT_MAX, RLA_ERR_UNSUPPORTED,
                 "%s: shape %s exceeds 2^31-1 rows or columns, the ScaLAPACK limit", path, shape);
  data = prefix + hlen;
  info->offset = data;
  RLA_CHECK_GOTO(ctx, err, done, info->n == 0 || info->m <= (INT64_MAX - data) / esize / info->n,
                 RLA_ERR_FORMAT, "%s: shape %s needs more than 2^63 bytes", path, shape);
  if (stack) {
    /* the whole stack, K m n elements: the size check below is of all of them */
    RLA_CHECK_GOTO(ctx, err, done, *stack <= (INT64_MAX - data) / esize / (info->m * info->n),
                   RLA_ERR_FORMAT, "%s: shape %s needs more than 2^63 bytes", path, shape);
  }
  snprintf(what, sizeof(what),
           "a%s %s array of shape %s (%lld bytes of data after the %lld-byte header)",
           info->dtype == RLA_IO_I1 || info->dtype == RLA_IO_I2 || info->dtype == RLA_IO_I4 ||
                   info->dtype == RLA_IO_I8
               ? "n"
               : "",
           rla_io_dtype_name(info->dtype), shape,
           (long long)((stack ? *stack : 1) * info->m * info->n * esize), (long long)data);
  RLA_CALL_GOTO(ctx, err, done,
                rla_io_check_size(ctx, path, size,
                                  data + (stack ? *stack : 1) * info->m * info->n * esize, what,
                                  ""));
done:
  rla_free(&text);
  if (!err && keep)
    *keep = fd;
  else if (fd >= 0)
    close(fd);
  return err;
}

rla_err rla_io_npy_header(rla_ctx ctx, const char *path, rla_io_info *info, int *keep)
{
  return parse_file(ctx, path, info, keep, NULL);
}

rla_err rla_io_npy_stack_header(rla_ctx ctx, const char *path, rla_io_info *info, int64_t *K)
{
  *K = 0;
  return parse_file(ctx, path, info, NULL, K);
}

/* The file's byte order differs from the host's */
static int swapped(const rla_io_info *info) { return info->big == rla_io_host_little(); }

/* Fortran order: column j holds rows [row0, row0+lm) at off + s (j m + row0) for elements of s
   bytes; a vector file type picks them for a block of columns, read straight into the local
   array for float64, else into a buffer and widened column by column. */
static rla_err read_fortran(rla_dmat A, MPI_File fh, const rla_io_info *info, const char *path)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  int64_t m, n, lm, lld, row0 = rla_dmat_row_offset(A), chunk, ncols, mine, nchunks = 0;
  const int64_t es = rla_io_dtype_size(info->dtype);
  const int direct = info->dtype == RLA_IO_F8, swap = swapped(info);
  double *a;
  unsigned char *raw = NULL;
  MPI_Datatype etype = MPI_DOUBLE;
  rla_err err = RLA_SUCCESS;

  rla_dmat_sizes(A, &m, &n);
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  chunk = rla_io_chunk_bytes() / es;
  ncols = lm ? (chunk / lm > 0 ? chunk / lm : 1) : 1;
  if (ncols > n) ncols = n > 0 ? n : 1;
  mine = lm ? (n + ncols - 1) / ncols : 0;
  RLA_MPI(ctx, MPI_Allreduce(&mine, &nchunks, 1, MPI_INT64_T, MPI_MAX, rla_ctx_comm(ctx)));
  if (!direct) {
    MPI_Type_contiguous((int)es, MPI_BYTE, &etype);
    MPI_Type_commit(&etype);
    if (mine) err = rla_calloc(ctx, (size_t)(ncols * lm), (size_t)es, &raw);
  }
  err = rla_ctx_agree(ctx, err);
  for (int64_t c = 0; c < nchunks && !err; c++) {
    int64_t j0 = c * ncols, k = c < mine ? (n - j0 < ncols ? n - j0 : ncols) : 0;
    MPI_Datatype ftype = etype;
    MPI_Offset disp = info->offset;
    MPI_Status st;
    void *dst = direct ? (void *)(k ? a + j0 * lld : a) : (void *)raw;
    int rc, got = 0;
    if (k) {
      MPI_Type_vector((int)k, (int)lm, (int)m, etype, &ftype);
      MPI_Type_commit(&ftype);
      disp = info->offset + ((MPI_Offset)j0 * m + row0) * (MPI_Offset)es;
    }
    rc = MPI_File_set_view(fh, disp, etype, ftype, "native", MPI_INFO_NULL);
    if (rc == MPI_SUCCESS) rc = MPI_File_read_all(fh, dst, (int)(k * lm), etype, &st);
    if (k) MPI_Type_free(&ftype);
    if (rc != MPI_SUCCESS && !err)
      err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: MPI-IO read of columns %lld..%lld failed", path, (long long)j0,
                          (long long)(j0 + k - 1));
    else if (rc == MPI_SUCCESS &&
             (MPI_Get_count(&st, etype, &got) != MPI_SUCCESS || got != k * lm) && !err)
      err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: short read: %d of %lld values (was the file changed?)", path, got,
                          (long long)(k * lm));
    if (k && direct && swap) rla_io_swap(a + j0 * lld, k * lld, sizeof(double));
    for (int64_t t = 0; k && !direct && t < k; t++)
      rla_io_widen(raw + t * lm * es, info->dtype, swap, lm, a + (j0 + t) * lld);
    err = rla_ctx_agree(ctx, err);
  }
  if (!direct) MPI_Type_free(&etype);
  rla_free(&raw);
  RLA_CALL(ctx, err);
  return RLA_SUCCESS;
}

rla_err rla_io_npy_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A)
{
  MPI_File fh;
  rla_err err;
  RLA_CALL(ctx, rla_io_mpi_open(ctx, path, MPI_MODE_RDONLY, &fh));
  if (info->fortran)
    err = read_fortran(A, fh, info, path);
  else
    err = rla_io_read_rowmajor(A, fh, info->offset, swapped(info), info->dtype, path);
  MPI_File_close(&fh);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

rla_err rla_io_npy_read_local(rla_ctx ctx, int fd, const char *path, const rla_io_info *info,
                              rla_dmat A, rla_io_scratch *scratch)
{
  int64_t m, n, lm, lld, row0 = rla_dmat_row_offset(A), es = rla_io_dtype_size(info->dtype);
  double *a;
  const int swap = swapped(info);
  unsigned char *raw;
  if (!info->fortran) {
    RLA_CALL(ctx, rla_io_read_rowmajor_local(ctx, A, fd, info->offset, swap, info->dtype, path,
                                             scratch));
    return RLA_SUCCESS;
  }
  rla_dmat_sizes(A, &m, &n);
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  if (info->dtype == RLA_IO_F8) {
    for (int64_t j = 0; j < n && lm > 0; j++) {
      RLA_CALL(ctx, rla_io_pread(ctx, fd, info->offset + (j * m + row0) * es, a + j * lld, lm * es,
                                 path));
      if (swap) rla_io_swap(a + j * lld, lm, sizeof(double));
    }
    return RLA_SUCCESS;
  }
  /* narrower elements: a column's lm of them through scratch, widened into place */
  if (!scratch) {
    rla_io_scratch own = {0};
    rla_err err = rla_io_npy_read_local(ctx, fd, path, info, A, &own);
    rla_io_scratch_free(&own);
    return err;
  }
  RLA_CALL(ctx, rla_io_scratch_reserve(ctx, scratch, (lm * es + 7) / 8));
  raw = (unsigned char *)scratch->buf;
  for (int64_t j = 0; j < n && lm > 0; j++) {
    RLA_CALL(ctx, rla_io_pread(ctx, fd, info->offset + (j * m + row0) * es, raw, lm * es, path));
    rla_io_widen(raw, info->dtype, swap, lm, a + j * lld);
  }
  return RLA_SUCCESS;
}

/* The header numpy 1.24 writes for a C-order float64 array: the dict, room for the first axis
   to grow, spaces up to a multiple of 64 bytes and '\n'; version 2.0 only when the length does
   not fit 16 bits. Returns the header's total length. */
static int build_header(int64_t m, int64_t n, int vector, char *buf, size_t len)
{
  char dict[256], first[32];
  int dlen, prefix = 10, total, hlen;
  if (vector)
    dlen = snprintf(dict, sizeof(dict),
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (%lld,), }", (long long)m);
  else
    dlen = snprintf(dict, sizeof(dict),
                    "{'descr': '<f8', 'fortran_order': False, 'shape': (%lld, %lld), }",
                    (long long)m, (long long)n);
  dlen +=
      snprintf(dict + dlen, sizeof(dict) - (size_t)dlen, "%*s",
               GROWTH_AXIS_MAX_DIGITS - snprintf(first, sizeof(first), "%lld", (long long)m), "");
  hlen = dlen + 1;
  total = prefix + hlen + (ALIGN - (prefix + hlen) % ALIGN);
  if (total - prefix > 65535) {
    prefix = 12;
    total = prefix + hlen + (ALIGN - (prefix + hlen) % ALIGN);
  }
  if ((size_t)total > len) return -1;
  memcpy(buf, MAGIC, MAGIC_LEN);
  buf[6] = prefix == 10 ? 1 : 2;
  buf[7] = 0;
  hlen = total - prefix;
  for (int b = 0; b < prefix - 8; b++)
    buf[8 + b] = (char)((hlen >> (8 * b)) & 0xff);
  memcpy(buf + prefix, dict, (size_t)dlen);
  memset(buf + prefix + dlen, ' ', (size_t)(total - prefix - dlen - 1));
  buf[total - 1] = '\n';
  return total;
}

rla_err rla_io_npy_write(rla_dmat A, const char *path, unsigned flags)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  char header[512], tmp[RLA_PATH_MAX];
  int64_t m, n;
  int hlen;
  MPI_File fh;
  rla_err err;

  rla_dmat_sizes(A, &m, &n);
  hlen = build_header(m, n, (flags & RLA_IO_VECTOR) != 0, header, sizeof(header));
  RLA_CHECK(ctx, hlen > 0, RLA_ERR_INTERNAL, "%s: .npy header does not fit", path);
  RLA_CALL(ctx, rla_io_mpi_create(ctx, path, tmp, sizeof(tmp), &fh));
  err = rla_io_write_header(ctx, fh, header, hlen, path);
  if (!err) err = rla_io_write_rowmajor(A, fh, hlen, !rla_io_host_little(), path);
  RLA_CALL(ctx, rla_io_mpi_finish(ctx, &fh, tmp, path, hlen + 8 * m * n, err));
  return RLA_SUCCESS;
}
