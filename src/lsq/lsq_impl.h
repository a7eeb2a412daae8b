/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of the least-squares solver and the kernels its methods share. */
#ifndef RLA_LSQ_IMPL_H
#define RLA_LSQ_IMPL_H

#include "rla/lsq.h"
#include "../op/op_impl.h"

/* The factored, column-equilibrated sketch: S A D = Q R (TSQR), or R^T R = (S A D)^T S A D
   to rounding (the Cholesky path of the accurate method), and when an SVD was made
   R = U diag(sigma) V^T. The preconditioner is P = R^-1 (QR) or V_k diag(sigma_k)^-1 (SVD);
   every array is replicated and identical on every rank. The arrays are allocated for d
   columns by lsq_factor_plan and reused by every factorization of that size. */
typedef struct {
  int64_t d, l, k; /* k: rank kept */
  int use_svd;
  int cholesky;        /* R from the Cholesky factor of the sketch's Gram matrix, not TSQR */
  double sketch_max;   /* largest |entry| of the summed sketch (Inf when one is NaN or Inf) */
  double sketch_bound; /* the largest allowed; when above, nothing else is set */
  double *scale;       /* D (d), the inverse column norms of S A (1 for a zero column) */
  double *r;           /* R (d x d, upper triangular), QR path */
  double *sigma;       /* d singular values, SVD path */
  double *v;           /* V (d x d), SVD path */
  double *u;           /* U (d x d), SVD path */
  double *tau;         /* d of work */
  double *nullspace;   /* orthonormal basis of D V(:, k:d) (d x (d - k)), for the minimum norm */
  double kappa;        /* condition number of S A D (see rla_lsq_info.kappa_sketch) */
  double *work;        /* max(d, nrhs) doubles of scratch */
  int64_t cap_d, cap_work; /* allocated sizes */
} lsq_factor;

/* The sketch preconditioner object (rla_lsq_precond): the factor and, for
   rla_lsq_precond_setup, the work array of the sketch. */
struct rla_lsq_precond_s {
  rla_ctx ctx;
  double rank_tol; /* < 0: 30 sqrt(d) eps */
  int force_svd;
  int is_setup;
  lsq_factor f;
  double *sketch_work, *rf;
  int64_t sketch_cap, rf_cap;
};

/* Arrays of one solve besides the factor's, allocated by lsq_plan for the planned sizes so
   that a solve allocates nothing. The factorization's arrays are views of one allocation
   (arena), laid out for the two paths, which never need theirs at the same time: the Cholesky
   path's gram, msg and cv; the reduce-scatter's and TSQR's comm (before, and on the QR path)
   with rf, which the solution reads after TSQR. The refinement, which follows the solution,
   takes the arena for its triangles (at least (min(nrhs, LSQ_QR_MAX_RHS) + 1) d^2 doubles). */
typedef struct {
  double *sketch;     /* the l x (d + nrhs) sketch of [A B] */
  double *xh, *c1;    /* d x nrhs: scaled-coordinate solution, R^-T D (S A)^T S B */
  double *t;          /* l: the sketched residual's rows */
  double *eval;       /* lsq_evaluate's reduction buffer */
  double *arena;      /* the views below */
  int64_t cap[6];     /* allocated lengths, in the order above */
  double *rf;         /* (d + nrhs)^2: the R factor of [S A, S B] */
  double *comm;       /* the sketch's reduce-scatter and TSQR (lsq_comm_doubles), after rf */
  double *gram, *msg; /* the Cholesky path's Gram matrix and its broadcast but R (into F->r) */
  double *cv;         /* 2 d: the Cholesky path's power steps */
} lsq_work;

typedef struct lsq_refine_ws lsq_refine_ws;

struct rla_lsq_s {
  rla_ctx ctx;
  rla_lsq_method method;
  rla_sketch_type sketch_type; /* the sketch planned with */
  int sketch_choice;           /* the one set (an rla_sketch_type), or -1: A's own (op.h) */
  double gamma;
  int64_t sketch_rows; /* 0: from gamma */
  uint64_t seed;
  double tol;
  double rank_tol; /* < 0: default */
  int64_t max_iterations;
  int is_setup;

