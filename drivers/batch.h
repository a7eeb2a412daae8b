/* SPDX-License-Identifier: BSD-3-Clause */
/* Batch mode of the drivers: a manifest of inputs run by groups of ranks that take entries from
   a shared queue, each entry's outputs written to its own directory atomically, and a summary.

     mpirun -np P PROG --manifest M --output-dir D [--group-size G] [--entry I] [options]

   One manifest line per entry (blank lines and '#' lines are ignored): the input paths, separated
   by white space, relative to the manifest's directory. Entry I (1-based) with stem s (the
   basename of its first input without the extension) is written as D/.s.tmp.XXXXXX/ and renamed
   onto D/s/ when complete, so D/s/report.json exists iff that entry completed; a rerun skips
   those entries and removes the leftover temporary directories of the entries it runs. The
   ranks split into groups of G consecutive ranks (the last group holds the remainder when G does
   not divide P); a group takes the next entry from a counter on world rank 0 (MPI_Fetch_and_op,
   passive target) and runs it on its own communicator. A failed entry is recorded with its
   message and the batch goes on. World rank 0 prints the progress on stderr and writes
   D/summary.json (with --entry I: D/summary-I.json, so that the tasks of a job array do not
   overwrite one another's summaries). */
#ifndef RLA_DRIVER_BATCH_H
#define RLA_DRIVER_BATCH_H

#include "driver.h"

/* The batch options: put them in a batch-capable driver's spec table, before
   RLA_DRIVER_COMMON_OPTIONS. */
#define RLA_DRIVER_OPTION_MANIFEST                                                                 \
  {                                                                                                \
    "manifest", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,                                            \
        "batch: a file listing one input a line (paths relative to the manifest's directory)"      \
  }
#define RLA_DRIVER_OPTION_OUTPUT_DIR                                                               \
  {                                                                                                \
    "output-dir", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,                                          \
        "batch: entry with stem s writes DIR/s/ (report.json and outputs) and DIR/summary.json"    \
  }
#define RLA_DRIVER_OPTION_GROUP_SIZE                                                               \
  {                                                                                                \
    "group-size", NULL, RLA_OPT_INT, "1", NULL, 1, 2147483647.0,                                   \
        "batch: ranks per group; each group runs one entry at a time"                              \
  }
#define RLA_DRIVER_OPTION_ENTRY                                                                    \
  {                                                                                                \
    "entry", NULL, RLA_OPT_INT, NULL, NULL, 1, 2147483647.0,                                       \
        "batch: run only this entry (1-based, counting entries), e.g. a job array's task id"       \
  }
#define RLA_DRIVER_BATCH_OPTIONS                                                                   \
  RLA_DRIVER_OPTION_MANIFEST, RLA_DRIVER_OPTION_OUTPUT_DIR, RLA_DRIVER_OPTION_GROUP_SIZE,          \
      RLA_DRIVER_OPTION_ENTRY

/* An output of one entry: in batch mode the option's value (or def when it is not given) is a
   file or directory name inside the entry's directory. */
typedef struct {
  const char *option;
  const char *def; /* written by default under this name, or NULL: only when the option is given */
} rla_driver_batch_output;

/* What a driver's batch mode needs to know. */
typedef struct {
  int ninputs;           /* fields of a manifest line */
  const char *inputs[2]; /* the options set from the fields, in order */
  const char *line;      /* what a line holds, for messages: "A.npy", "A.npy b.npy" */
  int noutputs;
  rla_driver_batch_output outputs[4];
} rla_driver_batch;

/* rla_driver_main (driver.h) for a driver with a batch mode: with --manifest the run is
   rla_driver_batch_run, otherwise a single job as rla_driver_main (and the batch-only options
   are rejected). Collective on MPI_COMM_WORLD. */
int rla_driver_main_batch(int argc, char **argv, const char *prog, const rla_option_spec *specs,
                          int nspecs, const rla_driver_batch *batch,
                          rla_err (*body)(rla_driver_job *job, void *data), void *data);

/* What a driver is: its name, its own options, the options of its library objects (objects,
   may be NULL), its batch mode (batch, may be NULL) and its job. */
typedef struct {
  const char *prog;
  const rla_option_spec *specs; /* ending with RLA_DRIVER_COMMON_OPTIONS */
  int nspecs;
  rla_driver_objects_fn objects;
  const rla_driver_batch *batch;
  rla_err (*body)(rla_driver_job *job, void *data);
  void *data;
} rla_driver_def;

/* rla_driver_main_batch for the driver def, its options parsed by rla_driver_parse_objects (so
   its objects' options are read, checked and echoed before any work). Returns the exit code,
   the same on every rank. Collective on MPI_COMM_WORLD. */
int rla_driver_run(const rla_driver_def *def, int argc, char **argv);

/* rla_driver_run after rla_driver_init: for a driver that reads something of its own from the
   arguments first (argc/argv as left by rla_driver_init and that driver). Takes *ctx over (sets
   it to NULL): destroys it and finalizes MPI. Collective on *ctx. */
int rla_driver_run_ctx(rla_ctx *ctx, const rla_driver_def *def, int argc, char **argv);

/* Run the batch described by the options --manifest, --output-dir, --group-size and --entry of
   opts (parsed on ctx, over MPI_COMM_WORLD): every entry runs body through rla_driver_job_run on
   a context over its group's communicator, with its own options parsed from argc/argv and the
   inputs and outputs of desc set from the manifest. Returns the exit code, the same on every
   rank: 0 when every entry is done or skipped, 1 when any failed or when the batch could not
   start (one message on rank 0). Collective on MPI_COMM_WORLD. */
int rla_driver_batch_run(rla_ctx ctx, const char *prog, rla_options opts, int argc, char **argv,
                         const rla_option_spec *specs, int nspecs, const rla_driver_batch *desc,
                         rla_err (*body)(rla_driver_job *job, void *data), void *data);

#endif
