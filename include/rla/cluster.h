/* SPDX-License-Identifier: BSD-3-Clause */
/* Compression-aware clustering of a collection of matrices A_j (m x n_j, the same m): groups
   whose concatenation C = [A_j ...] has a rank-r approximation with relative Frobenius error
   err_r(C) = ||C - C_r||_F / ||C||_F = sqrt(1 - E_r / ||C||_F^2) <= eps, E_r = sum_{i<=r}
   sigma_i(C)^2. Shamrai, "Concatenated Matrix SVD: Compression Bounds, Incremental
   Approximation, and Error-Constrained Clustering", arXiv 2601.11626.

   Two data layouts (see rla_cluster_distribution):
   - rows: every block is a row-block rla_dmat over the whole communicator with the same global
     rows and the same row split (the default one of rla_dmat_create_rowblock / rla_io_read), so
     each rank holds its rows of every block (a rank with no rows is fine). All small matrices
     (Gram matrices, projections Q^T A, eigenproblems) are summed on rank 0 and broadcast, so
     every rank holds bitwise the same replicated values and takes the same decisions.
   - blocks: every block is whole on one rank, its owner (a row-block rla_dmat on a context over
     MPI_COMM_SELF; NULL on the other ranks). Each rank norms and projects its own blocks; the
     small results are reduced in one collective per step, the growing cluster's basis is
     replicated (m x (r + p) for the estimator) and a candidate is tried by its owner, which
     broadcasts the outcome. A rank that owns no block is fine.
   Both give the same clusters (up to rounding in the last bits). */
#ifndef RLA_CLUSTER_H
#define RLA_CLUSTER_H

#include <stdint.h>
#include <stdio.h>

#include "rla/base.h"
#include "rla/dmat.h"
#include "rla/options.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- error bounds -------------------------------------------------------------------------- */

/* The exact error err_r of the concatenation of the nblocks blocks (row-distributed), from the
   eigenvalues of its Gram matrix C^T C (dsyrk, N^2 words reduced, dsyevd without vectors on every
   rank: m N^2 + 4 N^3 / 3 flops for N = total width). Collective. */
rla_err rla_cluster_error_exact(int64_t nblocks, const rla_dmat *blocks, int64_t r, double *err);
/* Bound 1 (Weyl / max-norm): an upper bound on err_r from a lower bound on E_r: the largest of
   (a) the energy ||A_j||_F^2 summed over blocks taken in descending norm while their total width
   stays <= r, and (b) the top-r energy sum_{i<=r} sigma_i(A_j)^2 of any single block (for a
   block wider than r, the only credit it may get). Cost: the norms, plus one n_j x n_j Gram
   matrix per block wider than r. Collective. */
rla_err rla_cluster_bound_maxnorm(int64_t nblocks, const rla_dmat *blocks, int64_t r, double *err);
/* Bound 2 (incremental residuals): R_j = (I - P_{j-1}) A_j with P_{j-1} the orthogonal projector
   onto the span of the earlier blocks; E_r >= the sum of the r largest sigma_i(R_j)^2 over all j.
   The span is kept as an orthonormal basis by classical Gram-Schmidt applied twice. Cost:
   4 m N d flops for a final span of dimension d. Collective. */
rla_err rla_cluster_bound_residuals(int64_t nblocks, const rla_dmat *blocks, int64_t r,
                                    double *err);

/* ---- the incremental estimator ------------------------------------------------------------- */

/* Q (m x k, row-block, k = r + p) and lambda (k, replicated) with C C^T ~ Q diag(lambda) Q^T,
   updated block by block; in exact arithmetic Q diag(lambda) Q^T <= C C^T, so the estimated
   error never under-reports the true one. */
typedef struct rla_cluster_estimator_s *rla_cluster_estimator;

/* An empty estimator for blocks of m rows with row block mb (0: the default split), target
   rank r >= 1 and oversampling p >= 0. Collective. */
rla_err rla_cluster_estimator_create(rla_ctx ctx, int64_t m, int64_t mb, int64_t r, int64_t p,
                                     rla_cluster_estimator *E);
