/* SPDX-License-Identifier: BSD-3-Clause */
/* Batch mode of the drivers (see batch.h): the manifest, the groups and their shared queue, the
   per-entry directories committed by rename, the progress lines and the summary. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/base/alloc.h"
#include "batch.h"

enum { PENDING, DONE, FAILED, SKIPPED };
static const char *const status_name[] = {"pending", "done", "failed", "skipped"};

#define MSG_MAX    1024 /* longest message kept for an entry (one line) */
#define RECORD_MAX (MSG_MAX + 128) /* an entry's result as sent to world rank 0 */
#define TAG_RECORD 731  /* results sent by the group leaders to world rank 0 */

struct entry {
  int64_t index; /* 1-based, counting entries */
  int line;      /* its line in the manifest */
  char *input[2];
  char *stem;
  int status;
  double time;
  int group;
  char msg[MSG_MAX];
};

struct batch {
  rla_ctx ctx; /* over MPI_COMM_WORLD */
  const char *prog;
  const rla_driver_batch *desc;
  rla_options opts; /* the world's options */
  const char *manifest, *dir;
  const char *outname[4]; /* per output of desc: its file name in an entry's directory, or NULL */
  int64_t n, cap;
  struct entry *e;
  int64_t npending, *pending; /* indices into e, in manifest order */
  int64_t only;               /* --entry, 0 for all */
  int64_t group_size;
  int ngroups, verbose;
  rla_err (*body)(rla_driver_job *job, void *data);
  void *data;
};

/* the dashes of an option on the command line: -A, --output-dir */
static const char *dash(const char *name) { return name[0] && !name[1] ? "-" : "--"; }

/* ---- files and directories ----------------------------------------------------------------- */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path) != 0 && errno != ENOENT;
}

/* remove a directory tree (nothing when it does not exist) */
static void remove_tree(const char *path) { nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

/* mkdir -p */
static rla_err make_dirs(rla_ctx ctx, const char *dir)
{
  char p[RLA_PATH_MAX];
  struct stat st;
  size_t len = strlen(dir);
  RLA_CHECK(ctx, len > 0 && len < sizeof(p), RLA_ERR_ARG, "--output-dir: empty or over-long path");
  strcpy(p, dir);
  for (size_t i = 1; i <= len; i++) {
    if (p[i] != '/' && p[i] != '\0') continue;
    p[i] = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
      return rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                           "%s: cannot create the output directory (%s)", p, strerror(errno));
    p[i] = i < len ? '/' : '\0';
  }
  RLA_CHECK(ctx, stat(dir, &st) == 0 && S_ISDIR(st.st_mode), RLA_ERR_FILE,
            "%s: the output directory exists but is not a directory", dir);
  RLA_CHECK(ctx, access(dir, W_OK | X_OK) == 0, RLA_ERR_FILE,
            "%s: the output directory is not writable", dir);
  return RLA_SUCCESS;
}

