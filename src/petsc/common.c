/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the PETSc plugin: rla objects' options as PETSc options, finding A behind the PC
   operators, sketching a PETSc Mat by its local rows, and copying rows of a Mat and a Vec into
   another row distribution.
   Sketch cost: the sketch operator's flops on the local rows (densified by panels for sparse
   storage, so an AIJ A costs as much as a dense one) and one allreduce of l d words. */
#include <string.h>

#include "plugin_impl.h"


#define PANEL_BYTES (4u << 20) /* about 4 MiB of densified rows per panel */

/* one option of desc: its PETSc name, then the PETSc read with the current value as default */
static PetscErrorCode read_option(PetscOptionItems *PetscOptionsObject, const char *prefix,
                                  const char *manual, const rla_option_desc *d, void *obj,
                                  rla_ctx ctx)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  rla_option_value v = {0, 0.0};
  char name[128], text[64];
  PetscBool set = PETSC_FALSE, flag;
  PetscInt i;
  rla_err err;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s%s", prefix, d->name));
  for (char *c = name + strlen(prefix); *c; c++)
    if (*c == '-') *c = '_';
  d->get(obj, &v);
  switch (d->type) {
  case RLA_OPT_INT:
    i = (PetscInt)v.i;
    PetscCall(PetscOptionsBoundedInt(name, d->help, manual, i, &i, &set,
                                     d->min <= d->max ? (PetscInt)d->min : PETSC_MIN_INT));
    v.i = i;
    break;
  case RLA_OPT_REAL:
    PetscCall(PetscOptionsReal(name, d->help, manual, v.r, &v.r, &set));
    break;
  case RLA_OPT_FLAG:
    flag = v.i ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(PetscOptionsBool(name, d->help, manual, flag, &flag, &set));
    v.i = flag;
    break;
  default:
    i = (PetscInt)v.i;
    PetscCall(PetscOptionsEList(name, d->help, manual, d->choices, d->nchoices,
                                d->choices[v.i], &i, &set));
    v.i = i;
  }
  if (!set) PetscFunctionReturn(0);
  err = d->set(obj, v);
  if (d->type == RLA_OPT_REAL)
    PetscCall(PetscSNPrintf(text, sizeof(text), "%g", v.r));
  else
    PetscCall(PetscSNPrintf(text, sizeof(text), "%lld", (long long)v.i));
  PetscCheck(!err, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s %s: %s", name, text,
             rla_ctx_error_message(ctx));
  PetscFunctionReturn(0);
}

PetscErrorCode rla_petsc_options(PetscOptionItems *PetscOptionsObject, const char *prefix,
                                 const char *manual, const rla_option_desc *desc, int n, void *obj,
                                 rla_ctx ctx)
{
  PetscFunctionBegin;
  for (int k = 0; k < n; k++)
    PetscCall(read_option(PetscOptionsObject, prefix, manual, &desc[k], obj, ctx));
  PetscFunctionReturn(0);
}

rla_option_value rla_petsc_option_value(const rla_option_desc *desc, int n, const void *obj,
                                        const char *name)
{
  rla_option_value v = {0, 0.0};
  for (int k = 0; k < n; k++)
    if (!strcmp(desc[k].name, name)) desc[k].get(obj, &v);
  return v;
}

PetscErrorCode rla_petsc_least_squares_mat(Mat Amat, Mat Pmat, const char *who, Mat *A,
                                           PetscBool *from_normal)
{
  PetscBool normal, hermitian, amat_normal = PETSC_FALSE, amat_hermitian = PETSC_FALSE;
  Mat inner = NULL;
  MatType type;
  PetscInt m, d;

  PetscFunctionBegin;
  *A = NULL;
  *from_normal = PETSC_FALSE;
  PetscCall(PetscObjectTypeCompare((PetscObject)Pmat, MATNORMAL, &normal));
  PetscCall(PetscObjectTypeCompare((PetscObject)Pmat, MATNORMALHERMITIAN, &hermitian));
  if (Amat) {
    PetscCall(PetscObjectTypeCompare((PetscObject)Amat, MATNORMAL, &amat_normal));
    PetscCall(PetscObjectTypeCompare((PetscObject)Amat, MATNORMALHERMITIAN, &amat_hermitian));
    if (amat_normal) PetscCall(MatNormalGetMat(Amat, &inner));
    if (amat_hermitian) PetscCall(MatNormalHermitianGetMat(Amat, &inner));
  }
  if (normal) {
    PetscCall(MatNormalGetMat(Pmat, A));
    *from_normal = PETSC_TRUE;
  } else if (hermitian) {
    PetscCall(MatNormalHermitianGetMat(Pmat, A));
    *from_normal = PETSC_TRUE;
  } else if (Pmat == Amat || Pmat == inner) {
    *A = Pmat;
  } else {
    PetscCall(MatGetType(Pmat, &type));
    PetscCall(MatGetSize(Pmat, &m, &d));
    SETERRQ(PetscObjectComm((PetscObject)Pmat), PETSC_ERR_ARG_WRONG,
            "%s: the preconditioning matrix (Pmat, type %s, %" PetscInt_FMT " x %" PetscInt_FMT
            ") is neither the least-squares matrix A (the operator Amat) nor its normal matrix: "
            "call KSPSetOperators(ksp, A, A), or KSPSetOperators(ksp, A, N) with N from "
            "MatCreateNormal(A) or MatCreateNormalHermitian(A)",
            who, type ? type : "unset", m, d);
  }
  PetscCall(MatGetSize(*A, &m, &d));
  PetscCheck(m >= d, PetscObjectComm((PetscObject)*A), PETSC_ERR_ARG_SIZ,
             "%s: A has more columns than rows (%" PetscInt_FMT " x %" PetscInt_FMT
             "): it solves overdetermined least squares min ||A x - b|| with rows >= columns; "
             "an underdetermined (wide) A needs another solver",
             who, m, d);
  PetscCheck(d > 0, PetscObjectComm((PetscObject)*A), PETSC_ERR_ARG_SIZ,
             "%s: A has no columns", who);
  PetscFunctionReturn(0);
}

