/* SPDX-License-Identifier: BSD-3-Clause */
/* The setup of the randomized SVD on an operator: the sizes of the run (l = k + p, or the cap
   kmax and the QB block with a tolerance), the sketch of the QB blocks, the operator's
   workspace, the n-side split of the products, and every buffer of the run and of its results.

   At a fixed rank everything is made here for the one block of l columns, so that
   rla_svd_compute_operator allocates nothing. With a tolerance the cap kmax (default min(m, n))
   is only an upper bound: planning for it would take memory of the order of A itself. The plan
   holds the first RLA_SVD_START_BLOCKS = 4 blocks (a run whose block is near the rank it needs,
   the usual choice, never grows), and a run that outgrows them doubles it (capped at kmax:
   log2(kmax / 4 b) growths at most, their copies under twice the final basis). What a run grew
   to is kept for the next compute. The leading dimensions of the basis and of B^T depend on the
   local rows only, so a grown plan gives bitwise the same results.
   Block i is sketched with its own seed (block_seed) by one sketch set up for all the blocks of
   b columns and reseeded in place at each block (rla_sketch_reseed: the same operator as a
   sketch set up with that seed, without the setup's memory per block); a narrower last block
   has a second sketch, made here when it lies within the planned start, otherwise when a run
   first reaches it. */
#include <string.h>

#include <lapacke.h>

#include "../base/alloc.h"
#include "../dmat/dmat_impl.h"
#include "svd_impl.h"

static int64_t max1(int64_t x) { return x > 1 ? x : 1; }

/* Seed of QB block i: the user's seed for the first, then derived through the RNG. */
static uint64_t block_seed(uint64_t seed, int64_t i)
{
  if (i == 0) return seed;
  return rla_rng_bits(rla_rng_make(seed, RLA_SVD_RNG_BLOCK_SEED), (uint64_t)i, 0);
}

/* Columns of QB block i (the last may be narrower). */
static int64_t block_cols(const struct rla_svd_plan *P, int64_t i)
{
  int64_t rest = P->limit - i * P->c;
  return rest < P->c ? rest : P->c;
}

/* The sizes of the run on an m x n operator, checked. Local. */
static rla_err sizes(rla_svd S, struct rla_svd_plan *P, int64_t m, int64_t n)
{
  int64_t mn = m < n ? m : n;
  RLA_CHECK(S->ctx, m >= 1 && n >= 1, RLA_ERR_SHAPE, "the matrix is empty (%lld x %lld)",
            (long long)m, (long long)n);
  RLA_CHECK(S->ctx, S->k <= mn, RLA_ERR_ARG,
            "rank k = %lld exceeds min(m, n) = %lld of the %lld x %lld matrix", (long long)S->k,
            (long long)mn, (long long)m, (long long)n);
  if (S->tol > 0.0)
    P->limit = S->kmax > 0 && S->kmax < mn ? S->kmax : mn;
  else
    P->limit = S->k + S->p < mn ? S->k + S->p : mn;
  P->c = S->tol > 0.0 && S->block < P->limit ? S->block : P->limit;
  P->nblocks = (P->limit + P->c - 1) / P->c;
  P->cap = S->tol > 0.0 && RLA_SVD_START_BLOCKS * P->c < P->limit ? RLA_SVD_START_BLOCKS * P->c
                                                                  : P->limit;
  RLA_CHECK(S->ctx, P->c * n <= (int64_t)2147483647, RLA_ERR_UNSUPPORTED,
            "a basis of %lld columns for n = %lld exceeds the 2^31 entries of one MPI message",
            (long long)P->c, (long long)n);
  return RLA_SUCCESS;
}

