/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of rla_io: round trips of every format (uneven rows, ranks without rows, vectors, cyclic
   sources, chunked transfers), bit-exact values, hand-made files (Fortran order, .npy 2.0,
   Matrix Market coordinate/symmetric/pattern, PETSc AIJ and dense), one provoked error per
   reader case, and atomic writes that leave no partial file; the same for sparse matrices
   (CSR), read without densifying and checked against the dense reader. */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "../../src/io/io_impl.h"

static int rank(void) { return rla_ctx_rank(rla_test_ctx); }

/* the matrix of tests/interop/io_tool.c: signs, magnitudes 2^-30..2^30, subnormals and -0.0 */
static double entry(int64_t i, int64_t j, void *data)
{
  int64_t k = (i * 131 + j * 7) % 1009 - 504;
  double v = ldexp((double)k / 17.0, (int)((i + 3 * j) % 61) - 30);
  (void)data;
  if ((i + j) % 13 == 5) v = ldexp(v, -1040);
  if (k == 0 && i % 2) v = -0.0;
  return v;
}

/* values that a text or binary round trip could alter */
static const double specials[] = {-0.0,
                                  0.0,
                                  4.9406564584124654e-324,
                                  -2.2250738585072009e-308,
                                  2.2250738585072014e-308,
                                  DBL_MAX,
                                  -DBL_MAX,
                                  1.0 / 3.0,
                                  0.1,
                                  -1e-300,
                                  123456789.125,
                                  5e-324 * 12345,
                                  M_PI,
                                  -M_E};
#define NSPECIAL (sizeof(specials) / sizeof(specials[0]))

static double special(int64_t i, int64_t j, void *data)
{
  (void)data;
  return specials[(size_t)(i * 5 + j) % NSPECIAL];
}

/* rank 0 writes the file; every rank returns after it exists */
static const char *put_file(const char *name, const void *buf, size_t len)
{
  const char *path = rla_test_path(name);
  if (rank() == 0) {
    FILE *f = fopen(path, "wb");
    if (f) {
      fwrite(buf, 1, len, f);
      fclose(f);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  return path;
}

static const char *put_text(const char *name, const char *text)
{
  return put_file(name, text, strlen(text));
}

/* size of a file, -1 when missing; read on rank 0 and broadcast */
static long long file_size(const char *path)
{
  long long s = -1;
  struct stat st;
  if (rank() == 0 && stat(path, &st) == 0) s = (long long)st.st_size;
  MPI_Bcast(&s, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return s;
}

/* the whole file on rank 0 (NULL elsewhere); *len its size */
static unsigned char *slurp(const char *path, size_t *len)
{
  unsigned char *buf = NULL;
  FILE *f;
  *len = 0;
  if (rank() != 0 || !(f = fopen(path, "rb"))) return NULL;
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  rewind(f);
  buf = malloc(*len + 1);
  if (buf && fread(buf, 1, *len, f) != *len) *len = 0;
  fclose(f);
  return buf;
}

/* 1 on every rank when A is m x n and holds f(i, j) bit for bit */
static int holds(rla_dmat A, int64_t m, int64_t n, double (*f)(int64_t, int64_t, void *))
{
  int64_t am, an, lm, ln, lld;
  double *a;
  int ok = 1;
  if (!A) return rla_test_all(0);
  rla_dmat_sizes(A, &am, &an);
  rla_dmat_local(A, &a, &lm, &ln, &lld);
  ok = am == m && an == n;
  for (int64_t j = 0; j < ln && ok; j++)
    for (int64_t i = 0; i < lm; i++) {
      double want = f(rla_dmat_global_row(A, i), rla_dmat_global_col(A, j), NULL);
      ok &= !memcmp(&a[i + j * lld], &want, sizeof(double));
    }
  return rla_test_all(ok);
}

/* 1 on every rank when A is m x n and equals the column-major want bit for bit */
static int equals(rla_dmat A, int64_t m, int64_t n, const double *want)
{
  int64_t am, an;
  double *all;
  int ok;
  if (!A) return rla_test_all(0);
  rla_dmat_sizes(A, &am, &an);
  if (am != m || an != n) return rla_test_all(0);
  all = calloc((size_t)(m * n) + 1, sizeof(double));
  ok = rla_dmat_gather(A, -1, all) == RLA_SUCCESS &&
       !memcmp(all, want, sizeof(double) * (size_t)(m * n));
  free(all);
  return rla_test_all(ok);
}

/* the call failed with code, a message naming the file and holding text, on this rank */
static int failed_as(rla_err got, rla_err code, const char *path, const char *text, int line)
{
  const char *msg = rla_ctx_error_message(rla_test_ctx);
  int ok = got == code && strstr(msg, path) && strstr(msg, text);
  if (!ok)
    fprintf(stderr,
            "[rank %d] tests/unit/io.c:%d: got %d (%s) \"%s\", expected %d with \"%s\" naming %s\n",
            rank(), line, got, rla_err_name(got), msg, code, text, path);
  rla_ctx_error_clear(rla_test_ctx);
  return ok;
}

static int read_fails(const char *path, rla_format fmt, rla_err code, const char *text, int line)
{
  rla_dmat A = NULL;
  rla_err e = rla_io_read(rla_test_ctx, path, fmt, 0, &A);
  int ok = failed_as(e, code, path, text, line) && A == NULL;
  rla_dmat_destroy(&A);
  return ok;
}

/* every rank gets the same error code and a message naming the file and the problem */
#define ASSERT_READ_FAILS(path, code, text)                                                        \
  RLA_ASSERT_ALL(read_fails((path), RLA_FORMAT_AUTO, (code), (text), __LINE__))
#define ASSERT_SIZES_FAIL(path, code, text)                                                        \
  do {                                                                                             \
    int64_t m_, n_;                                                                                \
    rla_err e_ = rla_io_read_sizes(rla_test_ctx, (path), RLA_FORMAT_AUTO, &m_, &n_);               \
    RLA_ASSERT_ALL(failed_as(e_, (code), (path), (text), __LINE__));                               \
  } while (0)

/* write f as an m x n matrix (row block mb, or cyclic when mb < 0), read it back, compare */
static void round_trip(const char *name, int64_t m, int64_t n, int64_t mb, unsigned flags,
                       double (*f)(int64_t, int64_t, void *))
{
  rla_dmat A = NULL, B = NULL;
  const char *path = rla_test_path(name);
  int64_t rm = -1, rn = -1;
  if (mb < 0)
    RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, m, n, 2, 3, &A));
  else
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, n, mb, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, f, NULL));
  RLA_ASSERT_OK(rla_io_write(A, path, RLA_FORMAT_AUTO, flags));
  RLA_ASSERT_OK(rla_io_read_sizes(rla_test_ctx, path, RLA_FORMAT_AUTO, &rm, &rn));
  RLA_ASSERT_ALL(rm == m && rn == n);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &B));
  RLA_ASSERT_ALL(rla_dmat_get_layout(B) == RLA_DMAT_ROWBLOCK);
  RLA_ASSERT_ALL(holds(B, m, n, f));
  rla_dmat_destroy(&B);
  /* all rows on rank 0 */
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, m > 0 ? m : 1, &B));
  RLA_ASSERT_ALL(holds(B, m, n, f));
  rla_dmat_destroy(&B);
  rla_dmat_destroy(&A);
}

/* sizes: square, uneven splits at 2 and 3 ranks, fewer rows than ranks, empty */
static const int64_t shapes[][2] = {{7, 5}, {10, 4}, {2, 3}, {1, 1}, {1, 6}, {0, 3}, {4, 0}};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static void round_trips(const char *ext)
{
  char name[64];
  for (size_t s = 0; s < NSHAPES; s++) {
    snprintf(name, sizeof(name), "rt%zu.%s", s, ext);
    round_trip(name, shapes[s][0], shapes[s][1], 0, 0, entry);
  }
  snprintf(name, sizeof(name), "cyclic.%s", ext);
  round_trip(name, 11, 6, -1, 0, entry);
  snprintf(name, sizeof(name), "mb.%s", ext);
  round_trip(name, 9, 3, 9, 0, entry);
  snprintf(name, sizeof(name), "vector.%s", ext);
  round_trip(name, 9, 1, 0, RLA_IO_VECTOR, entry);
  snprintf(name, sizeof(name), "special.%s", ext);
  round_trip(name, 6, 7, 0, 0, special);
}

/* ---------------------------------------------------------------- .npy */

/* a .npy file by hand: prefix of the given version, dict, padding, then raw bytes */
static const char *put_npy(const char *name, int major, int minor, const char *dict,
                           const void *data, size_t len)
{
  size_t prefix = major == 1 ? 10 : 12, dlen = strlen(dict), hlen = dlen + 1, total;
  unsigned char *buf;
  const char *path;
  hlen += (64 - (prefix + hlen) % 64) % 64;
  total = prefix + hlen + len;
  buf = calloc(total, 1);
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char)major;
  buf[7] = (unsigned char)minor;
  for (size_t b = 0; b < prefix - 8; b++)
    buf[8 + b] = (unsigned char)(hlen >> (8 * b));
  memcpy(buf + prefix, dict, dlen);
  memset(buf + prefix + dlen, ' ', hlen - dlen - 1);
  buf[prefix + hlen - 1] = '\n';
  if (len) memcpy(buf + prefix + hlen, data, len);
  path = put_file(name, buf, total);
  free(buf);
  return path;
}

/* f as an m x n array in C (fortran 0) or Fortran order */
static double *array_of(int64_t m, int64_t n, int fortran, double (*f)(int64_t, int64_t, void *))
{
  double *a = calloc((size_t)(m * n) + 1, sizeof(double));
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      a[fortran ? i + j * m : i * n + j] = f(i, j, NULL);
  return a;
}

static void test_npy_round_trip(void) { round_trips("npy"); }

/* ---------------------------------------------------------------- HDF5 */

#ifdef RLA_HAVE_HDF5
static void test_h5_round_trip(void) { round_trips("h5"); }
#endif

/* naming a dataset: FILE:/NAME after an HDF5 extension, the defaults without a name */
static void test_h5_names(void)
{
  char file[64], name[64];
  RLA_ASSERT_ALL(rla_io_format_of("a.h5", RLA_FORMAT_AUTO) == RLA_FORMAT_HDF5);
  RLA_ASSERT_ALL(rla_io_format_of("d/a.HDF5:/g/x.npy", RLA_FORMAT_AUTO) == RLA_FORMAT_HDF5);
  RLA_ASSERT_ALL(rla_io_format_of("a.npy:/x", RLA_FORMAT_AUTO) == RLA_FORMAT_AUTO);
  RLA_ASSERT_ALL(!strcmp(rla_io_format_name(RLA_FORMAT_HDF5), "hdf5"));
  RLA_ASSERT_ALL(!rla_io_hdf5_split("d.x/a.h5:/g/b:/c", 0, file, 64, name, 64) &&
                 !strcmp(file, "d.x/a.h5") && !strcmp(name, "/g/b:/c"));
  RLA_ASSERT_ALL(!rla_io_hdf5_split("d.x/a.h5", 0, file, 64, name, 64) &&
                 !strcmp(file, "d.x/a.h5") && !strcmp(name, ""));
  RLA_ASSERT_ALL(!rla_io_hdf5_split("d.x/a.b.h5", 1, file, 64, name, 64) &&
                 !strcmp(file, "d.x/a.b.h5") && !strcmp(name, "/a.b"));
  /* no HDF5 extension: the first ":/" of a path that is no file */
  RLA_ASSERT_ALL(!rla_io_hdf5_split("tmp/.x.tmp.Ab:/y", 1, file, 64, name, 64) &&
                 !strcmp(file, "tmp/.x.tmp.Ab") && !strcmp(name, "/y"));
  RLA_ASSERT_ALL(rla_io_hdf5_split("a.h5:/y", 0, file, 4, name, 64) == -1);
  RLA_ASSERT_ALL(rla_io_hdf5_split("a.h5:/yyyy", 0, file, 64, name, 4) == -1);
}

/* the header is byte for byte what numpy 1.24 writes for np.save of a (3, 4) and a (5,) array */
static void test_npy_header_exact(void)
{
  static const char dict34[] = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
  static const char dict5[] = "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }";
  const char *dicts[2] = {dict34, dict5};
  int64_t ms[2] = {3, 5}, ns[2] = {4, 1};
  for (int t = 0; t < 2; t++) {
    rla_dmat A = NULL;
    const char *path = rla_test_path(t ? "exact5.npy" : "exact34.npy");
    unsigned char *buf, want[128];
    size_t len;
    int ok = 1;
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, ms[t], ns[t], 0, &A));
    RLA_ASSERT_OK(rla_dmat_fill(A, entry, NULL));
    RLA_ASSERT_OK(rla_io_write(A, path, RLA_FORMAT_NPY, t ? RLA_IO_VECTOR : 0));
    memcpy(want, "\x93NUMPY\x01\x00\x76\x00", 10);
    memset(want + 10, ' ', sizeof(want) - 10);
    memcpy(want + 10, dicts[t], strlen(dicts[t]));
    want[127] = '\n';
    buf = slurp(path, &len);
    if (rank() == 0) {
      double *data = array_of(ms[t], ns[t], 0, entry);
      ok = buf && len == 128 + 8 * (size_t)(ms[t] * ns[t]) && !memcmp(buf, want, 128) &&
           !memcmp(buf + 128, data, len - 128);
      free(data);
    }
    free(buf);
    RLA_ASSERT_ALL(ok);
    rla_dmat_destroy(&A);
  }
}

