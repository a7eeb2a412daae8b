#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Fault injection (RLA_FAULT=RANK:POINT:N, see include/rla/base.h): every driver on 1, 2 and 3
# ranks, with one rank failing at an allocation, a read, a step of an iteration or a write. Each
# case must end within the time limit with a non-zero exit on every rank, one message on rank 0
# naming the point and the failing rank, no sanitizer's report, and the outputs as they were:
# every target holds its old content and no new file (temporary or not) appears beside them.
name=faults.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
in="$srcdir/inputs"
mpiexec=${MPIEXEC:-mpiexec}
limit=${RLA_FAULT_TIMEOUT:-60}
. "$srcdir/tests/lib/shell_lib.sh"
. "$srcdir/tests/lib/sanitizer.sh"

# the command line of each driver, writing into $out (old versions of its outputs are put there)
command_of() {
  case $1 in
  lsq)
    prog=rla-lsq
    outputs="x.npy r.json"
    set -- "$builddir/drivers/rla-lsq" "$in/lsq.in" -A "$in/lsq-A.npy" -b "$in/lsq-b.npy" \
      --x-exact "$in/lsq-x.npy" -x "$out/x.npy" --report "$out/r.json"
    ;;
  svd)
    prog=rla-svd
    outputs="U.npy S.npy V.mtx r.json"
    set -- "$builddir/drivers/rla-svd" "$in/svd.in" -A "$in/svd-A.npy" \
      --sigma-exact "$in/svd-sigma.npy" -U "$out/U.npy" -S "$out/S.npy" -V "$out/V.mtx" \
      --report "$out/r.json"
    ;;
  cluster)
    prog=rla-cluster
    outputs="f/U_000000.npy f/W_000000.npy r.json"
    set -- "$builddir/drivers/rla-cluster" "$in/cluster.in" \
      --collection "$in/cluster/manifest.txt" --save-factors "$out/f" --report "$out/r.json"
    ;;
  gen)
    prog=rla-gen
    outputs="A.npy b.mtx x.petsc r.json"
    set -- "$builddir/drivers/rla-gen" lsq -m 600 -n 12 -A "$out/A.npy" -b "$out/b.mtx" \
      -x "$out/x.petsc" --report "$out/r.json"
    ;;
  esac
  cmd="$*"
}

# old outputs: one line naming the file, so a changed or replaced file shows
prepare() {
  rm -rf "$out"
  mkdir -p "$out/f"
  for f in $outputs; do
    echo "old $f" >"$out/$f"
  done
  (cd "$out" && find . | sort && cat $outputs) >"$tmp/before"
}

# case DRIVER NP RANK POINT N [parse]; with parse, the fault must also come before the echo of
# the parameters (the option parsing and the objects' reading of their options)
case_() {
  d=$1 np=$2 rank=$3 point=$4 n=$5 when=$6
  out="$tmp/out"
  command_of "$d"
  prepare
  rm -f "$tmp/codes"
  # shellcheck disable=SC2086
  RLA_FAULT=$rank:$point:$n timeout --kill-after=10 "$limit" "$mpiexec" --oversubscribe \
    -np "$np" sh -c '"$0" "$@"; echo $? >> "'"$tmp"'/codes"' $cmd >"$tmp/log" 2>&1 </dev/null
  status=$?
  (cd "$out" && find . | sort && cat $outputs) >"$tmp/after" 2>/dev/null
  what="$prog on $np rank(s), rank $rank fails at $point (passage $n)${when:+ while parsing options}"
  nerr=$(grep -c "^$prog: error: injected fault at $point on rank $rank " "$tmp/log")
  nlines=$(grep -c "^$prog: error:" "$tmp/log")
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    fail "$what: no exit within $limit s"
  elif sanitizer_report "$tmp/log"; then
    cat "$tmp/log"
    fail "$what: a sanitizer's report"
  elif [ ! -s "$tmp/codes" ] || grep -qx 0 "$tmp/codes"; then
    cat "$tmp/log"
    fail "$what: exit code 0 on some rank (fault not reached?)"
  elif [ "$nerr" -ne 1 ] || [ "$nlines" -ne 1 ]; then
    cat "$tmp/log"
    fail "$what: rank 0 did not print the failing rank's message once"
  elif [ -n "$when" ] && grep -q "parameters will be used" "$tmp/log"; then
    cat "$tmp/log"
    fail "$what: the fault came after the option parsing (the parameters were echoed)"
  elif ! cmp -s "$tmp/before" "$tmp/after"; then
    diff "$tmp/before" "$tmp/after"
    fail "$what: the outputs changed"
  else
    pass "$what"
  fi
}

# DRIVER NP RANK POINT N [parse]: the failing rank is the last one, or rank 0; N puts the fault
# in the middle of the run (the allocations of the reading, the solver, the writing). cluster 2 1
# alloc 188 (146 before the option copies were counted) is the case that once hung rank 0 (N
# counts the passages of the process, over its contexts). The alloc passages start with the option set's copies of
# the defaults and of the values given, so a driver's option list moves them: re-derive N from
# the call stacks of the passages (as these were, in a build that prints a traceback at each)
# so that each case still hits the allocation named in its comment.
while read -r d np rank point n when; do
  case $d in '#'* | '') continue ;; esac
  case_ "$d" "$np" "$rank" "$point" "$n" "$when"
done <<EOF
# the parse: rank 0 copying a deck key kept for the objects, a value given on the command line;
# rank 1 copying a value from rank 0's broadcast
lsq 1 0 alloc 13 parse
lsq 3 0 alloc 21 parse
lsq 2 1 alloc 7 parse
# the sketch's work space; the options' sources array; an output's staging entry; the solver's
# per right-hand-side arrays; the refinement's work space
lsq 1 0 alloc 75
lsq 2 1 alloc 3
lsq 2 1 alloc 45
lsq 3 2 alloc 95
lsq 3 0 alloc 112
lsq 1 0 read 2
lsq 2 1 read 1
lsq 3 2 read 2
lsq 1 0 iterate 5
lsq 2 1 iterate 1
lsq 3 2 iterate 10
lsq 1 0 write 1
lsq 2 1 write 1
lsq 3 0 write 2
# the small SVD's work space, a factor matrix of the plan, the residual estimate's vectors
svd 1 0 alloc 86
svd 2 1 alloc 72
svd 3 2 alloc 108
svd 1 0 read 1
svd 3 2 read 1
svd 2 1 iterate 2
svd 3 2 iterate 1
svd 1 0 write 3
svd 2 1 write 2
svd 3 0 write 4
# a block's header, a block's transfer, the plan's arrays, the collection's paths
cluster 1 0 alloc 143
cluster 2 1 alloc 142
cluster 2 1 alloc 188
cluster 3 2 alloc 82
cluster 2 1 read 10
cluster 3 2 read 5
cluster 1 0 iterate 3
cluster 3 2 iterate 2
cluster 2 1 write 3
cluster 3 0 write 5
# the generator's spectrum, the QR of the Gaussian basis, the report
gen 1 0 alloc 55
gen 2 1 alloc 83
gen 3 2 alloc 65
gen 2 1 read 2
gen 3 2 read 1
gen 1 0 write 1
gen 2 1 write 1
gen 3 0 write 3
EOF

finish
