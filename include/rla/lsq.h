/* SPDX-License-Identifier: BSD-3-Clause */
/* Distributed least squares min ||A x - b||_2 for tall A (m >= d): sketch-and-solve, the
   accurate sketch-preconditioned solver with iterative refinement (default), and the direct
   method: ScaLAPACK PDGELS on a dense A, SuiteSparseQR on a sparse one (when built with it). The
   solver sees A through an operator (rla/op.h: a dense row-block matrix or a
   matrix-free one); B's rows follow the operator's row split; the solution X (d x nrhs) is a
   small array replicated on every rank.
   Lifecycle: create -> set_* (set_operator, set_rhs_count) -> setup (plans: every array of a
   solve allocated) -> solve_operator (repeatable, allocates nothing for up to the planned
   right-hand sides) -> view -> destroy. rla_lsq_solve takes a dense A and B directly. */
#ifndef RLA_LSQ_H
#define RLA_LSQ_H

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

typedef enum {
  /* Sketch-preconditioned CG on the normal equations with iterative refinement (SPIR), warm
     started from sketch-and-solve; stops on a backward-error estimate. Backward stable. */
  RLA_LSQ_ACCURATE = 0,
  /* Sketch-and-solve: x = argmin ||S (A x - b)||. Fast; residual within a factor
     (1 + eps_e) / (1 - eps_e) of the optimum for a subspace embedding of distortion eps_e. */
  RLA_LSQ_SOLVE = 1,
  /* Householder QR: ScaLAPACK PDGELS on a 2-D block-cyclic copy of a dense A and B (A of full
     rank); for a sparse operator (rla_op_create_sparse) SuiteSparseQR on rank 0, which gathers
     A and B (see rla_lsq_has_spqr), and which returns the minimum-norm solution of the truncated
     problem when its rank detection finds A rank-deficient. */
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
  int truncated;       /* 1 when singular values of the sketch were dropped (see rank_tol), or
                          when SuiteSparseQR found a sparse A rank-deficient (direct) */
  double kappa_sketch; /* condition number of the column-equilibrated sketch S A D, an
                          estimate of kappa(A D) within (1 + eps_e) / (1 - eps_e): sigma_1 /
                          sigma_rank from its SVD when one was computed (accurate, or a
                          truncated solve), else LAPACK dtrcon's 1-norm estimate of kappa(R) */
  /* how the sketch was factored: "tsqr" (Householder QR, TSQR across the ranks), "cholesky"
     (accurate: the Cholesky factor of its Gram matrix, taken when it is well conditioned, see
     kappa_sketch), either followed by "+svd" when its SVD was taken; for direct "pdgels"
     (dense A) or "spqr" (SuiteSparseQR, sparse A) */
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
  double time_factor;       /* TSQR / SVD of the sketch (direct: PDGELS, or SuiteSparseQR's
                               factorization and solve on rank 0, which the others wait for) */
  double time_iterate;      /* refinement: CG steps and residual evaluations (accurate) */
  double time_redistribute; /* direct: row-block to block-cyclic copies and back, or the
                               gather of a sparse A and B to rank 0 and the broadcast of X */
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

/* The sketch preconditioner of sketch-and-precondition least squares as an object of its own,
   the one the accurate method uses (and the PETSc PC rlasketch): for A (m x d) and a sketch S
   (l x m, l >= d), the column-equilibrated S A D = Q R (D the inverse column norms of S A),
   and when R is numerically rank-deficient (LAPACK's 1-norm condition estimate of R below
   d rank_tol) or on request, R = U diag(sigma) V^T truncated to the k singular values above
   rank_tol sigma_1. P = R^-1, or V_k diag(sigma_k)^-1; A D P is well conditioned. Every array
   is replicated. Lifecycle: create -> set_rank_tol -> setup or setup_sketch -> apply /
   apply_transpose / project_nullspace (repeatable, allocate nothing) -> destroy. */
typedef struct rla_lsq_precond_s *rla_lsq_precond;

/* A new preconditioner in ctx (rank_tol 30 sqrt(d) eps, SVD only when rank-deficient).
   Local. Errors: RLA_ERR_ARG (NULL P), RLA_ERR_MEM. */
rla_err rla_lsq_precond_create(rla_ctx ctx, rla_lsq_precond *P);
/* Accepts NULL; sets *P = NULL. Local. */
rla_err rla_lsq_precond_destroy(rla_lsq_precond *P);
/* Singular values of R below rank_tol sigma_1 are dropped (rank_tol < 1; negative: the default
   30 sqrt(d) eps); force_svd != 0 takes the SVD always. Local (same values on every rank);
   undoes a setup. Errors: RLA_ERR_ARG (rank_tol NaN or >= 1). */
rla_err rla_lsq_precond_set_rank_tol(rla_lsq_precond P, double rank_tol, int force_svd);
/* Sketch the operator A with S (set up, l x m with l >= d; borrowed for the call only) and
   factor: one reduce-scatter of the l x d sketch and TSQR over the ranks.
   Collective. Errors: RLA_ERR_ARG (NULL), RLA_ERR_SHAPE (sizes), RLA_ERR_VALUE (the sketch of A
   holds NaN, Inf or an entry too large for its sums of squares), RLA_ERR_MEM, RLA_ERR_LIB.
   Notes: allocates its arrays (the l x d sketch among them) on the first setup of each size. */
rla_err rla_lsq_precond_setup(rla_lsq_precond P, rla_op A, rla_sketch S);
/* Factor a sketch the caller formed: sa is the summed l x d sketch S A (column-major, leading
   dimension lds >= l) on rank 0, overwritten there by its QR; other ranks may pass NULL.
   Rank 0 factors and broadcasts R and D.
   Collective. Errors: RLA_ERR_ARG (d < 1, l < d, lds < l, NULL on rank 0), RLA_ERR_LIB (LAPACK
   failed, as on a non-finite sketch), RLA_ERR_MEM. */
rla_err rla_lsq_precond_setup_sketch(rla_lsq_precond P, int64_t l, int64_t d, double *sa,
                                     int64_t lds);
/* x (d) = D P y for y of length k (the rank kept: d, or fewer after truncation). Local.
   Errors: RLA_ERR_ARG (NULL, not set up). */
rla_err rla_lsq_precond_apply(rla_lsq_precond P, const double *y, double *x);
/* y (k) = P^T D g for g of length d. Local. Errors: as rla_lsq_precond_apply. */
rla_err rla_lsq_precond_apply_transpose(rla_lsq_precond P, const double *g, double *y);
/* Remove from the nrhs columns of x (d x nrhs, leading dimension ldx) their component in the
   numerical null space D span(V(:, k:d)) of A: the minimum-norm solution of the truncated
   problem. A no-op when nothing was dropped. Local. Errors: RLA_ERR_ARG. */
rla_err rla_lsq_precond_project_nullspace(rla_lsq_precond P, int64_t nrhs, double *x, int64_t ldx);
/* What setup made: d, the rank kept k, whether the SVD was taken, and kappa of S A D (sigma_1 /
   sigma_k with the SVD, else LAPACK's 1-norm estimate). Any output may be NULL. Local.
   Errors: RLA_ERR_ARG (not set up). */
rla_err rla_lsq_precond_get_info(rla_lsq_precond P, int64_t *d, int64_t *rank, int *svd,
                                 double *kappa);

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
   sketch. It gives about 25 at 2^18 x 1024, 107 at 2^18 x 256 and 389 at 2^18 x 64; chosen
   by measurement against a fixed gamma 20: see bench/README.md. */
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

/* Called by the accurate method for every backward-error estimate of the first right-hand side,
   as it is made (the entries of rla_lsq_info.history, in order): k is its index (0: the
   sketch-and-solve start; then one per CG step and one per refinement step's recomputed
   residual) and estimate its value. Called on every rank with the same values; it must not
   call the solver. */
typedef void (*rla_lsq_monitor)(void *ctx, int64_t k, double estimate);

/* Set (or, with NULL, remove) the monitor of the next solves; ctx is borrowed and passed to it.
   Local (the same on every rank). Does not undo a setup and does not change any result.
   Errors: RLA_ERR_ARG (NULL solver). */
rla_err rla_lsq_set_monitor(rla_lsq L, rla_lsq_monitor monitor, void *ctx);

/* The operator A (m x d, m >= d) of the next solves.
   Local (call it on every rank with the same operator). A: borrowed; it must outlive the
   solver's use of it (until another set_operator, or destroy); the solver reserves the
   operator's workspace at setup. Undoes a previous setup.
   Errors: RLA_ERR_ARG (NULL solver or operator, an operator of another context). */
rla_err rla_lsq_set_operator(rla_lsq L, rla_op A);

/* The number of right-hand sides setup plans for (default 1).
   Local (same value on every rank). nrhs >= 1. Undoes a previous setup.
   Errors: RLA_ERR_ARG (nrhs < 1).
   Notes: a solve with more right-hand sides than planned grows the workspace once (it then
   allocates, collectively) and plans for the larger count from then on. */
rla_err rla_lsq_set_rhs_count(rla_lsq L, int64_t nrhs);

/* Validate the settings and make the sketch object; with an operator set, also plan: size the
   sketch (l from gamma, m, d), set it up (FFTW plans), reserve the operator's workspace and
   allocate every array a solve of up to the planned right-hand sides uses, so that
   rla_lsq_solve_operator allocates nothing. Without an operator (the dense path, rla_lsq_solve)
   the plan happens at the first solve.
   Collective. Errors: RLA_ERR_ARG (NULL; sketch rows l <= d), RLA_ERR_SHAPE (d = 0, m < d),
   RLA_ERR_UNSUPPORTED (the direct method with an operator that is neither dense nor sparse, or
   sparse in a build without SuiteSparseQR; a sketch beyond 2^31 entries), RLA_ERR_MEM. */
rla_err rla_lsq_setup(rla_lsq L);

/* Solve min ||A x_j - b_j||_2 for the operator A set by rla_lsq_set_operator and the nrhs
   columns b_j of B.
   Collective. B: this rank's rows of the right-hand sides in the operator's row split
   (rla_op_local_rows: lm rows, column-major with leading dimension ldb >= max(1, lm); not
   NULL, even where lm = 0, when nothing of it is read), not modified. X: d x nrhs, column-major
   with leading dimension ldx >= d, written on every rank with the same values. info (may be NULL)
   receives the report (its arrays are the solver's, valid until the next solve). Errors:
   RLA_ERR_ARG (no operator, not set up, NULL, leading dimensions), RLA_ERR_SHAPE (nrhs < 1),
   RLA_ERR_VALUE (NaN/Inf in A or B, see rla_lsq_solve; a matrix-free A is not read entry by entry,
   so its NaN is reported as a sketch out of range), RLA_ERR_NUMERIC (an operator callback failed),
   RLA_ERR_MEM (only when nrhs exceeds the planned count), RLA_ERR_LIB. Notes: allocates nothing for
   nrhs up to the count setup planned for; more grows the workspace once (see
   rla_lsq_set_rhs_count). The direct method needs a dense operator, or a sparse one in a build
   with SuiteSparseQR: that path gathers A and B to rank 0 at every solve (RLA_ERR_UNSUPPORTED
   beyond 2^31 - 1 nonzeros or m nrhs entries; RLA_ERR_MEM or RLA_ERR_LIB when SuiteSparseQR
   fails there, agreed on every rank). */
rla_err rla_lsq_solve_operator(rla_lsq L, int64_t nrhs, const double *B, int64_t ldb, double *X,
                               int64_t ldx, rla_lsq_info *info);

/* Solve min ||A x_j - b_j||_2 for the nrhs columns b_j of B. A is m x d and B is m x nrhs, both
   row-block with the same row distribution (create them with the same mb); neither is
   modified. X is d x nrhs, column-major with leading dimension ldx >= d, on every rank: it is
   written on every rank with the same values. info (may be NULL) receives the report.
   A is wrapped in a dense operator kept by the solver, re-made (and the plan re-run) only when
   A, its sizes or the number of right-hand sides grow; the solver keeps its arrays (the sketch's
   work array alone is l x (d + nrhs) doubles per rank) for its next solve, until
   rla_lsq_destroy, since fresh pages cost time (chosen by measurement: see bench/README.md).
   Collective. Errors: RLA_ERR_ARG (not set up, NULL, layouts), RLA_ERR_SHAPE (m < d: the
   underdetermined problem is not supported; d = 0; nrhs = 0; B rows differ from A rows),
   RLA_ERR_VALUE (NaN/Inf in A or B, named by position; for the sketching methods also a
   sketch whose largest entry exceeds sqrt(DBL_MAX / (4 l (d + nrhs))), about 1e150, too large
   for their sums of squares), RLA_ERR_MEM, RLA_ERR_LIB (LAPACK/ScaLAPACK failure). */
rla_err rla_lsq_solve(rla_lsq L, rla_dmat A, rla_dmat B, double *X, int64_t ldx,
                      rla_lsq_info *info);

/* The fields of a solve's info in rep, as rla-lsq reports them: method, sizes, the largest and
   every right-hand side's residual norm and backward errors, iterations, convergence, rank,
   condition estimates, the sketch and seed, the times (time_solve: the whole solve) and the
   communication counts. Local. */
rla_err rla_lsq_info_report(const rla_lsq_info *info, rla_report rep);

/* 1 when the library was built with SuiteSparseQR (configure --with-spqr, the default when it
   is found), so that the direct method takes a sparse operator: A's CSR rows and B are gathered
   to rank 0, which factors A with SuiteSparseQR's default ordering and rank tolerance, and X is
   broadcast. Suits the sizes one process can factor (R's fill decides); the accurate method keeps
   A distributed. 0 otherwise. Local. */
int rla_lsq_has_spqr(void);

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
