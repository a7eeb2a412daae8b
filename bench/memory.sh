#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Peak memory per rank of rla-lsq (dense and sparse A), rla-svd and rla-cluster against the local
# part of A, at three sizes on NP ranks (default 2), and of rla-svd's tolerance mode on the
# bundled 400 x 300 matrix. The peak is VmHWM of every rank, from the driver's report
# ("peak_memory_bytes_per_rank"); the baseline is the same driver's peak on a tiny problem (MPI,
# BLAS and the program itself). For each run and the largest rank:
#   local A  = 8 * (rows of A on that rank) * n  (lsq: with b; cluster: every block's rows;
#              sparse lsq: its CSR, 12 bytes a nonzero and 8 a row, with b)
#   work     = the sketch-sized arrays the algorithm needs:
#              lsq:     8 * (l * (n + 1) + 2 n^2)          l = sketch_rows (sketch, factor, V)
#              svd:     8 * (l * (m_local + n) * 2)        l = basis_size (Q, Y and B^T, Z)
#              cluster: 8 * m_local * (widest candidate concatenation + r + p) * 3
#   ratio    = (peak - baseline) / (local A + work)        goal: <= 1.5
# usage: bench/memory.sh [BUILDDIR] [NP]   (from the source tree; writes into a scratch dir)
build=${1:-.}
np=${2:-2}
mpiexec=${MPIEXEC:-mpiexec}
py=${PYTHON:-python3}
. "$(dirname "$0")/env.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rla-memory.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
run() { "$mpiexec" --oversubscribe -np "$np" "$@" -v 0 >"$tmp/log" 2>&1 || cat "$tmp/log"; }

# peak of the largest rank from a report
peak() {
  "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(max(r["peak_memory_bytes_per_rank"]))' "$1"
}

# row count of rank P-1's share is at most ceil(m / P): the largest local part
rows() { echo $((($1 + np - 1) / np)); }

row() { # driver size localA work peak baseline
  "$py" -c 'import sys
d, s = sys.argv[1], sys.argv[2]
a, w, p, b = (float(x) for x in sys.argv[3:7])
print("| %-11s | %-22s | %9.1f | %9.1f | %9.1f | %9.1f | %5.2f | %5.2f |" % (d, s, a / 2**20,
      w / 2**20, p / 2**20, b / 2**20, p / (a + w), (p - b) / (a + w)))' "$@"
}

echo "| driver      | problem                | local A MiB | work MiB | peak MiB | base MiB | peak/(A+W) | (peak-base)/(A+W) |"
echo "|-------------|------------------------|-----------|-----------|-----------|-----------|-------|-------|"

# ---- rla-lsq: A is m x n with n = 100 ----
n=100
run "$build/drivers/rla-gen" lsq -m 1000 -n 10 -A "$tmp/A.npy" -b "$tmp/b.npy" -x "$tmp/x.npy"
run "$build/drivers/rla-lsq" -A "$tmp/A.npy" -b "$tmp/b.npy" --report "$tmp/r.json"
base=$(peak "$tmp/r.json")
for m in 50000 100000 200000; do
  run "$build/drivers/rla-gen" lsq -m $m -n $n -A "$tmp/A.npy" -b "$tmp/b.npy" -x "$tmp/x.npy"
  run "$build/drivers/rla-lsq" -A "$tmp/A.npy" -b "$tmp/b.npy" -x "$tmp/xs.npy" --report "$tmp/r.json"
  l=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sketch_rows"])' "$tmp/r.json")
  lm=$(rows $m)
  row rla-lsq "${m} x ${n}" $((8 * lm * (n + 1))) $((8 * (l * (n + 1) + 2 * n * n))) \
    "$(peak "$tmp/r.json")" "$base"
done

