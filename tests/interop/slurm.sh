#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The job scripts under jobs/ against a live single-node SLURM started here (munged, slurmctld,
# slurmd on localhost, no systemd, no cgroups): each script is submitted with sbatch and its
# outputs checked (reports PASSED, CSV rows, valid PNG files), the job array is run twice (the
# second submission skips), one array task is cancelled midway and rerun, and a --manifest
# batch with one bad input completes the good ones and reports the bad one. Without SLURM the
# test is skipped (exit 77), unless RLA_REQUIRE_SLURM=1 (set by .ci/run) makes that a failure.
name=slurm.sh
builddir=${abs_top_builddir:-$(pwd)}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
srcdir=$(cd "$srcdir" && pwd)

unavailable() {
  if [ "${RLA_REQUIRE_SLURM:-0}" = 1 ]; then
    echo "FAILED: $1 (RLA_REQUIRE_SLURM=1: SLURM is required here)"
    echo "$name: 0 passed, 1 failed"
    exit 1
  fi
  echo "$name: skipped: $1 (install slurm-wlm, munge and gnuplot-nox and run as root;" \
    "RLA_REQUIRE_SLURM=1 makes this a failure)"
  exit 77
}
for cmd in slurmctld slurmd sbatch scontrol scancel sinfo srun munged mungekey runuser gnuplot; do
  command -v "$cmd" >/dev/null 2>&1 || unavailable "$cmd not found"
done
[ "$(id -u)" -eq 0 ] || unavailable "starting slurmd needs root"
id munge >/dev/null 2>&1 || unavailable "no munge user"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

. "$srcdir/tests/interop/slurm_daemons.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX") || exit 1
chmod 755 "$tmp"
passed=0
failed=0
cleanup() {
  slurm_stop
  if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
    for f in "$tmp"/slurm/log/*.log; do
      [ -f "$f" ] && { echo "--- $f (tail)"; tail -n 15 "$f"; }
    done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAILED: $1"; }
check() { # check DESCRIPTION COMMAND...: pass when the command succeeds
  what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# submit ARGS...: sbatch, printing the job id
submit() {
  sbatch --parsable "$@" 2>"$tmp/sbatch.err" | cut -d';' -f1
}

# wait_jobs ID...: until every job (and array task) has ended; 150 s at most
wait_jobs() {
  i=0
  while [ "$i" -lt 1500 ]; do
    busy=0
    for j in "$@"; do
      if scontrol -o show job "$j" 2>/dev/null | grep -q -E 'JobState=(PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED)'; then
        busy=1
      fi
    done
    [ "$busy" -eq 0 ] && return 0
    sleep 0.1
    i=$((i + 1))
  done
  echo "jobs $* still running after 150 s: cancelled" >&2
  scancel "$@"
  return 1
}

# job_ok ID: every task of the job completed with exit code 0
job_ok() {
  states=$(scontrol -o show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*ExitCode=\([0-9:]*\).*/\1 \2/p')
  [ -n "$states" ] && ! echo "$states" | grep -v -q -x 'COMPLETED 0:0'
}

# png_ok FILE: PNG signature and the 800 x 600 size rla-summary asks gnuplot for
png_ok() {
  [ "$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')" = 89504e470d0a1a0a ] &&
    [ "$(od -An -tu1 -j16 -N8 "$1" | tr -s ' \n' ' ')" = " 0 0 3 32 0 0 2 88 " ]
}

# valid_json FILE
valid_json() { "$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }

show() { for f in "$@"; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; }

# --- the scripts check their inputs before MPI starts, with a clear message ---------------
cd "$tmp" || exit 1
# the jobs find the drivers through RLA_BIN and rla-summary on PATH (sbatch passes the
# environment on)
export RLA_BIN="$builddir/drivers"
PATH="$srcdir/jobs:$PATH"
export PATH
unset RLA_DECK RLA_OUT RLA_TASKS RLA_DRIVER RLA_MANIFEST

# refused WHAT TEXT COMMAND...: the script, run outside SLURM, exits with status 2 saying TEXT
refused() {
  what=$1
  want=$2
  shift 2
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -eq 2 ] && echo "$out" | grep -q -- "$want"; then
    pass "$what: $out"
  else
    echo "$out (exit status $status)"
    fail "$what"
  fi
}
for s in lsq svd cluster; do
  refused "rla-$s.sbatch: a missing deck" "deck 'missing.in' not found" \
    sh "$srcdir/jobs/rla-$s.sbatch" missing.in