static void test_npy_hand_made(void)
{
  const int64_t m = 7, n = 5;
  double *c = array_of(m, n, 0, entry), *f = array_of(m, n, 1, entry);
  size_t len = sizeof(double) * (size_t)(m * n);
  rla_dmat A = NULL;
  const char *path;
  /* Fortran order, read with a strided file view */
  path = put_npy("fortran.npy", 1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (7, 5), }",
                 f, len);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(holds(A, m, n, entry));
  rla_dmat_destroy(&A);
  /* another key order, double quotes, odd spacing, no trailing comma, Python 2 longs */
  path = put_npy("keys.npy", 1, 0,
                 "{ \"shape\" :( 7L ,5L ),'fortran_order' :False,\"descr\":'<f8' }", c, len);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(holds(A, m, n, entry));
  rla_dmat_destroy(&A);
  /* versions 2.0 and 3.0 (4-byte header length) */
  path =
      put_npy("v2.npy", 2, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (7, 5), }", f, len);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(holds(A, m, n, entry));
  rla_dmat_destroy(&A);
  path = put_npy("v3.npy", 3, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (7, 5), }", c,
                 len);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(holds(A, m, n, entry));
  rla_dmat_destroy(&A);
  /* 1-D, in either order, is m x 1; a Fortran (1, n) row */
  path = put_npy("oned.npy", 1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (35,), }", c,
                 len);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 35, 1, c));
  rla_dmat_destroy(&A);
  path = put_npy("row.npy", 1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 35), }", c,
                 len);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 1, 35, c));
  rla_dmat_destroy(&A);
  free(c);
  free(f);
}

/* The widened types: a value of each that its type holds exactly (floats in quarters up to
   2.75, as float16 holds them; integers that fit 8 bits), and its bytes little-endian. */
static double typed_value(int dtype, int64_t i, int64_t j)
{
  int64_t k = (i * 7 + j * 3) % 23;
  switch (dtype) {
  case RLA_IO_F8:
  case RLA_IO_F4:
  case RLA_IO_F2: return 0.25 * (double)(k - 11);
  case RLA_IO_U1:
  case RLA_IO_U2:
  case RLA_IO_U4:
  case RLA_IO_U8: return (double)(k * 11);
  case RLA_IO_B1: return (double)((i + j) % 3 == 0);
  default: return (double)(k - 11) * (dtype == RLA_IO_I1 ? 1.0 : 1000.0);
  }
}

static void typed_bytes(int dtype, double v, unsigned char *b)
{
  union {
    double f8;
    float f4;
    int64_t i8;
    uint64_t u8;
    unsigned char b[8];
  } w;
  memset(&w, 0, sizeof(w));
  if (dtype == RLA_IO_F8) {
    w.f8 = v;
  } else if (dtype == RLA_IO_F4) {
    w.f4 = (float)v;
  } else if (dtype == RLA_IO_F2) {
    /* sign, exponent (bias 15), 10 fraction bits of a normal value; zero as +0 */
    int e;
    double f = frexp(fabs(v), &e);
    uint16_t h = v == 0.0 ? 0 : (uint16_t)((e - 1 + 15) << 10 | (int)((2.0 * f - 1.0) * 1024.0));
    if (v < 0) h |= 0x8000;
    w.u8 = h;
  } else if (dtype >= RLA_IO_U1 && dtype <= RLA_IO_B1) {
    w.u8 = (uint64_t)v;
  } else {
    w.i8 = (int64_t)v;
  }
  /* the host is little-endian: the low bytes of the word are the value's */
  memcpy(b, w.b, (size_t)rla_io_dtype_size(dtype));
}

/* every widened type, both byte orders, C and Fortran order, read with MPI-IO (rla_io_read)
   and by one rank alone (rla_io_read_local, the collections' path), with and without scratch:
   the doubles are the values written, exactly */
static void test_npy_widened(void)
{
  static const char *const codes[RLA_IO_NTYPES] = {"f8", "f4", "f2", "i1", "i2", "i4",
                                                   "i8", "u1", "u2", "u4", "u8", "b1"};
  const int64_t m = 11, n = 6;
  double *want = malloc(sizeof(double) * (size_t)(m * n));
  unsigned char *raw = malloc((size_t)(8 * m * n));
  if (!rla_io_host_little()) {
    CU_PASS("a big-endian host: the bytes here are written for a little-endian one");
    free(want);
    free(raw);
    return;
  }
  for (int dtype = 0; dtype <= RLA_IO_B1; dtype++) /* the types of .npy files */
    for (int big = 0; big < 2; big++)
      for (int fortran = 0; fortran < 2; fortran++) {
        const int es = rla_io_dtype_size(dtype);
        char dict[128], name[64];
        const char *path;
        rla_dmat A = NULL;
        rla_io_info info;
        rla_format found;
        rla_io_scratch scratch = {0};
        int fd = -1;
        if (big && es == 1) continue;
        for (int64_t i = 0; i < m; i++)
          for (int64_t j = 0; j < n; j++) {
            int64_t at = fortran ? i + j * m : i * n + j;
            unsigned char b[8];
            want[i + j * m] = typed_value(dtype, i, j);
            typed_bytes(dtype, want[i + j * m], b);
            for (int q = 0; q < es; q++)
              raw[at * es + q] = b[big ? es - 1 - q : q];
          }
        snprintf(dict, sizeof(dict), "{'descr': '%c%s', 'fortran_order': %s, 'shape': (11, 6), }",
                 es == 1 ? '|'
                 : big   ? '>'
                         : '<',
                 codes[dtype], fortran ? "True" : "False");
        snprintf(name, sizeof(name), "w%s%d%d.npy", codes[dtype], big, fortran);
        path = put_npy(name, 1, 0, dict, raw, (size_t)(es * m * n));
        RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
        RLA_ASSERT_ALL(equals(A, m, n, want));
        rla_dmat_destroy(&A);
        /* one rank alone, as the collections read their blocks */
        RLA_ASSERT_OK(rla_io_header(rla_test_ctx, path, RLA_FORMAT_AUTO, &found, &info, &fd));
        CU_ASSERT_EQUAL(info.dtype, dtype);
        RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, m, n, 0, &A));
        RLA_ASSERT_OK(rla_io_read_local(rla_test_ctx, rla_test_ctx, path, found, &info, A, fd,
                                        big ? NULL : &scratch));
        RLA_ASSERT_ALL(equals(A, m, n, want));
        rla_dmat_destroy(&A);
        rla_io_scratch_free(&scratch);
        if (fd >= 0) close(fd);
      }
  free(want);
  free(raw);
}

/* float16's special values: subnormals and signed zeros widen exactly, an infinity is refused
   as non-finite input */
static void test_npy_float16(void)
{
  const uint16_t bits[4] = {0x0001, 0x8000, 0x03ff, 0x7bff}; /* 2^-24, -0, (1023) 2^-24, 65504 */
  const double want[4] = {ldexp(1.0, -24), -0.0, 1023.0 * ldexp(1.0, -24), 65504.0};
  const uint16_t inf[4] = {0x3c00, 0x7c00, 0, 0};
  rla_dmat A = NULL;
  const char *path = put_npy("half.npy", 1, 0,
                             "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", bits, 8);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 4, 1, want));
  rla_dmat_destroy(&A);
  path = put_npy("halfinf.npy", 1, 0, "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }",
                 inf, 8);
  ASSERT_READ_FAILS(path, RLA_ERR_VALUE, "Inf");
}

/* bfloat16, every one of the 65536 bit patterns widened (rla_io_widen, little- and big-endian
   bytes): the value of its fields (sign, 8 exponent bits of bias 127, 7 fraction bits; exponent
   0 holds zeros and subnormals, 255 infinities and NaNs), which is also the float32 of the same
   bits followed by 16 zero bits; signed zeros keep their sign and NaNs stay NaNs (the collections
   then refuse them and infinities as non-finite input) */
static void test_bfloat16(void)
{
  uint16_t *bits = malloc(sizeof(uint16_t) * 65536);
  unsigned char *swapped = malloc(2 * 65536);
  double *got = malloc(sizeof(double) * 65536), *got_be = malloc(sizeof(double) * 65536);
  int64_t bad = 0, nan = 0, inf = 0;
  CU_ASSERT_EQUAL(rla_io_dtype_size(RLA_IO_BF16), 2);
  CU_ASSERT_STRING_EQUAL(rla_io_dtype_name(RLA_IO_BF16), "bfloat16");
  for (int b = 0; b < 65536; b++) {
    bits[b] = (uint16_t)b;
    swapped[2 * b] = (unsigned char)(b >> 8);
    swapped[2 * b + 1] = (unsigned char)(b & 0xff);
  }
  rla_io_widen(bits, RLA_IO_BF16, 0, 65536, got);
  rla_io_widen(swapped, RLA_IO_BF16, 1, 65536, got_be);
  for (int b = 0; b < 65536; b++) {
    const int e = (b >> 7) & 0xff, f = b & 0x7f, neg = b >> 15;
    uint32_t u = (uint32_t)b << 16;
    float f32;
    double want;
    memcpy(&f32, &u, sizeof(f32));
    if (e == 255 && f) {
      nan++;
      bad += !isnan(got[b]) || !isnan(got_be[b]) || !isnan(f32);
      continue;
    }
    if (e == 255)
      want = INFINITY;
    else if (e == 0)
      want = ldexp((double)f, -133);
    else
      want = ldexp((double)(128 + f), e - 134);
    if (neg) want = -want;
    inf += isinf(want) != 0;
    bad += got[b] != want || got_be[b] != want || (double)f32 != want ||
           signbit(got[b]) != signbit(want) || signbit(got_be[b]) != signbit(want);
  }
  CU_ASSERT_EQUAL(bad, 0);
  CU_ASSERT_EQUAL(nan, 2 * 127); /* exponent 255 with a non-zero fraction, both signs */
  CU_ASSERT_EQUAL(inf, 2);
  /* a few values by hand: 1, -2, the largest finite, the smallest subnormal */
  CU_ASSERT_EQUAL(got[0x3f80], 1.0);
  CU_ASSERT_EQUAL(got[0xc000], -2.0);
  CU_ASSERT_EQUAL(got[0x7f7f], ldexp(255.0, 120));
  CU_ASSERT_EQUAL(got[0x0001], ldexp(1.0, -133));
  free(bits);
  free(swapped);
  free(got);
  free(got_be);
}

/* A safetensors file: the 8-byte length of header, header, then len bytes of data (zeros) */
static const char *put_st(const char *name, const char *header, size_t len)
{
  size_t h = strlen(header);
  unsigned char *buf = calloc(8 + h + len + 1, 1);
  const char *path;
  for (int b = 0; b < 8; b++)
    buf[b] = (unsigned char)((uint64_t)h >> (8 * b));
  memcpy(buf + 8, header, h);
  path = put_file(name, buf, 8 + h + len);
  free(buf);
  return path;
}

/* the safetensors header parser: the tensors in the header's order with their dtypes, shapes,
   absolute offsets and sizes (gaps and empty tensors allowed, __metadata__ skipped); one
   provoked error per check, each naming the file and the tensor */