  /* the operator: the user's (rla_lsq_set_operator) or the dense one rla_lsq_solve makes */
  rla_op op;
  rla_op user_op;               /* borrowed: the one set by rla_lsq_set_operator */
  rla_op dense_op;              /* owned: the operator of dense_A */
  rla_dmat dense_A;             /* borrowed: the matrix of dense_op */
  int64_t dense_lm, dense_row0; /* and its row split when dense_op was made */
  int64_t nrhs_plan;            /* right-hand sides to plan for (rla_lsq_set_rhs_count) */
  int planned;                  /* lsq_plan ran for op, nrhs_planned and the settings */
  int64_t nrhs_planned;

  rla_sketch sketch; /* made in setup; sized (and set up) for the current l and m by the plan */
  int64_t sketch_l, sketch_m;
  rla_lsq_precond pc; /* the factored sketch */
  lsq_work work;
  lsq_refine_ws *refine;

  /* report of the last solve and its per right-hand-side arrays */
  int has_info;
  rla_lsq_info info;
  int64_t cap; /* allocated length of the arrays below */
  double *residual_norm, *rhs_norm, *backward_error, *backward_error_estimate;
  double *residual_sketched;
  int64_t *rhs_iterations;
  int *rhs_converged;
  double *history; /* max_iterations + refinement steps + 1 entries, see rla_lsq_info */
  rla_lsq_monitor monitor; /* rla_lsq_set_monitor */
  void *monitor_ctx;
  int64_t history_cap;
};

/* The problem of one solve: the operator, the local rows of B and the replicated solution. */
typedef struct {
  rla_ctx ctx;
  rla_op op;
  int64_t m, d, nrhs;
  int64_t lm, row0; /* local rows and the first global one */
  const double *b;  /* local rows of B */
  int64_t ldb;
  rla_dmat B;      /* B as a matrix when the solve was given one (rla_lsq_solve), else NULL */
  int op_may_fail; /* the operator's kernels may fail on one rank alone (see lsq_op_agree) */
  double *x;       /* d x nrhs, replicated */
  int64_t ldx;
} lsq_problem;

/* The accurate method factors the sketch by QR alone (no SVD) for up to this many right-hand
   sides when R is numerically of full rank: its backward-error estimates then take one QR of
   [R; sqrt(mu) I] per right-hand side and refinement step (LAPACK dtpqrt) instead of one SVD
   of R (dgesdd), about 20 times the time at d = 1024. With more right-hand sides the SVD is
   cheaper. Chosen by measurement: see bench/README.md. */
#define LSQ_QR_MAX_RHS 4

/* The accurate method takes the R factor of the equilibrated sketch S A D from the Cholesky
   factorization of its Gram matrix (one dsyrk, about half the time of its Householder QR;
   chosen by measurement: see bench/README.md) when its estimated 2-norm condition number is at
   most this, and TSQR otherwise. The computed factor is the exact one of D (G + E) D with
   ||E|| <= c eps ||G||, so as a preconditioner its distortion grows as c eps kappa_2^2 (and a
   warm start from the sketch's normal equations loses kappa^2 eps, which CG makes up). On the
   benchmark family (2^18 x 256, geometric singular values) the preconditioned condition number
   was the same as with TSQR, 1.56, up to kappa_2 = 1e8, 5.25 at 1e9 (c eps kappa^2 near 4
   there, so about 0.04 at 1e8), and the factorization failed at 1e10. The estimate is the
   power method's (lsq_power_estimates, CHOL_POWER_STEPS steps from a Gaussian start): from
   below, and above a quarter of each eigenvalue with probability at least
   1 - 0.824 sqrt(d) 4^-(CHOL_POWER_STEPS - 3/2) (under 1e-7 up to d = 10^5), so an accepted
   factor has kappa_2 <= 4e7, a factor 2.5 in kappa below the 1e8 that still matched TSQR.
   LAPACK's 1-norm estimate, used before, exceeds kappa_2 by up to a factor d: it was 1.2e7
   on a 2^16 x 256 problem of kappa_2 = 1e6 with random singular vectors, which took TSQR.
   Sketch-and-solve itself (the solve method) always uses TSQR, whose x is accurate to kappa eps
   rather than kappa^2 eps. */
