/* SPDX-License-Identifier: BSD-3-Clause */
/* The context: communicator, verbosity, error record and collective agreement on failure. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ctx_impl.h"
#include "fault.h"

const char *rla_err_name(rla_err code)
{
  switch (code) {
  case RLA_SUCCESS: return "success";
  case RLA_ERR_ARG: return "invalid argument";
  case RLA_ERR_MEM: return "out of memory";
  case RLA_ERR_FILE: return "file error";
  case RLA_ERR_FORMAT: return "malformed file";
  case RLA_ERR_VALUE: return "non-finite value";
  case RLA_ERR_SHAPE: return "shape mismatch";
  case RLA_ERR_MPI: return "MPI failure";
  case RLA_ERR_LIB: return "library failure";
  case RLA_ERR_UNSUPPORTED: return "unsupported";
  case RLA_ERR_NUMERIC: return "numerical breakdown";
  case RLA_ERR_INTERNAL: return "internal error";
  default: return "unknown error";
  }
}

/* passages of the fault point so far on this rank, over all contexts (a context over
   MPI_COMM_SELF or a batch group counts with the others: N is the N-th passage of the process) */
static long long fault_seen;

/* RLA_FAULT = "RANK:POINT[:N]" (see rla_fault_check) */
static void fault_parse(struct rla_ctx_s *c, const char *spec)
{
  static const char *const points[] = {"alloc", "read", "write", "iterate"};
  char point[sizeof(c->fault_point)] = "";
  long long rank = -1, n = 1;
  int used = 0, ok = 0;

  if (!spec || !*spec) return;
  c->fault_set = 1;
  if (sscanf(spec, "%lld:%15[a-z]%n", &rank, point, &used) == 2 &&
      (spec[used] == '\0' || (sscanf(spec + used, ":%lld%n", &n, &used) == 1 && n >= 1)))
    for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++)
      ok |= !strcmp(point, points[i]);
  if (!ok || rank < 0 || strlen(spec) > 64) {
    c->fault_bad = 1;
    return;
  }
  c->fault_rank = (int)rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &c->world_rank);
  strcpy(c->fault_point, point);
  c->fault_n = n;
}

rla_err rla_ctx_create(MPI_Comm comm, rla_ctx *ctx)
{
  int initialized = 0;
  struct rla_ctx_s *c;

  if (!ctx) return RLA_ERR_ARG;
  *ctx = NULL;
  MPI_Initialized(&initialized);
  if (!initialized) return RLA_ERR_MPI;
  /* no context yet: no fault injection, no error record */
  if (rla_calloc(NULL, 1, sizeof(*c), &c)) return RLA_ERR_MEM;
  if (MPI_Comm_dup(comm, &c->comm) != MPI_SUCCESS) {
    rla_free(&c);
    return RLA_ERR_MPI;
  }
  MPI_Comm_rank(c->comm, &c->rank);
  MPI_Comm_size(c->comm, &c->size);
  c->verbosity = 1;
  c->blacs_handle = -1;
  c->err_rank = -1;
  fault_parse(c, getenv("RLA_FAULT"));
  *ctx = c;
  return RLA_SUCCESS;
}

rla_err rla_ctx_destroy(rla_ctx *ctx)
{
  if (!ctx || !*ctx) return RLA_SUCCESS;
  if ((*ctx)->grids_free) (*ctx)->grids_free(*ctx);
  MPI_Comm_free(&(*ctx)->comm);
  rla_free(ctx);
  return RLA_SUCCESS;
}

MPI_Comm rla_ctx_comm(rla_ctx ctx) { return ctx->comm; }
int rla_ctx_rank(rla_ctx ctx) { return ctx->rank; }
int rla_ctx_size(rla_ctx ctx) { return ctx->size; }
void rla_ctx_set_verbosity(rla_ctx ctx, int verbosity) { ctx->verbosity = verbosity; }
int rla_ctx_verbosity(rla_ctx ctx) { return ctx->verbosity; }

