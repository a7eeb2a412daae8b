#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# rla-lsq end to end: the bundled problem with every method at 1, 2 and 3 ranks (the same seed
# gives the same solution), checked with NumPy; several right-hand sides; and bad inputs, each
# of which must give a non-zero exit on every rank, one clear message and no output file.
name=rla_lsq.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
prog="$builddir/drivers/rla-lsq"
check="$srcdir/tests/drivers/check_rla_lsq.py"
in="$srcdir/inputs"
. "$srcdir/tests/lib/driver_lib.sh"
# a check this build cannot run: counted apart, never as a pass
skipped=0
skip() { skipped=$((skipped + 1)); echo "SKIP: $1"; }

# --- the bundled problem, every method, 1 to 3 ranks ------------------------------------------
for method in accurate solve direct; do
  for np in $(nps 1 2 3); do
    if run $np "$in/lsq.in" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --x-exact "$in/lsq-x.npy" \
      --method $method -x "$tmp/x-$method-$np.npy" --report "$tmp/r-$method-$np.json" \
      >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out" && [ -s "$tmp/r-$method-$np.json" ]; then
      pass "$method on $np ranks: exit 0, checks PASSED, report written"
    else
      cat "$tmp/out"
      fail "$method on $np ranks"
    fi
  done
  # same seed, other rank count: only the order of floating-point sums differs. The checker
  # bounds the distance from theory: Wedin's bound from both solutions' measured backward errors
  # (accurate, direct), or from the rounding of the sketched problem (solve, l = 520)
  for np in $(nps_vs1 2 3); do
    if [ $method = solve ]; then
      pycheck close-sketched "$in/lsq-A.npy" "$in/lsq-b.npy" "$tmp/x-$method-1.npy" \
        "$tmp/x-$method-$np.npy" 520
    else
      pycheck close "$in/lsq-A.npy" "$in/lsq-b.npy" "$tmp/x-$method-1.npy" "$tmp/x-$method-$np.npy"
    fi
  done
done
# the TSQR of the sketch runs over the first l / (n + 1) ranks only: at 4 ranks with l = 65
# (oversampling 2.5, n + 1 = 26) ranks 0 and 1 combine their triangles (5.4 KB each, above the
# eager limit) and ranks 2 and 3 take no part; the same solution as on 1 rank, to rounding
if [ -n "$(nps 3)" ]; then
  for np in 1 4; do
    run $np -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --method solve --oversample 2.5 \
      -x "$tmp/x-tsqr-$np.npy" >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "solve, l = 65, $np ranks"; }
  done
  pycheck close-sketched "$in/lsq-A.npy" "$in/lsq-b.npy" "$tmp/x-tsqr-1.npy" "$tmp/x-tsqr-4.npy" 65
fi
pycheck stable "$in/lsq-A.npy" "$in/lsq-b.npy" "$in/lsq-x.npy" "$tmp/x-accurate-2.npy"
pycheck stable "$in/lsq-A.npy" "$in/lsq-b.npy" "$in/lsq-x.npy" "$tmp/x-direct-2.npy"
grep -q '"backward_error"' "$tmp/r-accurate-2.json" && grep -q '"sketch_rows":	520' "$tmp/r-accurate-2.json" &&
  grep -q '"time_total"' "$tmp/r-accurate-2.json" && pass "report fields" || fail "report fields"
# the factorization of the sketch: the bundled A (condition estimate 2e6, below 1e7) takes the
# Cholesky factor of the Gram matrix in the accurate method; sketch-and-solve always TSQR
grep -q '"factorization":	"cholesky"' "$tmp/r-accurate-2.json" &&
  grep -q '"factorization":	"tsqr"' "$tmp/r-solve-2.json" &&
  grep -q '"factorization":	"pdgels"' "$tmp/r-direct-2.json" && pass "report: factorization" ||
  fail "report: factorization"

