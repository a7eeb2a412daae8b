/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the rla drivers (see driver.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/base/alloc.h"
#include "../src/base/leak_check.h"
#include "batch.h"
#include "driver.h"

/* OpenBLAS's thread control, when the program is linked with OpenBLAS */
extern void openblas_set_num_threads(int) __attribute__((weak));

/* number of ranks on this rank's node when they would oversubscribe it with BLAS threads (no
   thread count set), else 0. Collective on MPI_COMM_WORLD. */
static int blas_oversubscribed(void)
{
  MPI_Comm node;
  int local = 1;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
      MPI_SUCCESS) {
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);
  }
  return local > 1 && !getenv("OPENBLAS_NUM_THREADS") && !getenv("OMP_NUM_THREADS") ? local : 0;
}

int rla_driver_init(int *argc, char ***argv, rla_ctx *ctx)
{
  *ctx = NULL;
  if (MPI_Init(argc, argv) != MPI_SUCCESS) {
    fprintf(stderr, "error: MPI_Init failed\n");
    return 1;
  }
  if (rla_ctx_create(MPI_COMM_WORLD, ctx)) {
    fprintf(stderr, "error: cannot create the rla context (out of memory or MPI failure)\n");
    MPI_Finalize();
    return 1;
  }
  if (blas_oversubscribed() && openblas_set_num_threads) openblas_set_num_threads(1);
  return 0;
}

int rla_driver_finalize(rla_ctx *ctx, int code)
{
  rla_ctx_destroy(ctx);
  rla_leak_check();
  MPI_Finalize();
  return code;
}

int rla_driver_wants_help(int argc, char **argv)
{
  for (int a = 1; a < argc; a++)
    if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) return 1;
  return 0;
}

int rla_driver_fail(rla_ctx ctx, const char *prog)
{
  if (rla_ctx_rank(ctx) == 0) {
    const char *msg = rla_ctx_error_message(ctx);
    fprintf(stderr, "%s: error: %s\n", prog, msg && *msg ? msg : "unknown failure");
    fflush(stderr);
  }
  return 1;
}

int rla_driver_parse(rla_ctx ctx, const char *prog, rla_options opts, int argc, char **argv,
                     int *exit_code)
{
  return rla_driver_parse_objects(ctx, prog, opts, NULL, argc, argv, exit_code);
}

/* the objects read their options; then no key may be left unread. Collective. */
static rla_err read_objects(rla_ctx ctx, rla_options opts, rla_driver_objects_fn objects)
{
  rla_err err = objects ? objects(ctx, opts) : RLA_SUCCESS;
  if (!err) err = rla_options_check_unused(opts);
  return rla_ctx_agree(ctx, err);
}

int rla_driver_parse_objects(rla_ctx ctx, const char *prog, rla_options opts,
                             rla_driver_objects_fn objects, int argc, char **argv, int *exit_code)
{
  int64_t verbose = 1;
  int shared;
  *exit_code = 0;
  if (rla_driver_wants_help(argc, argv)) {
    /* nothing parsed: the objects record their defaults */
    if (objects && rla_ctx_agree(ctx, objects(ctx, opts))) {
      *exit_code = rla_driver_fail(ctx, prog);
      return 1;
    }
    if (rla_ctx_rank(ctx) == 0) rla_options_help(opts, prog, stdout);
    return 1;
  }
  if (objects) rla_options_keep_unknown(opts);
  if (rla_options_parse(opts, argc, argv) || read_objects(ctx, opts, objects) ||
      rla_options_get_int(opts, "verbose", &verbose)) {
    *exit_code = rla_driver_fail(ctx, prog);
    return 1;
  }
  rla_ctx_set_verbosity(ctx, (int)verbose);
  if (rla_ctx_rank(ctx) == 0 && verbose >= 1) {
    rla_options_view(opts, stdout);
    fflush(stdout);
  }
  shared = blas_oversubscribed();
  if (rla_ctx_rank(ctx) == 0 && verbose >= 2 && shared && openblas_set_num_threads)
    fprintf(stderr,
            "%s: note: %d ranks share a node and no thread count is set: BLAS uses one "
            "thread per rank\n",
            prog, shared);
  return 0;
}

/* ---- outputs committed together ------------------------------------------------------------ */

/* One staged output. Entries are allocated one by one and never move: the names handed out by
   rla_driver_outputs_add stay valid while more outputs are added. */
