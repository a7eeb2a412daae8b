#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# rla-svd end to end: the bundled matrix (sigma_j = 1/j) at fixed rank on 1, 2 and 3 ranks (the
# same seed gives the same singular values), Gaussian sketch, tolerance mode, outputs checked
# with NumPy; sparse files (Matrix Market coordinate, PETSc AIJ) on the sparse path, their
# --verify measures against NumPy's, --dense, tolerance mode and batch mode on them; bad inputs
# give a non-zero exit on every rank, one message and no output file.
name=rla_svd.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
prog="$builddir/drivers/rla-svd"
check="$srcdir/tests/drivers/check_rla_svd.py"
in="$srcdir/inputs"
. "$srcdir/tests/lib/driver_lib.sh"

for np in $(nps 1 2 3); do
  if run $np "$in/svd.in" -A "$in/svd-A.npy" --sigma-exact "$in/svd-sigma.npy" \
    -U "$tmp/U$np.npy" -S "$tmp/S$np.npy" -V "$tmp/V$np.npy" --report "$tmp/r$np.json" \
    >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out" && [ -s "$tmp/r$np.json" ]; then
    pass "fixed rank on $np ranks: exit 0, checks PASSED, report written"
  else
    cat "$tmp/out"
    fail "fixed rank on $np ranks"
  fi
done
pycheck factors "$in/svd-A.npy" "$tmp/U2.npy" "$tmp/S2.npy" "$tmp/V2.npy" "$in/svd-sigma.npy"
# the sketch is the same on every rank count; only summation order differs (the checker bounds
# the difference from the rounding of the power steps; 400 x 300, p = 10, q = 2: the deck's)
for np in $(nps_vs1 2 3); do
  pycheck same "$tmp/S1.npy" "$tmp/S$np.npy" "$in/svd-sigma.npy" 400 300 10 2
done
for key in '"rank":	20' '"error_estimate"' '"orthogonality_loss"' '"time_total"' '"sketch":	"srht"' '"seed":	1' '"nprocs":	2'; do
  grep -q "$key" "$tmp/r2.json" && pass "report has $key" || fail "report has $key"
done

if run 2 -A "$in/svd-A.npy" -k 20 --sketch gaussian --sigma-exact "$in/svd-sigma.npy" \
  -U "$tmp/Ug.npy" -S "$tmp/Sg.npy" -V "$tmp/Vg.npy" >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out"; then
  pass "Gaussian sketch"
  pycheck factors "$in/svd-A.npy" "$tmp/Ug.npy" "$tmp/Sg.npy" "$tmp/Vg.npy" "$in/svd-sigma.npy"
else
  cat "$tmp/out"
  fail "Gaussian sketch"
fi

if run 3 -A "$in/svd-A.npy" --tol 0.2 -U "$tmp/Ut.npy" -S "$tmp/St.npy" -V "$tmp/Vt.npy" \
  >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out"; then
  pass "tolerance mode"
  pycheck tol "$in/svd-A.npy" "$tmp/Ut.npy" "$tmp/St.npy" "$tmp/Vt.npy" 0.2
else
  cat "$tmp/out"
  fail "tolerance mode"
fi
# a tolerance below what double precision can certify is raised, and the driver says so
if run 2 -A "$in/svd-A.npy" --tol 1e-12 --max-rank 60 >"$tmp/out" 2>&1; grep -q "below" "$tmp/out"; then
  pass "a tolerance below the certifiable one is reported"
else
  cat "$tmp/out"
  fail "a tolerance below the certifiable one is reported"
fi

# --- sparse files: the sparse path unless --dense -------------------------------------------
# sp.mtx: 600 x 400, block diagonal with known singular values (1/j up to j = 25, then a gap to
# 1e-5), rows and columns permuted, 6000 entries; spt.petsc: its transpose as PETSc AIJ (a wide
# operator), run with the Gaussian sketch (for which the checker's HMT bound is proven)
pycheck make-sparse "$tmp"
for spf in sp.mtx spt.petsc; do
  sps=${spf%.*}
  sk=srht
  [ $sps = spt ] && sk=gaussian
  for np in $(nps 1 2 3); do
    if run $np -A "$tmp/$spf" -k 20 --sketch $sk --sigma-exact "$tmp/sp-sigma.npy" \
      -U "$tmp/$sps-U$np.npy" -S "$tmp/$sps-S$np.npy" -V "$tmp/$sps-V$np.npy" --report "$tmp/$sps-r$np.json" \
      >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out" && grep -q '"path":	"sparse"' "$tmp/$sps-r$np.json" &&
      grep -q '"nnz":	6000' "$tmp/$sps-r$np.json" && grep -q '^path: sparse' "$tmp/out"; then
      pass "$spf on $np ranks: the sparse path, checks PASSED"
    else
      cat "$tmp/out"
      fail "$spf on $np ranks"
    fi
    pycheck verify "$tmp/$sps-A.npy" "$tmp/$sps-U$np.npy" "$tmp/$sps-S$np.npy" "$tmp/$sps-V$np.npy" \
      "$tmp/sp-sigma.npy" "$tmp/$sps-r$np.json" 25
  done
  pycheck factors "$tmp/$sps-A.npy" "$tmp/$sps-U2.npy" "$tmp/$sps-S2.npy" "$tmp/$sps-V2.npy" "$tmp/sp-sigma.npy"
  for np in $(nps_vs1 2 3); do
    pycheck same "$tmp/$sps-S1.npy" "$tmp/$sps-S$np.npy" "$tmp/sp-sigma.npy" 600 400 10 2
  done
