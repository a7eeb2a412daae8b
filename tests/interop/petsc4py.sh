#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The PETSc plugin from Python (python/tests/petsc4py_lsq.py): petsc4py loads it with
# -dll_append and solves a least-squares problem on a Mat built in Python with -ksp_type rlalsq
# (backward stable) and with KSPLSQR preconditioned by -pc_type rlasketch (to rtol 1e-10), at 1
# and 2 ranks.
name=petsc4py
py=${PYTHON_NUMPY:-}
if [ -z "$py" ]; then
  echo "$name: skipped: no Python with NumPy (configure found none)"
  exit 77
fi
if ! "$py" -c 'import petsc4py' 2>/dev/null; then
  echo "$name: FAIL: rla is built with PETSc but $py lacks petsc4py (Debian: python3-petsc4py)"
  exit 1
fi
build=${abs_top_builddir:-.}
script=${abs_top_srcdir:-${srcdir:-.}}/python/tests/petsc4py_lsq.py
lib=$build/src/petsc/.libs/librla_petsc.so
. "${abs_top_srcdir:-${srcdir:-.}}/tests/lib/interop_lib.sh"
# librla_petsc.so finds the uninstalled librla through this path (installed, through its rpath)
LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
for np in 1 2; do
  run "petsc4py, -ksp_type rlalsq, $np ranks" on $np "$py" "$script" "$lib" -ksp_type rlalsq
  run "petsc4py, KSPLSQR with -pc_type rlasketch, $np ranks" \
    on $np "$py" "$script" "$lib" -ksp_type lsqr -pc_type rlasketch -ksp_rtol 1e-10
done
finish