struct output {
  char path[RLA_PATH_MAX];
  char tmp[RLA_PATH_MAX];
  int h5;    /* an HDF5 file that receives datasets */
  int alias; /* a dataset of such a file: tmp is "TMP:/NAME", nothing of its own to rename */
};

struct rla_driver_outputs_s {
  rla_ctx ctx;
  int n;
  int64_t cap;
  struct output **e;
};

rla_err rla_driver_outputs_create(rla_ctx ctx, rla_driver_outputs *out)
{
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(**out), out));
  (*out)->ctx = ctx;
  return RLA_SUCCESS;
}

/* Room for one more entry in out, the entry allocated (not yet counted). Local. */
static rla_err outputs_grow(rla_driver_outputs out)
{
  rla_ctx ctx = out->ctx;
  RLA_CALL(ctx, rla_grow(ctx, &out->e, &out->cap, out->n + 1, sizeof(*out->e)));
  return rla_calloc(ctx, 1, sizeof(struct output), &out->e[out->n]);
}

/* Copy the file src to dst (which exists, empty). Local. */
static rla_err copy_file(rla_ctx ctx, const char *src, const char *dst)
{
  char buf[1 << 16];
  FILE *in = fopen(src, "rb"), *o = in ? fopen(dst, "wb") : NULL;
  size_t got = 0;
  int bad = !in || !o;
  while (!bad && (got = fread(buf, 1, sizeof(buf), in)) > 0)
    bad = fwrite(buf, 1, got, o) != got;
  bad |= in && ferror(in);
  if (o) bad |= fflush(o) != 0 || fsync(fileno(o)) != 0;
  if (o) bad |= fclose(o) != 0;
  if (in) fclose(in);
  RLA_CHECK(ctx, !bad, RLA_ERR_FILE, "%s: cannot copy it to add datasets to it", src);
  return RLA_SUCCESS;
}

/* The staged copy of an HDF5 file that outputs are added to: the entry of file (made at its
   first dataset: a new file, or a copy of the existing one, written beside it and renamed onto
   it by commit, so it holds all its old datasets and all the new ones, or stays as it was). */
static rla_err h5_file(rla_driver_outputs out, const char *file, struct output **f)
{
  rla_ctx ctx = out->ctx;
  rla_err err = RLA_SUCCESS;
  for (int i = 0; i < out->n; i++)
    if (out->e[i]->h5 && !strcmp(out->e[i]->path, file)) {
      *f = out->e[i];
      return RLA_SUCCESS;
    }
  RLA_CALL(ctx, rla_driver_outputs_add_file(out, file, NULL));
  *f = out->e[out->n - 1];
  (*f)->h5 = 1;
  if (rla_ctx_rank(ctx) == 0 && rla_file_exists(file)) {
    char sig[8] = "";
    FILE *in = fopen(file, "rb");
    if (in) {
      if (fread(sig, 1, sizeof(sig), in) != sizeof(sig)) sig[0] = '\0';
      fclose(in);
    }
    if (memcmp(sig, "\x89HDF\r\n\x1a\n", sizeof(sig)))
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                          "%s exists and is not an HDF5 file: cannot add datasets to it", file);
    else
      err = copy_file(ctx, file, (*f)->tmp);
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  return RLA_SUCCESS;
}

/* An output that is a dataset of an HDF5 file: staged in the copy of its file. */
static rla_err add_dataset(rla_driver_outputs out, const char *path, const char **tmp)
{
  rla_ctx ctx = out->ctx;
  char file[RLA_PATH_MAX], name[RLA_PATH_MAX], full[RLA_PATH_MAX];
  struct output *f = NULL, *o;
  RLA_CHECK(ctx,
            !rla_io_hdf5_split(path, 1, file, sizeof(file), name, sizeof(name)) &&
                snprintf(full, sizeof(full), "%s:%s", file, name) < (int)sizeof(full),
            RLA_ERR_ARG, "%s: over-long output path", path);
  for (int i = 0; i < out->n; i++)
    RLA_CHECK(ctx, !out->e[i]->alias || strcmp(out->e[i]->path, full), RLA_ERR_ARG,
              "%s: the same dataset is given for two outputs", full);
  RLA_CALL(ctx, h5_file(out, file, &f));
  RLA_CHECK(ctx, strlen(f->tmp) + strlen(name) + 2 < RLA_PATH_MAX, RLA_ERR_ARG,
            "%s: over-long output path", path);
  RLA_CALL(ctx, rla_ctx_agree(ctx, outputs_grow(out)));
  o = out->e[out->n++];
  o->alias = 1;
  strcpy(o->path, full);
  /* "TMP:NAME" (its length checked above) */
  memcpy(o->tmp, f->tmp, strlen(f->tmp));
  o->tmp[strlen(f->tmp)] = ':';
  memcpy(o->tmp + strlen(f->tmp) + 1, name, strlen(name) + 1);
  *tmp = o->tmp;
  return RLA_SUCCESS;
}

