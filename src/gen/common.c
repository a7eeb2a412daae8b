/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared pieces of the generators: parameter agreement across ranks, Gaussian fills keyed by
   global indices, and orthonormalization of tall matrices. The latter is the tall-skinny
   orthonormalization of src/orth on the row-block layout (its guarded sequence: CholeskyQR2,
   4mk^2 flops in BLAS 3 and two reductions of k^2 words, when the matrix is well conditioned, as
   Gaussian matrices are: cond about (1 + sqrt(k/m)) / (1 - sqrt(k/m)) when tall, O(k) when
   square; shifted CholeskyQR3 or Householder TSQR otherwise), and Householder QR (ScaLAPACK
   pdgeqrf + pdorgqr) on other layouts. CholeskyQR's R has a positive diagonal, so the Q of a
   Gaussian is Haar distributed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../dmat/dmat_impl.h"
#include "../dmat/scalapack.h"
#include "../orth/orth.h"
#include "gen_impl.h"

rla_err rla_gen_agree_params(rla_ctx ctx, const char *what, const int64_t *vals, int nvals,
                             const double *dbl, int64_t ndbl)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  int64_t lo[16], hi[16];
  double *root = NULL;
  int same = 1, all;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, nvals <= 16, RLA_ERR_INTERNAL, "too many parameters to agree on");
  RLA_MPI(ctx, MPI_Allreduce(vals, lo, nvals, MPI_INT64_T, MPI_MIN, comm));
  RLA_MPI(ctx, MPI_Allreduce(vals, hi, nvals, MPI_INT64_T, MPI_MAX, comm));
  for (int i = 0; i < nvals; i++)
    same &= lo[i] == hi[i];
  RLA_CHECK(ctx, same, RLA_ERR_ARG, "%s: the parameters differ between ranks", what);
  if (!dbl || ndbl <= 0) return RLA_SUCCESS;
  err = rla_calloc(ctx, (size_t)ndbl, sizeof(double), &root);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  if (rla_ctx_rank(ctx) == 0) memcpy(root, dbl, sizeof(double) * (size_t)ndbl);
  for (int64_t off = 0; off < ndbl; off += 1 << 28) {
    int cnt = (int)(ndbl - off < (1 << 28) ? ndbl - off : (1 << 28));
    if (MPI_Bcast(root + off, cnt, MPI_DOUBLE, 0, comm) != MPI_SUCCESS) {
      free(root);
      RLA_CHECK(ctx, 0, RLA_ERR_MPI, "%s: broadcast failed", what);
    }
  }
  same = memcmp(root, dbl, sizeof(double) * (size_t)ndbl) == 0;
  free(root);
  RLA_MPI(ctx, MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_LAND, comm));
  RLA_CHECK(ctx, all, RLA_ERR_ARG,
            "%s: the values differ between ranks (pass the same array on "
            "every rank)",
            what);
  return RLA_SUCCESS;
}

void rla_gen_fill_gaussian(rla_dmat A, rla_rng rng, int64_t c0, int64_t c1, int64_t coloff,
                           double scale)
{
  enum { RUN = 256, TILE = 32 };
  double buf[TILE][RUN];
  /* runs of local columns with consecutive global indices (inside one column block), clipped
     to [c0, c1); one RNG call per local row and run, TILE rows at a time so that the writes to
     the column-major array are TILE contiguous doubles per column */
  for (int64_t j = 0; j < A->ln;) {
    int64_t gj = rla_dmat_global_col(A, j), len = 1, s, e;
    while (j + len < A->ln && len < RUN && rla_dmat_global_col(A, j + len) == gj + len)
      len++;
    s = gj > c0 ? gj : c0;
    e = gj + len < c1 ? gj + len : c1;
    for (int64_t i0 = 0; s < e && i0 < A->lm; i0 += TILE) {
      int64_t nr = A->lm - i0 < TILE ? A->lm - i0 : TILE;
      for (int64_t r = 0; r < nr; r++)
        rla_rng_gaussian(rng, (uint64_t)rla_dmat_global_row(A, i0 + r), (uint64_t)(s + coloff),
                         (size_t)(e - s), buf[r]);
      for (int64_t t = 0; t < e - s; t++) {
        double *col = A->a + (j + s - gj + t) * A->lld + i0;
        for (int64_t r = 0; r < nr; r++)
          col[r] = scale * buf[r][t];
      }
    }
    j += len;
  }
}

