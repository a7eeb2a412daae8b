/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of src/cluster: the clustering object and its plan, the predictor ops table
   (one implementation per file in impls/), and the kernels: replicated sums, small
   eigenproblems, and the projection and orthonormalization of row-distributed column sets
   (local rows, column-major, ld = lm). */
#ifndef RLA_CLUSTER_IMPL_H
#define RLA_CLUSTER_IMPL_H

#include "rla/cluster.h"
#include "../base/reduce.h"

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
   rla_reduce_sum_replicated does): one reduction fewer. Collective. */
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
/* E emptied (no block added) without freeing anything: the state of a new estimator. Local. */
void rla_cluster_estimator_reset(rla_cluster_estimator E);
/* E's workspace made large enough for an add of n columns now, so that no later add or trial
   allocates. Collective. */
rla_err rla_cluster_estimator_reserve(rla_cluster_estimator E, int64_t n);

/* The owner of every block in the blocks distribution: blocks by descending width (ties by
   index), each given to the rank with the fewest columns so far (ties: the lowest rank). Blocks
   have the same m, so this balances the data. owner has nblocks entries. Errors: RLA_ERR_MEM
   (on this rank only: agree before a collective). Local. */
rla_err rla_cluster_owners(rla_ctx ctx, int nprocs, int64_t nblocks, const int64_t *widths,
                           int *owner);
/* error sqrt(1 - e / total) from an energy lower bound e and the total energy (0 when total is
   not positive or e exceeds it). Local. */
double rla_cluster_error_of(double e, double total);

/* ---- predictors: the error of a growing group --------------------------------------------- */

/* What a predictor sees (all borrowed): the blocks and their per-block numbers, and the context
   its kernels run on. In the rows distribution that is the collection's context and lm its local
   rows; in the blocks distribution a trial runs on the block's owner alone, over MPI_COMM_SELF,
   with lm = m. */
typedef struct {
  rla_ctx ctx;
  const rla_dmat *blocks;
  const int64_t *wid;        /* widths n_j */
  const double *nrm2, *topr; /* ||A_j||_F^2 and the top-r energy (||A_j||_F^2 when n_j <= r) */
  int64_t nblocks, m, mb, lm, r, p;
  int64_t nmax, total; /* the widest block, the sum of the widths */
} rla_cluster_problem;

typedef struct rla_cluster_predictor_s *rla_cluster_predictor;

/* What a predictor type provides. try and accept work on one group at a time: reset empties it,
   try(j) predicts its error with block j joined and keeps that state aside, accept(j) commits
   the last try. Nothing allocates after create. */
struct rla_cluster_predictor_ops {
  const char *name;
  /* Fill P->data and allocate every workspace for P->pb. Collective on P->pb.ctx. */
  rla_err (*create)(rla_cluster_predictor P);
  /* Free P->data. Local. */
  void (*destroy)(rla_cluster_predictor P);
  /* An empty group. Local. */
  void (*reset)(rla_cluster_predictor P);
  /* *err: the predicted error of the group with block j joined. Collective on P->pb.ctx. */
  rla_err (*try)(rla_cluster_predictor P, int64_t j, double *err);
  /* Block j, the last one tried, joins the group. Local. */
  void (*accept)(rla_cluster_predictor P, int64_t j);
  /* The state of a try of block j as packsize(j) numbers: pack it (after try), unpack it (on a
     rank that did not make the try; accept then commits it). NULL when a try reads only
     replicated numbers, so that every rank makes it. Local. */
  int64_t (*packsize)(rla_cluster_predictor P, int64_t j);
  void (*pack)(rla_cluster_predictor P, int64_t j, double *buf);
  void (*unpack)(rla_cluster_predictor P, int64_t j, const double *buf);
  /* The group's orthonormal basis (pb.lm x *k, ld pb.lm; borrowed), or NULL (no such op) for a
     predictor that keeps none. Local. */
  const double *(*basis)(rla_cluster_predictor P, int64_t *k);
};

struct rla_cluster_predictor_s {
  const struct rla_cluster_predictor_ops *ops;
  rla_cluster_problem pb;
  void *data;
};

/* bound 1 (impls/maxnorm.c), bound 2 alone (impls/residuals.c, the public bound), bound 2 or
   bound 1 where tighter (the residuals algorithm), the incremental estimator
   (impls/approximate.c) */
extern const struct rla_cluster_predictor_ops rla_cluster_maxnorm_ops;
extern const struct rla_cluster_predictor_ops rla_cluster_bound2_ops;
extern const struct rla_cluster_predictor_ops rla_cluster_residuals_ops;
extern const struct rla_cluster_predictor_ops rla_cluster_approximate_ops;

/* A predictor of the given type for the problem pb (copied; its arrays stay borrowed). Collective
   on pb->ctx. */
rla_err rla_cluster_predictor_create(const struct rla_cluster_predictor_ops *ops,
                                     const rla_cluster_problem *pb, rla_cluster_predictor *P);
/* Accepts NULL; sets *P = NULL. Local. */
void rla_cluster_predictor_destroy(rla_cluster_predictor *P);
/* The error of the blocks 0 .. nblocks-1 of P's problem taken in index order: reset, then try
   and accept every block. Collective on P->pb.ctx. */
