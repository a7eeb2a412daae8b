#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Test wrapper: "isolate.sh COMMAND..." runs one test with a private base for Open MPI's session
# directories. Open MPI 4's mpirun keeps them under one /tmp/ompi.HOST.UID shared by every
# launch of the user; with tests running in parallel (make -j check) one launch can remove that
# directory as it finishes while another is creating its own inside it, and the second fails in
# orte_init ("A call to mkdir was unable to create the desired directory"; seen once in a fresh
# run of the suite, and the reason MOOSE's test harness gives each test its own
# orte_tmpdir_base). The launches within one test run one after the other. The last line of its
# output is the test's wall time.
dir=$(mktemp -d "${TMPDIR:-/tmp}/rla-ompi.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
OMPI_MCA_orte_tmpdir_base=$dir
export OMPI_MCA_orte_tmpdir_base
t0=$(date +%s)
rc=0
"$@" || rc=$?
# the test's wall time, which setup.sh check reports for the slowest tests of each stage
echo "isolate.sh: $(($(date +%s) - t0)) s"
exit $rc
