#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Batch-mode benchmark: N matrices of M x N_COLS (default 200 of 2000 x 200) through one
#   mpiexec -np 2 rla-svd --manifest LIST --group-size 1
# against N separate launches of the same driver on the same 2 ranks, in the same run:
#   a. two parallel streams of "mpiexec -np 1 rla-svd -A FILE" (each rank works on its own
#      matrices, as the batch does: the fair comparison)
#   b. one stream of "mpiexec -np 2 rla-svd -A FILE" (every matrix on both ranks)
# The goal is batch >= 5x faster than (a). The matrices go to a temporary directory, removed at
# the end. usage: bench/batch.sh [BUILDDIR] (default: the current directory, after make).
# Environment: BATCH_N (200), BATCH_M (2000), BATCH_COLS (200), BATCH_K (20),
# BATCH_SEPARATE_NP2 (1: also run b).
set -u
builddir=$(cd "${1:-.}" && pwd)
N=${BATCH_N:-200} M=${BATCH_M:-2000} COLS=${BATCH_COLS:-200} K=${BATCH_K:-20}
PY=/usr/bin/python3
. "$(dirname "$0")/env.sh"
export OMPI_MCA_rmaps_base_oversubscribe=1
svd="$builddir/drivers/rla-svd"
[ -x "$svd" ] || { echo "batch.sh: no $svd: run make in $builddir first"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rla-batch-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
load() { echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# matrices with singular values decaying like 1/j: G1 diag(1/j) G2 with Gaussian factors
"$PY" - "$tmp" "$N" "$M" "$COLS" <<'EOF' || exit 1
import sys
import numpy as np
out, n, m, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(out + "/list.txt", "w") as f:
    for i in range(n):
        g = np.random.default_rng(i)
        a = (g.standard_normal((m, c)) / np.arange(1, c + 1)) @ g.standard_normal((c, c))
        np.save("%s/A%04d.npy" % (out, i), a)
        f.write("A%04d.npy\n" % i)
EOF
echo "batch.sh: $N matrices of $M x $COLS, rank $K, on 2 ranks $(load)"

t0=$(now)
mpiexec -np 2 "$svd" --manifest "$tmp/list.txt" --output-dir "$tmp/batch" --group-size 1 \
  -k "$K" -v 0 >"$tmp/batch.out" 2>&1 || { cat "$tmp/batch.out"; echo "batch.sh: the batch failed"; exit 1; }
t_batch=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
echo "batch (--manifest, 2 groups of 1 rank): $t_batch s $(load)"

# two streams of single-rank launches, each on every other matrix
t0=$(now)
for s in 0 1; do
  (
    i=$s
    while [ "$i" -lt "$N" ]; do
      f=$(printf 'A%04d' "$i")
      mpiexec -np 1 "$svd" -A "$tmp/$f.npy" -k "$K" -S "$tmp/$f-S.npy" --report "$tmp/$f.json" \
        -v 0 >/dev/null 2>&1 || echo "batch.sh: separate run on $f failed"
      i=$((i + 2))
    done
  ) &
done
wait
t_np1=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
echo "separate launches, 2 streams of mpiexec -np 1: $t_np1 s $(load)"

# the batch wrote the same singular values as the separate runs
"$PY" - "$tmp" "$N" <<'EOF'
import sys
import numpy as np
out, n = sys.argv[1], int(sys.argv[2])
d = max(np.max(np.abs(np.load("%s/batch/A%04d/S.npy" % (out, i)) - np.load("%s/A%04d-S.npy" % (out, i)))
               / np.load("%s/A%04d-S.npy" % (out, i))) for i in range(n))
print("largest relative difference of the singular values, batch vs separate: %.1e" % d)
EOF

if [ "${BATCH_SEPARATE_NP2:-1}" = 1 ]; then
  t0=$(now)
  i=0
  while [ "$i" -lt "$N" ]; do
    f=$(printf 'A%04d' "$i")
    mpiexec -np 2 "$svd" -A "$tmp/$f.npy" -k "$K" -S "$tmp/$f-S2.npy" -v 0 >/dev/null 2>&1 ||
      echo "batch.sh: separate run on $f failed"
    i=$((i + 1))
  done
  t_np2=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
  echo "separate launches, mpiexec -np 2 each: $t_np2 s $(load)"
fi

echo "RESULT speedup_vs_np1_streams $(ratio "$t_np1" "$t_batch") (goal >= 5)"
[ "${BATCH_SEPARATE_NP2:-1}" = 1 ] && echo "RESULT speedup_vs_np2_launches $(ratio "$t_np2" "$t_batch")"
exit 0
