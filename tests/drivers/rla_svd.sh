#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# rla-svd end to end: the bundled matrix (sigma_j = 1/j) at fixed rank on 1, 2 and 3 ranks (the
# same seed gives the same singular values), Gaussian sketch, tolerance mode, outputs checked
# with NumPy; bad inputs give a non-zero exit on every rank, one message and no output file.
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
for np in $(nps 2 3); do
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

pycheck make-bad "$tmp" "$in/svd-A.npy"
for np in $(nps 1 2 3); do
  bad $np -U "cannot open" -A "$tmp/missing.npy" -k 5
  bad $np -U "non-finite" -A "$tmp/A-nan.npy" -k 5
  bad $np -U "exceeds min(m, n)" -A "$in/svd-A.npy" -k 301
done
bad 2 -U "not both" -A "$in/svd-A.npy" -k 5 --tol 0.1
bad 2 -U "give -k K" -A "$in/svd-A.npy"
bad 2 -U "outside" -A "$in/svd-A.npy" --tol 1.5
bad 2 -U "outside" -A "$in/svd-A.npy" -k 0
bad 2 -U "A-3d.npy" -A "$tmp/A-3d.npy" -k 5
bad 2 -U "A-int.npy" -A "$tmp/A-int.npy" -k 5
bad 3 -U "must be one of" -A "$in/svd-A.npy" -k 5 --sketch fourier
finish
