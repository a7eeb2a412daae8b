#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The plugin in PETSc's own, unmodified least-squares tutorial ex27 ("Reads a PETSc matrix and
# vector from a file and solves the normal equations": KSPLSQR with KSPSetOperators(ksp, A, N),
# N = MatCreateNormalHermitian(A)), compiled here from the Debian package
# libpetsc3.18-dev-examples, on the AIJ problem of petsc_plugin_lib.sh (20000 x 200, kappa
# 1e8, A and b in one file as ex27 reads them) at 1, 2 and 3 ranks:
# - -pc_type rlasketch: rtol 1e-10 in at most 60 iterations, where -pc_type none takes more
#   than 1000 (checked here once, as petsc_noprec.sh does for petsc_lsq); -log_view lists
#   RLASketch, RLAFactor and RLAApply with nonzero counts;
# - -ksp_type rlalsq: -log_view lists RLASketch, RLAFactor and RLAIterate with nonzero counts;
#   -ksp_monitor prints one line per iteration (iterations + 1 lines, 0 to its), the estimates
#   falling from the first to a last one at or below the target 2 eps;
# - through tests/interop/petsc_lsq: KSPGetResidualHistory holds the same its + 1 estimates.
name=petsc_ex27
. "${srcdir:-.}/tests/interop/petsc_plugin_lib.sh"

ex27_src=${RLA_PETSC_EXAMPLES:-/usr/share/petsc/3.18/share/petsc/examples}/src/ksp/ksp/tutorials/ex27.c
if [ ! -f "$ex27_src" ]; then
  echo "$name: $ex27_src is missing (Debian package libpetsc3.18-dev-examples): skipped"
  exit 77
fi
# shellcheck disable=SC2086
if ! ${RLA_CC:-mpicc} -o "$dir/ex27" "$ex27_src" $RLA_PETSC_CFLAGS $RLA_PETSC_LIBS -lm \
  >"$dir/out" 2>&1; then
  cat "$dir/out"
  echo "$name: cannot compile $ex27_src"
  echo "$name: 0 passed, 1 failed"
  exit 1
fi
cat "$dir/A.petsc" "$dir/b.petsc" >"$dir/Ab.petsc"

ex27() { # ranks, options...: ex27's output in $dir/out, its iteration count in $its
  np=$1
  shift
  on "$np" "$dir/ex27" -f "$dir/Ab.petsc" -viewer_binary_skip_info -dll_append "$lib" "$@" \
    >"$dir/out" 2>&1
  rc=$?
  its=$(sed -n 's/^Number of iterations = *\([0-9]*\)$/\1/p' "$dir/out")
  return $rc
}

# events NAME...: each event is in the -log_view table of $dir/out with a nonzero count
events() {
  for e in "$@"; do
    awk -v e="$e" '$1 == e && $2 + 0 > 0 { found = 1 } END { exit !found }' "$dir/out" || return 1
  done
}

# monitor ITS: -ksp_monitor printed ITS + 1 lines numbered 0 to ITS, the last estimate at or
# below 2 eps (the solver's target) and below the first
monitor() {
  grep 'KSP Residual norm' "$dir/out" | awk -v its="$1" '
    { if ($1 != n) bad = 1; v[n++] = $NF + 0 }
    END { exit !(!bad && n == its + 1 && v[n - 1] <= 4.440892098500627e-16 && v[n - 1] < v[0]) }'
}

for np in $(nps 1 2 3); do
  if ex27 "$np" -pc_type rlasketch -ksp_rtol 1e-10 -log_view && [ -n "$its" ] &&
    [ "$its" -le 60 ] && events RLASketch RLAFactor RLAApply; then
    ok "ex27 -pc_type rlasketch, $np ranks: $its iterations, RLASketch/RLAFactor/RLAApply logged"
  else
    cat "$dir/out"
    ko "ex27 -pc_type rlasketch, $np ranks: ${its:-no} iterations or events missing"
  fi
  if ex27 "$np" -ksp_type rlalsq -ksp_monitor -log_view && [ -n "$its" ] &&
    events RLASketch RLAFactor RLAIterate && monitor "$its"; then
    ok "ex27 -ksp_type rlalsq, $np ranks: $its iterations monitored, RLASketch/RLAFactor/RLAIterate logged"
  else
    cat "$dir/out"
    ko "ex27 -ksp_type rlalsq, $np ranks: ${its:-no} iterations, monitor or events wrong"
  fi
  # the residual history: one estimate per iteration and the start, falling to 2 eps
  if solve "$np" -ksp_type rlalsq && [ "$(field nhist)" -eq $(($(field its) + 1)) ] &&
    awk -v f="$(field hfirst)" -v l="$(field hlast)" \
      'BEGIN { exit !(l <= 4.440892098500627e-16 && l < f) }'; then
    ok "KSPGetResidualHistory of rlalsq, $np ranks: $(cat "$dir/line")"
  else
    cat "$dir/out"
    ko "KSPGetResidualHistory of rlalsq, $np ranks: $(cat "$dir/line")"
  fi
done

# the baseline in ex27 itself: LSQR without a preconditioner has not reached rtol 1e-10 after
# 1000 iterations (the cap of 1001 proves "more than 1000")
if ex27 2 -pc_type none -ksp_rtol 1e-10 -ksp_max_it 1001 && [ "$its" = 1001 ]; then
  ok "ex27 -pc_type none, 2 ranks: not converged in 1000 iterations"
else
  cat "$dir/out"
  ko "ex27 -pc_type none, 2 ranks: ${its:-no} iterations"
fi

echo "$name: $pass passed, $fail failed"
test "$fail" -eq 0
