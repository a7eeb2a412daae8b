#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Sparse least squares: rla-lsq's accurate method (the sparse path, sparse sign sketch) against
# SuiteSparseQR (rla-lsq --method direct, when the build has it) and PETSc's KSPLSQR with no
# preconditioner, with Jacobi (Pmat the normal matrix) and with the plugin's rlasketch, to rtol
# 1e-10 and at most BENCH_MAXIT iterations (tests/interop/petsc_lsq, a plain PETSc program).
# Each solver runs as users run it: one launch per problem, cold; rla-lsq's accurate method also
# warm, repeated in one process (BENCH_REPEAT solves, the first one left out). Problems (m x n,
# BENCH_NNZ nonzeros per row at random columns, columns scaled to the condition number, b with a
# nonzero residual; bench/gen_sparse_lsq.py, independent of rla-gen): cond 1e4, cond 1e6, cond
# 1e4 with 8 dense rows, and cond 1e6 from nearly collinear column pairs (which Jacobi cannot
# undo, as it undoes column scaling). Prints per solver: seconds (time_solve for rla-lsq, the
# best warm solve, KSPSetUp + KSPSolve for PETSc), iterations, backward error
# ||A^T r|| / (||A||_F ||r||), and the ratios to rla-lsq's cold solve.
# Usage (from the build directory): sh ../bench/sparse_lsq.sh
#   BENCH_NP (2), BENCH_M (1048576), BENCH_N (1000), BENCH_NNZ (8), BENCH_MAXIT (10000),
#   BENCH_FAMILIES (cond:dense-rows:kind ..., default all four above), BENCH_REPEAT (6)
set -e
build=${BENCH_BUILD:-.}
np=${BENCH_NP:-2}
m=${BENCH_M:-1048576}
n=${BENCH_N:-1000}
nnz=${BENCH_NNZ:-8}
maxit=${BENCH_MAXIT:-10000}
py=${PYTHON:-python3}
here=$(dirname "$0")
. "$here/env.sh"
LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
mpiexec="${MPIEXEC:-mpiexec} --oversubscribe -np $np"
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench_sparse_lsq.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

# field NAME: a number from the last rla-lsq report
field() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], "-"))' "$dir/r.json" "$1"; }

rla() { # label, options...
  label=$1
  shift
  if $mpiexec "$build/drivers/rla-lsq" -A "$dir/A.petsc" -b "$dir/b.petsc" -x "$dir/x.npy" \
    --report "$dir/r.json" -v 0 "$@" >"$dir/out" 2>&1; then
    printf '%-12s time %8.3f s  its %5s  berr %.2e  (sketch %s s, %s rows; backend %s)\n' "$label" \
      "$(field time_solve)" "$(field iterations)" "$(field backward_error)" "$(field time_sketch)" \
      "$(field sketch_rows)" "$(field backend)"
    echo "$label $(field time_solve)" >>"$dir/results"
  else
    printf '%-12s failed: %s\n' "$label" "$(tail -n 1 "$dir/out")"
  fi
}

# the accurate method's warm solves: the best of BENCH_REPEAT - 1 repeated solves in one process,
# after a first one (bench/bench_sparse_lsq)
warm() {
  if $mpiexec "$build/bench/bench_sparse_lsq" "$dir/A.petsc" "$dir/b.petsc" \
    --repeat "${BENCH_REPEAT:-6}" >"$dir/warm" 2>&1; then
    t=$(awk '$1 == "warm_solve_best_s" { print $2 }' "$dir/warm")
    printf '%-12s time %8.3f s  (%s; first %s s, plan %s s)\n' warm "$t" \
      "$(awk '/^iterations/' "$dir/warm")" "$(awk '$1 == "first_solve_s" { print $2 }' "$dir/warm")" \
      "$(awk '$1 == "setup_s" { print $2 }' "$dir/warm")"
    echo "warm $t" >>"$dir/results"
  else
    printf '%-12s failed: %s\n' warm "$(tail -n 1 "$dir/warm")"
  fi
}

petsc() { # label, options...
  label=$1
  shift
  line=$($mpiexec "$build/tests/interop/petsc_lsq" -f "$dir/A.petsc" -b "$dir/b.petsc" \
    -viewer_binary_skip_info -dll_append "$build/src/petsc/.libs/librla_petsc.so" "$@" |
    grep '^its ') || line="failed"
  printf '%-12s %s\n' "$label" "$line"
  echo "$label $line" | awk '{ for (i = 2; i < NF; i++) if ($i == "time") print $1, $(i + 1) }' \
    >>"$dir/results"
}

families=${BENCH_FAMILIES:-1e4:0:scaled 1e6:0:scaled 1e4:8:scaled 1e6:0:pairs}
for family in $families; do
  set -- $(echo "$family" | tr : ' ')
  rm -f "$dir/results"
  what=$("$py" "$here/gen_sparse_lsq.py" "$dir" "$m" "$n" "$nnz" "$1" "$2" 1 "$3") ||
    { echo "bench/sparse_lsq.sh: cannot write the problem (PYTHON=$py, with NumPy)" >&2; exit 1; }
  echo "== $what, $np ranks"
  rla accurate --method accurate
  warm
  rla direct --method direct
  petsc rlasketch -ksp_type lsqr -pc_type rlasketch -ksp_rtol 1e-10
  petsc none -ksp_type lsqr -pc_type none -ksp_rtol 1e-10 -ksp_max_it "$maxit"
  petsc jacobi -ksp_type lsqr -pmat normal -pc_type jacobi -ksp_rtol 1e-10 -ksp_max_it "$maxit"
  awk '{ t[$1] = $2 } END { if (!("accurate" in t)) exit
         printf "time / rla-lsq accurate (%.3f s):", t["accurate"]
         n = split("warm direct rlasketch none jacobi", k, " ")
         for (j = 1; j <= n; j++) if (k[j] in t) printf "  %s %.2f", k[j], t[k[j]] / t["accurate"]
         printf "\n" }' "$dir/results"
done
