/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared pieces of the generators: parameter agreement across ranks, Gaussian fills keyed by
   global indices, and Householder orthonormalization (pdgeqrf + pdorgqr, 4mk^2 - 4k^3/3 flops
   for an m x k matrix, the communication of ScaLAPACK's panel factorizations). */
#include <stdlib.h>
#include <string.h>

#include "../dmat/dmat_impl.h"
#include "../dmat/scalapack.h"
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
  RLA_CHECK(ctx, all, RLA_ERR_ARG, "%s: the values differ between ranks (pass the same array on "
            "every rank)", what);
  return RLA_SUCCESS;
}

int64_t rla_gen_block_size(int64_t m, int64_t n)
{
  int64_t big = m > n ? m : n, nb = (big + 7) / 8;
  return nb < 8 ? 8 : nb > 64 ? 64 : nb;
}

void rla_gen_fill_gaussian(rla_dmat A, rla_rng rng, int64_t c0, int64_t c1, int64_t coloff,
                           double scale)
{
  double buf[256];
  /* runs of local columns with consecutive global indices (inside one column block), clipped
     to [c0, c1); one RNG call per local row and run */
  for (int64_t j = 0; j < A->ln;) {
    int64_t gj = rla_dmat_global_col(A, j), len = 1, s, e;
    while (j + len < A->ln && len < 256 && rla_dmat_global_col(A, j + len) == gj + len)
      len++;
    s = gj > c0 ? gj : c0;
    e = gj + len < c1 ? gj + len : c1;
    for (int64_t i = 0; s < e && i < A->lm; i++) {
      rla_rng_gaussian(rng, (uint64_t)rla_dmat_global_row(A, i), (uint64_t)(s + coloff),
                       (size_t)(e - s), buf);
      for (int64_t t = 0; t < e - s; t++)
        A->a[i + (j + s - gj + t) * A->lld] = scale * buf[t];
    }
    j += len;
  }
}

rla_err rla_gen_orthonormalize(rla_dmat Q)
{
  rla_ctx ctx = Q->ctx;
  int m = (int)Q->m, k = (int)Q->n, one = 1, info = 0, lwork = -1;
  double query = 0.0, *tau = NULL, *work = NULL;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, Q->layout == RLA_DMAT_CYCLIC && Q->m >= Q->n, RLA_ERR_INTERNAL,
            "orthonormalize needs a cyclic m x k matrix with m >= k");
  if (k == 0) return RLA_SUCCESS;
  err = rla_calloc(ctx, (size_t)(Q->ln > 0 ? Q->ln : 1), sizeof(double), &tau);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  pdgeqrf_(&m, &k, Q->a, &one, &one, Q->desc, tau, &query, &lwork, &info);
  lwork = (int)query;
  pdorgqr_(&m, &k, &k, Q->a, &one, &one, Q->desc, tau, &query, &(int){-1}, &info);
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
