/* SPDX-License-Identifier: BSD-3-Clause */
/* Fault injection for the tests: where the library checks RLA_FAULT. Internal. */
#ifndef RLA_FAULT_H
#define RLA_FAULT_H

#include "rla/base.h"

/* When the environment variable RLA_FAULT = "RANK:POINT[:N]" is set
   at context creation (give every rank the same value), the process of rank RANK in
   MPI_COMM_WORLD fails at its N-th passage (default 1; counted over all the contexts of the
   process) through POINT: alloc (rla_calloc), read and write (the chunks of the MPI-IO
   transfers, and write also the commit of a file written by one rank) or iterate (one step of
   an iterative method). The injected error (RLA_ERR_MEM for alloc, RLA_ERR_FILE for read and
   write, RLA_ERR_NUMERIC for iterate) carries the message "injected fault at POINT on rank RANK
   (passage N)". A malformed RLA_FAULT makes every check fail on every rank with a message saying
   so. Without RLA_FAULT both functions return 0 and cost one test. */
/* The injected error at this passage through point, or 0. Local. */
rla_err rla_fault_check(rla_ctx ctx, const char *point);
/* rla_fault_check, then rla_ctx_agree over every rank when RLA_FAULT is set; 0 without any
   communication when it is not. For points where a normal run has no local failure to agree on
   (the steps of iterations). Collective when RLA_FAULT is set. */
rla_err rla_fault_agree(rla_ctx ctx, const char *point);

#endif
