# SPDX-License-Identifier: BSD-3-Clause
# Shell helpers for the drivers' end-to-end tests, sourced after setting: name (the test's
# name), prog (the driver to run) and check (its NumPy checker). Provides tmp (a scratch
# directory removed at exit), pass/fail counters, run NP ARGS... (each rank appends its exit
# code to $tmp/codes), pycheck ARGS... (counts the checker's PASS/FAIL lines), bad NP OUTOPT
# TEXT ARGS... (a bad input: every rank exits non-zero, one "PROG: error:" line containing TEXT, and
# neither -x/--report output nor a temporary file appears), and finish.
if [ -z "$PYTHON_NUMPY" ]; then
  echo "$name: skipped: no Python with NumPy (configure looked for one; set PYTHON_NUMPY=...)"
  exit 77
fi
. "${abs_top_srcdir:-${srcdir:-.}}/tests/lib/shell_lib.sh"
mpiexec=${MPIEXEC:-mpiexec}

run() {
  np=$1
  shift
  rm -f "$tmp/codes"
  timeout --kill-after=10 300 "$mpiexec" --oversubscribe -np "$np" \
    sh -c '"$0" "$@"; echo $? >> "'"$tmp"'/codes"' "$prog" "$@"
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

# bad NP OUTPUT-OPTION TEXT ARGS...: OUTPUT-OPTION names the driver's output flag (-x, -U)
bad() {
  np=$1
  outopt=$2
  want=$3
  shift 3
  base=$(basename "$prog")
  rm -f "$tmp/bad-out.npy" "$tmp/bad.json"
  run "$np" "$@" "$outopt" "$tmp/bad-out.npy" --report "$tmp/bad.json" >"$tmp/out" 2>&1
  nerr=$(grep -c "^$base: error:" "$tmp/out")
  nrun=$(wc -l <"$tmp/codes" 2>/dev/null || echo 0)
  if [ "$nrun" -eq "$np" ] && ! grep -qx 0 "$tmp/codes" && [ "$nerr" -eq 1 ] &&
    grep -q -- "$want" "$tmp/out" && [ ! -e "$tmp/bad-out.npy" ] && [ ! -e "$tmp/bad.json" ] &&
    [ -z "$(ls -A "$tmp" | grep '^\.bad')" ]; then
    pass "bad input on $np ranks gives one message: $want"
  else
    cat "$tmp/out"
    echo "exit codes: $(sort -u "$tmp/codes" 2>/dev/null | tr '\n' ' '); error lines: $nerr"
    fail "bad input on $np ranks: $want"
  fi
}