rla_err rla_driver_outputs_add(rla_driver_outputs out, const char *path, const char **tmp)
{
  RLA_CHECK(out->ctx, path && *path && strlen(path) < RLA_PATH_MAX, RLA_ERR_ARG,
            "empty or over-long output path");
  if (rla_io_format_of(path, RLA_FORMAT_AUTO) == RLA_FORMAT_HDF5)
    return add_dataset(out, path, tmp);
  return rla_driver_outputs_add_file(out, path, tmp);
}

rla_err rla_driver_outputs_add_file(rla_driver_outputs out, const char *path, const char **tmp)
{
  rla_ctx ctx = out->ctx;
  rla_err err = RLA_SUCCESS;
  struct output *o;
  RLA_CHECK(ctx, path && *path && strlen(path) < RLA_PATH_MAX, RLA_ERR_ARG,
            "empty or over-long output path");
  for (int i = 0; i < out->n; i++)
    RLA_CHECK(ctx, out->e[i]->alias || strcmp(out->e[i]->path, path), RLA_ERR_ARG,
              "%s: the same file is given for two outputs", path);
  if (rla_ctx_rank(ctx) == 0) { /* the final rename could not replace a directory */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                          "%s: is a directory; give the output a file name", path);
  }
  if (!err) err = outputs_grow(out);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  o = out->e[out->n];
  err = rla_atomic_tmpname(ctx, path, o->tmp, RLA_PATH_MAX);
  if (err) {
    rla_free(&out->e[out->n]);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  strcpy(o->path, path);
  if (tmp) *tmp = o->tmp;
  out->n++;
  return RLA_SUCCESS;
}

rla_err rla_driver_outputs_add_option(rla_driver_outputs out, rla_options opts, const char *name,
                                      int required, rla_format fmt_override, const char **path,
                                      const char **tmp, rla_format *fmt)
{
  rla_ctx ctx = out->ctx;
  *path = *tmp = NULL;
  if (!rla_options_has(opts, name)) {
    RLA_CHECK(ctx, !required, RLA_ERR_ARG, "missing required output -%s FILE", name);
    return RLA_SUCCESS;
  }
  RLA_CALL(ctx, rla_options_get_string(opts, name, path));
  *fmt = rla_io_format_of(*path, fmt_override);
  RLA_CHECK(ctx, *fmt != RLA_FORMAT_AUTO, RLA_ERR_ARG,
            "%s: cannot tell the file format from the name: use .npy, .mtx, .petsc or .h5%s", *path,
            rla_options_has(opts, "format") ? ", or give --format" : "");
  RLA_CALL(ctx, rla_driver_outputs_add(out, *path, tmp));
  return RLA_SUCCESS;
}

rla_err rla_driver_outputs_commit(rla_driver_outputs out)
{
  rla_ctx ctx = out->ctx;
  rla_err err = RLA_SUCCESS;
  int done = 0;
  if (rla_ctx_rank(ctx) == 0) {
    for (; done < out->n && !err; done++) {
      if (out->e[done]->alias) continue;
      if (rename(out->e[done]->tmp, out->e[done]->path) != 0)
        err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                            "%s: cannot move the finished file into place", out->e[done]->path);
      else
        out->e[done]->tmp[0] = '\0';
    }
  }
  return rla_ctx_agree(ctx, err);
}

void rla_driver_outputs_destroy(rla_driver_outputs *out)
{
  if (!out || !*out) return;
  for (int i = 0; i < (*out)->n; i++) {
    if (rla_ctx_rank((*out)->ctx) == 0 && (*out)->e[i]->tmp[0] && !(*out)->e[i]->alias)
      unlink((*out)->e[i]->tmp);
    rla_free(&(*out)->e[i]);
  }
  rla_free(&(*out)->e);
  rla_free(out);
}

