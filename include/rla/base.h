/* SPDX-License-Identifier: BSD-3-Clause */
/* Core of librla: error codes, the context (communicator, verbosity, error record), allocation. */
#ifndef RLA_BASE_H
#define RLA_BASE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every fallible function returns an rla_err; 0 is success. */
typedef int rla_err;

enum {
  RLA_SUCCESS = 0,
  RLA_ERR_ARG = 1,         /* an invalid argument or parameter value */
  RLA_ERR_MEM = 2,         /* allocation failed */
  RLA_ERR_FILE = 3,        /* a file cannot be opened, read, written or renamed */
  RLA_ERR_FORMAT = 4,      /* a file is malformed (bad header, truncated, wrong dtype) */
  RLA_ERR_VALUE = 5,       /* NaN or Inf in the input */
  RLA_ERR_SHAPE = 6,       /* dimensions that do not fit together */
  RLA_ERR_MPI = 7,         /* an MPI call failed */
  RLA_ERR_LIB = 8,         /* LAPACK, ScaLAPACK or FFTW reported a failure */
  RLA_ERR_UNSUPPORTED = 9, /* a valid request that this build or method does not support */
  RLA_ERR_NUMERIC = 10,    /* breakdown: singular matrix, no convergence */
  RLA_ERR_INTERNAL = 11    /* a broken invariant: a bug in rla */
};

/* Short name of an error code ("invalid argument", "malformed file", ...). Local. */
const char *rla_err_name(rla_err code);

/* The context: a duplicated communicator, verbosity, and the record of the last error.
   Every distributed object belongs to one context. */
typedef struct rla_ctx_s *rla_ctx;

/* Create a context over a duplicate of comm. Collective on comm. */
rla_err rla_ctx_create(MPI_Comm comm, rla_ctx *ctx);
/* Destroy a context and the BLACS grids it made; accepts NULL, sets *ctx = NULL. Collective. */
rla_err rla_ctx_destroy(rla_ctx *ctx);

MPI_Comm rla_ctx_comm(rla_ctx ctx); /* Local. */
int rla_ctx_rank(rla_ctx ctx);      /* Local. */
int rla_ctx_size(rla_ctx ctx);      /* Local. */
/* Verbosity: 0 quiet, 1 progress on stderr from rank 0 (default), 2 adds error tracebacks. */
void rla_ctx_set_verbosity(rla_ctx ctx, int verbosity); /* Local; give every rank the same. */
int rla_ctx_verbosity(rla_ctx ctx);                     /* Local. */

/* Collective agreement on failure. Every rank passes its local result; all ranks return the
   same code: the one of the lowest-numbered failing rank, or 0 when no rank failed. Ranks that
   did not fail receive that rank's message, so any rank can report it. Collective. */
rla_err rla_ctx_agree(rla_ctx ctx, rla_err err);

/* The last error message recorded on this rank ("" when none); with verbosity >= 2 it carries
   the traceback. Local. */
const char *rla_ctx_error_message(rla_ctx ctx);
/* Rank where the last agreed error started (-1 when none or not agreed). Local. */
int rla_ctx_error_rank(rla_ctx ctx);
void rla_ctx_error_clear(rla_ctx ctx); /* Local. */

/* Record an error: code, where, and a printf-style message telling the user what to fix.
   Returns code. Local; ctx may be NULL (the message is then lost). */
rla_err rla_error_set(rla_ctx ctx, rla_err code, const char *func, const char *file, int line,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/* Append a traceback frame to the recorded error. Returns code. Local. */
rla_err rla_error_trace(rla_ctx ctx, rla_err code, const char *func, const char *file, int line);

/* Fail with a message when cond is false. */
#define RLA_CHECK(ctx, cond, code, ...)                                                            \
  do {                                                                                             \
    if (!(cond)) return rla_error_set((ctx), (code), __func__, __FILE__, __LINE__, __VA_ARGS__);   \
  } while (0)
/* Propagate a failure from a call, recording where it passed. */
#define RLA_CALL(ctx, expr)                                                                        \
  do {                                                                                             \
    rla_err rla_call_err_ = (expr);                                                                \
    if (rla_call_err_) return rla_error_trace((ctx), rla_call_err_, __func__, __FILE__, __LINE__); \
  } while (0)
/* Propagate a failure by jumping to a cleanup label with err set. */
#define RLA_CALL_GOTO(ctx, err, label, expr)                                                       \
  do {                                                                                             \
    (err) = (expr);                                                                                \
    if (err) {                                                                                     \
      rla_error_trace((ctx), (err), __func__, __FILE__, __LINE__);                                 \
      goto label;                                                                                  \
    }                                                                                              \
  } while (0)
#define RLA_CHECK_GOTO(ctx, err, label, cond, code, ...)                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      (err) = rla_error_set((ctx), (code), __func__, __FILE__, __LINE__, __VA_ARGS__);             \
      goto label;                                                                                  \
    }                                                                                              \
  } while (0)
/* Check an MPI return code. */
#define RLA_MPI(ctx, expr)                                                                         \
  do {                                                                                             \
    int rla_mpi_rc_ = (expr);                                                                      \
    if (rla_mpi_rc_ != MPI_SUCCESS)                                                                \
      return rla_error_set((ctx), RLA_ERR_MPI, __func__, __FILE__, __LINE__,                       \
                           "%s failed (MPI error %d)", #expr, rla_mpi_rc_);                        \
  } while (0)

/* Allocate count elements of size bytes, zeroed; a zero count gives a valid unique pointer.
   Fails with RLA_ERR_MEM and a message giving the size. Local. */
rla_err rla_calloc(rla_ctx ctx, size_t count, size_t size, void *ptr);
/* Free memory from rla_calloc and set the pointer to NULL; accepts NULL. Local. */
void rla_free(void *ptr);

/* Fault injection for tests (the environment variable RLA_FAULT): see src/base/fault.h. */

/* Progress line on stderr from rank 0 when verbosity >= 1. Local (prints on rank 0 only). */
void rla_ctx_progress(rla_ctx ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Wall-clock seconds (MPI_Wtime). Local. */
double rla_wtime(void);

/* Machine epsilon of double (2^-52). */
#define RLA_EPS 2.220446049250313e-16

#ifdef __cplusplus
}
#endif
#endif
