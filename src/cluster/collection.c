/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a matrix collection: a directory of matrix files or a manifest listing them, or a
   collection in one file (a 3-D .npy array, or a safetensors file), whose blocks' headers rank 0
   finds and broadcasts. Rank 0 lists the names and broadcasts them; the ranks parse the headers, a
   share each, and gather them in one reduction; then either every rank reads its rows of every
   block (row-block layout) or only the blocks it owns, whole, over MPI_COMM_SELF. The reads are the
   ranks' own (POSIX, rla_io_read_local), with no communication per file: the ranks agree once on
   the headers and once on the data, the first failure in the order of the files winning. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/alloc.h"
#include "../base/finite.h"
#include "../dmat/dmat_impl.h"
#include "../io/io_impl.h"
#include "cluster_impl.h"
#include "rla/file.h"
#include "rla/io.h"

/* what a file's header says, as int64 words per file for one reduction over the ranks */
#define HDR_WORDS 9

/* The descriptors a rank keeps open from a file's header to its data (so that a file is opened
   once when the rank that parses its header also reads it, as in the usual case of blocks of
   equal widths): at most half of the soft limit on open files, less 64 for MPI and the rest. */
static int64_t keep_limit(void)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 512;
  return rl.rlim_cur > 128 ? (int64_t)(rl.rlim_cur - 64) / 2 : 0;
}

static void close_kept(int64_t n, int *fd)
{
  for (int64_t i = 0; fd && i < n; i++)
    if (fd[i] >= 0) {
      close(fd[i]);
      fd[i] = -1;
    }
}

/* idx[0..n) by descending widths[idx], ties by ascending index (merge sort, O(n log n); tmp:
   n entries) */
static void sort_by_width(int64_t *idx, int64_t n, const int64_t *widths, int64_t *tmp)
{
  for (int64_t w = 1; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t a = lo, b = mid, o = lo;
      while (a < mid || b < hi)
        tmp[o++] = (b >= hi || (a < mid && widths[idx[a]] >= widths[idx[b]])) ? idx[a++] : idx[b++];
    }
    memcpy(idx, tmp, sizeof(int64_t) * (size_t)n);
  }
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int matrix_name(const char *name)
{
  static const char *ext[] = {".npy", ".mtx", ".mm", ".petsc", ".bin", ".dat"};
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
    size_t e = strlen(ext[i]);
    if (n > e && !strcasecmp(name + n - e, ext[i])) return 1;
  }
  return 0;
}

/* append one path to the list (a growing array of strings) */
static rla_err push(rla_ctx ctx, char ***list, int64_t *n, int64_t *cap, const char *dir,
                    const char *name)
{
  size_t len = strlen(dir) + strlen(name) + 2;
  RLA_CALL(ctx, rla_grow(ctx, list, cap, *n + 1, sizeof(char *)));
  RLA_CALL(ctx, rla_calloc(ctx, len, 1, &(*list)[*n]));
  if (*dir && name[0] != '/')
    snprintf((*list)[*n], len, "%s/%s", dir, name);
  else
    snprintf((*list)[*n], len, "%s", name);
  (*n)++;
  return RLA_SUCCESS;
}

/* rank 0: the block paths of a directory or a manifest */
static rla_err list_paths(rla_ctx ctx, const char *path, char ***list, int64_t *n)
{
  struct stat st;
  int64_t cap = 0;
  *n = 0;
  RLA_CHECK(ctx, stat(path, &st) == 0, RLA_ERR_FILE,
            "%s: cannot open the collection (no such directory or manifest file)", path);
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *e;
    rla_err err = RLA_SUCCESS;
    RLA_CHECK(ctx, d, RLA_ERR_FILE, "%s: cannot open the directory", path);
    while (!err && (e = readdir(d)))
      if (e->d_name[0] != '.' && matrix_name(e->d_name))
        err = push(ctx, list, n, &cap, path, e->d_name);
    closedir(d);
    if (err) return err;
    RLA_CHECK(ctx, *n > 0, RLA_ERR_FILE,
              "%s: the directory holds no matrix files (.npy, .mtx, .mm, .petsc, .bin, .dat)",
              path);
    qsort(*list, (size_t)*n, sizeof(char *), cmp_str);
  } else {
    char dir[RLA_PATH_MAX], line[RLA_PATH_MAX];
    const char *slash = strrchr(path, '/');
    FILE *f;
    rla_err err = RLA_SUCCESS;
    int lineno = 0;
    RLA_CHECK(ctx, strlen(path) < sizeof(dir), RLA_ERR_ARG, "%s: path too long", path);
    if (slash) {
      memcpy(dir, path, (size_t)(slash - path));
      dir[slash - path] = '\0';
    } else
      strcpy(dir, "");
    f = fopen(path, "r");
    RLA_CHECK(ctx, f, RLA_ERR_FILE, "%s: cannot open the manifest", path);
    while (!err && fgets(line, sizeof(line), f)) {
      char *s = line, *t;
      lineno++;
      if (!strchr(line, '\n') && !feof(f)) {
        err = rla_error_set(ctx, RLA_ERR_FORMAT, __func__, __FILE__, __LINE__,
                            "%s:%d: line too long", path, lineno);
        break;
      }
      while (*s == ' ' || *s == '\t')
        s++;
      t = s + strlen(s);
      while (t > s && (t[-1] == '\n' || t[-1] == '\r' || t[-1] == ' ' || t[-1] == '\t'))
        *--t = '\0';
      if (*s == '\0' || *s == '#') continue;
      err = push(ctx, list, n, &cap, dir, s);
    }
    fclose(f);
    if (err) return err;
    RLA_CHECK(ctx, *n > 0, RLA_ERR_FILE, "%s: the manifest names no files", path);
  }
  return RLA_SUCCESS;
}

