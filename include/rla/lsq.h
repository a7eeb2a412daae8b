/* SPDX-License-Identifier: BSD-3-Clause */
/* Distributed least squares min ||A x - b||_2 for tall A (m >= d): sketch-and-solve, the
   accurate sketch-preconditioned solver with iterative refinement (default), and ScaLAPACK
   PDGELS. A and B are row-block matrices with the same row distribution; the solution X
   (d x nrhs) is a small array replicated on every rank.
   Lifecycle: create -> set_* -> setup -> solve (repeatable) -> view -> destroy. */
#ifndef RLA_LSQ_H
#define RLA_LSQ_H

#include <stdint.h>
#include <stdio.h>

#include "rla/base.h"
#include "rla/dmat.h"
#include "rla/options.h"
#include "rla/sketch.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  /* Sketch-preconditioned CG on the normal equations with iterative refinement (SPIR), warm
     started from sketch-and-solve; stops on a backward-error estimate. Backward stable. */
  RLA_LSQ_ACCURATE = 0,
  /* Sketch-and-solve: x = argmin ||S (A x - b)||. Fast; residual within a factor
     (1 + eps_e) / (1 - eps_e) of the optimum for a subspace embedding of distortion eps_e. */
  RLA_LSQ_SOLVE = 1,
  /* ScaLAPACK PDGELS (Householder QR) on a 2-D block-cyclic copy of A and B. */
  RLA_LSQ_DIRECT = 2
} rla_lsq_method;

typedef struct rla_lsq_s *rla_lsq;

/* What one rla_lsq_solve did. Scalars are equal on every rank except the times (wall-clock
   seconds on this rank) and the communication counts (this rank's). The per right-hand-side
   arrays (length nrhs) are owned by the solver and stay valid until the next solve or
   destroy. A quantity a method does not produce is NaN (reals) or 0 (counts). */
typedef struct {
  rla_lsq_method method;
  int64_t m, d, nrhs; /* problem sizes */
  int ranks;          /* processes in the communicator */

  rla_sketch_type sketch_type; /* sketch operator (solve, accurate) */
  int64_t sketch_rows;         /* l, the rows of the sketch; 0 for direct */
  int64_t sketch_block;        /* rows per block of the block SRHT in use; 0 otherwise */
  uint64_t seed;               /* seed of the sketch */
  double tol;                  /* backward-error target used by the accurate method */

  int64_t rank;        /* numerical rank used: d, or k < d when the sketch was truncated */
  int truncated;       /* 1 when singular values of the sketch were dropped (see rank_tol) */
  double kappa_sketch; /* condition number of the column-equilibrated sketch S A D, an
                          estimate of kappa(A D) within (1 + eps_e) / (1 - eps_e): sigma_1 /
                          sigma_rank from its SVD when one was computed (accurate, or a
                          truncated solve), else LAPACK dtrcon's 1-norm estimate of kappa(R) */
  /* how the sketch was factored: "tsqr" (Householder QR, TSQR across the ranks), "cholesky"
     (accurate: the Cholesky factor of its Gram matrix, taken when it is well conditioned, see
     kappa_sketch), either followed by "+svd" when its SVD was taken; "pdgels" for direct */
  const char *factorization;
  double kappa_preconditioned; /* accurate: kappa(A D P) of the preconditioned operator,
                                  sqrt(theta_max / theta_min) of the Ritz values of the first CG
                                  solve (a lower estimate that converges from below; near
                                  (1 + eps_e) / (1 - eps_e)). NaN when fewer than 2 CG steps */
  double norm_fro;             /* ||A||_F */

  int64_t iterations;  /* CG steps (each one fused pass over A for all active right-hand sides) */
  int64_t refinements; /* refinement steps: CG solves of the correction equation */
  int64_t passes;      /* passes over the local rows of A, residual evaluations included */
  int converged;       /* 1 when every right-hand side met tol (solve and direct: always 1) */

  double time_sketch;       /* sketch of [A B] and its reduction */
  double time_factor;       /* TSQR / SVD of the sketch (PDGELS for direct) */
  double time_iterate;      /* refinement: CG steps and residual evaluations (accurate) */
  double time_redistribute; /* direct: row-block to block-cyclic copies and back */
  double time_residual;     /* final residual and backward-error evaluation (solve, direct) */
  double time_total;        /* the whole solve, input checks included */
  int64_t comm_words;       /* doubles this rank contributed to reductions (solve, accurate;
                               ScaLAPACK's own traffic in direct is not counted) */
  int64_t comm_reductions;  /* collective calls of the algorithm: allreduces of data, broadcasts
                               of the stopping decisions and of X (input checks not counted) */

  const double *residual_norm; /* ||b_j - A x_j||_2 */
  const double *rhs_norm;      /* ||b_j||_2 */
  /* ||A^T r_j|| / (||A||_F ||r_j||) with r_j = b_j - A x_j computed in floating point; 0 when
     r_j = 0. Rounding in forming r_j alone puts it near eps (1 + ||A||_F ||x_j|| / ||r_j||), so
     it is near eps only for problems whose residual is not small. */
  const double *backward_error;
  /* Estimate of the normwise backward error min ||[dA, theta db]||_F / ||A D||_F of the
     column-equilibrated problem (Karlson-Walden estimate evaluated with the sketch's SVD,
     theta = ||A D||_F / ||b||). Meaningful for any residual size; the accurate method stops on
     it. Solve and direct: NaN. */
  const double *backward_error_estimate;
  /* ||S (b_j - A x_j)|| at the sketch-and-solve solution: (1 - eps_e) ||r_sas|| <= it <=
     (1 + eps_e) ||r*||. Direct: NaN. */
  const double *residual_sketched;
  const int64_t *rhs_iterations; /* CG steps spent on this right-hand side */
  const int *rhs_converged;      /* 1 when backward_error_estimate <= tol (accurate), or 1 */
  /* Accurate: the convergence history of the first right-hand side, nhistory backward-error
     estimates in the order they were made: one at each refinement step's residual evaluation
     (the first at the sketch-and-solve start) and one after each CG step in between (from the
     CG recurrences). Solve and direct: nhistory = 0. */
  const double *history;
  int64_t nhistory;
} rla_lsq_info;