#define CHOL_KAPPA_MAX   1e7
#define CHOL_POWER_STEPS 16

#define CHECK_SOLVER(L)                                                                            \
  do {                                                                                             \
    if (!(L))                                                                                      \
      return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "NULL solver");        \
  } while (0)

/* Grow *a to at least n doubles (contents not kept, zeroed). The plan's arrays live as long as
   the solver and the largest, the l x c sketch, is streamed like a matrix (written by the
   sketch, reduced, factored), so they come from rla_calloc_matrix: huge pages where the kernel
   allows them, and every page touched at setup. A fresh process then takes one fault per
   2 MiB of the sketch, not one per 4 KiB inside the sketch's strided writes (chosen by
   measurement of cold launches: see bench/README.md). Local. */
rla_err lsq_reserve(rla_ctx ctx, double **a, int64_t *cap, int64_t n);

/* Counters of one solve. */
typedef struct {
  int64_t passes, words, reductions;
} lsq_cost;

/* The error of an operator kernel, agreed over the ranks when p's operator may fail on one rank
   alone (a matrix-free operator's callbacks); the dense operator's kernels fail on every rank
   or on none (they check only set-up state that is the same everywhere), so its passes take no
   extra collective. Collective when p->op_may_fail. */
rla_err lsq_op_agree(const lsq_problem *p, rla_err err);
/* In-place sum over the ranks of n doubles, counted in cost. Collective. */
rla_err lsq_allreduce(rla_ctx ctx, double *buf, int64_t n, lsq_cost *cost);
/* Estimates from below of ||R||_2 and kappa_2(R) for the d x d upper triangular R (leading
   dimension d): `steps` steps of the power method on R^T R and on (R^T R)^-1 (triangular
   products and solves, O(d^2) flops each), from a fixed start, or from a Gaussian one when
   random_start (then, for any R, each eigenvalue estimate is within a factor 1 - e of the
   largest with probability at least 1 - 0.824 sqrt(d) (1 - e)^(steps - 1/2): Kuczynski,
   Wozniakowski, SIMAX 13, 1992). kappa is infinite when R is singular to working precision.
   v, y: d doubles of work. Local. */
void lsq_power_estimates(const double *r, int64_t d, int steps, int random_start, double *v,
                         double *y, double *sigma1, double *kappa);

/* The oversampling factor in use for an m x d problem: the one set, or the default of the
   method (interface.c). Local. */
double lsq_oversample(rla_lsq L, int64_t m, int64_t d);

/* Allocate (or grow) the factor's arrays for d columns and nrhs right-hand sides; Local
   (the callers agree). Free them. */
rla_err lsq_factor_plan(rla_ctx ctx, lsq_factor *F, int64_t d, int64_t nrhs);
void lsq_factor_free(lsq_factor *F);
/* Reset the results of a previous factorization, keeping the arrays. Local. */
void lsq_factor_reset(lsq_factor *F, int64_t d, int64_t l);
/* From R = R11 D in F->r (and F->scale): unless want_svd, LAPACK's 1-norm condition estimate
   of R decides whether the SVD follows (R numerically rank-deficient); with the SVD, the rank
   k, U (F->u), V and the null-space basis. rcond_known: 1 / kappa already known (the Cholesky
   path), else 0. Local (replicated arithmetic). */
rla_err lsq_factor_decide(rla_ctx ctx, lsq_factor *F, double rank_tol, int want_svd,
                          double rcond_known);
/* The rank tolerance in use for d columns. */
double lsq_rank_tol(double rank_tol, int64_t d);
/* x (scaled coordinates, d) = P y (y of length k). */
void lsq_precond_apply(const lsq_factor *F, const double *y, double *x);
/* y (k) = P^T g (g of length d, scaled coordinates). */
void lsq_precond_apply_transpose(const lsq_factor *F, const double *g, double *y);
/* Remove from the d x nrhs original-coordinate x its component in the numerical null space of
   A (a no-op when nothing was truncated). Local. */
void lsq_project_nullspace(const lsq_factor *F, int64_t nrhs, double *x, int64_t ldx);

