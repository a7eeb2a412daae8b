/* SPDX-License-Identifier: BSD-3-Clause */
/* Matrices with prescribed singular values, A = U diag(sigma) V^T. U and V are the orthonormal
   factors of Gaussian matrices (Haar distributed; Stewart, SIAM J. Numer. Anal. 17, 1980), computed
   on the row-block layout by CholeskyQR2 (Householder as fallback, see common.c); the product by
   pdgemm on the same P x 1 grid, so A is born row-block and needs no redistribution. Cost for m x n
   with k singular values: 4(m + n)k^2 flops in the orthonormalizations, 2mnk in the product; four
   reductions of k^2 words and pdgemm's communication (each rank receives V once). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "../dmat/dmat_impl.h"
#include "../dmat/scalapack.h"
#include "gen_impl.h"

void rla_gen_scale_columns(rla_dmat A, const double *s, int64_t ncols)
{
  for (int64_t j = 0; j < A->ln; j++) {
    int64_t gj = rla_dmat_global_col(A, j);
    if (gj >= ncols) continue;
    for (int64_t i = 0; i < A->lm; i++)
      A->a[i + j * A->lld] *= s[gj];
  }
}

rla_err rla_gen_gaussian_basis(rla_ctx ctx, int64_t m, int64_t k, rla_rng rng, rla_dmat *Q)
{
  rla_err err;
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, m, k, 0, Q));
  rla_gen_fill_gaussian(*Q, rng, 0, k, 0, 1.0);
  err = rla_gen_orthonormalize(*Q);
  if (err) {
    rla_dmat_destroy(Q);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

/* *out = a new matrix in layout holding the values of the row-block C */
static rla_err copy_to_layout(rla_dmat C, rla_dmat_layout layout, rla_dmat *out)
{
  rla_ctx ctx = C->ctx;
  if (layout == RLA_DMAT_ROWBLOCK) {
    RLA_CALL(ctx, rla_dmat_duplicate(C, out));
    return RLA_SUCCESS;
  }
  RLA_CALL(ctx, rla_dmat_create_cyclic(ctx, C->m, C->n, 0, 0, out));
  RLA_CALL(ctx, rla_dmat_redistribute(C, *out));
  return RLA_SUCCESS;
}

/* like copy_to_layout, but takes C (set to NULL) when it already has the layout */
static rla_err move_to_layout(rla_dmat *C, rla_dmat_layout layout, rla_dmat *out)
{
  if (layout == RLA_DMAT_ROWBLOCK) {
    *out = *C;
    *C = NULL;
    return RLA_SUCCESS;
  }
  RLA_CALL((*C)->ctx, copy_to_layout(*C, layout, out));
  return rla_dmat_destroy(C);
}

rla_err rla_gen_svd(rla_ctx ctx, int64_t m, int64_t n, int64_t k, const double *sigma,
                    uint64_t seed, rla_dmat_layout layout, rla_dmat *A, rla_dmat *U, rla_dmat *V)
{
  int64_t params[5] = {m, n, k, (int64_t)seed, (int64_t)layout};
  rla_dmat QU = NULL, QV = NULL, C = NULL, Uo = NULL, Vo = NULL, Ao = NULL;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, A, RLA_ERR_ARG, "rla_gen_svd: null output matrix pointer");
  *A = NULL;
  if (U) *U = NULL;
  if (V) *V = NULL;
  RLA_CALL(ctx, rla_gen_agree_params(ctx, "rla_gen_svd", params, 5, NULL, 0));
  RLA_CHECK(ctx, m >= 1 && n >= 1, RLA_ERR_ARG,
            "matrix sizes must be positive, got m = %lld, n = %lld", (long long)m, (long long)n);
  RLA_CHECK(ctx, k >= 1 && k <= (m < n ? m : n), RLA_ERR_ARG,
            "the number of singular values (rank) must be in [1, min(m, n)] = [1, %lld], got %lld",
            (long long)(m < n ? m : n), (long long)k);
  RLA_CHECK(ctx, layout == RLA_DMAT_ROWBLOCK || layout == RLA_DMAT_CYCLIC, RLA_ERR_ARG,
            "unknown layout %d", (int)layout);
  RLA_CALL(ctx, rla_gen_check_sigma(ctx, "rla_gen_svd: sigma", sigma, k));

  RLA_CALL_GOTO(ctx, err, fail,
                rla_gen_gaussian_basis(ctx, m, k, rla_rng_make(seed, RLA_RNG_GEN_U), &QU));
  RLA_CALL_GOTO(ctx, err, fail,
                rla_gen_gaussian_basis(ctx, n, k, rla_rng_make(seed, RLA_RNG_GEN_V), &QV));
  if (U) RLA_CALL_GOTO(ctx, err, fail, copy_to_layout(QU, layout, &Uo));
  if (V) RLA_CALL_GOTO(ctx, err, fail, copy_to_layout(QV, layout, &Vo));
  rla_gen_scale_columns(QU, sigma, k);
  RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, m, n, 0, &C));
  RLA_CALL_GOTO(ctx, err, fail, rla_dmat_gemm('N', 'T', 1.0, QU, QV, 0.0, C));
  rla_dmat_destroy(&QU);
  rla_dmat_destroy(&QV);
  RLA_CALL_GOTO(ctx, err, fail, move_to_layout(&C, layout, &Ao));
  *A = Ao;
  if (U) *U = Uo;
  if (V) *V = Vo;
  return RLA_SUCCESS;
fail:
  rla_dmat_destroy(&QU);
  rla_dmat_destroy(&QV);
  rla_dmat_destroy(&C);
  rla_dmat_destroy(&Uo);
  rla_dmat_destroy(&Vo);
  rla_dmat_destroy(&Ao);
  return err;
}
