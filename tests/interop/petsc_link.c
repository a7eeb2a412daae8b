/* SPDX-License-Identifier: BSD-3-Clause */
/* A PETSc program linked with librla_petsc: it registers the types with rla_petsc_register()
   and selects them in code (no -dll_append), on a 3000 x 40 least-squares problem whose column
   scales span 1e-6..1 (kappa about 1e6). Prints "linked: its N reason R" for the sketch PC
   with KSPLSQR, then for the KSP type; exits non-zero unless both converged, the PC within 60
   iterations. */
#include <math.h>

#include "rla/petsc.h"
#include "../../src/base/leak_check.h"

static PetscErrorCode solve(Mat A, Vec b, PetscBool use_ksp, PetscInt *its,
                            KSPConvergedReason *reason)
{
  KSP ksp;
  PC pc;
  Vec x;

  PetscFunctionBegin;
  PetscCall(MatCreateVecs(A, &x, NULL));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOperators(ksp, A, A));
  PetscCall(KSPSetType(ksp, use_ksp ? RLA_KSPLSQ : KSPLSQR));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, use_ksp ? PCNONE : RLA_PCSKETCH));
  PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, 500));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSolve(ksp, b, x));
  PetscCall(KSPGetIterationNumber(ksp, its));
  PetscCall(KSPGetConvergedReason(ksp, reason));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "linked: its %" PetscInt_FMT " reason %s\n", *its,
                        KSPConvergedReasons[*reason]));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const PetscInt m = 3000, d = 40;
  PetscInt lo, hi, its_pc, its_ksp;
  KSPConvergedReason r_pc, r_ksp;
  Mat A;
  Vec b;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(rla_petsc_register());
  PetscCall(MatCreateDense(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, m, d, NULL, &A));
  PetscCall(MatGetOwnershipRange(A, &lo, &hi));
  for (PetscInt i = lo; i < hi; i++)
    for (PetscInt j = 0; j < d; j++) {
      /* smooth-plus-oscillating entries, column j scaled by 10^(-6 j / (d - 1)) */
      PetscScalar v = (sin(0.37 * (double)(i + 1) * (double)(j + 1)) + 0.1 * cos((double)i)) *
                      pow(10.0, -6.0 * (double)j / (double)(d - 1));
      PetscCall(MatSetValue(A, i, j, v, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatCreateVecs(A, NULL, &b));
  PetscCall(VecGetOwnershipRange(b, &lo, &hi));
  for (PetscInt i = lo; i < hi; i++) PetscCall(VecSetValue(b, i, cos(0.01 * (double)i), INSERT_VALUES));
  PetscCall(VecAssemblyBegin(b));
  PetscCall(VecAssemblyEnd(b));
  PetscCall(solve(A, b, PETSC_FALSE, &its_pc, &r_pc));
  PetscCall(solve(A, b, PETSC_TRUE, &its_ksp, &r_ksp));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  rla_leak_check(); /* before PETSc and Open MPI let go of what they hold */
  PetscCall(PetscFinalize());
  return (r_pc > 0 && its_pc <= 60 && r_ksp > 0) ? 0 : 1;
}
