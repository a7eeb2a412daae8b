/* SPDX-License-Identifier: BSD-3-Clause */
/* HDF5 datasets, as h5py stores arrays: C order, contiguous or chunked (and then possibly
   compressed). "FILE:/GROUP/NAME" names a dataset (FILE alone: its only dataset when reading; the
   dataset /STEM, STEM the file name without its extension, when writing). A 2-D dataset is a
   matrix, a 1-D one a vector (m x 1), a 3-D one (K, m, n) a collection of K blocks. Reads widen
   every integer and floating-point type to float64 (HDF5's own conversion, exact but for 64-bit
   integers beyond 2^53); writes store little-endian float64.
   Parallel reads and writes: every rank opens the file through HDF5's MPI-IO driver and moves
   its own rows (a hyperslab) in collective transfers of at most rla_io_chunk_bytes(). The header
   is read by one rank with HDF5's default (POSIX) driver, and so are the blocks of a collection
   that one rank reads for itself. HDF5's error stack is never printed: a failure becomes one
   message naming the file and the dataset, with HDF5's innermost reason. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#include "../base/alloc.h"
#include "../base/fault.h"
#include "io_impl.h"

/* the extensions that name an HDF5 file */
static int h5_extension(const char *begin, const char *end)
{
  static const char *const ext[] = {".h5", ".hdf5", ".he5", ".hdf"};
  for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
    size_t len = strlen(ext[i]);
    /* a name before the extension: not ".h5" alone, nor "dir/.h5" */
    if ((size_t)(end - begin) > len && !strncasecmp(end - len, ext[i], len) &&
        *(end - len - 1) != '/')
      return 1;
  }
  return 0;
}

/* the ":/" after an HDF5 file name in path, or NULL */
static const char *h5_colon(const char *path)
{
  for (const char *p = strstr(path, ":/"); p; p = strstr(p + 1, ":/"))
    if (h5_extension(path, p)) return p;
  return NULL;
}

int rla_io_h5_named(const char *path)
{
  return h5_colon(path) != NULL || h5_extension(path, path + strlen(path));
}

int rla_io_hdf5_split(const char *path, int writing, char *file, size_t flen, char *dataset,
                      size_t dlen)
{
  const char *colon = h5_colon(path), *base, *dot;
  size_t len;
  if (!colon && !rla_file_exists(path)) colon = strstr(path, ":/");
  len = colon ? (size_t)(colon - path) : strlen(path);
  if (len >= flen || (colon && strlen(colon + 1) >= dlen) || dlen < 2) return -1;
  memcpy(file, path, len);
  file[len] = '\0';
  if (colon || !writing) {
    snprintf(dataset, dlen, "%s", colon ? colon + 1 : "");
    return 0;
  }
  /* /STEM */
  base = strrchr(file, '/');
  base = base ? base + 1 : file;
  dot = strrchr(base, '.');
  len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
  if (len + 2 > dlen) return -1;
  snprintf(dataset, dlen, "/%.*s", (int)len, base);
  return 0;
}

#ifdef RLA_HAVE_HDF5
#include <hdf5.h>

#if H5_VERSION_GE(1, 12, 0)
typedef H5L_info2_t link_info;
#else
typedef H5L_info_t link_info;
#endif

/* HDF5 prints its error stack by default; rla reports errors itself */
static void quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static herr_t innermost(unsigned n, const H5E_error2_t *e, void *data)
{
  if (n == 0 && e->desc) snprintf(data, 160, "%s", e->desc);
  return 0;
}

/* ": REASON" from the innermost entry of HDF5's error stack (cleared), or "" */
static const char *reason(char *buf)
{
  char desc[160] = "";
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, desc);
  H5Eclear2(H5E_DEFAULT);
  snprintf(buf, 200, "%s%s", desc[0] ? ": " : "", desc);
  return buf;
}

#define IO_FAIL(ctx, code, ...)                                                                    \
  rla_error_set((ctx), (code), __func__, __FILE__, __LINE__, __VA_ARGS__)

static void close_id(hid_t *id, herr_t (*close)(hid_t))
{
  if (*id >= 0) close(*id);
  *id = -1;
}