static void test_safetensors_header(void)
{
  static const struct {
    const char *name, *header, *text;
  } bad[] = {
      {"st-complex", "{\"a\":{\"dtype\":\"C64\",\"shape\":[2],\"data_offsets\":[0,16]}}",
       "tensor 'a': dtype C64 is complex, and rla reads real arrays: stack the real and "
       "imaginary parts as two real matrices"},
      {"st-neg", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2,2],\"data_offsets\":[0,16]}}",
       "tensor 'a': shape entry 0 is -2"},
      {"st-frac", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,1.5],\"data_offsets\":[0,12]}}",
       "tensor 'a': shape entry 1 is 1.5"},
      {"st-big",
       "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,1]}}",
       "tensor 'a': the shape's element count overflows"},
      {"st-dup",
       "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
       "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}",
       "tensor 'a' appears twice"},
      {"st-meta", "{\"__metadata__\":{\"k\":3}}", "\"__metadata__\" entry 'k' is not a string"},
      {"st-nofield", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2]}}", "tensor 'a': no \"data_offsets\""},
      {"st-entry", "{\"a\":[1,2]}", "tensor 'a': its entry must be an object"},
      {"st-offsets", "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0]}}",
       "tensor 'a': \"data_offsets\" must be two non-negative integers"},
      {"st-order", "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[2,1]}}",
       "tensor 'a': data_offsets [2, 1] begin after they end"},
      {"st-dtype", "{\"a\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,2]}}",
       "tensor 'a': \"dtype\" must be a string"},
      {"st-array", "[1, 2]", "the JSON is not an object of tensors"},
      {"st-trail", "{} x", "not valid JSON (text after its end"},
      {"st-utf8", "{\"\xc3\x28\":1}", "not UTF-8 (byte 2 of the header)"},
  };
  const char *path;
  rla_io_st_tensor *t = NULL;
  int64_t n = 0;
  unsigned char raw[8] = {0};
  path = put_st("st-good.safetensors",
                "{\"z\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[16,28]},"
                "\"__metadata__\":{\"format\":\"pt\"},"
                "\"a\":{\"dtype\":\"I8\",\"shape\":[],\"data_offsets\":[0,1]},"
                "\"e\":{\"dtype\":\"F64\",\"shape\":[0,4],\"data_offsets\":[28,28]},"
                "\"m\":{\"dtype\":\"U32\",\"shape\":[2,1,2],\"data_offsets\":[28,44]}}   ",
                44);
  RLA_ASSERT_OK(rla_io_safetensors_header(rla_test_ctx, path, &t, &n));
  CU_ASSERT_EQUAL_FATAL(n, 4);
  CU_ASSERT_STRING_EQUAL(t[0].name, "z");
  CU_ASSERT_STRING_EQUAL(t[1].name, "a");
  CU_ASSERT_STRING_EQUAL(t[2].name, "e");
  CU_ASSERT_STRING_EQUAL(t[3].name, "m");
  CU_ASSERT(t[0].dtype == RLA_IO_BF16 && t[1].dtype == RLA_IO_I1 && t[2].dtype == RLA_IO_F8 &&
            t[3].dtype == RLA_IO_U4);
  CU_ASSERT(t[0].ndim == 2 && t[0].shape[0] == 2 && t[0].shape[1] == 3 && t[0].count == 6);
  CU_ASSERT(t[1].ndim == 0 && t[1].count == 1 && t[2].count == 0 && t[3].ndim == 3);
  /* the header is 8 + its length bytes into the file */
  {
    const int64_t base = 8 + 260;
    CU_ASSERT(t[0].offset == base + 16 && t[0].bytes == 12);
    CU_ASSERT(t[2].offset == base + 28 && t[2].bytes == 0);
    CU_ASSERT(t[3].offset == base + 28 && t[3].bytes == 16);
  }
  rla_io_safetensors_free(n, &t);
  CU_ASSERT_PTR_NULL(t);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char name[64];
    snprintf(name, sizeof(name), "%s.safetensors", bad[i].name);
    path = put_st(name, bad[i].header, 64);
    RLA_ASSERT_FAILS(rla_io_safetensors_header(rla_test_ctx, path, &t, &n), RLA_ERR_FORMAT,
                     bad[i].text);
    CU_ASSERT(t == NULL && n == 0);
  }
  /* the 8 bytes of the length: fewer, 0, over 100 MB */
  path = put_file("st-short.safetensors", raw, 5);
  RLA_ASSERT_FAILS(rla_io_safetensors_header(rla_test_ctx, path, &t, &n), RLA_ERR_FORMAT,
                   "5 bytes, fewer than the 8");
  path = put_file("st-zero.safetensors", raw, 8);
  RLA_ASSERT_FAILS(rla_io_safetensors_header(rla_test_ctx, path, &t, &n), RLA_ERR_FORMAT,
                   "its length is 0");
  raw[3] = 0x10; /* 2^28 */
  path = put_file("st-huge.safetensors", raw, 8);
  RLA_ASSERT_FAILS(rla_io_safetensors_header(rla_test_ctx, path, &t, &n), RLA_ERR_FORMAT,
                   "268435456 bytes, over the limit");
}

static void test_npy_errors(void)
{
  double *c = array_of(3, 4, 0, entry);
  size_t len = 96;
  const char *path;
  char text[128];
  static const char *dtypes[][2] = {{"<f16", "'<f16' (float128)"},
                                    {"|f8", "'|f8' (float64)"},
                                    {"<M8[s]", "'<M8[s]' (datetime64)"},
                                    {"|O", "'|O' (Python object)"},
                                    {"<U3", "'<U3' (unicode string)"}};

  ASSERT_READ_FAILS(rla_test_path("missing.npy"), RLA_ERR_FILE,
                    "cannot open: No such file or directory");
  ASSERT_SIZES_FAIL(rla_test_path("missing.npy"), RLA_ERR_FILE,
                    "cannot open: No such file or directory");
  ASSERT_READ_FAILS(rla_test_tmpdir, RLA_ERR_FILE, "cannot open: Is a directory");
  /* the shape and the file size disagree either way */
  path = put_npy("short.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }",
                 c, len - 8);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT,
                    "truncated: the header announces a float64 array of shape (3, 4)");
  ASSERT_SIZES_FAIL(path, RLA_ERR_FORMAT, "8 missing");
  path = put_npy("long.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 4), }", c,
                 len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "over-long");
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "(32 too many)");
  path = put_npy("long1.npy", 1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (11,), }", c,
                 len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT,
                    "shape (11,) (88 bytes of data after the 128-byte header)");
  /* magic, version, header length */
  path = put_file("magic.npy", "\x93NUMPX\x01\x00\x10\x00{}              \n", 26);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "not a .npy file: bad magic");
  path = put_file("tiny.npy", "\x93NUM", 4);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "bad magic");
  path = put_npy("v4.npy", 4, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", c,
                 len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "unknown .npy format version 4.0");
  path = put_npy("v11.npy", 1, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", c,
                 len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "unknown .npy format version 1.1");
  path = put_file("hlen.npy", "\x93NUMPY\x01\x00\xe8\x03{'descr': '<f8'}\n", 27);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "header length field says 1000 bytes");
  /* the dict */
  path = put_npy("colon.npy", 1, 0, "{'descr' '<f8', 'fortran_order': False, 'shape': (3, 4), }", c,
                 len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "bad .npy header: expected ':' after the key");
  path = put_npy("nodict.npy", 1, 0, "[3, 4]", c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "expected a dict");
  path = put_npy("noshape.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False}", c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "the key 'shape' is missing");
  path = put_npy("extra.npy", 1, 0,
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'x': 1}", c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "unexpected key 'x'");
  path =
      put_npy("order.npy", 1, 0, "{'descr': '<f8', 'fortran_order': 0, 'shape': (3, 4), }", c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "expected True or False");
  path = put_npy("shape.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, x), }",
                 c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "expected a tuple of integers");
  path = put_npy("struct.npy", 1, 0,
                 "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,), }", c, 24);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "structured dtype");
  /* dtypes other than little-endian float64 are named */
  for (size_t t = 0; t < sizeof(dtypes) / sizeof(dtypes[0]); t++) {
    char dict[128], name[32];
    snprintf(dict, sizeof(dict), "{'descr': '%s', 'fortran_order': False, 'shape': (3, 4), }",
             dtypes[t][0]);
    snprintf(name, sizeof(name), "dtype%zu.npy", t);
    path = put_npy(name, 1, 0, dict, c, len);
    snprintf(text, sizeof(text), "dtype %s is not supported", dtypes[t][1]);
    ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, text);
  }
  /* complex arrays: the way round them is named */
  path = put_npy("complex.npy", 1, 0,
                 "{'descr': '<c16', 'fortran_order': False, 'shape': (3, 2), }", c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT,
                    "dtype '<c16' (complex128) is complex, and rla reads real arrays: stack the "
                    "real and imaginary parts");
  /* a narrower type's size is checked in its own elements */
  path = put_npy("short4.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
                 c, 44);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT,
                    "truncated: the header announces a float32 array of shape (3, 4)");
  /* shapes */
  path = put_npy("rank3.npy", 1, 0,
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 2), }", c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "3-D array of shape (2, 3, 2) is not supported");
  path =
      put_npy("rank0.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", c, 8);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "0-D array of shape ()");
  path = put_npy("negative.npy", 1, 0,
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 4), }", c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "negative dimension in shape (-3, 4)");
  path = put_npy("overflow.npy", 1, 0,
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 4), }",
                 c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "overflows 64-bit");
  path = put_npy("huge.npy", 1, 0,
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (3000000000, 4), }", c, len);
  ASSERT_READ_FAILS(path, RLA_ERR_UNSUPPORTED, "exceeds 2^31-1");
  ASSERT_SIZES_FAIL(path, RLA_ERR_UNSUPPORTED, "the ScaLAPACK limit");
  /* NaN and Inf, in either order */
  c[1 * 4 + 2] = NAN;
  path = put_npy("nan.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", c,
                 len);
  ASSERT_READ_FAILS(path, RLA_ERR_VALUE, "non-finite value (NaN or Inf) at row 1, column 2");
  c[1 * 4 + 2] = 1.0;
  c[2 * 4 + 0] = -INFINITY; /* Fortran (3, 4): element 8 is row 2, column 2 */
  path = put_npy("inf.npy", 1, 0, "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 4), }", c,
                 len);
  ASSERT_READ_FAILS(path, RLA_ERR_VALUE, "non-finite value (NaN or Inf) at row 2, column 2");
  free(c);
}

/* ---------------------------------------------------------------- Matrix Market */

static void test_mm_round_trip(void) { round_trips("mtx"); }

/* the writer's text: banner, sizes, one shortest exact value per line, column-major */
static void test_mm_writer_text(void)
{
  rla_dmat A = NULL;
  const char *path = rla_test_path("text.mm");
  static const char want[] = "%%MatrixMarket matrix array real general\n2 2\n0.1\n-0\n"
                             "0.3333333333333333\n4.94065645841247e-324\n";
  double v[4] = {0.1, -0.0, 1.0 / 3.0, 4.9406564584124654e-324};
  unsigned char *buf;
  size_t len;
  int ok = 1;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 2, 2, 0, &A));
  RLA_ASSERT_OK(rla_dmat_scatter(A, 0, v));
  RLA_ASSERT_OK(rla_io_write(A, path, RLA_FORMAT_AUTO, 0));
  buf = slurp(path, &len);
  if (rank() == 0) ok = buf && len == strlen(want) && !memcmp(buf, want, len);
  free(buf);
  RLA_ASSERT_ALL(ok);
  rla_dmat_destroy(&A);
}

static void test_mm_hand_made(void)
{
  rla_dmat A = NULL;
  const char *path;
  /* coordinate general: comments, blank lines, CRLF, a duplicate (summed), an explicit -0 */
  static const double general[] = {1.5, 0, 0, -0.0, 0, 0, 0, 0, 0, 3.25, 2, 0};
  static const double symmetric[] = {1, 2, 0, 4, 2, 0, 3, 0, 0, 3, 5, 0, 4, 0, 0, 6};
  static const double pattern[] = {1, 1, 1, 1, 0, 0, 1, 0, 0};
  static const double integer[] = {7, 0, 0, -12};
  static const double skew[] = {0, 2, -3, -2, 0, 0, 3, 0, 0};
  static const double array_sym[] = {1, 2, 3, 2, 4, 5, 3, 5, 6};
  path =
      put_text("general.mtx", "%%MatrixMarket matrix coordinate real general\r\n% a comment\r\n\r\n"
                              "4 3 5\r\n1 1 1.5\r\n3 3 2\r\n2 3 1.25\n\n2 3 2e0\n4 1 -0\n");
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 4, 3, general));
  rla_dmat_destroy(&A);
  path = put_text("symmetric.mtx", "%%MatrixMarket matrix coordinate real symmetric\n4 4 6\n"
                                   "1 1 1\n2 1 2\n4 1 4\n3 2 3\n3 3 5\n4 4 6\n");
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 4, 4, symmetric));
  rla_dmat_destroy(&A);
  path = put_text("pattern.mtx",
                  "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 3\n1 1\n2 1\n3 1\n");
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 3, 3, pattern));
  rla_dmat_destroy(&A);
  path = put_text("integer.mm",
                  "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 7\n2 2 -12\n");
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 2, 2, integer));
  rla_dmat_destroy(&A);
  path = put_text("skew.mtx",
                  "%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 2\n2 1 2\n3 1 -3\n");
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 3, 3, skew));
  rla_dmat_destroy(&A);
  path = put_text("arraysym.mtx",
                  "%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3 4\n5\n6\n");
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 3, 3, array_sym));
  rla_dmat_destroy(&A);
}

/* Entries reach their rows in rounds of RLA_IO_CHUNK_BYTES / 32 entries (16 here): round trips,
   duplicates summed in file order across rounds (1e16 + 1 - 1e16 ... depends on the order),
   a -0.0 kept, mirrored entries split between rounds, and an error after several rounds. */
static void test_mm_rounds(void)
{
  enum { M = 5, N = 3, E = 41 };
  static const double dup[] = {1e16, 1.0, -1e16, 1.0, 3.0, -1e16, 1e16, 0.5};
  char text[4096], *t = text;
  double want[M * N];
  rla_dmat A = NULL;
  const char *path;
  setenv("RLA_IO_CHUNK_BYTES", "64", 1);
  round_trips("mtx");
  /* 41 entries: (3, 2) eight times per cycle of dup, (1, 1) a -0.0, the rest (i, j) = 1..3 */
  memset(want, 0, sizeof(want));
  want[0] = -0.0;
  t += sprintf(t, "%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n1 1 -0\n", M, N, E);
  for (int e = 1; e < E; e++) {
    int i = e % 2 ? 2 : e % M, j = e % 2 ? 1 : e % N;
    double v = e % 2 ? dup[(e / 2) % 8] : (double)e, *p;
    if (i == 0 && j == 0) i = 4; /* keep (1, 1) the single -0.0 */
    p = want + i + j * M;
    *p = *p == 0.0 && !signbit(*p) ? v : *p + v;
    t += sprintf(t, "%d %d %.17g\n", i + 1, j + 1, v);
  }
  path = put_text("rounds.mtx", text);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, M, N, want) && signbit(want[0]));
  rla_dmat_destroy(&A);
  /* symmetric: 20 off-diagonal entries, each sent twice, so pairs straddle rounds */
  {
    double sym[6 * 6];
    memset(sym, 0, sizeof(sym));
    t = text;
    t += sprintf(t, "%%%%MatrixMarket matrix coordinate real symmetric\n6 6 21\n");
    for (int i = 0, e = 0; i < 6; i++)
      for (int j = 0; j <= i; j++, e++) {
        sym[i + j * 6] = sym[j + i * 6] = e + 0.25;
        t += sprintf(t, "%d %d %.17g\n", i + 1, j + 1, e + 0.25);
      }
    path = put_text("rounds_sym.mtx", text);
    RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
    RLA_ASSERT_ALL(equals(A, 6, 6, sym));
    rla_dmat_destroy(&A);
  }
  /* a bad value on line 40, after two rounds went out: every rank fails with its line */
  t = text;
  t += sprintf(t, "%%%%MatrixMarket matrix array real general\n8 8\n");
  for (int e = 0; e < 64; e++)
    t += sprintf(t, e == 37 ? "x\n" : "%d\n", e);
  path = put_text("rounds_bad.mtx", text);
  snprintf(text, sizeof(text), "%s:40: 'x' is not a number", path);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, text);
  unsetenv("RLA_IO_CHUNK_BYTES");
}

