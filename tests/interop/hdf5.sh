#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# HDF5 interoperability: h5py reads what rla writes and rla reads what h5py writes, bit for bit
# (contiguous, chunked and gzip-compressed datasets; float64 of either byte order, float32,
# float16 and the integers widened to float64), at 1 and 3 ranks and in many small collective
# calls; datasets added to an existing file keep its other datasets; the drivers take
# FILE.h5:/NAME for inputs and outputs and give the results they give from .npy files.
name=hdf5
if [ "${RLA_WITH_HDF5:-no}" != yes ]; then
  echo "$name: skipped: rla was built without HDF5 (configure found no hdf5-openmpi)"
  exit 77
fi
if [ -z "$PYTHON_NUMPY" ] || ! "$PYTHON_NUMPY" -c 'import h5py' 2>/dev/null; then
  echo "$name: FAIL: rla is built with HDF5 but no Python with h5py was found (Debian: python3-h5py-mpi)"
  exit 1
fi
builddir=${abs_top_builddir:-.}
tool=$builddir/tests/interop/io_tool
check=${abs_top_srcdir:-${srcdir:-.}}/tests/interop/h5_check.py
in=${abs_top_srcdir:-${srcdir:-.}}/inputs
. "${abs_top_srcdir:-${srcdir:-.}}/tests/lib/interop_lib.sh"

rla_to_h5py() { # ranks m n [vector]
  rm -f "$dir/r.h5"
  on "$1" "$tool" fill "$dir/r.h5:/g/T" "$2" "$3" $4 &&
    "$PYTHON_NUMPY" "$check" load "$dir/r.h5" /g/T "$2" "$3" $4
}

h5py_to_rla() { # ranks m n how
  rm -f "$dir/n.h5"
  "$PYTHON_NUMPY" "$check" save "$dir/n.h5" /T "$2" "$3" "$4" &&
    on "$1" "$tool" check "$dir/n.h5:/T" "$2" "$3"
}

# h5py stores the test matrix as TYPE, rla reads it widened to float64: the same doubles, bit
# for bit, as numpy's own astype('<f8') of the stored values
widened() { # ranks type
  rm -f "$dir/t.h5"
  "$PYTHON_NUMPY" "$check" save "$dir/t.h5" /T 9 5 "as:$2" &&
    on "$1" "$tool" cmp "$dir/t.h5:/T" "$dir/t.h5.f8.npy"
}

for np in 1 3; do
  run "rla writes 7 x 5 on $np ranks, h5py reads it" rla_to_h5py $np 7 5
  run "rla writes a vector of 9 on $np ranks, h5py reads it" rla_to_h5py $np 9 1 vector
  run "h5py writes 11 x 4 contiguous, rla reads it on $np ranks" h5py_to_rla $np 11 4 c
  run "h5py writes 11 x 4 in chunks, rla reads it on $np ranks" h5py_to_rla $np 11 4 chunked
  run "h5py writes 23 x 6 gzip-compressed, rla reads it on $np ranks" h5py_to_rla $np 23 6 gzip
  run "h5py writes a 1-D dataset of 13, rla reads it on $np ranks" h5py_to_rla $np 13 1 vector
done
run "rla writes 0 x 3, h5py reads it" rla_to_h5py 2 0 3
run "rla writes 40 x 30 (subnormals, -0.0), h5py reads it" rla_to_h5py 3 40 30
# every row its own collective call (64-byte calls): ranks with fewer rows make empty calls
export RLA_IO_CHUNK_BYTES=64
run "rla writes 41 x 30 in 64-byte calls on 3 ranks, h5py reads it" rla_to_h5py 3 41 30
run "h5py writes 41 x 30 in chunks, rla reads it in 64-byte calls on 3 ranks" h5py_to_rla 3 41 30 chunked
unset RLA_IO_CHUNK_BYTES
for t in '>f8' '<f4' '>f4' '<f2' 'i1' '>i2' '<i4' '<i8' 'u1' '<u2' '>u4' '<u8'; do
  for np in 1 3; do
    run "h5py stores $t, rla reads it widened on $np ranks" widened $np "$t"
  done
done

# a dataset added to an existing file: its other datasets stay, a dataset of the same name is
# replaced, and a file named alone holds its one dataset
added() {
  rm -f "$dir/a.h5"
  "$PYTHON_NUMPY" "$check" save "$dir/a.h5" /keep 5 3 c &&
    on 2 "$tool" fill "$dir/a.h5:/new/T" 6 2 && on 3 "$tool" fill "$dir/a.h5:/new/T" 7 5 &&
    "$PYTHON_NUMPY" "$check" keys "$dir/a.h5" /keep /new/T &&
    "$PYTHON_NUMPY" "$check" load "$dir/a.h5" /keep 5 3 &&
    "$PYTHON_NUMPY" "$check" load "$dir/a.h5" /new/T 7 5 &&
    on 2 "$tool" convert "$dir/a.h5:/new/T" "$dir/only.h5" &&
    "$PYTHON_NUMPY" "$check" keys "$dir/only.h5" /only && on 1 "$tool" check "$dir/only.h5" 7 5
}
run "datasets added to an existing file keep the others" added

