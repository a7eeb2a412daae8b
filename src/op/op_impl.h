/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of rla_op: the ops table every operator type fills, and the solvers' kernels
   over it (setup, fused passes, sketches, norms). */
#ifndef RLA_OP_IMPL_H
#define RLA_OP_IMPL_H

#include "rla/op.h"
#include "rla/sketch.h"

/* What an operator type provides. mult and mult_transpose_add are required; every other entry
   may be NULL, and the front end (interface.c) then composes it from the required two with the
   workspace reserved by rla_op_setup. Arguments are validated by the front end. All entries
   but check_finite and norm_max are Local. */
struct rla_op_ops {
  const char *name;
  rla_err (*mult)(rla_op op, int64_t nv, const double *x, int64_t ldx, double *y, int64_t ldy);
  rla_err (*mult_transpose_add)(rla_op op, int64_t nv, const double *y, int64_t ldy, double *w,
                                int64_t ldw);
  /* Scratch (doubles) the type's own fused kernels need for nv vectors. */
  int64_t (*work_doubles)(rla_op op, int64_t nv);
  /* See rla_op_normal_local. */
  rla_err (*normal)(rla_op op, int64_t nv, const double *z, double *w);
  /* See rla_op_residual_local. */
  rla_err (*residual)(rla_op op, int64_t nv, const int64_t *cols, const double *b, int64_t ldb,
                      const double *x, int64_t ldx, double *g, double *rn2, double *bn2,
                      double *colsq);
  /* See rla_op_sketch_left_local and rla_op_sketch_right. */
  rla_err (*sketch_left)(rla_op op, rla_sketch S, double *out, int64_t ldo);
  rla_err (*sketch_right)(rla_op op, rla_sketch S, double *y, int64_t ldy);
  /* c (n) += this rank's squared column norms. */
  rla_err (*column_sumsq)(rla_op op, double *c);
  /* Collective: RLA_ERR_VALUE naming the first NaN/Inf (dense and sparse). */
  rla_err (*check_finite)(rla_op op, const char *name);
  /* Collective: the largest |entry| (dense and sparse). */
  rla_err (*norm_max)(rla_op op, double *v);
  rla_err (*get_dmat)(rla_op op, rla_dmat *A);
  void (*destroy)(rla_op op);
  /* See rla_op_left_mult_local. */
  rla_err (*left_mult)(rla_op op, int64_t nv, const double *y, int64_t ldy, double *w, int64_t ldw);
  /* See rla_op_get_smat. */
  rla_err (*get_smat)(rla_op op, rla_smat *A);
};

struct rla_op_s {
  rla_ctx ctx;
  int64_t m, n, lm, row0;
  const struct rla_op_ops *ops;
  void *data;
  /* what a solver that is not told otherwise plans with: the entries a pass over A reads (m n
     for a dense or shell operator, the nonzeros for a sparse one) and the sketch that suits A */
  double entries;
  rla_sketch_type sketch_default;
  /* workspace reserved by rla_op_setup for nv vectors: the type's and the front end's */
  int64_t nv_setup;
  double *work;
  int64_t work_len;
};

extern const struct rla_op_ops rla_op_dense_ops;
extern const struct rla_op_ops rla_op_shell_ops_table;

/* A new operator of type ops with sizes m x n and the type's data (local rows and row0 are
   the caller's to set). Local. */
rla_err rla_op_create(rla_ctx ctx, const struct rla_op_ops *ops, int64_t m, int64_t n, void *data,
                      rla_op *op);

/* Columns of the identity per product when a sketch of an operator without native sketches is
   formed from products (rla_op_create_shell's note). */
#define RLA_OP_IDENTITY_BLOCK 32

/* Reserve the workspace of every kernel below for up to nv vectors (nv >= 1), so that they
   allocate nothing for nv or fewer; a larger nv later grows it. Collective (agreement on an
   allocation failure). Errors: RLA_ERR_ARG, RLA_ERR_MEM. */
rla_err rla_op_setup(rla_op op, int64_t nv);

/* W (n x nv, leading dimension n, overwritten) = A_local^T (A_local Z) for Z (n x nv, leading
   dimension n): this rank's part of the normal-equations product. Local. */
rla_err rla_op_normal_local(rla_op op, int64_t nv, const double *z, double *w);

/* This rank's part of the residual pass for the nv columns cols[0..nv) of B (all the first nv
   when cols is NULL; B: lm rows, leading dimension ldb) and X (n x nv, leading dimension ldx):
   with R = B(:, cols) - A_local X, accumulates g (n x nv, leading dimension n) += A_local^T R,
   rn2 (nv) += ||R_j||^2, bn2 (nv) += ||B_j||^2 over this rank's rows, and, when colsq is not
   NULL, colsq (n) += the squared column norms of A_local. Zero the outputs first. Local. */
rla_err rla_op_residual_local(rla_op op, int64_t nv, const int64_t *cols, const double *b,
                              int64_t ldb, const double *x, int64_t ldx, double *g, double *rn2,
                              double *bn2, double *colsq);

/* W (nv x n, leading dimension ldw >= nv, overwritten) = Y^T A_local for this rank's rows Y
   (lm x nv, leading dimension ldy): this rank's part of (A^T Y)^T, the layout in which a
   reduce-scatter over row blocks of the n side gives each rank a contiguous piece. Local. */
rla_err rla_op_left_mult_local(rla_op op, int64_t nv, const double *y, int64_t ldy, double *w,
                               int64_t ldw);

/* out (l x n, leading dimension ldo, overwritten) = Omega(:, rows) A_local: this rank's part of
   Omega A for the set-up sketch S (l x m); the sum over the ranks (one reduction) is Omega A.
   Local. */
rla_err rla_op_sketch_left_local(rla_op op, rla_sketch S, double *out, int64_t ldo);

/* Y (lm x l, leading dimension ldy, overwritten) = A_local Omega^T for the set-up sketch S
   (l x n). Local. */
rla_err rla_op_sketch_right(rla_op op, rla_sketch S, double *y, int64_t ldy);

/* c (n) += this rank's squared column norms of A. Local. */
rla_err rla_op_column_sumsq_local(rla_op op, double *c);

/* RLA_ERR_VALUE naming the first NaN or Inf of A (called name in the message); operators that
   cannot be read entry by entry pass. Collective. */
rla_err rla_op_check_finite(rla_op op, const char *name);

/* The largest |entry| of A, or NaN for operators that cannot be read entry by entry.
   Collective. */
rla_err rla_op_norm_max(rla_op op, double *v);

#endif
