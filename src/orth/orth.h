/* SPDX-License-Identifier: BSD-3-Clause */
/* Orthonormalization and QR of distributed tall-skinny matrices given by their local rows:
   Householder TSQR, the reference path that cannot fail, and CholeskyQR2 and shifted
   CholeskyQR3 registered over it (see interface.c). Internal. */
#ifndef RLA_ORTH_H
#define RLA_ORTH_H

#include <stdint.h>

#include "rla/base.h"

typedef enum {
  RLA_ORTH_AUTO,     /* CholeskyQR2 when its guard passes, else shifted CholeskyQR3, else TSQR */
  RLA_ORTH_TSQR,     /* Householder TSQR (the reference) */
  RLA_ORTH_CHOLQR2,  /* CholeskyQR2 behind the guard, TSQR when it fails */
  RLA_ORTH_SCHOLQR3, /* shifted CholeskyQR3, TSQR when its guard fails */
  RLA_ORTH_BASIS,    /* a basis of the range nearly orthonormal, ||Q^T Q - I||_2 <= 5/64: one
                        guarded CholeskyQR pass, the rest of "auto" when the guard fails; for the
                        intermediate iterates of a subspace iteration */
  RLA_ORTH_NMETHODS
} rla_orth_method;

/* What the calls of one caller did (accumulated: zero it first). Counts of this rank. */
typedef struct {
  int64_t words; /* payload words this rank sent or received in the reductions, broadcasts and
                    messages of the factorization (not the agreement on errors and row counts) */
  int shifted;   /* calls that took shifted CholeskyQR3 (chosen, or after the guard failed) */
  int tsqr;      /* calls whose result came (wholly or in its last step) from TSQR */
} rla_orth_stats;

/* Name of a method ("auto", "tsqr", "cholqr2", "scholqr3"), NULL when out of range. Local. */
const char *rla_orth_method_name(rla_orth_method method);

/* Orthonormalize the m x l matrix X in place: X = Q R with Q (m x l) of orthonormal columns,
   overwriting X's local rows with Q's.
   ctx: the ranks sharing X. m: global rows (m >= l). lm: this rank's rows (0 allowed; the
   lm summed over the ranks must be m). l: columns (the same on every rank; 0: nothing to do).
   x: this rank's lm x l rows, column-major, leading dimension ldx >= max(1, lm).
   r: when not NULL on rank 0, receives R there (l x l, leading dimension l, upper triangular,
   zero below); ignored on the other ranks. stats: accumulated into (may be NULL).
   For a rank-deficient or zero X, Q is still orthonormal (TSQR) and spans a space containing
   X's range. Errors: RLA_ERR_ARG (sizes, method), RLA_ERR_MEM, RLA_ERR_LIB, RLA_ERR_MPI, agreed
   across the ranks.
   work: rla_orth_qr_work(l) doubles (overwritten) for the Gram matrix and the R factors of the
   CholeskyQR passes, so that the call allocates nothing; NULL to allocate them. The TSQR
   fallback (a rank-deficient or numerically singular X, or RLA_ORTH_TSQR) still allocates its
   own scratch; the result is bitwise the same with or without work. Collective. */
rla_err rla_orth_qr(rla_ctx ctx, rla_orth_method method, int64_t m, int64_t lm, int64_t l,
                    double *x, int64_t ldx, double *r, rla_orth_stats *stats, double *work);
/* Doubles of work of rla_orth_qr for l columns (3 l^2 + 1). Local. */
int64_t rla_orth_qr_work(int64_t l);

/* The R factor only of the m x l matrix X (m < l allowed: R^T R = X^T X to rounding, rank m),
   on every rank: r (l x l, leading dimension l, upper triangular, zero below) is overwritten and
   bitwise the same on every rank; X's local rows are overwritten (work space). Arguments as for
   rla_orth_qr. With RLA_ORTH_TSQR the triangles are combined up a binomial tree over the ranks
   that own rows and R is broadcast from the first of them; no rank ever holds more than two
   triangles. The other methods run rla_orth_qr and broadcast R. Errors as rla_orth_qr.
   work: with RLA_ORTH_TSQR (or m < l), rla_orth_r_work(P, l) doubles, so that the call
   allocates nothing; with the other methods rla_orth_qr_work(l) doubles, handed to rla_orth_qr
   (whose TSQR fallback still allocates); NULL to allocate. Collective. */
rla_err rla_orth_r(rla_ctx ctx, rla_orth_method method, int64_t m, int64_t lm, int64_t l, double *x,
                   int64_t ldx, double *r, rla_orth_stats *stats, double *work);
/* Doubles of work of rla_orth_r's TSQR for l columns on P ranks. Local. */
int64_t rla_orth_r_work(int P, int64_t l);

/* ---- internal: the state of one call, shared by the method files ---------------------------- */

struct rla_orth_run {
  rla_ctx ctx;
  MPI_Comm comm;
  int rank, size;
  int64_t m, lm, l;
  double *x;
  int64_t ldx;
  double *g;    /* l x l: the Gram matrix (local, then summed on rank 0) */
  double *r;    /* l x l + 1: R of a CholeskyQR pass and the verdict, broadcast */
  double *racc; /* l x l: accumulated R (rank 0, when asked for), else NULL */
  rla_orth_stats *stats;
};

/* One method of the table: Q in place of x, racc = (its R) racc on rank 0 when racc is set.
   *ok = 0 when the method declined (its guard failed; x and racc then hold a valid partial
   result X = X_k R_k, for the next method to finish). */
struct rla_orth_ops {
  const char *name;
  rla_err (*qr)(struct rla_orth_run *o, int *ok);
};

extern const struct rla_orth_ops rla_orth_tsqr_ops, rla_orth_cholqr2_ops, rla_orth_scholqr3_ops;

/* The auto sequence's first step: the Gram matrix and the guarded CholeskyQR pass; when that
   declines, shifted CholeskyQR3 on the same Gram matrix. Then CholeskyQR2's second pass. */
rla_err rla_orth_cholqr_auto(struct rla_orth_run *o, int *ok);
/* The basis method: the guarded pass alone when it is accepted (its Q then has
   ||Q^T Q - I||_2 <= 5/64, Yamamoto, Nakatsukasa, Yanagisawa, Fukaya, ETNA 44 (2015), the
   first pass of their proof of Thm 3.3); else shifted CholeskyQR3 as in "auto". */
rla_err rla_orth_cholqr_basis(struct rla_orth_run *o, int *ok);

/* R-only TSQR up a binomial tree: R on every rank in r (l x l). */
rla_err rla_orth_tsqr_r(struct rla_orth_run *o, double *r, double *work);

#endif