/* The n-side split and the scratch of the products. */
static rla_err work_init(rla_svd S, struct rla_svd_plan *P, rla_op op)
{
  struct rla_svd_work *w = &P->w;
  rla_err err;
  w->ctx = S->ctx;
  w->comm = rla_ctx_comm(S->ctx);
  w->size = rla_ctx_size(S->ctx);
  w->rank = rla_ctx_rank(S->ctx);
  w->op = op;
  w->info = &S->info;
  w->cmax = P->c;
  rla_op_sizes(op, &w->m, &w->n);
  rla_op_local_rows(op, NULL, &w->lm);
  w->nb = (w->n + w->size - 1) / w->size;
  err = rla_calloc(S->ctx, (size_t)w->size, sizeof(int), &w->nrows);
  if (!err) err = rla_calloc(S->ctx, (size_t)w->size, sizeof(int), &w->counts);
  if (!err) err = rla_calloc(S->ctx, (size_t)w->size, sizeof(int), &w->displs);
  if (!err) err = rla_calloc(S->ctx, (size_t)w->size, sizeof(int64_t), &w->row0);
  if (!err) err = rla_calloc(S->ctx, (size_t)w->size, sizeof(int64_t), &w->rows);
  if (!err) {
    for (int r = 0; r < w->size; r++) {
      int64_t s = (int64_t)r * w->nb, e = s + w->nb;
      if (s > w->n) s = w->n;
      if (e > w->n) e = w->n;
      w->nrows[r] = (int)(e - s);
    }
    w->ln = w->nrows[w->rank];
  }
  return err;
}

/* The next n doubles of a slab, from 64-byte boundaries. */
static double *carve(double **next, int64_t n)
{
  double *p = *next;
  *next += (max1(n) + 7) / 8 * 8;
  return p;
}

/* Doubles of the slab that carve takes for arrays of these lengths. */
static int64_t slab_doubles(const int64_t *len, int count)
{
  int64_t t = 0;
  for (int i = 0; i < count; i++)
    t += (max1(len[i]) + 7) / 8 * 8;
  return t;
}

/* *sk = a new sketch of QB block i, set up (c columns wide, the block's seed). Collective. */
static rla_err make_sketch(rla_svd S, int64_t i, rla_sketch *sk)
{
  rla_err err = rla_sketch_create(S->ctx, sk);
  if (!err) err = rla_sketch_set_type(*sk, S->type);
  if (!err) err = rla_sketch_set_sizes(*sk, block_cols(&S->plan, i), S->plan.w.n);
  if (!err) err = rla_sketch_set_seed(*sk, block_seed(S->seed, i));
  err = rla_ctx_agree(S->ctx, err);
  if (!err) err = rla_sketch_setup(*sk);
  if (err) rla_sketch_destroy(sk);
  return err;
}

rla_err rla_svd_plan_sketch(rla_svd S, int64_t i, rla_sketch *sk)
{
  struct rla_svd_plan *P = &S->plan;
  rla_sketch *slot = &P->sketch[block_cols(P, i) == P->c ? 0 : 1];
  const uint64_t seed = block_seed(S->seed, i);
  rla_err err;
  *sk = NULL;
  if (!*slot) {
    err = make_sketch(S, i, slot);
  } else if (S->fresh_sketches) {
    err = rla_sketch_set_seed(*slot, seed);
    if (!err) err = rla_sketch_setup(*slot);
  } else {
    err = rla_ctx_agree(S->ctx, rla_sketch_reseed(*slot, seed));
  }
  if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  *sk = *slot;
  return RLA_SUCCESS;
}

/* The sketch of the blocks of c columns, and the one of a narrower last block when that block
   lies within the cap; set up. Collective. */
static rla_err sketches(rla_svd S, struct rla_svd_plan *P)
{
  const int64_t last = P->nblocks - 1;
  RLA_CALL(S->ctx, make_sketch(S, 0, &P->sketch[0]));
  if (block_cols(P, last) != P->c && last * P->c < P->cap)
    RLA_CALL(S->ctx, make_sketch(S, last, &P->sketch[1]));
  return RLA_SUCCESS;
}

/* Rank 0: dgesdd's workspace for the largest of the K x K problems a run within the cap can
   meet (K = the sum of the first i blocks), by workspace queries. */
static rla_err small_svd_work(rla_svd S, struct rla_svd_plan *P)
{
  int64_t lwork = 1, K = 0;
  rla_err err;
  if (rla_ctx_rank(S->ctx) != 0) return RLA_SUCCESS;
  err = rla_calloc(S->ctx, (size_t)(8 * P->cap), sizeof(int), &P->iwork);
  for (int64_t i = 0; !err && K < P->cap; i++) {
    double query = 0.0;
    lapack_int k, info;
    K += block_cols(P, i);
    k = (lapack_int)K;
    info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, 'S', k, k, P->mat, k, P->small, P->rb, k, P->rb, k,
                               &query, -1, P->iwork);
    if (info != 0)
      err = rla_error_set(S->ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,
                          "LAPACK dgesdd workspace query failed (info %d)", (int)info);
    else if ((int64_t)query > lwork)
      lwork = (int64_t)query;
  }
  if (!err) err = rla_calloc(S->ctx, (size_t)lwork, sizeof(double), &P->gesdd_work);
  P->lwork = lwork;
  return err;
}