/* Create a solver in ctx with the defaults: accurate method, block SRHT sketch, oversampling
   of the method (4 for solve, from m and d for accurate), seed 1, tol 2 eps,
   rank_tol 30 sqrt(d) eps, max_iterations 500. Local. */
rla_err rla_lsq_create(rla_ctx ctx, rla_lsq *L);
/* Accepts NULL; sets *L = NULL. Local. */
rla_err rla_lsq_destroy(rla_lsq *L);

/* Parse "accurate", "solve", "direct". Local. */
rla_err rla_lsq_method_from_name(rla_ctx ctx, const char *name, rla_lsq_method *method);
const char *rla_lsq_method_name(rla_lsq_method method); /* Local. */

/* Every set_* below is Local (call it on every rank with the same value) and undoes a previous
   setup. Errors: RLA_ERR_ARG for values out of range, with the accepted range. */
rla_err rla_lsq_set_method(rla_lsq L, rla_lsq_method method);
rla_err rla_lsq_set_sketch_type(rla_lsq L, rla_sketch_type type);
/* Oversampling gamma > 1: the sketch has l = ceil(gamma (d + 1)) rows, enough to embed the
   (d + 1)-dimensional span of [A b_j] for each right-hand side with distortion about
   1 / sqrt(gamma). 0 restores the default of the method: 4 for solve (DESIGN: gamma 3-4; the
   residual is then within about sqrt(1 + 1 / (gamma - 1)) of the optimum); for accurate, 20
   with a Gaussian sketch (l m d flops), else a gamma from m and d alone (so the same on any
   number of ranks) between 20 and 1000. Every CG step of the accurate method is a pass over A
   and gains a factor about the distortion, 0.9 / sqrt(gamma), while the Gram matrix of the
   sketch costs gamma d^3 / P flops per rank and its reduction gamma d^2 words: the default
   minimizes the CG steps plus the sketch's cost, both counted in passes over A (the model and
   its constants are in src/lsq/interface.c), with at most m / 4 sketch rows and 256 MiB of
   sketch. It gives about 25 at 2^18 x 1024, 107 at 2^18 x 256 and 389 at 2^18 x 64;
   at 2 ranks on the benchmark problem (bench/lsq.sh) the accurate method took 0.43 s at
   d = 256 against 0.53-0.66 s with gamma 20, and 0.09 s at d = 64 against 0.14 s. */
