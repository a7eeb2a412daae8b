/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of the context, shared by src/base and src/dmat. */
#ifndef RLA_CTX_IMPL_H
#define RLA_CTX_IMPL_H

#include "alloc.h"
#include "rla/base.h"

#define RLA_MAX_GRIDS 4
#define RLA_MSG_LEN   2048

struct rla_blacs_grid {
  int ictxt; /* BLACS context handle */
  int nprow, npcol;
};

struct rla_ctx_s {
  MPI_Comm comm;
  int rank, size;
  int verbosity;
  int blacs_handle; /* system handle from Csys2blacs_handle, -1 until first grid */
  int ngrids;
  void (*grids_free)(struct rla_ctx_s *); /* set by src/dmat when it makes a grid */
  struct rla_blacs_grid grids[RLA_MAX_GRIDS];
  rla_err err_code;
  int err_rank;
  char err_msg[RLA_MSG_LEN];
  char err_trace[RLA_MSG_LEN];
  char err_full[2 * RLA_MSG_LEN + 2]; /* message and traceback, assembled on request */
  /* test-only fault injection from RLA_FAULT (see rla_fault_check) */
  int fault_set;        /* RLA_FAULT was given (on every rank: iterate points then agree) */
  int fault_bad;        /* it was malformed: every check fails and says so */
  int fault_rank;       /* the rank in MPI_COMM_WORLD that fails */
  int world_rank;       /* this process's rank in MPI_COMM_WORLD */
  char fault_point[16]; /* alloc, read, write or iterate */
  long long fault_n;    /* at this passage through the point (1 = the first) */
};

/* Passages through the fault point of RLA_FAULT so far on this rank (see rla_fault_check): with
   RLA_FAULT = "THIS_RANK:alloc:N" and N never reached, the allocations made in contexts created
   under it. For tests that show a solve allocates nothing. Local. */
long long rla_fault_passages(void);

/* Ask for transparent huge pages on the 2 MiB-aligned interior of [p, p + bytes) when it spans
   1 MiB or more; call it before the fresh pages of a calloc are first touched. For the local
   arrays of matrices, which the passes over A stream many times: with 4 KiB pages a row chunk
   of the fused least-squares pass takes a TLB miss for each of its column pieces (4 KiB of
   each column, 1 MiB apart at d = 1024). Advisory: without THP nothing changes. Not for
   short-lived work arrays, whose first huge-page faults may wait for the kernel to compact
   memory. Local. */
void rla_advise_huge(void *p, size_t bytes);

#endif
