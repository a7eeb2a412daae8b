/* SPDX-License-Identifier: BSD-3-Clause */
/* Randomized SVD of a distributed matrix, at a fixed rank or to a tolerance, with the metrics
   that check it and the ScaLAPACK PDGESVD baseline.

   Method (src/svd/range.c): Halko, Martinsson, Tropp, SIAM Review 53(2), 2011, Alg. 4.4 and 5.1:
   Y = A Omega^T (the sketch from the right), q power iterations re-orthonormalized after every
   multiplication by A or A^T, B = Q^T A, the SVD of the small B, U = Q U~. Tolerance mode grows Q
   by blocks (Martinsson, Voronin, SISC 2016; Yu, Gu, Li, SIMAX 2018, randQB_EI) until
   ||A - QB||_F^2 = ||A||_F^2 - ||B||_F^2 <= tol^2 ||A||_F^2, then truncates to the smallest rank
   that meets tol.

   The operator. The method needs of A only products with blocks of vectors (A Z, A^T Y), the
   sketch A Omega^T and the column norms: it runs on any rla_op (include/rla/op.h), dense or
   matrix-free, of any shape, in the operator's row split (a rank may own no rows). Its n side
   is split in row blocks of ceil(n/P): every product reduces or gathers n x l words, and every
   rank holds one n x l array besides its rows, so a wide operator (m < n) moves and holds n*l
   words per product; give the transposed operator to move m*l instead.
   rla_svd_compute takes an rla_dmat instead: a row-block A is wrapped in a dense operator in
   place (no copy), whatever its shape; a cyclic A is copied once into a row-block layout of A
   when m >= n and of A^T when m < n (info.transposed), then wrapped.
   The SVD of the small factor (K x K, K = basis size) runs on rank 0 with LAPACK dgesdd (about
   22 K^3 flops, small beside the products while K is well below min(m, n); one rank rather than
   a distributed SVD: chosen by measurement, see bench/README.md) and is broadcast; B itself is
   never gathered.
   The bases are orthonormalized by CholeskyQR2 (one reduction of an l x l Gram matrix per pass)
   with a guard for ill-conditioned bases: shifted CholeskyQR3, and Householder TSQR when even the
   shifted Gram matrix cannot be factored (see src/svd/orth.c).

   Lifecycle: create -> set_rank or set_tol, other set_* -> set_operator -> setup (plans:
   sizes, sketches, workspace and the storage of the results, for the largest run the
   parameters allow) -> compute_operator (repeatable) -> get_* -> view -> destroy. Or, for a
   dense matrix: create -> set_* -> setup -> compute(S, A) (repeatable; plans at every call) ->
   get_* -> view -> destroy.
   Memory of the plan: the basis Q (local rows x l) and B^T (ceil(n/P) x l), the factors U and V
   as large, one sketch for the QB blocks (reseeded to each block's seed; a narrower last block
   has a second), and an n x c exchange buffer (c: the QB block, l at a fixed rank). In tolerance
   mode l is the cap (set_max_rank, default min(m, n)): set a cap when min(m, n) is large. */
#ifndef RLA_SVD_H
#define RLA_SVD_H

#include <stdint.h>
#include <stdio.h>

#include "rla/base.h"
#include "rla/dmat.h"
#include "rla/op.h"
#include "rla/options.h"
#include "rla/report.h"
#include "rla/sketch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rla_svd_s *rla_svd;

