/* SPDX-License-Identifier: BSD-3-Clause */
/* A PETSc Mat as an rla operator (an implementation of rla_op's table, src/op/op_impl.h), so that
   rla's solvers reach any Mat type without a copy of it.
   Products: Y = A X through MatMult and W += A^T Y through MatMultTranspose, one vector at a
   time, on two Vecs created once over the Mat's row and column layouts whose arrays are placed
   over rla's (VecPlaceArray): no copy of A or of the vectors. rla's X is replicated, so the
   product reads this rank's slice of its columns; MatMultTranspose gives this rank's slice of
   A^T Y, which is this rank's contribution to the sum over the ranks that rla forms. Each
   product costs what the Mat's MatMult costs (2 nnz / P flops for AIJ, 2 m d / P for dense)
   plus its communication (AIJ: the scatter of the off-diagonal columns; dense: an allgather of
   the d-vector).
   Sketch Omega A (this rank's part):
   - dense (MATSEQDENSE, MATMPIDENSE): the sketch's kernel on the local array in place, as the
     dense operator does (no copy).
   - AIJ (MATSEQAIJ, MATMPIAIJ): this rank's rows merged from the diagonal and off-diagonal
     blocks (MatMPIAIJGetSeqAIJ, their CSR read in place by MatGetRowIJ and
     MatSeqAIJGetArrayRead) into one CSR with global columns, an rla_smat that lives for the
     sketch alone: one O(nnz / P) copy (12 bytes per nonzero and 8 per row), and the sparse
     operator's native sketch: 2 k nnz / P flops for the sparse sign sketch, 2 l nnz / P for
     the Gaussian one, dense panels of 32 columns for the block SRHT (rla/op.h).
   - any other type (MATSHELL among them): rla's composition from products with blocks of 32
     columns of the identity (src/op/interface.c): d MatMults and the sketch's dense kernel on
     lm x 32 panels; no m x d array.
   Column norms (for ||A||_F): MatGetColumnNorms for AIJ and dense (O(nnz / P) and one
   allreduce of d words); d MatMults (products with the identity) for other types.
   Events: RLASketch around this rank's part of the sketch; with phases on (the KSP type), the
   passes over A after the sketch switch from RLAFactor (the sketch's reduction and
   factorization) to RLAIterate, closed by rla_petsc_op_end_phases. */
#include <string.h>

#include "../op/op_impl.h"
#include "../smat/smat_impl.h"
#include "plugin_impl.h"

enum mat_kind { KIND_DENSE, KIND_AIJ, KIND_OTHER };
enum phase { PHASE_NONE, PHASE_FACTOR, PHASE_ITERATE };

struct mat_op {
  Mat A;         /* referenced */
  Vec x, y;      /* column and row layouts, without arrays of their own */
  double *z;     /* this rank's columns of A^T y */
  double *norms; /* d column norms */
  PetscInt cstart, nc;
  enum mat_kind kind;
  PetscBool phases; /* log RLAFactor / RLAIterate */
  enum phase phase;
};

