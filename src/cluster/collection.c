/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a matrix collection: a directory of matrix files or a manifest listing them. Rank 0
   lists the names and broadcasts them and the sizes from the headers; then either every block
   is read by all ranks in the row-block layout (each rank its rows, MPI-IO for .npy and PETSc
   binary), or each rank reads only the blocks it owns, whole, over MPI_COMM_SELF. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../base/alloc.h"
#include "cluster_impl.h"
#include "rla/file.h"
#include "rla/io.h"

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

/* the owned blocks, read whole over a context on MPI_COMM_SELF; b[n] (one entry past the
   blocks) holds a 1 x 1 matrix over that context, so rla_cluster_collection_free finds and frees
   it after the blocks, on every rank (also one that owns none) */
static rla_err read_owned(rla_ctx ctx, int64_t n, char **list, const int64_t *wid, rla_dmat *b)
{
  int *owner = NULL;
  rla_ctx self = NULL;
  rla_err err = rla_calloc(ctx, (size_t)n, sizeof(int), &owner);
  if (!err && rla_ctx_create(MPI_COMM_SELF, &self))
    err = rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                        "cannot create a context over MPI_COMM_SELF");
  if (!err) {
    rla_ctx_set_verbosity(self, rla_ctx_verbosity(ctx));
    err = rla_dmat_create_rowblock(self, 1, 1, 0, &b[n]);
    if (err)
      err =
          rla_error_set(ctx, err, __func__, __FILE__, __LINE__, "%s", rla_ctx_error_message(self));
  }
  if (!err) err = rla_cluster_owners(ctx, rla_ctx_size(ctx), n, wid, owner);
  if (!err) {
    for (int64_t i = 0; i < n && !err; i++) {
      if (owner[i] != rla_ctx_rank(ctx)) continue;
      err = rla_io_read(self, list[i], RLA_FORMAT_AUTO, 0, &b[i]);
      if (err)
        err = rla_error_set(ctx, err, __func__, __FILE__, __LINE__, "%s",
                            rla_ctx_error_message(self));
    }
  }
  rla_free(&owner);
  err = rla_ctx_agree(ctx, err);
  if (err) {
    for (int64_t i = 0; i <= n; i++)
      rla_dmat_destroy(&b[i]);
    rla_ctx_destroy(&self);
  }
  return err;
}

/* the sizes first (headers only), so a mixed collection fails before any block is read: the
   widths, and the rows *m0 of the first, which every block must have */
static rla_err read_widths(rla_ctx ctx, int64_t n, char **list, int64_t *wid, int64_t *m0)
{
  for (int64_t i = 0; i < n; i++) {
    int64_t m, w;
    RLA_CALL(ctx, rla_io_read_sizes(ctx, list[i], RLA_FORMAT_AUTO, &m, &w));
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
  return RLA_SUCCESS;
}

rla_err rla_cluster_collection_read_dist(rla_ctx ctx, const char *path,
                                         rla_cluster_distribution dist, int64_t *nblocks,
                                         rla_dmat **blocks, char ***names,
                                         rla_cluster_distribution *used)
{
  char **list = NULL, *flat = NULL;
  int64_t n = 0, len = 0, m0 = 0, *wid = NULL;
  rla_dmat *b = NULL;
  rla_err err = RLA_SUCCESS;
  if (used) *used = RLA_CLUSTER_DIST_ROWS;
  *nblocks = 0;
  *blocks = NULL;
  *names = NULL;
  if (rla_ctx_rank(ctx) == 0) {
    err = list_paths(ctx, path, &list, &n);
    for (int64_t i = 0; !err && i < n; i++)
      len += (int64_t)strlen(list[i]) + 1;
  }
  err = rla_ctx_agree(ctx, err);
  if (err) {
    free_names(n, &list);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  {
    int64_t hdr[2] = {n, len};
    RLA_MPI(ctx, MPI_Bcast(hdr, 2, MPI_INT64_T, 0, rla_ctx_comm(ctx)));
    n = hdr[0];
    len = hdr[1];
  }
  err = rla_calloc(ctx, (size_t)len + 1, 1, &flat);
  if (!err && rla_ctx_rank(ctx) == 0) {
    char *p = flat;
    for (int64_t i = 0; i < n; i++) {
      strcpy(p, list[i]);
      p += strlen(list[i]) + 1;
    }
  }
  if (!err && rla_ctx_rank(ctx) != 0) err = rla_calloc(ctx, (size_t)n, sizeof(char *), &list);
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, err));
  for (int64_t off = 0; off < len; off += 1 << 30) {
    int c = (int)(len - off < (1 << 30) ? len - off : (1 << 30));
    RLA_CALL_GOTO(
        ctx, err, fail,
        MPI_Bcast(flat + off, c, MPI_CHAR, 0, rla_ctx_comm(ctx)) == MPI_SUCCESS
            ? RLA_SUCCESS
            : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__, "MPI_Bcast failed"));
  }
  if (rla_ctx_rank(ctx) != 0) {
    char *p = flat;
    for (int64_t i = 0; i < n && !err; i++) {
      err = rla_calloc(ctx, strlen(p) + 1, 1, &list[i]);
      if (!err) strcpy(list[i], p);
      p += strlen(p) + 1;
    }
  }
  if (!err) err = rla_calloc(ctx, (size_t)n + 1, sizeof(rla_dmat), &b);
  if (!err) err = rla_calloc(ctx, (size_t)n, sizeof(int64_t), &wid);
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, fail, read_widths(ctx, n, list, wid, &m0));
  RLA_CHECK_GOTO(ctx, err, fail,
                 dist == RLA_CLUSTER_DIST_AUTO || dist == RLA_CLUSTER_DIST_ROWS ||
                     dist == RLA_CLUSTER_DIST_BLOCKS,
                 RLA_ERR_ARG, "unknown distribution %d", (int)dist);
  if (dist == RLA_CLUSTER_DIST_AUTO)
    dist = rla_cluster_distribution_choose(rla_ctx_size(ctx), m0, n, wid);
  if (rla_ctx_size(ctx) == 1) dist = RLA_CLUSTER_DIST_ROWS;
  if (dist == RLA_CLUSTER_DIST_BLOCKS)
    RLA_CALL_GOTO(ctx, err, fail, read_owned(ctx, n, list, wid, b));
  else
    for (int64_t i = 0; i < n; i++)
      RLA_CALL_GOTO(ctx, err, fail, rla_io_read(ctx, list[i], RLA_FORMAT_AUTO, 0, &b[i]));
  if (used) *used = dist;
  rla_free(&flat);
  rla_free(&wid);
  *nblocks = n;
  *blocks = b;
  *names = list;
  return RLA_SUCCESS;
fail:
  rla_free(&flat);
  rla_free(&wid);
  if (b)
    for (int64_t i = 0; i <= n; i++)
      rla_dmat_destroy(&b[i]);
  rla_free(&b);
  free_names(n, &list);
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