const char *rla_ctx_error_message(rla_ctx ctx)
{
  if (!ctx) return "";
  if (ctx->verbosity < 2 || !ctx->err_trace[0]) return ctx->err_msg;
  snprintf(ctx->err_full, sizeof(ctx->err_full), "%s\n%s", ctx->err_msg, ctx->err_trace);
  return ctx->err_full;
}

int rla_ctx_error_rank(rla_ctx ctx) { return ctx ? ctx->err_rank : -1; }

void rla_ctx_error_clear(rla_ctx ctx)
{
  if (!ctx) return;
  ctx->err_code = RLA_SUCCESS;
  ctx->err_rank = -1;
  ctx->err_msg[0] = ctx->err_trace[0] = '\0';
}

rla_err rla_error_set(rla_ctx ctx, rla_err code, const char *func, const char *file, int line,
                      const char *fmt, ...)
{
  va_list ap;
  if (!ctx) return code;
  ctx->err_code = code;
  ctx->err_rank = ctx->rank;
  va_start(ap, fmt);
  vsnprintf(ctx->err_msg, sizeof(ctx->err_msg), fmt, ap);
  va_end(ap);
  snprintf(ctx->err_trace, sizeof(ctx->err_trace), "  [rank %d] %s (%s:%d)", ctx->rank, func, file,
           line);
  return code;
}

rla_err rla_error_trace(rla_ctx ctx, rla_err code, const char *func, const char *file, int line)
{
  size_t len;
  if (!ctx) return code;
  if (!ctx->err_msg[0]) {
    /* an error that carried no message (for example from a library return code) */
    ctx->err_code = code;
    ctx->err_rank = ctx->rank;
    snprintf(ctx->err_msg, sizeof(ctx->err_msg), "%s in %s", rla_err_name(code), func);
  }
  len = strlen(ctx->err_trace);
  if (len + 1 < sizeof(ctx->err_trace))
    snprintf(ctx->err_trace + len, sizeof(ctx->err_trace) - len, "\n  [rank %d] %s (%s:%d)",
             ctx->rank, func, file, line);
  return code;
}

rla_err rla_ctx_agree(rla_ctx ctx, rla_err err)
{
  int in[2], out[2];
  int first;

  /* MINLOC over (failed ? 0 : 1, rank) picks the lowest failing rank */
  in[0] = err ? 0 : 1;
  in[1] = ctx->rank;
  if (MPI_Allreduce(in, out, 1, MPI_2INT, MPI_MINLOC, ctx->comm) != MPI_SUCCESS) return RLA_ERR_MPI;
  if (out[0] == 1) return RLA_SUCCESS;
  first = out[1];
  {
    int code = err;
    char msg[RLA_MSG_LEN];
    if (ctx->rank == first) memcpy(msg, ctx->err_msg, sizeof(msg));
    MPI_Bcast(&code, 1, MPI_INT, first, ctx->comm);
    MPI_Bcast(msg, RLA_MSG_LEN, MPI_CHAR, first, ctx->comm);
    msg[RLA_MSG_LEN - 1] = '\0';
    if (ctx->rank != first) {
      ctx->err_code = code;
      memcpy(ctx->err_msg, msg, sizeof(msg));
      snprintf(ctx->err_trace, sizeof(ctx->err_trace), "  (error raised on rank %d)", first);
    }
    ctx->err_rank = first;
    return code;
  }
}

rla_err rla_fault_check(rla_ctx ctx, const char *point)
{
  if (!ctx || !ctx->fault_set) return RLA_SUCCESS;
  if (ctx->fault_bad)
    return rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                         "RLA_FAULT is malformed: give RANK:POINT[:N] with POINT one of alloc, "
                         "read, write, iterate and N >= 1");
  if (ctx->world_rank != ctx->fault_rank || strcmp(point, ctx->fault_point)) return RLA_SUCCESS;
  if (++fault_seen != ctx->fault_n) return RLA_SUCCESS;
  return rla_error_set(ctx,
                       !strcmp(point, "alloc")     ? RLA_ERR_MEM
                       : !strcmp(point, "iterate") ? RLA_ERR_NUMERIC
                                                   : RLA_ERR_FILE,
                       __func__, __FILE__, __LINE__,
                       "injected fault at %s on rank %d (passage %lld)", point, ctx->world_rank,
                       ctx->fault_n);
}

