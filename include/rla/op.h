/* SPDX-License-Identifier: BSD-3-Clause */
/* Linear operators A (m x n) in row-block layout: what the solvers need of a matrix. Each rank
   owns a contiguous range of rows of A (any range, possibly empty); the solvers reach A only
   through an operator: products Y = A X and W = A^T Y on blocks of vectors, the sketches
   Omega A and A Omega^T, and column norms.
   Implementations: a dense row-block rla_dmat (rla_op_create_dense), a sparse CSR row-block
   rla_smat (rla_op_create_sparse: products and sketches in O(nnz) per vector, never densified
   but for the block SRHT's panels) and a matrix-free operator built from the user's two
   callbacks (rla_op_create_shell). Others (PETSc's Mat inside the plugin) plug into the same
   table.
   Lifecycle: create -> hand to a solver (rla_lsq_set_operator, rla_svd_set_operator), which sets
   it up -> destroy after the solver is done with it. */
#ifndef RLA_OP_H
#define RLA_OP_H

#include <stdint.h>

#include "rla/base.h"
#include "rla/dmat.h"
#include "rla/smat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rla_op_s *rla_op;

/* The user's side of a matrix-free operator. Both callbacks work on this rank's rows alone (no
   communication) and return 0 on success or any other value on failure (rla then fails with
   RLA_ERR_NUMERIC, naming the callback).
   mult:           Y (lm x nv, leading dimension ldy, overwritten) = A_local X, where A_local
                   is this rank's lm rows of A and X (n x nv, leading dimension ldx) is the
                   same on every rank.
   mult_transpose: W (n x nv, leading dimension ldw) += A_local^T Y for Y (lm x nv, leading
                   dimension ldy): this rank's contribution; rla sums it over the ranks.
   destroy:        called on the user's data by rla_op_destroy; may be NULL. */
typedef struct {
  int (*mult)(void *user, int64_t nv, const double *x, int64_t ldx, double *y, int64_t ldy);
  int (*mult_transpose)(void *user, int64_t nv, const double *y, int64_t ldy, double *w,
                        int64_t ldw);
  void (*destroy)(void *user);
} rla_op_shell_ops;

/* Operator of a row-block dense matrix.
   Local. A: a row-block rla_dmat (rla_dmat_create_rowblock or a reader), borrowed: it must
   outlive the operator and is not modified. The rows of each rank are those of A.
   Errors: RLA_ERR_ARG (NULL, or A not row-block), RLA_ERR_MEM. */
rla_err rla_op_create_dense(rla_dmat A, rla_op *op);

/* Operator of a sparse row-block matrix (CSR).
   Local. A: an rla_smat (rla_smat_create_csr or a reader), borrowed: it must outlive the
   operator; the operator reads its values at every call (so they may be scaled in place between
   calls) and never changes them. The rows of each rank are those of A.
   Errors: RLA_ERR_ARG (NULL A or op), RLA_ERR_MEM (lm 64-bit cursors of its own).
   Notes: no kernel communicates but the collective checks; all read A once per call. Costs per
   rank (nnz: this rank's nonzeros, lm its rows, nv vectors): products A X, A^T Y, Y^T A, the
   fused normal and residual passes 2 nnz nv flops each (a row is used for every vector while it
   is in cache). Omega A (l x n out) and A Omega^T (lm x l out): sparse sign 2 k nnz flops and
   k lm (left) or k n (right) sampled entries; Gaussian 2 l nnz flops and l lm (left) or l n
   (right) normal values; block SRHT, which mixes rows, on dense panels of A (lm x c columns for
   the left sketch, r x n rows for the right one, c and r up to 32 as the workspace of
   rla_op_setup allows: O(lm + n nv) words for nv vectors): lm n words written and the dense transform's n lm log2(b) flops. Every sketch
   writes its l n (left) or lm l (right) outputs. The sketches' entries are those of the sketch's
   own kernels, so they match the dense operator's sketches of the same matrix to rounding, on
   any number of ranks. */
rla_err rla_op_create_sparse(rla_smat A, rla_op *op);

/* Matrix-free operator from callbacks.
   Collective on ctx. m, n: global sizes, the same on every rank; lm: the rows of this rank
   (ranks own consecutive ranges in rank order; the lm sum to m; lm may be 0). ops: copied.
   user: borrowed, passed to the callbacks; ops->destroy (when not NULL) frees it at
   rla_op_destroy.
   Errors: RLA_ERR_ARG (NULL ops or callbacks, n < 1, m < 0, lm < 0, sizes that differ between
   ranks or lm that do not sum to m), RLA_ERR_MEM.
   Notes: the sketches of a matrix-free operator are formed from products with blocks of
   columns of the identity (Omega A) or with the explicit Omega^T (A Omega^T): n / 32 products
   or one product with l vectors. A solver prefers an operator with native sketches when there
   is one. */
rla_err rla_op_create_shell(rla_ctx ctx, int64_t m, int64_t n, int64_t lm,
                            const rla_op_shell_ops *ops, void *user, rla_op *op);

/* Accepts NULL; sets *op = NULL. Local. */
rla_err rla_op_destroy(rla_op *op);

/* Global sizes. Local. */
void rla_op_sizes(rla_op op, int64_t *m, int64_t *n);
/* This rank's rows [row0, row0 + lm). Local. */
void rla_op_local_rows(rla_op op, int64_t *row0, int64_t *lm);
rla_ctx rla_op_ctx(rla_op op);           /* Local. */
const char *rla_op_type_name(rla_op op); /* "dense", "sparse" or "shell". Local. */
/* The dense matrix of a dense operator (borrowed). Local. Errors: RLA_ERR_UNSUPPORTED for
   other operators (the direct solvers PDGELS and PDGESVD need the dense matrix). */
rla_err rla_op_get_dmat(rla_op op, rla_dmat *A);
/* The sparse matrix of a sparse operator (borrowed). Local. Errors: RLA_ERR_UNSUPPORTED for
   other operators (the direct sparse solver, SuiteSparseQR, needs the CSR rows). */
rla_err rla_op_get_smat(rla_op op, rla_smat *A);

/* Y (lm x nv, leading dimension ldy >= lm, overwritten) = this rank's rows of A X, for X
   (n x nv, leading dimension ldx >= n) given on every rank. Local: no communication.
   Errors: RLA_ERR_ARG (NULL, leading dimensions), RLA_ERR_MEM (an operator not set up for nv
   vectors allocates), RLA_ERR_NUMERIC (a shell callback failed). */
rla_err rla_op_mult(rla_op op, int64_t nv, const double *x, int64_t ldx, double *y, int64_t ldy);
/* W (n x nv, leading dimension ldw >= n) += A_local^T Y for this rank's rows Y (lm x nv,
   leading dimension ldy >= lm): this rank's part of A^T Y; the caller sums over the ranks (one
   reduction of n nv words). Local. Errors: as rla_op_mult. */
rla_err rla_op_mult_transpose_add(rla_op op, int64_t nv, const double *y, int64_t ldy, double *w,
                                  int64_t ldw);

#ifdef __cplusplus
}
#endif
#endif
