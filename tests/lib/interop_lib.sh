# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the interoperability tests (tests/interop/*.sh) after they set name: a scratch
# directory $dir removed at exit, the counters pass and fail, run DESCRIPTION COMMAND... (one
# PASS or FAIL line, the command's output shown when it fails), on RANKS PROGRAM ARGS... (an MPI
# launch with a time limit) and finish (the tally line "NAME: N passed, N failed" and the exit
# status).
dir=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0

run() { # description, command...
  desc=$1
  shift
  if "$@" >"$dir/out" 2>&1; then
    pass=$((pass + 1))
    echo "PASS: $desc"
  else
    fail=$((fail + 1))
    echo "FAIL: $desc"
    cat "$dir/out"
  fi
}

on() { # ranks, program and arguments...
  np=$1
  shift
  timeout 300 "${MPIEXEC:-mpiexec}" --oversubscribe -np "$np" "$@"
}

finish() {
  echo "$name: $pass passed, $fail failed"
  test "$fail" -eq 0
}