# --- a sparse A (Matrix Market coordinate): the sparse path unless --dense ------------------
pycheck make-sparse "$tmp"
for np in $(nps 1 2 3); do
  if run $np -A "$tmp/sp.mtx" -b "$tmp/sp-b.npy" -x "$tmp/xs-$np.npy" --report "$tmp/rs-$np.json" \
    >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out" && grep -q '"path":	"sparse"' "$tmp/rs-$np.json" &&
    grep -q '"nnz":	18000' "$tmp/rs-$np.json" && grep -q '"sketch":	"sparse"' "$tmp/rs-$np.json"; then
    pass "sparse A, accurate, $np ranks: the sparse path with the sparse sign sketch, checks PASSED"
  else
    cat "$tmp/out"
    fail "sparse A, accurate, $np ranks"
  fi
  pycheck stable "$tmp/sp-A.npy" "$tmp/sp-b.npy" "$tmp/sp-x.npy" "$tmp/xs-$np.npy"
done
# the other sketches, when asked for, on the sparse path
for sk in srht gaussian; do
  run 2 -A "$tmp/sp.mtx" -b "$tmp/sp-b.npy" --sketch $sk -x "$tmp/xs-$sk.npy" --report "$tmp/rs.json" \
    >"$tmp/out" 2>&1 && grep -q "\"sketch\":	\"$sk\"" "$tmp/rs.json" ||
    { cat "$tmp/out"; fail "sparse A, --sketch $sk"; }
  pycheck stable "$tmp/sp-A.npy" "$tmp/sp-b.npy" "$tmp/sp-x.npy" "$tmp/xs-$sk.npy"
done
run 2 -A "$tmp/sp.mtx" -b "$tmp/sp-b.npy" --method solve -x "$tmp/xs-solve.npy" >"$tmp/out" 2>&1 &&
  ! grep -q FAILED "$tmp/out" && pass "sparse A, sketch-and-solve" || { cat "$tmp/out"; fail "sparse A, sketch-and-solve"; }
# --dense reads the same file into a dense matrix: the same problem, solved within Wedin's
# distance of the sparse path's solution
if run 2 -A "$tmp/sp.mtx" -b "$tmp/sp-b.npy" --dense -x "$tmp/xd-2.npy" --report "$tmp/rd.json" \
  >"$tmp/out" 2>&1 && grep -q '"path":	"dense"' "$tmp/rd.json"; then
  pass "sparse file with --dense: the dense path"
  pycheck close "$tmp/sp-A.npy" "$tmp/sp-b.npy" "$tmp/xs-2.npy" "$tmp/xd-2.npy"
else
  cat "$tmp/out"
  fail "sparse file with --dense"
fi
# an empty column: rank n - 1, the minimum-norm solution
for np in $(nps 1 3); do
  run $np -A "$tmp/sp-def.mtx" -b "$tmp/sp-def-b.npy" -x "$tmp/xdef-$np.npy" \
    --report "$tmp/rdef.json" >"$tmp/out" 2>&1 && grep -q '"rank":	39' "$tmp/rdef.json" ||
    { cat "$tmp/out"; fail "sparse A with an empty column, $np ranks"; }
  pycheck stable-minnorm "$tmp/sp-def-A.npy" "$tmp/sp-def-b.npy" "$tmp/sp-def-x.npy" "$tmp/xdef-$np.npy"
done
# a coordinate file that stores every entry is read dense
run 2 -A "$tmp/sp-full.mtx" -b "$tmp/sp-full-b.npy" --report "$tmp/rfull.json" >"$tmp/out" 2>&1 &&
  grep -q '"path":	"dense"' "$tmp/rfull.json" && ! grep -q FAILED "$tmp/out" &&
  pass "a coordinate file storing every entry takes the dense path" ||
  { cat "$tmp/out"; fail "a coordinate file storing every entry"; }
