#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Block SRHT, Gaussian and sparse sign sketches of an n x d matrix (default 2^20 x 256, l = 1024)
# at 1 and 2 ranks: time, ratio to the Gaussian sketch and to the one-pass floor, MPI bytes.
# Usage (from the build directory): sh bench/sketch.sh [options of bench_sketch]
# Needs about 2.2 GiB of memory per 2^20 x 256 matrix (each run holds one).
set -e
here=$(dirname "$0")
prog=${BENCH_SKETCH:-$here/bench_sketch}
[ -x "$prog" ] || prog=./bench/bench_sketch
export OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_btl_vader_single_copy_mechanism=none
for np in ${BENCH_NP:-1 2}; do
  ${MPIEXEC:-mpiexec} --oversubscribe -np "$np" "$prog" "$@"
done