static void free_names(int64_t n, char ***names)
{
  if (!names || !*names) return;
  for (int64_t i = 0; i < n; i++)
    rla_free(&(*names)[i]);
  rla_free(names);
}

rla_cluster_distribution rla_cluster_distribution_choose(int nprocs, int64_t m, int64_t nblocks,
                                                         const int64_t *widths)
{
  (void)widths;
  if (nprocs <= 1 || nblocks < 2 * (int64_t)nprocs ||
      m >= (int64_t)RLA_CLUSTER_ROWS_PER_RANK * nprocs)
    return RLA_CLUSTER_DIST_ROWS;
  return RLA_CLUSTER_DIST_BLOCKS;
}

rla_err rla_cluster_owners(rla_ctx ctx, int nprocs, int64_t nblocks, const int64_t *widths,
                           int *owner)
{
  int64_t *load = NULL, *idx = NULL, *tmp = NULL;
  rla_err err = rla_calloc(ctx, (size_t)(nprocs > 0 ? nprocs : 1), sizeof(int64_t), &load);
  if (!err) err = rla_calloc(ctx, (size_t)(nblocks > 0 ? nblocks : 1), sizeof(int64_t), &idx);
  if (!err) err = rla_calloc(ctx, (size_t)(nblocks > 0 ? nblocks : 1), sizeof(int64_t), &tmp);
  if (!err) {
    for (int64_t j = 0; j < nblocks; j++)
      idx[j] = j;
    /* descending width, ties by index */
    sort_by_width(idx, nblocks, widths, tmp);
    for (int64_t i = 0; i < nblocks; i++) {
      int best = 0;
      for (int p = 1; p < nprocs; p++)
        if (load[p] < load[best]) best = p;
      owner[idx[i]] = best;
      load[best] += widths[idx[i]];
    }
  }
  rla_free(&load);
  rla_free(&idx);
  rla_free(&tmp);
  return err;
}

rla_err rla_cluster_collection_read(rla_ctx ctx, const char *path, int64_t *nblocks,
                                    rla_dmat **blocks, char ***names)
{
  return rla_cluster_collection_read_dist(ctx, path, RLA_CLUSTER_DIST_AUTO, nblocks, blocks, names,
                                          NULL);
}

/* The smallest of the ranks' keys, each the position of its first failure in the order of the
   collection (INT64_MAX for none). The error of that failure is then agreed with
   rla_ctx_agree(ctx, key == *first ? err : RLA_SUCCESS): the message of the rank that holds it
   (the lowest of them when several do). Collective. */
static rla_err first_failure(rla_ctx ctx, int64_t key, int64_t *first)
{
  RLA_MPI(ctx, MPI_Allreduce(&key, first, 1, MPI_INT64_T, MPI_MIN, rla_ctx_comm(ctx)));
  return RLA_SUCCESS;
}

/* the gathered headers (HDR_WORDS words a file) into info and fmt */
static void unpack_headers(int64_t n, const int64_t *h, rla_io_info *info, int *fmt)
{
  for (int64_t i = 0; i < n; i++) {
    const int64_t *w = h + HDR_WORDS * i;
    info[i].m = w[0];
    info[i].n = w[1];
    info[i].nz = w[2];
    info[i].offset = w[3];
    info[i].fortran = (int)w[4];
    info[i].vector = (int)w[5];
    fmt[i] = (int)w[6];
    info[i].dtype = (int)w[7];
    info[i].big = (int)w[8];
  }
}

/* The headers: rank r parses those of the files r, r + P, ... (up to its first failure), and
   one reduction gives every rank all of them. The first failure in the order of the files wins,
   a header that cannot be read or a block whose rows differ from the first's, as when the files
   are read one after the other. The descriptors of the files parsed here stay open in fd (up to
   keep_limit(); -1 for the others). */
