/* SPDX-License-Identifier: BSD-3-Clause */
/* Direct least squares with ScaLAPACK PDGELS (Householder QR, Q^T b, triangular solve) on
   2-D block-cyclic copies of A and B, the deterministic baseline and fallback. It assumes A
   has full column rank (no rank detection; use the accurate method otherwise).
   Cost: 2 m d^2 - 2/3 d^3 flops over P ranks plus the communication of PDGEQRF (O(d log P)
   messages per panel); the redistributions move A and B once; x (the first d rows of the
   solved B) is gathered to every rank. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dmat/dmat_impl.h"
#include "../dmat/scalapack.h"
#include "lsq_impl.h"

/* Block size of the cyclic copies: ScaLAPACK's panel width, 32 measured fastest for PDGELS
   at d = 64, 256 and 1024 against 16, 48, 64 and 128 (chosen by measurement: see
   bench/README.md). */
#define DIRECT_NB 32

/* B as a row-block matrix with the rows of A: p->B, or a copy of the local rows p->b into *own
   (the operator path). Collective. */
static rla_err rhs_matrix(rla_dmat A, const lsq_problem *p, rla_dmat *own, rla_dmat *B)
{
  rla_ctx ctx = p->ctx;
  double *bl;
  int64_t mb, lm, ldb;
  *B = p->B;
  if (p->B) return RLA_SUCCESS;
  rla_dmat_blocks(A, &mb, NULL);
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, p->m, p->nrhs, mb, own));
  rla_dmat_local(*own, &bl, &lm, NULL, &ldb);
  for (int64_t j = 0; j < p->nrhs && lm > 0; j++)
    memcpy(bl + j * ldb, p->b + j * p->ldb, sizeof(double) * (size_t)lm);
  *B = *own;
  return RLA_SUCCESS;
}

rla_err lsq_direct(rla_lsq L, rla_dmat A, const lsq_problem *p, rla_lsq_info *info, lsq_cost *cost)
{
  rla_ctx ctx = L->ctx;
  rla_dmat Ac = NULL, Bc = NULL, Xr = NULL, Bown = NULL, B = NULL;
  double *work = NULL, *xbuf = NULL, wquery = 0.0, t0 = rla_wtime();
  int m = (int)p->m, d = (int)p->d, nrhs = (int)p->nrhs, one = 1, lwork = -1, linfo = 0, all;
  rla_err err = RLA_SUCCESS;

  (void)cost;
  RLA_CALL_GOTO(ctx, err, done, rhs_matrix(A, p, &Bown, &B));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_cyclic(ctx, p->m, p->d, DIRECT_NB, DIRECT_NB, &Ac));
  RLA_CALL_GOTO(ctx, err, done,
                rla_dmat_create_cyclic(ctx, p->m, p->nrhs, DIRECT_NB, DIRECT_NB, &Bc));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_redistribute(A, Ac));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_redistribute(B, Bc));
  info->time_redistribute = rla_wtime() - t0;

  t0 = rla_wtime();
  pdgels_("N", &m, &d, &nrhs, Ac->a, &one, &one, Ac->desc, Bc->a, &one, &one, Bc->desc, &wquery,
          &lwork, &linfo);
  RLA_CHECK_GOTO(ctx, err, agree, linfo == 0, RLA_ERR_LIB,
                 "PDGELS workspace query failed (info %d)", linfo);
  RLA_CHECK_GOTO(ctx, err, agree, wquery < (double)INT_MAX, RLA_ERR_UNSUPPORTED,
                 "PDGELS asks for %.0f doubles of workspace, beyond its 32-bit sizes", wquery);
  lwork = (int)wquery + 1;
  err = rla_calloc(ctx, (size_t)lwork, sizeof(double), &work);
agree:
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  pdgels_("N", &m, &d, &nrhs, Ac->a, &one, &one, Ac->desc, Bc->a, &one, &one, Bc->desc, work,
          &lwork, &linfo);
  err = linfo ? rla_error_set(ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,
                              "PDGELS failed (info %d)", linfo)
              : RLA_SUCCESS;
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  info->time_factor = rla_wtime() - t0;

  /* x = B(1:d, :), gathered to every rank */
  t0 = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, p->d, p->nrhs, 0, &Xr));
  err = rla_calloc(ctx, (size_t)(p->d * p->nrhs), sizeof(double), &xbuf);
  if (!err) err = rla_ctx_grid(ctx, rla_ctx_size(ctx), 1, &all);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  pdgemr2d_(&d, &nrhs, Bc->a, &one, &one, Bc->desc, Xr->a, &one, &one, Xr->desc, &all);
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_gather(Xr, -1, xbuf));
  for (int64_t j = 0; j < p->nrhs; j++)
    memcpy(p->x + j * p->ldx, xbuf + j * p->d, sizeof(double) * (size_t)p->d);
  info->time_redistribute += rla_wtime() - t0;
  info->rank = p->d;
done:
  rla_free(&work);
  rla_free(&xbuf);
  rla_dmat_destroy(&Bown);
  rla_dmat_destroy(&Ac);
  rla_dmat_destroy(&Bc);
  rla_dmat_destroy(&Xr);
  return err;
}