/* the element type of a dataset, as rla_io_dtype */
static rla_err type_of(rla_ctx ctx, hid_t dset, const char *file, const char *name, int *dtype)
{
  hid_t t = H5Dget_type(dset);
  H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
  size_t size = t >= 0 ? H5Tget_size(t) : 0;
  int sign = cls == H5T_INTEGER ? (int)H5Tget_sign(t) : 0, members = 0, floats = 0;
  /* a 2-byte float with float32's 8 exponent bits is a bfloat16 */
  size_t spos, epos, esize = 0, mpos, msize;
  int bf16 = cls == H5T_FLOAT && size == 2 &&
             H5Tget_fields(t, &spos, &epos, &esize, &mpos, &msize) >= 0 && esize == 8;
  if (cls == H5T_COMPOUND) {
    members = H5Tget_nmembers(t);
    for (int i = 0; i < members; i++)
      floats += H5Tget_member_class(t, (unsigned)i) == H5T_FLOAT;
  }
  close_id(&t, H5Tclose);
  *dtype = -1;
  if (cls == H5T_FLOAT)
    *dtype = size == 8   ? RLA_IO_F8
             : size == 4 ? RLA_IO_F4
             : size == 2 ? (bf16 ? RLA_IO_BF16 : RLA_IO_F2)
                         : -1;
  else if (cls == H5T_INTEGER) {
    static const int s[4] = {RLA_IO_I1, RLA_IO_I2, RLA_IO_I4, RLA_IO_I8};
    static const int u[4] = {RLA_IO_U1, RLA_IO_U2, RLA_IO_U4, RLA_IO_U8};
    int k = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
    if (k >= 0) *dtype = sign == H5T_SGN_NONE ? u[k] : s[k];
  }
  if (*dtype >= 0) return RLA_SUCCESS;
  RLA_CHECK(ctx, !(cls == H5T_COMPOUND && members == 2 && floats == 2), RLA_ERR_FORMAT,
            "%s: dataset %s holds complex numbers, which rla does not read: stack the real and "
            "imaginary parts as two real matrices",
            file, name);
  RLA_CHECK(ctx, cls != H5T_ENUM, RLA_ERR_FORMAT,
            "%s: dataset %s holds an enumeration (h5py stores bool so): store it as integers", file,
            name);
  RLA_CHECK(ctx, cls != H5T_FLOAT && cls != H5T_INTEGER, RLA_ERR_FORMAT,
            "%s: dataset %s holds %zu-byte numbers: rla reads integers of 1, 2, 4 or 8 bytes and "
            "floating-point numbers of 2, 4 or 8",
            file, name, size);
  RLA_CHECK(ctx, 0, RLA_ERR_FORMAT,
            "%s: dataset %s holds no numbers (HDF5 type class %d): rla reads integer and "
            "floating-point datasets",
            file, name, (int)cls);
}

/* every filter of the dataset (compression, shuffle, checksum) is one this HDF5 can decode */
static rla_err check_filters(rla_ctx ctx, hid_t dset, const char *file, const char *name)
{
  hid_t dcpl = H5Dget_create_plist(dset);
  int nf = dcpl >= 0 ? H5Pget_nfilters(dcpl) : 0;
  rla_err err = RLA_SUCCESS;
  for (int i = 0; i < nf && !err; i++) {
    unsigned flags, conf;
    size_t nelem = 0;
    char fname[64] = "";
    H5Z_filter_t id =
        H5Pget_filter2(dcpl, (unsigned)i, &flags, &nelem, NULL, sizeof(fname), fname, &conf);
    if (id < 0 || H5Zfilter_avail(id) <= 0)
      err = IO_FAIL(ctx, RLA_ERR_FORMAT,
                    "%s: dataset %s is stored through filter %d (%s), which this HDF5 library "
                    "cannot decode (h5py's lzf is one such: write the dataset with gzip)",
                    file, name, (int)id, fname[0] ? fname : "unnamed");
  }
  close_id(&dcpl, H5Pclose);
  H5Eclear2(H5E_DEFAULT);
  return err;
}

/* the datasets of a file, when none is named: the count and the first few names */
struct found {
  int count;
  char first[RLA_PATH_MAX];
  char names[200];
};

static herr_t visit(hid_t g, const char *name, const link_info *li, void *data)
{
  struct found *f = data;
  hid_t o;
  if (li->type != H5L_TYPE_HARD) return 0;
  o = H5Oopen(g, name, H5P_DEFAULT);
  if (o >= 0 && H5Iget_type(o) == H5I_DATASET) {
    size_t used = strlen(f->names);
    if (f->count++ == 0) snprintf(f->first, sizeof(f->first), "/%s", name);
    if (f->count <= 4 && used < sizeof(f->names))
      snprintf(f->names + used, sizeof(f->names) - used, "%s/%s", used ? ", " : "", name);
  }
  if (o >= 0) H5Oclose(o);
  return 0;
}

/* the only dataset of the file, into name */
static rla_err only_dataset(rla_ctx ctx, hid_t fid, const char *file, char *name, size_t len)
{
  struct found f;
  memset(&f, 0, sizeof(f));
  H5Lvisit(fid, H5_INDEX_NAME, H5_ITER_INC, visit, &f);
  H5Eclear2(H5E_DEFAULT);
  RLA_CHECK(ctx, f.count > 0, RLA_ERR_FORMAT, "%s: the HDF5 file holds no dataset", file);
  RLA_CHECK(ctx, f.count == 1, RLA_ERR_ARG, "%s holds %d datasets (%s%s): name one, as %s:/NAME",
            file, f.count, f.names, f.count > 4 ? ", ..." : "", file);
  snprintf(name, len, "%s", f.first);
  return RLA_SUCCESS;
}

/* Open path's file with fapl and its dataset (the only one when path names none): *fid and *dset
   (-1 on failure; the caller closes them); name gets the dataset's name. Local. */
