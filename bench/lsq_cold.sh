#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Least squares as users run it: one "mpiexec -np 2 rla-lsq" launch per problem and method, in a
# fresh process (cold), against repeated solves in one process (warm), on two problem families:
#   gen:   rla-gen lsq (A = U diag(sigma) V^T, sigma geometric 1 .. 1/cond, ||r*|| = 1e-3)
#   numpy: bench/gen_lsq_family.py (the same shape of problem from an independent generator,
#          sigma log-spaced 1 .. 1/cond, ||r*|| / ||b|| = 1e-3)
# Cold: each method (accurate, solve, direct = PDGELS with its redistribution) in its own launch;
# the median and the range over LSQ_R launches of each time of the --report JSON (time_solve and
# its phases) and of the launch's wall time, the accuracy, the accurate method's factorization,
# and the ratios direct/accurate and direct/solve of the same run. Warm: the same files through
# rla-lsq's batch mode (a manifest naming the problem LSQ_WARM_N times, all solved in one launch,
# a new solver per entry in a warm process: the best of entries 2..N, and entry 1 apart), one
# batch launch per method after each round of cold launches, so that both see the same load;
# then bench_lsq --repeat (its own problem, one solver per method reused: the best of LSQ_R).
# usage: bench/lsq_cold.sh [BUILDDIR]   (default: the current directory, after make)
# Environment: LSQ_M (262144), LSQ_D ("256 1024"), LSQ_R (3), LSQ_COND (1e6), LSQ_RHO (1e-3),
#   LSQ_FAMILIES ("gen numpy"), LSQ_METHODS ("accurate solve direct"), LSQ_WARM (1),
#   LSQ_WARM_N (3), LSQ_NP (2), LSQ_OUT ($BUILDDIR/bench/out/lsq). The problems stay in LSQ_OUT
#   for the next run with the same parameters (8 m d bytes each: 2 GiB at 2^18 x 1024).
set -u
builddir=$(cd "${1:-.}" && pwd)
srcdir=$(cd "$(dirname "$0")/.." && pwd)
M=${LSQ_M:-262144} DS=${LSQ_D:-"256 1024"} R=${LSQ_R:-3} COND=${LSQ_COND:-1e6}
RHO=${LSQ_RHO:-1e-3} FAMILIES=${LSQ_FAMILIES:-"gen numpy"}
METHODS=${LSQ_METHODS:-"accurate solve direct"} WARM=${LSQ_WARM:-1} WARM_N=${LSQ_WARM_N:-3}
NP=${LSQ_NP:-2}
out=${LSQ_OUT:-$builddir/bench/out/lsq}
PY=/usr/bin/python3
. "$(dirname "$0")/env.sh"
export OMPI_MCA_rmaps_base_oversubscribe=1
lsq="$builddir/drivers/rla-lsq" gen="$builddir/drivers/rla-gen"
for p in "$lsq" "$gen"; do
  [ -x "$p" ] || { echo "lsq_cold.sh: no $p: run make in $builddir first"; exit 1; }
done
mkdir -p "$out" || exit 1

load() { echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }
now() { date +%s.%N; }

# problem FAMILY D: writes $out/FAMILY-M-D/{A,b,x}.npy unless a run with the same parameters did
problem() {
  dir="$out/$1-$M-$2"
  stamp="$1 m=$M d=$2 cond=$COND rho=$RHO"
  [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ] && return 0
  rm -rf "$dir" && mkdir -p "$dir" || return 1
  t0=$(now)
  if [ "$1" = gen ]; then
    # rla-gen's residual is absolute (||x*|| = 1, ||A||_2 = 1): LSQ_RHO is ||r*|| here
    mpiexec -np "$NP" "$gen" lsq -m "$M" -n "$2" --cond "$COND" --residual "$RHO" --seed 1 \
      -A "$dir/A.npy" -b "$dir/b.npy" -x "$dir/x.npy" -v 0 >"$dir/gen.txt" 2>&1
  else
    OPENBLAS_NUM_THREADS=$NP "$PY" "$srcdir/bench/gen_lsq_family.py" --m "$M" --d "$2" \
      --cond "$COND" --rho "$RHO" --seed 1 --out "$dir" >"$dir/gen.txt" 2>&1
  fi || { cat "$dir/gen.txt"; echo "lsq_cold.sh: generating $1 $M x $2 failed"; return 1; }
  echo "$stamp" >"$dir/stamp"
  echo "generated $1 $M x $2 in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
}