/* Accepts NULL; sets *E = NULL. Collective. */
rla_err rla_cluster_estimator_destroy(rla_cluster_estimator *E);
/* A copy of E. Collective. */
rla_err rla_cluster_estimator_duplicate(rla_cluster_estimator E, rla_cluster_estimator *F);
/* Add a block A (m x n row-block, the row split of E): Y = Q^T A, R = A - Q Y (projected twice),
   R = Q_r B, eigendecomposition of [[diag(lambda) + Y Y^T, Y B^T], [B Y^T, B B^T]], keep the top
   k. Cost: 8 m k n + 4 m n^2 + 2 m (k+n) k flops, reductions of k n and n^2 words. Fails with
   RLA_ERR_SHAPE when A has another row count or split. Collective. */
rla_err rla_cluster_estimator_add(rla_cluster_estimator E, rla_dmat A);
/* Merge F into E: E receives F's Q diag(sqrt(lambda)) as a block and F's ||C||_F^2; F is not
   changed. Fails with RLA_ERR_SHAPE when the row counts differ. Collective. */
rla_err rla_cluster_estimator_merge(rla_cluster_estimator E, rla_cluster_estimator F);
/* Estimated error sqrt(max(0, 1 - sum_{i<=r} lambda_i / ||C||_F^2)); 0 when nothing was added.
   Local (the values are replicated). */
double rla_cluster_estimator_error(rla_cluster_estimator E);
/* lambda (borrowed, nlambda <= k values, decreasing), ||C||_F^2 and the basis Q (borrowed,
   m x nlambda row-block, valid until the next add or merge; NULL before the first add). Any
   pointer may be NULL. Local when Q is NULL; collective otherwise (Q is made on demand). */
void rla_cluster_estimator_get(rla_cluster_estimator E, const double **lambda, int64_t *nlambda,
                               double *norm2, rla_dmat *Q);

/* ---- clustering ---------------------------------------------------------------------------- */

typedef enum {
  RLA_CLUSTER_APPROXIMATE = 0, /* the incremental estimator (fixed memory m (r + p)) */
  RLA_CLUSTER_RESIDUALS = 1,   /* bound 2: certified */
  RLA_CLUSTER_MAX_NORM = 2     /* bound 1: no factorization */
} rla_cluster_algorithm;

typedef enum {
  RLA_CLUSTER_ORDER_RESIDUAL = 0, /* candidates by ascending relative residual against the seed */
  RLA_CLUSTER_ORDER_NORM = 1      /* candidates by ascending Frobenius norm */
} rla_cluster_order;

/* Parse "approximate" | "residuals" | "max-norm" and "residual" | "norm". Local. */
rla_err rla_cluster_algorithm_from_name(rla_ctx ctx, const char *name, rla_cluster_algorithm *a);
const char *rla_cluster_algorithm_name(rla_cluster_algorithm a); /* Local. */
rla_err rla_cluster_order_from_name(rla_ctx ctx, const char *name, rla_cluster_order *o);
const char *rla_cluster_order_name(rla_cluster_order o); /* Local. */

/* How the blocks of a collection are spread over the ranks. */
typedef enum {
  RLA_CLUSTER_DIST_AUTO = 0,  /* rla_cluster_distribution_choose decides */
  RLA_CLUSTER_DIST_ROWS = 1,  /* every block row-distributed over all ranks (large m) */
  RLA_CLUSTER_DIST_BLOCKS = 2 /* whole blocks per rank, balanced by columns */
} rla_cluster_distribution;

/* Parse "auto" | "rows" | "blocks". Local. */
rla_err rla_cluster_distribution_from_name(rla_ctx ctx, const char *name,
                                           rla_cluster_distribution *d);
const char *rla_cluster_distribution_name(rla_cluster_distribution d); /* Local. */
/* The automatic rule, for nprocs ranks and nblocks blocks of m rows and the given widths: rows
   when nprocs == 1, when there are fewer than 2 nprocs blocks (whole blocks would leave ranks
   idle), or when every rank would hold at least RLA_CLUSTER_ROWS_PER_RANK rows (the work of one
   candidate, O(m (r + p) n_j) flops, then outweighs the latency of its reductions; on shared
   memory the two broke even near 250 rows per rank in bench/bench_cluster, and 512 leaves room
   for the higher latency of a network); blocks otherwise. Local. */