# --method direct on a sparse file: SuiteSparseQR on rank 0 (the sparse path; --help says so)
# when the build has it, else PDGELS on the file read dense. Each solution is backward stable
# (sqrt(m n) eps, as every direct test here); with the empty column the minimum-norm one: 0
# there exactly, within Wedin's bound (kappa and the backward errors) of NumPy's elsewhere
run 1 --help >"$tmp/help" 2>&1
if grep -q "runs SuiteSparseQR on one rank" "$tmp/help"; then
  for np in $(nps 1 2 3); do
    if run $np -A "$tmp/sp.mtx" -b "$tmp/sp-b.npy" --method direct -x "$tmp/xsq-$np.npy" \
      --report "$tmp/rsq-$np.json" >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out" &&
      grep -q '"path":	"sparse"' "$tmp/rsq-$np.json" &&
      grep -q '"method":	"direct"' "$tmp/rsq-$np.json" &&
      grep -q '"backend":	"spqr"' "$tmp/rsq-$np.json" && grep -q 'backend spqr' "$tmp/out"; then
      pass "sparse A, direct, $np ranks: SuiteSparseQR on the sparse path, checks PASSED"
    else
      cat "$tmp/out"
      fail "sparse A, direct, $np ranks"
    fi
    pycheck stable "$tmp/sp-A.npy" "$tmp/sp-b.npy" "$tmp/sp-x.npy" "$tmp/xsq-$np.npy"
    if run $np -A "$tmp/sp-def.mtx" -b "$tmp/sp-def-b.npy" --method direct -x "$tmp/xsqdef-$np.npy" \
      --report "$tmp/rsqdef.json" >"$tmp/out" 2>&1 && grep -q '"rank":	39' "$tmp/rsqdef.json" &&
      grep -q '"truncated":	true' "$tmp/rsqdef.json" && grep -q '"backend":	"spqr"' "$tmp/rsqdef.json"; then
      pass "sparse A with an empty column, direct, $np ranks: rank 39"
    else
      cat "$tmp/out"
      fail "sparse A with an empty column, direct, $np ranks"
    fi
    pycheck stable-minnorm "$tmp/sp-def-A.npy" "$tmp/sp-def-b.npy" "$tmp/sp-def-x.npy" \
      "$tmp/xsqdef-$np.npy"
  done
  # two right-hand sides in one solve
  run 2 -A "$tmp/sp.mtx" -b "$tmp/sp-B2.npy" --method direct -x "$tmp/xsq2.npy" >"$tmp/out" 2>&1 &&
    ! grep -q FAILED "$tmp/out" && pycheck columns "$tmp/sp-A.npy" "$tmp/sp-B2.npy" "$tmp/xsq2.npy" ||
    { cat "$tmp/out"; fail "sparse A, direct, two right-hand sides"; }
  # --dense still forces the dense path: PDGELS
  run 2 -A "$tmp/sp.mtx" -b "$tmp/sp-b.npy" --method direct --dense -x "$tmp/xdd.npy" \
    --report "$tmp/rdd.json" >"$tmp/out" 2>&1 && grep -q '"path":	"dense"' "$tmp/rdd.json" &&
    grep -q '"backend":	"pdgels"' "$tmp/rdd.json" &&
    pycheck stable "$tmp/sp-A.npy" "$tmp/sp-b.npy" "$tmp/sp-x.npy" "$tmp/xdd.npy" ||
    { cat "$tmp/out"; fail "sparse file, --method direct --dense"; }
elif grep -q "this build has no SuiteSparseQR" "$tmp/help"; then
  skip "sparse A, --method direct with SuiteSparseQR: this build has none (configure --with-spqr)"
  run 2 -A "$tmp/sp.mtx" -b "$tmp/sp-b.npy" --method direct -x "$tmp/xdd.npy" --report "$tmp/rdd.json" \
    >"$tmp/out" 2>&1 && grep -q '"path":	"dense"' "$tmp/rdd.json" &&
    pycheck stable "$tmp/sp-A.npy" "$tmp/sp-b.npy" "$tmp/sp-x.npy" "$tmp/xdd.npy" ||
    { cat "$tmp/out"; fail "sparse file, --method direct without SuiteSparseQR"; }
else
  cat "$tmp/help"
  fail "--help says how --method direct treats a sparse A"
fi

# --- bad inputs ---------------------------------------------------------------------------
pycheck make-bad "$tmp" "$in/lsq-A.npy" "$in/lsq-b.npy"

# two right-hand sides in one m x 2 b
if run 2 -A "$in/lsq-A.npy" -b "$tmp/B2.npy" -x "$tmp/X2.npy" >"$tmp/out" 2>&1 &&
  ! grep -q FAILED "$tmp/out"; then
  pass "two right-hand sides"
  pycheck columns "$in/lsq-A.npy" "$tmp/B2.npy" "$tmp/X2.npy"
else
  cat "$tmp/out"
  fail "two right-hand sides"