static rla_err read_headers(rla_ctx ctx, int64_t n, char **list, rla_io_info *info, int *fmt,
                            int64_t *wid, int64_t *m0, int *fd)
{
  int64_t key = INT64_MAX, first = INT64_MAX, *h = NULL, kept = 0, limit = keep_limit();
  rla_err err = RLA_SUCCESS;
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)(HDR_WORDS * n), sizeof(int64_t), &h)));
  for (int64_t i = rla_ctx_rank(ctx); i < n && !err; i += rla_ctx_size(ctx)) {
    rla_format f;
    int64_t *w = h + HDR_WORDS * i;
    err = rla_io_header(ctx, list[i], RLA_FORMAT_AUTO, &f, &info[i], kept < limit ? &fd[i] : NULL);
    kept += fd[i] >= 0;
    if (err) key = i;
    w[0] = info[i].m;
    w[1] = info[i].n;
    w[2] = info[i].nz;
    w[3] = info[i].offset;
    w[4] = info[i].fortran;
    w[5] = info[i].vector;
    w[6] = (int64_t)f;
    w[7] = info[i].dtype;
    w[8] = info[i].big;
  }
  if (MPI_Allreduce(MPI_IN_PLACE, h, (int)(HDR_WORDS * n), MPI_INT64_T, MPI_SUM,
                    rla_ctx_comm(ctx)) != MPI_SUCCESS) {
    rla_free(&h);
    RLA_CHECK(ctx, 0, RLA_ERR_MPI, "gathering the headers of the collection failed");
  }
  unpack_headers(n, h, info, fmt);
  rla_free(&h);
  RLA_CALL(ctx, first_failure(ctx, key, &first));
  /* the sizes of the files before the first that failed (every block has the rows of the first) */
  for (int64_t i = 0; i < n && i < first; i++) {
    int64_t m = info[i].m, w = info[i].n;
    if (i == 0) *m0 = m;
    RLA_CHECK(ctx, m == *m0, RLA_ERR_SHAPE,
              "%s has %lld rows but %s has %lld: every block of a collection needs the same "
              "number of rows",
              list[i], (long long)m, list[0], (long long)*m0);
    RLA_CHECK(ctx, m > 0 && w > 0, RLA_ERR_SHAPE,
              "%s: the block is %lld x %lld: it needs rows and columns", list[i], (long long)m,
              (long long)w);
    wid[i] = w;
  }
  if (first < n) RLA_CALL(ctx, rla_ctx_agree(ctx, key == first ? err : RLA_SUCCESS));
  return RLA_SUCCESS;
}

/* a context over MPI_COMM_SELF with ctx's verbosity; its errors go to ctx */
static rla_err create_self(rla_ctx ctx, rla_ctx *self)
{
  RLA_CHECK(ctx, !rla_ctx_create(MPI_COMM_SELF, self), RLA_ERR_MPI,
            "cannot create a context over MPI_COMM_SELF");
  rla_ctx_set_verbosity(*self, rla_ctx_verbosity(ctx));
  return RLA_SUCCESS;
}

/* ctx's error from one raised on self (a no-op when it is ctx's own) */
static rla_err from_self(rla_ctx ctx, rla_ctx self, rla_err err)
{
  if (!err || ctx == self) return err;
  return rla_error_set(ctx, err, __func__, __FILE__, __LINE__, "%s", rla_ctx_error_message(self));
}

/* The blocks this rank owns, zeroed, over self, in one allocation (rla_dmat_create_rowblocks;
   the lowest-numbered owns it). Local (over self). */
static rla_err create_owned(rla_ctx self, int64_t n, int64_t m, const int64_t *wid,
                            const int *owner, int rank, rla_dmat *b)
{
  int64_t count = 0, *w = NULL, *idx = NULL;
  rla_dmat *mats = NULL;
  rla_err err;
  for (int64_t i = 0; i < n; i++)
    count += owner[i] == rank;
  if (count == 0) return RLA_SUCCESS;
  err = rla_calloc(self, (size_t)count, sizeof(int64_t), &w);
  if (!err) err = rla_calloc(self, (size_t)count, sizeof(int64_t), &idx);
  if (!err) err = rla_calloc(self, (size_t)count, sizeof(rla_dmat), &mats);
  for (int64_t i = 0, k = 0; !err && i < n; i++)
    if (owner[i] == rank) {
      idx[k] = i;
      w[k++] = wid[i];
    }
  if (!err) err = rla_dmat_create_rowblocks(self, count, m, w, mats);
  for (int64_t k = 0; !err && k < count; k++)
    b[idx[k]] = mats[k];
  rla_free(&w);
  rla_free(&idx);
  rla_free(&mats);
  return err;
}