static void test_mm_errors(void)
{
  char text[256];
  const char *path;
  const struct {
    const char *name, *content, *text;
    int line; /* where the message points, 0: no line */
    rla_err code;
  } cases[] = {
      {"empty.mtx", "", "empty file: expected the banner", 0, RLA_ERR_FORMAT},
      {"banner.mtx", "%MatrixMarket matrix array real general\n1 1\n1\n", "bad banner", 1,
       RLA_ERR_FORMAT},
      {"banner2.mtx", "%%MatrixMarket matrix array real\n1 1\n1\n", "bad banner", 1,
       RLA_ERR_FORMAT},
      {"vector.mtx", "%%MatrixMarket vector array real general\n1 1\n1\n",
       "bad banner: object 'vector'", 1, RLA_ERR_FORMAT},
      {"format.mtx", "%%MatrixMarket matrix dense real general\n1 1\n1\n",
       "bad banner: format 'dense'", 1, RLA_ERR_FORMAT},
      {"complex.mtx", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n",
       "complex matrices (field 'complex') are not supported", 1, RLA_ERR_FORMAT},
      {"hermitian.mtx", "%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n",
       "bad banner: symmetry 'hermitian' is not supported", 1, RLA_ERR_FORMAT},
      {"patarray.mtx", "%%MatrixMarket matrix array pattern general\n1 1\n",
       "bad banner: field 'pattern' needs the 'coordinate'", 1, RLA_ERR_FORMAT},
      {"nosize.mtx", "%%MatrixMarket matrix coordinate real general\n% only comments\n\n",
       "missing size line 'rows columns entries'", 3, RLA_ERR_FORMAT},
      {"size.mtx", "%%MatrixMarket matrix coordinate real general\n3 3\n", "bad size line", 2,
       RLA_ERR_FORMAT},
      {"size2.mtx", "%%MatrixMarket matrix array real general\n3 x\n",
       "bad size line \"3 x\": 'x' is not a non-negative integer", 2, RLA_ERR_FORMAT},
      {"range.mtx", "%%MatrixMarket matrix coordinate real general\n4 3 2\n1 1 1\n5 1 2\n",
       "entry (5, 1) is out of range for the 4 x 3 matrix", 4, RLA_ERR_FORMAT},
      {"range0.mtx", "%%MatrixMarket matrix coordinate real general\n4 3 1\n1 0 1\n",
       "entry (1, 0) is out of range", 3, RLA_ERR_FORMAT},
      {"fewer.mtx", "%%MatrixMarket matrix coordinate real general\n4 3 3\n1 1 1\n2 2 2\n",
       "wrong entry count: the file ends after 2 of the 3 entries announced on line 2", 4,
       RLA_ERR_FORMAT},
      {"more.mtx", "%%MatrixMarket matrix coordinate real general\n4 3 1\n1 1 1\n2 2 2\n",
       "wrong entry count: more entries than the 1 announced on line 2", 4, RLA_ERR_FORMAT},
      {"arrayfewer.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n",
       "wrong entry count: the file ends after 3 of the 4 values", 5, RLA_ERR_FORMAT},
      {"arraymore.mtx", "%%MatrixMarket matrix array real general\n2 1\n1\n2\n3\n",
       "wrong entry count: more values than the 2 announced on line 2", 5, RLA_ERR_FORMAT},
      {"token.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 abc\n",
       "'abc' is not a number", 3, RLA_ERR_FORMAT},
      {"index.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1.5 1 1\n",
       "row index '1.5' is not an integer", 3, RLA_ERR_FORMAT},
      {"missing.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1\n",
       "expected 'row column value'", 3, RLA_ERR_FORMAT},
      {"extra.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 1 5\n",
       "unexpected '5' after the entry", 3, RLA_ERR_FORMAT},
      {"intfield.mtx", "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n",
       "'1.5' is not an integer (field 'integer')", 3, RLA_ERR_FORMAT},
      {"square.mtx", "%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n",
       "a symmetric matrix must be square", 2, RLA_ERR_FORMAT},
      {"skewdiag.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n1 1 1\n",
       "entry (1, 1) on the diagonal of a skew-symmetric matrix", 3, RLA_ERR_FORMAT},
      {"nan.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 1 nan\n",
       "non-finite value 'nan' at row 2, column 1", 4, RLA_ERR_VALUE},
      {"inf.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n2\n-inf\n4\n",
       "non-finite value '-inf' at row 1, column 2", 5, RLA_ERR_VALUE},
      {"big.mtx", "%%MatrixMarket matrix array real general\n1 1\n1e999\n",
       "non-finite value '1e999'", 3, RLA_ERR_VALUE},
      {"huge.mtx", "%%MatrixMarket matrix array real general\n3000000000 1\n",
       "3000000000 x 1 exceeds 2^31-1", 2, RLA_ERR_UNSUPPORTED},
  };
  int ok = 1;
  ASSERT_READ_FAILS(rla_test_path("missing.mm"), RLA_ERR_FILE,
                    "cannot open: No such file or directory");
  /* every rank reads every case (read_fails prints a mismatch); one agreed assertion */
  for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
    path = put_text(cases[t].name, cases[t].content);
    if (cases[t].line)
      snprintf(text, sizeof(text), "%s:%d: %s", path, cases[t].line, cases[t].text);
    else
      snprintf(text, sizeof(text), "%s", cases[t].text);
    ok &= read_fails(path, RLA_FORMAT_AUTO, cases[t].code, text, __LINE__);
  }
  RLA_ASSERT_ALL(ok);
  /* the header alone reports header errors */
  path = rla_test_path("nosize.mtx");
  ASSERT_SIZES_FAIL(path, RLA_ERR_FORMAT, "missing size line");
}

/* ---------------------------------------------------------------- PETSc binary */

/* a PETSc binary file assembled from big-endian int32 (kind 'i') and float64 (kind 'd') items */
struct be_buf {
  unsigned char b[4096];
  size_t len;
};

static void be_int(struct be_buf *f, int32_t v)
{
  for (int k = 3; k >= 0; k--)
    f->b[f->len++] = (unsigned char)((uint32_t)v >> (8 * k));
}

static void be_double(struct be_buf *f, double v)
{
  uint64_t u;
  memcpy(&u, &v, 8);
  for (int k = 7; k >= 0; k--)
    f->b[f->len++] = (unsigned char)(u >> (8 * k));
}

/* a 4 x 5 AIJ matrix with an empty row and unsorted columns; overrides break one item each */
struct aij_case {
  int32_t classid, m, n, nz, len2, col;
  double value;
  int sorted; /* the columns of each row increasing (as MatView writes them), else two rows not */
};

static const char *put_aij(const char *name, struct aij_case c, long trim)
{
  struct be_buf f = {{0}, 0};
  const int32_t lens[4] = {2, 0, 3, 1};
  const int32_t cols[2][6] = {{4, 0, 1, 3, 2, 0}, {0, 4, 1, 2, 3, 0}};
  const double vals[6] = {1.5, -2, 3, 0.25, -0.0, 6};
  be_int(&f, c.classid);
  be_int(&f, c.m);
  be_int(&f, c.n);
  be_int(&f, c.nz);
  for (int i = 0; i < 4; i++)
    be_int(&f, i == 2 ? c.len2 : lens[i]);
  for (int k = 0; k < 6; k++)
    be_int(&f, k == 4 ? c.col : cols[c.sorted][k]);
  for (int k = 0; k < 6; k++)
    be_double(&f, k == 3 ? c.value : vals[k]);
  return put_file(name, f.b, (size_t)((long)f.len + trim));
}

static const struct aij_case aij_ok = {1211216, 4, 5, 6, 3, 2, 0.25, 0};

static void test_petsc_round_trip(void)
{
  round_trips("petsc");
  round_trip("dense.petsc", 7, 5, 0, RLA_IO_DENSE, entry);
  round_trip("dense_small.dat", 2, 3, 0, RLA_IO_DENSE, special);
  round_trip("vector.bin", 2, 1, 0, RLA_IO_VECTOR, special);
}

/* the AIJ layout MatLoad expects: header, row lengths, column indices, values, big-endian */
static void test_petsc_layout(void)
{
  rla_dmat A = NULL;
  const char *path = rla_test_path("layout.petsc");
  struct be_buf want = {{0}, 0};
  unsigned char *buf;
  size_t len;
  int ok = 1;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 2, 3, 0, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, entry, NULL));
  RLA_ASSERT_OK(rla_io_write(A, path, RLA_FORMAT_AUTO, 0));
  be_int(&want, 1211216);
  be_int(&want, 2);
  be_int(&want, 3);
  be_int(&want, 6);
  be_int(&want, 3);
  be_int(&want, 3);
  for (int k = 0; k < 6; k++)
    be_int(&want, k % 3);
  for (int k = 0; k < 6; k++)
    be_double(&want, entry(k / 3, k % 3, NULL));
  buf = slurp(path, &len);
  if (rank() == 0) ok = buf && len == want.len && !memcmp(buf, want.b, len);
  free(buf);
  RLA_ASSERT_ALL(ok);
  rla_dmat_destroy(&A);
}

static void test_petsc_hand_made(void)
{
  static const double aij[] = {-2, 0, 0, 6, 0, 0, 3, 0, 0, 0, -0.0, 0, 0, 0, 0.25, 0, 1.5, 0, 0, 0};
  struct be_buf f = {{0}, 0};
  rla_dmat A = NULL;
  const char *path = put_aij("aij.petsc", aij_ok, 0);
  double dense[6];
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 4, 5, aij));
  rla_dmat_destroy(&A);
  /* full rows in order (moved as blocks), a full row out of order, an empty row, a partial row */
  {
    static const int32_t lens[5] = {3, 3, 3, 0, 2}, cols[11] = {0, 1, 2, 0, 1, 2, 2, 0, 1, 1, 2};
    static const double mixed[15] = {1, 4, 8, 0, 0, 2, 5, 9, 0, 10, 3, 6, 7, 0, 11};
    be_int(&f, 1211216);
    be_int(&f, 5);
    be_int(&f, 3);
    be_int(&f, 11);
    for (int i = 0; i < 5; i++)
      be_int(&f, lens[i]);
    for (int k = 0; k < 11; k++)
      be_int(&f, cols[k]);
    for (int k = 0; k < 11; k++)
      be_double(&f, k + 1.0);
    path = put_file("mixed.petsc", f.b, f.len);
    f.len = 0;
    RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
    RLA_ASSERT_ALL(equals(A, 5, 3, mixed));
    rla_dmat_destroy(&A);
    setenv("RLA_IO_CHUNK_BYTES", "64", 1);
    RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
    unsetenv("RLA_IO_CHUNK_BYTES");
    RLA_ASSERT_ALL(equals(A, 5, 3, mixed));
    rla_dmat_destroy(&A);
  }
  /* the dense variant PETSc writes with PETSC_VIEWER_NATIVE: nz = -1, then values row-major */
  be_int(&f, 1211216);
  be_int(&f, 3);
  be_int(&f, 2);
  be_int(&f, -1);
  for (int k = 0; k < 6; k++)
    be_double(&f, 10.0 * (k / 2) + k % 2);
  for (int k = 0; k < 6; k++)
    dense[k] = 10.0 * (k % 3) + k / 3;
  path = put_file("native.dat", f.b, f.len);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 3, 2, dense));
  rla_dmat_destroy(&A);
}