static int compare_strings(const void *x, const void *y)
{
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* remove what killed runs left for the entries about to run: DIR/.STEM.tmp.* and
   DIR/.STEM.old.* for the nstems stems sorted in stems[] (one pass over the directory; other
   entries' directories are left alone, so that concurrent runs of other entries are safe) */
static void remove_leftovers(const char *dir, char **stems, int64_t nstems)
{
  DIR *d = opendir(dir);
  struct dirent *de;
  char name[RLA_PATH_MAX], path[RLA_PATH_MAX];
  if (!d) return;
  while ((de = readdir(d))) {
    char *key = name, *cut;
    if (de->d_name[0] != '.' || strlen(de->d_name) >= sizeof(name)) continue;
    strcpy(name, de->d_name + 1);
    cut = strstr(name, ".tmp.");
    for (char *c = cut; c; c = strstr(c + 1, ".tmp."))
      cut = c;
    if (!cut)
      for (char *c = strstr(name, ".old."); c; c = strstr(c + 1, ".old."))
        cut = c;
    if (!cut) continue;
    *cut = '\0';
    if (bsearch(&key, stems, (size_t)nstems, sizeof(*stems), compare_strings) &&
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
      remove_tree(path);
  }
  closedir(d);
}

/* ---- the manifest -------------------------------------------------------------------------- */

/* the basename of path without its last extension (a leading dot is not an extension) */
static rla_err stem_of(rla_ctx ctx, const char *path, char **stem)
{
  size_t len = strlen(path), b = 0, s;
  while (len > 1 && path[len - 1] == '/')
    len--;
  for (size_t i = 0; i + 1 < len; i++)
    if (path[i] == '/') b = i + 1;
  s = len;
  for (size_t i = b + 1; i < len; i++)
    if (path[i] == '.') s = i;
  return rla_strndup(ctx, path + b, s - b, stem);
}

/* path relative to the manifest's directory */
static rla_err resolve(rla_ctx ctx, const char *manifest, const char *field, char **path)
{
  const char *slash = strrchr(manifest, '/');
  size_t dlen = slash ? (size_t)(slash - manifest) : 1;
  char *p = NULL;
  if (field[0] == '/') return rla_strdup(ctx, field, path);
  RLA_CALL(ctx, rla_calloc(ctx, dlen + strlen(field) + 2, 1, &p));
  if (slash)
    memcpy(p, manifest, dlen);
  else
    p[0] = '.';
  p[dlen] = '/';
  strcpy(p + dlen + 1, field);
  *path = p;
  return RLA_SUCCESS;
}

static rla_err add_entry(struct batch *b, int line, char **field)
{
  rla_ctx ctx = b->ctx;
  struct entry *e;
  RLA_CALL(ctx, rla_grow(ctx, &b->e, &b->cap, b->n + 1, sizeof(*b->e)));
  e = &b->e[b->n];
  e->index = ++b->n;
  e->line = line;
  e->group = -1;
  for (int j = 0; j < b->desc->ninputs; j++)
    RLA_CALL(ctx, resolve(ctx, b->manifest, field[j], &e->input[j]));
  RLA_CALL(ctx, stem_of(ctx, field[0], &e->stem));
  RLA_CHECK(ctx, e->stem[0] && e->stem[0] != '.', RLA_ERR_FORMAT,
            "%s:%d: '%s' gives the output name '%s': an entry's name must not be empty or start "
            "with a dot",
            b->manifest, line, field[0], e->stem);
  return RLA_SUCCESS;
}

/* entries by output name, then by line */
static int compare_stems(const void *x, const void *y)
{
  const struct entry *a = *(const struct entry *const *)x, *b = *(const struct entry *const *)y;
  int c = strcmp(a->stem, b->stem);
  return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* parse the manifest's text (every rank does the same, so every rank fails alike) */
static rla_err parse_manifest(struct batch *b, char *text)
{
  rla_ctx ctx = b->ctx;
  const rla_driver_batch *d = b->desc;
  struct entry **by = NULL;
  int line = 0;
  rla_err err = RLA_SUCCESS;
  for (char *s = text, *next; s && *s; s = next) {
    char *field[3];
    int nf = 0;
    next = strchr(s, '\n');
    if (next) *next++ = '\0';
    line++;
    s += strspn(s, " \t\r");
    if (!*s || *s == '#') continue;
    for (char *tok = strtok(s, " \t\r"); tok; tok = strtok(NULL, " \t\r"))
      if (nf < 3)
        field[nf++] = tok;
      else
        nf++;
    RLA_CHECK(ctx, nf == d->ninputs, RLA_ERR_FORMAT,
              "%s:%d: expected '%s' (%d path%s separated by white space), found %d field%s",
              b->manifest, line, d->line, d->ninputs, d->ninputs > 1 ? "s" : "", nf,
              nf > 1 ? "s" : "");
    RLA_CALL(ctx, add_entry(b, line, field));
  }
  RLA_CHECK(ctx, b->n > 0, RLA_ERR_FORMAT, "%s: the manifest lists no inputs", b->manifest);
  /* duplicated output names: neighbours once sorted (a large manifest stays fast) */
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)b->n, sizeof(*by), &by));
  for (int64_t i = 0; i < b->n; i++)
    by[i] = &b->e[i];
  qsort(by, (size_t)b->n, sizeof(*by), compare_stems);
  for (int64_t i = 1; i < b->n && !err; i++)
    if (!strcmp(by[i - 1]->stem, by[i]->stem))
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                          "%s: lines %d and %d both give the output name '%s' (the file name "
                          "without its extension): rename one of the inputs",
                          b->manifest, by[i - 1]->line, by[i]->line, by[i]->stem);
  rla_free(&by);
  if (err) return err;
  RLA_CHECK(ctx, b->only <= b->n, RLA_ERR_ARG, "--entry %lld, but %s lists %lld entr%s",
            (long long)b->only, b->manifest, (long long)b->n, b->n > 1 ? "ies" : "y");
  return RLA_SUCCESS;
}

