#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# One entry point for a fresh Debian 12 machine: install the missing packages, build, then
#   sh setup.sh run     run the main job (rla-lsq on the bundled problem, 2 MPI ranks)
#   sh setup.sh check   run the test suite in five stages, each timed, and print the combined
#                       tally as the last line:
#                       normal      every test, the programs at 1, 2 and 3 ranks (the
#                                   bad-input corpus at 1 and 3: RLA_CORPUS_NPS)
#                       kernel      the numerical unit suites at 1 and 3 ranks and the drivers'
#                                   end-to-end tests again under a second OpenBLAS kernel family
#                                   (RLA_SECOND_CORETYPE, or chosen by second_coretype below)
#                       wide        the drivers and the PETSc plugin at 5 and 8 ranks over Open
#                                   MPI's TCP transport on the loopback interface
#                       sanitizers  built with ASan and UBSan: the unit suites at 1 and 2 ranks,
#                                   the shell tests but the interoperability ones at 2 (make
#                                   check-sanitizers), the bad-input corpus at 2 (RLA_CORPUS_NPS)
#                       fuzz        each fuzz target for FUZZ_TIME seconds (default 30)
#   sh setup.sh build   only install and build
# Builds are out of tree: build/ (the normal one, also used by kernel and wide), build-asan/
# (--enable-sanitizers) and build-fuzz/ (clang, --enable-fuzz); each stage's test logs are kept
# in check-results/STAGE. Environment: RLA_CONFIGURE_FLAGS adds configure options; JOBS sets
# make's parallelism; RLA_CHECK_STAGES chooses among "normal kernel wide sanitizers fuzz".
set -eu
cd "$(dirname "$0")"
# hwloc's OpenGL probe looks for X displays on "localhost": without /etc/hosts that is a DNS
# query, which can hold every MPI launch for 5 s
HWLOC_COMPONENTS=${HWLOC_COMPONENTS:--gl}
export HWLOC_COMPONENTS
action=${1:-run}

PACKAGES="build-essential autoconf automake libtool pkg-config make
  libopenmpi-dev openmpi-bin openssh-client libscalapack-openmpi-dev libopenblas-dev liblapacke-dev
  libfftw3-dev petsc-dev libpetsc3.18-dev-examples libsuitesparse-dev libcunit1-dev librandom123-dev
  libcjson-dev libhdf5-openmpi-dev python3 python3-numpy python3-scipy python3-h5py-mpi
  python3-mpi4py python3-pytest python3-sklearn python3-petsc4py
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

# processors online (nproc obeys OMP_NUM_THREADS, which says nothing about make's jobs)
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
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
  # the slowest tests of the stage, from the wall time tests/lib/isolate.sh appends to each log
  grep -r -H -x 'isolate.sh: [0-9]* s' "check-results/$name" 2>/dev/null |
    sed -E 's|^check-results/[a-z]*/(.*)\.log:isolate.sh: ([0-9]+) s$|\2 s \1|' | sort -n -r |
    head -n 5 | sed 's/^/setup.sh:   /' >&2 || true
  return $rc
}

