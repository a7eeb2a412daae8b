/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of the least-squares solver and the kernels its methods share. */
#ifndef RLA_LSQ_IMPL_H
#define RLA_LSQ_IMPL_H

#include "rla/lsq.h"

struct rla_lsq_s {
  rla_ctx ctx;
  rla_lsq_method method;
  rla_sketch_type sketch_type;
  double gamma;
  int64_t sketch_rows; /* 0: from gamma */
  uint64_t seed;
  double tol;
  double rank_tol; /* < 0: default */
  int64_t max_iterations;
  int is_setup;

  rla_sketch sketch; /* made in setup; sized (and set up) for the current l and m at solve */
  int64_t sketch_l, sketch_m;
  double *sketch_work; /* the l x (d + nrhs) sketch of [A B], kept between solves */
  size_t sketch_work_len;

  /* report of the last solve and its per right-hand-side arrays */
  int has_info;
  rla_lsq_info info;
  int64_t cap; /* allocated length of the arrays below */
  double *residual_norm, *rhs_norm, *backward_error, *backward_error_estimate;
  double *residual_sketched;
  int64_t *rhs_iterations;
  int *rhs_converged;
  double *history; /* max_iterations + refinement steps + 1 entries, see rla_lsq_info */
  int64_t history_cap;
};

/* The problem of one solve: local rows of A and B and the replicated solution. */
typedef struct {
  rla_ctx ctx;
  int64_t m, d, nrhs;
  int64_t lm, row0;    /* local rows and the first global one */
  const double *a, *b; /* local arrays */
  int64_t lda, ldb;
  double *x; /* d x nrhs, replicated */
  int64_t ldx;
  double *chunk; /* lsq_chunk_doubles(d, nrhs) doubles of scratch for the kernels */
} lsq_problem;

/* The factored, column-equilibrated sketch: S A D = Q R (TSQR), or R^T R = (S A D)^T S A D
   to rounding (the Cholesky path of the accurate method), and when an SVD was made
   R = U diag(sigma) V^T. The preconditioner is P = R^-1 (QR) or V_k diag(sigma_k)^-1 (SVD);
   every array is replicated and identical on every rank. */
typedef struct {
  int64_t d, l, k; /* k: rank kept */
  int use_svd;
  int cholesky;      /* R from the Cholesky factor of the sketch's Gram matrix, not TSQR */
  double sketch_max; /* largest |entry| of the summed sketch (Inf when one is NaN or Inf) */
  double sketch_bound; /* the largest allowed; when above, nothing else is set */
  double *scale;     /* D (d), the inverse column norms of S A (1 for a zero column) */
  double *r;         /* R (d x d, upper triangular), QR path */
  double *sigma;     /* d singular values, SVD path */
  double *v;         /* V (d x d), SVD path */
  double *nullspace; /* orthonormal basis of D V(:, k:d) (d x (d - k)), for the minimum norm */
  double kappa;      /* condition number of S A D (see rla_lsq_info.kappa_sketch) */
  double *work;      /* d doubles of scratch */
} lsq_factor;

/* The accurate method factors the sketch by QR alone (no SVD) for up to this many right-hand
   sides when R is numerically of full rank: its backward-error estimates then take one QR of
   [R; sqrt(mu) I] per right-hand side and refinement step (LAPACK dtpqrt, 0.03 s at d = 1024)
   instead of one SVD of R (dgesdd, 0.54 s). With more right-hand sides the SVD is cheaper. */
#define LSQ_QR_MAX_RHS 4

/* The accurate method takes the R factor of the equilibrated sketch S A D from the Cholesky
   factorization of its Gram matrix (one dsyrk, 0.26 s on a 10250 x 1025 block against 0.54-0.64
   s for its Householder QR) when LAPACK's 1-norm condition estimate of that factor is at most
   this, and TSQR otherwise. The computed factor is the exact one of D (G + E) D with
   ||E|| <= c eps ||G||, so as a preconditioner its distortion grows as c eps kappa^2 (and a
   warm start from the sketch's normal equations loses kappa^2 eps, which CG makes up). On the
   benchmark family (2^18 x 256, geometric singular values) the preconditioned condition number
   was the same as with TSQR, 1.56, up to kappa 1e8, 5.25 at 1e9 (c eps kappa^2 near 4 there,
   so about 0.04 at 1e8), and the factorization failed at 1e10: 1e7 leaves a factor 10 in
   kappa, 100 in the distortion. Sketch-and-solve itself (the solve method) always uses TSQR,
   whose x is accurate to kappa eps rather than kappa^2 eps. */