done
refused "rla-svd.sbatch: a missing input named in the deck" "names A = nowhere.npy" \
  sh -c 'echo "A = nowhere.npy" >d.in; sh "$0" d.in' "$srcdir/jobs/rla-svd.sbatch"
refused "rla-array.sbatch: a missing manifest" "manifest 'nothing.txt' not found" \
  env RLA_MANIFEST=nothing.txt sh "$srcdir/jobs/rla-array.sbatch"
refused "rla-array.sbatch: not an array task" "submit with sbatch --array" \
  env RLA_MANIFEST="$srcdir/inputs/cluster/manifest.txt" sh "$srcdir/jobs/rla-array.sbatch"
refused "rla-sweep.sbatch: a task count beyond the allocation" "does not fit the allocation of 2" \
  env RLA_TASKS="1 64" SLURM_NTASKS=2 RLA_BIN="$builddir/drivers" \
  sh "$srcdir/jobs/rla-sweep.sbatch" "$srcdir/inputs/svd.in"
refused "rla-batch.sbatch: an unknown driver" "must be lsq, svd or cluster" \
  env RLA_DRIVER=qr sh "$srcdir/jobs/rla-batch.sbatch"

# --- inputs: small matrices for the array and the batch, one large for the cancellation ----
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  OMPI_MCA_btl_vader_single_copy_mechanism=none OPENBLAS_NUM_THREADS=1
mkdir -p "$tmp/col"
gen_ok=1
for i in 1 2 3; do
  "$builddir/drivers/rla-gen" svd -m 300 -n 60 --seed "$i" -A "$tmp/col/m$i.npy" -v 0 >/dev/null || gen_ok=0
done
"$builddir/drivers/rla-gen" svd -m 1200 -n 800 --seed 4 -A "$tmp/col/big.npy" -v 0 >/dev/null || gen_ok=0
check "rla-gen made the inputs" [ "$gen_ok" -eq 1 ]
printf '# three small matrices\nm1.npy\n\nm2.npy\nm3.npy\nbig.npy\n' >"$tmp/col/list.txt"
echo "not a matrix" >"$tmp/col/bad.npy"
printf 'm1.npy\nbad.npy\nm2.npy\n' >"$tmp/col/batch.txt"

# --- the daemons ----------------------------------------------------------------------------
start=$(date +%s)
if ! slurm_start "$tmp/slurm"; then
  fail "slurmctld and slurmd started on localhost"
  echo "$name: $passed passed, $failed failed"
  exit 1
fi
pass "munged, slurmctld and slurmd started, the node is idle (pids $slurm_pids)"


# --- one run per driver from the bundled decks, and the sweep ------------------------------
ids=""
for s in lsq svd cluster; do
  id=$(RLA_OUT="$tmp/$s" submit -n 2 --chdir="$srcdir" -o "$tmp/$s.out" "$srcdir/jobs/rla-$s.sbatch")
  [ -n "$id" ] || { cat "$tmp/sbatch.err"; fail "sbatch rla-$s.sbatch"; }
  eval "id_$s=\$id"
  ids="$ids $id"
done
id_sweep=$(RLA_OUT="$tmp/sweep" RLA_TASKS="1 2" submit -n 2 --chdir="$srcdir" -o "$tmp/sweep.out" \
  "$srcdir/jobs/rla-sweep.sbatch")