done
# --dense reads the same file into a dense matrix: the same sketch (its entries depend on the
# seed and the indices alone), so the same singular values to rounding
if run 2 -A "$tmp/sp.mtx" -k 20 --dense -S "$tmp/spd-S.npy" --report "$tmp/spd.json" >"$tmp/out" 2>&1 &&
  ! grep -q FAILED "$tmp/out" && grep -q '"path":	"dense"' "$tmp/spd.json"; then
  pass "sparse file with --dense: the dense path"
  pycheck same "$tmp/sp-S2.npy" "$tmp/spd-S.npy" "$tmp/sp-sigma.npy" 600 400 10 2
else
  cat "$tmp/out"
  fail "sparse file with --dense"
fi
# tolerance mode on the sparse path: 1e-3 is met first at rank 25, the gap
for spf in sp.mtx spt.petsc; do
  sps=${spf%.*}
  if run 3 -A "$tmp/$spf" --tol 1e-3 -U "$tmp/$sps-Ut.npy" -S "$tmp/$sps-St.npy" -V "$tmp/$sps-Vt.npy" \
    --report "$tmp/$sps-rt.json" >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out" &&
    grep -q '"path":	"sparse"' "$tmp/$sps-rt.json" && grep -q '"rank":	25' "$tmp/$sps-rt.json"; then
    pass "tolerance mode on $spf: the sparse path, rank 25"
    pycheck tol "$tmp/$sps-A.npy" "$tmp/$sps-Ut.npy" "$tmp/$sps-St.npy" "$tmp/$sps-Vt.npy" 1e-3
  else
    cat "$tmp/out"
    fail "tolerance mode on $spf"
  fi
done
# batch mode runs the same job: sparse entries take the sparse path
printf 'sp.mtx\nspt.petsc\n' >"$tmp/sp-list.txt"
if run 2 --manifest "$tmp/sp-list.txt" --output-dir "$tmp/spb" -k 20 >"$tmp/out" 2>&1 &&
  grep -q '"path":	"sparse"' "$tmp/spb/sp/report.json" &&
  grep -q '"path":	"sparse"' "$tmp/spb/spt/report.json"; then
  pass "batch mode: sparse entries on the sparse path"
  pycheck same "$tmp/sp-S2.npy" "$tmp/spb/sp/S.npy" "$tmp/sp-sigma.npy" 600 400 10 2
else
  cat "$tmp/out"
  fail "batch mode on sparse entries"
fi

pycheck make-bad "$tmp" "$in/svd-A.npy"
for np in $(nps 1 2 3); do
  bad $np -U "cannot open" -A "$tmp/missing.npy" -k 5
  bad $np -U "non-finite" -A "$tmp/A-nan.npy" -k 5
  bad $np -U "exceeds min(m, n)" -A "$in/svd-A.npy" -k 301
  bad $np -U "exceeds min(m, n) = 400" -A "$tmp/sp.mtx" -k 401
done
bad 2 -U "exceeds min(m, n) = 400" -A "$tmp/spt.petsc" -k 401
bad 2 -U "not both" -A "$in/svd-A.npy" -k 5 --tol 0.1
bad 2 -U "give -k K" -A "$in/svd-A.npy"
bad 2 -U "outside" -A "$in/svd-A.npy" --tol 1.5
bad 2 -U "outside" -A "$in/svd-A.npy" -k 0
bad 2 -U "A-3d.npy" -A "$tmp/A-3d.npy" -k 5
# an int64 A is widened to float64 as it is read: the singular values and U of the float64
# file of the same values, bit for bit, and the report names the stored type
if run 2 -A "$tmp/A-int.npy" -k 5 -S "$tmp/Si.npy" -U "$tmp/Ui.npy" --report "$tmp/ri.json" \
  >"$tmp/out" 2>&1 &&
  run 2 -A "$tmp/A-int-as-f64.npy" -k 5 -S "$tmp/Sf.npy" -U "$tmp/Uf.npy" --report "$tmp/rf.json" \
    >>"$tmp/out" 2>&1 &&
  cmp -s "$tmp/Si.npy" "$tmp/Sf.npy" && cmp -s "$tmp/Ui.npy" "$tmp/Uf.npy" &&
  grep -q '"dtype_A":	"int64"' "$tmp/ri.json" && grep -q '"dtype_A":	"float64"' "$tmp/rf.json"; then
  pass "int64 A: the SVD of its float64 values, bit for bit; dtype_A in the report"
else
  cat "$tmp/out"
  fail "int64 A"
fi
bad 3 -U "must be one of" -A "$in/svd-A.npy" -k 5 --sketch fourier
finish