static rla_err open_dataset(rla_ctx ctx, const char *path, hid_t fapl, char *file, char *name,
                            hid_t *fid, hid_t *dset)
{
  char why[200];
  *fid = *dset = -1;
  RLA_CHECK(ctx, !rla_io_hdf5_split(path, 0, file, RLA_PATH_MAX, name, RLA_PATH_MAX), RLA_ERR_ARG,
            "%s: path too long", path);
  *fid = H5Fopen(file, H5F_ACC_RDONLY, fapl);
  RLA_CHECK(ctx, *fid >= 0, RLA_ERR_FORMAT, "%s: cannot open as HDF5%s", file, reason(why));
  if (!name[0]) RLA_CALL(ctx, only_dataset(ctx, *fid, file, name, RLA_PATH_MAX));
  if (H5Lexists(*fid, name, H5P_DEFAULT) > 0) *dset = H5Oopen(*fid, name, H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  RLA_CHECK(ctx, *dset >= 0, RLA_ERR_FORMAT, "%s: no dataset %s", file, name);
  if (H5Iget_type(*dset) != H5I_DATASET) {
    int group = H5Iget_type(*dset) == H5I_GROUP;
    close_id(dset, H5Oclose);
    RLA_CHECK(ctx, 0, RLA_ERR_FORMAT, "%s: %s is %s, not a dataset%s", file, name,
              group ? "a group" : "a named type",
              group ? ": name one of its datasets (rla-cluster reads a group as a collection)"
                    : "");
  }
  return RLA_SUCCESS;
}

/* The dataset's dimensions (rank 1, 2 or 3 as want: 0 for 1 or 2) and checks */
static rla_err shape_of(rla_ctx ctx, hid_t dset, const char *file, const char *name, int want,
                        int *rank, int64_t *dims)
{
  hid_t sp = H5Dget_space(dset);
  hsize_t d[H5S_MAX_RANK];
  int r =
      sp >= 0 && H5Sget_simple_extent_type(sp) == H5S_SIMPLE ? H5Sget_simple_extent_ndims(sp) : 0;
  int64_t total = 1;
  if (r > 0) H5Sget_simple_extent_dims(sp, d, NULL);
  close_id(&sp, H5Sclose);
  H5Eclear2(H5E_DEFAULT);
  RLA_CHECK(ctx, r > 0, RLA_ERR_FORMAT, "%s: dataset %s holds no array (a scalar or empty space)",
            file, name);
  if (want == 3)
    RLA_CHECK(ctx, r == 3, RLA_ERR_FORMAT,
              "%s: dataset %s has %d dimensions: a collection in one dataset has 3, (blocks, rows, "
              "columns)",
              file, name, r);
  else
    RLA_CHECK(ctx, r <= 2, RLA_ERR_FORMAT,
              "%s: dataset %s has %d dimensions: a matrix has 2 (a vector 1)%s", file, name, r,
              r == 3 ? "; rla-cluster reads a 3-D dataset as a collection" : "");
  for (int i = 0; i < r; i++) {
    RLA_CHECK(ctx,
              d[i] <= (hsize_t)INT64_MAX / 8 &&
                  (d[i] == 0 || total <= INT64_MAX / 8 / (int64_t)d[i]),
              RLA_ERR_FORMAT, "%s: dataset %s: its dimensions overflow 64-bit sizes", file, name);
    total *= (int64_t)d[i];
    dims[i] = (int64_t)d[i];
  }
  *rank = r;
  return RLA_SUCCESS;
}

/* The header of the open dataset into info (info->offset -1): want 0, a matrix (2-D) or a vector
   (1-D); 3, a collection (3-D: *K blocks, info describing one); 2, a block of a group (2-D). */
static rla_err describe(rla_ctx ctx, hid_t dset, const char *file, const char *name, int want,
                        rla_io_info *info, int64_t *K)
{
  int rank = 0;
  int64_t dims[3] = {0, 0, 0};
  const int lead = want == 3;
  memset(info, 0, sizeof(*info));
  RLA_CALL(ctx, shape_of(ctx, dset, file, name, want == 3 ? 3 : 0, &rank, dims));
  RLA_CHECK(ctx, want != 2 || rank == 2, RLA_ERR_FORMAT,
            "%s: dataset %s has %d dimension%s: the datasets of a collection group are matrices "
            "(2-D)",
            file, name, rank, rank == 1 ? "" : "s");
  RLA_CALL(ctx, type_of(ctx, dset, file, name, &info->dtype));
  RLA_CALL(ctx, check_filters(ctx, dset, file, name));
  RLA_CHECK(ctx, dims[lead] <= INT32_MAX && (rank < 2 || dims[rank - 1] <= INT32_MAX),
            RLA_ERR_UNSUPPORTED,
            "%s: dataset %s: a block of %lld x %lld exceeds 2^31-1 rows or columns", file, name,
            (long long)dims[lead], (long long)(rank > 1 ? dims[rank - 1] : 1));
  if (K) *K = want == 3 ? dims[0] : 1;
  info->m = dims[lead];
  info->n = rank == 1 ? 1 : dims[lead + 1];
  info->vector = rank == 1;
  info->nz = RLA_IO_PETSC_DENSE;
  info->offset = -1;
  return RLA_SUCCESS;
}

/* path's file exists and is an HDF5 file: its name in file, the dataset's (or "") in name */
static rla_err check_file(rla_ctx ctx, const char *path, char *file, char *name)
{
  int fd, ok;
  int64_t size;
  RLA_CHECK(ctx, !rla_io_hdf5_split(path, 0, file, RLA_PATH_MAX, name, RLA_PATH_MAX), RLA_ERR_ARG,
            "%s: path too long", path);
  RLA_CALL(ctx, rla_io_open_fd(ctx, file, &fd, &size));
  close(fd);
  ok = H5Fis_hdf5(file) > 0;
  H5Eclear2(H5E_DEFAULT);
  RLA_CHECK(ctx, ok, RLA_ERR_FORMAT, "%s: not an HDF5 file (no HDF5 signature)", file);
  return RLA_SUCCESS;
}

rla_err rla_io_h5_header(rla_ctx ctx, const char *path, rla_io_info *info, int64_t *K)
{
  char *file = NULL, *name = NULL;
  hid_t fid = -1, dset = -1;
  rla_err err;
  quiet();
  memset(info, 0, sizeof(*info));
  RLA_CALL(ctx, rla_calloc(ctx, 2 * RLA_PATH_MAX, 1, &file));
  name = file + RLA_PATH_MAX;
  err = check_file(ctx, path, file, name);
  if (!err) err = open_dataset(ctx, path, H5P_DEFAULT, file, name, &fid, &dset);
  if (!err) err = describe(ctx, dset, file, name, K ? 3 : 0, info, K);
  close_id(&dset, H5Oclose);
  close_id(&fid, H5Fclose);
  H5Eclear2(H5E_DEFAULT);
  rla_free(&file);
  return err;
}

/* the names of a group's datasets (hard links), in the order of their names */
struct members {
  rla_ctx ctx;
  char **name;
  int64_t n, cap;
  rla_err err;
};

static herr_t member(hid_t g, const char *name, const link_info *li, void *data)
{
  struct members *s = data;
  hid_t o = li->type == H5L_TYPE_HARD ? H5Oopen(g, name, H5P_DEFAULT) : -1;
  int dataset = o >= 0 && H5Iget_type(o) == H5I_DATASET;
  close_id(&o, H5Oclose);
  if (!dataset) return 0;
  s->err = rla_grow(s->ctx, &s->name, &s->cap, s->n + 1, sizeof(char *));
  if (!s->err) s->err = rla_calloc(s->ctx, strlen(name) + 1, 1, &s->name[s->n]);
  if (s->err) return -1;
  strcpy(s->name[s->n++], name);
  return 0;
}

/* "PATH[k]" for the blocks of a 3-D dataset, "FILE:GROUP/MEMBER" for those of a group */
static rla_err block_name(rla_ctx ctx, char **out, const char *a, const char *b, int64_t k)
{
  size_t len = strlen(a) + (b ? strlen(b) : 0) + 32;
  RLA_CALL(ctx, rla_calloc(ctx, len, 1, out));
  if (b)
    snprintf(*out, len, "%s%s%s", a, a[strlen(a) - 1] == '/' ? "" : "/", b);
  else
    snprintf(*out, len, "%s[%lld]", a, (long long)k);
  return RLA_SUCCESS;
}

/* the blocks of the group g (named name in file): its datasets, each 2-D */
static rla_err group_blocks(rla_ctx ctx, hid_t g, const char *file, const char *name, int64_t *n,
                            char ***names, rla_io_info **info)
{
  struct members s = {ctx, NULL, 0, 0, RLA_SUCCESS};
  char *prefix = NULL;
  rla_err err;
  H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, member, &s);
  H5Eclear2(H5E_DEFAULT);
  err = s.err;
  if (!err && s.n == 0)
    err = IO_FAIL(ctx, RLA_ERR_FORMAT, "%s: the group %s holds no dataset", file, name);
  if (!err) err = rla_calloc(ctx, (size_t)s.n, sizeof(char *), names);
  if (!err) err = rla_calloc(ctx, (size_t)s.n, sizeof(rla_io_info), info);
  if (!err) err = rla_calloc(ctx, strlen(file) + strlen(name) + 2, 1, &prefix);
  if (!err) sprintf(prefix, "%s:%s", file, name);
  for (int64_t i = 0; !err && i < s.n; i++) {
    hid_t d = H5Oopen(g, s.name[i], H5P_DEFAULT);
    err = block_name(ctx, &(*names)[i], prefix, s.name[i], 0);
    /* the error names the dataset by its full path */
    if (!err) err = describe(ctx, d, file, (*names)[i] + strlen(file) + 1, 2, &(*info)[i], NULL);
    close_id(&d, H5Oclose);
    *n = i + 1;
  }
  for (int64_t i = 0; i < s.n; i++)
    rla_free(&s.name[i]);
  rla_free(&s.name);
  rla_free(&prefix);
  return err;
}

