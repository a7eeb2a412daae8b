/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the PETSc plugin: rla objects' options as PETSc options, finding A behind the PC
   operators, and copying rows of a Mat and a Vec into another row distribution (for the direct
   method alone, which needs A dense: m d / P words per rank). */
#include <string.h>

#include "plugin_impl.h"


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
  int has;
  rla_err err;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s%s", prefix, d->name));
  for (char *c = name + strlen(prefix); *c; c++)
    if (*c == '-') *c = '_';
  has = d->get(obj, &v);
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
                                has ? d->choices[v.i] : "(from A)", &i, &set));
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
