#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Least squares on a 2^18 x d problem (d = 64, 256, 1024) at 2 ranks: time of sketch-and-solve
# and of the accurate method relative to PDGELS in the same run, and their backward errors.
# Usage (from the build directory): sh bench/lsq.sh [options of bench_lsq]
# Needs about 5 GiB of memory at d = 1024 (A, its block-cyclic copy for PDGELS, workspace).
set -e
here=$(dirname "$0")
prog=${BENCH_LSQ:-$here/bench_lsq}
[ -x "$prog" ] || prog=./bench/bench_lsq
. "$(dirname "$0")/env.sh"
for np in ${BENCH_NP:-2}; do
  ${MPIEXEC:-mpiexec} --oversubscribe -np "$np" "$prog" "$@"
done
