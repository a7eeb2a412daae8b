/* SPDX-License-Identifier: BSD-3-Clause */
/* Atomic output files: temporary file in the target's directory, fsync, rename. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rla/file.h"
#include "fault.h"

/* Does s start with ".tmp." and six more characters (a mkstemp suffix)? */
static int tmp_suffix(const char *s) { return !strncmp(s, ".tmp.", 5) && strnlen(s + 5, 6) == 6; }

/* Is s empty, or ".locktest.N": the file MPI-IO creates, and removes, beside a file it opens to
   test file locking, which a kill during the open leaves behind? */
static int lock_suffix(const char *s)
{
  if (!*s) return 1;
  if (strncmp(s, ".locktest.", 10) || !s[10]) return 0;
  return strspn(s + 10, "0123456789") == strlen(s + 10);
}

/* Is name ".BASE.tmp.XXXXXX", or "..BASE.tmp.XXXXXX.tmp.YYYYYY" (the temporary file of a
   writer that was itself given a temporary name), either one possibly with a lock test
   suffix? */
static int stale_after_dot(const char *name, const char *base, int nested)
{
  size_t b = strlen(base);
  if (strncmp(name, base, b) || !tmp_suffix(name + b)) return 0;
  name += b + 11;
  if (nested) {
    if (!tmp_suffix(name)) return 0;
    name += 11;
  }
  return lock_suffix(name);
}

static int is_stale(const char *name, const char *base)
{
  return name[0] == '.' && (stale_after_dot(name + 1, base, 0) ||
                            (name[1] == '.' && stale_after_dot(name + 2, base, 1)));
}

/* Remove the temporary files of the target path that a killed run left in its directory (see
   file.h). */
static void remove_stale(const char *path)
{
  char dir[RLA_PATH_MAX], base[RLA_PATH_MAX], name[2 * RLA_PATH_MAX];
  const char *where, *b;
  struct dirent *e;
  DIR *d;
  strcpy(dir, path);
  strcpy(base, path);
  b = basename(base);
  where = dirname(dir);
  d = opendir(where);
  if (!d) return;
  while ((e = readdir(d)))
    if (is_stale(e->d_name, b)) {
      snprintf(name, sizeof(name), "%s/%s", where, e->d_name);
      unlink(name);
    }
  closedir(d);
}

static rla_err make_tmp(rla_ctx ctx, const char *path, char *tmp, size_t len, int *fd)
{
  char dir[RLA_PATH_MAX], base[RLA_PATH_MAX];
  RLA_CHECK(ctx, path && *path, RLA_ERR_ARG, "empty output path");
  RLA_CHECK(ctx, strlen(path) < RLA_PATH_MAX - 32, RLA_ERR_ARG, "output path too long: %s", path);
  strcpy(dir, path);
  strcpy(base, path);
  RLA_CHECK(ctx, snprintf(tmp, len, "%s/.%s.tmp.XXXXXX", dirname(dir), basename(base)) < (int)len,
            RLA_ERR_ARG, "output path too long: %s", path);
  remove_stale(path);
  *fd = mkstemp(tmp);
  RLA_CHECK(ctx, *fd >= 0, RLA_ERR_FILE, "%s: cannot create a file in its directory: %s", path,
            strerror(errno));
  fchmod(*fd, 0644);
  return RLA_SUCCESS;
}

rla_err rla_atomic_open(rla_ctx ctx, const char *path, rla_atomic_file *af)
{
  int fd;
  memset(af, 0, sizeof(*af));
  RLA_CALL(ctx, make_tmp(ctx, path, af->tmp, sizeof(af->tmp), &fd));
  strcpy(af->path, path);
  af->f = fdopen(fd, "w");
  if (!af->f) {
    close(fd);
    unlink(af->tmp);
    RLA_CHECK(ctx, 0, RLA_ERR_FILE, "%s: cannot open for writing: %s", path, strerror(errno));
  }
  return RLA_SUCCESS;
}

rla_err rla_atomic_commit(rla_ctx ctx, rla_atomic_file *af)
{
  int bad;
  rla_err fault;
  RLA_CHECK(ctx, af->f, RLA_ERR_ARG, "%s: file is not open", af->path);
  bad = fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0;
  bad |= fclose(af->f) != 0;
  af->f = NULL;
  if (!bad && (fault = rla_fault_check(ctx, "write"))) {
    unlink(af->tmp);
    return rla_error_trace(ctx, fault, __func__, __FILE__, __LINE__);
  }
  if (bad || rename(af->tmp, af->path) != 0) {
    int e = errno;
    unlink(af->tmp);
    RLA_CHECK(ctx, 0, RLA_ERR_FILE, "%s: cannot write: %s", af->path, strerror(e));
  }
  return RLA_SUCCESS;
}

void rla_atomic_abort(rla_atomic_file *af)
{
  if (af->f) fclose(af->f);
  af->f = NULL;
  if (af->tmp[0]) unlink(af->tmp);
  af->tmp[0] = '\0';
}

rla_err rla_atomic_tmpname(rla_ctx ctx, const char *path, char *tmp, size_t len)
{
  rla_err err = RLA_SUCCESS;
  char name[RLA_PATH_MAX] = "";
  if (rla_ctx_rank(ctx) == 0) {
    int fd;
    err = make_tmp(ctx, path, name, sizeof(name), &fd);
    if (!err) close(fd);
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Bcast(name, RLA_PATH_MAX, MPI_CHAR, 0, rla_ctx_comm(ctx)));
  RLA_CHECK(ctx, strlen(name) < len, RLA_ERR_ARG, "temporary name too long for %s", path);
  strcpy(tmp, name);
  return RLA_SUCCESS;
}

rla_err rla_atomic_finish(rla_ctx ctx, const char *tmp, const char *path, rla_err local_err)
{
  rla_err err = rla_ctx_agree(ctx, local_err);
  if (err) {
    if (rla_ctx_rank(ctx) == 0) unlink(tmp);
    return err;
  }
  if (rla_ctx_rank(ctx) == 0 && rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__, "%s: cannot rename: %s",
                        path, strerror(e));
  }
  return rla_ctx_agree(ctx, err);
}

int rla_file_exists(const char *path)
{
  struct stat st;
  return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