#define RLA_CLUSTER_ROWS_PER_RANK 512
rla_cluster_distribution rla_cluster_distribution_choose(int nprocs, int64_t m, int64_t nblocks,
                                                         const int64_t *widths);
typedef struct rla_cluster_s *rla_cluster;

/* One cluster of a result. */
typedef struct {
  int64_t nmembers;
  const int64_t *members; /* block indices, ascending (borrowed) */
  int64_t width;          /* N: total columns */
  int64_t rank;           /* columns of the stored basis (0: stored uncompressed) */
  double predicted;       /* the algorithm's error on acceptance (0 for a seed of width <= r) */
  double actual;          /* ||(I - U U^T) C||_F / ||C||_F of the stored basis U, computed */
  int64_t storage;        /* numbers stored: min(r (m + N), m N) */
} rla_cluster_item;

/* Summary of a result. */
typedef struct {
  int64_t nblocks, nclusters, nnonsingleton, m;
  int64_t original;     /* numbers of the collection: m * sum n_j */
  int64_t stored;       /* sum of the clusters' storage */
  double ratio;         /* original / stored */
  double error_mean;    /* mean actual error over the non-singleton clusters (0 if none) */
  double error_max;     /* largest actual error */
  int64_t failed_seeds; /* seeds that could not grow */
  double time_norms, time_cluster, time_compress;
  rla_cluster_distribution distribution; /* of the blocks given: rows or blocks */
} rla_cluster_summary;

/* Defaults: algorithm approximate, order residual, oversampling 5, patience 10; rank and eps
   must be set. Local. */
rla_err rla_cluster_create(rla_ctx ctx, rla_cluster *C);
/* Accepts NULL; sets *C = NULL. Collective (frees the bases). */
rla_err rla_cluster_destroy(rla_cluster *C);
/* The settings, the plan (when set up) and the summary (when computed), on rank 0 to out (NULL:
   nothing). Errors: RLA_ERR_ARG for a NULL clustering. Local. */
rla_err rla_cluster_view(rla_cluster C, FILE *out);
rla_err rla_cluster_set_rank(rla_cluster C, int64_t r);                    /* r >= 1. Local. */
rla_err rla_cluster_set_tol(rla_cluster C, double eps);                    /* 0 < eps < 1. Local. */
rla_err rla_cluster_set_algorithm(rla_cluster C, rla_cluster_algorithm a); /* Local. */
rla_err rla_cluster_set_order(rla_cluster C, rla_cluster_order o);         /* Local. */
rla_err rla_cluster_set_oversample(rla_cluster C, int64_t p);              /* p >= 0. Local. */
/* After this many consecutive seeds that cannot grow, the remaining blocks become singletons;
   patience >= 1. Local. */
rla_err rla_cluster_set_patience(rla_cluster C, int64_t patience);

/* Plan the clustering of a collection: validate it, find its layout and allocate every
   workspace of the chosen algorithm's predictor and of the greedy loop, so that
   rla_cluster_compute on the same collection allocates only its results and the compression.
   Collective.
   C: the clustering, its rank set (and its algorithm, order and oversampling as they will be
   used: changing one of these later discards the plan, and compute makes it again).
   nblocks, blocks: the collection (borrowed; the plan keeps the handles, not the data, so the
   blocks' values may change between setup and compute, their shapes and layout not): every
   block row-distributed over C's communicator with the same global rows and row split, or at
   more than one rank every block whole on one rank over MPI_COMM_SELF and NULL elsewhere (as
   rla_cluster_collection_read_dist makes them); the same m throughout.
   Errors (the same on every rank, no plan kept): RLA_ERR_ARG (the rank not set, no blocks, a
   block missing on every rank or owned by several, the two distributions mixed), RLA_ERR_SHAPE
   (blocks with different row counts or splits, naming them), RLA_ERR_UNSUPPORTED (a trial
   message of the blocks distribution over 2^31 numbers: use rows), RLA_ERR_MEM.
   Notes: replaces an earlier plan; the workspaces hold, per rank, the state of one growing
   cluster (m (r + p) numbers twice for approximate, m min(m, N) for residuals, with lm rows in
   place of m in the rows distribution) and O(K) numbers for the K blocks. */
