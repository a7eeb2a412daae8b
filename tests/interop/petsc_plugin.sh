#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The PETSc plugin in an unmodified PETSc program (tests/interop/petsc_lsq, which never calls
# rla): it is loaded with -dll_append in a separate process. On a 20000 x 200 least-squares problem with
# kappa 1e8 written by rla-gen in PETSc binary, on 1, 2 and 3 ranks, AIJ and dense storage:
# KSPLSQR with -pc_type rlasketch reaches rtol 1e-10 in at most 60 iterations with Pmat A and
# with the normal matrix (petsc_noprec.sh shows that it does not in 1000 without);
# -ksp_type rlalsq is backward stable and agrees with rla-lsq --method direct to within the
# perturbation bound. Bad usage (a square-only KSP,
# a Pmat that is neither A nor its normal matrix, more columns than rows) fails with a clear
# PETSc error; -help lists the options (with rla-lsq's help texts and defaults) and -ksp_view
# shows them.
name=petsc_plugin
. "${srcdir:-.}/tests/interop/petsc_plugin_lib.sh"
. "${srcdir:-.}/tests/lib/lsq_bounds.sh"

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
    # solutions can be (tests/lib/lsq_bounds.sh; the bound on berr is 4.7e-11 here, and KSPLSQR
    # stopped at rtol 1e-10 leaves 4e-9 to 6e-9)
    if solve "$np" -mat_type $type -ksp_type rlalsq -x_ref "$dir/xd.petsc" &&
      [ "$(field reason)" = CONVERGED_RTOL_NORMAL ] &&
      lsq_stable_close "$(field berr)" "$(field xdiff)" $kappa $resid 20000 200; then
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
  grep -q 'method accurate, sketch from A (sparse for AIJ, else srht), oversample 8., seed 3' \
    "$dir/out" && grep -q "last solve: 20000 x 200, sketch sparse (A's default)" "$dir/out" &&
  grep -q 'backward error ||A^T r||' "$dir/out"; then
  ok "-help lists the KSP options and -ksp_view shows them with the iterations and backward error"
else
  cat "$dir/out"
  ko "-help / -ksp_view of the KSP options"
fi
# one description of the solver's options: the KSP's -help shows the help text and the default
# that rla-lsq --help shows for the oversampling
line=$(on 1 "$lsq" --help 2>&1 | grep -- '^  --oversample ')
lsq_help=$(echo "$line" | sed -E 's/^  --oversample VALUE +//; s/ \(default [^)]*\)$//')
lsq_default=$(echo "$line" | sed -nE 's/.*\(default ([^)]*)\)$/\1/p')
ksp_help=
ksp_default=
if solve 1 -ksp_type rlalsq -help; then
  line=$(grep -- '-ksp_rlalsq_oversample <' "$dir/out" | head -n 1)
  ksp_help=$(echo "$line" | sed -E 's/^.*-ksp_rlalsq_oversample <[^>]*>: //; s/ \(rla\/lsq\.h\)$//')
  ksp_default=$(echo "$line" | sed -nE 's/.*-ksp_rlalsq_oversample <([^ ]*) :.*/\1/p')
fi
if [ -n "$lsq_help" ] && [ "$lsq_help" = "$ksp_help" ] && [ -n "$lsq_default" ] &&
  awk -v a="$lsq_default" -v b="$ksp_default" 'BEGIN { exit !(b != "" && a + 0 == b + 0) }'; then
  ok "-ksp_rlalsq_oversample: rla-lsq's help text and default ($lsq_default)"
else
  echo "rla-lsq: default '$lsq_default', help '$lsq_help'"
  echo "plugin:  default '$ksp_default', help '$ksp_help'"
  ko "-ksp_rlalsq_oversample: the help text or the default differs from rla-lsq --help"
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
if on 2 "$build/tests/interop/petsc_link" >"$dir/out" 2>&1; then
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