/* rank 0 reads the manifest; every rank receives the text */
static rla_err read_manifest(struct batch *b, char **text)
{
  rla_ctx ctx = b->ctx;
  rla_err err = RLA_SUCCESS;
  long long len = 0;
  int64_t cap = 0;
  char *buf = NULL;
  *text = NULL;
  if (rla_ctx_rank(ctx) == 0) {
    FILE *f = fopen(b->manifest, "rb");
    if (!f)
      err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: cannot open the manifest (%s)", b->manifest, strerror(errno));
    if (!err) err = rla_grow(ctx, &buf, &cap, 4096, 1);
    if (!err) {
      size_t got;
      while (!err && (got = fread(buf + len, 1, (size_t)(cap - 1 - len), f)) > 0) {
        len += (long long)got;
        if (len == cap - 1 && len < INT_MAX / 2) err = rla_grow(ctx, &buf, &cap, 2 * cap, 1);
      }
      if (!err && (ferror(f) || len >= INT_MAX / 2))
        err =
            rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: cannot read the manifest (too large or a read error)", b->manifest);
    }
    if (f) fclose(f);
  }
  err = rla_ctx_agree(ctx, err);
  if (err) {
    rla_free(&buf);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  RLA_MPI(ctx, MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, rla_ctx_comm(ctx)));
  if (rla_ctx_rank(ctx) != 0) err = rla_calloc(ctx, (size_t)len + 1, 1, &buf);
  err = rla_ctx_agree(ctx, err);
  if (err) {
    rla_free(&buf);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  MPI_Bcast(buf, (int)len, MPI_CHAR, 0, rla_ctx_comm(ctx));
  buf[len] = '\0';
  *text = buf;
  return RLA_SUCCESS;
}

/* ---- start: options, manifest, output directory, entries already done ----------------------- */

static rla_err check_options(struct batch *b, int nprocs)
{
  rla_ctx ctx = b->ctx;
  const rla_driver_batch *d = b->desc;
  RLA_CALL(ctx, rla_options_get_string(b->opts, "manifest", &b->manifest));
  RLA_CHECK(ctx, rla_options_has(b->opts, "output-dir"), RLA_ERR_ARG,
            "--manifest needs --output-dir DIR: each entry's results go to DIR/<name>/");
  RLA_CALL(ctx, rla_options_get_string(b->opts, "output-dir", &b->dir));
  RLA_CHECK(ctx, !rla_options_has(b->opts, "report"), RLA_ERR_ARG,
            "--report is not used with --manifest: each entry's report is "
            "DIR/<name>/report.json");
  for (int j = 0; j < d->ninputs; j++)
    RLA_CHECK(ctx, !rla_options_given(b->opts, d->inputs[j]), RLA_ERR_ARG,
              "%s%s is not used with --manifest: the manifest gives the inputs", dash(d->inputs[j]),
              d->inputs[j]);
  for (int j = 0; j < d->noutputs; j++) {
    const char *v = d->outputs[j].def;
    if (rla_options_given(b->opts, d->outputs[j].option))
      RLA_CALL(ctx, rla_options_get_string(b->opts, d->outputs[j].option, &v));
    RLA_CHECK(ctx, !v || (!strchr(v, '/') && strcmp(v, ".") && strcmp(v, "..")), RLA_ERR_ARG,
              "%s%s %s: with --manifest an output is a name inside each entry's directory "
              "(e.g. %s%s %s), not a path",
              dash(d->outputs[j].option), d->outputs[j].option, v, dash(d->outputs[j].option),
              d->outputs[j].option, d->outputs[j].def ? d->outputs[j].def : "out.npy");
    b->outname[j] = v;
  }
  RLA_CALL(ctx, rla_options_get_int(b->opts, "group-size", &b->group_size));
  RLA_CHECK(ctx, b->group_size <= nprocs, RLA_ERR_ARG,
            "--group-size %lld exceeds the %d rank%s of the run", (long long)b->group_size, nprocs,
            nprocs > 1 ? "s" : "");
  if (rla_options_has(b->opts, "entry"))
    RLA_CALL(ctx, rla_options_get_int(b->opts, "entry", &b->only));
  return RLA_SUCCESS;
}

/* parse, create the output directory, find the entries already done */
static rla_err start(struct batch *b, int nprocs)
{
  rla_ctx ctx = b->ctx;
  char *text = NULL, **stems = NULL;
  int *st = NULL;
  rla_err err;
  RLA_CALL(ctx, check_options(b, nprocs));
  RLA_CALL(ctx, read_manifest(b, &text));
  err = parse_manifest(b, text);
  rla_free(&text);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)b->n + 1, sizeof(int), &st)));
  err = RLA_SUCCESS;
  if (rla_ctx_rank(ctx) == 0) {
    err = make_dirs(ctx, b->dir);
    for (int64_t i = 0; i < b->n && !err; i++) {
      char p[RLA_PATH_MAX];
      snprintf(p, sizeof(p), "%s/%s/report.json", b->dir, b->e[i].stem);
      st[i] = rla_file_exists(p) ? SKIPPED : PENDING;
    }
  }
  err = rla_ctx_agree(ctx, err);
  if (!err) err = MPI_Bcast(st, (int)b->n, MPI_INT, 0, rla_ctx_comm(ctx)) ? RLA_ERR_MPI : 0;
  if (!err) err = rla_calloc(ctx, (size_t)b->n + 1, sizeof(int64_t), &b->pending);
  err = rla_ctx_agree(ctx, err);
  for (int64_t i = 0; i < b->n && !err; i++) {
    if (b->only && b->e[i].index != b->only) continue;
    b->e[i].status = st[i];
    if (st[i] == PENDING) b->pending[b->npending++] = i;
  }
  rla_free(&st);
  if (!err && rla_ctx_rank(ctx) == 0)
    err = rla_calloc(ctx, (size_t)b->npending + 1, sizeof(*stems), &stems);
  err = rla_ctx_agree(ctx, err);
  if (!err && rla_ctx_rank(ctx) == 0) {
    for (int64_t k = 0; k < b->npending; k++)
      stems[k] = b->e[b->pending[k]].stem;
    qsort(stems, (size_t)b->npending, sizeof(*stems), compare_strings);
    remove_leftovers(b->dir, stems, b->npending);
  }
  rla_free(&stems);
  return err;
}

