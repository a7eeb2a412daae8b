#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Clustering benchmark: K = 2000 blocks of 2000 rows at 1 rank with the exact baseline, then at 2
# ranks in both distributions without it; prints the ratio to the baseline and the 1 -> 2 rank
# speedups from the RESULT lines of the same run.
# Usage (from the build directory): sh bench/cluster.sh [options of bench_cluster]
set -e
here=$(dirname "$0")
prog=${BENCH_CLUSTER:-$here/bench_cluster}
[ -x "$prog" ] || prog=./bench/bench_cluster
. "$(dirname "$0")/env.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
run() {
  np=$1
  name=$2
  shift 2
  ${MPIEXEC:-mpiexec} --oversubscribe -np "$np" "$prog" "$@" | tee "$out/$name"
}
run 1 one "$@"
run 2 rows --baseline 0 --distribution rows "$@"
run 2 blocks --baseline 0 --distribution blocks "$@"
val() { awk -v k="$2" '$1 == "RESULT" && $2 == k { print $3 }' "$out/$1"; }
t1=$(val one approximate_time)
te=$(val one exact_time)
tr=$(val rows approximate_time)
tb=$(val blocks approximate_time)
awk -v t1="$t1" -v te="$te" -v tr="$tr" -v tb="$tb" -v r1="$(val one approximate_ratio)" \
  -v re="$(val one exact_ratio)" 'BEGIN {
  printf "exact / approximate at 1 rank: %.1fx (compression ratio %.3f vs %.3f)\n", te / t1, r1, re
  printf "1 -> 2 ranks: rows %.2fx, blocks %.2fx\n", t1 / tr, t1 / tb }'
