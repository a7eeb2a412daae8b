/* SPDX-License-Identifier: BSD-3-Clause */
/* Writing a generated collection: one matrix file per block, a JSON ground truth and a
   manifest, staged in a temporary subdirectory and moved into place at the end (manifest
   last). Each block is generated, written (collective MPI-IO through rla_io_write) and freed
   before the next, so memory holds one block at a time. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gen_impl.h"
#include "rla/file.h"
#include "rla/report.h"

#define NAME_LEN 64

static const char *extension(rla_format fmt)
{
  switch (fmt) {
  case RLA_FORMAT_MM: return ".mtx";
  case RLA_FORMAT_PETSC: return ".petsc";
  default: return ".npy";
  }
}

/* rank 0: make dir if missing (remembering that in *created) and a staging directory in it */
static rla_err make_dirs(rla_ctx ctx, const char *dir, char *stage, size_t len, int *created)
{
  struct stat st;
  *created = 0;
  RLA_CHECK(ctx, dir && *dir, RLA_ERR_ARG, "collection: empty output directory name");
  RLA_CHECK(ctx, strlen(dir) + 32 < len, RLA_ERR_ARG, "%s: directory name too long", dir);
  if (stat(dir, &st) != 0) {
    RLA_CHECK(ctx, mkdir(dir, 0755) == 0, RLA_ERR_FILE, "%s: cannot create the directory: %s", dir,
              strerror(errno));
    *created = 1;
  } else
    RLA_CHECK(ctx, S_ISDIR(st.st_mode), RLA_ERR_FILE, "%s: exists and is not a directory", dir);
  snprintf(stage, len, "%s/.rla-gen.tmp.XXXXXX", dir);
  if (!mkdtemp(stage)) {
    int e = errno;
    if (*created) rmdir(dir);
    *created = 0;
    RLA_CHECK(ctx, 0, RLA_ERR_FILE, "%s: cannot create a file in the directory: %s", dir,
              strerror(e));
  }
  return RLA_SUCCESS;
}

/* rank 0: remove the staging directory and what is in it (one level: regular files only) */
static void remove_stage(const char *stage)
{
  DIR *d = opendir(stage);
  struct dirent *e;
  char path[RLA_PATH_MAX];
  if (d) {
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
          snprintf(path, sizeof(path), "%s/%s", stage, e->d_name) < (int)sizeof(path))
        unlink(path);
    closedir(d);
  }
  rmdir(stage);
}

static rla_err write_truth(rla_collection coll, const char *path, char (*names)[NAME_LEN],
                           rla_format fmt)
{
  rla_ctx ctx = rla_gen_collection_ctx(coll);
  const rla_collection_spec *spec = rla_gen_collection_spec(coll);
  rla_report rep = NULL;
  const int64_t *w, *c;
  int64_t m, K;
  rla_err err;
  rla_gen_collection_info(coll, &m, &K, &w, &c, NULL);
  RLA_CALL(ctx, rla_report_create(ctx, &rep));
  err = rla_report_set_string(rep, "generator", "rla_gen_collection");
  if (!err) err = rla_report_set_int(rep, "m", m);
  if (!err) err = rla_report_set_int(rep, "nblocks", K);
  if (!err) err = rla_report_set_int(rep, "subspaces", spec->nsub);
  if (!err) err = rla_report_set_int(rep, "dim", spec->dim);
  if (!err) err = rla_report_set_real(rep, "noise", spec->noise);
  if (!err) err = rla_report_set_int(rep, "seed", (int64_t)spec->seed);
  if (!err)
    err = rla_report_set_string(rep, "membership_rule",
                                spec->membership == RLA_MEMBERSHIP_ROUND_ROBIN ? "round-robin"
                                                                               : "random");
  if (!err) err = rla_report_set_string(rep, "format", rla_io_format_name(fmt));
  if (!err) err = rla_report_set_int_array(rep, "widths", K, w);
  if (!err) err = rla_report_set_int_array(rep, "membership", K, c);
  if (!err) err = rla_report_push_array(rep, "files");
  for (int64_t j = 0; j < K && !err; j++)
    err = rla_report_set_string(rep, NULL, names[j]);
  if (!err) err = rla_report_pop(rep);
  err = rla_ctx_agree(ctx, err);
  if (!err) err = rla_report_write(rep, path);
  rla_report_destroy(&rep);
  return err;
}