/* ---- one entry on a group ------------------------------------------------------------------ */

struct group {
  rla_ctx ctx;
  rla_options opts;
  rla_err setup; /* the group's options could not be parsed: every entry fails with it */
  int id;
};

/* leader: D/.STEM.tmp.XXXXXX */
static rla_err make_entry_dir(struct batch *b, rla_ctx ctx, struct entry *e, char *tmpdir)
{
  rla_err err = RLA_SUCCESS;
  if (rla_ctx_rank(ctx) == 0) {
    snprintf(tmpdir, RLA_PATH_MAX, "%s/.%s.tmp.XXXXXX", b->dir, e->stem);
    if (!mkdtemp(tmpdir))
      err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: cannot create the entry's directory in %s (%s)", e->stem, b->dir,
                          strerror(errno));
    else {
      mode_t mask = umask(0); /* mkdtemp makes 0700: give the usual permissions */
      umask(mask);
      chmod(tmpdir, 0777 & ~mask);
    }
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Bcast(tmpdir, RLA_PATH_MAX, MPI_CHAR, 0, rla_ctx_comm(ctx)));
  return RLA_SUCCESS;
}

/* leader: rename the finished directory onto D/STEM (moving aside one without a report) */
static rla_err commit_entry_dir(struct batch *b, rla_ctx ctx, struct entry *e, const char *tmpdir)
{
  rla_err err = RLA_SUCCESS;
  if (rla_ctx_rank(ctx) == 0) {
    char target[RLA_PATH_MAX], old[RLA_PATH_MAX];
    int rc, code;
    snprintf(target, sizeof(target), "%s/%s", b->dir, e->stem);
    rc = rename(tmpdir, target);
    code = rc ? errno : 0;
    if (code == ENOTEMPTY || code == EEXIST) {
      snprintf(old, sizeof(old), "%s/.%s.old.XXXXXX", b->dir, e->stem);
      if (!mkdtemp(old))
        code = errno;
      else {
        code = rename(target, old) ? errno : rename(tmpdir, target) ? errno : 0;
        remove_tree(old);
      }
    }
    if (code)
      err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: cannot move the finished results into place (%s)", target,
                          strerror(code));
  }
  return rla_ctx_agree(ctx, err);
}

