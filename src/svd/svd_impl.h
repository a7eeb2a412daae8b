/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of rla_svd and the internal pieces shared by the files of src/svd. */
#ifndef RLA_SVD_IMPL_H
#define RLA_SVD_IMPL_H

#include <math.h>

#include "../op/op_impl.h"
#include "rla/rng.h"
#include "rla/svd.h"
#include "../base/reduce.h"
#include "../orth/orth.h"

/* rla_rng purpose for the seeds of QB blocks after the first (block i uses
   rla_rng_bits(rla_rng_make(seed, RLA_SVD_RNG_BLOCK_SEED), i, 0)). */
#define RLA_SVD_RNG_BLOCK_SEED RLA_RNG_SVD_BLOCK_SEED

/* Products of the operator with tall-skinny bases (work.c): Y (m x c) in the operator's row
   split, Z (n x c) in row blocks of ceil(n/P) of the n side, with the scratch of the exchanges.
   Filled by rla_svd_plan_create. */
struct rla_svd_work {
  rla_ctx ctx;
  MPI_Comm comm;
  int size, rank;
  rla_op op;
  int64_t m, n, lm;
  int64_t nb, ln;       /* n-side row block and this rank's rows of it */
  int *nrows;           /* n-side rows of every rank */
  int *counts, *displs; /* scratch for reduce-scatter and allgather */
  int64_t cmax;         /* columns the scratch holds */
  double *wide;         /* cmax x n: Y^T A; n x c: the gathered Z */
  double *piece;        /* cmax x ln: this rank's part of wide */
  double *gathered;     /* cmax x n: the gathered Z^T, before its transposition into wide */
  double *ring;         /* the reduce-scatter's work (rla_reduce_scatter_rows_work) */
  int64_t *row0, *rows; /* the ranks' parts of wide (doubles), set by each reduce-scatter */
  double *slab;         /* one allocation holding wide, piece, gathered, ring and the plan's z */
  rla_svd_info *info;   /* receives the communication counts */
};

/* Everything a run on an operator needs, sized and allocated by rla_svd_setup (plan.c). At a
   fixed rank the plan holds the whole run (one block of l columns), so that
   rla_svd_compute_operator allocates nothing. With a tolerance it holds the first blocks
   (cap = min(limit, RLA_SVD_START_BLOCKS blocks)) and a run that outgrows them grows it
   (rla_svd_plan_reserve: doubling, capped at limit); what it grew to is kept for the next
   compute. One sketch serves every QB block of c columns, reseeded to each block's seed
   (rla_svd_plan_sketch); a narrower last block has a second one. The factors' storage holds
   the results. */
struct rla_svd_plan {
  rla_op op;       /* the operator planned for (borrowed) */
  int64_t limit;   /* basis columns: l at a fixed rank, the cap on K with a tolerance */
  int64_t c;       /* columns of a QB block (l at a fixed rank) */
  int64_t nblocks; /* QB blocks of limit columns: c each, the last one possibly fewer */
  /* the sketches of the blocks, set up, reseeded to a block's seed when a run reaches it: [0]
     for the blocks of c columns, [1] for a narrower last block (NULL when there is none, or
     until a run reaches it when it lies past the planned start) */
  rla_sketch sketch[2];
  struct rla_svd_work w;
  int64_t ldq, ldb;
  double *z;     /* ln x c: the n-side block of the power iteration */
  double *colsq; /* n: squared column norms of A */
  /* sized for cap columns (the ld above do not depend on it) */
  int64_t cap;  /* basis columns planned for: limit at a fixed rank, then a block boundary */
  double *q;    /* lm x cap: the basis Q */
  double *bt;   /* ln x cap: B^T, then Q_B */
  double *proj; /* cap x c: Q^T Y */
  /* orthw: max(rla_orth_qr_work(cap), 4 + cap + 2 cap^2) doubles, the orthonormalizations'
     Gram buffers; small and gram are views of it, used after the last orthonormalization */
  double *orthw;
  double *small;                 /* 4 + cap + 2 cap^2: rank, flags, sigma, U~, W~^T (broadcast) */
  double *rb, *mat, *gesdd_work; /* rank 0: R_B, R_B^T, dgesdd's work (lwork doubles) */
  int *iwork;                    /* rank 0: dgesdd's 8 cap integers */
  int64_t lwork;
  double *gram;  /* cap x cap: the Gram matrix of the orthogonality loss */
  double *sigma; /* cap */
  rla_dmat U, V; /* m x cap (dense operators only, the rows of A) and n x cap */
  double *u;     /* lm x cap: U's local rows (U's array for a dense operator, else the basis q) */
  int64_t ldu;
  double *capslab; /* one allocation holding q and bt */
};

/* QB blocks a tolerance-mode plan is made for at setup (see plan.c). */
#define RLA_SVD_START_BLOCKS 4

struct rla_svd_s {
  rla_ctx ctx;
  /* parameters */
  int64_t k;  /* fixed rank, 0 when unset */
  double tol; /* tolerance, 0 when unset */
  int64_t p, q, block, kmax;
  rla_sketch_type type; /* the sketch planned with */
  int type_choice;      /* the one set (an rla_sketch_type), or -1: the operator's own (op.h) */
  uint64_t seed;
  int is_setup;
  /* test knob: 1 sets each QB block's sketch up from scratch (rla_sketch_set_seed, then
     rla_sketch_setup: allocates) instead of reseeding it, the reference for the reseeded
     path */
  int fresh_sketches;
  /* the operator (borrowed) and the plan made for it by rla_svd_setup */
  rla_op op;
  int planned;
  struct rla_svd_plan plan;
  /* results of the last compute: views of the plan's storage */
  int computed;
  double *sigma;
  rla_dmat U, V;
  const double *u; /* U's local rows */
  int64_t ldu, lmu;
  rla_svd_info info;
};