fi
# a Fortran-order A gives the same solution, bit for bit, on the same ranks (and sketch: the
# oversampling of the deck the C-order runs read): the reader only transposes while it reads,
# the ranks hold the same local rows and every later operation is the same call on the same data
run 2 -A "$tmp/A-fortran.npy" -b "$in/lsq-b.npy" --oversample 20 -x "$tmp/x-fortran.npy" >"$tmp/out" 2>&1 &&
  pycheck compare "$tmp/x-accurate-2.npy" "$tmp/x-fortran.npy" 0 || { cat "$tmp/out"; fail "Fortran-order A"; }
# a float32 A is widened to float64 as it is read: the same solution, bit for bit, as from
# the float64 file of the same values, and the report names the stored type
for np in $(nps 1 3); do
  if run $np -A "$tmp/A-f32.npy" -b "$in/lsq-b.npy" -x "$tmp/x-f32.npy" \
    --report "$tmp/r-f32.json" >"$tmp/out" 2>&1 &&
    run $np -A "$tmp/A-f32-as-f64.npy" -b "$in/lsq-b.npy" -x "$tmp/x-f32-as-f64.npy" \
      --report "$tmp/r-f64.json" >>"$tmp/out" 2>&1 &&
    grep -q '"dtype_A":	"float32"' "$tmp/r-f32.json" &&
    grep -q '"dtype_A":	"float64"' "$tmp/r-f64.json" &&
    grep -q '"dtype_b":	"float64"' "$tmp/r-f32.json"; then
    pycheck compare "$tmp/x-f32-as-f64.npy" "$tmp/x-f32.npy" 0
  else
    cat "$tmp/out"
    fail "float32 A on $np ranks"
  fi
done

for np in $(nps 1 2 3); do
  bad $np -x "cannot open" -A "$tmp/missing.npy" -b "$in/lsq-b.npy"
  bad $np -x "non-finite" -A "$tmp/A-nan.npy" -b "$in/lsq-b.npy"
  bad $np -x "non-finite" -A "$tmp/A-inf.npy" -b "$in/lsq-b.npy"
  bad $np -x "b has 3997 rows" -A "$in/lsq-A.npy" -b "$tmp/b-short.npy"
  bad $np -x "more columns than rows" -A "$tmp/A-wide.npy" -b "$tmp/b-wide.npy"
done
bad 2 -x "A-truncated.npy" -A "$tmp/A-truncated.npy" -b "$in/lsq-b.npy"
bad 2 -x "A-empty.npy" -A "$tmp/A-empty.npy" -b "$in/lsq-b.npy"
bad 3 -x "outside" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --oversample 0.5
bad 3 -x "must be one of" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --method qr
bad 2 -x "unknown option" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --colour red
printf 'A = %s\nb = %s\nfrobnicate = 1\n' "$in/lsq-A.npy" "$in/lsq-b.npy" >"$tmp/bad.in"
bad 2 -x "unknown key 'frobnicate'" "$tmp/bad.in"
bad 2 -x "missing required option --b" -A "$in/lsq-A.npy"
# an output directory that does not exist: fails before any work, writes nothing
rm -f "$tmp/codes"
run 2 -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" -x "$tmp/no/such/dir/x.npy" >"$tmp/out" 2>&1
if [ "$(grep -c '^rla-lsq: error:' "$tmp/out")" -eq 1 ] && ! grep -qx 0 "$tmp/codes" && [ ! -e "$tmp/no" ]; then
  pass "unwritable output directory"
else
  cat "$tmp/out"
  fail "unwritable output directory"
fi
# an output that names an existing directory: fails before any work, writes no other output
mkdir -p "$tmp/dir.json"
rm -f "$tmp/codes" "$tmp/xd.npy"
run 2 -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" -x "$tmp/xd.npy" --report "$tmp/dir.json" >"$tmp/out" 2>&1
if [ "$(grep -c '^rla-lsq: error: .*dir.json: is a directory' "$tmp/out")" -eq 1 ] &&
  ! grep -qx 0 "$tmp/codes" && ! grep -q "solving" "$tmp/out" && [ ! -e "$tmp/xd.npy" ] &&
  [ -z "$(ls -A "$tmp" | grep '^\.xd')" ]; then
  pass "output path that is a directory"
else
  cat "$tmp/out"
  fail "output path that is a directory"
fi

[ "$skipped" -eq 0 ] || echo "$name: $skipped skipped"
finish