/* a name for a file named alone: its only dataset when that is 3-D, else its root group */
static void default_collection(hid_t fid, char *name)
{
  struct found f;
  hid_t d;
  int r = 0;
  memset(&f, 0, sizeof(f));
  H5Lvisit(fid, H5_INDEX_NAME, H5_ITER_INC, visit, &f);
  d = f.count == 1 ? H5Dopen2(fid, f.first, H5P_DEFAULT) : -1;
  if (d >= 0) {
    hid_t sp = H5Dget_space(d);
    r = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : 0;
    close_id(&sp, H5Sclose);
  }
  close_id(&d, H5Dclose);
  H5Eclear2(H5E_DEFAULT);
  snprintf(name, RLA_PATH_MAX, "%s", r == 3 ? f.first : "/");
}

rla_err rla_io_h5_collection(rla_ctx ctx, const char *path, int64_t *n, char ***names,
                             rla_io_info **info)
{
  char *file = NULL, *name, why[200];
  hid_t fid = -1, o = -1;
  int64_t K = 0;
  rla_io_info one;
  rla_err err;
  quiet();
  *n = 0;
  *names = NULL;
  *info = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 2 * RLA_PATH_MAX, 1, &file));
  name = file + RLA_PATH_MAX;
  err = check_file(ctx, path, file, name);
  if (!err) {
    fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) err = IO_FAIL(ctx, RLA_ERR_FORMAT, "%s: cannot open as HDF5%s", file, reason(why));
  }
  if (!err && !name[0]) default_collection(fid, name);
  if (!err && (!strcmp(name, "/") || H5Lexists(fid, name, H5P_DEFAULT) > 0))
    o = H5Oopen(fid, name, H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  if (!err && o < 0) err = IO_FAIL(ctx, RLA_ERR_FORMAT, "%s: no dataset or group %s", file, name);
  if (!err && H5Iget_type(o) == H5I_GROUP)
    err = group_blocks(ctx, o, file, name, n, names, info);
  else if (!err && H5Iget_type(o) == H5I_DATASET) {
    err = describe(ctx, o, file, name, 3, &one, &K);
    if (!err && K == 0)
      err = IO_FAIL(ctx, RLA_ERR_FORMAT, "%s: dataset %s of shape (0, %lld, %lld) holds no blocks",
                    file, name, (long long)one.m, (long long)one.n);
    if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(char *), names);
    if (!err) err = rla_calloc(ctx, (size_t)K, sizeof(rla_io_info), info);
    for (int64_t k = 0; !err && k < K; k++) {
      (*info)[k] = one;
      (*info)[k].offset = k;
      err = block_name(ctx, &(*names)[k], path, NULL, k);
      *n = k + 1;
    }
  } else if (!err)
    err = IO_FAIL(ctx, RLA_ERR_FORMAT, "%s: %s is neither a dataset nor a group", file, name);
  close_id(&o, H5Oclose);
  close_id(&fid, H5Fclose);
  H5Eclear2(H5E_DEFAULT);
  rla_free(&file);
  return err;
}