/* Neumaier's compensated sum: its rounding error stays about 2 eps |sum| whatever the number of
   terms (a running sum of N terms drifts by about sqrt(N) eps, too much for the energy
   identity of the tolerance mode). */
typedef struct {
  double sum, comp;
} rla_svd_ksum;

static inline void rla_svd_ksum_add(rla_svd_ksum *k, double x)
{
  double t = k->sum + x;
  k->comp += fabs(k->sum) >= fabs(x) ? (k->sum - t) + x : (x - t) + k->sum;
  k->sum = t;
}

static inline double rla_svd_ksum_value(const rla_svd_ksum *k) { return k->sum + k->comp; }

/* Orthonormalize the distributed tall matrix X (m x l; this rank holds lm rows at x, leading
   dimension ldx) in place: X = Q R by the module's guarded sequence (RLA_ORTH_AUTO, see
   src/orth/cholqr.c), or, for an intermediate iterate of the power iterations (basis != 0), by
   its first guarded pass alone when that is accepted (RLA_ORTH_BASIS: ||Q^T Q - I||_2 <= 5/64,
   which the next product and orthonormalization absorb: the iteration needs the range of each
   iterate, kept well conditioned, not an orthonormal basis of it; half the flops and reductions
   of CholeskyQR2). When r is not NULL, rank 0 receives R (l x l, leading dimension l, upper
   triangular, zero below). Counts the shifted and TSQR fallbacks and the words in info.
   work: rla_orth_qr_work(l) doubles (the plan's orthw), so that only the rare TSQR fallback
   allocates. Collective. */
static inline rla_err rla_svd_orth(rla_ctx ctx, int basis, int64_t m, int64_t lm, int64_t l,
                                   double *x, int64_t ldx, double *r, double *work,
                                   rla_svd_info *info)
{
  rla_orth_stats st = {0, 0, 0};
  rla_err err = rla_orth_qr(ctx, basis ? RLA_ORTH_BASIS : RLA_ORTH_AUTO, m, lm, l, x, ldx, r, &st,
                            work);
  info->comm_words += st.words;
  info->qr_shifted += st.shifted;
  info->qr_tsqr += st.tsqr;
  return err;
}

/* The plan of S for the operator op (the parameters validated): sizes, sketches, the
   operator's workspace and every buffer of the run. Frees the previous plan first (and with it
   the results). Collective. */
rla_err rla_svd_plan_create(rla_svd S, rla_op op);
/* Make the plan of S hold at least cols <= limit basis columns: when it holds fewer, the
   buffers sized by the cap are made again for min(limit, max(2 cap, cols)) columns, the first
   columns of Q and B^T copied over. On failure the plan is undone (setup must run again).
   Collective. */
rla_err rla_svd_plan_reserve(rla_svd S, int64_t cols);
/* *sk = the plan's sketch of QB block i (borrowed), seeded with the block's seed: the one of
   the block's width reseeded in place (allocates nothing), or made and set up when the plan has
   none of that width yet (a narrower last block past the planned start). Collective. */
rla_err rla_svd_plan_sketch(rla_svd S, int64_t i, rla_sketch *sk);
/* Accepts an empty plan. Collective (frees distributed matrices). */
void rla_svd_plan_destroy(struct rla_svd_plan *P);
/* Narrow the plan's U and V to their first k columns (k <= limit), the result of a run.
   Local. */
void rla_svd_plan_set_rank(struct rla_svd_plan *P, int64_t k);

/* Z (ln x c, leading dimension ldz) = the n-side rows of A^T Y for Y (lm x c). One
   reduce-scatter of c*n words. Collective. */
rla_err rla_svd_work_apply_transpose(struct rla_svd_work *w, int64_t c, const double *y,
                                     int64_t ldy, double *z, int64_t ldz);
/* Y (lm x c) = A Z for Z given by its n-side rows (ln x c). One allgather of c*n words.
   Collective. */
rla_err rla_svd_work_apply(struct rla_svd_work *w, int64_t c, const double *z, int64_t ldz,
                           double *y, int64_t ldy);

/* The randomized SVD proper on the planned operator: fills the plan's sigma, U's local rows
   and V (all limit columns wide; the first info.rank are the result), and the rank, basis,
   error, count and time fields of S->info (S->info.norm_fro, tol and tolerance_mode must be
   set). Allocates nothing. Collective. */
rla_err rla_svd_run(rla_svd S);

/* *sq = ||A||_F^2 of the operator op from its squared column norms: colsq (n) receives this
   rank's, *sq their compensated sum over the columns and the ranks (bitwise the same on every
   rank; NaN or Inf when an entry is). Collective. */
rla_err rla_svd_norm_fro_sq(rla_op op, double *colsq, double *sq);

/* max_ij |(U^T U - I)_ij| of the distributed U (this rank's lm rows at u, leading dimension
   ld, k columns), with g (k x k) as scratch. Collective. */
rla_err rla_svd_orth_loss_local(rla_ctx ctx, int64_t k, int64_t lm, const double *u, int64_t ld,
                                double *g, double *loss);

#endif