/* the entry's inputs and outputs in the group's options */
static rla_err set_entry_options(struct batch *b, struct group *g, struct entry *e,
                                 const char *tmpdir)
{
  rla_ctx ctx = g->ctx;
  const rla_driver_batch *d = b->desc;
  char path[RLA_PATH_MAX];
  for (int j = 0; j < d->ninputs; j++)
    RLA_CALL(ctx, rla_options_set(g->opts, d->inputs[j], e->input[j]));
  for (int j = 0; j < d->noutputs; j++) {
    if (!b->outname[j]) continue;
    RLA_CHECK(ctx, snprintf(path, sizeof(path), "%s/%s", tmpdir, b->outname[j]) < (int)sizeof(path),
              RLA_ERR_ARG, "%s/%s: over-long path", tmpdir, b->outname[j]);
    RLA_CALL(ctx, rla_options_set(g->opts, d->outputs[j].option, path));
  }
  return RLA_SUCCESS;
}

/* "N checks FAILED, the first: NAME" from the checks recorded in the report */
static void failed_checks(rla_report rep, int failures, char *msg)
{
  char *text = rla_report_print(rep), *p = text ? strstr(text, "\"checks\"") : NULL;
  const char *name = "";
  int len = 0;
  while (p && (p = strstr(p, "\"name\":"))) {
    char *q = strchr(p + 7, '"'), *end = q ? strchr(q + 1, '"') : NULL;
    char *passed = end ? strstr(end, "\"passed\":") : NULL;
    if (!passed) break;
    passed += 9 + strspn(passed + 9, " \t");
    if (!strncmp(passed, "false", 5)) {
      name = q + 1;
      len = (int)(end - q - 1);
      break;
    }
    p = passed;
  }
  snprintf(msg, MSG_MAX, "%d check%s FAILED%s%.*s", failures, failures > 1 ? "s" : "",
           len ? ", the first: " : "", len, name);
  free(text);
}

/* run entry e on group g: the driver's job with its report in the entry's directory, renamed
   into place when the job succeeded and every check passed; *failures is the number of FAILED
   checks, named in e->msg. Collective on the group. */
static rla_err run_entry(struct batch *b, struct group *g, struct entry *e, int *failures)
{
  rla_ctx ctx = g->ctx;
  rla_driver_job job = {ctx, g->opts, NULL, NULL, rla_wtime()};
  char tmpdir[RLA_PATH_MAX], rpath[RLA_PATH_MAX];
  rla_err err;
  *failures = 0;
  RLA_CALL(ctx, rla_ctx_agree(ctx, g->setup));
  RLA_CALL(ctx, make_entry_dir(b, ctx, e, tmpdir));
  err = set_entry_options(b, g, e, tmpdir);
  if (!err) err = rla_report_create(ctx, &job.rep);
  if (!err) err = rla_driver_outputs_create(ctx, &job.outs);
  err = rla_ctx_agree(ctx, err);
  if (!err) {
    rla_report_push_object(job.rep, "batch");
    rla_report_set_string(job.rep, "manifest", b->manifest);
    rla_report_set_int(job.rep, "entry", e->index);
    rla_report_set_string(job.rep, "name", e->stem);
    rla_report_push_array(job.rep, "inputs");
    for (int j = 0; j < b->desc->ninputs; j++)
      rla_report_set_string(job.rep, NULL, e->input[j]);
    rla_report_pop(job.rep);
    rla_report_set_int(job.rep, "group", g->id);
    rla_report_pop(job.rep);
    if (snprintf(rpath, sizeof(rpath), "%s/report.json", tmpdir) >= (int)sizeof(rpath))
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "%s: over-long path",
                          tmpdir);
    if (!err) err = rla_driver_job_run(&job, b->prog, rpath, b->body, b->data, failures);
  }
  if (!err && *failures) failed_checks(job.rep, *failures, e->msg);
  rla_driver_outputs_destroy(&job.outs);
  rla_report_destroy(&job.rep);
  if (!err && !*failures) err = commit_entry_dir(b, ctx, e, tmpdir);
  if ((err || *failures) && rla_ctx_rank(ctx) == 0) remove_tree(tmpdir);
  return err;
}

