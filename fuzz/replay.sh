#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replays the seed corpus and every input that once made a fuzz target fail (fuzz/corpus/TARGET,
# fuzz/regress/TARGET) through each target built with a plain main, on one rank. In a build with
# --enable-sanitizers this runs under ASan and UBSan. One test per target; last line:
# "fuzz/replay.sh: N passed, N failed".
name=fuzz/replay.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
passed=0
failed=0
for t in npy mm petsc deck manifest batch safetensors; do
  dirs=""
  for d in "$srcdir/fuzz/corpus/$t" "$srcdir/fuzz/regress/$t"; do
    [ -d "$d" ] && dirs="$dirs $d"
  done
  # shellcheck disable=SC2086
  out=$(timeout --kill-after=10 300 "${MPIEXEC:-mpiexec}" --oversubscribe -np 1 \
    "$builddir/fuzz/replay_$t" $dirs 2>&1 </dev/null)
  rc=$?
  line=$(echo "$out" | grep -E "^replay_$t: [0-9]+ passed, [0-9]+ failed" | tail -n 1)
  if [ $rc -eq 0 ] && [ -n "$line" ]; then
    passed=$((passed + 1))
    echo "ok: $line (inputs)"
  else
    failed=$((failed + 1))
    echo "$out" | tail -n 40
    echo "FAILED: replay_$t (exit $rc)"
  fi
done
echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
