#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The bad-input corpus: every case of tests/corpus/cases.txt at every rank count of make check
# (RLA_TEST_NPS, default "1 2 3"; RLA_CORPUS_NPS overrides it). A case passes when every rank
# exits non-zero within the time limit (RLA_CORPUS_TIMEOUT seconds, default 60), the output holds
# exactly one "DRIVER: error:" line, which matches the expected message, and no sanitizer's
# report (tests/lib/sanitizer.sh), and the output directory is as it was: the files that existed
# are unchanged and no file appeared. RLA_CORPUS_CASES=REGEX runs the matching ids. The cases
# h5-* run when rla was built with HDF5 (RLA_WITH_HDF5=yes), their inputs written with h5py.
name=tests/corpus/run.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
if [ -z "$PYTHON_NUMPY" ]; then
  echo "$name: skipped: no Python with NumPy to write the inputs (set PYTHON_NUMPY=...)"
  exit 77
fi
. "$srcdir/tests/lib/sanitizer.sh"
mpiexec=${MPIEXEC:-mpiexec}
limit=${RLA_CORPUS_TIMEOUT:-60}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rla-corpus.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
in=$tmp/in
out=$tmp/out
passed=0
failed=0

if ! "$PYTHON_NUMPY" "$srcdir/tests/corpus/make_inputs.py" "$in"; then
  echo "FAILED: writing the inputs"
  echo "$name: 0 passed, 1 failed"
  exit 1
fi
[ -d "$srcdir/tests/corpus/files" ] && cp -R "$srcdir/tests/corpus/files/." "$in/"

# the names in the output directory and the checksums of its files
snapshot() {
  (cd "$out" && find . | sort && find . -type f -exec cksum {} + | sort)
}

# one case: run_case NP ID DRIVER EXPECTED ARGS (ARGS already split, @O/ not yet replaced)
run_case() {
  np=$1 id=$2 driver=$3 want=$4
  shift 4
  rm -rf "$out" "$tmp/codes" "$tmp/before" "$tmp/after"
  mkdir -p "$out"
  args=""
  for a in "$@"; do
    case $a in
    @O/*)
      f=${a#@O/}
      # an HDF5 dataset's FILE:/NAME: the file
      case $f in new*) ;; *) echo "previous $f of $id" >"$out/${f%%:/*}" ;; esac
      a=$out/$f
      ;;
    esac
    args="$args $a"
  done
  snapshot >"$tmp/before"
  # a driver, or a corpus tool (tests/corpus/read_sparse)
  prog=$builddir/drivers/$driver
  [ -x "$prog" ] || prog=$builddir/tests/corpus/$driver
  # shellcheck disable=SC2086
  (cd "$in" && timeout --kill-after=10 "$limit" "$mpiexec" --oversubscribe -np "$np" \
    sh -c '"$0" "$@"; echo $? >> "'"$tmp"'/codes"' "$prog" $args -v 0) \
    >"$tmp/log" 2>&1 </dev/null
  rc=$?
  snapshot >"$tmp/after"
  why=""
  nerr=$(grep -c "^$driver: error:" "$tmp/log")
  nrun=$(wc -l <"$tmp/codes" 2>/dev/null || echo 0)
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    why="no exit within $limit s"
  elif sanitizer_report "$tmp/log"; then
    why="a sanitizer's report"
  elif [ "$nrun" -ne "$np" ]; then
    why="$nrun of $np ranks reported an exit status (crash or abort)"
  elif grep -qx 0 "$tmp/codes"; then
    why="a rank exited 0"
  elif [ "$nerr" -ne 1 ]; then
    why="$nerr \"$driver: error:\" lines, expected 1"
  elif ! grep "^$driver: error:" "$tmp/log" | grep -Eq -- "$want"; then
    why="the message does not match /$want/"
  elif ! cmp -s "$tmp/before" "$tmp/after"; then
    why="the output directory changed"
  fi
  if [ -z "$why" ]; then
    passed=$((passed + 1))
    echo "ok: $id on $np ranks: $(grep "^$driver: error:" "$tmp/log")"
  else
    failed=$((failed + 1))
    echo "FAILED: $id on $np ranks: $why"
    echo "  command: $driver$args"
    sed 's/^/  | /' "$tmp/log" | head -n 30
    echo "  exit codes: $(tr '\n' ' ' <"$tmp/codes" 2>/dev/null)"
    diff "$tmp/before" "$tmp/after" | sed 's/^/  /'
  fi
}

ncases=0
nps=${RLA_CORPUS_NPS:-${RLA_TEST_NPS:-1 2 3}}
for np in $nps; do
  while IFS='|' read -r id driver argv want; do
    case $id in '' | '#'*) continue ;; esac
    id=$(echo $id)
    driver=$(echo $driver)
    want=$(echo "$want" | sed 's/^ *//; s/ *$//')
    if [ -n "${RLA_CORPUS_CASES:-}" ] && ! echo "$id" | grep -Eq "$RLA_CORPUS_CASES"; then continue; fi
    # the HDF5 cases need rla built with HDF5
    case $id in h5-*) [ "${RLA_WITH_HDF5:-no}" = yes ] || continue ;; esac
    ncases=$((ncases + 1))
    set -f
    # shellcheck disable=SC2086
    run_case "$np" "$id" "$driver" "$want" $argv
    set +f
  done <"$srcdir/tests/corpus/cases.txt"
done
echo "$ncases runs of $(grep -c '^[a-z]' "$srcdir/tests/corpus/cases.txt") cases at $nps ranks"
echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
