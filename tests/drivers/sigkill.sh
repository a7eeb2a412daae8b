#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Interrupted runs: rla-gen writing a 16 MB matrix on 2 ranks is killed with SIGKILL at several
# moments after it starts writing. Each target must then hold either its old content or the
# complete new file (byte-identical to a clean run's), never a partial one; the temporary files
# the killed run left are hidden (".NAME.tmp.XXXXXX"), and a rerun succeeds, writes the new
# files and removes those temporaries.
name=sigkill.sh
builddir=${abs_top_builddir:-.}
mpiexec=${MPIEXEC:-mpiexec}
. "${abs_top_srcdir:-${srcdir:-.}}/tests/lib/shell_lib.sh"

files="A.npy b.npy x.npy r.json"
# gen DIR [pidfile]: the problem into DIR on 2 ranks; each rank writes its pid before it starts
gen() {
  timeout --kill-after=10 120 "$mpiexec" --oversubscribe -np 2 \
    sh -c 'echo $$ >> "'"$2"'"; exec "$0" "$@"' "$builddir/drivers/rla-gen" lsq -m 100000 -n 20 \
    --seed 3 -A "$1/A.npy" -b "$1/b.npy" -x "$1/x.npy" --report "$1/r.json" -v 1
}

# the reference: a clean run (the report differs by its timings and is compared for presence)
mkdir -p "$tmp/ref"
if gen "$tmp/ref" "$tmp/ref.pids" >"$tmp/log" 2>&1; then
  pass "clean run"
else
  cat "$tmp/log"
  fail "clean run"
fi

# is FILE old, or complete new (same bytes as the reference; the report must parse as JSON
# with the reference's keys, which a partial report would not)?
old_or_new() {
  f=$1 target=$2
  if [ ! -e "$target" ]; then
    echo absent
  elif [ "$(cat "$target")" = "old $f" ]; then
    echo old
  elif [ "$f" = r.json ]; then
    if [ "$(tail -c 2 "$target")" = "}" ] && grep -q '"peak_memory_bytes_per_rank"' "$target"; then
      echo new
    else
      echo partial
    fi
  elif cmp -s "$target" "$tmp/ref/$f"; then
    echo new
  else
    echo partial
  fi
}

# kill after DELAY seconds from the "writing" progress line; with_old: the targets exist before
for when in 0:1 0.1:1 0.3:1 0.6:1 done:1 0.2:0; do
  delay=${when%:*} with_old=${when#*:}
  {
    d="$tmp/k"
    rm -rf "$d" "$tmp/pids"
    mkdir -p "$d"
    if [ "$with_old" -eq 1 ]; then
      for f in $files; do echo "old $f" >"$d/$f"; done
    fi
    gen "$d" "$tmp/pids" >"$tmp/log" 2>&1 &
    job=$!
    waited=0
    while ! grep -q "writing" "$tmp/log" 2>/dev/null && [ "$waited" -lt 3000 ]; do
      sleep 0.01
      waited=$((waited + 1))
    done
    if [ "$delay" = done ]; then
      wait "$job"
    else
      sleep "$delay"
      for p in $(cat "$tmp/pids" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
      wait "$job"
    fi
    ntmp=$(ls -A "$d" | grep -c '^\.')
    states=""
    bad=0
    for f in $files; do
      s=$(old_or_new "$f" "$d/$f")
      states="$states $f:$s"
      [ "$s" = partial ] && bad=1
      [ "$with_old" -eq 1 ] && [ "$s" = absent ] && bad=1
    done
    what="killed $delay s after the writing began (old outputs: $with_old):$states, $ntmp temporary files left"
    if [ "$bad" -eq 0 ]; then pass "$what"; else fail "$what"; fi
    # what a killed run leaves beside its targets: only hidden temporary files
    if [ -z "$(ls "$d" | grep -v -x -e A.npy -e b.npy -e x.npy -e r.json)" ]; then
      pass "no other visible file"
    else
      ls -la "$d"
      fail "no other visible file"
    fi
    # the rerun succeeds, writes the complete files and removes the stale temporaries
    if gen "$d" "$tmp/pids2" >"$tmp/log2" 2>&1 && cmp -s "$d/A.npy" "$tmp/ref/A.npy" &&
      cmp -s "$d/b.npy" "$tmp/ref/b.npy" && cmp -s "$d/x.npy" "$tmp/ref/x.npy" &&
      [ -z "$(ls -A "$d" | grep '^\.')" ]; then
      pass "rerun succeeds and leaves no temporary file"
    else
      cat "$tmp/log2"
      ls -la "$d"
      fail "rerun after a kill at $delay s"
    fi
  }
done

finish