/* ---- results: the leaders send, world rank 0 receives, prints and sums up ------------------- */

struct tally {
  int64_t received, done, failed, skipped;
};

static void progress(struct batch *b, struct tally *t, const struct entry *e)
{
  if (e->status == FAILED)
    fprintf(stderr, "%s: batch: entry %lld (%s) failed: %s\n", b->prog, (long long)e->index,
            e->stem, e->msg);
  if (b->verbose >= 1)
    fprintf(stderr,
            "%s: batch: entry %lld (%s) %s in %.2f s by group %d; %lld done, %lld failed, "
            "%lld skipped, %lld remaining\n",
            b->prog, (long long)e->index, e->stem, status_name[e->status], e->time, e->group,
            (long long)t->done, (long long)t->failed, (long long)t->skipped,
            (long long)(b->npending - t->received));
  fflush(stderr);
}

/* world rank 0: receive one record (blocking, or only when one is waiting) */
static int receive(struct batch *b, MPI_Comm comm, struct tally *t, int block)
{
  MPI_Status st;
  int flag = 1, n;
  char buf[RECORD_MAX];
  long long idx;
  int status, group, off = 0;
  double time;
  if (block)
    MPI_Probe(MPI_ANY_SOURCE, TAG_RECORD, comm, &st);
  else
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_RECORD, comm, &flag, &st);
  if (!flag) return 0;
  MPI_Get_count(&st, MPI_CHAR, &n);
  if (n < 0 || n >= (int)sizeof(buf)) n = (int)sizeof(buf) - 1;
  MPI_Recv(buf, n, MPI_CHAR, st.MPI_SOURCE, TAG_RECORD, comm, MPI_STATUS_IGNORE);
  buf[n] = '\0';
  if (sscanf(buf, "%lld %d %lf %d %n", &idx, &status, &time, &group, &off) >= 4 && idx >= 1 &&
      idx <= b->n) {
    struct entry *e = &b->e[idx - 1];
    e->status = status;
    e->time = time;
    e->group = group;
    snprintf(e->msg, sizeof(e->msg), "%s", buf + off);
    t->received++;
    if (status == DONE) t->done++;
    if (status == FAILED) t->failed++;
    progress(b, t, e);
  }
  return 1;
}

/* leader: send entry e's result to world rank 0 from buf (RECORD_MAX bytes, kept until the
   request completes) */
static void send_record(MPI_Comm comm, const struct entry *e, char *buf, MPI_Request *req)
{
  int n = snprintf(buf, RECORD_MAX, "%lld %d %.6f %d %s", (long long)e->index, e->status, e->time,
                   e->group, e->msg);
  MPI_Isend(buf, n < RECORD_MAX ? n : RECORD_MAX - 1, MPI_CHAR, 0, TAG_RECORD, comm, req);
}

/* the first line of the recorded error */
static void one_line(char *dst, const char *msg)
{
  size_t n;
  if (!msg || !*msg) msg = "unknown failure";
  n = strcspn(msg, "\n");
  if (n >= MSG_MAX) n = MSG_MAX - 1;
  memcpy(dst, msg, n);
  dst[n] = '\0';
}

static rla_err write_summary(struct batch *b, const struct tally *t, double t0)
{
  rla_ctx ctx = b->ctx;
  rla_report rep = NULL;
  char path[RLA_PATH_MAX];
  rla_err err;
  if (b->only)
    snprintf(path, sizeof(path), "%s/summary-%lld.json", b->dir, (long long)b->only);
  else
    snprintf(path, sizeof(path), "%s/summary.json", b->dir);
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_report_create(ctx, &rep)));
  rla_report_set_string(rep, "program", b->prog);
  rla_report_set_string(rep, "manifest", b->manifest);
  rla_report_set_string(rep, "output_dir", b->dir);
  rla_report_set_int(rep, "nprocs", rla_ctx_size(ctx));
  rla_report_set_int(rep, "group_size", b->group_size);
  rla_report_set_int(rep, "groups", b->ngroups);
  if (b->only) rla_report_set_int(rep, "entry", b->only);
  rla_report_push_array(rep, "entries");
  for (int64_t i = 0; i < b->n; i++) {
    const struct entry *e = &b->e[i];
    if (b->only && e->index != b->only) continue;
    rla_report_push_object(rep, NULL);
    rla_report_set_int(rep, "index", e->index);
    rla_report_push_array(rep, "inputs");
    for (int j = 0; j < b->desc->ninputs; j++)
      rla_report_set_string(rep, NULL, e->input[j]);
    rla_report_pop(rep);
    rla_report_set_string(rep, "stem", e->stem);
    rla_report_set_string(rep, "status", status_name[e->status]);
    rla_report_set_string(rep, "message", e->msg);
    rla_report_set_real(rep, "time", e->time);
    rla_report_set_int(rep, "group", e->group);
    rla_report_pop(rep);
  }
  rla_report_pop(rep);
  rla_report_push_object(rep, "totals");
  rla_report_set_int(rep, "entries", b->only ? 1 : b->n);
  rla_report_set_int(rep, "done", t->done);
  rla_report_set_int(rep, "failed", t->failed);
  rla_report_set_int(rep, "skipped", t->skipped);
  rla_report_pop(rep);
  rla_report_set_real(rep, "time_total", rla_wtime() - t0);
  err = rla_report_write(rep, path);
  rla_report_destroy(&rep);
  return err;
}

