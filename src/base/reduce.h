/* SPDX-License-Identifier: BSD-3-Clause */
/* Sums of doubles over the ranks of a context for any count: allreduce, sum to rank 0 then
   broadcast (bitwise the same on every rank), and the ring reduce-scatter of row blocks.
   Internal. */
#ifndef RLA_REDUCE_H
#define RLA_REDUCE_H

#include <stdint.h>

#include "rla/base.h"

/* Doubles per MPI call of these helpers (2 GiB): MPI counts are ints, so a longer buffer goes
   in consecutive pieces of this many, each one call. The piece boundaries depend on the count
   only, so every rank makes the same calls. */
#define RLA_REDUCE_CHUNK ((int64_t)1 << 28)

/* In-place sum of buf (n doubles) over the ranks (MPI_Allreduce, MPI_SUM) in pieces of
   RLA_REDUCE_CHUNK. Every rank receives the sum, but MPI does not promise bitwise the same value
   on every rank: use rla_reduce_sum_replicated for values that steer decisions. n = 0 or one
   rank: nothing to do. Errors: RLA_ERR_MPI. Collective. */
rla_err rla_reduce_sum(rla_ctx ctx, double *buf, int64_t n);

/* Sum of buf (n doubles) over the ranks into buf on rank 0 (MPI_Reduce; the other ranks' buf is
   left as it was), in pieces of RLA_REDUCE_CHUNK. Errors: RLA_ERR_MPI. Collective. */
rla_err rla_reduce_sum_root(rla_ctx ctx, double *buf, int64_t n);

/* Broadcast buf (n doubles) from rank 0 in pieces of RLA_REDUCE_CHUNK. Errors: RLA_ERR_MPI.
   Collective. */
rla_err rla_reduce_bcast(rla_ctx ctx, double *buf, int64_t n);

/* rla_reduce_sum_root, then rla_reduce_bcast: every rank gets bitwise the same sum, for values
   that steer decisions (all ranks must take the same branch). Errors: RLA_ERR_MPI.
   Collective. */
rla_err rla_reduce_sum_replicated(rla_ctx ctx, double *buf, int64_t n);

/* The helpers above with the piece length as a parameter (1 <= chunk <= INT_MAX), so that the
   splitting can be tested on small buffers. Collective. */
rla_err rla_reduce_sum_chunked(rla_ctx ctx, double *buf, int64_t n, int64_t chunk);
rla_err rla_reduce_sum_root_chunked(rla_ctx ctx, double *buf, int64_t n, int64_t chunk);
rla_err rla_reduce_bcast_chunked(rla_ctx ctx, double *buf, int64_t n, int64_t chunk);

/* Reduce-scatter by rows of the l x c column-major matrix w (leading dimension l) whose parts
   the ranks hold: afterwards rank p's rows row0[p] .. row0[p] + rows[p] - 1 of w hold the sum
   over the ranks (rows[p] = 0: none; the blocks must not overlap; row0 and rows have one entry
   per rank and are the same on every rank). The other rows of w are left partial. A ring, so
   the sum of block q is taken in the order of the ranks from q + 1 on, wrapping round to q, on
   any number of ranks (see reduce.c). Errors: RLA_ERR_MEM, RLA_ERR_UNSUPPORTED (a block column
   longer than INT_MAX), RLA_ERR_MPI. work: rla_reduce_scatter_rows_work(P, rows) doubles, or
   NULL to allocate them (agreed over the ranks). Collective. */
rla_err rla_reduce_scatter_rows(rla_ctx ctx, double *w, int64_t l, int64_t c, const int64_t *row0,
                                const int64_t *rows, double *work);
/* Doubles of work of rla_reduce_scatter_rows on P ranks when no block has more than nmax rows.
   Local. */
int64_t rla_reduce_scatter_rows_work(int P, int64_t nmax);

/* A row split agreed over the ranks: m and n the same on every rank, the local rows lm summing
   to m; *row0 receives this rank's first row (the lm of the ranks before it). who names the
   caller in the messages. Errors (the same on every rank): RLA_ERR_ARG, RLA_ERR_MPI.
   Collective. */
rla_err rla_agree_row_split(rla_ctx ctx, const char *who, int64_t m, int64_t n, int64_t lm,
                            int64_t *row0);

#endif