/* The blocks distribution: each rank reads the blocks it owns, whole, into matrices over a
   context on MPI_COMM_SELF (made together, in one allocation), with no communication per
   block; b[n] (one entry past the blocks)
   holds a 1 x 1 matrix over that context, so rla_cluster_collection_free finds and frees it
   after the blocks, on every rank (also one that owns none). One agreement at the end: the
   first block in the collection's order that failed on any rank. */
static rla_err read_owned(rla_ctx ctx, int64_t n, char **list, const char *const *paths,
                          const rla_io_info *info, const int *fmt, const int64_t *wid,
                          const int *fd, rla_dmat *b)
{
  int *owner = NULL;
  rla_ctx self = NULL;
  rla_io_scratch scratch = {0};
  int64_t key = INT64_MAX, first;
  rla_err e, err = rla_calloc(ctx, (size_t)n, sizeof(int), &owner);
  if (!err) err = create_self(ctx, &self);
  if (!err) err = from_self(ctx, self, rla_dmat_create_rowblock(self, 1, 1, 0, &b[n]));
  if (!err) err = rla_cluster_owners(ctx, rla_ctx_size(ctx), n, wid, owner);
  if (!err)
    err = from_self(ctx, self, create_owned(self, n, info[0].m, wid, owner, rla_ctx_rank(ctx), b));
  if (err) key = -1; /* before any block */
  for (int64_t i = 0; i < n && !err; i++) {
    if (owner[i] != rla_ctx_rank(ctx)) continue;
    err = rla_io_read_local(self, self, paths[i], (rla_format)fmt[i], &info[i], b[i], fd[i],
                            &scratch);
    if (!err) err = rla_dmat_check_finite(b[i], list[i]);
    if (err) {
      err = from_self(ctx, self, err);
      key = i;
    }
  }
  rla_free(&owner);
  rla_io_scratch_free(&scratch);
  e = first_failure(ctx, key, &first);
  if (!e && first != INT64_MAX) e = rla_ctx_agree(ctx, key == first ? err : RLA_SUCCESS);
  if (e) {
    for (int64_t i = 0; i <= n; i++)
      rla_dmat_destroy(&b[i]);
    rla_ctx_destroy(&self);
  }
  return e;
}

/* The rows distribution: each rank reads its rows of every block into row-block matrices over
   ctx (made with one agreement), with no communication per block. One agreement at the end: the
   first failure in the collection's order on any rank, a read of block i (key 2 i) before
   non-finite values in it (2 i + 1: then rla_dmat_check_finite on every rank names the first
   one, as rla_io_read does). */
static rla_err read_rows(rla_ctx ctx, int64_t n, char **list, const char *const *paths,
                         const rla_io_info *info, const int *fmt, const int64_t *wid, int64_t m0,
                         const int *fd, rla_dmat *b)
{
  rla_ctx self = NULL;
  rla_io_scratch scratch = {0};
  int64_t key = INT64_MAX, first;
  rla_err e, err;
  RLA_CALL(ctx, rla_dmat_create_rowblocks(ctx, n, m0, wid, b));
  /* for the files read whole (rla_io_read_local) */
  err = create_self(ctx, &self);
  if (err) key = -2; /* before any block */
  for (int64_t i = 0; i < n && key == INT64_MAX; i++) {
    double *a;
    int64_t lm, ln, lld;
    err =
        rla_io_read_local(ctx, self, paths[i], (rla_format)fmt[i], &info[i], b[i], fd[i], &scratch);
    rla_dmat_local(b[i], &a, &lm, &ln, &lld);
    if (err)
      key = 2 * i;
    else if (isnan(rla_max_abs(a, lm, ln, lld)))
      key = 2 * i + 1;
  }
  rla_ctx_destroy(&self);
  rla_io_scratch_free(&scratch);
  e = first_failure(ctx, key, &first);
  if (!e && first >= 0 && first < INT64_MAX && first % 2 == 1)
    e = rla_dmat_check_finite(b[first / 2], list[first / 2]);
  else if (!e && first != INT64_MAX)
    e = rla_ctx_agree(ctx, key == first ? err : RLA_SUCCESS);
  if (e)
    for (int64_t i = 0; i < n; i++)
      rla_dmat_destroy(&b[i]);
  return e;
}

/* A collection in one file: a .npy file (a 3-D array), where any other file is a manifest */
static int is_stack(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
         rla_io_format_by_extension(path) == RLA_FORMAT_NPY;
}

/* A collection in one safetensors file: the extension .safetensors, in any case */
static int is_safetensors(const char *path)
{
  static const char ext[] = ".safetensors";
  size_t n = strlen(path), e = sizeof(ext) - 1;
  return n > e && !strcasecmp(path + n - e, ext);
}

