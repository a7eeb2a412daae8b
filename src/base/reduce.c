/* SPDX-License-Identifier: BSD-3-Clause */
/* Sums of doubles over the ranks for any count: allreduce, sum to rank 0 and broadcast in
   pieces below MPI's 2^31 count, and a ring reduce-scatter of row blocks.

   The ring (rla_reduce_scatter_rows): at step s = 1 .. P - 1 rank p sends its partial sum of
   block p - s (mod P) to rank p + 1 and receives the partial sum of block p - s - 1 from rank
   p - 1, to which it adds its own rows in place; after P - 1 steps the block that arrives is
   its own, complete. Each rank sends and receives (P - 1) / P of the matrix, the least a
   reduce-scatter can, and talks to its two neighbours only; messages are pieces of whole
   columns, packed contiguous. Chosen by measurement over Open MPI 4.1's MPI_Reduce_scatter of
   the packed blocks and one MPI_Reduce per block, both slower: see bench/README.md (the
   accurate least-squares method at d = 1024).
   Cost: (P - 1) / P l c words sent and received per rank, as many additions, P - 1 steps. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "reduce.h"

/* Doubles per message of the ring (512 KiB; at least one column of a block). Chosen by
   measurement (pieces of 2^14 to 2^18 alike): see bench/README.md. */
#define PIECE_DOUBLES ((int64_t)1 << 16)

static int64_t piece_of(int64_t n, int64_t off, int64_t chunk)
{
  return n - off < chunk ? n - off : chunk;
}

rla_err rla_reduce_sum_chunked(rla_ctx ctx, double *buf, int64_t n, int64_t chunk)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  RLA_CHECK(ctx, chunk >= 1 && chunk <= INT_MAX, RLA_ERR_INTERNAL,
            "reduction pieces of %lld doubles: need 1 .. 2^31 - 1", (long long)chunk);
  if (rla_ctx_size(ctx) == 1) return RLA_SUCCESS;
  for (int64_t off = 0; off < n; off += chunk)
    RLA_MPI(ctx, MPI_Allreduce(MPI_IN_PLACE, buf + off, (int)piece_of(n, off, chunk), MPI_DOUBLE,
                               MPI_SUM, comm));
  return RLA_SUCCESS;
}

rla_err rla_reduce_sum_root_chunked(rla_ctx ctx, double *buf, int64_t n, int64_t chunk)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  int root = rla_ctx_rank(ctx) == 0;
  RLA_CHECK(ctx, chunk >= 1 && chunk <= INT_MAX, RLA_ERR_INTERNAL,
            "reduction pieces of %lld doubles: need 1 .. 2^31 - 1", (long long)chunk);
  for (int64_t off = 0; off < n; off += chunk)
    RLA_MPI(ctx, MPI_Reduce(root ? MPI_IN_PLACE : buf + off, root ? buf + off : NULL,
                            (int)piece_of(n, off, chunk), MPI_DOUBLE, MPI_SUM, 0, comm));
  return RLA_SUCCESS;
}