/* The sketch of the local rows of A (through the operator) and of B (its nrhs columns, b: lm
   rows, leading dimension ldb; none when nrhs = 0) side by side in w (l x (d + nrhs)), its
   reduce-scatter to the row blocks, and the test of its largest entry (F->sketch_max,
   F->sketch_bound). Collective. */
rla_err lsq_sketch_phase(rla_ctx ctx, rla_op op, rla_sketch S, int64_t nrhs, const double *b,
                         int64_t ldb, double *w, lsq_factor *F, lsq_cost *cost, double *comm);
/* TSQR of the reduced sketch w (l x c, c = d + nrhs) into rf (c x c) and the equilibrated
   R = R11 D into F. Collective. */
rla_err lsq_sketch_qr(rla_ctx ctx, double *w, int64_t l, int64_t d, int64_t nrhs, double *rf,
                      lsq_factor *F, lsq_cost *cost, double *comm);
/* Doubles of work (comm above, lsq_work.comm) of the sketch's reduce-scatter and TSQR for an
   l x c sketch on P ranks; the functions that take comm allocate when it is NULL. Local. */
int64_t lsq_comm_doubles(int P, int64_t l, int64_t c);

/* The sketch phase shared by solve and accurate: sketch [A B] (one reduction), equilibrate,
   factor (accurate: the Cholesky factor of the Gram matrix when it passes CHOL_KAPPA_MAX,
   else TSQR; then the SVD of R when want_svd or R is numerically rank-deficient), and the
   sketch-and-solve solution in p->x. residual_sketched (nrhs) receives ||S(b - A x)||.
   Collective. */
rla_err lsq_sketch_solve(rla_lsq L, const lsq_problem *p, int want_svd, lsq_factor *F,
                         double *residual_sketched, lsq_cost *cost, double *t_sketch,
                         double *t_factor);

/* Allocate the refinement's workspace for d columns and nrhs right-hand sides (and the
   history), or grow it. Collective. Free it. */
rla_err lsq_refine_plan(rla_lsq L, int64_t d, int64_t nrhs);
void lsq_refine_free(lsq_refine_ws **w);
/* Accurate method: refine the sketch-and-solve x in p->x. Fills the per right-hand-side arrays
   and the iteration counts of info. Collective. */
rla_err lsq_refine(rla_lsq L, const lsq_problem *p, const lsq_factor *F, rla_lsq_info *info,
                   lsq_cost *cost);

/* Direct method with PDGELS: X from the dense A and B (p->B, or p->b copied into a row-block
   matrix). Collective. */
rla_err lsq_direct(rla_lsq L, rla_dmat A, const lsq_problem *p, rla_lsq_info *info, lsq_cost *cost);

/* Direct method on a sparse A (the sparse operator's matrix) with SuiteSparseQR: A's CSR rows
   and B gathered to rank 0, factored and solved there (the minimum-norm solution of the
   truncated problem when SuiteSparseQR finds A rank-deficient), X broadcast to every rank. Sets
   info->rank, truncated, time_redistribute (the gather and the broadcast) and time_factor.
   Collective; errors agreed. RLA_ERR_UNSUPPORTED when the library was built without it. */
rla_err lsq_spqr(rla_lsq L, rla_smat A, const lsq_problem *p, rla_lsq_info *info);

/* The same X (d x nrhs, leading dimension ldx) on every rank as on rank 0, bit for bit
   (replicated arithmetic may differ in the last bit between unlike processors). Collective. */
rla_err lsq_broadcast_solution(rla_ctx ctx, double *X, int64_t d, int64_t nrhs, int64_t ldx);

/* Residual norms and ||A^T r|| / (||A||_F ||r||) of p->x for all right-hand sides (one pass,
   one reduction, into L->work.eval), into info's arrays; also info->norm_fro. Collective. */
rla_err lsq_evaluate(rla_lsq L, const lsq_problem *p, rla_lsq_info *info, lsq_cost *cost);

/* The plan (solve.c): for the operator L->op and nrhs right-hand sides, size and set up the
   sketch, reserve the operator's workspace and allocate every array a solve uses. Collective. */
rla_err lsq_plan(rla_lsq L, int64_t nrhs);
/* Free the per right-hand-side arrays of the report (capacity 0). Local. */
void lsq_info_free(rla_lsq L);
void lsq_work_free(lsq_work *w);

#endif