/* A row-block A's rows from the open dataset (C order; info->offset >= 0: block k = offset of a
   3-D one) through dxpl, in calls of at most rla_io_chunk_bytes(): calls of them (every rank the
   same number when collective; agreed after each call then), into buf (room for the rows of one
   call). Errors name path. */
static rla_err read_rows(rla_ctx ctx, rla_dmat A, hid_t dset, const rla_io_info *info, hid_t dxpl,
                         int collective, double *buf, int64_t rows_per, const char *path)
{
  double *a;
  int64_t m, lm, n, lld, row0 = rla_dmat_row_offset(A), mb, calls;
  const int three = info->offset >= 0, two = !info->vector;
  char why[200];
  rla_err err = RLA_SUCCESS;
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  rla_dmat_sizes(A, &m, &n);
  rla_dmat_rank_rows(A, 0, NULL, &mb);
  calls = ((collective ? mb : lm) + rows_per - 1) / rows_per;
  if (collective && calls == 0) calls = 1;
  if (n == 0 || m == 0) calls = 0; /* an empty dataset has no data to read */
  for (int64_t c = 0, done = 0; c < calls; c++) {
    int64_t r = lm - done < rows_per ? lm - done : rows_per;
    hsize_t start[3] = {0, 0, 0}, count[3] = {1, 1, 1}, shape[3] = {1, 1, 1};
    hid_t fs = H5Dget_space(dset), ms;
    int k = 0;
    if (three) start[k++] = (hsize_t)info->offset;
    start[k] = (hsize_t)(row0 + done);
    count[k] = (hsize_t)r;
    shape[k] = (hsize_t)(r > 0 ? r : 1);
    if (two) count[k + 1] = shape[k + 1] = (hsize_t)n;
    /* the memory of the file's shape (the hyperslab's): HDF5 then copies whole rows of a chunk */
    ms = H5Screate_simple(k + 1 + two, shape, NULL);
    if (r > 0)
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    else {
      H5Sselect_none(fs);
      H5Sselect_none(ms);
    }
    if (!err && (fs < 0 || ms < 0 || H5Dread(dset, H5T_NATIVE_DOUBLE, ms, fs, dxpl, buf) < 0))
      err = IO_FAIL(ctx, RLA_ERR_FILE, "%s: reading rows %lld to %lld failed%s", path,
                    (long long)(row0 + done), (long long)(row0 + done + r), reason(why));
    close_id(&fs, H5Sclose);
    close_id(&ms, H5Sclose);
    if (!err) err = rla_fault_check(ctx, "read");
    if (!err && r > 0) rla_io_move_rows(buf, done * n, r * n, a, n, lld, 1);
    if (collective) RLA_CALL(ctx, rla_ctx_agree(ctx, err));
    if (err) return err;
    done += r;
  }
  return RLA_SUCCESS;
}