/* What a computation did, for reports. Every field is the same on every rank. */
typedef struct {
  int64_t m, n;         /* global sizes of A */
  int64_t rank;         /* k: singular triplets returned */
  int64_t basis_size;   /* columns l of the range basis Q: k + p capped at min(m, n) (fixed
                           rank), or the sum of the QB blocks (tolerance) */
  int64_t oversample;   /* p */
  int64_t power_iters;  /* q */
  int64_t block_size;   /* b of the blocked QB (tolerance mode), else l */
  int64_t blocks;       /* QB blocks computed (1 at fixed rank) */
  int tolerance_mode;   /* 1 when set_tol chose the rank */
  double tol_requested; /* tol as set (0 at fixed rank) */
  double tol;           /* tol used: max(tol_requested, rla_svd_tol_min()) */
  int clamped;          /* 1 when tol_requested < rla_svd_tol_min() and was raised to it */
  int tol_met;          /* 1 when error_estimate <= tol (always 1 at fixed rank) */
  double norm_fro;      /* ||A||_F */
  /* error_estimate = sqrt(max(0, ||A||_F^2 - sum_{i<=k} sigma_i^2)) / ||A||_F, which equals
     ||A - U diag(sigma) V^T||_F / ||A||_F in exact arithmetic because U and V lie in the ranges
     of Q and of B^T (Pythagoras). Its rounding error is about c*eps/error_estimate (relative),
     so it is reliable down to about rla_svd_tol_min() and meaningless far below. */
  double error_estimate;
  double sigma_next;        /* sigma_{k+1} of B: a lower bound on sigma_{k+1}(A) (0 when l = k) */
  double orth_loss_u;       /* max_ij |(U^T U - I)_ij| */
  double orth_loss_v;       /* max_ij |(V^T V - I)_ij| */
  rla_sketch_type sketch;   /* sketch operator */
  uint64_t seed;            /* seed of the sketch (block i > 0 of the QB uses a seed derived
                               from it) */
  int transposed;           /* 1 when the work ran on A^T (cyclic wide input) */
  int qr_shifted;           /* orthonormalizations that needed shifted CholeskyQR3 */
  int qr_tsqr;              /* orthonormalizations that fell back to Householder TSQR */
  double time_redistribute; /* copy of cyclic input into the row-block working layout */
  double time_sketch;       /* Y = A Omega^T and its orthonormalization (all blocks) */
  double time_power;        /* power iterations (all blocks) */
  double time_qb;           /* B = Q^T A (all blocks) */
  double time_small_svd;    /* QR of B^T, SVD of the l x l factor, U = Q U~, V = Q_B V~ */
  double time_total;        /* the whole of rla_svd_compute (with its setup) or of
                               rla_svd_compute_operator (setup apart), norms and metrics included */
  int64_t comm_words;       /* payload words of this computation's collectives (a reduction or
                               gather of an n x l matrix counts n*l; the copy of cyclic input
                               counts m*n) */
} rla_svd_info;

/* The fields of a computation's info and its singular values sigma (info->rank of them) in rep,
   as rla-svd reports them. Local. */
rla_err rla_svd_info_report(const rla_svd_info *info, const double *sigma, rla_report rep);

/* Create a randomized SVD object in ctx with the defaults: no rank or tolerance yet,
   oversampling p = 10, power iterations q = 2, block SRHT sketch, seed 1, QB block 32.
   Local. */
rla_err rla_svd_create(rla_ctx ctx, rla_svd *S);
/* Accepts NULL; sets *S = NULL; frees U and V. Collective (frees distributed matrices). */
rla_err rla_svd_destroy(rla_svd *S);

/* Fixed-rank mode: return k >= 1 triplets (k <= min(m, n), checked by compute). Local. */
rla_err rla_svd_set_rank(rla_svd S, int64_t k);
/* Tolerance mode: the smallest rank with ||A - U S V^T||_F <= tol ||A||_F, 0 < tol < 1.
   A tol below rla_svd_tol_min() is raised to it (info.clamped). Local. */
rla_err rla_svd_set_tol(rla_svd S, double tol);
/* Oversampling p >= 0 (default 10): the basis has k + p columns, capped at min(m, n). Local. */
rla_err rla_svd_set_oversample(rla_svd S, int64_t p);
/* Power iterations q >= 0 (default 2). Local. */
rla_err rla_svd_set_power(rla_svd S, int64_t q);
/* Sketch operator for Omega: RLA_SKETCH_SRHT (default) or RLA_SKETCH_GAUSSIAN (the sparse
   sign operator is accepted too). Local. */
rla_err rla_svd_set_sketch_type(rla_svd S, rla_sketch_type type);
/* Seed of the sketch (default 1). Local. */
rla_err rla_svd_set_seed(rla_svd S, uint64_t seed);
/* Tolerance mode: columns added to Q per block, b >= 1 (default 32). Local. */
rla_err rla_svd_set_block(rla_svd S, int64_t b);
/* Tolerance mode: stop at this many basis columns even if tol is not met (info.tol_met = 0);
   0 (default) means min(m, n). The plan of an operator grows up to this cap (see
   rla_svd_compute_operator). Local. */