static void test_petsc_errors(void)
{
  struct aij_case c;
  struct be_buf f = {{0}, 0};
  const char *path;
  ASSERT_READ_FAILS(rla_test_path("missing.petsc"), RLA_ERR_FILE,
                    "cannot open: No such file or directory");
  c = aij_ok;
  c.classid = 1211218;
  path = put_aij("classid.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT,
                    "not a PETSc Mat or Vec: class id 1211218 (0x00127b52) found, expected 1211216 "
                    "(Mat) or 1211214 (Vec)");
  ASSERT_SIZES_FAIL(path, RLA_ERR_FORMAT, "class id 1211218");
  c.classid = 0x507b1200; /* 1211216 stored little-endian */
  path = put_aij("little.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "stored little-endian");
  be_int(&f, 0);
  be_int(&f, 1211214);
  be_int(&f, 0);
  be_int(&f, 1);
  be_double(&f, 1.0);
  path = put_file("int64.petsc", f.b, f.len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "64-bit integers");
  path = put_file("short.petsc", "\x00\x12", 2);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "too short for a PETSc binary header");
  c = aij_ok;
  c.m = -4;
  path = put_aij("negative.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "negative size -4 x 5");
  c = aij_ok;
  c.nz = -2;
  path = put_aij("negnz.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "negative entry count nz = -2");
  /* nz = 5 and a file size to match, but row lengths summing to 6 */
  c = aij_ok;
  c.nz = 5;
  path = put_aij("lengths.petsc", c, -12);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT,
                    "bad row lengths: they sum to 6 but the header says nz = 5");
  c = aij_ok;
  c.len2 = -1;
  path = put_aij("neglen.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "bad row length: row 2 has -1 entries, outside [0, 5]");
  c = aij_ok;
  c.len2 = 9;
  path = put_aij("longrow.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "row 2 has 9 entries");
  c = aij_ok;
  c.col = 5;
  path = put_aij("column.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "column index 5 out of range [0, 5) in row 2");
  /* after a full row in order, an index equal to n in a short row */
  f.len = 0;
  be_int(&f, 1211216);
  be_int(&f, 2);
  be_int(&f, 2);
  be_int(&f, 3);
  be_int(&f, 2);
  be_int(&f, 1);
  be_int(&f, 0);
  be_int(&f, 1);
  be_int(&f, 2);
  for (int k = 0; k < 3; k++)
    be_double(&f, 1.0);
  path = put_file("column_n.petsc", f.b, f.len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "column index 2 out of range [0, 2) in row 1");
  c = aij_ok;
  c.col = -1;
  path = put_aij("negcol.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "column index -1 out of range");
  path = put_aij("truncated.petsc", aij_ok, -3);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT,
                    "truncated: the header announces a 4 x 5 AIJ Mat with 6 entries");
  ASSERT_SIZES_FAIL(path, RLA_ERR_FORMAT, "3 missing");
  c = aij_ok;
  c.nz = 3; /* the file holds more than 3 entries */
  path = put_aij("overlong.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "over-long");
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "several PETSc objects");
  c = aij_ok;
  c.value = NAN;
  path = put_aij("nan.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_VALUE, "non-finite value (NaN or Inf) at row 2, column 3");
  c.value = INFINITY;
  path = put_aij("inf.petsc", c, 0);
  ASSERT_READ_FAILS(path, RLA_ERR_VALUE, "at row 2, column 3");
  f.len = 0;
  be_int(&f, 1211214);
  be_int(&f, 3);
  be_double(&f, 1.0);
  be_double(&f, 2.0);
  path = put_file("vec.petsc", f.b, f.len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT,
                    "truncated: the header announces a Vec of 3 float64 values");
  f.len = 0;
  be_int(&f, 1211216);
  be_int(&f, 2);
  be_int(&f, 2);
  be_int(&f, -1);
  be_double(&f, 1.0);
  path = put_file("dense.petsc", f.b, f.len);
  ASSERT_READ_FAILS(path, RLA_ERR_FORMAT, "truncated: the header announces a dense 2 x 2 Mat");
}

/* ---------------------------------------------------------------- chunked transfers */

/* 64-byte MPI-IO calls split rows between calls and give ranks different call counts */
static void test_chunked(void)
{
  setenv("RLA_IO_CHUNK_BYTES", "64", 1);
  round_trip("chunk.npy", 13, 7, 0, 0, entry);
  round_trip("chunk_vector.npy", 29, 1, 0, RLA_IO_VECTOR, entry);
  round_trip("chunk.petsc", 13, 7, 0, 0, entry);
  round_trip("chunk_dense.petsc", 13, 7, 0, RLA_IO_DENSE, entry);
  round_trip("chunk_vector.petsc", 29, 1, 0, RLA_IO_VECTOR, entry);
  round_trip("chunk_wide.npy", 2, 40, 0, 0, entry);
  {
    double *f = array_of(13, 7, 1, entry);
    rla_dmat A = NULL;
    const char *path =
        put_npy("chunk_fortran.npy", 1, 0,
                "{'descr': '<f8', 'fortran_order': True, 'shape': (13, 7), }", f, 8 * 13 * 7);
    RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &A));
    RLA_ASSERT_ALL(holds(A, 13, 7, entry));
    rla_dmat_destroy(&A);
    free(f);
  }
  unsetenv("RLA_IO_CHUNK_BYTES");
}

/* ---------------------------------------------------------------- detection, sizes, arguments */

static void test_formats(void)
{
  const char *npy, *mm, *petsc, *other;
  double x[4] = {1, 2, 3, 4};
  int64_t m = 0, n = 0;
  rla_dmat A = NULL;
  RLA_ASSERT_ALL(rla_io_format_of("a.npy", RLA_FORMAT_AUTO) == RLA_FORMAT_NPY);
  RLA_ASSERT_ALL(rla_io_format_of("dir.x/A.NPY", RLA_FORMAT_AUTO) == RLA_FORMAT_NPY);
  RLA_ASSERT_ALL(rla_io_format_of("a.mtx", RLA_FORMAT_AUTO) == RLA_FORMAT_MM);
  RLA_ASSERT_ALL(rla_io_format_of("a.mm", RLA_FORMAT_AUTO) == RLA_FORMAT_MM);
  RLA_ASSERT_ALL(rla_io_format_of("a.petsc", RLA_FORMAT_AUTO) == RLA_FORMAT_PETSC);
  RLA_ASSERT_ALL(rla_io_format_of("a.bin", RLA_FORMAT_AUTO) == RLA_FORMAT_PETSC);
  RLA_ASSERT_ALL(rla_io_format_of("a.dat", RLA_FORMAT_AUTO) == RLA_FORMAT_PETSC);
  RLA_ASSERT_ALL(rla_io_format_of("a.npy", RLA_FORMAT_MM) == RLA_FORMAT_MM);
  RLA_ASSERT_ALL(rla_io_format_of("dir.npy/missing", RLA_FORMAT_AUTO) == RLA_FORMAT_AUTO);
  RLA_ASSERT_ALL(!strcmp(rla_io_format_name(RLA_FORMAT_NPY), "npy") &&
                 !strcmp(rla_io_format_name(RLA_FORMAT_MM), "mm") &&
                 !strcmp(rla_io_format_name(RLA_FORMAT_PETSC), "petsc") &&
                 !strcmp(rla_io_format_name(RLA_FORMAT_AUTO), "auto"));
  /* unknown extensions: the first bytes tell */
  npy = put_npy("npy_magic.x", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", x,
                32);
  mm = put_text("mm_magic", "%%MatrixMarket matrix array real general\n2 1\n1\n2\n");
  petsc = put_aij("petsc_magic.data", aij_ok, 0);
  other = put_text(".hidden", "1 2 3\n");
  RLA_ASSERT_ALL(rla_io_format_of(npy, RLA_FORMAT_AUTO) == RLA_FORMAT_NPY);
  RLA_ASSERT_ALL(rla_io_format_of(mm, RLA_FORMAT_AUTO) == RLA_FORMAT_MM);
  RLA_ASSERT_ALL(rla_io_format_of(petsc, RLA_FORMAT_AUTO) == RLA_FORMAT_PETSC);
  RLA_ASSERT_ALL(rla_io_format_of(other, RLA_FORMAT_AUTO) == RLA_FORMAT_AUTO);
  RLA_ASSERT_OK(rla_io_read_sizes(rla_test_ctx, npy, RLA_FORMAT_AUTO, &m, &n));
  RLA_ASSERT_ALL(m == 4 && n == 1);
  RLA_ASSERT_OK(rla_io_read_sizes(rla_test_ctx, mm, RLA_FORMAT_AUTO, &m, &n));
  RLA_ASSERT_ALL(m == 2 && n == 1);
  RLA_ASSERT_OK(rla_io_read_sizes(rla_test_ctx, petsc, RLA_FORMAT_AUTO, &m, &n));
  RLA_ASSERT_ALL(m == 4 && n == 5);
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, npy, RLA_FORMAT_AUTO, 0, &A));
  RLA_ASSERT_ALL(equals(A, 4, 1, x));
  rla_dmat_destroy(&A);
  ASSERT_READ_FAILS(other, RLA_ERR_FORMAT, "unknown file format");
  ASSERT_SIZES_FAIL(other, RLA_ERR_FORMAT, "unknown file format");
  ASSERT_READ_FAILS(rla_test_path("missing.x"), RLA_ERR_FILE,
                    "cannot open: No such file or directory");
  /* a named format overrides the extension */
  RLA_ASSERT_ALL(read_fails(npy, RLA_FORMAT_MM, RLA_ERR_FORMAT, "bad banner", __LINE__));
  RLA_ASSERT_OK(rla_io_read(rla_test_ctx, mm, RLA_FORMAT_MM, 0, &A));
  rla_dmat_destroy(&A);
  RLA_ASSERT_FAILS(rla_io_read(rla_test_ctx, NULL, RLA_FORMAT_AUTO, 0, &A), RLA_ERR_ARG,
                   "empty input path");
  RLA_ASSERT_FAILS(rla_io_read(rla_test_ctx, npy, RLA_FORMAT_AUTO, 0, NULL), RLA_ERR_ARG, NULL);
  if (rla_ctx_size(rla_test_ctx) > 1)
    RLA_ASSERT_FAILS(rla_io_read(rla_test_ctx, npy, RLA_FORMAT_AUTO, 1, &A), RLA_ERR_ARG,
                     "row block");
  RLA_ASSERT_ALL(A == NULL);
}

/* ---------------------------------------------------------------- atomic writes */

/* temporary files left in the scratch directory (".NAME.tmp.XXXXXX") */
static int leftovers(void)
{
  int count = 0;
  if (rank() == 0) {
    DIR *d = opendir(rla_test_tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
      if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp.")) count++;
    if (d) closedir(d);
  }
  MPI_Bcast(&count, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return count;
}

static void test_write_failures(void)
{
  static const char *exts[] = {"npy", "mtx", "petsc"};
  rla_dmat A = NULL, B = NULL;
  char name[64];
  const char *path;
  struct rlimit saved, small;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, 200, 100, 0, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, entry, NULL));
  for (int t = 0; t < 3; t++) {
    long long before;
    /* a directory that does not exist: no file appears */
    snprintf(name, sizeof(name), "nodir/x.%s", exts[t]);
    path = rla_test_path(name);
    RLA_ASSERT_ALL(failed_as(rla_io_write(A, path, RLA_FORMAT_AUTO, 0), RLA_ERR_FILE, path,
                             "cannot create a file in its directory", __LINE__));
    RLA_ASSERT_ALL(file_size(path) == -1);
    /* the target is a directory: the rename fails and the temporary file goes */
    snprintf(name, sizeof(name), "adir.%s", exts[t]);
    path = rla_test_path(name);
    if (rank() == 0) mkdir(path, 0755);
    MPI_Barrier(MPI_COMM_WORLD);
    RLA_ASSERT_ALL(failed_as(rla_io_write(A, path, RLA_FORMAT_AUTO, 0), RLA_ERR_FILE, path,
                             "cannot", __LINE__));
    /* an existing file survives a write that fails half-way (the file size limit stops it) */
    snprintf(name, sizeof(name), "keep.%s", exts[t]);
    path = rla_test_path(name);
    round_trip(name, 3, 2, 0, 0, entry);
    before = file_size(path);
    getrlimit(RLIMIT_FSIZE, &saved);
    small = saved;
    small.rlim_cur = 16384;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &small);
    RLA_ASSERT_ALL(
        failed_as(rla_io_write(A, path, RLA_FORMAT_AUTO, 0), RLA_ERR_FILE, path, "", __LINE__));
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, SIG_DFL);
    RLA_ASSERT_ALL(file_size(path) == before);
    RLA_ASSERT_OK(rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &B));
    RLA_ASSERT_ALL(holds(B, 3, 2, entry));
    rla_dmat_destroy(&B);
    /* a writer that refuses before writing also leaves it */
    RLA_ASSERT_ALL(failed_as(rla_io_write(A, path, RLA_FORMAT_AUTO, RLA_IO_VECTOR), RLA_ERR_SHAPE,
                             path, "writing a vector needs an m x 1 matrix, got 200 x 100",
                             __LINE__));
    RLA_ASSERT_ALL(file_size(path) == before);
  }
  RLA_ASSERT_ALL(leftovers() == 0);
  path = rla_test_path("x.txt");
  RLA_ASSERT_ALL(failed_as(rla_io_write(A, path, RLA_FORMAT_AUTO, 0), RLA_ERR_ARG, path,
                           "cannot tell the output format", __LINE__));
  path = rla_test_path("x.npy");
  RLA_ASSERT_ALL(failed_as(rla_io_write(A, path, RLA_FORMAT_AUTO, RLA_IO_DENSE), RLA_ERR_ARG, path,
                           "PETSc binary files only", __LINE__));
  RLA_ASSERT_ALL(failed_as(rla_io_write(A, path, RLA_FORMAT_AUTO, 8), RLA_ERR_ARG, path,
                           "unknown writer flags", __LINE__));
  RLA_ASSERT_ALL(file_size(path) == -1);
  RLA_ASSERT_FAILS(rla_io_write(A, NULL, RLA_FORMAT_AUTO, 0), RLA_ERR_ARG, "empty output path");
  rla_dmat_destroy(&A);
}

/* ---------------------------------------------------------------- sparse matrices */

/* the sparse test pattern: every row i with i % 4 == 2 empty, about 2 entries in 5 elsewhere */
static int present(int64_t i, int64_t j) { return i % 4 != 2 && (i * 7 + j * 3) % 5 < 2; }