/* The rows of A that one call moves (A's n columns in at most rla_io_chunk_bytes(), at least one
   row) in *rows; returns the doubles of a call's buffer: this rank's rows of one call, plus one so
   that a rank without rows has a buffer too */
static int64_t call_buffer(rla_dmat A, int64_t *rows)
{
  int64_t lm, n, r;
  rla_dmat_local(A, NULL, &lm, NULL, NULL);
  rla_dmat_sizes(A, NULL, &n);
  r = rla_io_chunk_bytes() / (8 * (n > 0 ? n : 1));
  *rows = r > 0 ? r : 1;
  return (lm < *rows ? lm : *rows) * n + 1;
}

/* a file access property list for HDF5's MPI-IO driver over ctx */
static hid_t mpio_fapl(rla_ctx ctx)
{
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl >= 0) H5Pset_fapl_mpio(fapl, rla_ctx_comm(ctx), MPI_INFO_NULL);
  return fapl;
}

rla_err rla_io_h5_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A)
{
  char *file = NULL, *name;
  hid_t fapl, dxpl, fid = -1, dset = -1;
  int64_t rows, words;
  double *buf = NULL;
  rla_err err;
  quiet();
  words = call_buffer(A, &rows);
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, 2 * RLA_PATH_MAX, 1, &file)));
  name = file + RLA_PATH_MAX;
  err = rla_calloc(ctx, (size_t)words, sizeof(double), &buf);
  /* every rank sees the file (not only the one that read the header) before the collective open */
  if (!err && !rla_io_hdf5_split(path, 0, file, RLA_PATH_MAX, name, RLA_PATH_MAX) &&
      access(file, R_OK) != 0)
    err = IO_FAIL(ctx, RLA_ERR_FILE, "%s: cannot open on rank %d: %s", file, rla_ctx_rank(ctx),
                  strerror(errno));
  err = rla_ctx_agree(ctx, err);
  fapl = mpio_fapl(ctx);
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  if (dxpl >= 0) H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  if (!err) err = rla_ctx_agree(ctx, open_dataset(ctx, path, fapl, file, name, &fid, &dset));
  if (!err) err = read_rows(ctx, A, dset, info, dxpl, 1, buf, rows, path);
  close_id(&dset, H5Oclose);
  close_id(&fid, H5Fclose);
  close_id(&dxpl, H5Pclose);
  close_id(&fapl, H5Pclose);
  H5Eclear2(H5E_DEFAULT);
  rla_free(&buf);
  rla_free(&file);
  return err;
}

void rla_io_h5_scratch_free(rla_io_scratch *s)
{
  hid_t fid = (hid_t)s->h5file, dset = (hid_t)s->h5dset;
  if (s->h5path) close_id(&dset, H5Dclose);
  if (s->h5name) close_id(&fid, H5Fclose);
  rla_free(&s->h5path);
  rla_free(&s->h5name);
  s->h5file = s->h5dset = 0;
}

/* The open file (kept in scratch, when given, for the next block) and dataset of path (kept
   too: the blocks of a 3-D dataset share it). A path naming no dataset: its file's only
   dataset, or for a block of a 3-D dataset (info->offset >= 0) the file's only 3-D dataset. */
static rla_err local_dataset(rla_ctx ctx, const char *path, const rla_io_info *info, char *file,
                             char *name, rla_io_scratch *s, hid_t *fid, hid_t *dset)
{
  char why[200];
  *fid = *dset = -1;
  RLA_CHECK(ctx, !rla_io_hdf5_split(path, 0, file, RLA_PATH_MAX, name, RLA_PATH_MAX), RLA_ERR_ARG,
            "%s: path too long", path);
  if (s && s->h5path && !strcmp(s->h5path, path)) {
    *fid = (hid_t)s->h5file;
    *dset = (hid_t)s->h5dset;
    return RLA_SUCCESS;
  }
  if (s && s->h5name && !strcmp(s->h5name, file)) {
    hid_t old = (hid_t)s->h5dset;
    if (s->h5path) close_id(&old, H5Dclose);
    rla_free(&s->h5path);
    *fid = (hid_t)s->h5file;
  } else {
    if (s) rla_io_h5_scratch_free(s);
    *fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    RLA_CHECK(ctx, *fid >= 0, RLA_ERR_FILE, "%s: cannot open as HDF5%s", file, reason(why));
    if (s && !rla_strdup(ctx, file, &s->h5name)) s->h5file = (int64_t)*fid;
  }
  if (!name[0] && info->offset >= 0)
    default_collection(*fid, name);
  else if (!name[0])
    RLA_CALL(ctx, only_dataset(ctx, *fid, file, name, RLA_PATH_MAX));
  *dset = H5Dopen2(*fid, name, H5P_DEFAULT);
  RLA_CHECK(ctx, *dset >= 0, RLA_ERR_FILE, "%s: cannot open dataset %s%s", file, name, reason(why));
  if (s && s->h5name && !rla_strdup(ctx, path, &s->h5path)) s->h5dset = (int64_t)*dset;
  return RLA_SUCCESS;
}