/* the blocks' names of a stack: "PATH[k]" */
static rla_err stack_names(rla_ctx ctx, const char *path, int64_t n, char ***list)
{
  size_t len = strlen(path) + 24;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)n, sizeof(char *), list));
  for (int64_t i = 0; i < n; i++) {
    RLA_CALL(ctx, rla_calloc(ctx, len, 1, &(*list)[i]));
    snprintf((*list)[i], len, "%s[%lld]", path, (long long)i);
  }
  return RLA_SUCCESS;
}

/* rank 0: the n blocks of a stack, their names and headers (block k: m x n at k m n elements
   past the first) */
static rla_err stack_blocks(rla_ctx ctx, const char *path, char ***list, int64_t *n,
                            rla_io_info **oinfo)
{
  rla_io_info s;
  int64_t bytes;
  RLA_CALL(ctx, rla_io_npy_stack_header(ctx, path, &s, n));
  RLA_CALL(ctx, stack_names(ctx, path, *n, list));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)*n, sizeof(rla_io_info), oinfo));
  bytes = s.m * s.n * rla_io_dtype_size(s.dtype);
  for (int64_t i = 0; i < *n; i++) {
    (*oinfo)[i] = s;
    (*oinfo)[i].offset = s.offset + i * bytes;
  }
  return RLA_SUCCESS;
}

/* "FILE:TENSOR" in *name */
static rla_err tensor_name(rla_ctx ctx, const char *path, const char *tensor, char **name)
{
  size_t len = strlen(path) + strlen(tensor) + 2;
  RLA_CALL(ctx, rla_calloc(ctx, len, 1, name));
  snprintf(*name, len, "%s:%s", path, tensor);
  return RLA_SUCCESS;
}

/* The header of tensor t as a block (named name) of rows rows (0: its first dimension) and the
   rest of its elements as columns, in C order (numpy: t.reshape(rows, -1)) */
static rla_err tensor_block(rla_ctx ctx, const char *name, const rla_io_st_tensor *t, int64_t rows,
                            rla_io_info *info)
{
  int64_t m = rows ? rows : t->shape[0];
  RLA_CHECK(ctx, m > 0 || t->count == 0, RLA_ERR_SHAPE,
            "%s: the tensor of %lld elements has no rows (its first dimension is 0)", name,
            (long long)t->count);
  RLA_CHECK(ctx, m == 0 || t->count % m == 0, RLA_ERR_SHAPE,
            "%s: the tensor of %lld elements does not reshape to %lld rows (rows = %lld does not "
            "divide its element count)",
            name, (long long)t->count, (long long)m, (long long)m);
  memset(info, 0, sizeof(*info));
  info->m = m;
  info->n = m ? t->count / m : 0;
  info->offset = t->offset;
  info->dtype = t->dtype;
  RLA_CHECK(ctx, info->m > 0 && info->n > 0, RLA_ERR_SHAPE,
            "%s: the block is %lld x %lld: it needs rows and columns", name, (long long)info->m,
            (long long)info->n);
  RLA_CHECK(ctx, info->m <= INT32_MAX && info->n <= INT32_MAX, RLA_ERR_UNSUPPORTED,
            "%s: the block is %lld x %lld: over 2^31-1 rows or columns, the ScaLAPACK limit", name,
            (long long)info->m, (long long)info->n);
  return RLA_SUCCESS;
}

/* rank 0: the blocks of the nt tensors t of a safetensors file, those of 2 or more dimensions
   in the header's order (their names, then those of the tensors skipped, in *list: *n blocks
   and *nskip more), their headers in *oinfo; every block must have the first one's rows */
static rla_err tensor_blocks(rla_ctx ctx, const char *path, const rla_io_st_tensor *t, int64_t nt,
                             int64_t rows, char ***list, int64_t *n, int64_t *nskip,
                             rla_io_info **oinfo)
{
  int64_t nb = 0, k = 0;
  for (int64_t i = 0; i < nt; i++)
    nb += t[i].ndim >= 2;
  RLA_CHECK(ctx, nb > 0, RLA_ERR_FORMAT,
            "%s: no tensor of two or more dimensions among its %lld: no block to cluster (the "
            "tensors of 0 or 1 dimension are skipped)",
            path, (long long)nt);
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nt, sizeof(char *), list));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)nb, sizeof(rla_io_info), oinfo));
  *n = nb;
  *nskip = nt - nb;
  for (int64_t i = 0, s = nb; i < nt; i++) {
    char **name = &(*list)[t[i].ndim >= 2 ? k : s++];
    RLA_CALL(ctx, tensor_name(ctx, path, t[i].name, name));
    if (t[i].ndim < 2) continue;
    RLA_CALL(ctx, tensor_block(ctx, *name, &t[i], rows, &(*oinfo)[k]));
    RLA_CHECK(ctx, (*oinfo)[k].m == (*oinfo)[0].m, RLA_ERR_SHAPE,
              "%s has %lld rows but %s has %lld: every block of a collection needs the same "
              "number of rows",
              *name, (long long)(*oinfo)[k].m, (*list)[0], (long long)(*oinfo)[0].m);
    k++;
  }
  return RLA_SUCCESS;
}