/* The global CSR arrays of f on the pattern present (m x n); free the three. */
static void global_csr(int64_t m, int64_t n, double (*f)(int64_t, int64_t, void *),
                       int64_t **rowptr, int32_t **colind, double **val)
{
  int64_t k = 0;
  *rowptr = calloc((size_t)m + 1, sizeof(int64_t));
  *colind = calloc((size_t)(m * n) + 1, sizeof(int32_t));
  *val = calloc((size_t)(m * n) + 1, sizeof(double));
  for (int64_t i = 0; i < m; i++) {
    for (int64_t j = 0; j < n; j++)
      if (present(i, j)) {
        (*colind)[k] = (int32_t)j;
        (*val)[k++] = f(i, j, NULL);
      }
    (*rowptr)[i + 1] = k;
  }
}

/* The ceil(m/P) split of the sparse reader: this rank's first row and row count. */
static void ceil_split(int64_t m, int64_t *row0, int64_t *lm)
{
  int64_t P = rla_ctx_size(rla_test_ctx), mb = m > 0 ? (m + P - 1) / P : 1;
  *row0 = rank() * mb < m ? rank() * mb : m;
  *lm = m - *row0 < mb ? m - *row0 : mb;
}

/* The m x n sparse matrix of f on the pattern present, its rows split ceil(m/P) per rank, or
   all on the last rank (the others without rows) when all_last; NULL on failure. Collective. */
static rla_smat sparse_of(int64_t m, int64_t n, int all_last, double (*f)(int64_t, int64_t, void *))
{
  int64_t *rowptr, row0, lm, base;
  int32_t *colind;
  double *val;
  rla_smat A = NULL;
  global_csr(m, n, f, &rowptr, &colind, &val);
  ceil_split(m, &row0, &lm);
  if (all_last) {
    row0 = 0;
    lm = rank() == rla_ctx_size(rla_test_ctx) - 1 ? m : 0;
  }
  base = rowptr[row0];
  for (int64_t i = 0; i <= lm; i++) /* this rank's offsets, from 0 */
    rowptr[row0 + i] -= base;
  if (rla_smat_create_csr(rla_test_ctx, m, n, lm, rowptr + row0, colind + base, val + base, &A))
    A = NULL;
  free(rowptr);
  free(colind);
  free(val);
  return A;
}

/* 1 on every rank when A is m x n, split ceil(m/P) per rank, and its rows are those of the
   global CSR arrays (rowptr, colind, val), the values bit for bit. */
static int csr_is(rla_smat A, int64_t m, int64_t n, const int64_t *rowptr, const int32_t *colind,
                  const double *val)
{
  int64_t am, an, row0, lm, want0, wantm;
  const int64_t *rp;
  const int32_t *ci;
  double *v;
  int ok;
  if (!A) return rla_test_all(0);
  rla_smat_sizes(A, &am, &an);
  rla_smat_local_rows(A, &row0, &lm);
  rla_smat_local(A, &rp, &ci, &v);
  ceil_split(m, &want0, &wantm);
  ok = am == m && an == n && row0 == want0 && lm == wantm && rla_smat_nnz(A) == rowptr[m];
  for (int64_t i = 0; i < lm && ok; i++) {
    int64_t g = rowptr[row0 + i];
    ok = rp[i + 1] - rp[i] == rowptr[row0 + i + 1] - g;
    for (int64_t k = 0; ok && k < rp[i + 1] - rp[i]; k++)
      ok = ci[rp[i] + k] == colind[g + k] && !memcmp(&v[rp[i] + k], &val[g + k], sizeof(double));
  }
  return rla_test_all(ok);
}

/* 1 on every rank when A holds f on the pattern present (m x n), split ceil(m/P) */
static int sparse_holds(rla_smat A, int64_t m, int64_t n, double (*f)(int64_t, int64_t, void *))
{
  int64_t *rowptr;
  int32_t *colind;
  double *val;
  int ok;
  global_csr(m, n, f, &rowptr, &colind, &val);
  ok = csr_is(A, m, n, rowptr, colind, val);
  free(rowptr);
  free(colind);
  free(val);
  return ok;
}

/* the sparse read failed with code and a message naming the file and holding text, and left
 *A NULL, on this rank */
static int sparse_fails(const char *path, rla_format fmt, rla_err code, const char *text, int line)
{
  static int dummy;
  rla_smat A = (rla_smat)(void *)&dummy;
  rla_err e = rla_io_read_sparse(rla_test_ctx, path, fmt, &A);
  int ok = failed_as(e, code, path, text, line) && A == NULL;
  if (A != (rla_smat)(void *)&dummy) rla_smat_destroy(&A);
  return ok;
}
#define ASSERT_SPARSE_FAILS(path, code, text)                                                      \
  RLA_ASSERT_ALL(sparse_fails((path), RLA_FORMAT_AUTO, (code), (text), __LINE__))

/* write the sparse f (rows as all_last says), read it back: the same CSR bit for bit */
static void sparse_round_trip(const char *name, int64_t m, int64_t n, int all_last,
                              double (*f)(int64_t, int64_t, void *))
{
  rla_smat A = sparse_of(m, n, all_last, f), B = NULL;
  const char *path = rla_test_path(name);
  int sparse = -1;
  RLA_ASSERT_ALL(A != NULL);
  RLA_ASSERT_OK(rla_io_write_sparse(A, path, RLA_FORMAT_AUTO));
  RLA_ASSERT_OK(rla_io_is_sparse(rla_test_ctx, path, RLA_FORMAT_AUTO, &sparse));
  RLA_ASSERT_ALL(sparse == 1);
  RLA_ASSERT_OK(rla_io_read_sparse(rla_test_ctx, path, RLA_FORMAT_AUTO, &B));
  RLA_ASSERT_ALL(sparse_holds(B, m, n, f));
  rla_smat_destroy(&B);
  rla_smat_destroy(&A);
}

/* shapes: uneven splits, fewer rows than ranks, empty rows (every 4th), no entry at all */
static const int64_t sparse_shapes[][2] = {{7, 5}, {10, 4}, {2, 3}, {1, 1},
                                           {3, 1}, {0, 3},  {13, 9}};
#define NSPARSE (sizeof(sparse_shapes) / sizeof(sparse_shapes[0]))

static void sparse_round_trips(const char *ext)
{
  char name[64];
  for (size_t s = 0; s < NSPARSE; s++)
    for (int all_last = 0; all_last < 2; all_last++) {
      snprintf(name, sizeof(name), "srt%zu_%d.%s", s, all_last, ext);
      sparse_round_trip(name, sparse_shapes[s][0], sparse_shapes[s][1], all_last,
                        s % 2 ? special : entry);
    }
}

/* Matrix Market and PETSc AIJ: written, read back, the same CSR (signs, subnormals, -0.0 and
   explicit zeros kept); again in 64-byte rounds, pieces and MPI-IO calls */
static void test_sparse_round_trip(void)
{
  sparse_round_trips("mtx");
  sparse_round_trips("petsc");
  setenv("RLA_IO_CHUNK_BYTES", "64", 1);
  sparse_round_trips("mm");
  sparse_round_trips("dat");
  unsetenv("RLA_IO_CHUNK_BYTES");
}

/* the writers' bytes: Matrix Market text row by row, 1-based, shortest exact values; PETSc AIJ
   as MatLoad expects it */
static void test_sparse_writer_bytes(void)
{
  static const int64_t rowptr[] = {0, 2, 2, 3};
  static const int32_t colind[] = {0, 3, 1};
  static const double val[] = {0.1, -0.0, 4.9406564584124654e-324};
  static const char text[] = "%%MatrixMarket matrix coordinate real general\n3 4 3\n1 1 0.1\n"
                             "1 4 -0\n3 2 4.94065645841247e-324\n";
  struct be_buf want = {{0}, 0};
  const char *mm = rla_test_path("bytes.mtx"), *petsc = rla_test_path("bytes.petsc");
  int64_t lm = rank() == 0 ? 3 : 0;
  rla_smat A = NULL;
  unsigned char *buf;
  size_t len;
  int ok = 1;
  RLA_ASSERT_OK(
      rla_smat_create_csr(rla_test_ctx, 3, 4, lm, rank() == 0 ? rowptr : NULL, colind, val, &A));
  RLA_ASSERT_OK(rla_io_write_sparse(A, mm, RLA_FORMAT_AUTO));
  RLA_ASSERT_OK(rla_io_write_sparse(A, petsc, RLA_FORMAT_AUTO));
  buf = slurp(mm, &len);
  if (rank() == 0) ok = buf && len == strlen(text) && !memcmp(buf, text, len);
  free(buf);
  RLA_ASSERT_ALL(ok);
  be_int(&want, 1211216);
  be_int(&want, 3);
  be_int(&want, 4);
  be_int(&want, 3);
  for (int i = 0; i < 3; i++)
    be_int(&want, (int32_t)(rowptr[i + 1] - rowptr[i]));
  for (int k = 0; k < 3; k++)
    be_int(&want, colind[k]);
  for (int k = 0; k < 3; k++)
    be_double(&want, val[k]);
  buf = slurp(petsc, &len);
  if (rank() == 0) ok = buf && len == want.len && !memcmp(buf, want.b, len);
  free(buf);
  RLA_ASSERT_ALL(ok);
  rla_smat_destroy(&A);
}

/* 1 on every rank when the sparse S and the dense D (both read with the default split) hold the
   same values bit for bit: each stored entry of S equals D's, every other entry of D is +0.0;
   *dense_nnz: D's nonzeros over all ranks */
