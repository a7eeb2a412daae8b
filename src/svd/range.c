/* SPDX-License-Identifier: BSD-3-Clause */
/* The randomized SVD on an operator A (m x n, any shape, rows split as the operator's):
   range finder, power iterations, QB (one block at a fixed rank, blocks to a tolerance), and
   the SVD of the small factor, on the buffers of the plan (plan.c): nothing is allocated here
   but the growth of a tolerance-mode plan past its start.

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

   Cost at fixed rank with l = k + p: (2q + 2) products with A or A^T (for a dense A 2 m n l / P
   flops per rank each; one reduce-scatter or allgather of n l words), the sketch (for a dense A
   m n log2(b) / P for block SRHT, 2 m n l / P for Gaussian, no communication; a matrix-free A
   takes one product with the explicit Omega^T), 2q + 2 orthonormalizations (2 (m or n) l^2 / P
   flops per pass, a reduction and a broadcast of l^2 words each; two passes for the final Q and
   Q_B, one for the 2q intermediate iterates when its guard accepts it), the K x K SVD on rank 0 (about
   22 K^3 flops) and one broadcast of 2 K^2 words. Tolerance mode: the same per block of b
   columns, plus the projections against the K columns so far (4 m K b / P flops and one K b
   allreduce each). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "rla/rng.h"
#include "../base/fault.h"
#include "svd_impl.h"

struct run {
  rla_svd S;
  rla_ctx ctx;
  rla_svd_info *info;
  struct rla_svd_plan *P;
  struct rla_svd_work *w;
  int64_t K; /* basis columns so far */
};

/* Y = (I - Q Q^T) Y for the first K columns of Q. */
static rla_err project(struct run *R, int64_t c, double *y)
{
  struct rla_svd_plan *P = R->P;
  int64_t K = R->K, lm = R->w->lm;
  if (K == 0) return RLA_SUCCESS;
  memset(P->proj, 0, sizeof(double) * (size_t)(K * c));
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)K, (int)c, (int)lm, 1.0, P->q,
                (int)P->ldq, y, (int)P->ldq, 0.0, P->proj, (int)K);
  RLA_MPI(R->ctx, MPI_Allreduce(MPI_IN_PLACE, P->proj, (int)(K * c), MPI_DOUBLE, MPI_SUM,
                                rla_ctx_comm(R->ctx)));
  R->info->comm_words += K * c;
  if (lm > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)c, (int)K, -1.0, P->q,
                (int)P->ldq, P->proj, (int)K, 1.0, y, (int)P->ldq);
  return RLA_SUCCESS;
}

/* Y = (I - Q Q^T) Y, then orthonormalize it (basis: an intermediate iterate, see rla_svd_orth). */
static rla_err deflate_orth(struct run *R, int basis, int64_t c, double *y)
{
  RLA_CALL(R->ctx, project(R, c, y));
  RLA_CALL(R->ctx, rla_svd_orth(R->ctx, basis, R->w->m, R->w->lm, c, y, R->P->ldq, NULL,
                                R->P->orthw, R->info));
  return RLA_SUCCESS;
}

/* Append the c columns of block info->blocks to Q (and B^T): sketch, power iterations on
   (I - Q Q^T) A, B_i^T. The plan grows first when it holds fewer columns, or no sketch of the
   block's width (tolerance mode past the planned start: the only allocations of a run); the
   block's sketch is the plan's, reseeded. */
