#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Collection-reading benchmark: a collection of COLL_FILES (300) .npy files of COLL_M x
# COLL_WIDTH (784 x 8), made with rla-gen, against one .npy file holding the same bytes (their
# concatenation, COLL_M x COLL_FILES*COLL_WIDTH) and against the same blocks as one 3-D .npy
# file (COLL_FILES, COLL_M, COLL_WIDTH), a collection in one file; all read by
# rla_cluster_collection_read_dist on COLL_NP (2) ranks in the same run (bench/bench_collection):
# time per file and the ratio to the one file, for the many files in the auto, rows and blocks
# distributions (warm: the best of repeated reads in one process); then cold: one launch per
# read (a fresh process, as rla-cluster reads), the three alternately, medians and ratios.
# Usage: sh bench/collection.sh [BUILDDIR] (default: the current directory); builds
# bench/bench_collection and drivers/rla-gen there. Environment: COLL_FILES, COLL_M, COLL_WIDTH,
# COLL_NP, COLL_REPEAT (11), COLL_COLD (5 cold launches of each).
set -u
builddir=$(cd "${1:-.}" && pwd)
N=${COLL_FILES:-300} M=${COLL_M:-784} W=${COLL_WIDTH:-8} NP=${COLL_NP:-2}
PY=/usr/bin/python3
. "$(dirname "$0")/env.sh"
export OMPI_MCA_rmaps_base_oversubscribe=1
make -C "$builddir" -j2 bench/bench_collection drivers/rla-gen >/dev/null ||
  { echo "collection.sh: building in $builddir failed"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rla-collection-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
load() { echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }

"$builddir/drivers/rla-gen" collection -m "$M" --blocks "$N" --width "$W" --subspaces 10 --dim 4 \
  --noise 1e-3 --seed 1 --dir "$tmp/many" -v 0 >"$tmp/gen.out" 2>&1 ||
  { cat "$tmp/gen.out"; echo "collection.sh: rla-gen failed"; exit 1; }
mkdir "$tmp/single"
"$PY" - "$tmp/many/manifest.txt" "$tmp/single/all.npy" "$tmp/stack.npy" <<'EOF' || exit 1
import os, sys
import numpy as np
base = os.path.dirname(sys.argv[1])
names = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
blocks = [np.load(os.path.join(base, f)) for f in names]
np.save(sys.argv[2], np.hstack(blocks))
np.save(sys.argv[3], np.stack(blocks))
EOF
echo "collection.sh: $N files of $M x $W against one $M x $((N * W)) file, $NP ranks $(load)"
mpiexec -np "$NP" "$builddir/bench/bench_collection" --many "$tmp/many/manifest.txt" \
  --single "$tmp/single" --stack "$tmp/stack.npy" --repeat "${COLL_REPEAT:-11}" ||
  { echo "collection.sh: bench_collection failed"; exit 1; }

# cold: one launch per read, the many files and the one file alternately, COLL_COLD (5) each
echo "collection.sh: cold reads, one launch each, alternately $(load)"
: >"$tmp/cold.txt"
for i in $(seq "${COLL_COLD:-5}"); do
  for which in many single stack; do
    mpiexec -np "$NP" "$builddir/bench/bench_collection" --many "$tmp/many/manifest.txt" \
      --single "$tmp/single" --stack "$tmp/stack.npy" --cold "$which" >"$tmp/one.txt" 2>&1 ||
      { cat "$tmp/one.txt"; echo "collection.sh: cold read failed"; exit 1; }
    echo "$which $(sed -n 's/^RESULT cold_time //p' "$tmp/one.txt")" >>"$tmp/cold.txt"
  done
done
"$PY" - "$tmp/cold.txt" "$N" <<'EOF'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    which, v = line.split()
    t.setdefault(which, []).append(float(v))
m, s, k = (statistics.median(t[w]) for w in ("many", "single", "stack"))
print(f"cold many ({sys.argv[2]} files): median {m:.4f} s ({min(t['many']):.4f}-{max(t['many']):.4f}); "
      f"one file: median {s:.4f} s ({min(t['single']):.4f}-{max(t['single']):.4f}); ratio {m / s:.2f}x")
print(f"cold stack (one 3-D file): median {k:.4f} s ({min(t['stack']):.4f}-{max(t['stack']):.4f}); "
      f"many / stack {m / k:.2f}x")
print(f"RESULT cold_many_time {m:.6f}\nRESULT cold_single_time {s:.6f}\nRESULT cold_ratio {m / s:.3f}")
print(f"RESULT cold_stack_time {k:.6f}\nRESULT cold_many_over_stack {m / k:.3f}")
EOF
echo "collection.sh: done $(load)"
