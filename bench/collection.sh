#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Collection-reading benchmark: a collection of COLL_FILES (300) .npy files of COLL_M x
# COLL_WIDTH (784 x 8), made with rla-gen, against one .npy file holding the same bytes (their
# concatenation, COLL_M x COLL_FILES*COLL_WIDTH) and against the same blocks as one 3-D .npy
# file (COLL_FILES, COLL_M, COLL_WIDTH), a collection in one file, and the same blocks as one
# HDF5 file (a 3-D dataset; a group of COLL_FILES datasets) and one safetensors file; all read by
# rla_cluster_collection_read_dist on COLL_NP (2) ranks in the same run (bench/bench_collection):
# time per file and the ratio to the one file, for the many files in the auto, rows and blocks
# distributions (warm: the best of repeated reads in one process; once per one-file form); then
# cold: one launch per read (a fresh process, as rla-cluster reads), all alternately, medians and
# ratios to the many files. The HDF5 forms need rla built with HDF5 and h5py.
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
"$PY" - "$tmp/many/manifest.txt" "$tmp/single/all.npy" "$tmp" <<'EOF' || exit 1
import json, os, struct, sys
import numpy as np
base = os.path.dirname(sys.argv[1])
names = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
blocks = [np.load(os.path.join(base, f)) for f in names]
np.save(sys.argv[2], np.hstack(blocks))
np.save(os.path.join(sys.argv[3], "stack.npy"), np.stack(blocks))
# safetensors: the header, then the blocks' bytes in order
head, off = {}, 0
for k, b in enumerate(blocks):
    head["b%06d" % k] = {"dtype": "F64", "shape": list(b.shape), "data_offsets": [off, off + b.nbytes]}
    off += b.nbytes
h = json.dumps(head).encode()
with open(os.path.join(sys.argv[3], "w.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    for b in blocks:
        f.write(np.ascontiguousarray(b, "<f8").tobytes())
try:
    import h5py
except ImportError:
    sys.exit(0)
with h5py.File(os.path.join(sys.argv[3], "stack.h5"), "w") as f:
    f["blocks"] = np.stack(blocks)
with h5py.File(os.path.join(sys.argv[3], "group.h5"), "w") as f:
    for k, b in enumerate(blocks):
        f["g/b%06d" % k] = b
EOF
# the one-file forms: kind=path
onefile="stack=$tmp/stack.npy safetensors=$tmp/w.safetensors"
[ -e "$tmp/stack.h5" ] && onefile="$onefile h5-3d=$tmp/stack.h5:/blocks h5-group=$tmp/group.h5:/g"
echo "collection.sh: $N files of $M x $W against one $M x $((N * W)) file, $NP ranks $(load)"
for kp in $onefile; do
  echo "== one file: ${kp%%=*}"
  mpiexec -np "$NP" "$builddir/bench/bench_collection" --many "$tmp/many/manifest.txt" \
    --single "$tmp/single" --stack "${kp#*=}" --repeat "${COLL_REPEAT:-11}" ||
    { echo "collection.sh: bench_collection failed"; exit 1; }
done

# cold: one launch per read, the many files, the one file and each one-file form alternately,
# COLL_COLD (5) each
echo "collection.sh: cold reads, one launch each, alternately $(load)"
: >"$tmp/cold.txt"
for i in $(seq "${COLL_COLD:-5}"); do
  for kp in many=many single=single $onefile; do
    which=${kp%%=*} arg=${kp#*=}
    case $which in many | single) path=$tmp/stack.npy cold=$which ;; *) path=$arg cold=stack ;; esac
    mpiexec -np "$NP" "$builddir/bench/bench_collection" --many "$tmp/many/manifest.txt" \
      --single "$tmp/single" --stack "$path" --cold "$cold" >"$tmp/one.txt" 2>&1 ||
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
m = statistics.median(t["many"])
for which, v in t.items():
    k = statistics.median(v)
    label = f"{sys.argv[2]} files" if which == "many" else which
    print(f"cold {label:16s}: median {k:.4f} s ({min(v):.4f}-{max(v):.4f}); many / this {m / k:.2f}x")
    print(f"RESULT cold_{which.replace('-', '_')}_time {k:.6f}")
EOF
echo "collection.sh: done $(load)"
