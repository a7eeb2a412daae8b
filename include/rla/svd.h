/* SPDX-License-Identifier: BSD-3-Clause */
/* Randomized SVD of a distributed matrix, at a fixed rank or to a tolerance, with the metrics
   that check it and the ScaLAPACK PDGESVD baseline.

   Method (src/svd/range.c): Halko, Martinsson, Tropp, SIAM Review 53(2), 2011, Alg. 4.4 and 5.1:
   Y = A Omega^T (the sketch from the right), q power iterations re-orthonormalized after every
   multiplication by A or A^T, B = Q^T A, the SVD of the small B, U = Q U~. Tolerance mode grows Q
   by blocks (Martinsson, Voronin, SISC 2016; Yu, Gu, Li, SIMAX 2018, randQB_EI) until
   ||A - QB||_F^2 = ||A||_F^2 - ||B||_F^2 <= tol^2 ||A||_F^2, then truncates to the smallest rank
   that meets tol.

   Layout. A is row-block or cyclic, any shape. The work happens on a row-block matrix: a
   row-block A is used in place (no copy), whatever its shape; a cyclic A is copied once into a
   row-block layout of A when m >= n and of A^T when m < n (info.transposed), so that every
   product with the working matrix reduces or gathers (short side) x l words, and every rank
   holds one such (short side) x l array besides its rows. A wide row-block A therefore moves and
   holds n*l words per product; pass A^T in row-block layout to move m*l instead.
   The SVD of the small factor (K x K, K = basis size) runs on rank 0 with LAPACK dgesdd (about
   22 K^3 flops: a second or so at K = 2000) and is broadcast; B itself is never gathered.
   The bases are orthonormalized by CholeskyQR2 (one reduction of an l x l Gram matrix per pass)
   with a guard for ill-conditioned bases: shifted CholeskyQR3, and Householder TSQR when even the
   shifted Gram matrix cannot be factored (see src/svd/orth.c).

   Lifecycle: create -> set_rank or set_tol, other set_* -> setup -> compute (repeatable) ->
   get_* -> view -> destroy. */
#ifndef RLA_SVD_H
#define RLA_SVD_H

#include <stdint.h>
#include <stdio.h>

#include "rla/base.h"
#include "rla/dmat.h"
#include "rla/options.h"
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
  double time_total;        /* the whole of rla_svd_compute, including norms and metrics */
  int64_t comm_words;       /* payload words of this computation's collectives (a reduction or
                               gather of an n x l matrix counts n*l; the copy of cyclic input
                               counts m*n) */
} rla_svd_info;

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
   0 (default) means min(m, n). Local. */
rla_err rla_svd_set_max_rank(rla_svd S, int64_t kmax);
/* Validate the parameters: exactly one of a rank and a tolerance must be set. Collective
   (every rank must have set the same values; errors are agreed). */
rla_err rla_svd_setup(rla_svd S);
/* Compute the SVD of A (m x n, row-block or cyclic, not modified). Fails with RLA_ERR_VALUE on
   NaN or Inf in A (naming the entry), RLA_ERR_ARG when k > min(m, n) or before setup. The
   previous results are replaced. Collective. */
rla_err rla_svd_compute(rla_svd S, rla_dmat A);

/* The results of the last successful compute; RLA_ERR_ARG before one. Local. */
rla_err rla_svd_get_info(rla_svd S, rla_svd_info *info);
/* Singular values, k of them in decreasing order, the same array on every rank; borrowed:
   valid until the next compute or destroy. Local. */
rla_err rla_svd_get_sigma(rla_svd S, const double **sigma, int64_t *k);
/* U (m x k) and V (n x k), row-block (U has the row blocks of A when A is row-block);
   borrowed: owned by S, valid until the next compute or destroy (duplicate to keep). Local. */
rla_err rla_svd_get_u(rla_svd S, rla_dmat *U);
rla_err rla_svd_get_v(rla_svd S, rla_dmat *V);
/* Print the parameters and, after compute, the results. Rank 0 prints. Local. */
rla_err rla_svd_view(rla_svd S, FILE *out);

/* Smallest tolerance that the energy identity ||A - QB||_F^2 = ||A||_F^2 - ||B||_F^2 can
   certify: 8 sqrt(eps) ~ 1.2e-7 (see src/svd/svd.c). Local. */
double rla_svd_tol_min(void);

/* Metrics. A is m x n (row-block or cyclic; a cyclic A is copied to row-block), U m x k and V
   n x k row-block with any row blocks, sigma the k values (replicated). */

/* Lower-bound estimate of ||A - U diag(sigma) V^T||_2 by iters power steps on E^T E, matrix
   free (E is never formed), from a start vector keyed by seed. Cost: iters products with A and
   A^T and with U, V. Collective. */
rla_err rla_svd_residual_norm2_estimate(rla_dmat A, int64_t k, const double *sigma, rla_dmat U,
                                        rla_dmat V, int iters, uint64_t seed, double *est);
/* ||A - U diag(sigma) V^T||_F, computed (one pass over A, m*n*k flops). Collective. */
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
