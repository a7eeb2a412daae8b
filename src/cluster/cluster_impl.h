/* SPDX-License-Identifier: BSD-3-Clause */
/* Private kernels of src/cluster: replicated sums, small eigenproblems, and the projection and
   orthonormalization of row-distributed column sets (local rows, column-major, ld = lm). */
#ifndef RLA_CLUSTER_IMPL_H
#define RLA_CLUSTER_IMPL_H

#include "rla/cluster.h"

/* buf[0..n) summed over the ranks on rank 0 and broadcast: every rank gets bitwise the same
   values whatever the reduction algorithm. Collective. */
rla_err rla_cluster_sum(rla_ctx ctx, double *buf, int64_t n);
/* Its two halves: the sum on rank 0 only (other ranks' buf is left as it was), and the
   broadcast of rank 0's buf. Collective. */
rla_err rla_cluster_sum_root(rla_ctx ctx, double *buf, int64_t n);
rla_err rla_cluster_bcast(rla_ctx ctx, double *buf, int64_t n);
/* Eigendecomposition of the replicated symmetric n x n matrix g (overwritten by the
   eigenvectors) with dsyevd; w receives the eigenvalues in DEcreasing order and the columns of g
   are reordered to match. Local (deterministic: the same input gives the same output). */
rla_err rla_cluster_eig(rla_ctx ctx, int64_t n, double *g, double *w);
/* y (k x n, replicated) = Q^T R summed over the ranks; then R -= Q y. Done twice (classical
   Gram-Schmidt twice), y holds the sum of both projections. k = 0 leaves R and sets nothing.
   work: rla_cluster_project_work(k, n) doubles, or NULL to allocate them (then with one more
   collective, an agreement on the allocation). Collective. */
int64_t rla_cluster_project_work(int64_t k, int64_t n);
rla_err rla_cluster_project(rla_ctx ctx, int64_t lm, int64_t k, const double *q, int64_t n,
                            double *r, double *y, double *work);
/* An orthonormal basis w (lm x t, t <= n) of the columns of R (lm x n, already projected
   against the orthonormal Q, lm x k): from the Gram matrix R^T R the directions with
   sigma_i > thr, then projected against Q and orthonormalized once more. s2 (n values, may be
   NULL) receives the eigenvalues of R^T R clamped at 0, decreasing: sigma_i(R)^2.
   b (may be NULL) receives W^T R (t x n, ld t), from the reduction of the second pass's Gram
   matrix (no reduction of its own). work: rla_cluster_orth_work(lm, k, n) doubles, or NULL as
   for rla_cluster_project. Collective. */
int64_t rla_cluster_orth_work(int64_t lm, int64_t k, int64_t n);
rla_err rla_cluster_orth(rla_ctx ctx, int64_t lm, int64_t k, const double *q, int64_t n,
                         const double *r, double thr, double *w, int64_t *t, double *s2, double *b,
                         double *work);
/* Sum of squares of the local rows of a (lm x n, leading dimension ld). Local. */
double rla_cluster_sumsq(int64_t lm, int64_t n, const double *a, int64_t ld);
/* Check that every block is row-block with the global rows and row split of blocks[0]. Local
   (the layouts are the same on every rank). */
rla_err rla_cluster_check_blocks(rla_ctx ctx, int64_t nblocks, const rla_dmat *blocks);
/* Top-r energy sum_{i<=r} sigma_i(A)^2 of one row-block matrix from its Gram matrix.
   Collective. */
rla_err rla_cluster_top_energy(rla_ctx ctx, rla_dmat A, int64_t r, double *e);
/* E's state (columns in use, ||C||_F^2, lambda, Q) as one array of
   rla_cluster_estimator_packsize(E) numbers, and back: an estimator replicated over
   MPI_COMM_SELF contexts travels in one message. Local. */
int64_t rla_cluster_estimator_packsize(rla_cluster_estimator E);
void rla_cluster_estimator_pack(rla_cluster_estimator E, double *buf);
void rla_cluster_estimator_unpack(rla_cluster_estimator E, const double *buf);
/* rla_cluster_estimator_add with the block's ||A||_F^2 known (summed over the ranks as
   rla_cluster_sum does): one reduction fewer. Collective. */
rla_err rla_cluster_estimator_add_norm(rla_cluster_estimator E, rla_dmat A, double norm2);
/* F takes E's state (F made with the same sizes, e.g. by rla_cluster_estimator_duplicate), and
   E's workspace when it is the larger: a trial on a spare estimator allocates nothing, and of
   the two only one holds a workspace. Local. */
void rla_cluster_estimator_copy(rla_cluster_estimator E, rla_cluster_estimator F);
/* The basis Q of E: local rows, column-major with leading dimension the local row count, as
   many columns as lambda has values (borrowed; changed by the next add or merge). Local. */
const double *rla_cluster_estimator_basis(rla_cluster_estimator E);
/* Local rows of block A copied contiguous (ld = lm) into a (lm x n). Local. */
void rla_cluster_local_copy(rla_dmat A, double *a);

#endif
