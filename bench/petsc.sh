#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# KSPLSQR on a tall least-squares problem (rla-gen: m x n, condition number cond, residual
# 1e-3, PETSc binary) with the sketch preconditioner (-pc_type rlasketch), with no
# preconditioner and with PCJACOBI (Pmat MatCreateNormal(A), whose diagonal Jacobi uses), and
# the KSP type rlalsq, all in one run, to rtol 1e-10 (the unpreconditioned and Jacobi runs stop
# at BENCH_MAXIT iterations: their times are then lower bounds). Prints one line per solver
# (iterations, reason, backward error, error against the exact x*, seconds of KSPSetUp +
# KSPSolve) and the time ratios to the sketch PC. The plugin is loaded with -dll_append into
# tests/interop/petsc_lsq, a plain PETSc program.
# Usage (from the build directory, after make check or make tests/interop/petsc_lsq):
#   sh bench/petsc.sh            (BENCH_NP ranks, default 2; BENCH_M, BENCH_N, BENCH_COND,
#                                 BENCH_MAXIT, BENCH_TYPE aij|dense, default 20000 200 1e8 3000 aij)
set -e
build=${BENCH_BUILD:-.}
np=${BENCH_NP:-2}
m=${BENCH_M:-20000}
n=${BENCH_N:-200}
cond=${BENCH_COND:-1e8}
maxit=${BENCH_MAXIT:-3000}
type=${BENCH_TYPE:-aij}
. "$(dirname "$0")/env.sh"
LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
mpiexec="${MPIEXEC:-mpiexec} --oversubscribe -np $np"
dir=$(mktemp -d "${TMPDIR:-/tmp}/bench_petsc.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
$mpiexec "$build/drivers/rla-gen" lsq -m "$m" -n "$n" --cond "$cond" --residual 1e-3 -v 0 \
  -A "$dir/A.petsc" -b "$dir/b.petsc" -x "$dir/x.petsc" >/dev/null
echo "KSPLSQR, rtol 1e-10, $m x $n, cond $cond, $type, $np ranks"
run() { # label, options...
  label=$1
  shift
  line=$($mpiexec "$build/tests/interop/petsc_lsq" -f "$dir/A.petsc" -b "$dir/b.petsc" \
    -x_ref "$dir/x.petsc" -viewer_binary_skip_info -mat_type "$type" \
    -dll_append "$build/src/petsc/.libs/librla_petsc.so" "$@" | grep '^its ')
  printf '%-22s %s\n' "$label" "$line"
  echo "$label $line" >>"$dir/results"
}
run rlasketch -pc_type rlasketch -ksp_rtol 1e-10
run none -pc_type none -ksp_rtol 1e-10 -ksp_max_it "$maxit"
run jacobi -pmat normal -pc_type jacobi -ksp_rtol 1e-10 -ksp_max_it "$maxit"
run rlalsq -ksp_type rlalsq
awk '{ for (i = 2; i < NF; i++) if ($i == "time") t[$1] = $(i + 1); r[$1] = $5 }
  END { printf "ratios of KSPSetUp + KSPSolve time to rlasketch (%.3f s):\n", t["rlasketch"]
        split("none jacobi rlalsq", k, " ")
        for (j = 1; j <= 3; j++)
          printf "  %-8s %8.2f%s\n", k[j], t[k[j]] / t["rlasketch"],
                 r[k[j]] ~ /^DIVERGED_ITS/ ? " (not converged: a lower bound)" : "" }' "$dir/results"
