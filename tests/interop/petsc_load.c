/* SPDX-License-Identifier: BSD-3-Clause */
/* PETSc side of tests/interop/petsc_io.sh: load a binary Mat (MatLoad, type from -mat_type) or Vec
   (VecLoad) as written by rla, print its sizes and Frobenius norm, and optionally write it back
   with MatView/VecView so that rla can compare what PETSc writes with what it wrote. */
#include <petscmat.h>
#include "../../src/base/leak_check.h"

static const char help[] =
    "Load a PETSc binary Mat or Vec, print 'M N norm' (Frobenius norm, %.17g).\n"
    "  -f FILE          the file to load\n"
    "  -mat_type TYPE   aij or dense (default aij)\n"
    "  -vec             load a Vec instead of a Mat\n"
    "  -out FILE        write the loaded object back with MatView/VecView\n"
    "  -native          write with PETSC_VIEWER_NATIVE (a MATDENSE then uses the dense variant)\n";

int main(int argc, char **argv)
{
  char file[PETSC_MAX_PATH_LEN], out[PETSC_MAX_PATH_LEN];
  PetscBool have_file, have_out, vec = PETSC_FALSE, native = PETSC_FALSE;
  PetscViewer viewer;
  PetscReal nrm;
  PetscInt m, n = 1;

  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-f", file, sizeof(file), &have_file));
  PetscCheck(have_file, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "give the file to load with -f");
  PetscCall(PetscOptionsGetString(NULL, NULL, "-out", out, sizeof(out), &have_out));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-vec", &vec, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-native", &native, NULL));
  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, file, FILE_MODE_READ, &viewer));
  if (vec) {
    Vec x;
    PetscCall(VecCreate(PETSC_COMM_WORLD, &x));
    PetscCall(VecSetFromOptions(x));
    PetscCall(VecLoad(x, viewer));
    PetscCall(VecGetSize(x, &m));
    PetscCall(VecNorm(x, NORM_2, &nrm));
    PetscCall(PetscViewerDestroy(&viewer));
    if (have_out) {
      PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, out, FILE_MODE_WRITE, &viewer));
      PetscCall(VecView(x, viewer));
      PetscCall(PetscViewerDestroy(&viewer));
    }
    PetscCall(VecDestroy(&x));
  } else {
    Mat A;
    PetscCall(MatCreate(PETSC_COMM_WORLD, &A));
    PetscCall(MatSetType(A, MATAIJ));
    PetscCall(MatSetFromOptions(A));
    PetscCall(MatLoad(A, viewer));
    PetscCall(MatGetSize(A, &m, &n));
    PetscCall(MatNorm(A, NORM_FROBENIUS, &nrm));
    PetscCall(PetscViewerDestroy(&viewer));
    if (have_out) {
      PetscCall(PetscViewerBinaryOpen(PETSC_COMM_WORLD, out, FILE_MODE_WRITE, &viewer));
      if (native) PetscCall(PetscViewerPushFormat(viewer, PETSC_VIEWER_NATIVE));
      PetscCall(MatView(A, viewer));
      if (native) PetscCall(PetscViewerPopFormat(viewer));
      PetscCall(PetscViewerDestroy(&viewer));
    }
    PetscCall(MatDestroy(&A));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%" PetscInt_FMT " %" PetscInt_FMT " %.17g\n", m, n,
                        (double)nrm));
  rla_leak_check(); /* before PETSc and Open MPI let go of what they hold */
  PetscCall(PetscFinalize());
  return 0;
}