rla_err rla_driver_matrix_path(rla_ctx ctx, const char *prog, rla_options opts, const char *path,
                               const rla_io_probe_info *probe, int *dense)
{
  double mn = (double)probe->m * (double)probe->n;
  double pages = (double)sysconf(_SC_PHYS_PAGES), page = (double)sysconf(_SC_PAGESIZE);
  double node = 8.0 * mn / rla_ctx_size(ctx); /* the dense rows of the ranks on this node */
  MPI_Comm shared;
  int local = 1;
  rla_err err = RLA_SUCCESS;
  RLA_CALL(ctx, rla_options_get_flag(opts, "dense", dense));
  if (probe->sparse && *dense) {
    RLA_MPI(ctx, MPI_Comm_split_type(rla_ctx_comm(ctx), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL,
                                     &shared));
    MPI_Comm_size(shared, &local);
    MPI_Comm_free(&shared);
    node *= local;
  }
  /* a sparse file whose dense form would not fit in a node's memory (its ranks' shares) is
     refused before anything is allocated; nodes may differ, hence the agreement */
  if (probe->sparse && *dense && pages > 0 && node > pages * page)
    err = rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__,
                        "%s is sparse (%lld x %lld, %lld entries stored); --dense would put %.3g "
                        "MiB of its dense form on this node, more than its %.3g MiB: leave out "
                        "--dense to take the sparse path",
                        path, (long long)probe->m, (long long)probe->n, (long long)probe->entries,
                        node / 1048576.0, pages * page / 1048576.0);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  /* a file storing more than a quarter of the entries (a dense matrix written as AIJ) is read
     dense: at most 2.7 times CSR's memory, and products 2.3 times faster on a full one (chosen
     by measurement: see bench/README.md) */
  if (probe->sparse && !*dense && (double)probe->entries > 0.25 * mn) {
    rla_ctx_progress(ctx, "%s: %s stores %lld of its %.3g entries; reading it dense", prog, path,
                     (long long)probe->entries, mn);
    *dense = 1;
  }
  return RLA_SUCCESS;
}

rla_err rla_driver_report_memory(rla_ctx ctx, rla_report rep)
{
  int p = rla_ctx_size(ctx);
  int64_t mine = rla_peak_memory(), peak = 0, *all = NULL;
  rla_err err = RLA_SUCCESS;
  if (rla_ctx_rank(ctx) == 0) err = rla_calloc(ctx, (size_t)p, sizeof(int64_t), &all);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Gather(&mine, 1, MPI_INT64_T, all, 1, MPI_INT64_T, 0, rla_ctx_comm(ctx)));
  if (rla_ctx_rank(ctx) == 0) {
    for (int r = 0; r < p; r++)
      if (all[r] > peak) peak = all[r];
    err = rla_report_set_int_array(rep, "peak_memory_bytes_per_rank", p, all);
    if (!err) err = rla_report_set_int(rep, "peak_memory_bytes", peak);
    free(all);
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  return RLA_SUCCESS;
}

/* ---- the life of a single-job driver ------------------------------------------------------- */

/* ctx's error message with the staged names of out replaced by their targets' (a write that
   fails names the temporary file it writes). Local. */
static void name_targets(rla_driver_outputs out, rla_err err)
{
  char msg[4096];
  snprintf(msg, sizeof(msg), "%s", rla_ctx_error_message(out->ctx));
  for (int i = 0; i < out->n; i++) {
    const struct output *o = out->e[i];
    char *at = o->alias || !o->tmp[0] ? NULL : strstr(msg, o->tmp);
    char rest[4096];
    if (!at) continue;
    snprintf(rest, sizeof(rest), "%s", at + strlen(o->tmp));
    snprintf(at, sizeof(msg) - (size_t)(at - msg), "%s%s", o->path, rest);
    rla_error_set(out->ctx, err, __func__, __FILE__, __LINE__, "%s", msg);
  }
}

