/* SPDX-License-Identifier: BSD-3-Clause */
/* Least-squares problems with a known solution and residual: A = U diag(sigma) V^T with a
   geometric spectrum of condition number cond, x a unit Gaussian vector and b = A x + r with r
   orthogonal to the range of A and of norm residual_norm. Q = [U q] is the orthonormal factor
   of an m x (n + 1) Gaussian (see common.c), q made orthogonal to U twice more; V that of an
   n x n Gaussian; the product by pdgemm on the row-block P x 1 grid. Cost: 4(m + n) n^2 flops in
   the orthonormalizations, 2 m n^2 in the product, reductions of n^2 words. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "../dmat/dmat_impl.h"
#include "../dmat/scalapack.h"
#include "gen_impl.h"

/* the residual direction: column n of the row-block Q, made orthogonal to its columns [0, n)
   twice more (classical Gram-Schmidt: y = U^T r, one reduction of n words; r -= U y) and scaled
   to norm rnorm, in a new row-block m x 1 vector */
static rla_err residual_vector(rla_dmat Q, int64_t n, double rnorm, rla_dmat *r)
{
  rla_ctx ctx = Q->ctx;
  double *y = NULL, nrm = 0.0;
  int lm = (int)Q->lm, ld = (int)Q->lld, in = (int)n;
  rla_err err;

  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, Q->m, 1, Q->mb, r));
  err = rla_calloc(ctx, (size_t)n, sizeof(double), &y);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  memcpy((*r)->a, Q->a + n * Q->lld, sizeof(double) * (size_t)lm);
  for (int pass = 0; pass < 2; pass++) {
    memset(y, 0, sizeof(double) * (size_t)n);
    if (lm > 0)
      cblas_dgemv(CblasColMajor, CblasTrans, lm, in, 1.0, Q->a, ld, (*r)->a, 1, 0.0, y, 1);
    RLA_CHECK_GOTO(ctx, err, done,
                   MPI_Allreduce(MPI_IN_PLACE, y, in, MPI_DOUBLE, MPI_SUM, rla_ctx_comm(ctx)) ==
                       MPI_SUCCESS,
                   RLA_ERR_MPI, "reduction failed in the residual projection");
    if (lm > 0)
      cblas_dgemv(CblasColMajor, CblasNoTrans, lm, in, -1.0, Q->a, ld, y, 1, 1.0, (*r)->a, 1);
  }
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(*r, &nrm));
  RLA_CHECK_GOTO(ctx, err, done, nrm > 0.5, RLA_ERR_NUMERIC,
                 "residual direction lost in orthogonalization (norm %g)", nrm);
  rla_dmat_scale(*r, rnorm / nrm);
done:
  free(y);
  if (err) rla_dmat_destroy(r);
  return err;
}