/* ---- the batch ----------------------------------------------------------------------------- */

/* the group's loop: take the next entry from the counter on world rank 0, run it, report it */
static void run_group(struct batch *b, struct group *g, MPI_Comm bcomm, MPI_Win win,
                      struct tally *t, char *sendbuf, MPI_Request *req, int64_t *nsent)
{
  MPI_Comm gcomm = rla_ctx_comm(g->ctx);
  int leader = rla_ctx_rank(g->ctx) == 0, world0 = rla_ctx_rank(b->ctx) == 0;
  for (;;) {
    int64_t k = 0, one = 1;
    int failures;
    double t0;
    struct entry *e;
    rla_err err;
    if (leader) {
      MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
      MPI_Fetch_and_op(&one, &k, MPI_INT64_T, 0, 0, MPI_SUM, win);
      MPI_Win_unlock(0, win);
    }
    MPI_Bcast(&k, 1, MPI_INT64_T, 0, gcomm);
    if (k >= b->npending) break;
    e = &b->e[b->pending[k]];
    t0 = rla_wtime();
    err = run_entry(b, g, e, &failures);
    e->time = rla_wtime() - t0;
    e->group = g->id;
    e->status = err || failures ? FAILED : DONE;
    if (err) one_line(e->msg, rla_ctx_error_message(g->ctx));
    rla_ctx_error_clear(g->ctx);
    if (leader) {
      send_record(bcomm, e, sendbuf + *nsent * RECORD_MAX, &req[*nsent]);
      (*nsent)++;
    }
    while (world0 && receive(b, bcomm, t, 0)) {
    }
  }
}

static void free_batch(struct batch *b)
{
  for (int64_t i = 0; i < b->n; i++) {
    rla_free(&b->e[i].input[0]);
    rla_free(&b->e[i].input[1]);
    rla_free(&b->e[i].stem);
  }
  rla_free(&b->e);
  rla_free(&b->pending);
}

/* the groups and the entries skipped counted, the plan on stderr (world rank 0) */
static void announce(struct batch *b, struct tally *t, int nprocs)
{
  b->ngroups = (int)((nprocs + b->group_size - 1) / b->group_size);
  for (int64_t i = 0; i < b->n; i++)
    if (b->e[i].status == SKIPPED) t->skipped++;
  if (rla_ctx_rank(b->ctx) == 0 && b->verbose >= 1) {
    fprintf(stderr,
            "%s: batch: %s: %lld entr%s to run, %lld already done (skipped); %d group%s of "
            "%lld rank%s\n",
            b->prog, b->manifest, (long long)b->npending, b->npending == 1 ? "y" : "ies",
            (long long)t->skipped, b->ngroups, b->ngroups > 1 ? "s" : "", (long long)b->group_size,
            b->group_size > 1 ? "s" : "");
    fflush(stderr);
  }
}

/* the summary written, the totals on stderr (world rank 0); returns the exit code, the same on
   every rank of bcomm */