rla_err rla_cluster_setup(rla_cluster C, int64_t nblocks, const rla_dmat *blocks);
/* Cluster the collection (as for rla_cluster_setup; rla_cluster_setup is called first when C
   has no plan for these blocks, recognised by the same handles of the same shapes) and compress
   every non-singleton cluster: a cluster whose N columns cost less uncompressed
   (m N <= r (m + N)) is stored as is (actual error 0). Otherwise, with approximate, U is the
   Rayleigh-Ritz basis of the estimator's Q for C (U = Q V_r from B = Q^T C = V S Z^T;
   2 m (r + p) N flops), whose error is at most the predicted one; with the certified algorithms
   (and as a fallback) U holds the top r left singular vectors of C from the eigendecomposition
   of the N x N Gram matrix C^T C (exact SVD up to rounding, N^2 words reduced, N^3/3 + m N^2
   flops). U is re-orthonormalized and the actual error is computed from it. Every block is in
   exactly one cluster. The bases are row-block over all ranks in either distribution (owned
   blocks are redistributed by rows for the compression of their cluster). Replaces an earlier
   result. Collective.
   Errors (the same on every rank; no result kept): those of rla_cluster_setup, RLA_ERR_ARG when
   eps is not set, RLA_ERR_UNSUPPORTED (in the blocks distribution, a cluster of over 2^31
   numbers per rank to redistribute: use rows), RLA_ERR_MEM. */
rla_err rla_cluster_compute(rla_cluster C, int64_t nblocks, const rla_dmat *blocks);
/* The result; RLA_ERR_ARG before a successful compute or for i out of range. Local. */
rla_err rla_cluster_get_summary(rla_cluster C, rla_cluster_summary *s);
rla_err rla_cluster_get_item(rla_cluster C, int64_t i, rla_cluster_item *item);
/* The stored basis U (m x rank, row-block; borrowed) of cluster i, NULL when it is stored
   uncompressed. Local. */
rla_err rla_cluster_get_basis(rla_cluster C, int64_t i, rla_dmat *U);
/* The coefficients W = U^T C (rank x width, column-major, replicated; borrowed) of cluster i, so
   that C ~ U W; NULL when it is stored as is. Local. */
rla_err rla_cluster_get_coefficients(rla_cluster C, int64_t i, const double **coef);

/* The names of the algorithms and orders, indexed by their enumerations. */
extern const char *const rla_cluster_algorithm_names[3];
extern const char *const rla_cluster_order_names[2];

/* The description of the clustering's options, *n of them: r (alias -r), eps, algorithm, order,
   oversample and patience, each with its help text, its range, and the object's current value
   and setter (obj is an rla_cluster; r and eps have no value until set). The single source of
   their names and help for rla_cluster_set_from_options and the drivers. Local; the array is
   static. */
const rla_option_desc *rla_cluster_options(int *n);
/* Read the clustering's options from opts (rla-cluster's deck keys with prefix NULL or ""; else
   prefix + name), each with C's current value as default, each set through its
   rla_cluster_set_* (the setter's range check is the check), and record the values used in opts
   for its echo and help. Local: every rank holds the same values. Errors: RLA_ERR_ARG naming the
   option, where it was given and the accepted range. */
rla_err rla_cluster_set_from_options(rla_cluster C, rla_options opts, const char *prefix);

/* ---- collections --------------------------------------------------------------------------- */

