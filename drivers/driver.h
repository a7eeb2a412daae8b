/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the rla drivers: MPI start and end, the context, an environment check,
   option parsing with --help and --verbose, one-line error messages, and sets of output files
   committed together. A driver's main reads:

     rla_ctx ctx;
     if (rla_driver_init(&argc, &argv, &ctx)) return 1;
     ... rla_options_create(ctx, specs, n, &opts) (specs end with RLA_DRIVER_COMMON_OPTIONS);
     if (rla_driver_parse(ctx, PROG, opts, argc, argv, &code)) goto end;
     (or rla_driver_parse_objects when library objects read options of their own)
     ... on any agreed failure: code = rla_driver_fail(ctx, PROG); goto end;
   end:
     return rla_driver_finalize(&ctx, code);
*/
#ifndef RLA_DRIVER_H
#define RLA_DRIVER_H

#include "rla/rla.h"

/* Options every driver accepts: put them at the end of its spec table (the single entries are
   for tables that wrap specs in a larger struct). */
#define RLA_DRIVER_OPTION_VERBOSE                                                                  \
  {                                                                                                \
    "verbose", "v", RLA_OPT_INT, "1", NULL, 0, 2,                                                  \
        "0 quiet, 1 progress on stderr, 2 adds error tracebacks"                                   \
  }
#define RLA_DRIVER_OPTION_REPORT                                                                   \
  {                                                                                                \
    "report", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0, "write a JSON report to this file"           \
  }
#define RLA_DRIVER_COMMON_OPTIONS RLA_DRIVER_OPTION_VERBOSE, RLA_DRIVER_OPTION_REPORT

/* MPI_Init, then a context over MPI_COMM_WORLD. Environment check: when several ranks share a
   node and neither OPENBLAS_NUM_THREADS nor OMP_NUM_THREADS is set, OpenBLAS is limited to one
   thread per rank (otherwise every rank would start one thread per core); rla_driver_parse
   reports that at verbosity 2. Returns 0, or 1 after printing why on stderr (MPI finalized,
   *ctx NULL). Collective on MPI_COMM_WORLD. */
int rla_driver_init(int *argc, char ***argv, rla_ctx *ctx);

/* Destroy the context, finalize MPI, and return code (for "return rla_driver_finalize(...)").
   Collective. */
int rla_driver_finalize(rla_ctx *ctx, int code);

/* 1 when argv holds -h or --help. Local. */
int rla_driver_wants_help(int argc, char **argv);

/* Parse the options (collective: rank 0 parses, every rank receives). With --help: usage on
   stdout from rank 0, *exit_code = 0. On a bad option: the message once on rank 0, *exit_code =
   1. Otherwise sets the context's verbosity from --verbose and, when that is >= 1, echoes the
   parameters on stdout from rank 0. Returns 1 when the driver must stop now with *exit_code, 0
   to go on. Collective. */
int rla_driver_parse(rla_ctx ctx, const char *prog, rla_options opts, int argc, char **argv,
                     int *exit_code);

/* The options of the library objects a driver's job makes: create them in ctx with their
   defaults, call their set_from_options on opts (which records the values used), destroy them.
   Local (every rank holds the same options). */
typedef rla_err (*rla_driver_objects_fn)(rla_ctx ctx, rla_options opts);

/* rla_driver_parse for a driver whose objects read options of their own: keys outside the
   specs are kept (rla_options_keep_unknown), objects(ctx, opts) reads them, and a key that none
   read is then an error naming it (and the deck file and line). --help lists the specs and the
   objects' options with the objects' defaults; the echo lists both with the values used.
   objects may be NULL (then as rla_driver_parse). Collective. */
int rla_driver_parse_objects(rla_ctx ctx, const char *prog, rla_options opts,
                             rla_driver_objects_fn objects, int argc, char **argv, int *exit_code);

/* Print "PROG: error: MESSAGE" once, on rank 0, with the context's recorded error (agreed
   across ranks by the library, so rank 0 holds it; the traceback too at verbosity 2), and
   return the exit code 1. Local: no communication, so it cannot hang. */
int rla_driver_fail(rla_ctx ctx, const char *prog);

