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
export OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# one node: Open MPI's shared-memory messaging (ob1), as the tests use, and no hwloc OpenGL
# probe (it can hold a launch for seconds in DNS); both can be overridden from the environment
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1} HWLOC_COMPONENTS=${HWLOC_COMPONENTS:--gl}
for np in ${BENCH_NP:-2}; do
  ${MPIEXEC:-mpiexec} --oversubscribe -np "$np" "$prog" "$@"
done