rla_err rla_svd_set_max_rank(rla_svd S, int64_t kmax);
/* Set the operator whose SVD rla_svd_compute_operator computes.
   Local. A: any operator (rla_op_create_dense, rla_op_create_shell, ...) in the context of S,
   borrowed: it must outlive S's use of it (until another set_operator or destroy) and is not
   modified (rla_svd_setup reserves its workspace with rla_op_setup).
   Errors: RLA_ERR_ARG (NULL, another context).
   Notes: undoes setup. A wide operator (m < n) is worked on as it is (the method holds for any
   shape; see "The operator" above). */
rla_err rla_svd_set_operator(rla_svd S, rla_op A);
/* Validate the parameters: exactly one of a rank and a tolerance must be set; with an
   operator set, plan the run on it: at a fixed rank the one QB block of l = k + p columns, its
   set-up sketch, the operator's workspace, and every buffer of the run and of its results
   (allocated here once, so that rla_svd_compute_operator allocates nothing). In tolerance mode
   the plan holds the first 4 QB blocks (or the cap on the rank, when smaller) with their
   sketches; a compute that needs more grows it (see rla_svd_compute_operator).
   Collective (every rank must have set the same values; errors are agreed).
   Errors: RLA_ERR_ARG (rank and tolerance both or neither set, k > min(m, n) of the operator),
   RLA_ERR_SHAPE (an empty operator), RLA_ERR_UNSUPPORTED (a QB block of c columns with
   c n >= 2^31), RLA_ERR_MEM, RLA_ERR_LIB.
   Notes: frees the previous plan, and with it the previous results. */
rla_err rla_svd_setup(rla_svd S);
/* Compute the SVD of the operator set with rla_svd_set_operator, as planned by rla_svd_setup.
   Collective. Repeatable. At a fixed rank it allocates nothing. In tolerance mode it allocates
   only when it needs more QB blocks than the plan holds (more than 4, or than any earlier
   compute with the same plan): the basis and the factors' storage then double (capped at the
   maximum rank), the blocks reached get their sketches, and the plan keeps them for later
   computes (the results are bitwise those of a plan made that large). An orthonormalization
   that falls back to Householder TSQR (a numerically rank-deficient block) allocates its
   scratch.
   Errors: RLA_ERR_ARG (no operator, or setup not run since the operator or a parameter
   changed, or since a compute of a matrix), RLA_ERR_VALUE (||A||_F is NaN or overflows: for a
   dense operator naming the first NaN or Inf), RLA_ERR_NUMERIC (a callback of a matrix-free
   operator failed, or the small SVD did not converge), RLA_ERR_MEM (tolerance mode, growing).
   Notes: the results replace the previous ones: sigma, V (n x k, row blocks of ceil(n/P)) and
   U in the operator's row split (rla_svd_get_u_local; also a row-block rla_dmat for a dense
   operator, rla_svd_get_u). When growing fails (RLA_ERR_MEM) the plan is undone: run
   rla_svd_setup again. */
rla_err rla_svd_compute_operator(rla_svd S);
/* Compute the SVD of A (m x n, row-block or cyclic, not modified): A, or its row-block copy,
   is wrapped in a dense operator, planned and computed as by set_operator, setup and
   compute_operator. Fails with RLA_ERR_VALUE on NaN or Inf in A (naming the entry),
   RLA_ERR_ARG when k > min(m, n) or before setup. The previous results are replaced, and the
   plan made for an operator set with rla_svd_set_operator is undone (run rla_svd_setup again
   before rla_svd_compute_operator). Collective. */
rla_err rla_svd_compute(rla_svd S, rla_dmat A);
/* The deterministic baseline (rla_svd_direct) for an operator: the dense matrix of a dense
   operator. Collective. Errors: RLA_ERR_UNSUPPORTED for any other operator (PDGESVD reads the
   entries of A), and those of rla_svd_direct. */
rla_err rla_svd_direct_operator(rla_op A, double *sigma, rla_dmat *U, rla_dmat *V);

/* The results of the last successful compute; RLA_ERR_ARG before one. Local. */
rla_err rla_svd_get_info(rla_svd S, rla_svd_info *info);
/* Singular values, k of them in decreasing order, the same array on every rank; borrowed:
   valid until the next compute or destroy. Local. */