long long rla_fault_passages(void) { return fault_seen; }

rla_err rla_fault_agree(rla_ctx ctx, const char *point)
{
  if (!ctx || !ctx->fault_set) return RLA_SUCCESS;
  return rla_ctx_agree(ctx, rla_fault_check(ctx, point));
}

#define HUGE_MIN   ((size_t)1 << 20)
#define HUGE_ALIGN ((uintptr_t)2 << 20)
void rla_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
  uintptr_t lo = ((uintptr_t)p + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1);
  uintptr_t hi = ((uintptr_t)p + bytes) & ~(HUGE_ALIGN - 1);
  if (bytes >= HUGE_MIN && hi > lo) (void)madvise((void *)lo, (size_t)(hi - lo), MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

/* What every allocation checks first: the injected fault, and count x size within size_t. */
static rla_err alloc_check(rla_ctx ctx, size_t count, size_t size)
{
  rla_err fault = rla_fault_check(ctx, "alloc");
  if (fault) return fault;
  if (size && count > SIZE_MAX / size)
    return rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__,
                         "allocation of %zu x %zu bytes overflows size_t", count, size);
  return RLA_SUCCESS;
}

rla_err rla_calloc(rla_ctx ctx, size_t count, size_t size, void *ptr)
{
  void *p;
  RLA_CALL(ctx, alloc_check(ctx, count, size));
  p = calloc(count ? count : 1, size ? size : 1);
  if (!p)
    return rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__,
                         "out of memory allocating %.3g MiB", (double)count * size / 1048576.0);
  *(void **)ptr = p;
  return RLA_SUCCESS;
}

rla_err rla_calloc_matrix(rla_ctx ctx, size_t count, size_t size, void *ptr)
{
  void *p = NULL;
  size_t bytes;
  RLA_CALL(ctx, alloc_check(ctx, count, size));
  bytes = count && size ? count * size : 1;
  /* from 1 MiB on, whole huge pages: the size rounded up to a multiple of 2 MiB when that adds
     at most a quarter (a 1.7 MiB work array takes one huge page, a 1.1 MiB one does not) */
  if (bytes >= HUGE_MIN && bytes <= SIZE_MAX - HUGE_ALIGN) {
    size_t up = (bytes + HUGE_ALIGN - 1) & ~(size_t)(HUGE_ALIGN - 1);
    if (up - bytes <= bytes / 4) bytes = up;
  }
  if (posix_memalign(&p, bytes >= HUGE_MIN ? (size_t)HUGE_ALIGN : 64, bytes) != 0 || !p)
    return rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__,
                         "out of memory allocating %.3g MiB", (double)bytes / 1048576.0);
  rla_advise_huge(p, bytes);
  memset(p, 0, bytes);
  *(void **)ptr = p;
  return RLA_SUCCESS;
}

void rla_free(void *ptr)
{
  void **p = ptr;
  if (!p) return;
  free(*p);
  *p = NULL;
}

/* The line and its newline in one write where it fits: stdout and stderr reach a launcher
   through separate pipes, and a line written in two pieces can be split by the other stream's
   output where the launcher merges them (a job's log). */
void rla_ctx_progress(rla_ctx ctx, const char *fmt, ...)
{
  char line[1024];
  va_list ap;
  int n;
  if (!ctx || ctx->rank != 0 || ctx->verbosity < 1) return;
  va_start(ap, fmt);
  n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof(line) - 1) {
    line[n] = '\n';
    fwrite(line, 1, (size_t)n + 1, stderr);
  } else {
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
  }
  fflush(stderr);
}

double rla_wtime(void) { return MPI_Wtime(); }