static rla_err grow(struct run *R, int64_t c)
{
  rla_ctx ctx = R->ctx;
  struct rla_svd_plan *P = R->P;
  struct rla_svd_work *w = R->w;
  rla_sketch sk = NULL;
  double *y, t;
  rla_err err;

  RLA_CALL(ctx, rla_svd_plan_reserve(R->S, R->K + c));
  RLA_CALL(ctx, rla_svd_plan_sketch(R->S, R->info->blocks, &sk));
  y = P->q + R->K * P->ldq;
  t = rla_wtime();

  err = rla_op_sketch_right(w->op, sk, y, P->ldq);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_CALL(ctx, deflate_orth(R, R->S->q > 0, c, y));
  R->info->time_sketch += rla_wtime() - t;
  t = rla_wtime();
  for (int64_t j = 0; j < R->S->q; j++) {
    RLA_CALL(ctx, rla_fault_agree(ctx, "iterate"));
    RLA_CALL(ctx, rla_svd_work_apply_transpose(w, c, y, P->ldq, P->z, P->ldb));
    RLA_CALL(ctx, rla_svd_orth(ctx, 1, w->n, w->ln, c, P->z, P->ldb, NULL, P->orthw, R->info));
    RLA_CALL(ctx, rla_svd_work_apply(w, c, P->z, P->ldb, y, P->ldq));
    RLA_CALL(ctx, deflate_orth(R, j + 1 < R->S->q, c, y));
  }
  R->info->time_power += rla_wtime() - t;
  t = rla_wtime();
  if (R->K > 0) RLA_CALL(ctx, deflate_orth(R, 0, c, y)); /* second Gram-Schmidt pass */
  RLA_CALL(ctx, rla_svd_work_apply_transpose(w, c, y, P->ldq, P->bt + R->K * P->ldb, P->ldb));
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
  const double *bt = R->P->bt;
  int64_t ldb = R->P->ldb;
  for (int64_t j = R->K - c; j < R->K; j++)
    for (int64_t i = 0; i < R->w->ln; i++)
      rla_svd_ksum_add(&k, bt[i + j * ldb] * bt[i + j * ldb]);
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
  int64_t kmax = R->P->limit;
  double nrm2 = info->norm_fro * info->norm_fro, target = info->tol * info->tol * nrm2;
  rla_svd_ksum captured = {0.0, 0.0};

  if (!info->tolerance_mode) {
    RLA_CALL(R->ctx, grow(R, kmax));
    return RLA_SUCCESS;
  }
  while (R->K < kmax) {
    int64_t c = S->block < kmax - R->K ? S->block : kmax - R->K;
    double energy = 0.0;
    RLA_CALL(R->ctx, grow(R, c));
    RLA_CALL(R->ctx, block_energy(R, c, &energy));
    rla_svd_ksum_add(&captured, energy);
    if (nrm2 - rla_svd_ksum_value(&captured) <= target) break;
  }
  return RLA_SUCCESS;
}

/* Rank 0: SVD of the K x K matrix m (overwritten); sig, u (K x K), vt (K x K), with the plan's
   workspace, of the size LAPACKE_dgesdd would allocate (its workspace query for K). */
