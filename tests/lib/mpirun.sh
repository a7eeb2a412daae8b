#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Test wrapper: "mpirun.sh tests/unit/NAME-npP.mpi" runs the program tests/unit/NAME on P ranks
# with a time limit, so a hang fails the test instead of stalling the suite.
base=${1%.mpi}
np=${base##*-np}
prog=${base%-np*}
exec timeout --kill-after=10 "${RLA_TEST_TIMEOUT:-900}" \
  "${MPIEXEC:-mpiexec}" --oversubscribe -np "$np" "$prog"
