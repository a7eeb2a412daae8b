#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The baseline of petsc_plugin.sh: on the same 20000 x 200, kappa 1e8 problem, KSPLSQR
# without a preconditioner does not reach rtol 1e-10 in 1000 iterations, with AIJ and dense
# storage on 1, 2 and 3 ranks (the slow part, separate so that make -j runs it alongside).
name=petsc_noprec
. "${srcdir:-.}/tests/interop/petsc_plugin_lib.sh"

for np in $(nps 1 2 3); do
  for type in aij dense; do
    # no preconditioner: rtol 1e-10 is out of reach in 1000 iterations at kappa 1e8 (LSQR gains
    # about (kappa - 1) / (kappa + 1) per step); the cap of 1001 proves "more than 1000"
    if solve "$np" -mat_type $type -pc_type none -ksp_rtol 1e-10 -ksp_max_it 1001 &&
      [ "$(field reason)" = DIVERGED_ITS ] && [ "$(field its)" -eq 1001 ]; then
      ok "KSPLSQR without a PC, $type, $np ranks: not converged in 1000 iterations ($(cat "$dir/line"))"
    else
      cat "$dir/out"
      ko "KSPLSQR without a PC, $type, $np ranks: $(cat "$dir/line")"
    fi
  done
done

echo "$name: $pass passed, $fail failed"
test "$fail" -eq 0
