# SPDX-License-Identifier: BSD-3-Clause
# Shell helpers of the PETSc plugin tests, sourced after setting name: paths, a scratch
# directory dir (removed at exit), pass/fail counters (ok, ko), on NP PROG ARGS..., solve NP
# OPTIONS... (tests/interop/petsc_lsq on the generated problem; its result line in $dir/line), field
# NAME (a value of that line), bad NP TEXT OPTIONS... (a PETSc error containing TEXT), and the
# test problem: A.petsc, b.petsc, x.petsc (20000 x 200, kappa 1e8, residual 1e-3, by rla-gen),
# xd.petsc and direct.json (rla-lsq --method direct), wide.petsc and bw.petsc (50 x 100).
. "${abs_top_srcdir:-${srcdir:-.}}/tests/lib/nps.sh"
build=${abs_top_builddir:-.}
prog=$build/tests/interop/petsc_lsq
lib=$build/src/petsc/.libs/librla_petsc.so
gen=$build/drivers/rla-gen
lsq=$build/drivers/rla-lsq
tool=$build/tests/interop/io_tool
dir=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
# librla_petsc.so finds the uninstalled librla through this path (installed, through its rpath)
LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "PASS: $1"; }
ko() { fail=$((fail + 1)); echo "FAIL: $1"; }

on() { # ranks, program and arguments...
  np=$1
  shift
  timeout --kill-after=10 300 "${MPIEXEC:-mpiexec}" --oversubscribe -np "$np" "$@"
}

solve() { # ranks, options...: the program's result line in $dir/line, its output in $dir/out
  np=$1
  shift
  on "$np" "$prog" -f "$dir/A.petsc" -b "$dir/b.petsc" -viewer_binary_skip_info \
    -dll_append "$lib" "$@" >"$dir/out" 2>&1
  rc=$?
  grep '^its ' "$dir/out" | tail -n 1 >"$dir/line"
  return $rc
}

field() { # name: the value after it in $dir/line
  awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$dir/line"
}

# bad NP TEXT OPTIONS...: the program fails on every rank with a PETSc error containing TEXT
bad() {
  np=$1
  want=$2
  shift 2
  if on "$np" "$prog" -viewer_binary_skip_info -dll_append "$lib" "$@" >"$dir/out" 2>&1; then
    cat "$dir/out"
    ko "bad usage on $np ranks succeeded: $want"
  elif grep -q "PETSC ERROR: .*$want" "$dir/out"; then
    ok "bad usage on $np ranks: PETSc error '$want'"
  else
    cat "$dir/out"
    ko "bad usage on $np ranks: no PETSc error '$want'"
  fi
}

kappa=1e8
resid=1e-3
if ! on 2 "$gen" lsq -m 20000 -n 200 --cond $kappa --residual $resid -v 0 -A "$dir/A.petsc" \
  -b "$dir/b.petsc" -x "$dir/x.petsc" >"$dir/out" 2>&1 ||
  ! on 2 "$lsq" -A "$dir/A.petsc" -b "$dir/b.petsc" --method direct -v 0 -x "$dir/xd.petsc" \
    --report "$dir/direct.json" >>"$dir/out" 2>&1 ||
  ! on 2 "$tool" fill "$dir/wide.petsc" 50 100 >>"$dir/out" 2>&1 ||
  ! on 2 "$tool" fill "$dir/bw.petsc" 50 1 vector >>"$dir/out" 2>&1; then
  cat "$dir/out"
  echo "$name: cannot write the test problem"
  echo "$name: 0 passed, 1 failed"
  exit 1
fi
berr_direct=$(sed -n 's/^[[:space:]]*"backward_error":[[:space:]]*\([^,]*\),.*/\1/p' "$dir/direct.json")
echo "rla-lsq --method direct: backward error $berr_direct"

