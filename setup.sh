#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# One entry point for a fresh Debian 12 machine: install the missing packages, build, then
#   sh setup.sh run     run the main job (rla-lsq on the bundled problem, 2 MPI ranks)
#   sh setup.sh check   run the whole test suite at 1, 2 and 3 ranks; the last line is the tally
#   sh setup.sh build   only install and build
# Environment: RLA_CONFIGURE_FLAGS adds configure options; JOBS sets make's parallelism.
set -eu
cd "$(dirname "$0")"
action=${1:-run}

PACKAGES="build-essential autoconf automake libtool pkg-config make
  libopenmpi-dev openmpi-bin openssh-client libscalapack-openmpi-dev libopenblas-dev liblapacke-dev
  libfftw3-dev petsc-dev libcunit1-dev librandom123-dev libcjson-dev python3 python3-numpy
  slurm-wlm munge gnuplot-nox"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup.sh: installing:$missing" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  log=${TMPDIR:-/tmp}/rla-setup-apt.log
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      $SUDO apt-get install -y -qq --no-install-recommends $missing; } > "$log" 2>&1; then
    tail -n 20 "$log" >&2
    echo "setup.sh: package installation failed (full log: $log)" >&2
    exit 1
  fi
fi

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
[ -x configure ] || autoreconf -fi >&2
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
  ./configure --enable-werror ${RLA_CONFIGURE_FLAGS:-} >&2
fi
make -j"$JOBS" >&2

case "$action" in
build) ;;
run) make run ;;
check)
  status=0
  make -j"$JOBS" check >&2 || status=$?
  [ $status -eq 0 ] || grep -l -E '^(FAIL|ERROR)' tests/*.log 2>/dev/null | head -n 5 | while read -r f; do
    echo "--- $f" >&2; tail -n 30 "$f" >&2
  done
  sh tests/tally.sh .
  exit $status
  ;;
*) echo "usage: sh setup.sh [run|check|build]" >&2; exit 2 ;;
esac
