#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# One entry point for a fresh Debian 12 machine: install the missing packages, build, then
#   sh setup.sh run     run the main job (rla-lsq on the bundled problem, 2 MPI ranks)
#   sh setup.sh check   run the test suite at 1, 2 and 3 ranks, again built with ASan and UBSan
#                       at 1 and 2 ranks (the bad-input corpus at 2 only: RLA_CORPUS_NPS), and
#                       each fuzz target for FUZZ_TIME seconds (default 30); the last line is
#                       the combined tally
#   sh setup.sh build   only install and build
# Builds are out of tree: build/ (the normal one), build-asan/ (--enable-sanitizers) and
# build-fuzz/ (clang, --enable-fuzz). Environment: RLA_CONFIGURE_FLAGS adds configure options;
# JOBS sets make's parallelism; RLA_CHECK_STAGES chooses among "normal sanitizers fuzz".
set -eu
cd "$(dirname "$0")"
# hwloc's OpenGL probe looks for X displays on "localhost": without /etc/hosts that is a DNS
# query, which can hold every MPI launch for 5 s
HWLOC_COMPONENTS=${HWLOC_COMPONENTS:--gl}
export HWLOC_COMPONENTS
action=${1:-run}

PACKAGES="build-essential autoconf automake libtool pkg-config make
  libopenmpi-dev openmpi-bin openssh-client libscalapack-openmpi-dev libopenblas-dev liblapacke-dev
  libfftw3-dev petsc-dev libcunit1-dev librandom123-dev libcjson-dev python3 python3-numpy
  slurm-wlm munge gnuplot-nox clang-14 libclang-rt-14-dev"

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
# an earlier in-tree configuration stops automake from building out of tree
if [ -f config.status ]; then make distclean >&2 || rm -f config.status; fi

# configure DIR [OPTIONS...]: configure the build in DIR unless it is up to date
configure() {
  dir=$1
  shift
  mkdir -p "$dir"
  if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/config.status" ]; then
    (cd "$dir" && ../configure --enable-werror "$@" ${RLA_CONFIGURE_FLAGS:-}) >&2
  fi
}
configure build
make -C build -j"$JOBS" >&2

# stage NAME COMMAND...: run and time one stage of the check
stage() {
  name=$1
  shift
  t0=$(date +%s)
  rc=0
  "$@" || rc=$?
  echo "setup.sh: stage $name: $(($(date +%s) - t0)) s, exit $rc" >&2
  return $rc
}

# the failing test logs of a build directory
show_failures() {
  grep -l -E '^(FAIL|ERROR)' "$1"/tests/*.log "$1"/tests/*/*.log "$1"/fuzz/*.log 2>/dev/null |
    head -n 5 | while read -r f; do
    echo "--- $f" >&2
    tail -n 30 "$f" >&2
  done
}

normal() {
  make -C build -j"$JOBS" check >&2 || { show_failures build; return 1; }
}

sanitizers() {
  configure build-asan --enable-sanitizers --with-test-ranks="1 2"
  make -C build-asan -j"$JOBS" >&2 &&
    RLA_CORPUS_TIMEOUT=120 RLA_CORPUS_NPS=${RLA_CORPUS_NPS:-2} make -C build-asan -j"$JOBS" check >&2 ||
    { show_failures build-asan; return 1; }
}

fuzz() {
  OMPI_CC=${FUZZ_CC:-clang-14}
  export OMPI_CC
  configure build-fuzz --enable-fuzz --disable-shared
  make -C build-fuzz -j"$JOBS" fuzz/fuzz_npy fuzz/fuzz_mm fuzz/fuzz_petsc fuzz/fuzz_deck \
    fuzz/fuzz_manifest fuzz/fuzz_batch >&2 &&
    { rc=0; make -C build-fuzz fuzz FUZZ_TIME="${FUZZ_TIME:-30}" >build-fuzz/fuzz-summary.txt 2>&1 ||
      rc=$?; cat build-fuzz/fuzz-summary.txt >&2; return $rc; }
}

case "$action" in
build) ;;
run) make -C build run ;;
check)
  status=0
  stages=${RLA_CHECK_STAGES:-normal sanitizers fuzz}
  rm -f build-fuzz/fuzz-summary.txt
  for s in $stages; do
    stage "$s" "$s" || status=1
  done
  dirs=""
  for s in $stages; do
    case $s in normal) dirs="$dirs build" ;; sanitizers) dirs="$dirs build-asan" ;; esac
  done
  # shellcheck disable=SC2086
  tally=$(sh tests/tally.sh $dirs)
  case " $stages " in
  *" fuzz "*)
    # one test per fuzz target: passed when it ran its time without a failure
    fp=$(grep -c '^fuzz [a-z]*: .*no failure' build-fuzz/fuzz-summary.txt 2>/dev/null || true)
    ff=$((6 - ${fp:-0}))
    p=$(echo "$tally" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$tally" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    rest=$(echo "$tally" | sed -E 's/^[0-9]+ passed, [0-9]+ failed//')
    tally="$((p + fp)) passed, $((f + ff)) failed$rest"
    ;;
  esac
  echo "$tally"
  exit $status
  ;;
*) echo "usage: sh setup.sh [run|check|build]" >&2; exit 2 ;;
esac
