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
export OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# one node: Open MPI's shared-memory messaging (ob1), as the tests use, and no hwloc OpenGL
# probe (it can hold a launch for seconds in DNS); both can be overridden from the environment
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1} HWLOC_COMPONENTS=${HWLOC_COMPONENTS:--gl}
for np in ${BENCH_NP:-1 2}; do
  ${MPIEXEC:-mpiexec} --oversubscribe -np "$np" "$prog" "$@"
done