n=$(grep -c -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$tmp/col/list.txt")
id_array=$(RLA_MANIFEST="$tmp/col/list.txt" RLA_OUT="$tmp/array" submit --array=1-$((n - 1)) \
  -o "$tmp/array-%a.out" "$srcdir/jobs/rla-array.sbatch" -k 10)
wait_jobs $ids $id_sweep $id_array
for s in lsq svd cluster; do
  eval "id=\$id_$s"
  if job_ok "$id" && grep -q '^PASSED' "$tmp/$s.out" && ! grep -q '^FAILED' "$tmp/$s.out" &&
    valid_json "$tmp/$s/report.json"; then
    pass "rla-$s.sbatch: job $id completed, checks PASSED, report written"
  else
    show "$tmp/$s.out"
    fail "rla-$s.sbatch (job $id)"
  fi
done
[ -s "$tmp/lsq/x.npy" ] && [ -s "$tmp/svd/S.npy" ] && [ -d "$tmp/cluster/factors" ]
check "the single runs wrote their outputs (x.npy, S.npy, factors/)" [ $? -eq 0 ]

if job_ok "$id_sweep" && [ -f "$tmp/sweep/np1-1.json" ] && [ -f "$tmp/sweep/np2-1.json" ]; then
  pass "rla-sweep.sbatch: job $id_sweep ran at 1 and 2 tasks"
else
  show "$tmp/sweep.out"
  fail "rla-sweep.sbatch (job $id_sweep)"
fi
rows=$(awk -F, 'NR > 1 && ($2 == 1 || $2 == 2)' "$tmp/sweep/scaling.csv" 2>/dev/null | wc -l)
check "scaling.csv has a row per task count ($rows)" [ "$rows" -eq 2 ]
check "runs.csv has a row per sweep report" [ "$(($(wc -l <"$tmp/sweep/runs.csv") - 1))" -eq 2 ]
check "scaling.png is an 800 x 600 PNG" png_ok "$tmp/sweep/scaling.png"
check "spectrum.png is an 800 x 600 PNG" png_ok "$tmp/sweep/spectrum.png"

# --- the summary tool over the three single runs -----------------------------------------
if rla-summary "$tmp" -o "$tmp/summary" >"$tmp/summary.out" 2>&1; then
  pass "rla-summary over every report: $(cat "$tmp/summary.out")"
else
  show "$tmp/summary.out"
  fail "rla-summary over every report"
fi
for p in spectrum clusters; do
  check "$p.png is an 800 x 600 PNG" png_ok "$tmp/summary/$p.png"
done
if grep -q '"history"' "$tmp/lsq/report.json"; then
  check "convergence.png is an 800 x 600 PNG" png_ok "$tmp/summary/convergence.png"
else
  check "no convergence plot without an iteration history in the rla-lsq report" \
    [ ! -e "$tmp/summary/convergence.png" ]
fi
check "runs.csv has the three single runs" [ "$(grep -c -E '^(lsq|svd|cluster)/report.json,' "$tmp/summary/runs.csv")" -eq 3 ]
check "clusters.csv has one row per cluster" [ "$(($(wc -l <"$tmp/summary/clusters.csv") - 1))" -eq \
  "$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["clusters"]))' "$tmp/cluster/report.json")" ]

# --- the job array: complete, then resubmitted (skips), then a cancelled task ----------------
done_ok=1
for i in 1 2 3; do
  valid_json "$tmp/array/m$i/report.json" && [ -s "$tmp/array/m$i/S.npy" ] || done_ok=0
done
if job_ok "$id_array" && [ "$done_ok" -eq 1 ]; then
  pass "rla-array.sbatch: job array $id_array wrote array/m1, m2, m3 with their reports"
else
  show "$tmp"/array-*.out
  fail "rla-array.sbatch: job array $id_array"
fi
before=$(ls -l --time-style=+%s.%N "$tmp"/array/*/report.json | md5sum)
id=$(RLA_MANIFEST="$tmp/col/list.txt" RLA_OUT="$tmp/array" submit --array=1-$((n - 1)) \
  -o "$tmp/again-%a.out" "$srcdir/jobs/rla-array.sbatch" -k 10)
wait_jobs "$id"
after=$(ls -l --time-style=+%s.%N "$tmp"/array/*/report.json | md5sum)
if job_ok "$id" && [ "$(cat "$tmp"/again-*.out | grep -c '0 entries to run, 1 already done')" -eq 3 ] &&
  [ "$before" = "$after" ]; then
  pass "the resubmitted array $id skipped its 3 complete entries and rewrote nothing"
else
  show "$tmp"/again-*.out
  fail "the resubmitted array $id skips complete entries"
fi

# entry 4 (big.npy, made slow with many power steps) is cancelled once its driver runs
id=$(RLA_MANIFEST="$tmp/col/list.txt" RLA_OUT="$tmp/array" submit --array=$n -o "$tmp/kill.out" \
  "$srcdir/jobs/rla-array.sbatch" -k 300 --power 60)
running=0
i=0
while [ "$i" -lt 600 ]; do
  if ls -A "$tmp/array" | grep -q '^\.big\.tmp\.'; then
    running=1
    break
  fi
  sleep 0.05
  i=$((i + 1))
done
sleep 0.5
scancel "$id"
wait_jobs "$id"
# what may remain is the hidden temporary directory, never array/big
if [ "$running" -eq 1 ] && ! job_ok "$id" && [ ! -e "$tmp/array/big" ] &&
  [ -z "$(find "$tmp/array" -path '*big*' -name report.json)" ]; then
  pass "array task $id cancelled while rla-svd ran: no array/big, no report of it anywhere"
else
  show "$tmp/kill.out"
  ls -la "$tmp/array"
  fail "array task $id cancelled midway (driver seen running: $running)"
fi
id=$(RLA_MANIFEST="$tmp/col/list.txt" RLA_OUT="$tmp/array" submit --array=1-$n -o "$tmp/rerun-%a.out" \
  "$srcdir/jobs/rla-array.sbatch" -k 10)
wait_jobs "$id"
if job_ok "$id" && valid_json "$tmp/array/big/report.json" && grep -q '^PASSED' "$tmp/rerun-$n.out" &&
  [ "$(cat "$tmp"/rerun-*.out | grep -c '0 entries to run, 1 already done')" -eq 3 ]; then
  pass "the rerun $id completed the cancelled entry and skipped the 3 others"
else
  show "$tmp"/rerun-*.out
  fail "the rerun completes the cancelled entry"
fi
bad=0
for d in "$tmp"/array/*/; do valid_json "$d/report.json" || bad=$((bad + 1)); done
[ "$(ls -d "$tmp"/array/*/ | wc -l)" -eq 4 ] || bad=$((bad + 1))
[ -z "$(ls -A "$tmp/array" | grep '^\.')" ] || bad=$((bad + 1))
check "four array/<stem>/report.json, each complete JSON, and no temporary directory left" \
  [ "$bad" -eq 0 ]

