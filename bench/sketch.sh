#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Sketch benchmark: Omega A for an n x d matrix (default 2^20 x 256, l = 1024) with the Gaussian,
# block SRHT and sparse sign sketches (and the DGEMM part of the Gaussian one alone), at 1 and 2
# ranks: time, speed-up over the Gaussian sketch, multiple of the one-pass floor, MPI bytes.
# Run from the build directory after make: sh bench/sketch.sh [bench_sketch options]
# (BENCH_NP="1 2 3" changes the rank counts.) A 2^20 x 256 matrix takes 2 GiB of memory.
set -e
prog=${BENCH_SKETCH:-./bench/bench_sketch}
if [ ! -x "$prog" ]; then
  echo "sketch.sh: $prog not found: run from the build directory after make" >&2
  exit 2
fi
. "$(dirname "$0")/env.sh"
for np in ${BENCH_NP:-1 2}; do
  ${MPIEXEC:-mpiexec} --oversubscribe -np "$np" "$prog" "$@"
done