static rla_err write_manifest(rla_ctx ctx, const char *path, char (*names)[NAME_LEN], int64_t K)
{
  rla_err err = RLA_SUCCESS;
  if (rla_ctx_rank(ctx) == 0) {
    rla_atomic_file af;
    err = rla_atomic_open(ctx, path, &af);
    for (int64_t j = 0; j < K && !err; j++)
      if (fprintf(af.f, "%s\n", names[j]) < 0)
        err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__, "%s: write failed",
                            path);
    if (!err)
      err = rla_atomic_commit(ctx, &af);
    else
      rla_atomic_abort(&af);
  }
  return rla_ctx_agree(ctx, err);
}

/* rank 0: move name from stage into dir */
static rla_err move_in(rla_ctx ctx, const char *stage, const char *dir, const char *name)
{
  char from[RLA_PATH_MAX + NAME_LEN], to[RLA_PATH_MAX + NAME_LEN];
  snprintf(from, sizeof(from), "%s/%s", stage, name);
  snprintf(to, sizeof(to), "%s/%s", dir, name);
  RLA_CHECK(ctx, rename(from, to) == 0, RLA_ERR_FILE,
            "%s: cannot move the finished file into "
            "place: %s",
            to, strerror(errno));
  return RLA_SUCCESS;
}

rla_err rla_gen_collection_write(rla_collection coll, const char *dir, rla_format fmt)
{
  rla_ctx ctx = rla_gen_collection_ctx(coll);
  char stage[RLA_PATH_MAX] = "", path[RLA_PATH_MAX + NAME_LEN], (*names)[NAME_LEN] = NULL;
  int64_t K;
  int created = 0;
  double t0 = rla_wtime(), last = t0;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, fmt >= RLA_FORMAT_AUTO && fmt <= RLA_FORMAT_PETSC, RLA_ERR_ARG,
            "collection: unknown file format %d", (int)fmt);
  if (fmt == RLA_FORMAT_AUTO) fmt = RLA_FORMAT_NPY;
  rla_gen_collection_info(coll, NULL, &K, NULL, NULL, NULL);
  err = rla_calloc(ctx, (size_t)K, sizeof(*names), &names);
  if (!err && rla_ctx_rank(ctx) == 0) err = make_dirs(ctx, dir, stage, sizeof(stage), &created);
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, err));
  RLA_CHECK_GOTO(ctx, err, fail,
                 MPI_Bcast(stage, RLA_PATH_MAX, MPI_CHAR, 0, rla_ctx_comm(ctx)) == MPI_SUCCESS,
                 RLA_ERR_MPI, "collection: broadcast failed");
  for (int64_t j = 0; j < K; j++) {
    rla_dmat A = NULL;
    snprintf(names[j], NAME_LEN, "block_%06lld%s", (long long)j, extension(fmt));
    snprintf(path, sizeof(path), "%s/%s", stage, names[j]);
    RLA_CALL_GOTO(ctx, err, fail, rla_gen_collection_block(coll, j, &A));
    err = rla_io_write(A, path, fmt, 0);
    rla_dmat_destroy(&A);
    if (err) {
      rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
      goto fail;
    }
    if (rla_wtime() - last > 2.0 || j == K - 1) {
      last = rla_wtime();
      rla_ctx_progress(ctx, "collection: %lld of %lld blocks written (%.1f s)", (long long)(j + 1),
                       (long long)K, last - t0);
    }
  }
  snprintf(path, sizeof(path), "%s/truth.json", stage);
  RLA_CALL_GOTO(ctx, err, fail, write_truth(coll, path, names, fmt));
  snprintf(path, sizeof(path), "%s/manifest.txt", stage);
  RLA_CALL_GOTO(ctx, err, fail, write_manifest(ctx, path, names, K));
  if (rla_ctx_rank(ctx) == 0) {
    for (int64_t j = 0; j < K && !err; j++)
      err = move_in(ctx, stage, dir, names[j]);
    if (!err) err = move_in(ctx, stage, dir, "truth.json");
    if (!err) err = move_in(ctx, stage, dir, "manifest.txt");
  }
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, err));
  if (rla_ctx_rank(ctx) == 0) rmdir(stage);
  free(names);
  return RLA_SUCCESS;
fail:
  if (rla_ctx_rank(ctx) == 0 && stage[0]) {
    remove_stage(stage);
    if (created) rmdir(dir);
  }
  free(names);
  return err;
}
