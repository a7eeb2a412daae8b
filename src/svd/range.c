/* SPDX-License-Identifier: BSD-3-Clause */
/* The randomized SVD on a row-block working matrix A (m x n): range finder, power iterations,
   QB (one block at a fixed rank, blocks to a tolerance), and the SVD of the small factor.

   Method: Halko, Martinsson, Tropp, "Finding structure with randomness", SIAM Review 53(2),
   2011: Alg. 4.1 (Y = A Omega^T), Alg. 4.4 (subspace iteration, re-orthonormalized after every
   product with A or A^T), Alg. 5.1 (B = Q^T A, SVD of B, U = Q U~). Tolerance: blocked QB of
   Martinsson, Voronin, SISC 38(5), 2016, in the form randQB_EI of Yu, Gu, Li, SIMAX 39(3), 2018:
   block i is sketched and iterated on the deflated operator (I - Q Q^T) A (the projection is
   applied after every product with A, then once more to re-orthogonalize against Q), and the
   error indicator E = ||A||_F^2 - sum_i ||B_i||_F^2 = ||A - QB||_F^2 (exact arithmetic) stops
   the growth at E <= tol^2 ||A||_F^2.
   Small SVD without forming B: B^T = A^T Q (n x K) is factored B^T = Q_B R_B by the same
   tall-skinny orthonormalization, the K x K matrix R_B^T = U~ S W~^T is decomposed on rank 0
   (LAPACK dgesdd) and broadcast, and U = Q U~, V = Q_B W~, since B = R_B^T Q_B^T.

   Cost at fixed rank with l = k + p: (2q + 2) products with A or A^T (2 m n l / P flops per
   rank each, one reduce-scatter or allgather of n l words), the sketch (m n log2(b) / P for
   block SRHT, 2 m n l / P for Gaussian, no communication), 2q + 3 orthonormalizations
   (2 (m or n) l^2 / P flops per pass, two l^2 reductions), the K x K SVD on rank 0 (about
   22 K^3 flops) and one broadcast of 2 K^2 words. Tolerance mode: the same per block of b
   columns, plus the projections against the K columns so far (4 m K b / P flops and one K b
   allreduce each). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "rla/rng.h"
#include "svd_impl.h"

struct run {
  rla_svd S;
  rla_ctx ctx;
  rla_svd_info *info;
  struct rla_svd_work w;
  rla_sketch sketch;
  int64_t limit; /* basis columns: l at a fixed rank, the cap on K with a tolerance */
  int64_t K, cap, ldq, ldb;
  double *q;    /* lm x cap: the basis Q, then Q U~ */
  double *bt;   /* ln x cap: B^T, then Q_B */
  double *z;    /* ln x c: the n-side block of the power iteration */
  double *proj; /* cap x c: Q^T Y */
};

static int64_t max1(int64_t x) { return x > 1 ? x : 1; }

/* Room for cap columns in q and bt (contents kept: the leading dimensions do not change). */
static rla_err reserve(struct run *R, int64_t cap, int64_t c)
{
  rla_err err = RLA_SUCCESS;
  if (cap <= R->cap) return RLA_SUCCESS;
  {
    double *q = realloc(R->q, sizeof(double) * (size_t)(R->ldq * cap));
    double *bt = q ? realloc(R->bt, sizeof(double) * (size_t)(R->ldb * cap)) : NULL;
    double *proj = bt ? realloc(R->proj, sizeof(double) * (size_t)(cap * c)) : NULL;
    if (q) R->q = q;
    if (bt) R->bt = bt;
    if (proj) R->proj = proj;
    if (!proj)
      err = rla_error_set(R->ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__,
                          "out of memory growing the basis to %lld columns", (long long)cap);
    else
      R->cap = cap;
  }
  RLA_CALL(R->ctx, rla_ctx_agree(R->ctx, err));
  return RLA_SUCCESS;
}