/* Outputs committed together: each output is written under a temporary name beside its target
   (created by rank 0 when the output is added, so an unwritable directory, or a target that
   is a directory, fails before any work); commit renames them all onto their targets; destroy
   removes what was not committed. A failed run thus leaves no new or partial file behind.
   Datasets of an HDF5 file ("FILE.h5:/NAME") are written into one staged copy of FILE (a new
   file, or a copy of the existing one with its other datasets), renamed onto FILE by commit. */
typedef struct rla_driver_outputs_s *rla_driver_outputs;

/* Local. */
rla_err rla_driver_outputs_create(rla_ctx ctx, rla_driver_outputs *out);
/* Add the target path and return in *tmp (owned by out) the name to write instead (an HDF5
   dataset's: in the staged copy of its file). Fails with RLA_ERR_ARG when path is already in the
   set. Collective. */
rla_err rla_driver_outputs_add(rla_driver_outputs out, const char *path, const char **tmp);
/* As rla_driver_outputs_add for a whole file, also an HDF5 one (written anew: its staged copy
   starts empty); tmp may be NULL. Collective. */
rla_err rla_driver_outputs_add_file(rla_driver_outputs out, const char *path, const char **tmp);
/* The output named by option `name` of opts, staged in out: *path is the target, *tmp the name
   to write, *fmt its format (fmt_override, or from the extension when that is RLA_FORMAT_AUTO).
   Without the option: *path = *tmp = NULL, or RLA_ERR_ARG when required. An unknown extension is
   RLA_ERR_ARG. Collective. */
rla_err rla_driver_outputs_add_option(rla_driver_outputs out, rla_options opts, const char *name,
                                      int required, rla_format fmt_override, const char **path,
                                      const char **tmp, rla_format *fmt);
/* Rename every temporary file onto its target (rank 0). Collective. */
rla_err rla_driver_outputs_commit(rla_driver_outputs out);
/* Remove the temporary files not committed (rank 0) and free the set; accepts NULL, sets *out
   to NULL. Local: no communication. */
void rla_driver_outputs_destroy(rla_driver_outputs *out);

/* How a driver reads the matrix file path, whose header rla_io_probe read into probe: *dense = 1
   when a sparse file (Matrix Market coordinate, PETSc AIJ: probe->sparse) is to be read into a
   dense matrix all the same: the flag option "dense" of opts is set (--dense), or the file
   stores more than a quarter of its m n entries (then a progress line from prog says so). The
   sparse path is probe->sparse && !*dense; a driver may still choose dense for reasons of its
   own. Collective. */
rla_err rla_driver_matrix_path(rla_ctx ctx, const char *prog, rla_options opts, const char *path,
                               const rla_io_probe_info *probe, int *dense);

/* Peak resident memory (VmHWM) of every rank into the report: "peak_memory_bytes_per_rank"
   (one entry per rank, on rank 0) and "peak_memory_bytes" (their maximum). Collective. */
rla_err rla_driver_report_memory(rla_ctx ctx, rla_report rep);

/* What a single-job driver's own work sees: the parsed options, the report (written to --report
   after the work succeeds) and the output set (committed after the report). */
typedef struct {
  rla_ctx ctx;
  rla_options opts;
  rla_report rep;
  rla_driver_outputs outs;
  double t0; /* rla_wtime() at the start */
} rla_driver_job;

/* One run of body on job (ctx, opts, rep, outs and t0 set by the caller): "program" in the
   report, body(job, data), the times and peak memory, the report written to rpath (staged in
   job->outs; not written when rpath is NULL), the outputs committed. *failures is the number of
   FAILED checks. Returns the agreed error. Collective on job->ctx. */
rla_err rla_driver_job_run(rla_driver_job *job, const char *prog, const char *rpath,
                           rla_err (*body)(rla_driver_job *job, void *data), void *data,
                           int *failures);

/* The whole life of a single-job driver: MPI and context, options (specs must end with
   RLA_DRIVER_COMMON_OPTIONS), --help, the parameters echoed, the report file staged as an
   output, body(job, data) (it frees what it allocates), the report written, the outputs
   committed, a summary line on stderr, MPI finalized. Returns the exit code: 0 when every
   check passed, 1 after a failure (one message on rank 0) or a FAILED check; the same on
   every rank. Collective on MPI_COMM_WORLD. */
int rla_driver_main(int argc, char **argv, const char *prog, const rla_option_spec *specs,
                    int nspecs, rla_err (*body)(rla_driver_job *job, void *data), void *data);

#endif