static int agrees_with_dense(rla_smat S, rla_dmat D, int64_t *dense_nnz)
{
  int64_t sm, sn, dm, dn, lm, dlm, lld, row0, nz = 0;
  const int64_t *rp;
  const int32_t *ci;
  double *v, *a;
  int ok;
  if (!S || !D) return rla_test_all(0);
  rla_smat_sizes(S, &sm, &sn);
  rla_dmat_sizes(D, &dm, &dn);
  rla_smat_local_rows(S, &row0, &lm);
  rla_smat_local(S, &rp, &ci, &v);
  rla_dmat_local(D, &a, &dlm, NULL, &lld);
  ok = sm == dm && sn == dn && lm == dlm && row0 == rla_dmat_row_offset(D);
  for (int64_t i = 0; i < lm && ok; i++)
    for (int64_t j = 0, k = rp[i]; j < sn && ok; j++) {
      const double d = a[i + j * lld];
      nz += d != 0.0;
      if (k < rp[i + 1] && ci[k] == j)
        ok = !memcmp(&v[k++], &d, sizeof(double));
      else
        ok = d == 0.0 && !signbit(d);
    }
  MPI_Allreduce(MPI_IN_PLACE, &nz, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  *dense_nnz = nz;
  return rla_test_all(ok);
}

/* path read both ways gives the same values; its nonzeros in *nz (may be NULL) */
static int same_as_dense(const char *path, int64_t *nz)
{
  rla_smat S = NULL;
  rla_dmat D = NULL;
  int64_t count = 0;
  int ok = rla_test_all(!rla_io_read_sparse(rla_test_ctx, path, RLA_FORMAT_AUTO, &S) &&
                        !rla_io_read(rla_test_ctx, path, RLA_FORMAT_AUTO, 0, &D));
  if (ok) ok = agrees_with_dense(S, D, &count);
  if (nz) *nz = count;
  rla_smat_destroy(&S);
  rla_dmat_destroy(&D);
  return ok;
}

/* read path with the sparse reader: the global CSR (rowptr, colind, val) of m x n */
#define ASSERT_SPARSE_READS(path, m, n, rowptr, colind, val)                                       \
  do {                                                                                             \
    rla_smat S_ = NULL;                                                                            \
    RLA_ASSERT_OK(rla_io_read_sparse(rla_test_ctx, (path), RLA_FORMAT_AUTO, &S_));                 \
    RLA_ASSERT_ALL(csr_is(S_, (m), (n), (rowptr), (colind), (val)));                               \
    rla_smat_destroy(&S_);                                                                         \
  } while (0)

/* every Matrix Market variant against its CSR: comments, blank lines, CRLF, rows out of order
   and columns unsorted, duplicates summed, explicit zeros and -0.0 kept; symmetric and pattern
   mirrored; integer; skew-symmetric mirrored with the sign and an explicit zero diagonal entry */
static void test_sparse_mm_variants(void)
{
  static const int64_t g_rp[] = {0, 3, 4, 5, 6}, s_rp[] = {0, 3, 5, 7, 9}, p_rp[] = {0, 3, 4, 5},
                       i_rp[] = {0, 1, 2}, k_rp[] = {0, 2, 4, 5}, d_rp[] = {0, 2, 3};
  static const int32_t g_ci[] = {0, 1, 2, 2, 2, 0}, s_ci[] = {0, 1, 3, 0, 2, 1, 2, 0, 3},
                       p_ci[] = {0, 1, 2, 0, 0}, i_ci[] = {0, 1}, k_ci[] = {1, 2, 0, 1, 0},
                       d_ci[] = {0, 1, 0};
  static const double g_v[] = {1.5, 0.0, 7, 3.25, 2, -0.0}, s_v[] = {1, 2, 4, 2, 3, 3, 5, 4, 6},
                      p_v[] = {1, 1, 1, 1, 1}, i_v[] = {7, -12}, k_v[] = {-2, 3, 2, 0, -3},
                      d_v[] = {1, 3, 3};
  const char *path;
  path = put_text("s_general.mtx",
                  "%%MatrixMarket matrix coordinate real general\r\n% a comment\r\n\r\n4 3 7\r\n"
                  "3 3 2\r\n1 3 7\r\n1 1 1.5\r\n2 3 1.25\n\n2 3 2e0\n4 1 -0\n1 2 0\n");
  ASSERT_SPARSE_READS(path, 4, 3, g_rp, g_ci, g_v);
  RLA_ASSERT_ALL(same_as_dense(path, NULL));
  path = put_text("s_symmetric.mtx", "%%MatrixMarket matrix coordinate real symmetric\n4 4 6\n"
                                     "1 1 1\n2 1 2\n4 1 4\n3 2 3\n3 3 5\n4 4 6\n");
  ASSERT_SPARSE_READS(path, 4, 4, s_rp, s_ci, s_v);
  RLA_ASSERT_ALL(same_as_dense(path, NULL));
  path = put_text("s_pattern.mtx",
                  "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 3\n1 1\n2 1\n3 1\n");
  ASSERT_SPARSE_READS(path, 3, 3, p_rp, p_ci, p_v);
  path = put_text("s_integer.mm",
                  "%%MatrixMarket matrix coordinate integer general\n2 2 2\n2 2 -12\n1 1 7\n");
  ASSERT_SPARSE_READS(path, 2, 2, i_rp, i_ci, i_v);
  path = put_text("s_skew.mtx", "%%MatrixMarket matrix coordinate real skew-symmetric\n3 3 3\n"
                                "2 1 2\n3 1 -3\n2 2 0\n");
  ASSERT_SPARSE_READS(path, 3, 3, k_rp, k_ci, k_v);
  /* a duplicate in a symmetric file is summed, and so is its mirror */
  path = put_text("s_symdup.mtx",
                  "%%MatrixMarket matrix coordinate real symmetric\n2 2 3\n2 1 1\n1 1 1\n2 1 2\n");
  ASSERT_SPARSE_READS(path, 2, 2, d_rp, d_ci, d_v);
  RLA_ASSERT_ALL(same_as_dense(path, NULL));
}

/* Duplicates summed in file order across rounds of 16 entries (1e16 + 1 - 1e16 depends on the
   order, so only that order gives these sums), mirrored entries straddling rounds, and the
   dense reader's values bit for bit. */
static void test_sparse_mm_rounds(void)
{
  enum { M = 7, N = 10, E = 64 };
  static const double cycle[] = {1e16, 1.0, -1e16, 1.0, 3.0, -1e16, 1e16, 0.5};
  char text[4096], *t = text;
  double want[M][N], val[M * N];
  int hit[M][N];
  int64_t rowptr[M + 1], k = 0;
  int32_t colind[M * N];
  const char *path;
  memset(want, 0, sizeof(want));
  memset(hit, 0, sizeof(hit));
  t += sprintf(t, "%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n", M, N, E);
  for (int e = 0; e < E; e++) {
    int i = e % 3 ? (e * 5) % M : 4, j = e % 3 ? (e * 3) % N : 1;
    double v = cycle[e % 8] * (e % 5 == 1 ? -1 : 1);
    if (i == 2) i = 6; /* row 2 stays empty */
    want[i][j] = want[i][j] == 0.0 && !signbit(want[i][j]) ? v : want[i][j] + v;
    hit[i][j] = 1;
    t += sprintf(t, "%d %d %.17g\n", i + 1, j + 1, v);
  }
  rowptr[0] = 0;
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < N; j++)
      if (hit[i][j]) {
        colind[k] = j;
        val[k++] = want[i][j];
      }
    rowptr[i + 1] = k;
  }
  path = put_text("s_rounds.mtx", text);
  setenv("RLA_IO_CHUNK_BYTES", "64", 1);
  ASSERT_SPARSE_READS(path, M, N, rowptr, colind, val);
  RLA_ASSERT_ALL(same_as_dense(path, NULL));
  /* symmetric, 28 entries each sent twice: pairs straddle the rounds */
  t = text;
  t += sprintf(t, "%%%%MatrixMarket matrix coordinate real symmetric\n7 7 28\n");
  for (int i = 0, e = 0; i < 7; i++)
    for (int j = 0; j <= i; j++, e++)
      t += sprintf(t, "%d %d %.17g\n", i + 1, j + 1, e + 0.25);
  path = put_text("s_rounds_sym.mtx", text);
  RLA_ASSERT_ALL(same_as_dense(path, &k));
  RLA_ASSERT_ALL(k == 49);
  unsetenv("RLA_IO_CHUNK_BYTES");
}

/* a PETSc AIJ file written by NumPy in PETSc's layout, beside the same matrix as .npy: the
   sparse reader gives exactly the nonzeros of the dense one (empty rows at 3 and at the end) */
static void test_sparse_petsc_numpy(void)
{
  static const char script[] =
      "import sys\n"
      "import numpy as np\n"
      "rng = np.random.default_rng(5)\n"
      "m, n = 11, 7\n"
      "A = np.where(rng.random((m, n)) < 0.4, rng.standard_normal((m, n)), 0.0)\n"
      "A[3] = 0.0\n"
      "A[m - 1] = 0.0\n"
      "r, c = np.nonzero(A)\n"
      "with open(sys.argv[1], 'wb') as f:\n"
      "    f.write(np.array([1211216, m, n, r.size], '>i4').tobytes())\n"
      "    f.write(np.count_nonzero(A, axis=1).astype('>i4').tobytes())\n"
      "    f.write(c.astype('>i4').tobytes())\n"
      "    f.write(A[r, c].astype('>f8').tobytes())\n"
      "np.save(sys.argv[2], A)\n"
      "print(r.size)\n";
  const char *py = getenv("PYTHON_NUMPY"), *scr = put_text("aij_numpy.py", script);
  const char *aij = rla_test_path("numpy_aij.petsc"), *npy = rla_test_path("numpy_aij.npy");
  char cmd[3 * 4096];
  long long want = -1;
  int64_t nz = -1;
  if (rank() == 0) {
    FILE *p;
    snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s' '%s'", py && *py ? py : "/usr/bin/python3", scr, aij,
             npy);
    if ((p = popen(cmd, "r"))) {
      if (fscanf(p, "%lld", &want) != 1) want = -1;
      if (pclose(p) != 0) want = -1;
    }
  }
  MPI_Bcast(&want, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  if (want < 0) { /* no Python with NumPy here */
    if (rank() == 0) fprintf(stderr, "test_sparse_petsc_numpy: skipped: %s failed\n", cmd);
    return;
  }
  RLA_ASSERT_ALL(want > 10);
  RLA_ASSERT_ALL(same_as_dense(aij, &nz));
  RLA_ASSERT_ALL(nz == want);
  {
    rla_smat S = NULL;
    RLA_ASSERT_OK(rla_io_read_sparse(rla_test_ctx, aij, RLA_FORMAT_AUTO, &S));
    RLA_ASSERT_ALL(rla_smat_nnz(S) == want); /* no explicit zero: NumPy stored the nonzeros */
    rla_smat_destroy(&S);
    /* and again, dense from the .npy, in 64-byte MPI-IO calls */
    setenv("RLA_IO_CHUNK_BYTES", "64", 1);
    RLA_ASSERT_OK(rla_io_read_sparse(rla_test_ctx, aij, RLA_FORMAT_AUTO, &S));
    unsetenv("RLA_IO_CHUNK_BYTES");
    {
      rla_dmat D = NULL;
      RLA_ASSERT_OK(rla_io_read(rla_test_ctx, npy, RLA_FORMAT_AUTO, 0, &D));
      RLA_ASSERT_ALL(agrees_with_dense(S, D, &nz) && nz == want);
      rla_dmat_destroy(&D);
    }
    rla_smat_destroy(&S);
  }
}

static const struct aij_case aij_sorted = {1211216, 4, 5, 6, 3, 3, 0.25, 1};

/* PETSc AIJ files made by hand: the sorted 4 x 5 matrix with an empty row and an explicit -0.0,
   read whole and in 64-byte MPI-IO calls; then every error of the sparse reader */
static void test_sparse_petsc_files(void)
{
  static const int64_t rowptr[] = {0, 2, 2, 5, 6};
  static const int32_t colind[] = {0, 4, 1, 2, 3, 0};
  static const double val[] = {1.5, -2, 3, 0.25, -0.0, 6};
  struct aij_case c = aij_sorted;
  const char *path = put_aij("s_aij.petsc", c, 0);
  ASSERT_SPARSE_READS(path, 4, 5, rowptr, colind, val);
  RLA_ASSERT_ALL(same_as_dense(path, NULL));
  setenv("RLA_IO_CHUNK_BYTES", "64", 1);
  ASSERT_SPARSE_READS(path, 4, 5, rowptr, colind, val);
  unsetenv("RLA_IO_CHUNK_BYTES");
  /* columns out of order (the dense reader takes them) or repeated */
  path = put_aij("s_unsorted.petsc", aij_ok, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT,
                      "row 0: the column indices must increase strictly (0 after 4)");
  c.col = 2;
  path = put_aij("s_repeated.petsc", c, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT,
                      "row 2: the column indices must increase strictly (2 after 2)");
  c.col = 5;
  path = put_aij("s_column.petsc", c, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT, "row 2 has column index 5, outside [0, 5)");
  c.col = -1;
  path = put_aij("s_negcol.petsc", c, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT, "row 2 has column index -1, outside [0, 5)");
  c = aij_sorted;
  c.nz = 5; /* and a file size to match */
  path = put_aij("s_lengths.petsc", c, -12);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT,
                      "bad row lengths: they sum to 6 but the header says nz = 5");
  c = aij_sorted;
  c.len2 = -1;
  path = put_aij("s_neglen.petsc", c, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT, "bad row length: row 2 has -1 entries, outside [0, 5]");
  path = put_aij("s_truncated.petsc", aij_sorted, -3);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT,
                      "truncated: the header announces a 4 x 5 AIJ Mat with 6 entries");
  c = aij_sorted;
  c.nz = 3;
  path = put_aij("s_overlong.petsc", c, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT, "over-long: the header announces a 4 x 5 AIJ Mat");
  c = aij_sorted;
  c.value = NAN;
  path = put_aij("s_nan.petsc", c, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_VALUE, "non-finite value (nan) at row 2, column 2");
  c.value = -INFINITY;
  path = put_aij("s_inf.petsc", c, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_VALUE, "non-finite value (-inf) at row 2, column 2");
  c = aij_sorted;
  c.classid = 0x507b1200;
  path = put_aij("s_little.petsc", c, 0);
  ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT, "stored little-endian");
}