/* Y = (I - Q Q^T) Y for the first K columns of Q. */
static rla_err project(struct run *R, int64_t c, double *y)
{
  int64_t K = R->K, lm = R->w.lm;
  if (K == 0) return RLA_SUCCESS;
  memset(R->proj, 0, sizeof(double) * (size_t)(K * c));
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)K, (int)c, (int)lm, 1.0, R->q,
                (int)R->ldq, y, (int)R->ldq, 0.0, R->proj, (int)K);
  RLA_MPI(R->ctx, MPI_Allreduce(MPI_IN_PLACE, R->proj, (int)(K * c), MPI_DOUBLE, MPI_SUM,
                                rla_ctx_comm(R->ctx)));
  R->info->comm_words += K * c;
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)c, (int)K, -1.0, R->q,
                (int)R->ldq, R->proj, (int)K, 1.0, y, (int)R->ldq);
  return RLA_SUCCESS;
}

/* Y = (I - Q Q^T) Y, then orthonormalize it. */
static rla_err deflate_orth(struct run *R, int64_t c, double *y)
{
  RLA_CALL(R->ctx, project(R, c, y));
  RLA_CALL(R->ctx, rla_svd_orth(R->ctx, R->w.m, R->w.lm, c, y, R->ldq, NULL, R->info));
  return RLA_SUCCESS;
}

/* Seed of QB block i: the user's seed for the first, then derived through the RNG. */
static uint64_t block_seed(uint64_t seed, int64_t i)
{
  if (i == 0) return seed;
  return rla_rng_bits(rla_rng_make(seed, RLA_SVD_RNG_BLOCK_SEED), (uint64_t)i, 0);
}

/* Append c columns to Q (and B^T): sketch, power iterations on (I - Q Q^T) A, B_i^T. */
static rla_err grow(struct run *R, int64_t c)
{
  rla_ctx ctx = R->ctx;
  struct rla_svd_work *w = &R->w;
  double *y = R->q + R->K * R->ldq, t = rla_wtime();
  rla_err err;

  err = rla_sketch_set_sizes(R->sketch, c, w->n);
  if (!err) err = rla_sketch_set_seed(R->sketch, block_seed(R->S->seed, R->info->blocks));
  if (!err) err = rla_sketch_apply_right_local(R->sketch, w->lm, w->a, w->lda, y, R->ldq);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_CALL(ctx, deflate_orth(R, c, y));
  R->info->time_sketch += rla_wtime() - t;
  t = rla_wtime();
  for (int64_t j = 0; j < R->S->q; j++) {
    RLA_CALL(ctx, rla_fault_agree(ctx, "iterate"));
    RLA_CALL(ctx, rla_svd_work_apply_transpose(w, c, y, R->ldq, R->z, R->ldb));
    RLA_CALL(ctx, rla_svd_orth(ctx, w->n, w->ln, c, R->z, R->ldb, NULL, R->info));
    RLA_CALL(ctx, rla_svd_work_apply(w, c, R->z, R->ldb, y, R->ldq));
    RLA_CALL(ctx, deflate_orth(R, c, y));
  }
  R->info->time_power += rla_wtime() - t;
  t = rla_wtime();
  if (R->K > 0) RLA_CALL(ctx, deflate_orth(R, c, y)); /* second Gram-Schmidt pass */
  RLA_CALL(ctx, rla_svd_work_apply_transpose(w, c, y, R->ldq, R->bt + R->K * R->ldb, R->ldb));
  R->K += c;
  R->info->blocks++;
  R->info->time_qb += rla_wtime() - t;
  return RLA_SUCCESS;
}

/* ||B_i||_F^2 of the last c columns of B^T, the same on every rank. */
static rla_err block_energy(struct run *R, int64_t c, double *energy)
{
  rla_svd_ksum k = {0.0, 0.0};
  double s[2];
  for (int64_t j = R->K - c; j < R->K; j++)
    for (int64_t i = 0; i < R->w.ln; i++)
      rla_svd_ksum_add(&k, R->bt[i + j * R->ldb] * R->bt[i + j * R->ldb]);
  s[0] = k.sum;
  s[1] = k.comp;
  RLA_CALL(R->ctx, rla_reduce_sum_replicated(R->ctx, s, 2));
  *energy = s[0] + s[1];
  return RLA_SUCCESS;
}

