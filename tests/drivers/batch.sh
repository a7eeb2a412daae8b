#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Batch mode of rla-svd, rla-lsq and rla-cluster (--manifest): on 1, 2 and 3 ranks with groups
# of 1 and 2, good entries complete with their report and give the same results as single runs;
# a missing or NaN input is recorded as failed with its message (summary.json and stderr) and
# the exit status is 1 on every rank; a rerun skips completed entries and clears a leftover
# temporary directory; --entry runs one entry; bad manifests are rejected before any work.
name=batch.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
drv="$builddir/drivers"
prog="$drv/rla-svd"
check="$srcdir/tests/drivers/check_batch.py"
. "$srcdir/tests/lib/driver_lib.sh"
bcheck="$srcdir/tests/drivers/check_batch.py"

# every rank exited with status $1
codes_are() {
  [ "$(wc -l <"$tmp/codes" 2>/dev/null || echo 0)" -eq "$np" ] && [ "$(sort -u "$tmp/codes")" = "$1" ]
}
# no temporary directory left in $1
no_tmp() { [ -z "$(ls -A "$1" | grep '^\.')" ]; }
# run NP ARGS... with stdout/stderr to $tmp/out, then check: exit status, stderr lines
batch() {
  np=$1
  want=$2
  what=$3
  shift 3
  run "$np" "$@" -v 1 >"$tmp/out" 2>&1
  if codes_are "$want"; then
    pass "$what: exit status $want on every rank"
  else
    cat "$tmp/out"
    fail "$what: exit status $want on every rank (got $(sort -u "$tmp/codes" | tr '\n' ' '))"
  fi
}
has() {
  if grep -q -- "$1" "$tmp/out"; then pass "$2"; else
    cat "$tmp/out"
    fail "$2"
  fi
}

# ---- inputs: small matrices, least-squares problems and collections from rla-gen ------------
in="$tmp/in"
mkdir -p "$in/bad" "$in/lbad" "$in/empty"
gen() { "$drv/rla-gen" "$@" -v 0 >/dev/null 2>&1 || fail "rla-gen $*"; }
for i in 1 2 3; do gen svd -m 90 -n 30 --seed $i -A "$in/m$i.npy" -S "$in/s$i.npy"; done
for i in 1 2; do gen lsq -m 120 -n 12 --cond 100 --seed $i -A "$in/l$i.npy" -b "$in/lb$i.npy" -x "$in/lx$i.npy"; done
for i in 1 2; do gen collection -m 40 --blocks 10 --width 3 --subspaces 2 --dim 2 --noise 1e-4 --seed $i --dir "$in/c$i"; done
check="$srcdir/tests/drivers/check_rla_svd.py"
pycheck make-bad "$in/bad" "$in/m1.npy"
check="$srcdir/tests/drivers/check_rla_lsq.py"
pycheck make-bad "$in/lbad" "$in/l1.npy" "$in/lb1.npy"

cat >"$in/svd.txt" <<EOF
# three good matrices, a missing file and a NaN
m1.npy

m2.npy
missing.npy
  bad/A-nan.npy
$in/m3.npy
EOF

# ---- rla-svd: the same singular values as single runs ------------------------------------------
for i in 1 2 3; do
  run 1 -A "$in/m$i.npy" -k 6 -S "$tmp/S$i.npy" -v 0 >"$tmp/out" 2>&1 || cat "$tmp/out"