/* a failed PETSc call inside an rla kernel: rla's error naming it (PETSc printed its own) */
#define MAT_CALL(op, expr)                                                                         \
  do {                                                                                             \
    PetscErrorCode mat_err_ = (expr);                                                              \
    if (mat_err_)                                                                                  \
      return rla_error_set((op)->ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,                   \
                           "PETSc error %d in %s", (int)mat_err_, #expr);                          \
  } while (0)

static PetscLogEvent phase_event(enum phase p)
{
  return p == PHASE_FACTOR ? rla_petsc_event_factor : rla_petsc_event_iterate;
}

/* end the open phase's event and begin next's (PHASE_NONE: none) */
static PetscErrorCode phase_to(struct mat_op *s, enum phase next)
{
  PetscFunctionBegin;
  if (!s->phases || s->phase == next) PetscFunctionReturn(0);
  if (s->phase != PHASE_NONE) PetscCall(PetscLogEventEnd(phase_event(s->phase), s->A, 0, 0, 0));
  s->phase = next;
  if (next != PHASE_NONE) PetscCall(PetscLogEventBegin(phase_event(next), s->A, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* out = A in (or A^T in) with the two Vecs placed over the arrays */
static PetscErrorCode product(Mat A, PetscBool transpose, Vec vin, const double *in, Vec vout,
                              double *out)
{
  PetscFunctionBegin;
  PetscCall(VecPlaceArray(vin, in));
  PetscCall(VecPlaceArray(vout, out));
  if (transpose)
    PetscCall(MatMultTranspose(A, vin, vout));
  else
    PetscCall(MatMult(A, vin, vout));
  PetscCall(VecResetArray(vout));
  PetscCall(VecResetArray(vin));
  PetscFunctionReturn(0);
}

static rla_err mat_mult(rla_op op, int64_t nv, const double *x, int64_t ldx, double *y, int64_t ldy)
{
  struct mat_op *s = op->data;
  if (s->phase == PHASE_FACTOR) MAT_CALL(op, phase_to(s, PHASE_ITERATE));
  for (int64_t v = 0; v < nv; v++)
    MAT_CALL(op, product(s->A, PETSC_FALSE, s->x, x + v * ldx + s->cstart, s->y, y + v * ldy));
  return RLA_SUCCESS;
}

static rla_err mat_mult_transpose_add(rla_op op, int64_t nv, const double *y, int64_t ldy,
                                      double *w, int64_t ldw)
{
  struct mat_op *s = op->data;
  if (s->phase == PHASE_FACTOR) MAT_CALL(op, phase_to(s, PHASE_ITERATE));
  for (int64_t v = 0; v < nv; v++) {
    double *wv = w + v * ldw + s->cstart;
    MAT_CALL(op, product(s->A, PETSC_TRUE, s->y, y + v * ldy, s->x, s->z));
    for (PetscInt i = 0; i < s->nc; i++)
      wv[i] += s->z[i];
  }
  return RLA_SUCCESS;
}

/* c += the squared norms of this rank's columns (the sum over the ranks is A's) */
static rla_err mat_column_sumsq(rla_op op, double *c)
{
  struct mat_op *s = op->data;
  if (s->phase == PHASE_FACTOR) MAT_CALL(op, phase_to(s, PHASE_ITERATE));
  MAT_CALL(op, MatGetColumnNorms(s->A, NORM_2, s->norms));
  for (PetscInt j = s->cstart; j < s->cstart + s->nc; j++)
    c[j] += s->norms[j] * s->norms[j];
  return RLA_SUCCESS;
}

/* The rows of one SeqAIJ block in place: offsets, columns and values. */
typedef struct {
  Mat M;
  PetscInt n;
  const PetscInt *i, *j;
  const PetscScalar *v;
} aij_block;

static PetscErrorCode block_get(Mat M, aij_block *b)
{
  PetscBool done;

  PetscFunctionBegin;
  b->M = M;
  PetscCall(MatGetRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &b->n, &b->i, &b->j, &done));
  PetscCheck(done, PetscObjectComm((PetscObject)M), PETSC_ERR_SUP,
             "rla: cannot read the CSR arrays of the AIJ matrix");
  PetscCall(MatSeqAIJGetArrayRead(M, &b->v));
  PetscFunctionReturn(0);
}

static PetscErrorCode block_restore(aij_block *b)
{
  PetscBool done;

  PetscFunctionBegin;
  if (!b->M) PetscFunctionReturn(0);
  PetscCall(MatSeqAIJRestoreArrayRead(b->M, &b->v));
  PetscCall(MatRestoreRowIJ(b->M, 0, PETSC_FALSE, PETSC_FALSE, &b->n, &b->i, &b->j, &done));
  PetscFunctionReturn(0);
}

/* Row i of the diagonal block d (columns shifted by cstart) merged with the off-diagonal block o
   (columns garray[j], sorted; o->M NULL on one rank) into ci, v from position k: the off-diagonal
   columns before cstart, the diagonal block, the rest. Returns the next position. */
static int64_t merge_row(const aij_block *d, const aij_block *o, const PetscInt *garray,
                         PetscInt cstart, PetscInt i, int32_t *ci, double *v, int64_t k)
{
  PetscInt e = o->M ? o->i[i] : 0, eend = o->M ? o->i[i + 1] : 0;
  for (; e < eend && garray[o->j[e]] < cstart; e++, k++) {
    ci[k] = (int32_t)garray[o->j[e]];
    v[k] = o->v[e];
  }
  for (PetscInt f = d->i[i]; f < d->i[i + 1]; f++, k++) {
    ci[k] = (int32_t)(d->j[f] + cstart);
    v[k] = d->v[f];
  }
  for (; e < eend; e++, k++) {
    ci[k] = (int32_t)garray[o->j[e]];
    v[k] = o->v[e];
  }
  return k;
}

/* This rank's rows of the AIJ A as an rla_smat (global columns; the one copy). Collective. */
static rla_err aij_smat(rla_op op, Mat A, rla_smat *S)
{
  struct mat_op *s = op->data;
  aij_block d = {0}, o = {0};
  const PetscInt *garray = NULL;
  Mat Ad = A, Ao = NULL;
  PetscBool mpi;
  int64_t *rp = NULL, nnz;
  int32_t *ci = NULL;
  double *v = NULL;
  rla_err err;

  MAT_CALL(op, PetscObjectTypeCompare((PetscObject)A, MATMPIAIJ, &mpi));
  if (mpi) MAT_CALL(op, MatMPIAIJGetSeqAIJ(A, &Ad, &Ao, &garray));
  MAT_CALL(op, block_get(Ad, &d));
  if (Ao) MAT_CALL(op, block_get(Ao, &o));
  nnz = (int64_t)d.i[d.n] + (Ao ? (int64_t)o.i[o.n] : 0);
  err = rla_calloc(op->ctx, (size_t)op->lm + 1, sizeof(int64_t), &rp);
  if (!err) err = rla_calloc(op->ctx, (size_t)(nnz > 0 ? nnz : 1), sizeof(int32_t), &ci);
  if (!err) err = rla_calloc(op->ctx, (size_t)(nnz > 0 ? nnz : 1), sizeof(double), &v);
  for (PetscInt i = 0; !err && i < d.n; i++)
    rp[i + 1] = merge_row(&d, &o, garray, s->cstart, i, ci, v, rp[i]);
  MAT_CALL(op, block_restore(&o));
  MAT_CALL(op, block_restore(&d));
  err = rla_ctx_agree(op->ctx, err);
  if (err) {
    rla_free(&rp);
    rla_free(&ci);
    rla_free(&v);
    return err;
  }
  return rla_smat_create_owned(op->ctx, op->m, op->n, op->lm, &rp, &ci, &v, S);
}

/* Omega A of this rank's rows of an AIJ A through the sparse operator of its copy */
static rla_err aij_sketch_left(rla_op op, rla_sketch S, double *out, int64_t ldo)
{
  struct mat_op *s = op->data;
  rla_smat M = NULL;
  rla_op sop = NULL;
  rla_err err;
  RLA_CALL(op->ctx, aij_smat(op, s->A, &M));
  err = rla_ctx_agree(op->ctx, rla_op_create_sparse(M, &sop));
  if (!err) err = rla_op_setup(sop, 1);
  if (!err) err = rla_op_sketch_left_local(sop, S, out, ldo);
  rla_op_destroy(&sop);
  rla_smat_destroy(&M);
  return err;
}

/* Omega A of this rank's rows of a dense A, in place (a zero part where it has no rows) */
static rla_err dense_sketch_left(rla_op op, rla_sketch S, double *out, int64_t ldo)
{
  struct mat_op *s = op->data;
  const PetscScalar *a;
  PetscInt lda;
  int64_t l;
  rla_err err;
  if (op->lm == 0) {
    rla_sketch_get_sizes(S, &l, NULL);
    for (int64_t j = 0; j < op->n; j++)
      memset(out + j * ldo, 0, sizeof(double) * (size_t)l);
    return RLA_SUCCESS;
  }
  MAT_CALL(op, MatDenseGetLDA(s->A, &lda));
  MAT_CALL(op, MatDenseGetArrayRead(s->A, &a));
  err = rla_sketch_apply_left_local(S, op->row0, op->lm, op->n, a, lda, out, ldo);
  MAT_CALL(op, MatDenseRestoreArrayRead(s->A, &a));
  return err;
}

static const struct rla_op_ops product_ops;

/* This rank's part of Omega A by the kind's kernel, or for a type whose storage is not read, by
   the front end's composition from products; logged as RLASketch, then the factor phase. */
static rla_err mat_sketch_left(rla_op op, rla_sketch S, double *out, int64_t ldo)
{
  struct mat_op *s = op->data;
  const struct rla_op_ops *ops = op->ops;
  rla_err err;
  MAT_CALL(op, PetscLogEventBegin(rla_petsc_event_sketch, s->A, 0, 0, 0));
  if (s->kind == KIND_AIJ) {
    err = aij_sketch_left(op, S, out, ldo);
  } else if (s->kind == KIND_DENSE) {
    err = dense_sketch_left(op, S, out, ldo);
  } else {
    op->ops = &product_ops; /* no sketch of its own: the front end composes it */
    err = rla_op_sketch_left_local(op, S, out, ldo);
    op->ops = ops;
  }
  MAT_CALL(op, PetscLogEventEnd(rla_petsc_event_sketch, s->A, 0, 0, 0));
  if (!err) MAT_CALL(op, phase_to(s, PHASE_FACTOR));
  return err;
}

static void free_data(struct mat_op *s)
{
  (void)phase_to(s, PHASE_NONE);
  (void)VecDestroy(&s->x);
  (void)VecDestroy(&s->y);
  (void)MatDestroy(&s->A);
  rla_free(&s->z);
  rla_free(&s->norms);
}

static void mat_destroy(rla_op op)
{
  if (op->data) free_data(op->data);
  rla_free(&op->data);
}

/* AIJ and dense: the sketch and the column norms from the Mat's storage */
static const struct rla_op_ops readable_ops = {
    .name = "petsc",
    .mult = mat_mult,
    .mult_transpose_add = mat_mult_transpose_add,
    .sketch_left = mat_sketch_left,
    .column_sumsq = mat_column_sumsq,
    .destroy = mat_destroy,
};

/* any other type: products; the front end composes the rest from them */
static const struct rla_op_ops product_ops = {
    .name = "petsc",
    .mult = mat_mult,
    .mult_transpose_add = mat_mult_transpose_add,
    .destroy = mat_destroy,
};

/* the same, with the composed sketch logged as RLASketch */
static const struct rla_op_ops other_ops = {
    .name = "petsc",
    .mult = mat_mult,
    .mult_transpose_add = mat_mult_transpose_add,
    .sketch_left = mat_sketch_left,
    .destroy = mat_destroy,
};

/* the operator's data over A: its layouts, the Vecs without arrays and the scratch */
static PetscErrorCode mat_op_data(rla_ctx ctx, Mat A, PetscBool phases, struct mat_op *s)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)A);
  PetscInt m, d, lm, cend;
  PetscBool dense, aij;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &m, &d));
  PetscCall(MatGetLocalSize(A, &lm, NULL));
  PetscCall(MatGetOwnershipRangeColumn(A, &s->cstart, &cend));
  s->nc = cend - s->cstart;
  PetscCall(PetscObjectTypeCompareAny((PetscObject)A, &dense, MATSEQDENSE, MATMPIDENSE, ""));
  PetscCall(PetscObjectTypeCompareAny((PetscObject)A, &aij, MATSEQAIJ, MATMPIAIJ, ""));
  s->kind = dense ? KIND_DENSE : aij ? KIND_AIJ : KIND_OTHER;
  s->phases = phases;
  PetscCall(VecCreateMPIWithArray(comm, 1, s->nc, d, NULL, &s->x));
  PetscCall(VecCreateMPIWithArray(comm, 1, lm, m, NULL, &s->y));
  PetscCheck(!rla_calloc(ctx, (size_t)(s->nc > 0 ? s->nc : 1), sizeof(double), &s->z) &&
                 !rla_calloc(ctx, (size_t)d, sizeof(double), &s->norms),
             PETSC_COMM_SELF, PETSC_ERR_MEM, "rla: out of memory for %" PetscInt_FMT " doubles", d);
  PetscCall(PetscObjectReference((PetscObject)A));
  s->A = A;
  PetscFunctionReturn(0);
}

