/* SPDX-License-Identifier: BSD-3-Clause */
/* A plain PETSc least-squares program for tests/interop/petsc_plugin.sh: loads A and b, solves
   min ||A x - b|| with KSPLSQR (or whatever -ksp_type says) after KSPSetFromOptions, and prints
   one line "its N reason R rnorm X berr Y xdiff Z time T" (T: seconds of KSPSetUp and
   KSPSolve, the slowest rank). It makes no call into rla: the plugin's
   types reach it only through -dll_append. */
#include <petscksp.h>

static const char help[] =
    "Solve min ||A x - b|| with a KSP chosen by the options.\n"
    "  -f FILE          the matrix A (PETSc binary; storage from -mat_type, default aij)\n"
    "  -b FILE          the right-hand side b\n"
    "  -x_ref FILE      a reference solution: print ||x - x_ref|| / ||x_ref|| as xdiff\n"
    "  -pmat KIND       the preconditioning matrix: a (A itself, default), normal\n"
    "                   (MatCreateNormal(A)), normalh (MatCreateNormalHermitian(A)), other\n"
    "                   (an unrelated d x d diagonal matrix)\n";

int main(int argc, char **argv)
{
  char file[PETSC_MAX_PATH_LEN], bfile[PETSC_MAX_PATH_LEN], xfile[PETSC_MAX_PATH_LEN];
  char pkind[32] = "a";
  PetscBool have_f, have_b, have_x;
  PetscViewer viewer;
  Mat A, P = NULL;
  Vec b, x, r, g, xref = NULL;
  KSP ksp;
  KSPConvergedReason reason;
  PetscInt its, m, d;
  PetscReal rnorm, gnorm, anorm, xdiff = -1.0, xnorm;
  double t0, t, tmax;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-f", file, sizeof(file), &have_f));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-b", bfile, sizeof(bfile), &have_b));
  PetscCheck(have_f && have_b, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "give -f A and -b b");
  PetscCall(PetscOptionsGetString(NULL, NULL, "-x_ref", xfile, sizeof(xfile), &have_x));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-pmat", pkind, sizeof(pkind), NULL));

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

  if (!strcmp(pkind, "normal")) PetscCall(MatCreateNormal(A, &P));
  else if (!strcmp(pkind, "normalh")) PetscCall(MatCreateNormalHermitian(A, &P));
  else if (!strcmp(pkind, "other"))
    PetscCall(MatCreateConstantDiagonal(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, d, d, 1.0, &P));
  else PetscCheck(!strcmp(pkind, "a"), PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "-pmat a|normal|normalh|other");

  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, P ? P : A));
  PetscCall(KSPSetType(ksp, KSPLSQR));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  PetscCall(KSPSetUp(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  t = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Allreduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));

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
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "its %" PetscInt_FMT " reason %s rnorm %.17g berr %.6e xdiff %.6e time %.6f\n",
                        its, KSPConvergedReasons[reason], (double)rnorm,
                        (double)(rnorm > 0 ? gnorm / (anorm * rnorm) : 0.0), (double)xdiff, tmax));

  PetscCall(VecDestroy(&xref));
  PetscCall(VecDestroy(&g));
  PetscCall(VecDestroy(&r));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(MatDestroy(&P));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscCall(PetscFinalize());
  return 0;
}