/* The buffers of the cap: the basis, the small SVD's arrays, the orthonormalizations' work
   (which the broadcast of the small SVD and the orthogonality loss use in turn) and sigma;
   the basis and B^T in one slab (as fixed_buffers). U's local rows for an operator without a
   dense matrix are those of the basis, which U = Q U~ overwrites (range.c). Local (the dmats
   are made collectively by factor_matrices, first). */
static rla_err cap_buffers(rla_svd S, struct rla_svd_plan *P)
{
  rla_ctx ctx = S->ctx;
  int64_t L = P->cap, nw = rla_orth_qr_work(L);
  int64_t len[2] = {P->ldq * L, P->ldb * L}; /* q, bt */
  double *at;
  rla_err err;
  if (nw < 4 + L + 2 * L * L) nw = 4 + L + 2 * L * L;
  err = rla_calloc_matrix(ctx, (size_t)slab_doubles(len, 2), sizeof(double), &P->capslab);
  if (!err) {
    at = P->capslab;
    P->q = carve(&at, len[0]);
    P->bt = carve(&at, len[1]);
    if (!P->U) {
      P->ldu = P->ldq;
      P->u = P->q;
    }
  }
  if (!err) err = rla_calloc(ctx, (size_t)(L * P->c), sizeof(double), &P->proj);
  if (!err) err = rla_calloc(ctx, (size_t)nw, sizeof(double), &P->orthw);
  P->small = P->gram = P->orthw;
  if (!err) err = rla_calloc(ctx, (size_t)L, sizeof(double), &P->sigma);
  if (!err && rla_ctx_rank(ctx) == 0)
    err = rla_calloc(ctx, (size_t)(L * L), sizeof(double), &P->rb);
  if (!err && rla_ctx_rank(ctx) == 0)
    err = rla_calloc(ctx, (size_t)(L * L), sizeof(double), &P->mat);
  if (!err) err = small_svd_work(S, P);
  return err;
}

/* Frees the buffers of the cap (accepts NULL ones). Collective (frees distributed matrices). */
static void free_cap(struct rla_svd_plan *P)
{
  if (!P->U) P->u = NULL; /* u, q and bt are views of capslab */
  P->q = P->bt = NULL;
  rla_free(&P->capslab);
  rla_free(&P->proj);
  P->small = P->gram = NULL; /* views of orthw */
  rla_free(&P->orthw);
  rla_free(&P->rb);
  rla_free(&P->mat);
  rla_free(&P->gesdd_work);
  rla_free(&P->iwork);
  rla_free(&P->sigma);
  rla_dmat_destroy(&P->U);
  rla_dmat_destroy(&P->V);
}

/* U (m x cap, the rows of A) for a dense operator, and V (n x cap) in the row blocks of the
   n side. Collective. */
static rla_err factor_matrices(rla_svd S, struct rla_svd_plan *P, rla_op op)
{
  rla_dmat A = NULL;
  RLA_CALL(S->ctx, rla_dmat_create_rowblock(S->ctx, P->w.n, P->cap, 0, &P->V));
  if (!op->ops->get_dmat) return RLA_SUCCESS;
  RLA_CALL(S->ctx, rla_op_get_dmat(op, &A));
  RLA_CALL(S->ctx, rla_dmat_create_rowblock(S->ctx, P->w.m, P->cap, A->mb, &P->U));
  rla_dmat_local(P->U, &P->u, NULL, NULL, &P->ldu);
  return RLA_SUCCESS;
}

/* The factors' matrices and the buffers of the cap. Collective. */
static rla_err cap_plan(rla_svd S, struct rla_svd_plan *P)
{
  rla_err err = factor_matrices(S, P, P->op);
  if (!err) err = rla_ctx_agree(S->ctx, cap_buffers(S, P));
  return err;
}

