/* SPDX-License-Identifier: BSD-3-Clause */
/* Baseline for bench/svd.sh and bench/sparse_svd.sh: the k largest singular triplets of a matrix
   (dense, or AIJ with -mat_type aij) read from a PETSc binary file, by SLEPc (-svd_type
   trlanczos, randomized, ... from the options), timed, with the accuracy measured as in
   bench_svd: ||A - U S V^T||_2 by 40 power steps divided by -sigma_next (the exact
   sigma_{k+1}). Built and run by those scripts only.
   Options: -f FILE -k K -sigma_next S, plus the SLEPc/PETSc options. */
#include <slepcsvd.h>

/* y = E x = A x - U diag(s) V^T x; w is a k-work array. */
static PetscErrorCode residual_apply(Mat A, PetscInt k, Vec *u, Vec *v, const PetscReal *s, Vec x,
                                     Vec y, PetscScalar *w)
{
  PetscFunctionBeginUser;
  PetscCall(MatMult(A, x, y));
  PetscCall(VecMDot(x, k, v, w));
  for (PetscInt i = 0; i < k; i++)
    w[i] *= -s[i];
  PetscCall(VecMAXPY(y, k, w, u));
  PetscFunctionReturn(0);
}

/* x = E^T y = A^T y - V diag(s) U^T y */
static PetscErrorCode residual_apply_transpose(Mat A, PetscInt k, Vec *u, Vec *v,
                                               const PetscReal *s, Vec y, Vec x, PetscScalar *w)
{
  PetscFunctionBeginUser;
  PetscCall(MatMultTranspose(A, y, x));
  PetscCall(VecMDot(y, k, u, w));
  for (PetscInt i = 0; i < k; i++)
    w[i] *= -s[i];
  PetscCall(VecMAXPY(x, k, w, v));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  Mat A;
  SVD svd;
  PetscViewer viewer;
  Vec *u, *v, x, y;
  PetscReal *s, next = 1.0, est = 0.0, nx, ny;
  PetscScalar *w;
  PetscInt k = 100, nconv;
  char file[PETSC_MAX_PATH_LEN] = "";
  PetscBool flg;
  SVDType type;
  PetscLogDouble t0, t1;
  PetscRandom rnd;

  PetscCall(SlepcInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-f", file, sizeof(file), &flg));
  PetscCheck(flg, PETSC_COMM_WORLD, PETSC_ERR_USER, "give the matrix file with -f");
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-k", &k, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-sigma_next", &next, NULL));
  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, file, FILE_MODE_READ, &viewer));
  PetscCall(MatCreate(PETSC_COMM_WORLD, &A));
  PetscCall(MatSetType(A, MATDENSE));
  PetscCall(MatSetFromOptions(A)); /* -mat_type aij for a sparse file */
  PetscCall(MatLoad(A, viewer));
  PetscCall(PetscViewerDestroy(&viewer));

  PetscCall(SVDCreate(PETSC_COMM_WORLD, &svd));
  PetscCall(SVDSetOperators(svd, A, NULL));
  PetscCall(SVDSetDimensions(svd, k, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(SVDSetFromOptions(svd));
  PetscCall(PetscBarrier((PetscObject)A));
  PetscCall(PetscTime(&t0));
  PetscCall(SVDSolve(svd));
  PetscCall(PetscTime(&t1));
  PetscCall(SVDGetType(svd, &type));
  PetscCall(SVDGetConverged(svd, &nconv));
  if (nconv < k) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "slepc %s: time %.4f s, only %" PetscInt_FMT " of %" PetscInt_FMT
                          " triplets converged\n",
                          type, t1 - t0, nconv, k));
    PetscCall(SVDDestroy(&svd));
    PetscCall(MatDestroy(&A));
    PetscCall(SlepcFinalize());
    return 0;
  }

  PetscCall(MatCreateVecs(A, &x, &y));
  PetscCall(VecDuplicateVecs(y, k, &u));
  PetscCall(VecDuplicateVecs(x, k, &v));
  PetscCall(PetscMalloc2(k, &s, k, &w));
  for (PetscInt i = 0; i < k; i++)
    PetscCall(SVDGetSingularTriplet(svd, i, &s[i], u[i], v[i]));
  PetscCall(PetscRandomCreate(PETSC_COMM_WORLD, &rnd));
  PetscCall(PetscRandomSetFromOptions(rnd));
  PetscCall(VecSetRandom(x, rnd));
  PetscCall(VecNorm(x, NORM_2, &nx));
  for (int it = 0; it < 40; it++) {
    PetscCall(VecScale(x, 1.0 / nx));
    PetscCall(residual_apply(A, k, u, v, s, x, y, w));
    PetscCall(VecNorm(y, NORM_2, &ny));
    if (ny > est) est = ny;
    if (ny == 0.0) break;
    PetscCall(residual_apply_transpose(A, k, u, v, s, y, x, w));
    PetscCall(VecNorm(x, NORM_2, &nx));
    if (nx / ny > est) est = nx / ny;
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "slepc %s: time %.4f s, %" PetscInt_FMT " converged, ||E||_2/sigma_k+1 = "
                        "%.4f\nRESULT slepc_%s_time %.6f\nRESULT slepc_%s_ratio2 %.6f\n",
                        type, t1 - t0, nconv, (double)(est / next), type, t1 - t0, type,
                        (double)(est / next)));
  PetscCall(PetscRandomDestroy(&rnd));
  PetscCall(PetscFree2(s, w));
  PetscCall(VecDestroyVecs(k, &u));
  PetscCall(VecDestroyVecs(k, &v));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&y));
  PetscCall(SVDDestroy(&svd));
  PetscCall(MatDestroy(&A));
  PetscCall(SlepcFinalize());
  return 0;
}
