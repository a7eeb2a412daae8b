#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# rla-gen end to end on 2 ranks: write svd, lsq and collection problems as .npy and check them
# independently with NumPy (tests/drivers/check_rla_gen.py); bad parameters must give a non-zero
# exit on every rank, one clear message and no output file.
name=rla_gen.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
prog="$builddir/drivers/rla-gen"
check="$srcdir/tests/drivers/check_rla_gen.py"
. "$srcdir/tests/lib/driver_lib.sh"

# --- svd: singular values equal sigma.npy ---------------------------------------------------
if run 2 svd -m 150 -n 90 --spectrum exp --decay 0.03 --seed 3 -A "$tmp/A.npy" -S "$tmp/s.npy" \
  --report "$tmp/svd.json" >"$tmp/svd.out" 2>&1 && ! grep -q FAILED "$tmp/svd.out"; then
  pass "rla-gen svd ran, its own checks passed"
  pycheck svd "$tmp/A.npy" "$tmp/s.npy"
else
  cat "$tmp/svd.out"
  fail "rla-gen svd"
fi
if grep -q '"checks"' "$tmp/svd.json" 2>/dev/null; then pass "svd report written"; else fail "svd report"; fi
if run 2 svd -m 40 -n 70 --rank 25 --spectrum lowrank --knee 10 --level 1e-3 --seed 4 \
  -A "$tmp/W.npy" -S "$tmp/ws.npy" --check-spectrum >"$tmp/svd2.out" 2>&1 &&
  [ "$(grep -c PASSED "$tmp/svd2.out")" -ge 4 ]; then
  pass "rla-gen svd, wide and rank-deficient, --check-spectrum"
  pycheck svd "$tmp/W.npy" "$tmp/ws.npy"
else
  cat "$tmp/svd2.out"
  fail "rla-gen svd wide"
fi

# --- lsq: b - A x* orthogonal to range(A), of the requested norm ---------------------------
if run 2 lsq -m 400 -n 50 --cond 1e3 --residual 0.25 --seed 5 -A "$tmp/LA.npy" -b "$tmp/b.npy" \
  -x "$tmp/x.npy" >"$tmp/lsq.out" 2>&1 && ! grep -q FAILED "$tmp/lsq.out"; then
  pass "rla-gen lsq ran, its own checks passed"
  pycheck lsq "$tmp/LA.npy" "$tmp/b.npy" "$tmp/x.npy" 0.25 1e3
else
  cat "$tmp/lsq.out"
  fail "rla-gen lsq"
fi

# --- collection from a deck, overridden on the command line ----------------------------------
cat >"$tmp/coll.in" <<EOF
# a small collection
kind = collection
m = 60
blocks = 14
width = 2
width-max = 9
subspaces = 3
dim = 4
noise = 1e-3
EOF
if run 2 "$tmp/coll.in" --seed 9 --dir "$tmp/coll" >"$tmp/coll.out" 2>&1 &&
  ! grep -q FAILED "$tmp/coll.out" && grep -q "The following parameters will be used" "$tmp/coll.out"; then
  pass "rla-gen collection from a deck"
  pycheck collection "$tmp/coll"
else
  cat "$tmp/coll.out"
  fail "rla-gen collection"
fi

# --- sparse lsq and svd: read back by SciPy, known answers, the same files on 1, 2 and 3 ranks --
for np in $(nps 1 2 3); do
  if run $np lsq -m 500 -n 40 --nnz-per-row 5 --dense-rows 3 --cond 1e3 --residual 0.5 --seed 7 \
    -A "$tmp/SA$np.mtx" -b "$tmp/Sb$np.npy" -x "$tmp/Sx$np.npy" >"$tmp/slsq.out" 2>&1 &&
    ! grep -q FAILED "$tmp/slsq.out" && [ "$(grep -c PASSED "$tmp/slsq.out")" -ge 8 ]; then
    pass "rla-gen lsq --nnz-per-row on $np ranks, its own checks passed"
  else
    cat "$tmp/slsq.out"
    fail "rla-gen lsq --nnz-per-row on $np ranks"
  fi
  if run $np svd --sparse -m 300 -n 120 --block 7 --spectrum exp --decay 0.05 --seed 8 \
    -A "$tmp/SS$np.petsc" -S "$tmp/Ss$np.npy" --check-spectrum >"$tmp/ssvd.out" 2>&1 &&
    ! grep -q FAILED "$tmp/ssvd.out" && [ "$(grep -c PASSED "$tmp/ssvd.out")" -ge 5 ]; then
    pass "rla-gen svd --sparse on $np ranks, its own checks passed"
  else
    cat "$tmp/ssvd.out"
    fail "rla-gen svd --sparse on $np ranks"
  fi