# the failing test logs of a build directory
show_failures() {
  grep -l -E '^(FAIL|ERROR)' "$1"/tests/*/*.log "$1"/fuzz/*.log 2>/dev/null |
    head -n 5 | while read -r f; do
    echo "--- $f" >&2
    tail -n 30 "$f" >&2
  done
}

# forget DIR [TEST...]: remove the results of DIR's tests named, or of all, before a stage
# reruns them, so that none is left from an earlier run
forget() {
  dir=$1
  shift
  if [ $# -eq 0 ]; then
    find "$dir/tests" "$dir/fuzz" \( -name '*.trs' -o -name '*.log' \) -exec rm -f {} + 2>/dev/null || true
  fi
  for t in "$@"; do rm -f "$dir/${t%.*}.log" "$dir/${t%.*}.trs"; done
}

# keep STAGE DIR [TEST...]: copy the results (.log and .trs) of DIR's tests, those named or
# else all, to check-results/STAGE, where the tally reads them (a later stage that reruns a test
# in DIR overwrites its log there); a named test without a result (it did not run) is kept as
# an error
keep() {
  out=check-results/$1
  dir=$2
  shift 2
  rm -rf "$out"
  mkdir -p "$out/tests"
  [ $# -gt 0 ] || set -- $(cd "$dir" && find tests fuzz -name '*.trs' 2>/dev/null)
  for t in "$@"; do
    t=${t%.*}
    mkdir -p "$out/$(dirname "$t")"
    if [ -f "$dir/$t.trs" ]; then
      cp "$dir/$t.trs" "$dir/$t.log" "$out/$(dirname "$t")/"
    else
      echo ":test-result: ERROR" >"$out/$t.trs"
      echo "$t: did not run" >"$out/$t.log"
    fi
  done
}

# the corpus's 2-rank runs are the sanitizer stage's
normal() {
  forget build
  rc=0
  RLA_CORPUS_NPS=${RLA_CORPUS_NPS:-1 3} make -C build -j"$JOBS" check >&2 ||
    { show_failures build; rc=1; }
  keep normal build
  return $rc
}

# the OpenBLAS kernel family that the environment, changed by env's ARGS, selects
# (OPENBLAS_CORETYPE, or the CPU's own)
coretype() {
  env "$@" /usr/bin/python3 -c 'import ctypes
f = ctypes.CDLL("libopenblas.so.0").openblas_get_corename
f.restype = ctypes.c_char_p
print(f().decode())'
}

# a second kernel family for the kernel stage: Haswell where the environment selects another;
# where it selects Haswell, the CPU's own when that differs (OPENBLAS_CORETYPE unset), or else
# SkylakeX on a CPU with AVX-512 and Sandybridge without
second_coretype() {
  first=$(coretype)
  if [ "$first" != Haswell ]; then
    echo Haswell
    return
  fi
  own=$(coretype -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
  if [ "$own" != Haswell ]; then
    echo "$own"
  elif grep -q -w avx512f /proc/cpuinfo; then
    echo SkylakeX
  else
    echo Sandybridge
  fi
}

kernel() {
  second=${RLA_SECOND_CORETYPE:-$(second_coretype)}
  echo "setup.sh: kernel stage: OpenBLAS $(coretype) in the normal stage, $second here" >&2
  tests=$(make -s -C build print-kernel-tests | tr ' ' '\n' | grep -E '^tests/.*\.(mpi|sh)$')
  # shellcheck disable=SC2086
  forget build $tests
  rc=0
  OPENBLAS_CORETYPE=$second make -C build -j"$JOBS" check-kernel >&2 || { show_failures build; rc=1; }
  # shellcheck disable=SC2086
  keep kernel build $tests
  return $rc
}

# the wide stage: Open MPI's ob1 messaging over its TCP transport only, on the loopback
# interface (the default would take every other interface of the machine), for both MPI's
# messages and the launcher's own
wide() {
  forget build tests/drivers/wide.sh
  rc=0
  OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo \
    OMPI_MCA_oob_tcp_if_include=lo make -C build check-wide >&2 || { show_failures build; rc=1; }
  keep wide build tests/drivers/wide.sh
  return $rc
}

sanitizers() {
  configure build-asan --enable-sanitizers --with-test-ranks="1 2"
  forget build-asan
  rc=0
  make -C build-asan -j"$JOBS" >&2 &&
    RLA_CORPUS_TIMEOUT=120 RLA_CORPUS_NPS=${RLA_CORPUS_NPS:-2} \
      make -C build-asan -j"$JOBS" check-sanitizers >&2 ||
    { show_failures build-asan; rc=1; }
  keep sanitizers build-asan
  return $rc
}

# the fuzz targets (fuzz/local.am's FUZZ_TARGETS): one test each in the tally
FUZZ_LIST="fuzz/fuzz_npy fuzz/fuzz_mm fuzz/fuzz_petsc fuzz/fuzz_deck fuzz/fuzz_manifest
  fuzz/fuzz_batch fuzz/fuzz_safetensors"
fuzz() {
  OMPI_CC=${FUZZ_CC:-clang-14}
  export OMPI_CC
  configure build-fuzz --enable-fuzz --disable-shared
  make -C build-fuzz -j"$JOBS" $FUZZ_LIST >&2 &&
    { rc=0; make -C build-fuzz fuzz FUZZ_TIME="${FUZZ_TIME:-30}" >build-fuzz/fuzz-summary.txt 2>&1 ||
      rc=$?; cat build-fuzz/fuzz-summary.txt >&2; return $rc; }
}

case "$action" in
build) ;;
run) make -C build run ;;
check)
  status=0
  stages=${RLA_CHECK_STAGES:-normal kernel wide sanitizers fuzz}
  rm -rf build-fuzz/fuzz-summary.txt check-results
  broken=0
  for s in $stages; do
    stage "$s" "$s" && continue
    status=1
    # a stage that failed without a failing test (its build broke, say) counts as one failure
    if [ "$s" != fuzz ]; then
      case "$(sh tests/lib/tally.sh "check-results/$s")" in
      *" 0 failed"*) broken=$((broken + 1)) ;;
      esac
    fi
  done
  dirs=""
  for s in $stages; do
    [ "$s" = fuzz ] || dirs="$dirs check-results/$s"
  done
  # shellcheck disable=SC2086
  tally=$(sh tests/lib/tally.sh $dirs)
  p=$(echo "$tally" | sed -E 's/^([0-9]+) passed.*/\1/')
  f=$(echo "$tally" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  rest=$(echo "$tally" | sed -E 's/^[0-9]+ passed, [0-9]+ failed//')
  f=$((f + broken))
  case " $stages " in
  *" fuzz "*)
    # one test per fuzz target: passed when it ran its time without a failure
    fp=$(grep -c '^fuzz [a-z]*: .*no failure' build-fuzz/fuzz-summary.txt 2>/dev/null || true)
    fp=${fp:-0}
    p=$((p + fp))
    f=$((f + $(echo $FUZZ_LIST | wc -w) - fp))
    ;;
  esac
  tally="$p passed, $f failed$rest"
  echo "$tally"
  exit $status
  ;;
*) echo "usage: sh setup.sh [run|check|build]" >&2; exit 2 ;;
esac
