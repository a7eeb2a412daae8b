/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of rla_svd and the internal pieces shared by the files of src/svd. */
#ifndef RLA_SVD_IMPL_H
#define RLA_SVD_IMPL_H

#include <math.h>

#include "rla/rng.h"
#include "rla/svd.h"
#include "../base/reduce.h"
#include "../orth/orth.h"

/* rla_rng purpose for the seeds of QB blocks after the first (block i uses
   rla_rng_bits(rla_rng_make(seed, RLA_SVD_RNG_BLOCK_SEED), i, 0)). */
#define RLA_SVD_RNG_BLOCK_SEED RLA_RNG_SVD_BLOCK_SEED

struct rla_svd_s {
  rla_ctx ctx;
  /* parameters */
  int64_t k;  /* fixed rank, 0 when unset */
  double tol; /* tolerance, 0 when unset */
  int64_t p, q, block, kmax;
  rla_sketch_type type;
  uint64_t seed;
  int is_setup;
  /* results of the last compute */
  int computed;
  double *sigma;
  rla_dmat U, V;
  rla_svd_info info;
};

/* A row-block working matrix (m x n, this rank's lm rows at a with leading dimension lda) and
   the row-block split of its n side (row blocks of ceil(n/P)), with the scratch space of the
   products. Built by rla_svd_work_create. */
struct rla_svd_work {
  rla_ctx ctx;
  MPI_Comm comm;
  int size, rank;
  int64_t m, n, lm, lda;
  const double *a;
  int64_t nb, ln;       /* n-side row block and this rank's rows of it */
  int *nrows;           /* n-side rows of every rank */
  int *counts, *displs; /* scratch for reduce-scatter and allgather (c * nrows) */
  int64_t cmax;         /* columns the scratch holds */
  double *wide;         /* cmax x n: Y^T A, or the gathered Z^T */
  double *piece;        /* cmax x ln: this rank's part of wide */
  rla_svd_info *info;   /* receives the communication counts */
};

/* Neumaier's compensated sum: its rounding error stays about 2 eps |sum| whatever the number of
   terms (a running sum of N terms drifts by about sqrt(N) eps, too much for the energy
   identity of the tolerance mode). */
typedef struct {
  double sum, comp;
} rla_svd_ksum;

static inline void rla_svd_ksum_add(rla_svd_ksum *k, double x)
{
  double t = k->sum + x;
  k->comp += fabs(k->sum) >= fabs(x) ? (k->sum - t) + x : (x - t) + k->sum;
  k->sum = t;
}

static inline double rla_svd_ksum_value(const rla_svd_ksum *k) { return k->sum + k->comp; }

/* Orthonormalize the distributed tall matrix X (m x l; this rank holds lm rows at x, leading
   dimension ldx) in place: X = Q R by the module's guarded sequence (RLA_ORTH_AUTO, see
   src/orth/cholqr.c). When r is not NULL, rank 0 receives R (l x l, leading dimension l, upper
   triangular, zero below). Counts the shifted and TSQR fallbacks and the words in info.
   Collective. */
static inline rla_err rla_svd_orth(rla_ctx ctx, int64_t m, int64_t lm, int64_t l, double *x,
                                   int64_t ldx, double *r, rla_svd_info *info)
{
  rla_orth_stats st = {0, 0, 0};
  rla_err err = rla_orth_qr(ctx, RLA_ORTH_AUTO, m, lm, l, x, ldx, r, &st);
  info->comm_words += st.words;
  info->qr_shifted += st.shifted;
  info->qr_tsqr += st.tsqr;
  return err;
}

/* Working-matrix descriptor for a row-block matrix A, with scratch for products of up to cmax
   columns. Collective. */
rla_err rla_svd_work_create(rla_dmat A, int64_t cmax, rla_svd_info *info, struct rla_svd_work *w);
void rla_svd_work_destroy(struct rla_svd_work *w);
/* Z (ln x c, leading dimension ldz) = the n-side rows of A^T Y for Y (lm x c). One
   reduce-scatter of c*n words. Collective. */
rla_err rla_svd_work_apply_transpose(struct rla_svd_work *w, int64_t c, const double *y,
                                     int64_t ldy, double *z, int64_t ldz);
/* Y (lm x c) = A Z for Z given by its n-side rows (ln x c). One allgather of c*n words.
   Collective. */
rla_err rla_svd_work_apply(struct rla_svd_work *w, int64_t c, const double *z, int64_t ldz,
                           double *y, int64_t ldy);

/* The randomized SVD proper on the row-block working matrix A: fills S->sigma, new row-block
   U (m x k, the row blocks of A) and V (n x k), and the rank, basis, error, count and time
   fields of S->info (S->info.norm_fro, tol and tolerance_mode must be set). Collective. */
rla_err rla_svd_run(rla_svd S, rla_dmat A, rla_dmat *U, rla_dmat *V);

#endif