rla_err rla_gen_lsq(rla_ctx ctx, int64_t m, int64_t n, double cond, double residual_norm,
                    uint64_t seed, rla_dmat *A, rla_dmat *b, rla_dmat *x)
{
  int64_t params[3] = {m, n, (int64_t)seed}, kq;
  double reals[2] = {cond, residual_norm}, *sigma = NULL, *xs = NULL;
  rla_dmat Q = NULL, V = NULL, r = NULL, Ao = NULL, bo = NULL, xo = NULL;
  rla_spectrum spec = {.kind = RLA_SPECTRUM_GEOMETRIC, .cond = cond};
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, A && b && x, RLA_ERR_ARG, "rla_gen_lsq: null output pointer");
  *A = *b = *x = NULL;
  RLA_CALL(ctx, rla_gen_agree_params(ctx, "rla_gen_lsq", params, 3, reals, 2));
  RLA_CHECK(ctx, m >= 1 && n >= 1, RLA_ERR_ARG,
            "least squares sizes must be positive, got m = %lld, n = %lld", (long long)m,
            (long long)n);
  RLA_CHECK(ctx, m >= n, RLA_ERR_ARG,
            "least squares needs m >= n (a tall matrix), got m = %lld < n = %lld", (long long)m,
            (long long)n);
  RLA_CHECK(ctx, isfinite(cond) && cond >= 1, RLA_ERR_ARG,
            "the condition number must be finite and >= 1, got %g", cond);
  RLA_CHECK(ctx, isfinite(residual_norm) && residual_norm >= 0, RLA_ERR_ARG,
            "the residual norm must be finite and >= 0, got %g", residual_norm);
  RLA_CHECK(ctx, residual_norm == 0 || m > n, RLA_ERR_ARG,
            "a non-zero residual needs m > n: for m = n = %lld every b is in the range of A",
            (long long)n);
  err = rla_calloc(ctx, (size_t)n, sizeof(double), &sigma);
  if (!err) err = rla_calloc(ctx, (size_t)n, sizeof(double), &xs);
  RLA_CALL_GOTO(ctx, err, fail, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, fail, rla_gen_spectrum(ctx, &spec, n, sigma));

  /* Q = [U q]: QR of [G g], G from GEN_U and g (column n) from GEN_R at column 0 */
  kq = m > n ? n + 1 : n;
  RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, m, kq, 0, &Q));
  rla_gen_fill_gaussian(Q, rla_rng_make(seed, RLA_RNG_GEN_U), 0, n, 0, 1.0);
  rla_gen_fill_gaussian(Q, rla_rng_make(seed, RLA_RNG_GEN_R), n, kq, -n, 1.0);
  RLA_CALL_GOTO(ctx, err, fail, rla_gen_orthonormalize(Q));
  if (residual_norm > 0) RLA_CALL_GOTO(ctx, err, fail, residual_vector(Q, n, residual_norm, &r));

  /* A = U diag(sigma) V^T */
  RLA_CALL_GOTO(ctx, err, fail,
                rla_gen_gaussian_basis(ctx, n, n, rla_rng_make(seed, RLA_RNG_GEN_V), &V));
  rla_gen_scale_columns(Q, sigma, n);
  RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, m, n, 0, &Ao));
  {
    /* the first n columns of Q times V^T, on the common P x 1 grid */
    int im = (int)m, in = (int)n, one = 1;
    double done = 1.0, zero = 0.0;
    pdgemm_("N", "T", &im, &in, &in, &done, Q->a, &one, &one, Q->desc, V->a, &one, &one, V->desc,
            &zero, Ao->a, &one, &one, Ao->desc);
  }
  rla_dmat_destroy(&Q);
  rla_dmat_destroy(&V);

  /* x: Gaussian, normalized; the same n values on every rank */
  rla_gen_unit_gaussian(rla_rng_make(seed, RLA_RNG_GEN_X), n, xs);
  RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, n, 1, 0, &xo));
  for (int64_t i = 0; i < xo->lm; i++)
    xo->a[i] = xs[rla_dmat_global_row(xo, i)];

  /* b = A x + r, each rank on its own rows */
  RLA_CALL_GOTO(ctx, err, fail, rla_dmat_create_rowblock(ctx, m, 1, Ao->mb, &bo));
  for (int64_t j = 0; j < n; j++)
    for (int64_t i = 0; i < Ao->lm; i++)
      bo->a[i] += Ao->a[i + j * Ao->lld] * xs[j];
  if (r) RLA_CALL_GOTO(ctx, err, fail, rla_dmat_axpy(1.0, r, bo));
  rla_dmat_destroy(&r);
  free(sigma);
  free(xs);
  *A = Ao;
  *b = bo;
  *x = xo;
  return RLA_SUCCESS;
fail:
  free(sigma);
  free(xs);
  rla_dmat_destroy(&Q);
  rla_dmat_destroy(&V);
  rla_dmat_destroy(&r);
  rla_dmat_destroy(&Ao);
  rla_dmat_destroy(&bo);
  rla_dmat_destroy(&xo);
  return err;
}
