#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The PETSc plugin in an unmodified PETSc program (tests/petsc_lsq, which never calls rla): it is
# loaded with -dll_append in a separate process. On a 20000 x 200 least-squares problem with
# kappa 1e8 written by rla-gen in PETSc binary, on 1, 2 and 3 ranks, AIJ and dense storage:
# KSPLSQR with -pc_type rlasketch reaches rtol 1e-10 in at most 60 iterations with Pmat A and
# with the normal matrix (test_petsc_noprec.sh shows that it does not in 1000 without);
# -ksp_type rlalsq is backward stable and agrees with rla-lsq --method direct to within the
# perturbation bound. Bad usage (a square-only KSP,
# a Pmat that is neither A nor its normal matrix, more columns than rows) fails with a clear
# PETSc error; -help lists the options and -ksp_view shows them.
name=test_petsc_plugin
. "${srcdir:-.}/tests/petsc_plugin_lib.sh"

for np in $(nps 1 2 3); do
  for type in aij dense; do
    # the sketch preconditioner, Pmat = A (the PC swaps in the normal matrix) and Pmat = A^T A
    for pmat in a normal; do
      if solve "$np" -mat_type $type -pmat $pmat -pc_type rlasketch -ksp_rtol 1e-10 &&
        [ "$(field reason)" = CONVERGED_RTOL_NORMAL ] && [ "$(field its)" -le 60 ]; then
        ok "KSPLSQR with -pc_type rlasketch, Pmat $pmat, $type, $np ranks: $(cat "$dir/line")"
      else
        cat "$dir/out"
        ko "KSPLSQR with -pc_type rlasketch, Pmat $pmat, $type, $np ranks: $(cat "$dir/line")"
      fi
    done
    # the KSP type: backward stable, and as close to PDGELS's solution as two backward-stable
    # solutions can be. berr = ||A^T r^|| / (||A||_F ||r^||) with r^ = fl(b - A x): for an x that
    # solves the problem of A + dA, A^T r = -dA^T r, so berr <= ||dA||_F / ||A||_F <=
    # sqrt(m n) eps (the backward error of a backward-stable solver, as in check_rla_lsq.py),
    # plus the rounding of the measurement: gamma_m = m u for A^T r^, and ||A^T dr|| with
    # ||dr|| <= gamma_{n+1} (||b|| + ||A||_F ||x||) for r^, which relative to ||A||_F ||r|| is
    # at most (n + 1) u (2 + rho) / rho here (||A||_2 = ||x*|| = 1, ||r|| = rho, ||b|| <= 1 + rho,
    # ||A||_F >= 1; u = eps / 2): 4.7e-11. KSPLSQR stopped at rtol 1e-10 leaves 4e-9 to 6e-9.
    # x differs from PDGELS's by at most Wedin's first-order bound for a backward error of
    # eps in each, 2 eps kappa (1 + kappa ||r|| / (||A||_2 ||x||)), ||A||_2 = ||x|| = 1
    if solve "$np" -mat_type $type -ksp_type rlalsq -x_ref "$dir/xd.petsc" &&
      [ "$(field reason)" = CONVERGED_RTOL_NORMAL ] &&
      awk -v b="$(field berr)" -v x="$(field xdiff)" -v k=$kappa -v r=$resid -v m=20000 -v n=200 \
        'BEGIN { e = 2.220446049250313e-16; u = e / 2
                 bound = sqrt(m * n) * e + m * u + (n + 1) * u * (2 + r) / r
                 exit !(b <= bound && x >= 0 && x <= 2 * e * k * (1 + k * r)) }'; then
      ok "-ksp_type rlalsq, $type, $np ranks: backward stable and close to PDGELS: $(cat "$dir/line")"
    else
      cat "$dir/out"
      ko "-ksp_type rlalsq, $type, $np ranks: backward stable and close to PDGELS: $(cat "$dir/line")"
    fi
  done
done

# options: listed by -help, shown by -ksp_view
if solve 2 -pc_type rlasketch -pc_rlasketch_oversample 3 -pc_rlasketch_sketch_type gaussian \
  -pc_rlasketch_seed 7 -ksp_rtol 1e-10 -ksp_view -help &&
  grep -q -- '-pc_rlasketch_oversample <3\. : 4\.>' "$dir/out" &&
  grep -q -- '-pc_rlasketch_sketch_type' "$dir/out" &&
  grep -q 'rla sketch: gaussian, oversample 3., seed 7' "$dir/out" &&
  grep -q 'factor: QR' "$dir/out"; then
  ok "-help lists the PC options and -ksp_view shows them"
else
  cat "$dir/out"
  ko "-help / -ksp_view of the PC options"
fi
if solve 2 -ksp_type rlalsq -ksp_rlalsq_oversample 8 -ksp_rlalsq_seed 3 -ksp_view -help &&
  grep -q -- '-ksp_rlalsq_tol' "$dir/out" && grep -q -- '-ksp_rlalsq_method' "$dir/out" &&
  grep -q 'method accurate, sketch srht, oversample 8., seed 3' "$dir/out" &&
  grep -q 'backward error ||A^T r||' "$dir/out"; then
  ok "-help lists the KSP options and -ksp_view shows them with the iterations and backward error"
else
  cat "$dir/out"
  ko "-help / -ksp_view of the KSP options"
fi
# the truncated-SVD path of the PC gives the same convergence on this full-rank problem
if solve 3 -mat_type dense -pc_type rlasketch -pc_rlasketch_svd -ksp_rtol 1e-10 &&
  [ "$(field reason)" = CONVERGED_RTOL_NORMAL ] && [ "$(field its)" -le 60 ]; then
  ok "-pc_rlasketch_svd: $(cat "$dir/line")"
else
  cat "$dir/out"
  ko "-pc_rlasketch_svd: $(cat "$dir/line")"
fi

# a program linked with the plugin registers the types itself (no -dll_append)
if on 2 "$build/tests/petsc_link" >"$dir/out" 2>&1; then
  ok "linked program with rla_petsc_register(): $(grep '^linked' "$dir/out" | tr '\n' ' ')"
else
  cat "$dir/out"
  ko "linked program with rla_petsc_register()"
fi

# bad usage
A="-f $dir/A.petsc -b $dir/b.petsc"
W="-f $dir/wide.petsc -b $dir/bw.petsc"
bad 2 "KSP type cg solves square systems" $A -ksp_type cg -pc_type rlasketch
bad 3 "KSP type gmres solves square systems" $A -ksp_type gmres -pc_type rlasketch
bad 2 "is neither the least-squares matrix A" $A -pmat other -pc_type rlasketch
bad 3 "PC rlasketch: A has more columns than rows (50 x 100)" $W -pc_type rlasketch
bad 2 "KSP rlalsq: A has more columns than rows (50 x 100)" $W -ksp_type rlalsq
bad 2 "-pc_rlasketch_oversample 0.5: give a value >= 1" $A -pc_type rlasketch -pc_rlasketch_oversample 0.5

echo "$name: $pass passed, $fail failed"
test "$fail" -eq 0
