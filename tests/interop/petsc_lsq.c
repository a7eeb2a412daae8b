/* SPDX-License-Identifier: BSD-3-Clause */
/* A plain PETSc least-squares program for tests/interop/petsc_plugin.sh: loads A and b, solves
   min ||A x - b|| with KSPLSQR (or whatever -ksp_type says) after KSPSetFromOptions, and prints
   one line "its N reason R rnorm X berr Y xdiff Z time T nhist H hfirst F hlast L" (T: seconds
   of KSPSetUp and KSPSolve, the slowest rank; H entries of KSPGetResidualHistory, the first F
   and the last L). With -shell the KSP sees A through a MATSHELL that calls A's MatMult and
   MatMultTranspose. It makes no call into rla: the plugin's types reach it only through
   -dll_append. */
#include <petscksp.h>
#include "../../src/base/leak_check.h"

static const char help[] =
    "Solve min ||A x - b|| with a KSP chosen by the options.\n"
    "  -f FILE          the matrix A (PETSc binary; storage from -mat_type, default aij)\n"
    "  -b FILE          the right-hand side b\n"
    "  -x_ref FILE      a reference solution: print ||x - x_ref|| / ||x_ref|| as xdiff\n"
    "  -pmat KIND       the preconditioning matrix: a (A itself, default), normal\n"
    "                   (MatCreateNormal(A)), normalh (MatCreateNormalHermitian(A)), other\n"
    "                   (an unrelated d x d diagonal matrix)\n"
    "  -shell           give the KSP a MATSHELL over A (MatMult, MatMultTranspose only)\n";

static PetscErrorCode shell_mult(Mat S, Vec x, Vec y)
{
  Mat A;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(S, &A));
  PetscCall(MatMult(A, x, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode shell_mult_transpose(Mat S, Vec x, Vec y)
{
  Mat A;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(S, &A));
  PetscCall(MatMultTranspose(A, x, y));
  PetscFunctionReturn(0);
}

/* a MATSHELL with A's layout whose products are A's */
static PetscErrorCode shell_over(Mat A, Mat *S)
{
  PetscInt lm, ln, m, d;

  PetscFunctionBeginUser;
  PetscCall(MatGetLocalSize(A, &lm, &ln));
  PetscCall(MatGetSize(A, &m, &d));
  PetscCall(MatCreateShell(PetscObjectComm((PetscObject)A), lm, ln, m, d, A, S));
  PetscCall(MatShellSetOperation(*S, MATOP_MULT, (void (*)(void))shell_mult));
  PetscCall(MatShellSetOperation(*S, MATOP_MULT_TRANSPOSE, (void (*)(void))shell_mult_transpose));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char file[PETSC_MAX_PATH_LEN], bfile[PETSC_MAX_PATH_LEN], xfile[PETSC_MAX_PATH_LEN];
  char pkind[32] = "a";
  PetscBool have_f, have_b, have_x, shell = PETSC_FALSE;
  PetscViewer viewer;
  Mat A, P = NULL, K = NULL;
  Vec b, x, r, g, xref = NULL;
  KSP ksp;
  KSPConvergedReason reason;
  PetscInt its, m, d, nhist;
  const PetscReal *hist;
  PetscReal rnorm, gnorm, anorm, xdiff = -1.0, xnorm;
  double t0, t, tmax;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-f", file, sizeof(file), &have_f));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-b", bfile, sizeof(bfile), &have_b));
  PetscCheck(have_f && have_b, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "give -f A and -b b");
  PetscCall(PetscOptionsGetString(NULL, NULL, "-x_ref", xfile, sizeof(xfile), &have_x));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-pmat", pkind, sizeof(pkind), NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-shell", &shell, NULL));

  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, file, FILE_MODE_READ, &viewer));
  PetscCall(MatCreate(PETSC_COMM_WORLD, &A));
  PetscCall(MatSetType(A, MATAIJ));
  PetscCall(MatSetFromOptions(A));
  PetscCall(MatLoad(A, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCall(MatGetSize(A, &m, &d));
  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, bfile, FILE_MODE_READ, &viewer));
  PetscCall(MatCreateVecs(A, &x, &b));
  PetscCall(VecLoad(b, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  if (have_x) {
    PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, xfile, FILE_MODE_READ, &viewer));
    PetscCall(VecDuplicate(x, &xref));
    PetscCall(VecLoad(xref, viewer));
    PetscCall(PetscViewerDestroy(&viewer));
  }

  if (shell) PetscCall(shell_over(A, &K));
  if (!strcmp(pkind, "normal"))
    PetscCall(MatCreateNormal(K ? K : A, &P));
  else if (!strcmp(pkind, "normalh"))
    PetscCall(MatCreateNormalHermitian(K ? K : A, &P));
  else if (!strcmp(pkind, "other"))
    PetscCall(MatCreateConstantDiagonal(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, d, d, 1.0, &P));
  else PetscCheck(!strcmp(pkind, "a"), PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-pmat a|normal|normalh|other");

  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, K ? K : A, P ? P : K ? K : A));
  PetscCall(KSPSetType(ksp, KSPLSQR));
  PetscCall(KSPSetResidualHistory(ksp, NULL, PETSC_DECIDE, PETSC_TRUE));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  PetscCall(KSPSetUp(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  t = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Allreduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetResidualHistory(ksp, &hist, &nhist));

  /* the backward error ||A^T r|| / (||A||_F ||r||) of the computed x */
  PetscCall(VecDuplicate(b, &r));
  PetscCall(VecDuplicate(x, &g));
  PetscCall(MatMult(A, x, r));
  PetscCall(VecAYPX(r, -1.0, b));
  PetscCall(MatMultTranspose(A, r, g));
  PetscCall(VecNorm(r, NORM_2, &rnorm));
  PetscCall(VecNorm(g, NORM_2, &gnorm));
  PetscCall(MatNorm(A, NORM_FROBENIUS, &anorm));
  if (xref) {
    PetscCall(VecNorm(xref, NORM_2, &xnorm));
    PetscCall(VecAXPY(xref, -1.0, x));
    PetscCall(VecNorm(xref, NORM_2, &xdiff));
    xdiff /= xnorm;
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "its %" PetscInt_FMT " reason %s rnorm %.17g berr %.6e xdiff %.6e time %.6f"
                        " nhist %" PetscInt_FMT " hfirst %.6e hlast %.6e\n",
                        its, KSPConvergedReasons[reason], (double)rnorm,
                        (double)(rnorm > 0 ? gnorm / (anorm * rnorm) : 0.0), (double)xdiff, tmax,
                        nhist, nhist > 0 ? (double)hist[0] : -1.0,
                        nhist > 0 ? (double)hist[nhist - 1] : -1.0));

  PetscCall(VecDestroy(&xref));
  PetscCall(VecDestroy(&g));
  PetscCall(VecDestroy(&r));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&P));
  PetscCall(MatDestroy(&K));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  rla_leak_check(); /* before PETSc and Open MPI let go of what they hold */
  PetscCall(PetscFinalize());
  return 0;
}
