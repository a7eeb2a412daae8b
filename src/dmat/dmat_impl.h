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
};

/* BLACS context of an nprow x npcol grid over the ctx communicator (column-major rank order),
   made on first use and freed with the context. Collective on first use. */
rla_err rla_ctx_grid(rla_ctx ctx, int nprow, int npcol, int *ictxt);
/* The near-square grid used by the cyclic layout: nprow >= npcol, nprow * npcol = P. Local. */
void rla_ctx_grid_shape(rla_ctx ctx, int *nprow, int *npcol);

#endif