#define CHOL_KAPPA_MAX 1e7

/* Counters of one solve. */
typedef struct {
  int64_t passes, words, reductions;
} lsq_cost;

/* Rows per chunk of the fused passes for d columns (about 4 MiB of A). */
int64_t lsq_chunk_rows(int64_t d);
/* Rows per chunk of the pipelined single-vector pass (about 2 MiB of A but 512 to 2048 rows,
   a multiple of 8). */
int64_t lsq_pipe_rows(int64_t d);
/* Doubles of scratch (lsq_problem.chunk) the kernels need for nrhs right-hand sides. */
int64_t lsq_chunk_doubles(int64_t d, int64_t nrhs);
/* Local part of r = b - A x, g = A^T r, ||r||^2, ||b||^2 and (when colsq != NULL) the squared
   column norms of A, over this rank's rows, for the nv right-hand sides cols[0..nv) (all when
   cols is NULL); x is d x nv with leading dimension ldx. g (d x nv, leading dimension d), rn2,
   bn2 (nv) and colsq (d) are accumulated into (zero them first). Local. */
void lsq_local_residual(const lsq_problem *p, int64_t nv, const int64_t *cols, const double *x,
                        int64_t ldx, double *g, double *rn2, double *bn2, double *colsq);
/* Local part of W = A^T (A Z) for Z (d x nv, leading dimension d), one pass over the local rows;
   W (d x nv, leading dimension d) is overwritten. Local. */
void lsq_local_normal(const lsq_problem *p, int64_t nv, const double *z, double *w);
/* In-place sum over the ranks of n doubles, counted in cost. Collective. */
rla_err lsq_allreduce(rla_ctx ctx, double *buf, int64_t n, lsq_cost *cost);

/* The sketch phase shared by solve and accurate: sketch [A B] (one reduction), equilibrate,
   factor (accurate: the Cholesky factor of the Gram matrix when it passes CHOL_KAPPA_MAX,
   else TSQR; then the SVD of R when want_svd or R is numerically rank-deficient), and the
   sketch-and-solve solution in p->x. residual_sketched (nrhs) receives ||S(b - A x)||.
   Collective. */
rla_err lsq_sketch_solve(rla_lsq L, const lsq_problem *p, int want_svd, lsq_factor *F,
                         double *residual_sketched, lsq_cost *cost, double *t_sketch,
                         double *t_factor);
void lsq_factor_free(lsq_factor *F);
/* x (scaled coordinates, d) = P y (y of length k). */
void lsq_precond_apply(const lsq_factor *F, const double *y, double *x);
/* y (k) = P^T g (g of length d, scaled coordinates). */
void lsq_precond_apply_transpose(const lsq_factor *F, const double *g, double *y);
/* Remove from the d x nrhs original-coordinate x its component in the numerical null space of
   A (a no-op when nothing was truncated). Local. */
void lsq_project_nullspace(const lsq_factor *F, int64_t nrhs, double *x, int64_t ldx);

/* Accurate method: refine the sketch-and-solve x in p->x. Fills the per right-hand-side arrays
   and the iteration counts of info. Collective. */
rla_err lsq_refine(rla_lsq L, const lsq_problem *p, const lsq_factor *F, rla_lsq_info *info,
                   lsq_cost *cost);

/* Direct method with PDGELS: X from A and B. Collective. */
rla_err lsq_direct(rla_lsq L, rla_dmat A, rla_dmat B, const lsq_problem *p, rla_lsq_info *info,
                   lsq_cost *cost);

/* Residual norms and ||A^T r|| / (||A||_F ||r||) of p->x for all right-hand sides (one pass,
   one reduction), into info's arrays; also info->norm_fro. Collective. */
rla_err lsq_evaluate(rla_lsq L, const lsq_problem *p, rla_lsq_info *info, lsq_cost *cost);

#endif