rla_err rla_reduce_bcast_chunked(rla_ctx ctx, double *buf, int64_t n, int64_t chunk)
{
  RLA_CHECK(ctx, chunk >= 1 && chunk <= INT_MAX, RLA_ERR_INTERNAL,
            "broadcast pieces of %lld doubles: need 1 .. 2^31 - 1", (long long)chunk);
  for (int64_t off = 0; off < n; off += chunk)
    RLA_MPI(ctx,
            MPI_Bcast(buf + off, (int)piece_of(n, off, chunk), MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
  return RLA_SUCCESS;
}

rla_err rla_reduce_sum(rla_ctx ctx, double *buf, int64_t n)
{
  return rla_reduce_sum_chunked(ctx, buf, n, RLA_REDUCE_CHUNK);
}

rla_err rla_reduce_sum_root(rla_ctx ctx, double *buf, int64_t n)
{
  return rla_reduce_sum_root_chunked(ctx, buf, n, RLA_REDUCE_CHUNK);
}

rla_err rla_reduce_bcast(rla_ctx ctx, double *buf, int64_t n)
{
  return rla_reduce_bcast_chunked(ctx, buf, n, RLA_REDUCE_CHUNK);
}

rla_err rla_reduce_sum_replicated(rla_ctx ctx, double *buf, int64_t n)
{
  RLA_CALL(ctx, rla_reduce_sum_root(ctx, buf, n));
  RLA_CALL(ctx, rla_reduce_bcast(ctx, buf, n));
  return RLA_SUCCESS;
}

/* One step of the ring: send block qs of w (rows s0 .. s0 + ns - 1) to the next rank, receive
   block qr's partial sum (rows r0 .. r0 + nr - 1) from the previous one and add it to w, in
   messages of per whole columns packed into sb and rb. */
static rla_err ring_step(rla_ctx ctx, double *w, int64_t l, int64_t c, int64_t s0, int64_t ns,
                         int64_t r0, int64_t nr, int64_t per, double *sb, double *rb)
{
  int P = rla_ctx_size(ctx), me = rla_ctx_rank(ctx);
  for (int64_t j0 = 0; j0 < c; j0 += per) {
    int64_t nc = c - j0 < per ? c - j0 : per;
    for (int64_t j = 0; j < nc && ns > 0; j++)
      memcpy(sb + j * ns, w + (j0 + j) * l + s0, sizeof(double) * (size_t)ns);
    /* one tag: messages between two ranks arrive in the order sent */
    RLA_MPI(ctx,
            MPI_Sendrecv(sb, (int)(ns * nc), MPI_DOUBLE, (me + 1) % P, 0, rb, (int)(nr * nc),
                         MPI_DOUBLE, (me - 1 + P) % P, 0, rla_ctx_comm(ctx), MPI_STATUS_IGNORE));
    for (int64_t j = 0; j < nc; j++) {
      double *dst = w + (j0 + j) * l + r0;
      const double *src = rb + j * nr;
      for (int64_t i = 0; i < nr; i++)
        dst[i] += src[i];
    }
  }
  return RLA_SUCCESS;
}

/* Doubles per message of the ring for blocks of at most nmax rows. */
static int64_t ring_piece(int64_t nmax) { return nmax > PIECE_DOUBLES ? nmax : PIECE_DOUBLES; }

int64_t rla_reduce_scatter_rows_work(int P, int64_t nmax)
{
  return P > 1 ? 2 * ring_piece(nmax) : 0;
}

rla_err rla_reduce_scatter_rows(rla_ctx ctx, double *w, int64_t l, int64_t c, const int64_t *row0,
                                const int64_t *rows, double *work)
{
  int P = rla_ctx_size(ctx), me = rla_ctx_rank(ctx);
  int64_t nmax = 0, piece, per;
  double *sb = NULL, *rb = NULL, *own = NULL;
  rla_err err = RLA_SUCCESS;

  if (P == 1 || c == 0) return RLA_SUCCESS;
  for (int p = 0; p < P; p++)
    nmax = rows[p] > nmax ? rows[p] : nmax;
  if (nmax == 0) return RLA_SUCCESS;
  piece = ring_piece(nmax);
  per = piece / nmax;
  if (!work) err = rla_calloc(ctx, (size_t)(2 * piece), sizeof(double), &own);
  sb = work ? work : own;
  rb = sb ? sb + piece : NULL;
  if (!err && piece > INT_MAX)
    err = rla_error_set(ctx, RLA_ERR_UNSUPPORTED, __func__, __FILE__, __LINE__,
                        "a block of %lld rows of the %lld x %lld matrix exceeds the 2^31 count "
                        "of MPI",
                        (long long)nmax, (long long)l, (long long)c);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  for (int step = 1; step < P; step++) {
    int qs = (me - step + P) % P, qr = (me - step - 1 + 2 * P) % P;
    RLA_CALL_GOTO(ctx, err, done,
                  ring_step(ctx, w, l, c, row0[qs], rows[qs], row0[qr], rows[qr], per, sb, rb));
  }
done:
  rla_free(&own);
  return err;
}

rla_err rla_agree_row_split(rla_ctx ctx, const char *who, int64_t m, int64_t n, int64_t lm,
                            int64_t *row0)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  int64_t mine[4] = {m, -m, n, -n}, all[4], sum = 0;
  RLA_MPI(ctx, MPI_Allreduce(mine, all, 4, MPI_INT64_T, MPI_MAX, comm));
  RLA_CHECK(ctx, all[0] == -all[1] && all[2] == -all[3], RLA_ERR_ARG,
            "%s: m and n must be the same on every rank", who);
  RLA_MPI(ctx, MPI_Allreduce(&lm, &sum, 1, MPI_INT64_T, MPI_SUM, comm));
  RLA_CHECK(ctx, sum == m, RLA_ERR_ARG, "%s: the local rows sum to %lld over the ranks, not m = %lld",
            who, (long long)sum, (long long)m);
  *row0 = 0;
  RLA_MPI(ctx, MPI_Exscan(&lm, row0, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rla_ctx_rank(ctx) == 0) *row0 = 0;
  return RLA_SUCCESS;
}