done
pycheck sparse-lsq "$tmp/SA2.mtx" "$tmp/Sb2.npy" "$tmp/Sx2.npy" 0.5 5 3 1e3
pycheck sparse-svd "$tmp/SS2.petsc" "$tmp/Ss2.npy" 7
for f in SA.mtx Sb.npy Sx.npy SS.petsc Ss.npy; do
  [ "$(nps 1 2 3 | wc -w)" -ge 2 ] || break
  a=$tmp/${f%.*}$(nps 1 2 3 | cut -d' ' -f1).${f##*.} same=1
  for np in $(nps 1 2 3); do cmp -s "$a" "$tmp/${f%.*}$np.${f##*.}" || same=0; done
  if [ $same = 1 ]; then
    pass "sparse problems: $f the same bytes on $(nps 1 2 3)ranks"
  else
    fail "sparse problems: $f differs between rank counts"
  fi
done

# --- bad parameters: non-zero exit on every rank, one message, no file -----------------------
bad_params() {
  what=$1
  shift
  mkdir -p "$tmp/bad"
  run 2 "$@" >"$tmp/bad.out" 2>&1
  codes=$(sort "$tmp/codes" 2>/dev/null | tr '\n' ' ')
  nerr=$(grep -c "^rla-gen: error: " "$tmp/bad.out")
  left=$(ls -A "$tmp/bad")
  if [ "$(grep -c . "$tmp/codes" 2>/dev/null)" = 2 ] && ! grep -qx 0 "$tmp/codes" &&
    [ "$nerr" = 1 ] && [ -z "$left" ]; then
    pass "bad parameters ($what): $(grep '^rla-gen: error: ' "$tmp/bad.out")"
  else
    cat "$tmp/bad.out"
    fail "bad parameters ($what): exit codes '$codes', $nerr error lines, left: $left"
  fi
  rm -rf "$tmp/bad"
}
bad_params "m < n" lsq -m 10 -n 20 -A "$tmp/bad/A.npy" -b "$tmp/bad/b.npy"
bad_params "cond < 1" lsq -m 30 -n 20 --cond 0.5 -A "$tmp/bad/A.npy" -b "$tmp/bad/b.npy"
bad_params "negative size" svd -m -5 -n 4 -A "$tmp/bad/A.npy"
bad_params "rank > min(m, n)" svd -m 20 -n 10 --rank 11 -A "$tmp/bad/A.npy" -S "$tmp/bad/s.npy"
bad_params "spectrum underflows" svd -m 500 -n 500 --spectrum exp --decay 1 -A "$tmp/bad/A.npy"
bad_params "option of another kind" collection -m 50 --blocks 3 --width 2 --subspaces 2 --dim 2 \
  --cond 10 --dir "$tmp/bad/c"
bad_params "dim > m" collection -m 5 --blocks 3 --width 2 --subspaces 2 --dim 6 --dir "$tmp/bad/c"
bad_params "unknown extension" lsq -m 30 -n 20 -A "$tmp/bad/A.txt" -b "$tmp/bad/b.npy"
bad_params "same file twice" lsq -m 30 -n 20 -A "$tmp/bad/A.npy" -b "$tmp/bad/A.npy"
bad_params "missing output" lsq -m 30 -n 20 -A "$tmp/bad/A.npy"
bad_params "no kind" -m 30 -n 20 -A "$tmp/bad/A.npy"
bad_params "unwritable directory" lsq -m 30 -n 20 -A "$tmp/bad/no/such/A.npy" -b "$tmp/bad/b.npy"
bad_params "sparse: nnz per row > n" lsq -m 30 -n 20 --nnz-per-row 21 -A "$tmp/bad/A.mtx" \
  -b "$tmp/bad/b.npy"
bad_params "sparse: m < n + dense rows" lsq -m 30 -n 20 --dense-rows 11 -A "$tmp/bad/A.mtx" \
  -b "$tmp/bad/b.npy"
bad_params "sparse: A as .npy" lsq --sparse -m 30 -n 20 -A "$tmp/bad/A.npy" -b "$tmp/bad/b.npy"
bad_params "sparse: block > min(m, n)" svd -m 30 -n 20 --block 21 -A "$tmp/bad/A.petsc"
bad_params "sparse: no block" svd --sparse -m 30 -n 20 -A "$tmp/bad/A.petsc"
bad_params "sparse: cond < 1" lsq -m 30 -n 20 --nnz-per-row 2 --cond 0.5 -A "$tmp/bad/A.mtx" \
  -b "$tmp/bad/b.npy"

finish