/* dense files: the sparse reader refuses them, rla_io_is_sparse tells them apart */
static void test_sparse_detect(void)
{
  struct be_buf f = {{0}, 0};
  double x[2] = {1, 2};
  const char *files[6];
  int sparse = -1;
  files[0] = put_text("d_coord.mtx", "%%MatrixMarket matrix coordinate real general\n2 2 0\n");
  files[1] = put_aij("d_aij.petsc", aij_sorted, 0);
  files[2] = put_text("d_array.mtx", "%%MatrixMarket matrix array real general\n2 1\n1\n2\n");
  files[3] = put_npy("d_dense.npy", 1, 0,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", x, 16);
  be_int(&f, 1211216);
  be_int(&f, 1);
  be_int(&f, 2);
  be_int(&f, -1);
  be_double(&f, 1.0);
  be_double(&f, 2.0);
  files[4] = put_file("d_dense.petsc", f.b, f.len);
  f.len = 0;
  be_int(&f, 1211214);
  be_int(&f, 2);
  be_double(&f, 1.0);
  be_double(&f, 2.0);
  files[5] = put_file("d_vec.petsc", f.b, f.len);
  for (int t = 0; t < 6; t++) {
    static const int64_t want[6] = {0, 6, 2, 2, 2, 2}; /* stored entries; m n when dense */
    int64_t entries = -1;
    RLA_ASSERT_OK(rla_io_is_sparse(rla_test_ctx, files[t], RLA_FORMAT_AUTO, &sparse));
    RLA_ASSERT_ALL(sparse == (t < 2));
    RLA_ASSERT_OK(rla_io_read_entries(rla_test_ctx, files[t], RLA_FORMAT_AUTO, &entries));
    RLA_ASSERT_ALL(entries == want[t]);
  }
  RLA_ASSERT_FAILS(rla_io_read_entries(rla_test_ctx, files[0], RLA_FORMAT_AUTO, NULL), RLA_ERR_ARG,
                   "null output pointer");
  /* an empty coordinate matrix is sparse, with no entry */
  {
    static const int64_t rowptr[] = {0, 0, 0};
    ASSERT_SPARSE_READS(files[0], 2, 2, rowptr, NULL, NULL);
  }
  ASSERT_SPARSE_FAILS(files[2], RLA_ERR_UNSUPPORTED,
                      "a Matrix Market array file holds a dense matrix: the sparse reader takes "
                      "Matrix Market coordinate files and PETSc AIJ Mats");
  ASSERT_SPARSE_FAILS(files[3], RLA_ERR_UNSUPPORTED, "a .npy array holds a dense matrix");
  ASSERT_SPARSE_FAILS(files[4], RLA_ERR_UNSUPPORTED, "a dense PETSc Mat holds a dense matrix");
  ASSERT_SPARSE_FAILS(files[5], RLA_ERR_UNSUPPORTED, "a PETSc Vec holds a dense matrix");
  /* a named format overrides the extension */
  RLA_ASSERT_ALL(sparse_fails(files[1], RLA_FORMAT_MM, RLA_ERR_FORMAT, "bad banner", __LINE__));
  RLA_ASSERT_FAILS(rla_io_is_sparse(rla_test_ctx, files[2], RLA_FORMAT_PETSC, &sparse),
                   RLA_ERR_FORMAT, "not a PETSc Mat or Vec");
  ASSERT_SPARSE_FAILS(rla_test_path("s_missing.mtx"), RLA_ERR_FILE,
                      "cannot open: No such file or directory");
  RLA_ASSERT_FAILS(
      rla_io_is_sparse(rla_test_ctx, rla_test_path("s_missing.petsc"), RLA_FORMAT_AUTO, &sparse),
      RLA_ERR_FILE, "cannot open");
  RLA_ASSERT_FAILS(rla_io_is_sparse(rla_test_ctx, files[0], RLA_FORMAT_AUTO, NULL), RLA_ERR_ARG,
                   "null output pointer");
  RLA_ASSERT_FAILS(rla_io_read_sparse(rla_test_ctx, files[0], RLA_FORMAT_AUTO, NULL), RLA_ERR_ARG,
                   "null output matrix pointer");
  RLA_ASSERT_FAILS(rla_io_read_sparse(rla_test_ctx, NULL, RLA_FORMAT_AUTO, &(rla_smat){NULL}),
                   RLA_ERR_ARG, "empty input path");
}

/* every error of the sparse Matrix Market reader, with the file and line, on every rank */
static void test_sparse_mm_errors(void)
{
#define GEN  "%%MatrixMarket matrix coordinate real general\n"
#define SYM  "%%MatrixMarket matrix coordinate real symmetric\n"
#define SKEW "%%MatrixMarket matrix coordinate real skew-symmetric\n"
  const struct {
    const char *name, *content, *text;
    int line; /* where the message points, 0: no line */
    rla_err code;
  } cases[] = {
      {"e_range.mtx", GEN "4 3 2\n1 1 1\n5 1 2\n",
       "entry (5, 1) is out of range for the 4 x 3 matrix (indices start at 1)", 4, RLA_ERR_FORMAT},
      {"e_range0.mtx", GEN "4 3 1\n0 1 1\n", "entry (0, 1) is out of range", 3, RLA_ERR_FORMAT},
      {"e_rangecol.mtx", GEN "4 3 1\n2 4 1\n", "entry (2, 4) is out of range", 3, RLA_ERR_FORMAT},
      {"e_more.mtx", GEN "4 3 1\n1 1 1\n2 2 2\n",
       "wrong entry count: more entries than the 1 announced on line 2", 4, RLA_ERR_FORMAT},
      {"e_fewer.mtx", GEN "4 3 3\n1 1 1\n2 2 2\n",
       "wrong entry count: the file ends after 2 of the 3 entries announced on line 2", 4,
       RLA_ERR_FORMAT},
      {"e_upper.mtx", SYM "3 3 2\n1 1 1\n1 2 5\n",
       "entry (1, 2) lies above the diagonal of a symmetric matrix, whose file holds the lower "
       "triangle only",
       4, RLA_ERR_FORMAT},
      {"e_skewupper.mtx", SKEW "3 3 1\n2 3 5\n",
       "entry (2, 3) lies above the diagonal of a skew-symmetric matrix", 3, RLA_ERR_FORMAT},
      {"e_skewdiag.mtx", SKEW "2 2 1\n2 2 -1.5\n",
       "entry (2, 2) = -1.5 on the diagonal of a skew-symmetric matrix, whose diagonal is zero", 3,
       RLA_ERR_FORMAT},
      {"e_skewpat.mtx", "%%MatrixMarket matrix coordinate pattern skew-symmetric\n2 2 1\n1 1\n",
       "entry (1, 1) = 1 (pattern) on the diagonal", 3, RLA_ERR_FORMAT},
      {"e_word.mtx", GEN "2 2 1\n1 1 abc\n", "'abc' is not a number", 3, RLA_ERR_FORMAT},
      {"e_int.mtx", "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n",
       "'1.5' is not an integer (field 'integer')", 3, RLA_ERR_FORMAT},
      {"e_index.mtx", GEN "2 2 1\n1 x 1\n", "column index 'x' is not an integer", 3,
       RLA_ERR_FORMAT},
      {"e_nan.mtx", GEN "2 2 2\n1 1 1\n2 1 nan\n", "non-finite value 'nan' at row 2, column 1", 4,
       RLA_ERR_VALUE},
      {"e_inf.mtx", SYM "2 2 1\n2 1 -inf\n", "non-finite value '-inf' at row 2, column 1", 3,
       RLA_ERR_VALUE},
      {"e_big.mtx", GEN "2 2 1\n1 2 1e999\n", "non-finite value '1e999'", 3, RLA_ERR_VALUE},
      {"e_nnzover.mtx", GEN "2 2 99999999999999999999\n",
       "bad size line \"2 2 99999999999999999999\": '99999999999999999999' is not a non-negative "
       "integer",
       2, RLA_ERR_FORMAT},
      {"e_nnzbig.mtx", GEN "2 3 7\n1 1 1\n",
       "bad size line \"2 3 7\": 7 entries announced, more than the 2 x 3 matrix holds", 2,
       RLA_ERR_FORMAT},
      {"e_complex.mtx", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n",
       "complex matrices (field 'complex') are not supported", 1, RLA_ERR_FORMAT},
      {"e_hermitian.mtx", "%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n",
       "bad banner: symmetry 'hermitian' is not supported", 1, RLA_ERR_FORMAT},
      {"e_nocols.mtx", GEN "3 0 0\n",
       "the matrix is 3 x 0: a sparse matrix needs at least one column", 0, RLA_ERR_UNSUPPORTED},
      {"e_huge.mtx", GEN "3000000000 1 0\n", "3000000000 x 1 exceeds 2^31-1", 2,
       RLA_ERR_UNSUPPORTED},
  };
#undef GEN
#undef SYM
#undef SKEW
  char text[4096], *t = text;
  const char *path;
  int ok = 1;
  for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
    path = put_text(cases[c].name, cases[c].content);
    if (cases[c].line)
      snprintf(text, sizeof(text), "%s:%d: %s", path, cases[c].line, cases[c].text);
    else
      snprintf(text, sizeof(text), "%s", cases[c].text);
    ok &= sparse_fails(path, RLA_FORMAT_AUTO, cases[c].code, text, __LINE__);
  }
  RLA_ASSERT_ALL(ok);
  /* after rounds went out: a bad value on line 40; an entry too many on line 43 */
  setenv("RLA_IO_CHUNK_BYTES", "64", 1);
  for (int bad = 0; bad < 2; bad++) {
    t = text;
    t += sprintf(t, "%%%%MatrixMarket matrix coordinate real general\n9 9 40\n");
    for (int e = 0; e < 41; e++)
      t += sprintf(t, bad == 0 && e == 37 ? "%d %d x\n" : "%d %d %d\n", e % 9 + 1, e / 9 + 1, e);
    path = put_text(bad ? "e_late_more.mtx" : "e_late.mtx", text);
    if (bad)
      snprintf(text, sizeof(text), "%s:43: wrong entry count: more entries than the 40", path);
    else
      snprintf(text, sizeof(text), "%s:40: 'x' is not a number", path);
    ASSERT_SPARSE_FAILS(path, RLA_ERR_FORMAT, text);
  }
  unsetenv("RLA_IO_CHUNK_BYTES");
}

/* the sparse writers refuse what they cannot write and leave no partial file: a missing
   directory, a write stopped half-way by the file size limit (the old file stays whole) */
static void test_sparse_write_failures(void)
{
  static const char *exts[] = {"mtx", "petsc"};
  rla_smat A = sparse_of(300, 100, 0, entry), B = NULL;
  char name[64];
  const char *path;
  struct rlimit saved, small;
  RLA_ASSERT_ALL(A != NULL);
  for (int t = 0; t < 2; t++) {
    long long before;
    snprintf(name, sizeof(name), "nodir/s.%s", exts[t]);
    path = rla_test_path(name);
    RLA_ASSERT_ALL(failed_as(rla_io_write_sparse(A, path, RLA_FORMAT_AUTO), RLA_ERR_FILE, path,
                             "cannot create a file in its directory", __LINE__));
    RLA_ASSERT_ALL(file_size(path) == -1);
    snprintf(name, sizeof(name), "s_keep.%s", exts[t]);
    path = rla_test_path(name);
    sparse_round_trip(name, 5, 3, 0, entry);
    before = file_size(path);
    getrlimit(RLIMIT_FSIZE, &saved);
    small = saved;
    small.rlim_cur = 16384;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &small);
    RLA_ASSERT_ALL(
        failed_as(rla_io_write_sparse(A, path, RLA_FORMAT_AUTO), RLA_ERR_FILE, path, "", __LINE__));
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, SIG_DFL);
    RLA_ASSERT_ALL(file_size(path) == before);
    RLA_ASSERT_OK(rla_io_read_sparse(rla_test_ctx, path, RLA_FORMAT_AUTO, &B));
    RLA_ASSERT_ALL(sparse_holds(B, 5, 3, entry));
    rla_smat_destroy(&B);
  }
  RLA_ASSERT_ALL(leftovers() == 0);
  path = rla_test_path("s.npy");
  RLA_ASSERT_ALL(failed_as(rla_io_write_sparse(A, path, RLA_FORMAT_AUTO), RLA_ERR_UNSUPPORTED, path,
                           "not .npy", __LINE__));
  path = rla_test_path("s.txt");
  RLA_ASSERT_ALL(failed_as(rla_io_write_sparse(A, path, RLA_FORMAT_AUTO), RLA_ERR_ARG, path,
                           "cannot tell the output format", __LINE__));
  RLA_ASSERT_ALL(file_size(path) == -1);
  /* a named format overrides the extension */
  RLA_ASSERT_OK(rla_io_write_sparse(A, path, RLA_FORMAT_MM));
  RLA_ASSERT_OK(rla_io_read_sparse(rla_test_ctx, path, RLA_FORMAT_MM, &B));
  RLA_ASSERT_ALL(sparse_holds(B, 300, 100, entry));
  rla_smat_destroy(&B);
  RLA_ASSERT_FAILS(rla_io_write_sparse(A, NULL, RLA_FORMAT_AUTO), RLA_ERR_ARG, "empty output path");
  RLA_ASSERT_ALL(rla_io_write_sparse(NULL, path, RLA_FORMAT_AUTO) == RLA_ERR_ARG);
  rla_smat_destroy(&A);
}

void rla_test_register(void)
{
  CU_pSuite npy = CU_add_suite("npy", NULL, NULL);
  CU_pSuite mm = CU_add_suite("matrix market", NULL, NULL);
  CU_pSuite petsc = CU_add_suite("petsc binary", NULL, NULL);
  CU_pSuite io = CU_add_suite("io", NULL, NULL);
  CU_pSuite sparse = CU_add_suite("sparse", NULL, NULL);
  CU_add_test(npy, "round trips", test_npy_round_trip);
  CU_add_test(npy, "header as numpy writes it", test_npy_header_exact);
  CU_add_test(npy, "Fortran order, versions, header syntax", test_npy_hand_made);
  CU_add_test(npy, "provoked errors", test_npy_errors);
  CU_add_test(npy, "narrower types widened, both byte orders", test_npy_widened);
  CU_add_test(npy, "float16 subnormals, zeros, infinity", test_npy_float16);
  CU_add_test(io, "HDF5 dataset names", test_h5_names);
#ifdef RLA_HAVE_HDF5
  CU_add_test(io, "HDF5 round trips", test_h5_round_trip);
#endif
  CU_add_test(io, "bfloat16 widened, every bit pattern", test_bfloat16);
  CU_add_test(io, "safetensors header, provoked errors", test_safetensors_header);
  CU_add_test(mm, "round trips", test_mm_round_trip);
  CU_add_test(mm, "writer text", test_mm_writer_text);
  CU_add_test(mm, "coordinate, symmetric, pattern, integer, skew", test_mm_hand_made);
  CU_add_test(mm, "entries sent in many small rounds", test_mm_rounds);
  CU_add_test(mm, "provoked errors", test_mm_errors);
  CU_add_test(petsc, "round trips", test_petsc_round_trip);
  CU_add_test(petsc, "AIJ layout", test_petsc_layout);
  CU_add_test(petsc, "sparse and dense variant files", test_petsc_hand_made);
  CU_add_test(petsc, "provoked errors", test_petsc_errors);
  CU_add_test(io, "chunked transfers", test_chunked);
  CU_add_test(io, "formats, sizes, arguments", test_formats);
  CU_add_test(io, "failed writes leave no partial file", test_write_failures);
  CU_add_test(sparse, "round trips, both formats", test_sparse_round_trip);
  CU_add_test(sparse, "writers' bytes", test_sparse_writer_bytes);
  CU_add_test(sparse, "Matrix Market variants", test_sparse_mm_variants);
  CU_add_test(sparse, "Matrix Market duplicates across rounds", test_sparse_mm_rounds);
  CU_add_test(sparse, "Matrix Market provoked errors", test_sparse_mm_errors);
  CU_add_test(sparse, "PETSc AIJ written by NumPy", test_sparse_petsc_numpy);
  CU_add_test(sparse, "PETSc AIJ files and provoked errors", test_sparse_petsc_files);
  CU_add_test(sparse, "dense files, detection, arguments", test_sparse_detect);
  CU_add_test(sparse, "failed writes leave no partial file", test_sparse_write_failures);
}
