/* SPDX-License-Identifier: BSD-3-Clause */
/* The deterministic baseline: the full SVD by ScaLAPACK PDGESVD on the 2-D block-cyclic grid.
   Method: bidiagonalization by Householder reflections and the bidiagonal QR iteration
   (Golub, Kahan 1965; ScaLAPACK Users' Guide, Sec. 3.3.6). Cost: about 4 m n^2 - 4 n^3 / 3
   flops for the singular values alone and up to 22 n^3 with the vectors (m = n), spread over
   the grid, with O(n) collective steps per panel. An operator must be dense: the method reads
   the entries of A. */
#include <math.h>
#include <stdlib.h>

#include "../dmat/dmat_impl.h"
#include "../dmat/scalapack.h"
#include "svd_impl.h"

#define DIRECT_BLOCK 64

rla_err rla_svd_direct(rla_dmat A, double *sigma, rla_dmat *U, rla_dmat *V)
{
  rla_ctx ctx = A ? A->ctx : NULL;
  rla_dmat C = NULL, Uc = NULL, VTc = NULL;
  int want = U != NULL && V != NULL, one = 1, info = 0, lwork = -1, m, n, mn;
  char job = want ? 'V' : 'N';
  double query = 0.0, *work = NULL, *s = NULL, done = 1.0, zero = 0.0;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, A != NULL && sigma != NULL, RLA_ERR_ARG, "rla_svd_direct: NULL argument");
  RLA_CHECK(ctx, (U == NULL) == (V == NULL), RLA_ERR_ARG,
            "rla_svd_direct: ask for both U and V or for neither");
  RLA_CHECK(ctx, A->m >= 1 && A->n >= 1, RLA_ERR_SHAPE, "rla_svd_direct: empty matrix");
  m = (int)A->m;
  n = (int)A->n;
  mn = m < n ? m : n;
  if (want) *U = *V = NULL;
  RLA_CALL_GOTO(ctx, err, out, rla_dmat_create_cyclic(ctx, m, n, DIRECT_BLOCK, DIRECT_BLOCK, &C));
  RLA_CALL_GOTO(ctx, err, out, rla_dmat_redistribute(A, C));
  RLA_CALL_GOTO(ctx, err, out, rla_dmat_check_finite(C, "the matrix given to rla_svd_direct"));
  RLA_CALL_GOTO(
      ctx, err, out,
      rla_dmat_create_cyclic(ctx, want ? m : 1, want ? mn : 1, DIRECT_BLOCK, DIRECT_BLOCK, &Uc));
  RLA_CALL_GOTO(
      ctx, err, out,
      rla_dmat_create_cyclic(ctx, want ? mn : 1, want ? n : 1, DIRECT_BLOCK, DIRECT_BLOCK, &VTc));
  err = rla_calloc(ctx, (size_t)mn, sizeof(double), &s);
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, err));
  pdgesvd_(&job, &job, &m, &n, C->a, &one, &one, C->desc, s, Uc->a, &one, &one, Uc->desc, VTc->a,
           &one, &one, VTc->desc, &query, &lwork, &info);
  lwork = (int)query + 1;
  err = info == 0 ? rla_calloc(ctx, (size_t)lwork, sizeof(double), &work)
                  : rla_error_set(ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,
                                  "PDGESVD workspace query failed (info %d)", info);
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, err));
  pdgesvd_(&job, &job, &m, &n, C->a, &one, &one, C->desc, s, Uc->a, &one, &one, Uc->desc, VTc->a,
           &one, &one, VTc->desc, work, &lwork, &info);
  err = info == 0 ? RLA_SUCCESS
                  : rla_error_set(ctx, info > 0 ? RLA_ERR_NUMERIC : RLA_ERR_LIB, __func__, __FILE__,
                                  __LINE__, "PDGESVD failed (info %d)", info);
  RLA_CALL_GOTO(ctx, err, out, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Bcast(s, mn, MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
  for (int i = 0; i < mn; i++)
    sigma[i] = s[i];
  if (want) {
    RLA_CALL_GOTO(ctx, err, out, rla_dmat_create_cyclic(ctx, n, mn, DIRECT_BLOCK, DIRECT_BLOCK, V));
    pdtran_(&n, &mn, &done, VTc->a, &one, &one, VTc->desc, &zero, (*V)->a, &one, &one, (*V)->desc);
    *U = Uc;
    Uc = NULL;
  }
out:
  rla_dmat_destroy(&C);
  rla_dmat_destroy(&Uc);
  rla_dmat_destroy(&VTc);
  rla_free(&work);
  rla_free(&s);
  if (err && want) {
    rla_dmat_destroy(U);
    rla_dmat_destroy(V);
  }
  return err;
}

rla_err rla_svd_direct_operator(rla_op A, double *sigma, rla_dmat *U, rla_dmat *V)
{
  rla_ctx ctx = rla_op_ctx(A);
  rla_dmat D = NULL;
  RLA_CHECK(ctx, A != NULL, RLA_ERR_ARG, "rla_svd_direct_operator: the operator is NULL");
  RLA_CALL(ctx, rla_op_get_dmat(A, &D));
  RLA_CALL(ctx, rla_svd_direct(D, sigma, U, V));
  return RLA_SUCCESS;
}