/* Grow Q to l columns (fixed rank) or block by block until the energy criterion holds. */
static rla_err range(struct run *R)
{
  rla_svd S = R->S;
  rla_svd_info *info = R->info;
  int64_t kmax = R->limit;
  double nrm2 = info->norm_fro * info->norm_fro, target = info->tol * info->tol * nrm2;
  rla_svd_ksum captured = {0.0, 0.0};

  if (!info->tolerance_mode) {
    RLA_CALL(R->ctx, reserve(R, kmax, kmax));
    RLA_CALL(R->ctx, grow(R, kmax));
    return RLA_SUCCESS;
  }
  while (R->K < kmax) {
    int64_t c = S->block < kmax - R->K ? S->block : kmax - R->K, cap = R->cap;
    double energy = 0.0;
    while (cap < R->K + c)
      cap = cap * 2 > R->K + c ? cap * 2 : R->K + c;
    RLA_CALL(R->ctx, reserve(R, cap < kmax ? cap : kmax, S->block));
    RLA_CALL(R->ctx, grow(R, c));
    RLA_CALL(R->ctx, block_energy(R, c, &energy));
    rla_svd_ksum_add(&captured, energy);
    if (nrm2 - rla_svd_ksum_value(&captured) <= target) break;
  }
  return RLA_SUCCESS;
}

/* Rank 0: SVD of the K x K matrix m (overwritten); sig, u (K x K), vt (K x K). */
static rla_err small_svd(rla_ctx ctx, int64_t K, double *m, double *sig, double *u, double *vt)
{
  lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)K, (lapack_int)K, m,
                                   (lapack_int)K, sig, u, (lapack_int)K, vt, (lapack_int)K);
  RLA_CHECK(ctx, info == 0, info > 0 ? RLA_ERR_NUMERIC : RLA_ERR_LIB,
            "SVD of the %lld x %lld projected matrix failed (LAPACK dgesdd info %d)", (long long)K,
            (long long)K, (int)info);
  return RLA_SUCCESS;
}

/* Rank 0: the rank to keep, its error estimate and whether tol is met; fills head[0..3]. The
   error of rank r is ||A||_F^2 - sum_{i<r} sigma_i^2, with the sum compensated. */
static void choose_rank(struct run *R, const double *sig, double *head)
{
  rla_svd_info *info = R->info;
  int64_t K = R->K, k = info->tolerance_mode ? K : R->S->k;
  double nrm2 = info->norm_fro * info->norm_fro, e = nrm2, target = info->tol * info->tol * nrm2;
  rla_svd_ksum captured = {0.0, 0.0};
  int met = !info->tolerance_mode;
  for (int64_t i = 0; i < K; i++) {
    rla_svd_ksum_add(&captured, sig[i] * sig[i]);
    e = nrm2 - rla_svd_ksum_value(&captured);
    if (info->tolerance_mode && e <= target) {
      k = i + 1;
      met = 1;
      break;
    }
    if (!info->tolerance_mode && i + 1 == k) break;
  }
  head[0] = (double)k;
  head[1] = met;
  head[2] = info->norm_fro > 0.0 ? sqrt(e > 0.0 ? e : 0.0) / info->norm_fro : 0.0;
  head[3] = k < K ? sig[k] : 0.0;
}