# --- --manifest mode in one allocation, one bad entry among good ones ------------------------
if "$builddir/drivers/rla-svd" --help 2>&1 | grep -q -- '--manifest'; then
  id=$(RLA_MANIFEST="$tmp/col/batch.txt" RLA_OUT="$tmp/batch" RLA_GROUP_SIZE=1 submit -n 2 \
    -o "$tmp/batch.out" "$srcdir/jobs/rla-batch.sbatch" -k 10)
  wait_jobs "$id"
  if ! job_ok "$id" && valid_json "$tmp/batch/m1/report.json" && valid_json "$tmp/batch/m2/report.json" &&
    [ ! -e "$tmp/batch/bad/report.json" ] && grep -q 'bad' "$tmp/batch.out" &&
    "$PYTHON" -c '
import json, sys
s = json.load(open(sys.argv[1]))
st = {e["stem"]: e for e in s["entries"]}
assert st["m1"]["status"] == "done" and st["m2"]["status"] == "done"
assert st["bad"]["status"] == "failed" and st["bad"]["message"]
' "$tmp/batch/summary.json"; then
    pass "rla-batch.sbatch: job $id completed m1 and m2, reported bad as failed, exit status non-zero"
  else
    show "$tmp/batch.out" "$tmp/batch/summary.json"
    fail "rla-batch.sbatch: one bad input among good ones (job $id)"
  fi
  check "batch.csv lists the three entries" [ "$(($(wc -l <"$tmp/batch/batch.csv" 2>/dev/null || echo 1) - 1))" -eq 3 ]
else
  fail "rla-batch.sbatch: rla-svd has no --manifest mode"
fi

echo "SLURM part: $(($(date +%s) - start)) s"
echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
