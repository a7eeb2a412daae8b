/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading a matrix collection: a directory of matrix files or a manifest listing them. Rank 0
   lists the names and broadcasts them; every block is then read by all ranks in the row-block
   layout (each rank its rows, MPI-IO for .npy and PETSc binary). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster_impl.h"
#include "rla/file.h"
#include "rla/io.h"

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
  if (*n == *cap) {
    int64_t c = *cap ? 2 * *cap : 64;
    char **p = realloc(*list, sizeof(char *) * (size_t)c);
    RLA_CHECK(ctx, p, RLA_ERR_MEM, "out of memory listing the collection");
    *list = p;
    *cap = c;
  }
  (*list)[*n] = malloc(len);
  RLA_CHECK(ctx, (*list)[*n], RLA_ERR_MEM, "out of memory listing the collection");
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
    free((*names)[i]);
  free(*names);
  *names = NULL;
}

rla_err rla_cluster_collection_read(rla_ctx ctx, const char *path, int64_t *nblocks,
                                    rla_dmat **blocks, char ***names)
{
  char **list = NULL, *flat = NULL;
  int64_t n = 0, len = 0, m0 = 0;
  rla_dmat *b = NULL;
  rla_err err = RLA_SUCCESS;
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
  flat = malloc((size_t)len + 1);
  if (!flat) err = rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__, "out of memory");
  if (!err && rla_ctx_rank(ctx) == 0) {
    char *p = flat;
    for (int64_t i = 0; i < n; i++) {
      strcpy(p, list[i]);
      p += strlen(list[i]) + 1;
    }
  }
  if (!err && rla_ctx_rank(ctx) != 0) {
    list = calloc((size_t)n, sizeof(char *));
    if (!list) err = rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__, "out of memory");
  }
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
      list[i] = strdup(p);
      if (!list[i])
        err = rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__, "out of memory");
      p += strlen(p) + 1;
    }
  }
  if (!err) {
    b = calloc((size_t)n, sizeof(rla_dmat));
    if (!b) err = rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__, "out of memory");
  }
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, err));
  /* the sizes first (headers only), so a mixed collection fails before any block is read */
  for (int64_t i = 0; i < n; i++) {
    int64_t m, w;
    RLA_CALL_GOTO(ctx, err, fail, rla_io_read_sizes(ctx, list[i], RLA_FORMAT_AUTO, &m, &w));
    if (i == 0) m0 = m;
    RLA_CHECK_GOTO(ctx, err, fail, m == m0, RLA_ERR_SHAPE,
                   "%s has %lld rows but %s has %lld: every block of a collection needs the "
                   "same number of rows",
                   list[i], (long long)m, list[0], (long long)m0);
    RLA_CHECK_GOTO(ctx, err, fail, m > 0 && w > 0, RLA_ERR_SHAPE,
                   "%s: the block is %lld x %lld: it needs rows and columns", list[i], (long long)m,
                   (long long)w);
  }
  for (int64_t i = 0; i < n; i++)
    RLA_CALL_GOTO(ctx, err, fail, rla_io_read(ctx, list[i], RLA_FORMAT_AUTO, 0, &b[i]));
  free(flat);
  *nblocks = n;
  *blocks = b;
  *names = list;
  return RLA_SUCCESS;
fail:
  free(flat);
  if (b)
    for (int64_t i = 0; i < n; i++)
      rla_dmat_destroy(&b[i]);
  free(b);
  free_names(n, &list);
  return err;
}

void rla_cluster_collection_free(int64_t nblocks, rla_dmat **blocks, char ***names)
{
  if (blocks && *blocks) {
    for (int64_t i = 0; i < nblocks; i++)
      rla_dmat_destroy(&(*blocks)[i]);
    free(*blocks);
    *blocks = NULL;
  }
  free_names(nblocks, names);
}