rla_err rla_svd_plan_reserve(rla_svd S, int64_t cols)
{
  struct rla_svd_plan *P = &S->plan, N;
  double *q = P->q, *bt = P->bt, *old = P->capslab;
  int64_t ldq = P->ldq, ldb = P->ldb, cap = P->cap;
  rla_err err;
  if (cols <= P->cap) return RLA_SUCCESS;
  /* the old buffers but the basis and B^T (in the old slab) go first, so that the peak stays
     near the new size */
  P->capslab = NULL;
  free_cap(P);
  N = *P;
  N.cap = 2 * cap > cols ? 2 * cap : cols;
  if (N.cap > N.limit) N.cap = N.limit;
  err = cap_plan(S, &N);
  if (!err) {
    memcpy(N.q, q, sizeof(double) * (size_t)(ldq * cap));
    memcpy(N.bt, bt, sizeof(double) * (size_t)(ldb * cap));
    *P = N;
  }
  rla_free(&old);
  if (err) {
    free_cap(&N);
    rla_svd_plan_destroy(P);
    S->planned = 0;
    return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

/* The buffers whose size does not depend on the cap: the products' scratch and z in one slab
   (touched here, on huge pages where the kernel allows: in a fresh process the first touch of
   each 4 KiB page costs more than the products that use it; chosen by measurement of cold
   launches, see bench/README.md). Local. */
static rla_err fixed_buffers(rla_svd S, struct rla_svd_plan *P)
{
  struct rla_svd_work *w = &P->w;
  int64_t len[5];
  double *at;
  rla_err err;
  P->ldq = max1(w->lm);
  P->ldb = max1(w->ln);
  len[0] = w->cmax * w->n; /* wide */
  len[1] = w->cmax * w->ln; /* piece */
  len[2] = w->cmax * w->n; /* gathered */
  len[3] = rla_reduce_scatter_rows_work(w->size, w->cmax * w->nb); /* ring */
  len[4] = P->ldb * P->c; /* z */
  err = rla_calloc_matrix(S->ctx, (size_t)slab_doubles(len, 5), sizeof(double), &w->slab);
  if (!err) {
    at = w->slab;
    w->wide = carve(&at, len[0]);
    w->piece = carve(&at, len[1]);
    w->gathered = carve(&at, len[2]);
    w->ring = carve(&at, len[3]);
    P->z = carve(&at, len[4]);
    err = rla_calloc(S->ctx, (size_t)w->n, sizeof(double), &P->colsq);
  }
  return err;
}

rla_err rla_svd_plan_create(rla_svd S, rla_op op)
{
  struct rla_svd_plan *P = &S->plan;
  int64_t m, n;
  rla_err err;
  rla_svd_plan_destroy(P);
  rla_op_sizes(op, &m, &n);
  err = rla_ctx_agree(S->ctx, sizes(S, P, m, n));
  if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  P->op = op;
  err = rla_ctx_agree(S->ctx, work_init(S, P, op));
  if (!err) err = rla_ctx_agree(S->ctx, fixed_buffers(S, P));
  if (!err) err = cap_plan(S, P);
  if (!err) err = sketches(S, P);
  if (!err) err = rla_op_setup(op, P->c);
  if (err) {
    rla_svd_plan_destroy(P);
    return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

void rla_svd_plan_destroy(struct rla_svd_plan *P)
{
  struct rla_svd_work *w = &P->w;
  rla_sketch_destroy(&P->sketch[0]);
  rla_sketch_destroy(&P->sketch[1]);
  rla_free(&w->nrows);
  rla_free(&w->counts);
  rla_free(&w->displs);
  rla_free(&w->row0);
  rla_free(&w->rows);
  rla_free(&w->slab); /* wide, piece, gathered, ring and z */
  rla_free(&P->colsq);
  free_cap(P);
  memset(P, 0, sizeof(*P));
}

/* A row-block matrix made with more columns, narrowed to its first k: its columns are all
   local (one process column), so the same local array with the same leading dimension holds
   the m x k matrix; only the sizes and the descriptor change. */
static void narrow(rla_dmat D, int64_t k)
{
  D->n = k;
  D->ln = k;
  D->desc[3] = (int)k; /* N_ of the ScaLAPACK descriptor */
}

void rla_svd_plan_set_rank(struct rla_svd_plan *P, int64_t k)
{
  if (P->U) narrow(P->U, k);
  narrow(P->V, k);
}