rla_err rla_lsq_set_oversample(rla_lsq L, double gamma);
/* The sketch rows l directly (l > d is checked at solve); 0 returns to the oversampling rule.
   l may exceed m (the sketch is then larger than A: use direct for such small problems). */
rla_err rla_lsq_set_sketch_rows(rla_lsq L, int64_t l);
rla_err rla_lsq_set_seed(rla_lsq L, uint64_t seed);
/* Target of the accurate method for backward_error_estimate, 0 < tol < 1; default 2 eps (the
   estimate is 0.1 to 0.5 eps for a Householder QR solution; the refinement typically ends
   between 0.2 and 2 eps). A target below what rounding allows ends the refinement when a step
   fails to halve the estimate, with converged = 0 and the best iterate. */
rla_err rla_lsq_set_tol(rla_lsq L, double tol);
/* Safety cap on CG steps per solve (>= 0), not the stopping rule. Default 500. */
rla_err rla_lsq_set_max_iterations(rla_lsq L, int64_t max_iterations);
/* Singular values of the equilibrated sketch below rank_tol * sigma_1 are dropped, giving the
   minimum-norm solution of the truncated problem. 0 <= rank_tol < 1; a negative value restores
   the default 30 sqrt(d) eps (the rounding error of the computed sketch is about
   eps sqrt(d) sigma_1, so smaller singular values are indistinguishable from zero). */
rla_err rla_lsq_set_rank_tol(rla_lsq L, double rank_tol);

/* Validate the settings and make the sketch object. Collective. */
rla_err rla_lsq_setup(rla_lsq L);

/* Solve min ||A x_j - b_j||_2 for the nrhs columns b_j of B. A is m x d and B is m x nrhs, both
   row-block with the same row distribution (create them with the same mb); neither is
   modified. X is d x nrhs, column-major with leading dimension ldx >= d, on every rank: it is
   written on every rank with the same values. info (may be NULL) receives the report. The
   solver keeps the work array of the sketch (l x (d + nrhs) doubles per rank) for its next
   solve, until rla_lsq_destroy: fresh pages cost 0.06-0.09 s at l = 20500, d = 1024.
   Collective. Errors: RLA_ERR_ARG (not set up, NULL, layouts), RLA_ERR_SHAPE (m < d: the
   underdetermined problem is not supported; d = 0; nrhs = 0; B rows differ from A rows),
   RLA_ERR_VALUE (NaN/Inf in A or B, named by position; for the sketching methods also a
   sketch whose largest entry exceeds sqrt(DBL_MAX / (4 l (d + nrhs))), about 1e150, too large
   for their sums of squares), RLA_ERR_MEM, RLA_ERR_LIB (LAPACK/ScaLAPACK failure). */
rla_err rla_lsq_solve(rla_lsq L, rla_dmat A, rla_dmat B, double *X, int64_t ldx,
                      rla_lsq_info *info);

/* Print the settings and the report of the last solve on rank 0. Local. */
rla_err rla_lsq_view(rla_lsq L, FILE *out);

/* The names of the methods, indexed by rla_lsq_method. */
extern const char *const rla_lsq_method_names[3];

/* The description of the solver's options, *n of them: method, sketch,
   oversample, sketch-rows, seed, tol, max-iterations, rank-tol, each with its help text, its
   range, and the object's current value and setter (obj is an rla_lsq). The single source of
   their names and help for rla_lsq_set_from_options, the drivers and the PETSc plugin. Local;
   the array is static. */
const rla_option_desc *rla_lsq_options(int *n);
/* Read the solver's options from opts (rla-lsq's deck keys with prefix NULL or ""; else
   prefix + name), each with the solver's current value as default, each set through its
   rla_lsq_set_* (the setter's range check is the check), and record the values used in opts for
   its echo and help. L must be in the context of opts. Local: every rank holds the same
   values. Errors: RLA_ERR_ARG naming the option, where it was given and the accepted range; a
   failure may leave the options before it set. */
rla_err rla_lsq_set_from_options(rla_lsq L, rla_options opts, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
