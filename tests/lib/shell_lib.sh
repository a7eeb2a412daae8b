# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the shell tests after they set name: the rank counts of this build (nps, from
# tests/lib/nps.sh), a scratch directory $tmp removed at exit, pass/fail counters, and finish (the
# tally line "NAME: N passed, N failed" and the exit status).
. "${abs_top_srcdir:-${srcdir:-.}}/tests/lib/nps.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAILED: $1"; }

finish() {
  echo "$name: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