/* rank 0: the blocks of a safetensors file (tensor_blocks) */
static rla_err safetensors_blocks(rla_ctx ctx, const char *path, int64_t rows, char ***list,
                                  int64_t *n, int64_t *nskip, rla_io_info **oinfo)
{
  rla_io_st_tensor *t = NULL;
  int64_t nt = 0;
  rla_err err;
  RLA_CALL(ctx, rla_io_safetensors_header(ctx, path, &t, &nt));
  err = tensor_blocks(ctx, path, t, nt, rows, list, n, nskip, oinfo);
  if (err && *list) {
    free_names(nt, list);
    *n = *nskip = 0;
  }
  rla_io_safetensors_free(nt, &t);
  return err;
}

/* A collection in one HDF5 file: a 3-D dataset or a group of datasets (FILE.h5:/NAME, or FILE
   alone) */
static int is_hdf5(const char *path)
{
  struct stat st;
  return !(stat(path, &st) == 0 && S_ISDIR(st.st_mode)) &&
         rla_io_format_of(path, RLA_FORMAT_AUTO) == RLA_FORMAT_HDF5;
}

/* rank 0: the blocks of a collection in one HDF5 file (rla_io_h5_collection), each with the
   first one's rows, and rows and columns */
static rla_err hdf5_blocks(rla_ctx ctx, const char *path, char ***list, int64_t *n,
                           rla_io_info **oinfo)
{
  RLA_CALL(ctx, rla_io_h5_collection(ctx, path, n, list, oinfo));
  for (int64_t i = 0; i < *n; i++) {
    const rla_io_info *b = &(*oinfo)[i];
    RLA_CHECK(ctx, b->m == (*oinfo)[0].m, RLA_ERR_SHAPE,
              "%s has %lld rows but %s has %lld: every block of a collection needs the same "
              "number of rows",
              (*list)[i], (long long)b->m, (*list)[0], (long long)(*oinfo)[0].m);
    RLA_CHECK(ctx, b->m > 0 && b->n > 0, RLA_ERR_SHAPE,
              "%s: the block is %lld x %lld: it needs rows and columns", (*list)[i],
              (long long)b->m, (long long)b->n);
  }
  return RLA_SUCCESS;
}

/* Rank 0: the collection's names in *list (*n blocks, then *nskip tensors skipped) and, for a
   collection in one file, every block's header in *oinfo (NULL for a directory or a manifest,
   whose files' headers are read later) and its kind in *kind (COLL_RAW: a .npy stack or a
   safetensors file, read as .npy data; COLL_HDF5: HDF5 datasets). rows: reshape the tensors of
   a safetensors file (0: none; refused for the other collections). On failure nothing is left
   allocated. */
enum { COLL_FILES = 0, COLL_RAW = 1, COLL_HDF5 = 2 };
static rla_err list_collection(rla_ctx ctx, const char *path, int64_t rows, char ***list,
                               int64_t *n, int64_t *nskip, rla_io_info **oinfo, int *kind)
{
  rla_err err;
  *n = *nskip = 0;
  *kind = is_safetensors(path) || is_stack(path) ? COLL_RAW : is_hdf5(path) ? COLL_HDF5 : COLL_FILES;
  RLA_CHECK(ctx, rows >= 0, RLA_ERR_ARG, "rows = %lld: the rows of a block cannot be negative",
            (long long)rows);
  if (is_safetensors(path)) return safetensors_blocks(ctx, path, rows, list, n, nskip, oinfo);
  RLA_CHECK(ctx, rows == 0, RLA_ERR_ARG,
            "%s: rows = %lld: reshaping applies to the tensors of a .safetensors collection", path,
            (long long)rows);
  if (*kind == COLL_HDF5)
    err = hdf5_blocks(ctx, path, list, n, oinfo);
  else
    err = is_stack(path) ? stack_blocks(ctx, path, list, n, oinfo)
                         : list_paths(ctx, path, list, n);
  if (err) {
    free_names(*n, list);
    rla_free(oinfo);
    *n = 0;
  }
  return err;
}

/* Broadcast len bytes from rank 0, in pieces of at most 2^30. Collective. */
static rla_err bcast_bytes(rla_ctx ctx, void *buf, int64_t len)
{
  for (int64_t off = 0; off < len; off += 1 << 30) {
    int c = (int)(len - off < (1 << 30) ? len - off : (1 << 30));
    RLA_MPI(ctx, MPI_Bcast((char *)buf + off, c, MPI_BYTE, 0, rla_ctx_comm(ctx)));
  }
  return RLA_SUCCESS;
}

/* The names of rank 0's list (total: n entries, len bytes with their terminators) on every
   rank: *list allocated (n entries) on the others. Collective, agreed. */