# ---- rla-lsq on a sparse A (PETSc AIJ from bench/gen_sparse_lsq.py, 8 nonzeros per row):
# local A = its CSR, 12 bytes a nonzero and 8 a row, with b; the same sketch-sized work ----
n=1000
for m in 262144 524288 1048576; do
  "$py" "$(dirname "$0")/gen_sparse_lsq.py" "$tmp" $m $n 8 1e4 0 1 >/dev/null
  run "$build/drivers/rla-lsq" -A "$tmp/A.petsc" -b "$tmp/b.petsc" -x "$tmp/xs.npy" \
    --report "$tmp/r.json"
  l=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sketch_rows"])' "$tmp/r.json")
  lm=$(rows $m)
  row "rla-lsq sp" "${m} x ${n}, 8 nnz/row" $((lm * (12 * 8 + 8 + 8))) \
    $((8 * (l * (n + 1) + 2 * n * n))) "$(peak "$tmp/r.json")" "$base"
done

# ---- rla-svd: A is m x n with n = 400, rank 20 + oversampling 10 ----
n=400
run "$build/drivers/rla-gen" svd -m 1000 -n 50 -A "$tmp/A.npy"
run "$build/drivers/rla-svd" -A "$tmp/A.npy" -k 5 --report "$tmp/r.json"
base=$(peak "$tmp/r.json")
for m in 12500 25000 50000; do
  run "$build/drivers/rla-gen" svd -m $m -n $n -A "$tmp/A.npy"
  run "$build/drivers/rla-svd" -A "$tmp/A.npy" -k 20 -U "$tmp/U.npy" -S "$tmp/S.npy" \
    -V "$tmp/V.npy" --report "$tmp/r.json"
  l=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["basis_size"])' "$tmp/r.json")
  lm=$(rows $m)
  row rla-svd "${m} x ${n}" $((8 * lm * n)) $((8 * l * (lm + n) * 2)) "$(peak "$tmp/r.json")" "$base"
done

# ---- rla-svd, tolerance mode: the bundled 400 x 300 matrix, QB blocks of 8 columns (18 blocks
# at tol 0.05, 37 at 1e-2; the plan's one block SRHT sketch is reseeded at each block) ----
m=400
n=300
for tol in 0.05 1e-2; do
  run "$build/drivers/rla-svd" -A "$(dirname "$0")/../inputs/svd-A.npy" --tol $tol --block 8 \
    --report "$tmp/r.json"
  l=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["basis_size"])' "$tmp/r.json")
  lm=$(rows $m)
  row rla-svd "${m} x ${n}, tol ${tol}" $((8 * lm * n)) $((8 * l * (lm + n) * 2)) \
    "$(peak "$tmp/r.json")" "$base"
done

# ---- rla-cluster: blocks of m rows, widths 2..6, from 8 subspaces of dimension 3 ----
blocks=100
run "$build/drivers/rla-gen" collection -m 1000 --blocks 10 --width 2 --width-max 6 \
  --subspaces 2 --dim 3 --noise 1e-3 --dir "$tmp/c"
run "$build/drivers/rla-cluster" --collection "$tmp/c/manifest.txt" -r 8 --eps 0.05 --report "$tmp/r.json"
base=$(peak "$tmp/r.json")
for m in 25000 50000 100000; do
  rm -rf "$tmp/c"
  run "$build/drivers/rla-gen" collection -m $m --blocks $blocks --width 2 --width-max 6 \
    --subspaces 8 --dim 3 --noise 1e-3 --seed 7 --dir "$tmp/c"
  run "$build/drivers/rla-cluster" --collection "$tmp/c/manifest.txt" -r 8 --eps 0.05 \
    --report "$tmp/r.json"
  cols=$("$py" -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["widths"]))' "$tmp/c/truth.json")
  lm=$(rows $m)
  # widest candidate: r + the widest block (6), plus p = 5 estimator columns
  row rla-cluster "$blocks blocks of $m rows" $((8 * lm * cols)) $((8 * lm * (8 + 6 + 8 + 5) * 3)) \
    "$(peak "$tmp/r.json")" "$base"
done
