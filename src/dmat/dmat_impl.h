/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of rla_dmat, for the library's own layers that call ScaLAPACK. */
#ifndef RLA_DMAT_IMPL_H
#define RLA_DMAT_IMPL_H

#include "rla/dmat.h"

struct rla_dmat_s {
  rla_ctx ctx;
  rla_dmat_layout layout;
  int64_t m, n, mb, nb;
  int ictxt, nprow, npcol, myrow, mycol;
  int desc[9]; /* ScaLAPACK descriptor */
  int64_t lm, ln, lld;
  double *a;
  /* what rla_dmat_destroy frees: a, or for the first matrix of rla_dmat_create_rowblocks the
     storage of all of them, NULL for the others */
  double *storage;
};

/* Entries of a dimension of n in blocks of nb held by process iproc of nprocs (ScaLAPACK's
   numroc in 64 bits), and the global index of local index l there. Local. */
static inline int64_t rla_dmat_numroc(int64_t n, int64_t nb, int iproc, int nprocs)
{
  int64_t nblocks = n / nb, r = (nblocks / nprocs) * nb, extra = nblocks % nprocs;
  if (iproc < extra)
    r += nb;
  else if (iproc == extra)
    r += n % nb;
  return r;
}

static inline int64_t rla_dmat_l2g(int64_t l, int64_t nb, int iproc, int nprocs)
{
  return (l / nb) * nb * nprocs + (int64_t)iproc * nb + l % nb;
}

/* count zeroed row-block matrices A[i] of m x n[i] (row block ceil(m / P), as
   rla_dmat_create_rowblock with mb = 0), with one agreement for all of them instead of two
   each, and their local arrays in one allocation (64-byte aligned each): many small matrices
   then take huge pages as one large one does, not one 4 KiB page fault after another (chosen by
   measurement of cold reads of a collection: see bench/README.md). A[0] owns that storage:
   destroy all of them together (A[0] last, or at least after the others are no longer used).
   count >= 1. Collective. Errors: as rla_dmat_create_rowblock; on failure every A[i] is NULL. */
rla_err rla_dmat_create_rowblocks(rla_ctx ctx, int64_t count, int64_t m, const int64_t *n,
                                  rla_dmat *A);

/* The Frobenius norm of the matrix whose pieces the ranks hold, this rank's as the lm x ln
   column-major array a (leading dimension lld): the overflow-safe scaled sums of squares of
   rla_dmat_norm_fro, combined in one allreduce. Collective. */
rla_err rla_norm_fro_pieces(rla_ctx ctx, const double *a, int64_t lm, int64_t ln, int64_t lld,
                            double *nrm);

/* BLACS context of an nprow x npcol grid over the ctx communicator (column-major rank order),
   made on first use and freed with the context. Collective on first use. */
rla_err rla_ctx_grid(rla_ctx ctx, int nprow, int npcol, int *ictxt);
/* The near-square grid used by the cyclic layout: nprow >= npcol, nprow * npcol = P. Local. */
void rla_ctx_grid_shape(rla_ctx ctx, int *nprow, int *npcol);

#endif