static rla_err small_svd(struct run *R, int64_t K, double *m, double *sig, double *u, double *vt)
{
  struct rla_svd_plan *P = R->P;
  lapack_int k = (lapack_int)K, info;
  double query = 0.0;
  for (int64_t i = 0; i < K * K; i++)
    RLA_CHECK(R->ctx, !isnan(m[i]), RLA_ERR_LIB,
              "SVD of the %lld x %lld projected matrix failed (LAPACK dgesdd info -5)",
              (long long)K, (long long)K);
  info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', k, k, m, k, sig, u, k, vt, k, &query, -1,
                             P->iwork);
  RLA_CHECK(R->ctx, info == 0 && (int64_t)query <= P->lwork, RLA_ERR_INTERNAL,
            "dgesdd asks for %lld doubles of workspace, %lld were planned (info %d)",
            (long long)query, (long long)P->lwork, (int)info);
  info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', k, k, m, k, sig, u, k, vt, k, P->gesdd_work,
                             (lapack_int)query, P->iwork);
  RLA_CHECK(R->ctx, info == 0, info > 0 ? RLA_ERR_NUMERIC : RLA_ERR_LIB,
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

/* The rank, its flags and sigma, broadcast from rank 0 in head (4 + K + 2 K^2 doubles). */
static rla_err take_head(struct run *R, const double *head)
{
  int64_t K = R->K, k = (int64_t)head[0];
  R->info->rank = k;
  R->info->tol_met = head[1] != 0.0;
  R->info->error_estimate = head[2];
  R->info->sigma_next = head[3];
  memcpy(R->P->sigma, head + 4, sizeof(double) * (size_t)k);
  R->info->comm_words += 4 + K + 2 * K * K;
  return RLA_SUCCESS;
}

/* Rows of U formed at a time in place (U_PANEL x k doubles of the products' scratch). */
#define U_PANEL 1024

/* U = Q U~ (ut: K x k) into the first k columns of the basis itself, U's storage when the
   operator has no dense matrix: a panel of rows at a time through the products' scratch (wide,
   cmax n >= k doubles, free by then), each panel of Q read before its rows are overwritten. */
static void u_in_place(struct run *R, int64_t K, int64_t k, const double *ut)
{
  struct rla_svd_plan *P = R->P;
  int64_t lm = R->w->lm, rows = R->w->cmax * R->w->n / (k > 0 ? k : 1);
  double *t = R->w->wide;
  if (rows > U_PANEL) rows = U_PANEL;
  for (int64_t i0 = 0, r; i0 < lm && k > 0; i0 += r) {
    r = lm - i0 < rows ? lm - i0 : rows;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)k, (int)K, 1.0, P->q + i0,
                (int)P->ldq, ut, (int)K, 0.0, t, (int)r);
    for (int64_t j = 0; j < k; j++)
      memcpy(P->q + i0 + j * P->ldq, t + j * r, sizeof(double) * (size_t)r);
  }
}

/* QR of B^T, SVD of R_B^T on rank 0, broadcast, and the factors U = Q U~, V = Q_B W~ into the
   plan's storage. */
static rla_err factors(struct run *R)
{
  rla_ctx ctx = R->ctx;
  struct rla_svd_plan *P = R->P;
  int64_t K = R->K, k, lld;
  int nbuf = (int)(4 + K + 2 * K * K);
  double *buf = P->small, *sig = buf + 4, *ut = sig + K, *vt = ut + K * K, *local;
  rla_err err = RLA_SUCCESS;

  RLA_CALL(ctx,
           rla_svd_orth(ctx, 0, R->w->n, R->w->ln, K, P->bt, P->ldb, P->rb, P->orthw, R->info));
  if (rla_ctx_rank(ctx) == 0) {
    for (int64_t j = 0; j < K; j++)
      for (int64_t i = 0; i < K; i++)
        P->mat[i + j * K] = P->rb[j + i * K];
    err = small_svd(R, K, P->mat, sig, ut, vt);
    if (!err) choose_rank(R, sig, buf);
  }
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Bcast(buf, nbuf, MPI_DOUBLE, 0, rla_ctx_comm(ctx)));
  RLA_CALL(ctx, take_head(R, buf));
  k = R->info->rank;
  if (P->u == P->q)
    u_in_place(R, K, k, ut);
  else if (R->w->lm > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)R->w->lm, (int)k, (int)K, 1.0, P->q,
                (int)P->ldq, ut, (int)K, 0.0, P->u, (int)P->ldu);
  rla_dmat_local(P->V, &local, NULL, NULL, &lld);
  if (R->w->ln > 0)
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)R->w->ln, (int)k, (int)K, 1.0, P->bt,
                (int)P->ldb, vt, (int)K, 0.0, local, (int)lld);
  return RLA_SUCCESS;
}

rla_err rla_svd_run(rla_svd S)
{
  struct run R = {0};
  double t;

  R.S = S;
  R.ctx = S->ctx;
  R.info = &S->info;
  R.P = &S->plan;
  R.w = &S->plan.w;
  RLA_CALL(R.ctx, range(&R));
  t = rla_wtime();
  RLA_CALL(R.ctx, factors(&R));
  S->info.basis_size = R.K;
  S->info.time_small_svd += rla_wtime() - t;
  return RLA_SUCCESS;
}