/* Read a collection: path is a directory (every .npy, .mtx, .mm, .petsc, .bin or .dat file in
   it, by name), a manifest file (one path per line, relative to the manifest's directory; blank
   lines and '#' comments skipped), a .npy file holding a 3-D array (K, m, n) in C order, K
   blocks of m x n named "PATH[k]", or a safetensors file (extension .safetensors, in any case):
   every tensor of two or more dimensions a block, in the header's order, named "PATH:TENSOR",
   a tensor of shape (a, b, ...) an a x (b ...) block (numpy: t.reshape(a, -1)), the tensors of
   0 or 1 dimension skipped (see rla_cluster_collection_read_opts). The blocks of a file
   collection (.npy or safetensors) are read by each rank straight from the file (its own
   blocks, or its rows of every block), and every element type is widened to float64 (float32,
   float16, bfloat16, integers, bool). The blocks are spread by the automatic rule (see
   rla_cluster_collection_read_dist). Every block must have the row count of the first.
   *blocks (nblocks entries) and *names (nblocks paths) belong to the caller: free them with
   rla_cluster_collection_free. Errors (the same on every rank, nothing allocated): RLA_ERR_FILE
   (cannot open, an empty directory or manifest), the reader's errors naming the file (and the
   tensor), RLA_ERR_FORMAT (a bad safetensors header, or no tensor of two or more dimensions),
   RLA_ERR_SHAPE (a row count that differs from the first block's, naming both blocks),
   RLA_ERR_VALUE (NaN or Inf in a block, naming it). Collective. */
rla_err rla_cluster_collection_read(rla_ctx ctx, const char *path, int64_t *nblocks,
                                    rla_dmat **blocks, char ***names);
/* As rla_cluster_collection_read with the blocks spread by dist: rows (every block read by all
   ranks, each its rows) or blocks (balanced by columns over the widths from the file headers: by
   descending width, each block to the rank with the fewest columns so far; each
   rank reads only its own files, whole, into matrices over MPI_COMM_SELF, and the other entries
   of *blocks are NULL); auto applies rla_cluster_distribution_choose. *used (may be NULL)
   receives the distribution applied. Collective. */
rla_err rla_cluster_collection_read_dist(rla_ctx ctx, const char *path,
                                         rla_cluster_distribution dist, int64_t *nblocks,
                                         rla_dmat **blocks, char ***names,
                                         rla_cluster_distribution *used);
/* How rla_cluster_collection_read_opts reads a collection. */
typedef struct {
  /* as rla_cluster_collection_read_dist's */
  rla_cluster_distribution dist;
  /* a safetensors file: every block reshaped to rows rows in C order (numpy: t.reshape(rows,
     -1)), refused naming the tensor when rows does not divide its element count; 0: a
     tensor's first dimension. Only for safetensors files. */
  int64_t rows;
} rla_cluster_read_options;
/* What rla_cluster_collection_read_opts found besides the blocks. */
typedef struct {
  /* the distribution applied */
  rla_cluster_distribution used;
  /* nblocks entries: each block's stored element type, "float64", "float32", "float16",
     "bfloat16", "int8" ... "uint64", "bool" (static strings; "float64" for every format but
     .npy and safetensors) */
  const char **dtypes;
  /* a safetensors file: its tensors of 0 or 1 dimension, not blocks, and their names
     ("PATH:TENSOR", in the header's order) */
  int64_t nskipped;
  char **skipped;
} rla_cluster_collection_info;
/* As rla_cluster_collection_read_dist with the options opts (NULL: the automatic distribution,
   no reshape), and what else was found in *info (may be NULL; free it with
   rla_cluster_collection_info_free). Errors as rla_cluster_collection_read's, and RLA_ERR_ARG
   for rows < 0 or rows given for a collection other than a safetensors file, RLA_ERR_SHAPE for
   rows that does not divide a tensor's element count (naming the tensor). Collective. */
rla_err rla_cluster_collection_read_opts(rla_ctx ctx, const char *path,
                                         const rla_cluster_read_options *opts, int64_t *nblocks,
                                         rla_dmat **blocks, char ***names,
                                         rla_cluster_collection_info *info);
/* Free what rla_cluster_collection_read_opts gave in *info; accepts NULL. Local. */
void rla_cluster_collection_info_free(rla_cluster_collection_info *info);
/* Free what rla_cluster_collection_read returned; accepts NULLs. Collective. */
void rla_cluster_collection_free(int64_t nblocks, rla_dmat **blocks, char ***names);

#ifdef __cplusplus
}
#endif
#endif
