/* SPDX-License-Identifier: BSD-3-Clause */
/* Atomic output files: write a temporary file beside the target, then rename it over the
   target, so a reader (or a rerun after a crash) sees the old file or the new one, never half. */
#ifndef RLA_FILE_H
#define RLA_FILE_H

#include <stdio.h>

#include "rla/base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A run killed while writing (SIGKILL, a node failure) leaves its temporary files
   ".NAME.tmp.XXXXXX" (and "..NAME.tmp.XXXXXX.tmp.YYYYYY" when a writer was given a temporary
   name, and either with ".locktest.N" appended, the file MPI-IO makes for a moment when it
   opens one) beside the target, never a partial target. The next atomic write of the same
   target removes them before making its own, so a rerun cleans up after the killed one;
   two runs must therefore not write the same target at the same time (one of them would lose
   its temporary file and fail when renaming it). */
#define RLA_PATH_MAX 4096

typedef struct {
  char path[RLA_PATH_MAX]; /* the target */
  char tmp[RLA_PATH_MAX];  /* the temporary file, ".NAME.tmp.XXXXXX" in the same directory */
  FILE *f;                 /* open for writing until commit or abort */
} rla_atomic_file;

/* Create the temporary file for path and open it. Local. */
rla_err rla_atomic_open(rla_ctx ctx, const char *path, rla_atomic_file *af);
/* Flush, sync and close the temporary file and rename it to the target. Local. On failure the
   temporary file is removed and the target is unchanged. */
rla_err rla_atomic_commit(rla_ctx ctx, rla_atomic_file *af);
/* Close and remove the temporary file; the target is unchanged. Local; accepts a closed af. */
void rla_atomic_abort(rla_atomic_file *af);

/* Collective variants for files written by all ranks (MPI-IO): rank 0 creates an empty
   temporary file and every rank receives its name. Collective. */
rla_err rla_atomic_tmpname(rla_ctx ctx, const char *path, char *tmp, size_t len);
/* After every rank has written tmp: rank 0 renames it to path (or removes it when ok is 0 on
   any rank). Returns the agreed error. Collective. */
rla_err rla_atomic_finish(rla_ctx ctx, const char *tmp, const char *path, rla_err local_err);

/* Does path name an existing regular file? Local. */
int rla_file_exists(const char *path);

#ifdef __cplusplus
}
#endif
#endif
