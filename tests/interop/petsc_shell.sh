#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The plugin on a matrix-free operator: tests/interop/petsc_lsq -shell hands the KSP a MATSHELL
# that only calls the AIJ A's MatMult and MatMultTranspose (no entries to read), on the problem
# of petsc_plugin_lib.sh (20000 x 200, kappa 1e8) at 1, 2 and 3 ranks:
# -ksp_type rlalsq (products through MatMult, the sketch from products with the identity) is
# backward stable and agrees with rla-lsq --method direct within the perturbation bound
# (tests/lib/lsq_bounds.sh, as petsc_plugin.sh asks of AIJ and dense); KSPLSQR with
# -pc_type rlasketch on it reaches rtol 1e-10 in at most 60 iterations (petsc_noprec.sh: more
# than 1000 without).
name=petsc_shell
. "${srcdir:-.}/tests/interop/petsc_plugin_lib.sh"
. "${srcdir:-.}/tests/lib/lsq_bounds.sh"

for np in $(nps 1 2 3); do
  if solve "$np" -shell -ksp_type rlalsq -x_ref "$dir/xd.petsc" &&
    [ "$(field reason)" = CONVERGED_RTOL_NORMAL ] &&
    lsq_stable_close "$(field berr)" "$(field xdiff)" $kappa $resid 20000 200; then
    ok "-ksp_type rlalsq on a MATSHELL, $np ranks: backward stable and close to PDGELS: $(cat "$dir/line")"
  else
    cat "$dir/out"
    ko "-ksp_type rlalsq on a MATSHELL, $np ranks: $(cat "$dir/line")"
  fi
  if solve "$np" -shell -pc_type rlasketch -ksp_rtol 1e-10 &&
    [ "$(field reason)" = CONVERGED_RTOL_NORMAL ] && [ "$(field its)" -le 60 ]; then
    ok "KSPLSQR with -pc_type rlasketch on a MATSHELL, $np ranks: $(cat "$dir/line")"
  else
    cat "$dir/out"
    ko "KSPLSQR with -pc_type rlasketch on a MATSHELL, $np ranks: $(cat "$dir/line")"
  fi
done

echo "$name: $pass passed, $fail failed"
test "$fail" -eq 0