rla_err rla_io_h5_read_local(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A,
                             rla_io_scratch *scratch)
{
  char *file = NULL;
  hid_t fid = -1, dset = -1;
  int64_t rows, words;
  double *buf = NULL;
  rla_err err;
  quiet();
  words = call_buffer(A, &rows);
  RLA_CALL(ctx, rla_calloc(ctx, 2 * RLA_PATH_MAX, 1, &file));
  err = local_dataset(ctx, path, info, file, file + RLA_PATH_MAX, scratch, &fid, &dset);
  if (!err && scratch) err = rla_io_scratch_reserve(ctx, scratch, words);
  if (!err && !scratch) err = rla_calloc(ctx, (size_t)words, sizeof(double), &buf);
  if (!err)
    err = read_rows(ctx, A, dset, info, H5P_DEFAULT, 0, scratch ? scratch->buf : buf, rows, path);
  /* what scratch does not keep */
  if (!scratch || !scratch->h5path || (hid_t)scratch->h5dset != dset) close_id(&dset, H5Dclose);
  if (!scratch || !scratch->h5name || (hid_t)scratch->h5file != fid) close_id(&fid, H5Fclose);
  H5Eclear2(H5E_DEFAULT);
  rla_free(&buf);
  rla_free(&file);
  return err;
}

/* Make way for a new dataset name in the open file: fail when a group or a non-dataset holds
   the name, delete an old dataset of that name. Collective (H5Ldelete changes metadata). */
static rla_err make_way(rla_ctx ctx, hid_t fid, const char *file, const char *name)
{
  char part[RLA_PATH_MAX];
  int exists = 1;
  /* H5Lexists fails on a path through a missing group: test each prefix */
  for (const char *q = name; exists && q;) {
    const char *end = strchr(q + 1, '/');
    snprintf(part, sizeof(part), "%.*s", (int)(end ? end - name : (ptrdiff_t)strlen(name)), name);
    exists = H5Lexists(fid, part, H5P_DEFAULT) > 0;
    q = end;
  }
  H5Eclear2(H5E_DEFAULT);
  if (exists) {
    hid_t o = H5Oopen(fid, name, H5P_DEFAULT);
    int is_dset = o >= 0 && H5Iget_type(o) == H5I_DATASET;
    close_id(&o, H5Oclose);
    RLA_CHECK(ctx, is_dset, RLA_ERR_ARG,
              "%s: %s exists and is not a dataset: give the output another name", file, name);
    RLA_CHECK(ctx, H5Ldelete(fid, name, H5P_DEFAULT) >= 0, RLA_ERR_FILE,
              "%s: cannot replace the dataset %s", file, name);
  }
  return RLA_SUCCESS;
}

/* Create the float64 dataset name (m x n, or m when vector) in fid and write A's rows into it
   in collective calls. Collective, agreed after each step. */
static rla_err write_dataset(rla_dmat A, hid_t fid, const char *file, const char *name, int vector)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  double *a, *buf = NULL;
  int64_t m, n, lm, lld, mb, row0 = rla_dmat_row_offset(A), rows, calls, words;
  hsize_t dims[2];
  hid_t space, lcpl, dxpl, dset = -1;
  char why[200];
  rla_err err;
  rla_dmat_sizes(A, &m, &n);
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  rla_dmat_rank_rows(A, 0, NULL, &mb);
  words = call_buffer(A, &rows);
  /* an empty dataset has no data to write (HDF5 gives it no storage) */
  calls = m == 0 || n == 0 ? 0 : mb > 0 ? (mb + rows - 1) / rows : 1;
  dims[0] = (hsize_t)m;
  dims[1] = (hsize_t)n;
  err = rla_calloc(ctx, (size_t)words, sizeof(double), &buf);
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, make_way(ctx, fid, file, name)));
  space = H5Screate_simple(vector ? 1 : 2, dims, NULL);
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  if (lcpl >= 0) H5Pset_create_intermediate_group(lcpl, 1);
  dset = H5Dcreate2(fid, name, H5T_IEEE_F64LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  close_id(&space, H5Sclose);
  close_id(&lcpl, H5Pclose);
  if (dset < 0)
    err = IO_FAIL(ctx, RLA_ERR_FILE, "%s: cannot create the dataset %s%s", file, name, reason(why));
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, err));
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  if (dxpl >= 0) H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
  for (int64_t c = 0, done = 0; c < calls && !err; c++) {
    int64_t r = lm - done < rows ? lm - done : rows;
    hsize_t start[2] = {(hsize_t)(row0 + done), 0}, count[2] = {(hsize_t)r, (hsize_t)n};
    hsize_t shape[2] = {(hsize_t)(r > 0 ? r : 1), (hsize_t)n};
    /* the memory of the hyperslab's shape: HDF5 then moves whole rows */
    hid_t fs = H5Dget_space(dset), ms = H5Screate_simple(vector ? 1 : 2, shape, NULL);
    if (r > 0) {
      rla_io_move_rows(buf, done * n, r * n, a, n, lld, 0);
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    } else {
      H5Sselect_none(fs);
      H5Sselect_none(ms);
    }
    err = rla_fault_check(ctx, "write");
    if (!err && (fs < 0 || ms < 0 || H5Dwrite(dset, H5T_NATIVE_DOUBLE, ms, fs, dxpl, buf) < 0))
      err = IO_FAIL(ctx, RLA_ERR_FILE, "%s: writing the dataset %s failed%s", file, name,
                    reason(why));
    close_id(&fs, H5Sclose);
    close_id(&ms, H5Sclose);
    err = rla_ctx_agree(ctx, err);
    done += r;
  }
  close_id(&dxpl, H5Pclose);