rla_err rla_driver_job_run(rla_driver_job *job, const char *prog, const char *rpath,
                           rla_err (*body)(rla_driver_job *job, void *data), void *data,
                           int *failures)
{
  const char *rtmp = NULL;
  rla_err err = rla_report_set_string(job->rep, "program", prog);
  *failures = 0;
  if (!err && rpath) err = rla_driver_outputs_add(job->outs, rpath, &rtmp);
  if (!err) err = body(job, data);
  if (!err) err = rla_report_set_real(job->rep, "time_total", rla_wtime() - job->t0);
  if (!err) err = rla_driver_report_memory(job->ctx, job->rep);
  if (!err && rtmp) err = rla_report_write(job->rep, rtmp);
  if (!err) err = rla_driver_outputs_commit(job->outs);
  if (err) name_targets(job->outs, err);
  if (!err) *failures = rla_report_failures(job->rep);
  /* rank 0's count decides, for checks some ranks record alone */
  if (!err) MPI_Bcast(failures, 1, MPI_INT, 0, rla_ctx_comm(job->ctx));
  return err;
}

int rla_driver_main(int argc, char **argv, const char *prog, const rla_option_spec *specs,
                    int nspecs, rla_err (*body)(rla_driver_job *job, void *data), void *data)
{
  return rla_driver_main_batch(argc, argv, prog, specs, nspecs, NULL, body, data);
}

/* the options that only batch mode uses, given without --manifest */
static rla_err batch_only(rla_ctx ctx, rla_options opts)
{
  static const char *const names[] = {"output-dir", "group-size", "entry"};
  for (int i = 0; i < 3; i++)
    RLA_CHECK(ctx, !rla_options_given(opts, names[i]), RLA_ERR_ARG,
              "--%s is only used in batch mode: give --manifest FILE too", names[i]);
  return RLA_SUCCESS;
}

int rla_driver_main_batch(int argc, char **argv, const char *prog, const rla_option_spec *specs,
                          int nspecs, const rla_driver_batch *batch,
                          rla_err (*body)(rla_driver_job *job, void *data), void *data)
{
  rla_driver_def def = {prog, specs, nspecs, NULL, batch, body, data};
  return rla_driver_run(&def, argc, argv);
}

int rla_driver_run(const rla_driver_def *def, int argc, char **argv)
{
  rla_ctx ctx;
  if (rla_driver_init(&argc, &argv, &ctx)) return 1;
  return rla_driver_run_ctx(&ctx, def, argc, argv);
}

int rla_driver_run_ctx(rla_ctx *ctx, const rla_driver_def *def, int argc, char **argv)
{
  rla_driver_job job = {0};
  const char *rpath = NULL, *prog = def->prog;
  const rla_driver_batch *batch = def->batch;
  int code = 0, failures;
  rla_err err;

  job.ctx = *ctx;
  *ctx = NULL;
  job.t0 = rla_wtime();
  if (rla_options_create(job.ctx, def->specs, def->nspecs, &job.opts)) {
    code = rla_driver_fail(job.ctx, prog);
    goto end;
  }
  if (rla_driver_parse_objects(job.ctx, prog, job.opts, def->objects, argc, argv, &code)) goto end;
  if (batch && rla_options_has(job.opts, "manifest")) {
    code = rla_driver_batch_run(job.ctx, prog, job.opts, argc, argv, def->specs, def->nspecs, batch,
                                def->body, def->data);
    goto end;
  }
  if (batch && batch_only(job.ctx, job.opts)) {
    code = rla_driver_fail(job.ctx, prog);
    goto end;
  }
  err = rla_report_create(job.ctx, &job.rep);
  if (!err) err = rla_driver_outputs_create(job.ctx, &job.outs);
  err = rla_ctx_agree(job.ctx, err);
  if (!err && rla_options_has(job.opts, "report"))
    err = rla_options_get_string(job.opts, "report", &rpath);
  if (!err) err = rla_driver_job_run(&job, prog, rpath, def->body, def->data, &failures);
  if (err) {
    code = rla_driver_fail(job.ctx, prog);
    goto end;
  }
  if (rla_ctx_rank(job.ctx) == 0) {
    if (failures)
      fprintf(stderr, "%s: %d check%s FAILED\n", prog, failures, failures > 1 ? "s" : "");
    else if (rla_ctx_verbosity(job.ctx) >= 1)
      fprintf(stderr, "%s: done in %.2f s\n", prog, rla_wtime() - job.t0);
  }
  code = failures ? 1 : 0;
end:
  rla_driver_outputs_destroy(&job.outs);
  rla_report_destroy(&job.rep);
  rla_options_destroy(&job.opts);
  return rla_driver_finalize(&job.ctx, code);
}
