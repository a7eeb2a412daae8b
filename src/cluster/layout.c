/* SPDX-License-Identifier: BSD-3-Clause */
/* The layout of a collection given to the clustering (Shamrai, arXiv 2601.11626; the two
   distributions of rla/cluster.h): which distribution its blocks are in
   (rows: every block row-block over all ranks with the same row split; blocks: every block whole
   on one rank over MPI_COMM_SELF), the owner and width of every block, and m. Method: every rank
   states what it holds of each block; one all-reduce of 5 K integers (K blocks) and the checks
   of that sum. Cost: O(K) work, one all-reduce (none at one rank). */
#include "cluster_impl.h"

/* which distribution the blocks are in, the owners (blocks), the widths and m: one reduction of
   what every rank holds; at one rank everything is rows */
rla_err rla_cluster_find_layout(rla_cluster C, int64_t nblocks, const rla_dmat *blocks, int *owner,
                                int64_t *wid, int64_t *m, rla_cluster_distribution *dist)
{
  rla_ctx ctx = C->ctx;
  int P = rla_ctx_size(ctx), me = rla_ctx_rank(ctx);
  int64_t K = nblocks, nown = 0, nshared = 0, *v = NULL;
  rla_err err = RLA_SUCCESS;
  RLA_CHECK(ctx, nblocks >= 1 && blocks, RLA_ERR_ARG, "the collection has no blocks");
  *dist = RLA_CLUSTER_DIST_ROWS;
  if (P == 1) {
    RLA_CALL(ctx, rla_cluster_check_blocks(ctx, nblocks, blocks));
    for (int64_t j = 0; j < K; j++) {
      owner[j] = 0;
      rla_dmat_sizes(blocks[j], j == 0 ? m : NULL, &wid[j]);
    }
    return RLA_SUCCESS;
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)(5 * K), sizeof(int64_t), &v)));
  for (int64_t j = 0; j < K && !err; j++) {
    int64_t mj, nj;
    if (!blocks[j]) continue;
    if (rla_dmat_get_layout(blocks[j]) != RLA_DMAT_ROWBLOCK) {
      err = rla_error_set(ctx, RLA_ERR_ARG, __func__, __FILE__, __LINE__,
                          "block %lld is not in the row-block layout", (long long)j);
      break;
    }
    rla_dmat_sizes(blocks[j], &mj, &nj);
    if (rla_ctx_size(rla_dmat_ctx(blocks[j])) == 1) {
      v[j] = 1;
      v[K + j] = me + 1;
      v[2 * K + j] = nj;
      v[3 * K + j] = mj;
    } else
      v[4 * K + j] = 1;
  }
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(
      ctx, err, done,
      MPI_Allreduce(MPI_IN_PLACE, v, (int)(5 * K), MPI_INT64_T, MPI_SUM, rla_ctx_comm(ctx)) ==
              MPI_SUCCESS
          ? RLA_SUCCESS
          : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__, "MPI_Allreduce failed"));
  for (int64_t j = 0; j < K; j++) {
    RLA_CHECK_GOTO(ctx, err, done,
                   (v[j] == 1 && v[4 * K + j] == 0) || (v[j] == 0 && v[4 * K + j] == P),
                   RLA_ERR_ARG,
                   "block %lld is held whole by %lld ranks and distributed over %lld of %d: give "
                   "every block either to exactly one rank (over MPI_COMM_SELF) or by rows to all",
                   (long long)j, (long long)v[j], (long long)v[4 * K + j], P);
    nown += v[j];
    nshared += v[4 * K + j] == P;
  }
  RLA_CHECK_GOTO(ctx, err, done, nown == K || nshared == K, RLA_ERR_ARG,
                 "%lld blocks are held whole by one rank and %lld distributed by rows: use one "
                 "distribution for the whole collection",
                 (long long)nown, (long long)nshared);
  if (nshared == K) {
    RLA_CALL_GOTO(ctx, err, done, rla_cluster_check_blocks(ctx, nblocks, blocks));
    for (int64_t j = 0; j < K; j++) {
      owner[j] = 0;
      rla_dmat_sizes(blocks[j], j == 0 ? m : NULL, &wid[j]);
    }
  } else {
    *dist = RLA_CLUSTER_DIST_BLOCKS;
    *m = v[3 * K];
    for (int64_t j = 0; j < K; j++) {
      owner[j] = (int)(v[K + j] - 1);
      wid[j] = v[2 * K + j];
      RLA_CHECK_GOTO(ctx, err, done, v[3 * K + j] == *m, RLA_ERR_SHAPE,
                     "block %lld has %lld rows but block 0 has %lld: all blocks need the same "
                     "rows",
                     (long long)j, (long long)v[3 * K + j], (long long)*m);
      RLA_CHECK_GOTO(ctx, err, done, wid[j] >= 1, RLA_ERR_SHAPE, "block %lld has no columns",
                     (long long)j);
    }
  }
done:
  rla_free(&v);
  return err;
}
