#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# HDF5 row-block read against the .npy MPI-IO read of the same matrix: H5_M x H5_N (2^18 x
# 1024, 2 GiB) of float64 written by rla (tests/interop/io_tool fill) as a .npy file, as a
# contiguous HDF5 dataset, and by h5py as a chunked one (chunks of H5_CHUNK rows, 256), each read
# by rla_io_read on H5_NP (2) ranks: one launch per read (a fresh process, as a driver reads), the
# three alternately, H5_REPEAT (5) times each; medians and the ratios to .npy. The files are in
# the page cache after the first reads (warm); with H5_DROP=1 the page cache is dropped before
# every read (cold; needs root).
# Usage: sh bench/hdf5_read.sh [BUILDDIR] (default: the current directory).
set -u
builddir=$(cd "${1:-.}" && pwd)
M=${H5_M:-262144} N=${H5_N:-1024} NP=${H5_NP:-2} CHUNK=${H5_CHUNK:-256}
PY=/usr/bin/python3
. "$(dirname "$0")/env.sh"
export OMPI_MCA_rmaps_base_oversubscribe=1
make -C "$builddir" -j2 tests/interop/io_tool >/dev/null ||
  { echo "hdf5_read.sh: building in $builddir failed"; exit 1; }
tool=$builddir/tests/interop/io_tool
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rla-hdf5-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
load() { echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }

mpiexec -np "$NP" "$tool" fill "$tmp/A.npy" "$M" "$N" &&
  mpiexec -np "$NP" "$tool" convert "$tmp/A.npy" "$tmp/A.h5:/A" || {
  echo "hdf5_read.sh: writing the matrix failed"; exit 1; }
"$PY" - "$tmp/A.npy" "$tmp/C.h5" "$CHUNK" <<'PY' || exit 1
import sys
import h5py, numpy as np
a = np.load(sys.argv[1], mmap_mode="r")
rows = int(sys.argv[3])
with h5py.File(sys.argv[2], "w") as f:
    d = f.create_dataset("A", shape=a.shape, dtype="<f8", chunks=(rows, a.shape[1]))
    for i in range(0, a.shape[0], 8192):
        d[i:i + 8192] = a[i:i + 8192]
PY
echo "hdf5_read.sh: $M x $N float64, $NP ranks, one launch per read $(load)"
: >"$tmp/times.txt"
for i in $(seq "${H5_REPEAT:-5}"); do
  for which in npy h5 chunked; do
    case $which in npy) f=$tmp/A.npy ;; h5) f=$tmp/A.h5:/A ;; chunked) f=$tmp/C.h5:/A ;; esac
    if [ "${H5_DROP:-0}" = 1 ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
    t=$(mpiexec -np "$NP" "$tool" time "$f" | sed -n 's/.* read in \([0-9.]*\) s/\1/p')
    [ -n "$t" ] || { echo "hdf5_read.sh: reading $f failed"; exit 1; }
    echo "$which $t" >>"$tmp/times.txt"
  done
done
"$PY" - "$tmp/times.txt" "$M" "$N" <<'PY'
import statistics, sys
t = {}
for line in open(sys.argv[1]):
    which, v = line.split()
    t.setdefault(which, []).append(float(v))
gib = int(sys.argv[2]) * int(sys.argv[3]) * 8 / 2**30
base = statistics.median(t["npy"])
for which, label in (("npy", ".npy (MPI-IO)"), ("h5", "HDF5 contiguous"), ("chunked", "HDF5 chunked (h5py)")):
    med = statistics.median(t[which])
    print(f"{label:22s} median {med:.3f} s  {gib / med:.2f} GiB/s  ratio to .npy {med / base:.2f}"
          f"  (runs: {' '.join(f'{v:.3f}' for v in t[which])})")
PY