# the drivers: float32 A and b in one HDF5 file give the x the same data give from .npy files,
# bit for bit; rla-svd writes U, S and V into the input file itself
drivers() {
  d=$builddir/drivers
  "$PYTHON_NUMPY" - "$in/lsq-A.npy" "$in/lsq-b.npy" "$dir" <<'PY' || return 1
import sys, numpy as np, h5py
A = np.load(sys.argv[1]).astype('<f4'); b = np.load(sys.argv[2]).astype('<f4')
np.save(sys.argv[3] + '/A32.npy', A); np.save(sys.argv[3] + '/b32.npy', b)
with h5py.File(sys.argv[3] + '/p.h5', 'w') as f:
    f['data/A'] = A
    f['data/b'] = b
PY
  on 2 "$d/rla-lsq" -A "$dir/p.h5:/data/A" -b "$dir/p.h5:/data/b" -x "$dir/p.h5:/x" -v 0 \
    --report "$dir/r.json" >/dev/null &&
    on 2 "$d/rla-lsq" -A "$dir/A32.npy" -b "$dir/b32.npy" -x "$dir/x.npy" -v 0 >/dev/null &&
    on 1 "$tool" cmp "$dir/p.h5:/x" "$dir/x.npy" &&
    grep -q '"dtype_A":	"float32"' "$dir/r.json" &&
    on 3 "$d/rla-svd" -A "$dir/p.h5:/data/A" -k 3 -U "$dir/p.h5:/svd/U" -S "$dir/p.h5:/svd/S" \
      -V "$dir/p.h5:/svd/V" -v 0 >/dev/null &&
    on 3 "$d/rla-svd" -A "$dir/A32.npy" -k 3 -S "$dir/S.npy" -v 0 >/dev/null &&
    on 1 "$tool" cmp "$dir/p.h5:/svd/S" "$dir/S.npy" &&
    "$PYTHON_NUMPY" "$check" keys "$dir/p.h5" /data/A /data/b /x /svd/U /svd/S /svd/V
}
run "rla-lsq and rla-svd read and write datasets of one HDF5 file" drivers

# a failed run leaves an existing file as it was and creates no new one
untouched() {
  d=$builddir/drivers
  cp "$dir/p.h5" "$dir/q.h5" && sum=$(cksum <"$dir/q.h5") &&
    ! on 2 "$d/rla-svd" -A "$dir/q.h5:/data/A" -k 99999 -U "$dir/q.h5:/U" -S "$dir/new.h5:/S" \
      -v 0 >/dev/null 2>&1 &&
    [ "$(cksum <"$dir/q.h5")" = "$sum" ] && [ ! -e "$dir/new.h5" ] &&
    [ -z "$(ls -A "$dir" | grep '^\.')" ]
}
run "a failed run leaves the HDF5 files as they were" untouched

# batch manifests: datasets as rla-svd entries (stems from the dataset names), and a collection in
# one HDF5 file as an rla-cluster entry; each entry (one rank: groups of 1) gives what the same
# data give from .npy on one rank
batch() {
  d=$builddir/drivers
  "$PYTHON_NUMPY" - "$in/svd-A.npy" "$in/cluster" "$dir" <<'PY' || return 1
import glob, os, sys
import h5py, numpy as np
A = np.load(sys.argv[1])
blocks = [np.load(f)[:, :2] for f in sorted(glob.glob(os.path.join(sys.argv[2], "block_*.npy")))]
with h5py.File(sys.argv[3] + "/b.h5", "w") as f:
    f["svd/first"] = A
    f["svd/second"] = A[:, :100]
    f["coll"] = np.stack(blocks)
np.save(sys.argv[3] + "/second.npy", A[:, :100])
np.save(sys.argv[3] + "/stack.npy", np.stack(blocks))
PY
  printf 'b.h5:/svd/first\nb.h5:/svd/second\n' >"$dir/svd.txt"
  printf 'b.h5:/coll\nstack.npy\n' >"$dir/coll.txt"
  rm -rf "$dir/bs" "$dir/bc"
  on 3 "$d/rla-svd" --manifest "$dir/svd.txt" --output-dir "$dir/bs" -k 4 -S S.npy -v 0 \
    >/dev/null 2>&1 &&
    on 1 "$d/rla-svd" -A "$dir/second.npy" -k 4 -S "$dir/S2.npy" -v 0 >/dev/null &&
    on 1 "$tool" cmp "$dir/bs/second/S.npy" "$dir/S2.npy" && [ -s "$dir/bs/first/report.json" ] &&
    on 2 "$d/rla-cluster" --manifest "$dir/coll.txt" --output-dir "$dir/bc" -r 8 --eps 0.05 \
      -v 0 >/dev/null 2>&1 &&
    "$PYTHON_NUMPY" - "$dir/bc/coll/report.json" "$dir/bc/stack/report.json" <<'PY'
import json, sys
def kept(path, name):
    r = json.load(open(path))
    keys = ("clusters", "blocks", "n_clusters", "error_max", "stored_numbers", "dtypes")
    return json.dumps({k: r[k] for k in keys}, sort_keys=True).replace(name, "X")
sys.exit(kept(sys.argv[1], "b.h5:/coll[") != kept(sys.argv[2], "stack.npy["))
PY
}
run "batch manifests take datasets and one-file HDF5 collections" batch

finish