out:
  close_id(&dset, H5Dclose);
  rla_free(&buf);
  return err;
}

rla_err rla_io_h5_write(rla_dmat A, const char *path, unsigned flags)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  char *file = NULL, *name, *tmp, why[200];
  int append = 0;
  int64_t n;
  hid_t fapl = -1, fid = -1;
  rla_err err, e;
  quiet();
  rla_dmat_sizes(A, NULL, &n);
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, 3 * RLA_PATH_MAX, 1, &file)));
  name = file + RLA_PATH_MAX;
  tmp = name + RLA_PATH_MAX;
  err = rla_io_hdf5_split(path, 1, file, RLA_PATH_MAX, name, RLA_PATH_MAX)
            ? IO_FAIL(ctx, RLA_ERR_ARG, "%s: path too long", path)
            : RLA_SUCCESS;
  if (!err && rla_ctx_rank(ctx) == 0) {
    /* a file that exists receives the dataset; a new (or empty) one is written beside and
       renamed into place */
    struct stat st;
    append = stat(file, &st) == 0 && st.st_size > 0;
    if (append && H5Fis_hdf5(file) <= 0)
      err =
          IO_FAIL(ctx, RLA_ERR_ARG,
                  "%s exists and is not an HDF5 file: cannot add the dataset %s to it", file, name);
    H5Eclear2(H5E_DEFAULT);
  }
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Bcast(&append, 1, MPI_INT, 0, rla_ctx_comm(ctx)));
  if (!append) RLA_CALL_GOTO(ctx, err, out, rla_atomic_tmpname(ctx, file, tmp, RLA_PATH_MAX));
  fapl = mpio_fapl(ctx);
  fid =
      append ? H5Fopen(file, H5F_ACC_RDWR, fapl) : H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (fid < 0)
    err = IO_FAIL(ctx, RLA_ERR_FILE, "%s: cannot open for writing as HDF5%s", file, reason(why));
  err = rla_ctx_agree(ctx, err);
  if (!err) err = write_dataset(A, fid, file, name, (flags & RLA_IO_VECTOR) && n == 1);
  /* a failed dataset is removed from a file that existed (the file is kept) */
  if (err && append && fid >= 0) H5Ldelete(fid, name, H5P_DEFAULT);
  if (fid >= 0 && H5Fclose(fid) < 0 && !err)
    err = IO_FAIL(ctx, RLA_ERR_FILE, "%s: closing failed%s", file, reason(why));
  fid = -1;
  e = append ? rla_ctx_agree(ctx, err) : rla_atomic_finish(ctx, tmp, file, err);
  err = err ? err : e;
out:
  close_id(&fapl, H5Pclose);
  H5Eclear2(H5E_DEFAULT);
  rla_free(&file);
  return err;
}

#else /* no HDF5 */

static rla_err without(rla_ctx ctx, const char *path)
{
  RLA_CHECK(ctx, 0, RLA_ERR_UNSUPPORTED,
            "%s: this rla was built without HDF5 (configure found no hdf5-openmpi; Debian: "
            "libhdf5-openmpi-dev)",
            path);
}

rla_err rla_io_h5_header(rla_ctx ctx, const char *path, rla_io_info *info, int64_t *K)
{
  (void)info;
  (void)K;
  return without(ctx, path);
}

rla_err rla_io_h5_collection(rla_ctx ctx, const char *path, int64_t *n, char ***names,
                             rla_io_info **info)
{
  *n = 0;
  *names = NULL;
  *info = NULL;
  return without(ctx, path);
}

rla_err rla_io_h5_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A)
{
  (void)info;
  (void)A;
  return without(ctx, path);
}

rla_err rla_io_h5_read_local(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A,
                             rla_io_scratch *scratch)
{
  (void)info;
  (void)A;
  (void)scratch;
  return without(ctx, path);
}

void rla_io_h5_scratch_free(rla_io_scratch *s) { (void)s; }

rla_err rla_io_h5_write(rla_dmat A, const char *path, unsigned flags)
{
  (void)flags;
  return rla_ctx_agree(rla_dmat_ctx(A), without(rla_dmat_ctx(A), path));
}
#endif