static rla_err bcast_names(rla_ctx ctx, int64_t total, int64_t len, char ***list)
{
  char *flat = NULL, *p;
  rla_err err = rla_calloc(ctx, (size_t)len + 1, 1, &flat);
  if (!err && rla_ctx_rank(ctx) != 0)
    err = rla_calloc(ctx, (size_t)(total > 0 ? total : 1), sizeof(char *), list);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  p = flat;
  for (int64_t i = 0; rla_ctx_rank(ctx) == 0 && i < total; i++) {
    strcpy(p, (*list)[i]);
    p += strlen((*list)[i]) + 1;
  }
  RLA_CALL_GOTO(ctx, err, done, bcast_bytes(ctx, flat, len));
  p = flat;
  for (int64_t i = 0; rla_ctx_rank(ctx) != 0 && i < total && !err; i++) {
    err = rla_strdup(ctx, p, &(*list)[i]);
    p += strlen(p) + 1;
  }
  err = rla_ctx_agree(ctx, err);
done:
  rla_free(&flat);
  return err;
}

/* The stored types of the n blocks (info) and the names of the nskip tensors skipped (list[n
   ..], moved) into out */
static rla_err fill_info(rla_ctx ctx, int64_t n, int64_t nskip, char **list,
                         const rla_io_info *info, rla_cluster_collection_info *out)
{
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)(n > 0 ? n : 1), sizeof(char *), &out->dtypes));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)(nskip > 0 ? nskip : 1), sizeof(char *), &out->skipped));
  for (int64_t i = 0; i < n; i++)
    out->dtypes[i] = rla_io_dtype_name(info[i].dtype);
  for (int64_t i = 0; i < nskip; i++) {
    out->skipped[i] = list[n + i];
    list[n + i] = NULL;
  }
  out->nskipped = nskip;
  return RLA_SUCCESS;
}

void rla_cluster_collection_info_free(rla_cluster_collection_info *info)
{
  if (!info) return;
  rla_free(&info->dtypes);
  free_names(info->nskipped, &info->skipped);
  info->nskipped = 0;
}

rla_err rla_cluster_collection_read_dist(rla_ctx ctx, const char *path,
                                         rla_cluster_distribution dist, int64_t *nblocks,
                                         rla_dmat **blocks, char ***names,
                                         rla_cluster_distribution *used)
{
  rla_cluster_read_options o = {dist, 0};
  rla_cluster_collection_info info;
  RLA_CALL(ctx, rla_cluster_collection_read_opts(ctx, path, &o, nblocks, blocks, names, &info));
  if (used) *used = info.used;
  rla_cluster_collection_info_free(&info);
  return RLA_SUCCESS;
}

/* The per-block arrays of a collection of n blocks (b: n + 1 entries). Collective, agreed. */
static rla_err alloc_arrays(rla_ctx ctx, int64_t n, rla_dmat **b, int64_t **wid, rla_io_info **info,
                            int **fmt, int **fd, const char ***paths)
{
  rla_err err = rla_calloc(ctx, (size_t)n + 1, sizeof(rla_dmat), b);
  if (!err) err = rla_calloc(ctx, (size_t)n, sizeof(int64_t), wid);
  if (!err && !*info) err = rla_calloc(ctx, (size_t)n, sizeof(rla_io_info), info);
  if (!err) err = rla_calloc(ctx, (size_t)n, sizeof(int), fmt);
  if (!err) err = rla_calloc(ctx, (size_t)n, sizeof(int), fd);
  if (!err) err = rla_calloc(ctx, (size_t)n, sizeof(char *), paths);
  for (int64_t i = 0; !err && i < n; i++)
    (*fd)[i] = -1;
  return rla_ctx_agree(ctx, err);
}