# summary of the reports named in the file $1 (lines: method wall_s status report.json) under
# the title $2: medians and ranges per method, then the ratios to the direct method
summarize() {
  "$PY" - "$1" "$2" <<'EOF'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for method, wall, status, path in rows:
    try:
        rep = json.load(open(path))
    except (OSError, ValueError):
        rep = {}
    rep = {k: float("nan") if v is None else v for k, v in rep.items()}  # null: not computed
    rep["wall"] = float(wall)
    rep["status"] = int(status)
    by.setdefault(method, []).append(rep)
phases = ["time_sketch", "time_factor", "time_iterate", "time_redistribute", "time_residual"]
def med(reps, k):
    v = [r[k] for r in reps if isinstance(r.get(k), (int, float))]
    return (statistics.median(v), min(v), max(v)) if v else (float("nan"),) * 3
print(sys.argv[2])
print("  %-14s %17s %17s %6s %6s | %6s %6s %7s %6s %6s %6s | %4s %-9s %8s %8s %9s %8s" % (
    "method", "time_solve (range)", "wall (range)", "job", "read", "sketch", "factor", "iterate",
    "redist", "resid", "other", "its", "factoriz.", "bwd_est", "bwd_err", "residual",
    "fwd_err"))
solve = {}
for method, reps in by.items():
    ok = [r for r in reps if "time_solve" in r]
    if not ok:
        print("  %-14s no report (%d launches failed)" % (method, len(reps)))
        continue
    ts, tw = med(ok, "time_solve"), med(ok, "wall")
    tj, tr = med(ok, "time_total"), med(ok, "time_read")
    ph = [med(ok, k)[0] for k in phases]
    for r in ok:  # per launch, so that the phases' medians need not add up
        r["other"] = r["time_solve"] - sum(r.get(k, 0.0) for k in phases)
    other = med(ok, "other")[0]
    solve[method] = (ts[0], tw[0])
    last = ok[-1]
    facts = sorted(set(r.get("factorization", "?") for r in ok))
    print("  %-14s %6.3f (%.3f-%.3f) %6.2f (%.2f-%.2f) %6.2f %6.2f | %6.3f %6.3f %7.3f %6.3f %6.3f %6.3f"
          " | %4d %-9s %8.1e %8.1e %9.3e %8.1e%s" % (
              method, ts[0], ts[1], ts[2], tw[0], tw[1], tw[2], tj[0], tr[0], *ph, other,
              last.get("iterations", -1), ",".join(facts),
              last.get("backward_error_estimate", float("nan")),
              last.get("backward_error", float("nan")), last.get("residual_norm", float("nan")),
              last.get("forward_error", float("nan")),
              "" if all(r["status"] == 0 for r in reps) else "  (a check FAILED: exit status %s)"
              % ",".join(str(r["status"]) for r in reps)))
if "direct" in solve:
    for m in ("accurate", "solve"):
        if m in solve:
            print("  direct/%s: time_solve %.2f, wall %.2f" % (
                m, solve["direct"][0] / solve[m][0], solve["direct"][1] / solve[m][1]))
EOF
}

# cold launch FAMILY D METHOD I: one driver launch, its line appended to cold.txt
cold_launch() {
  dir="$out/$1-$M-$2" rep="$out/$1-$M-$2/cold-$3-$4.json"
  rm -f "$rep"
  t0=$(now)
  mpiexec -np "$NP" "$lsq" -A "$dir/A.npy" -b "$dir/b.npy" --x-exact "$dir/x.npy" \
    --method "$3" --report "$rep" -v 0 >"$dir/cold-$3-$4.txt" 2>&1
  st=$?
  echo "$3 $(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }') $st $rep" >>"$dir/cold.txt"
}