done
check="$srcdir/tests/drivers/check_rla_svd.py"
for npg in 1:1 2:1 2:2 3:1 3:2; do
  np=${npg%:*}
  g=${npg#*:}
  o="$tmp/svd-$np-$g"
  batch "$np" 1 "rla-svd batch on $np ranks, groups of $g" \
    --manifest "$in/svd.txt" --output-dir "$o" --group-size "$g" -k 6
  has "entry 3 (missing) failed: .*missing.npy: cannot open" "$np/$g: the missing file's message on stderr"
  has "entry 4 (A-nan) failed: .*non-finite" "$np/$g: the NaN file's message on stderr"
  [ "$(grep -c 'failed:' "$tmp/out")" -eq 2 ] && pass "$np/$g: one line per failed entry" ||
    fail "$np/$g: one line per failed entry"
  check="$bcheck"
  pycheck summary "$o/summary.json" 3 2 0 m1=done m2=done m3=done \
    "missing=failed:cannot open" "A-nan=failed:non-finite"
  check="$srcdir/tests/drivers/check_rla_svd.py"
  # the sketch does not depend on the ranks; only summation order differs (the checker bounds
  # the difference from the rounding of the power steps; 90 x 30, p = 10, q = 2: the defaults)
  for i in 1 2 3; do pycheck same "$tmp/S$i.npy" "$o/m$i/S.npy" "$in/s$i.npy" 90 30 10 2; done
  no_tmp "$o" && pass "$np/$g: no temporary directory left" || fail "$np/$g: no temporary directory left"
done
[ ! -e "$o/m1/U.npy" ] && pass "U is written only when asked" || fail "U is written only when asked"

# rerun: completed entries are skipped; a leftover temporary directory of an entry does not
# confuse it; -U asks for U.npy in each entry's directory
o="$tmp/svd-3-2"
rm -rf "$o/m2"
mkdir "$o/.m2.tmp.killed" && echo partial >"$o/.m2.tmp.killed/S.npy"
batch 3 1 "rerun on 3 ranks" --manifest "$in/svd.txt" --output-dir "$o" --group-size 2 -k 6 -U U.npy
check="$bcheck"
pycheck summary "$o/summary.json" 1 2 2 m1=skipped m2=done m3=skipped "missing=failed:cannot open"
check="$srcdir/tests/drivers/check_rla_svd.py"
pycheck same "$tmp/S2.npy" "$o/m2/S.npy" "$in/s2.npy" 90 30 10 2
[ -s "$o/m2/U.npy" ] && [ ! -e "$o/m1/U.npy" ] && pass "rerun: U.npy written for the entry run" ||
  fail "rerun: U.npy written for the entry run"
no_tmp "$o" && pass "rerun: the leftover temporary directory is gone" ||
  fail "rerun: the leftover temporary directory is gone"

# --entry: one entry, its own summary; a job array's tasks do not overwrite each other's
o="$tmp/svd-entry"
batch 2 0 "--entry 2" --manifest "$in/svd.txt" --output-dir "$o" --entry 2 -k 6
[ -s "$o/m2/report.json" ] && [ ! -e "$o/m1" ] && [ -s "$o/summary-2.json" ] && [ ! -e "$o/summary.json" ] &&
  pass "--entry 2 runs entry 2 only" || fail "--entry 2 runs entry 2 only"
check="$bcheck"
pycheck summary "$o/summary-2.json" 1 0 0 m2=done
batch 1 1 "--entry 3 (the missing file)" --manifest "$in/svd.txt" --output-dir "$o" --entry 3 -k 6
has "missing.npy: cannot open" "--entry 3: the message"
batch 2 0 "--entry 2 again" --manifest "$in/svd.txt" --output-dir "$o" --entry 2 -k 6
pycheck summary "$o/summary-2.json" 0 0 1 m2=skipped

# only good entries: exit status 0
printf 'm1.npy\nm3.npy\n' >"$in/good.txt"
batch 3 0 "good entries only" --manifest "$in/good.txt" --output-dir "$tmp/svd-good" -k 6 --group-size 2
pycheck summary "$tmp/svd-good/summary.json" 2 0 0 m1=done m3=done

# a batch killed midway (SIGTERM, as SLURM does at the time limit) leaves complete entries and
# temporary directories only; the rerun completes the rest (12 names for one matrix, entries of
# some tenths of a second, killed when the first entry is complete)
: >"$in/kill.txt"
gen svd -m 2000 -n 400 --seed 1 -A "$in/kill.npy"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
  ln -s kill.npy "$in/k$i.npy"
  echo "k$i.npy" >>"$in/kill.txt"
done
o="$tmp/svd-killed"
"$mpiexec" --oversubscribe -np 2 "$prog" --manifest "$in/kill.txt" --output-dir "$o" -k 150 \
  --power 6 -v 0 >"$tmp/out" 2>&1 &
pid=$!
n=0
while [ "$n" -lt 600 ] && [ -z "$(ls "$o" 2>/dev/null | grep '^k')" ]; do
  sleep 0.1
  n=$((n + 1))
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
ok=1
for d in "$o"/k*/; do
  [ -d "$d" ] && [ ! -s "$d/report.json" ] && ok=0
done
if [ -e "$o/summary.json" ]; then
  echo "note: the batch finished before it was killed"
else
  echo "killed after $(ls "$o" | grep -c '^k') of 12 entries; left: $(ls -A "$o" | tr '\n' ' ')"
fi
[ "$ok" = 1 ] && pass "a killed batch leaves no entry directory without its report" || {
  ls -laR "$o"
  fail "a killed batch leaves no entry directory without its report"
}
before=$(ls "$o" | grep -c '^k')
np=2
batch 2 0 "rerun after the kill" --manifest "$in/kill.txt" --output-dir "$o" -k 150 --power 6
check="$bcheck"
pycheck summary "$o/summary.json" $((12 - before)) 0 "$before"
[ "$(ls "$o" | grep -c '^k')" -eq 12 ] && no_tmp "$o" &&
  pass "rerun after the kill: 12 entries, no temporary directory" ||
  fail "rerun after the kill: 12 entries, no temporary directory"

# a FAILED check fails the entry, named in its message, and commits nothing: here the "exact"
# singular values are half the computed ones
"$PYTHON_NUMPY" -c 'import sys, numpy as np; np.save(sys.argv[2], 0.5 * np.load(sys.argv[1]))' \
  "$tmp/S1.npy" "$in/half.npy"
printf 'm1.npy\n' >"$in/one.txt"
batch 2 1 "a FAILED check" --manifest "$in/one.txt" --output-dir "$tmp/svd-check" -k 6 \
  --sigma-exact "$in/half.npy"
has "entry 1 (m1) failed: 1 check FAILED, the first: no singular value above the true one" \
  "a FAILED check is named in the entry's message"
pycheck summary "$tmp/svd-check/summary.json" 0 1 0 "m1=failed:check FAILED"

# rejected before any work: one message, exit 1, nothing written
printf 'm1.npy\nbad/m1.npy\n' >"$in/dup.txt"
for args in "--manifest $in/dup.txt|both give the output name 'm1'" \
  "--manifest $in/nothere.txt|cannot open the manifest" \
  "--manifest $in/svd.txt --entry 9|--entry 9, but" \
  "--manifest $in/svd.txt --group-size 4|exceeds the 3 ranks" \
  "--manifest $in/svd.txt -U $tmp/U.npy|a name inside each entry's directory" \
  "--manifest $in/svd.txt -A $in/m1.npy|-A is not used with --manifest"; do
  rm -rf "$tmp/rej"
  np=3
  run 3 ${args%|*} --output-dir "$tmp/rej" -k 6 >"$tmp/out" 2>&1
  if codes_are 1 && [ "$(grep -c '^rla-svd: error:' "$tmp/out")" -eq 1 ] &&
    grep -q -- "${args#*|}" "$tmp/out" && [ -z "$(ls -A "$tmp/rej" 2>/dev/null)" ]; then
    pass "rejected: ${args#*|}"
  else
    cat "$tmp/out"
    fail "rejected: ${args#*|}"
  fi
done
np=2
run 2 --manifest "$in/svd.txt" -k 6 >"$tmp/out" 2>&1
codes_are 1 && grep -q "needs --output-dir" "$tmp/out" && pass "--manifest without --output-dir" ||
  fail "--manifest without --output-dir"
run 2 -A "$in/m1.npy" -k 6 --output-dir "$tmp/x" >"$tmp/out" 2>&1
codes_are 1 && grep -q "only used in batch mode" "$tmp/out" && pass "--output-dir without --manifest" ||
  fail "--output-dir without --manifest"

# ---- rla-lsq: A b pairs; the same solutions as single runs ------------------------------------
prog="$drv/rla-lsq"
printf 'l1.npy lb1.npy\nl2.npy  lb2.npy\nlbad/A-nan.npy lb1.npy\nlbad/A-wide.npy missing-b.npy\n' >"$in/lsq.txt"
for i in 1 2; do
  run 1 -A "$in/l$i.npy" -b "$in/lb$i.npy" -x "$tmp/x$i.npy" -v 0 >"$tmp/out" 2>&1 || cat "$tmp/out"
done
for npg in 1:1 2:1 3:2; do
  np=${npg%:*}
  g=${npg#*:}
  o="$tmp/lsq-$np-$g"
  batch "$np" 1 "rla-lsq batch on $np ranks, groups of $g" \
    --manifest "$in/lsq.txt" --output-dir "$o" --group-size "$g"
  has "entry 3 (A-nan) failed: .*non-finite" "rla-lsq $np/$g: the NaN file's message"
  has "entry 4 (A-wide) failed: .*missing-b.npy" "rla-lsq $np/$g: the missing b's message"
  check="$bcheck"
  pycheck summary "$o/summary.json" 2 2 0 l1=done l2=done "A-nan=failed:non-finite" \
    "A-wide=failed:missing-b.npy"
  check="$srcdir/tests/drivers/check_rla_lsq.py"
  # the same sketch on any number of ranks; both solutions are backward stable, so they agree
  # within Wedin's bound from their measured backward errors
  for i in 1 2; do pycheck close "$in/l$i.npy" "$in/lb$i.npy" "$tmp/x$i.npy" "$o/l$i/x.npy"; done
done

# ---- rla-cluster: a manifest of collections ---------------------------------------------------
prog="$drv/rla-cluster"
printf 'c1\nc2\nempty\nnone\n' >"$in/cl.txt"
run 1 --collection "$in/c1" -r 2 --eps 0.05 --report "$tmp/c1.json" -v 0 >"$tmp/out" 2>&1 || cat "$tmp/out"
for npg in 1:1 2:2 3:1; do
  np=${npg%:*}
  g=${npg#*:}
  o="$tmp/cl-$np-$g"
  batch "$np" 1 "rla-cluster batch on $np ranks, groups of $g" \
    --manifest "$in/cl.txt" --output-dir "$o" --group-size "$g" -r 2 --eps 0.05 --save-factors factors
  has "entry 3 (empty) failed: .*no matrix files" "rla-cluster $np/$g: the empty collection's message"
  check="$bcheck"
  pycheck summary "$o/summary.json" 2 2 0 c1=done c2=done "empty=failed:no matrix files" "none=failed:"
  pycheck same-key "$tmp/c1.json" "$o/c1/report.json" n_clusters
  [ -n "$(ls "$o/c1/factors" | grep '^U_')" ] && pass "factors saved in the entry's directory" ||
    fail "factors saved in the entry's directory"
done

finish