rla_err rla_svd_get_sigma(rla_svd S, const double **sigma, int64_t *k);
/* U (m x k) and V (n x k), row-block (U has the row blocks of A when A is row-block or a
   dense operator); borrowed: owned by S, valid until the next compute, setup or destroy
   (duplicate to keep). Local. Errors: RLA_ERR_ARG before a compute; rla_svd_get_u:
   RLA_ERR_UNSUPPORTED after a matrix-free operator (use rla_svd_get_u_local). */
rla_err rla_svd_get_u(rla_svd S, rla_dmat *U);
rla_err rla_svd_get_v(rla_svd S, rla_dmat *V);
/* This rank's rows of U: u (lm x k, column-major, leading dimension ldu), the operator's rows
   [row0, row0 + lm) of rla_op_local_rows (of the row-block U after rla_svd_compute).
   Local. u: borrowed, valid as rla_svd_get_u's U; any output may be NULL.
   Errors: RLA_ERR_ARG before a compute. */
rla_err rla_svd_get_u_local(rla_svd S, const double **u, int64_t *ldu, int64_t *lm, int64_t *k);
/* Print the parameters and, after compute, the results. Rank 0 prints. Local. */
rla_err rla_svd_view(rla_svd S, FILE *out);

/* Smallest tolerance that the energy identity ||A - QB||_F^2 = ||A||_F^2 - ||B||_F^2 can
   certify: 8 sqrt(eps) ~ 1.2e-7 (see src/svd/svd.c). Local. */
double rla_svd_tol_min(void);

/* Metrics of an operator: E = A - U diag(sigma) V^T measured through products with A alone
   (E is never formed: memory O(lm k + n k) per rank besides the operator's, whatever A is).
   Common parameters: A any operator (dense, sparse, matrix-free), borrowed, not modified but for
   the workspace rla_svd_setup would also reserve; k >= 0 triplets; sigma their k values
   (replicated); u (lm x k, leading dimension ldu >= max(lm, 1)) this rank's rows of U in the
   operator's row split (rla_op_local_rows; as rla_svd_get_u_local gives them); V n x k (or wider:
   its first k columns), row-block with any row blocks, gathered on every rank (n k words).
   Errors (agreed): RLA_ERR_ARG (NULL operator, V, sigma or u, V not row-block or in another
   context, ldu too small), RLA_ERR_SHAPE (V's rows differ from n or it has fewer than k
   columns), RLA_ERR_MEM, RLA_ERR_NUMERIC (a matrix-free operator's callback failed). */

/* ||A - U diag(sigma) V^T||_F of an operator from norms and traces:
   ||A||_F^2 - 2 tr(diag(sigma) U^T A V) + tr(diag(sigma) (U^T U) diag(sigma) (V^T V)),
   evaluated with one product A V of k columns, the squared column norms of A and k x k Gram
   matrices (compensated sums), clamped at 0.
   Collective. nrm: the result (every rank). fro_floor (may be NULL): the absolute accuracy of
   *nrm, tol_min^2 ||A||_F^2 / (*nrm + tol_min ||A||_F) with tol_min = rla_svd_tol_min(): the
   terms are of size ||A||_F^2 and cancel down to ||E||_F^2, so the rounding of their sums
   (c eps ||A||_F^2, c up to 64: the energy identity's limit that rla_svd_tol_min documents)
   moves *nrm by about 64 eps ||A||_F^2 / ||E||_F, and by up to tol_min ||A||_F when ||E||_F is
   below tol_min ||A||_F: a residual under the floor is not resolved.
   Cost: 2 nnz k / P + 2 (lm + n) k^2 flops (nnz: this operator's work per product column),
   reductions of k^2 + k and 2 words. Errors: the common ones. */
rla_err rla_svd_residual_norm_fro_operator(rla_op A, int64_t k, const double *sigma,
                                           const double *u, int64_t ldu, rla_dmat V, double *nrm,
                                           double *fro_floor);