static int finish(struct batch *b, const struct tally *t, double t0, MPI_Comm bcomm)
{
  int code = 1;
  rla_err err = write_summary(b, t, t0);
  if (rla_ctx_rank(b->ctx) == 0) {
    if (err)
      rla_driver_fail(b->ctx, b->prog);
    else if (b->verbose >= 1 || t->failed)
      fprintf(stderr, "%s: batch: %lld done, %lld failed, %lld skipped in %.2f s; summary in %s\n",
              b->prog, (long long)t->done, (long long)t->failed, (long long)t->skipped,
              rla_wtime() - t0, b->dir);
    code = err || t->failed ? 1 : 0;
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, bcomm);
  return code;
}

int rla_driver_batch_run(rla_ctx ctx, const char *prog, rla_options opts, int argc, char **argv,
                         const rla_option_spec *specs, int nspecs, const rla_driver_batch *desc,
                         rla_err (*body)(rla_driver_job *job, void *data), void *data)
{
  struct batch b = {0};
  struct group g = {0};
  struct tally t = {0};
  MPI_Comm bcomm = MPI_COMM_NULL, gcomm = MPI_COMM_NULL;
  MPI_Win win = MPI_WIN_NULL;
  int64_t *counter = NULL, nsent = 0;
  char *sendbuf = NULL;
  MPI_Request *req = NULL;
  int rank = rla_ctx_rank(ctx), nprocs = rla_ctx_size(ctx), code = 1;
  double t0 = rla_wtime();
  rla_err err;

  b.ctx = ctx;
  b.prog = prog;
  b.desc = desc;
  b.opts = opts;
  b.body = body;
  b.data = data;
  b.verbose = rla_ctx_verbosity(ctx);
  if (start(&b, nprocs)) {
    free_batch(&b);
    return rla_driver_fail(ctx, prog);
  }
  announce(&b, &t, nprocs);

  /* the groups, their contexts and options, the queue's counter on world rank 0 */
  g.id = (int)(rank / b.group_size);
  err = MPI_Comm_dup(MPI_COMM_WORLD, &bcomm) ? RLA_ERR_MPI : 0;
  if (!err) err = MPI_Comm_split(bcomm, g.id, rank, &gcomm) ? RLA_ERR_MPI : 0;
  if (!err)
    err = MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0, sizeof(int64_t),
                           MPI_INFO_NULL, bcomm, &counter, &win)
              ? RLA_ERR_MPI
              : 0;
  if (err) {
    rla_error_set(ctx, err, __func__, __FILE__, __LINE__, "cannot set up the batch's groups");
    code = rla_driver_fail(ctx, prog);
    goto end;
  }
  if (rank == 0) {
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
    *counter = 0;
    MPI_Win_unlock(0, win);
  }
  /* the records a group's leader (its lowest world rank) may send, kept until the end */
  err = rla_calloc(ctx, (size_t)(rank % b.group_size == 0 ? b.npending + 1 : 1), RECORD_MAX,
                   &sendbuf);
  if (!err) err = rla_calloc(ctx, (size_t)b.npending + 1, sizeof(*req), &req);
  err = rla_ctx_agree(ctx, err);
  if (!err) err = rla_ctx_agree(ctx, rla_ctx_create(gcomm, &g.ctx));
  if (err) {
    code = rla_driver_fail(ctx, prog);
    goto end;
  }
  rla_ctx_set_verbosity(g.ctx, b.verbose >= 2 ? 2 : 0);
  g.setup = rla_ctx_agree(g.ctx, rla_options_create(g.ctx, specs, nspecs, &g.opts));
  if (!g.setup) {
    /* the keys of the objects' options were checked by the world's parse; each entry's job
       reads them */
    rla_options_keep_unknown(g.opts);
    g.setup = rla_options_parse(g.opts, argc, argv);
  }
  MPI_Barrier(bcomm);

  run_group(&b, &g, bcomm, win, &t, sendbuf, req, &nsent);
  while (rank == 0 && t.received < b.npending)
    receive(&b, bcomm, &t, 1);
  MPI_Waitall((int)nsent, req, MPI_STATUSES_IGNORE);

  code = finish(&b, &t, t0, bcomm);
end:
  rla_free(&sendbuf);
  rla_free(&req);
  rla_options_destroy(&g.opts);
  rla_ctx_destroy(&g.ctx);
  if (win != MPI_WIN_NULL) MPI_Win_free(&win);
  if (gcomm != MPI_COMM_NULL) MPI_Comm_free(&gcomm);
  if (bcomm != MPI_COMM_NULL) MPI_Comm_free(&bcomm);
  free_batch(&b);
  return code;
}