# warm launch FAMILY D METHOD I: one batch launch over a manifest naming the problem WARM_N
# times (each entry a symbolic link, as the batch wants distinct names); appends to warm.txt
# the entry of 2..WARM_N with the least time_solve as METHOD and entry 1 (the process's first
# solve) as first-METHOD, each with the launch's wall time divided by WARM_N
warm_launch() {
  dir="$out/$1-$M-$2" res="$out/$1-$M-$2/warm-$3-$4"
  if [ ! -f "$dir/manifest.txt" ]; then
    i=1
    while [ "$i" -le "$WARM_N" ]; do
      ln -sf A.npy "$dir/A$i.npy"
      echo "A$i.npy b.npy"
      i=$((i + 1))
    done >"$dir/manifest.txt"
  fi
  rm -rf "$res"
  t0=$(now)
  mpiexec -np "$NP" "$lsq" --manifest "$dir/manifest.txt" --output-dir "$res" \
    --group-size "$NP" --x-exact "$dir/x.npy" --method "$3" -v 0 >"$res.txt" 2>&1
  st=$?
  wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
  "$PY" - "$res" "$WARM_N" "$3" "$wall" "$st" >>"$dir/warm.txt" <<'EOF'
import json, sys
d, n, meth, wall, st = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def t(i):
    try:
        return json.load(open("%s/A%d/report.json" % (d, i)))["time_solve"]
    except (OSError, ValueError, KeyError):
        return float("inf")
best = min(range(2, n + 1), key=t) if n > 1 else 1
print(meth, float(wall) / n, st, "%s/A%d/report.json" % (d, best))
print("first-" + meth, float(wall) / n, st, "%s/A1/report.json" % d)
EOF
}

# FAMILY D: R rounds of (a cold launch per method, a warm batch launch per method), so that a
# change of the machine's load hits cold and warm, and every method, alike; then the summaries
measure() {
  dir="$out/$1-$M-$2"
  : >"$dir/cold.txt"
  : >"$dir/warm.txt"
  rm -f "$dir/manifest.txt"
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  r=1
  while [ "$r" -le "$R" ]; do
    for meth in $METHODS; do
      cold_launch "$1" "$2" "$meth" "$r"
    done
    if [ "$WARM" = 1 ]; then
      for meth in $METHODS; do
        warm_launch "$1" "$2" "$meth" "$r"
      done
    fi
    r=$((r + 1))
  done
  after=$(cut -d' ' -f1-3 /proc/loadavg)
  summarize "$dir/cold.txt" "== cold: $1, $M x $2, $NP ranks, one launch per solve, $R per method (load average: $before at the start, $after at the end)"
  [ "$WARM" = 1 ] && summarize "$dir/warm.txt" "== warm: $1, $M x $2, $R batch launches of $WARM_N solves per method: 'method' the best of solves 2..$WARM_N, 'first-method' solve 1; wall = the launch's / $WARM_N (run interleaved with the cold launches above)"
}

echo "lsq_cold.sh: m = $M, d = $DS, cond $COND, rho $RHO, $NP ranks, $R launches per method"
echo "columns: medians over the launches (time_solve and wall with their range); phases from the"
echo "report (other = time_solve minus the phases), job = the driver's time_total (wall minus job:"
echo "MPI start and end), read = time_read; accuracy of the last launch"
load
for d in $DS; do
  for fam in $FAMILIES; do
    problem "$fam" "$d" || exit 1
    [ "$fam" = numpy ] && sed 's/^/  /' "$out/$fam-$M-$d/gen.txt"
    [ "$fam" = gen ] && "$PY" -c "import numpy as np, sys; b = np.load(sys.argv[1]); print('  rla-gen: ||r*|| / ||b|| = %.3e' % (float(sys.argv[2]) / np.linalg.norm(b)))" "$out/$fam-$M-$d/b.npy" "$RHO"
    measure "$fam" "$d"
  done
  if [ "$WARM" = 1 ]; then
    bl="$builddir/bench/bench_lsq"
    [ -x "$bl" ] || (cd "$builddir" && make bench/bench_lsq >/dev/null 2>&1)
    if [ -x "$bl" ]; then
      echo "== warm (bench_lsq: its own problem, kappa $COND, noise $RHO ||A x||, one solver per method reused; best of $R) $(load)"
      mpiexec -np "$NP" "$bl" --rows "$M" --cols "$d" --kappa "$COND" --rho "$RHO" --repeat "$R" 2>&1 |
        sed 's/^/  /'
    else
      echo "lsq_cold.sh: bench_lsq could not be built in $builddir: its warm line is skipped"
    fi
  fi
done
load