rla_err rla_cluster_collection_read_opts(rla_ctx ctx, const char *path,
                                         const rla_cluster_read_options *opts, int64_t *nblocks,
                                         rla_dmat **blocks, char ***names,
                                         rla_cluster_collection_info *cinfo)
{
  char **list = NULL;
  const char **paths = NULL; /* the file of each block: its own, or the collection's */
  int64_t n = 0, nskip = 0, len = 0, m0 = 0, *wid = NULL;
  int one = 0; /* a collection in one file (COLL_RAW, COLL_HDF5): rank 0 has every block's
                  header */
  rla_cluster_distribution dist = opts ? opts->dist : RLA_CLUSTER_DIST_AUTO;
  rla_io_info *info = NULL;
  int *fmt = NULL, *fd = NULL;
  rla_dmat *b = NULL;
  rla_err err = RLA_SUCCESS;
  if (cinfo) memset(cinfo, 0, sizeof(*cinfo));
  if (cinfo) cinfo->used = RLA_CLUSTER_DIST_ROWS;
  *nblocks = 0;
  *blocks = NULL;
  *names = NULL;
  if (rla_ctx_rank(ctx) == 0) {
    err = list_collection(ctx, path, opts ? opts->rows : 0, &list, &n, &nskip, &info, &one);
    for (int64_t i = 0; !err && i < n + nskip; i++)
      len += (int64_t)strlen(list[i]) + 1;
  }
  err = rla_ctx_agree(ctx, err);
  if (err) {
    free_names(n + nskip, &list);
    rla_free(&info);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  {
    int64_t hdr[4] = {n, nskip, len, one};
    RLA_MPI(ctx, MPI_Bcast(hdr, 4, MPI_INT64_T, 0, rla_ctx_comm(ctx)));
    n = hdr[0];
    nskip = hdr[1];
    len = hdr[2];
    one = (int)hdr[3];
  }
  RLA_CALL_GOTO(ctx, err, fail, bcast_names(ctx, n + nskip, len, &list));
  RLA_CALL_GOTO(ctx, err, fail, alloc_arrays(ctx, n, &b, &wid, &info, &fmt, &fd, &paths));
  for (int64_t i = 0; i < n; i++)
    paths[i] = one ? path : list[i];
  if (one) {
    /* raw: every block of the file read as .npy data, C order and little-endian; HDF5: a block
       of a 3-D dataset (offset k) from the collection's path, a group's dataset by its name */
    RLA_CALL_GOTO(ctx, err, fail, bcast_bytes(ctx, info, n * (int64_t)sizeof(rla_io_info)));
    for (int64_t i = 0; i < n; i++) {
      fmt[i] = one == COLL_HDF5 ? RLA_FORMAT_HDF5 : RLA_FORMAT_NPY;
      if (one == COLL_HDF5 && info[i].offset < 0) paths[i] = list[i];
      wid[i] = info[i].n;
    }
    m0 = info[0].m;
  } else {
    RLA_CALL_GOTO(ctx, err, fail, read_headers(ctx, n, list, info, fmt, wid, &m0, fd));
  }
  RLA_CHECK_GOTO(ctx, err, fail,
                 dist == RLA_CLUSTER_DIST_AUTO || dist == RLA_CLUSTER_DIST_ROWS ||
                     dist == RLA_CLUSTER_DIST_BLOCKS,
                 RLA_ERR_ARG, "unknown distribution %d", (int)dist);
  if (dist == RLA_CLUSTER_DIST_AUTO)
    dist = rla_cluster_distribution_choose(rla_ctx_size(ctx), m0, n, wid);
  if (rla_ctx_size(ctx) == 1) dist = RLA_CLUSTER_DIST_ROWS;
  if (dist == RLA_CLUSTER_DIST_BLOCKS)
    RLA_CALL_GOTO(ctx, err, fail,
                  read_owned(ctx, n, list, (const char *const *)paths, info, fmt, wid, fd, b));
  else
    RLA_CALL_GOTO(ctx, err, fail,
                  read_rows(ctx, n, list, (const char *const *)paths, info, fmt, wid, m0, fd, b));
  if (cinfo) {
    err = rla_ctx_agree(ctx, fill_info(ctx, n, nskip, list, info, cinfo));
    if (err) {
      rla_cluster_collection_info_free(cinfo);
      rla_cluster_collection_free(n, &b, NULL);
      goto fail;
    }
    cinfo->used = dist;
  }
  close_kept(n, fd);
  rla_free(&paths);
  rla_free(&fd);
  rla_free(&wid);
  rla_free(&info);
  rla_free(&fmt);
  for (int64_t i = n; i < n + nskip; i++) /* the names skipped, when not handed out */
    rla_free(&list[i]);
  *nblocks = n;
  *blocks = b;
  *names = list;
  return RLA_SUCCESS;
fail:
  close_kept(n, fd);
  rla_free(&paths);
  rla_free(&fd);
  rla_free(&wid);
  rla_free(&info);
  rla_free(&fmt);
  if (b)
    for (int64_t i = 0; i <= n; i++)
      rla_dmat_destroy(&b[i]);
  rla_free(&b);
  free_names(n + nskip, &list);
  return err;
}

void rla_cluster_collection_free(int64_t nblocks, rla_dmat **blocks, char ***names)
{
  if (blocks && *blocks) {
    /* owned blocks (rla_cluster_collection_read_dist, blocks) share a context over
       MPI_COMM_SELF, found through the 1 x 1 matrix kept past the last block */
    rla_ctx self = (*blocks)[nblocks] ? rla_dmat_ctx((*blocks)[nblocks]) : NULL;
    for (int64_t i = 0; i <= nblocks; i++)
      rla_dmat_destroy(&(*blocks)[i]);
    rla_ctx_destroy(&self);
    rla_free(blocks);
  }
  free_names(nblocks, names);
}