/* Lower-bound estimate of ||A - U diag(sigma) V^T||_2 of an operator by iters power steps on
   E^T E (x -> A^T (A x) minus the rank-k terms), from a start vector keyed by seed (the same on
   any number of ranks): *est is the largest of the ratios ||E x|| / ||x|| and ||E^T y|| / ||y||
   seen, each at most ||E||_2 up to rounding.
   Collective. Cost per step: one product with A and one with A^T (nv = 1), 4 (lm + n) k flops,
   one sum of n words and one of a scalar. Errors: the common ones. */
rla_err rla_svd_residual_norm2_estimate_operator(rla_op A, int64_t k, const double *sigma,
                                                 const double *u, int64_t ldu, rla_dmat V,
                                                 int iters, uint64_t seed, double *est);
/* Triplet residuals of an operator: res[i] = ||A v_i - sigma_i u_i||_2 and, when res_t is not
   NULL, res_t[i] = ||A^T u_i - sigma_i v_i||_2, for i < k (k entries each, every rank).
   Collective. Cost: one product with k columns (two with res_t), sums of k words (and of n k
   for A^T U). Errors: the common ones. */
rla_err rla_svd_triplet_residuals_operator(rla_op A, int64_t k, const double *sigma,
                                           const double *u, int64_t ldu, rla_dmat V, double *res,
                                           double *res_t);

/* Metrics of a matrix. A is m x n (row-block or cyclic; a cyclic A is copied to row-block), U
   m x k and V n x k row-block with any row blocks (U is copied to A's row blocks when they
   differ), sigma the k values (replicated). The 2-norm estimate and the triplet residuals are
   those of the operators above on the dense operator of A. Errors (agreed): RLA_ERR_ARG (NULL
   arguments, U or V not row-block), RLA_ERR_SHAPE (sizes that do not match k), RLA_ERR_MEM. */

/* Lower-bound estimate of ||A - U diag(sigma) V^T||_2 by iters power steps on E^T E, matrix
   free (E is never formed), from a start vector keyed by seed: as
   rla_svd_residual_norm2_estimate_operator. Cost: iters products with A and A^T and with U, V.
   Collective. */
rla_err rla_svd_residual_norm2_estimate(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                        rla_dmat V, int iters, uint64_t seed, double *est);
/* ||A - U diag(sigma) V^T||_F, computed from E formed a panel of rows at a time (one pass over
   A, m*n*k flops): exact to rounding, with no cancellation floor (unlike
   rla_svd_residual_norm_fro_operator, which needs only products). Collective. */
rla_err rla_svd_residual_norm_fro(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                  rla_dmat V, double *nrm);
/* res[i] = ||A v_i - sigma_i u_i||_2 for i < k (res has k entries, set on every rank).
   Collective. */
rla_err rla_svd_triplet_residuals(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                  rla_dmat V, double *res);
/* max_ij |(U^T U - I)_ij| for a row-block U (n x k). Collective. */
rla_err rla_svd_orthogonality_loss(rla_dmat U, double *loss);
/* max_{i<k} |sigma_i - sigma_true_i| / sigma_true_i (a zero sigma_true_i is replaced by
   sigma_true_0). Local. */
double rla_svd_sigma_error_max(int64_t k, const double *sigma, const double *sigma_true);

/* Baseline: the full SVD of A by ScaLAPACK PDGESVD on the 2-D grid (a row-block A is copied
   to cyclic first; A is not modified). sigma receives min(m, n) values (every rank). When U
   and V are not NULL they receive new cyclic matrices m x min(m,n) and n x min(m,n) (the
   caller destroys them); otherwise no vectors are computed. Collective. */
rla_err rla_svd_direct(rla_dmat A, double *sigma, rla_dmat *U, rla_dmat *V);

/* The description of the randomized SVD's options, *n of them: k (alias -k)
   and tol (no value until set), oversample, power, sketch, seed, block, max-rank (obj is an
   rla_svd). Local; the array is static. */
const rla_option_desc *rla_svd_options(int *n);
/* Read the SVD's options from opts (rla-svd's deck keys with prefix NULL or ""; else prefix +
   name), each with the object's current value as default, set through its rla_svd_set_*, and
   record the values used in opts. S must be in the context of opts. Local. Errors: RLA_ERR_ARG
   naming the option, where it was given and the accepted range. */
rla_err rla_svd_set_from_options(rla_svd S, rla_options opts, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
