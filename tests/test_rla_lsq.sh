#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# rla-lsq end to end: the bundled problem with every method at 1, 2 and 3 ranks (the same seed
# gives the same solution), checked with NumPy; several right-hand sides; and bad inputs, each
# of which must give a non-zero exit on every rank, one clear message and no output file.
name=test_rla_lsq.sh
if [ -z "$PYTHON_NUMPY" ]; then
  echo "$name: skipped: no Python with NumPy (configure looked for one; set PYTHON_NUMPY=...)"
  exit 77
fi
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
lsq="$builddir/drivers/rla-lsq"
check="$srcdir/tests/check_rla_lsq.py"
in="$srcdir/inputs"
mpiexec=${MPIEXEC:-mpiexec}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_rla_lsq.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAILED: $1"; }

# run rla-lsq on NP ranks; every rank appends its exit code to $tmp/codes
run() {
  np=$1
  shift
  rm -f "$tmp/codes"
  timeout --kill-after=10 300 "$mpiexec" --oversubscribe -np "$np" \
    sh -c '"$0" "$@"; echo $? >> "'"$tmp"'/codes"' "$lsq" "$@"
}

pycheck() {
  out=$("$PYTHON_NUMPY" "$check" "$@" 2>&1)
  echo "$out"
  p=$(echo "$out" | grep -c '^PASS ')
  f=$(echo "$out" | grep -c '^FAIL ')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then fail "checker ran: $*"; fi
}

# --- the bundled problem, every method, 1 to 3 ranks ------------------------------------------
for method in accurate solve direct; do
  for np in 1 2 3; do
    if run $np "$in/lsq.in" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --x-exact "$in/lsq-x.npy" \
      --method $method -x "$tmp/x-$method-$np.npy" --report "$tmp/r-$method-$np.json" \
      >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out" && [ -s "$tmp/r-$method-$np.json" ]; then
      pass "$method on $np ranks: exit 0, checks PASSED, report written"
    else
      cat "$tmp/out"
      fail "$method on $np ranks"
    fi
  done
  # same seed, other rank count: only the order of floating-point sums differs. For the
  # iterative method that difference is amplified at most like the forward error itself,
  # kappa eps = 1e6 * 2.2e-16; 1e-8 leaves a margin of 50
  for np in 2 3; do pycheck compare "$tmp/x-$method-1.npy" "$tmp/x-$method-$np.npy" 1e-8; done
done
pycheck lapack "$in/lsq-A.npy" "$in/lsq-b.npy" "$in/lsq-x.npy" "$tmp/x-accurate-2.npy"
pycheck lapack "$in/lsq-A.npy" "$in/lsq-b.npy" "$in/lsq-x.npy" "$tmp/x-direct-2.npy"
grep -q '"backward_error"' "$tmp/r-accurate-2.json" && grep -q '"sketch_rows":	104' "$tmp/r-accurate-2.json" &&
  grep -q '"time_total"' "$tmp/r-accurate-2.json" && pass "report fields" || fail "report fields"

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
# a Fortran-order A gives the same solution
run 3 -A "$tmp/A-fortran.npy" -b "$in/lsq-b.npy" -x "$tmp/x-fortran.npy" >"$tmp/out" 2>&1 &&
  pycheck compare "$tmp/x-accurate-3.npy" "$tmp/x-fortran.npy" 0 || { cat "$tmp/out"; fail "Fortran-order A"; }

# bad: NP, expected message text, arguments; the outputs must not appear
bad() {
  np=$1
  want=$2
  shift 2
  rm -f "$tmp/bad-x.npy" "$tmp/bad.json"
  run $np "$@" -x "$tmp/bad-x.npy" --report "$tmp/bad.json" >"$tmp/out" 2>&1
  codes=$(sort -u "$tmp/codes" 2>/dev/null | tr '\n' ' ')
  nerr=$(grep -c "^rla-lsq: error:" "$tmp/out")
  nrun=$(wc -l <"$tmp/codes" 2>/dev/null || echo 0)
  if [ "$nrun" -eq "$np" ] && ! grep -qx 0 "$tmp/codes" && [ "$nerr" -eq 1 ] &&
    grep -q -- "$want" "$tmp/out" && [ ! -e "$tmp/bad-x.npy" ] && [ ! -e "$tmp/bad.json" ] &&
    [ -z "$(ls -A "$tmp" | grep '^\.bad')" ]; then
    pass "bad input on $np ranks gives one message: $want"
  else
    cat "$tmp/out"
    echo "exit codes: $codes; error lines: $nerr"
    fail "bad input on $np ranks: $want"
  fi
}
for np in 1 2 3; do
  bad $np "cannot open" -A "$tmp/missing.npy" -b "$in/lsq-b.npy"
  bad $np "non-finite" -A "$tmp/A-nan.npy" -b "$in/lsq-b.npy"
  bad $np "non-finite" -A "$tmp/A-inf.npy" -b "$in/lsq-b.npy"
  bad $np "b has 3997 rows" -A "$in/lsq-A.npy" -b "$tmp/b-short.npy"
  bad $np "more columns than rows" -A "$tmp/A-wide.npy" -b "$tmp/b-wide.npy"
done
bad 2 "A-truncated.npy" -A "$tmp/A-truncated.npy" -b "$in/lsq-b.npy"
bad 2 "A-empty.npy" -A "$tmp/A-empty.npy" -b "$in/lsq-b.npy"
bad 2 "<f4" -A "$tmp/A-f32.npy" -b "$in/lsq-b.npy"
bad 3 "outside" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --oversample 0.5
bad 3 "must be one of" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --method qr
bad 2 "unknown option" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" --colour red
printf 'A = %s\nb = %s\nfrobnicate = 1\n' "$in/lsq-A.npy" "$in/lsq-b.npy" >"$tmp/bad.in"
bad 2 "unknown key 'frobnicate'" "$tmp/bad.in"
bad 2 "missing required option --b" -A "$in/lsq-A.npy"
# an output directory that does not exist: fails before any work, writes nothing
rm -f "$tmp/codes"
run 2 -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" -x "$tmp/no/such/dir/x.npy" >"$tmp/out" 2>&1
if [ "$(grep -c '^rla-lsq: error:' "$tmp/out")" -eq 1 ] && ! grep -qx 0 "$tmp/codes" && [ ! -e "$tmp/no" ]; then
  pass "unwritable output directory"
else
  cat "$tmp/out"
  fail "unwritable output directory"
fi

echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