PetscErrorCode rla_petsc_op_create(rla_ctx ctx, Mat A, PetscBool phases, rla_op *op)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)A);
  struct mat_op *s = NULL;
  PetscInt m, d, rstart, rend;
  PetscErrorCode perr;
  rla_err err;

  PetscFunctionBegin;
  *op = NULL;
  PetscCall(MatGetSize(A, &m, &d));
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  err = rla_calloc(ctx, 1, sizeof(*s), &s);
  RLA_PETSC_CALL(comm, ctx, rla_ctx_agree(ctx, err));
  perr = mat_op_data(ctx, A, phases, s);
  if (perr) {
    free_data(s);
    rla_free(&s);
    PetscCall(perr);
  }
  err = rla_op_create(ctx, s->kind == KIND_OTHER ? &other_ops : &readable_ops, m, d, s, op);
  if (err) {
    free_data(s);
    rla_free(&s);
  }
  RLA_PETSC_CALL(comm, ctx, rla_ctx_agree(ctx, err));
  (*op)->lm = rend - rstart;
  (*op)->row0 = rstart;
  if (s->kind == KIND_AIJ) { /* a solver not told otherwise sketches it as a sparse A */
    MatInfo info;
    PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &info));
    (*op)->entries = info.nz_used;
    (*op)->sketch_default = RLA_SKETCH_SPARSE;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode rla_petsc_op_sketch(rla_op op, rla_sketch S, double *part, PetscInt ldp)
{
  rla_ctx ctx = op->ctx;
  rla_err err = rla_op_setup(op, 1);

  PetscFunctionBegin;
  if (!err) err = rla_ctx_agree(ctx, rla_op_sketch_left_local(op, S, part, ldp));
  RLA_PETSC_CALL(PetscObjectComm((PetscObject)((struct mat_op *)op->data)->A), ctx, err);
  PetscFunctionReturn(0);
}

PetscErrorCode rla_petsc_op_end_phases(rla_op op)
{
  PetscFunctionBegin;
  if (op) PetscCall(phase_to(op->data, PHASE_NONE));
  PetscFunctionReturn(0);
}