/* Householder QR in place (pdgeqrf + pdorgqr on Q's own layout), for the other layouts */
static rla_err householder(rla_dmat Q)
{
  rla_ctx ctx = Q->ctx;
  int m = (int)Q->m, k = (int)Q->n, one = 1, info = 0, lwork = -1, lw2 = -1;
  double query = 0.0, *tau = NULL, *work = NULL;
  rla_err err = RLA_SUCCESS;

  err = rla_calloc(ctx, (size_t)(Q->ln > 0 ? Q->ln : 1), sizeof(double), &tau);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  pdgeqrf_(&m, &k, Q->a, &one, &one, Q->desc, tau, &query, &lwork, &info);
  lwork = (int)query;
  pdorgqr_(&m, &k, &k, Q->a, &one, &one, Q->desc, tau, &query, &lw2, &info);
  if ((int)query > lwork) lwork = (int)query;
  if (lwork < 1) lwork = 1;
  err = rla_calloc(ctx, (size_t)lwork, sizeof(double), &work);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  pdgeqrf_(&m, &k, Q->a, &one, &one, Q->desc, tau, work, &lwork, &info);
  if (info)
    err = rla_error_set(ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,
                        "pdgeqrf failed (info %d) on a %d x %d matrix", info, m, k);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  pdorgqr_(&m, &k, &k, Q->a, &one, &one, Q->desc, tau, work, &lwork, &info);
  if (info)
    err = rla_error_set(ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,
                        "pdorgqr failed (info %d) on a %d x %d matrix", info, m, k);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
done:
  free(tau);
  free(work);
  return err;
}

rla_err rla_gen_orthonormalize(rla_dmat Q)
{
  rla_ctx ctx = Q->ctx;

  RLA_CHECK(ctx, Q->m >= Q->n, RLA_ERR_INTERNAL, "orthonormalize needs m >= k, got %lld x %lld",
            (long long)Q->m, (long long)Q->n);
  if (Q->n == 0) return RLA_SUCCESS;
  if (Q->layout == RLA_DMAT_ROWBLOCK)
    RLA_CALL(ctx,
             rla_orth_qr(ctx, RLA_ORTH_AUTO, Q->m, Q->lm, Q->n, Q->a, Q->lld, NULL, NULL, NULL));
  else
    RLA_CALL(ctx, householder(Q));
  return RLA_SUCCESS;
}

void rla_gen_unit_gaussian(rla_rng rng, int64_t n, double *x)
{
  double xn = 0.0;
  rla_rng_gaussian(rng, 0, 0, (size_t)n, x);
  for (int64_t j = 0; j < n; j++)
    xn = hypot(xn, x[j]);
  for (int64_t j = 0; j < n; j++)
    x[j] /= xn;
}

rla_err rla_gen_check_sigma(rla_ctx ctx, const char *what, const double *sigma, int64_t k)
{
  int64_t none = 0;
  RLA_CHECK(ctx, sigma, RLA_ERR_ARG, "%s: null sigma", what);
  RLA_CALL(ctx, rla_gen_agree_params(ctx, what, &none, 0, sigma, k));
  for (int64_t j = 0; j < k; j++) {
    RLA_CHECK(ctx, isfinite(sigma[j]) && sigma[j] > 0, RLA_ERR_ARG,
              "singular values must be positive and finite: sigma[%lld] = %g", (long long)j,
              sigma[j]);
    RLA_CHECK(ctx, j == 0 || sigma[j] <= sigma[j - 1], RLA_ERR_ARG,
              "singular values must be sorted in non-increasing order: sigma[%lld] = %g > "
              "sigma[%lld] = %g",
              (long long)j, sigma[j], (long long)(j - 1), sigma[j - 1]);
  }
  return RLA_SUCCESS;
}