/* sketch the local rows [0, nrows) of a column-major array (leading dimension lda) whose first
   row is the global row row0, accumulating into acc (l x d); part is l x d scratch */
static void sketch_panel(rla_sketch S, PetscInt row0, PetscInt nrows, PetscInt d,
                         const double *a, PetscInt lda, PetscInt l, double *part, double *acc,
                         rla_err *err)
{
  if (*err || nrows == 0) return;
  *err = rla_sketch_apply_left_local(S, row0, nrows, d, a, lda, part, l);
  if (!*err)
    for (PetscInt i = 0; i < l * d; i++)
      acc[i] += part[i];
}

PetscErrorCode rla_petsc_sketch_mat(rla_ctx ctx, rla_sketch S, Mat A, PetscInt l, double *sa)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)A);
  PetscBool dense;
  PetscInt m, d, rstart, rend;
  double *part = NULL, *acc = NULL;
  rla_err err = RLA_SUCCESS;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &m, &d));
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  PetscCheck((double)l * (double)d <= 2147483647.0, comm, PETSC_ERR_SUP,
             "the %" PetscInt_FMT " x %" PetscInt_FMT
             " sketch exceeds the 2^31 entries of one MPI reduction: lower the oversampling",
             l, d);
  PetscCall(PetscObjectTypeCompareAny((PetscObject)A, &dense, MATMPIDENSE, MATSEQDENSE, ""));
  PetscCall(PetscCalloc2((size_t)l * d, &part, (size_t)l * d, &acc));
  if (dense) {
    const PetscScalar *a;
    PetscInt lda;
    PetscCall(MatDenseGetLDA(A, &lda));
    PetscCall(MatDenseGetArrayRead(A, &a));
    sketch_panel(S, rstart, rend - rstart, d, a, lda, l, part, acc, &err);
    PetscCall(MatDenseRestoreArrayRead(A, &a));
  } else {
    PetscInt rows = (PetscInt)(PANEL_BYTES / (sizeof(double) * (size_t)d)), b;
    double *panel;
    b = (PetscInt)rla_sketch_get_block_size(S);
    if (rows < 1) rows = 1;
    if (b > 0 && rows > b) rows -= rows % b; /* whole SRHT blocks where the panel allows */
    if (rows > rend - rstart) rows = rend - rstart > 0 ? rend - rstart : 1;
    PetscCall(PetscCalloc1((size_t)rows * d, &panel));
    for (PetscInt p0 = rstart; p0 < rend; p0 += rows) {
      PetscInt np = rend - p0 < rows ? rend - p0 : rows;
      memset(panel, 0, sizeof(double) * (size_t)rows * d);
      for (PetscInt i = 0; i < np; i++) {
        const PetscInt *cols;
        const PetscScalar *vals;
        PetscInt nc;
        PetscCall(MatGetRow(A, p0 + i, &nc, &cols, &vals));
        for (PetscInt k = 0; k < nc; k++)
          panel[i + cols[k] * np] = vals[k];
        PetscCall(MatRestoreRow(A, p0 + i, &nc, &cols, &vals));
      }
      sketch_panel(S, p0, np, d, panel, np, l, part, acc, &err);
    }
    PetscCall(PetscFree(panel));
  }
  err = rla_ctx_agree(ctx, err);
  if (!err) PetscCallMPI(MPI_Reduce(acc, sa, (int)(l * d), MPI_DOUBLE, MPI_SUM, 0, comm));
  PetscCall(PetscFree2(part, acc));
  RLA_PETSC_CALL(comm, ctx, err);
  PetscFunctionReturn(0);
}

PetscErrorCode rla_petsc_copy_rows(Mat A, Vec b, PetscInt row0, PetscInt lm, double *a,
                                   PetscInt lda, double *bl)
{
  IS isrow, iscol, isto;
  Mat *sub;
  Vec local;
  VecScatter scatter;
  PetscInt d;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, NULL, &d));
  PetscCall(ISCreateStride(PETSC_COMM_SELF, lm, row0, 1, &isrow));
  PetscCall(ISCreateStride(PETSC_COMM_SELF, d, 0, 1, &iscol));
  PetscCall(MatCreateSubMatrices(A, 1, &isrow, &iscol, MAT_INITIAL_MATRIX, &sub));
  for (PetscInt i = 0; i < lm; i++) {
    const PetscInt *cols;
    const PetscScalar *vals;
    PetscInt nc;
    PetscCall(MatGetRow(sub[0], i, &nc, &cols, &vals));
    for (PetscInt k = 0; k < nc; k++)
      a[i + cols[k] * lda] = vals[k];
    PetscCall(MatRestoreRow(sub[0], i, &nc, &cols, &vals));
  }
  PetscCall(MatDestroySubMatrices(1, &sub));
  PetscCall(ISCreateStride(PETSC_COMM_SELF, lm, 0, 1, &isto));
  PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, lm, bl, &local));
  PetscCall(VecScatterCreate(b, isrow, local, isto, &scatter));
  PetscCall(VecScatterBegin(scatter, b, local, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(scatter, b, local, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterDestroy(&scatter));
  PetscCall(VecDestroy(&local));
  PetscCall(ISDestroy(&isto));
  PetscCall(ISDestroy(&iscol));
  PetscCall(ISDestroy(&isrow));
  PetscFunctionReturn(0);
}