/* QR of B^T, SVD of R_B^T on rank 0, broadcast, and the factors U = Q U~, V = Q_B W~. */
static rla_err factors(struct run *R, rla_dmat A, rla_dmat *U, rla_dmat *V)
{
  rla_ctx ctx = R->ctx;
  int64_t K = R->K, k, mb, lld;
  double *rb = NULL, *m = NULL, *buf = NULL, *sig, *ut, *vt, *local;
  size_t nbuf = 4 + (size_t)K + 2 * (size_t)(K * K);
  rla_err err;

  err = rla_calloc(ctx, nbuf, sizeof(double), &buf);
  if (!err && rla_ctx_rank(ctx) == 0) err = rla_calloc(ctx, (size_t)(K * K), sizeof(double), &rb);
  if (!err && rla_ctx_rank(ctx) == 0) err = rla_calloc(ctx, (size_t)(K * K), sizeof(double), &m);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_orth(ctx, R->w.n, R->w.ln, K, R->bt, R->ldb, rb, R->info));
  sig = buf + 4;
  ut = sig + K;
  vt = ut + K * K;
  if (rla_ctx_rank(ctx) == 0) {
    for (int64_t j = 0; j < K; j++)
      for (int64_t i = 0; i < K; i++)
        m[i + j * K] = rb[j + i * K];
    err = small_svd(ctx, K, m, sig, ut, vt);
    if (!err) choose_rank(R, sig, buf);
  }
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CHECK_GOTO(ctx, err, done,
                 MPI_Bcast(buf, (int)nbuf, MPI_DOUBLE, 0, rla_ctx_comm(ctx)) == MPI_SUCCESS,
                 RLA_ERR_MPI, "MPI_Bcast of the small SVD failed");
  R->info->comm_words += (int64_t)nbuf;
  k = (int64_t)buf[0];
  R->info->rank = k;
  R->info->tol_met = buf[1] != 0.0;
  R->info->error_estimate = buf[2];
  R->info->sigma_next = buf[3];
  RLA_CALL_GOTO(ctx, err, done,
                rla_ctx_agree(ctx, rla_calloc(ctx, (size_t)max1(k), sizeof(double), &R->S->sigma)));
  memcpy(R->S->sigma, sig, sizeof(double) * (size_t)k);
  rla_dmat_blocks(A, &mb, NULL);
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, R->w.m, k, mb, U));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, R->w.n, k, 0, V));
  rla_dmat_local(*U, &local, NULL, NULL, &lld);
  if (R->w.lm > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)R->w.lm, (int)k, (int)K, 1.0, R->q,
                (int)R->ldq, ut, (int)K, 0.0, local, (int)lld);
  rla_dmat_local(*V, &local, NULL, NULL, &lld);
  if (R->w.ln > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)R->w.ln, (int)k, (int)K, 1.0, R->bt,
                (int)R->ldb, vt, (int)K, 0.0, local, (int)lld);
done:
  rla_free(&buf);
  rla_free(&rb);
  rla_free(&m);
  return err;
}

rla_err rla_svd_run(rla_svd S, rla_dmat A, rla_dmat *U, rla_dmat *V)
{
  rla_ctx ctx = S->ctx;
  struct run R = {0};
  int64_t m, n, mn, c;
  double t;
  rla_err err;

  R.S = S;
  R.ctx = ctx;
  R.info = &S->info;
  rla_dmat_sizes(A, &m, &n);
  mn = m < n ? m : n;
  if (S->info.tolerance_mode)
    R.limit = S->kmax > 0 && S->kmax < mn ? S->kmax : mn;
  else
    R.limit = S->k + S->p < mn ? S->k + S->p : mn;
  c = S->info.tolerance_mode && S->block < R.limit ? S->block : R.limit;
  RLA_CALL(ctx, rla_svd_work_create(A, c, R.info, &R.w));
  R.ldq = max1(R.w.lm);
  R.ldb = max1(R.w.ln);
  err = rla_sketch_create(ctx, &R.sketch);
  if (!err) err = rla_sketch_set_type(R.sketch, S->type);
  if (!err) err = rla_calloc(ctx, (size_t)(R.ldb * c), sizeof(double), &R.z);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_CALL_GOTO(ctx, err, done, range(&R));
  t = rla_wtime();
  RLA_CALL_GOTO(ctx, err, done, factors(&R, A, U, V));
  S->info.basis_size = R.K;
  S->info.time_small_svd += rla_wtime() - t;
done:
  rla_svd_work_destroy(&R.w);
  rla_sketch_destroy(&R.sketch);
  free(R.q);
  free(R.bt);
  free(R.proj);
  rla_free(&R.z);
  return err;
}
