#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Sum the results of "make check" runs: every test log ends with "NAME: N passed, N failed"
# (or "... on P ranks: N passed, N failed"); a log without that line (a crash, a time-out)
# counts as one failure, and a skipped program (exit 77) as one skip. Prints one line:
# "N passed, N failed[, N skipped]" over all the build directories given.
# usage: tally.sh BUILDDIR...
[ $# -gt 0 ] || set -- .
passed=0 failed=0 skipped=0
for dir in "$@"; do
  for trs in $(find "$dir/tests" "$dir/fuzz" -name '*.trs' 2>/dev/null | sort); do
    log=${trs%.trs}.log
    result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1)
    if [ "$result" = SKIP ]; then
      skipped=$((skipped + 1))
    elif [ -n "$line" ]; then
      p=$(echo " $line" | sed -E 's/.*[^0-9]([0-9]+) passed, .*/\1/')
      f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
      passed=$((passed + p))
      failed=$((failed + f))
      # a program that reported no failure but exited non-zero still failed
      if [ "$result" != PASS ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
    else
      failed=$((failed + 1))
    fi
  done
done
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
