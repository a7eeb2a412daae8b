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