rla_err rla_cluster_predictor_run(rla_cluster_predictor P, double *err);

/* The blocks distribution's trial: the block's owner tries it over its MPI_COMM_SELF context and
   broadcasts one message (error code, predicted error, packed state); every other rank keeps the
   message and unpacks it only when the block joins. A predictor without pack is tried by every
   rank. */
typedef struct {
  rla_cluster_predictor P;
  rla_ctx ctx;      /* the clustering's */
  const int *owner; /* the owner of every block */
  int me;
  double *msg; /* 2 + the largest packsize */
  int64_t nmsg;
} rla_cluster_owned;

/* msg allocated for P's largest trial (RLA_ERR_UNSUPPORTED over 2^31 numbers). Collective. */
rla_err rla_cluster_owned_create(rla_ctx ctx, rla_cluster_predictor P, const int *owner,
                                 rla_cluster_owned *T);
void rla_cluster_owned_destroy(rla_cluster_owned *T);
/* try block j on its owner; the outcome on every rank. Collective on T->ctx. */
rla_err rla_cluster_owned_try(rla_cluster_owned *T, int64_t j, double *err);
/* block j, the last one tried, joins on every rank. Local. */
void rla_cluster_owned_accept(rla_cluster_owned *T, int64_t j);

/* ---- the clustering object ----------------------------------------------------------------- */

/* a key for sorting block indices: ascending key, ties by ascending index */
typedef struct {
  double key;
  int64_t j;
} rla_cluster_keyed;
int rla_cluster_keyed_cmp(const void *a, const void *b);

/* What rla_cluster_setup decides and allocates for one collection; rla_cluster_compute runs it. */
typedef struct {
  int64_t nblocks;
  rla_dmat *handles; /* the collection's handles as given, to recognise it */
  rla_cluster_distribution dist;
  int *owner; /* blocks: the owner of every block; NULL with rows */
  int me;
  int64_t m, mb, lm;     /* rows; row block and local rows of the bases (row-block, all ranks) */
  int64_t *row0, *nrows; /* every rank's first row and row count in that split */
  int64_t *wid;
  double *nrm2, *topr; /* filled by compute */
  rla_cluster_problem pb;
  rla_cluster_predictor P;
  rla_cluster_owned T; /* blocks distribution only */
  /* the loop: blocks by norm, candidates, seed, assigned flags, sort keys */
  int64_t *bynorm, *cand, *seed;
  char *assigned;
  rla_cluster_keyed *keys;
  /* the residual order: the seed's columns and basis, the products W^T A_j, the keys, the
     orthonormalization's workspace */
  double *sa, *sw, *sy, *sres, *swork;
} rla_cluster_plan;

struct rla_cluster_s {
  rla_ctx ctx;
  int64_t r, p, patience;
  double eps;
  rla_cluster_algorithm alg;
  rla_cluster_order order;
  int computed;
  int64_t nblocks, nclusters;
  int64_t *start;   /* nclusters + 1 offsets into members */
  int64_t *members; /* nblocks */
  int64_t *width, *rank, *storage;
  double *predicted, *actual;
  rla_dmat *U;   /* nclusters bases (NULL: stored as is) */
  double **coef; /* nclusters replicated U^T C (rank x width), NULL when stored as is */
  rla_cluster_summary sum;
  rla_ctx self;           /* over MPI_COMM_SELF: the owner's work in the blocks distribution */
  rla_cluster_plan *plan; /* from rla_cluster_setup; NULL before */
};

/* err raised on the context from (the owner's, over MPI_COMM_SELF) raised again on to with
   from's message; err itself when from is NULL or to. Local. */
rla_err rla_cluster_lift(rla_ctx to, rla_ctx from, rla_err err);

/* layout.c: the distribution of the collection, the owners (blocks), the widths and m: one
   reduction of what every rank holds; at one rank everything is rows. Collective. */
rla_err rla_cluster_find_layout(rla_cluster C, int64_t nblocks, const rla_dmat *blocks, int *owner,
                                int64_t *wid, int64_t *m, rla_cluster_distribution *dist);

/* 1 when this rank works on block j's data: every rank with rows, its owner with blocks */
static inline int rla_cluster_mine(const rla_cluster_plan *pl, int64_t j)
{
  return pl->dist != RLA_CLUSTER_DIST_BLOCKS || pl->owner[j] == pl->me;
}

/* greedy.c: the plan of C for the collection (validated, laid out, every workspace allocated),
   replacing an earlier one; its destruction (accepts NULL; Local); the loop on C->plan (norms,
   seeds, growth, compression, summary) into C's result arrays. Collective. */
rla_err rla_cluster_plan_create(rla_cluster C, int64_t nblocks, const rla_dmat *blocks);
void rla_cluster_plan_destroy(rla_cluster_plan **plan);
rla_err rla_cluster_greedy(rla_cluster C);

/* compress.c: the compression of cluster c of C->plan's collection: from the predictor's basis
   while it holds the cluster (Rayleigh-Ritz; *done = 0 when it leaves the cluster to the
   other), and from the Gram matrix of the cluster's columns. Collective. */
rla_err rla_cluster_compress_ritz(rla_cluster C, int64_t c, int *done);
rla_err rla_cluster_compress_gram(rla_cluster C, int64_t c);

#endif
