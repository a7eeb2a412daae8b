#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# rla-cluster end to end: the bundled collection with every algorithm on 1, 2 and 3 ranks (the
# same clusters on every rank count and in both distributions), the stored factors and the report checked with NumPy, the
# estimator against bound 1, and bad collections: a non-zero exit on every rank, one message
# and no output.
name=rla_cluster.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
prog="$builddir/drivers/rla-cluster"
check="$srcdir/tests/drivers/check_rla_cluster.py"
in="$srcdir/inputs"
. "$srcdir/tests/lib/driver_lib.sh"

for np in $(nps 1 2 3); do
  if (cd "$srcdir" && run $np inputs/cluster.in --report "$tmp/r$np.json" \
    --save-factors "$tmp/f$np") >"$tmp/out" 2>&1 && grep -q PASSED "$tmp/out" &&
    ! grep -q FAILED "$tmp/out" && [ -s "$tmp/r$np.json" ]; then
    pass "bundled deck on $np ranks: exit 0, check PASSED, report written"
  else
    cat "$tmp/out"
    fail "bundled deck on $np ranks"
  fi
done
pycheck report "$tmp/r2.json" "$in/cluster" 0.05 "$tmp/f2"
# more outputs than the driver's first allocation of 8: every name handed out stays valid (the
# report and all the factors written, nothing left under a temporary name)
if run 2 --collection "$in/cluster" -r 8 --eps 0.05 --order norm --save-factors "$tmp/many" \
  --report "$tmp/many.json" >"$tmp/out" 2>&1 && [ -s "$tmp/many.json" ] &&
  [ "$(ls "$tmp/many" | grep -c '^[UW]_[0-9]*\.npy$')" -gt 8 ] &&
  [ -z "$(ls -A "$tmp/many" "$tmp" | grep -v '^[UW]_[0-9]*\.npy$' | grep '\.tmp\|rla-')" ]; then
  pass "more than 8 outputs: report and factors written, no temporary file left"
else
  cat "$tmp/out"
  ls -A "$tmp" "$tmp/many"
  fail "more than 8 outputs"
fi
pycheck report "$tmp/many.json" "$in/cluster" 0.05 "$tmp/many"
for np in $(nps_vs1 2 3); do pycheck same "$tmp/r1.json" "$tmp/r$np.json"; done
# the factors in one HDF5 file (built with HDF5): every block rebuilt from it with the README's
# snippet, each cluster's error recomputed against the report's, both distributions
if [ "${RLA_WITH_HDF5:-no}" = yes ]; then
  for dist in rows blocks; do
    rm -f "$tmp/f-$dist.h5"
    if run 3 --collection "$in/cluster" -r 8 --eps 0.05 --distribution $dist \
      --save-factors "$tmp/f-$dist.h5" --report "$tmp/h5f-$dist.json" >"$tmp/out" 2>&1 &&
      [ -s "$tmp/f-$dist.h5" ] && [ -z "$(ls -A "$tmp" | grep '^\.')" ]; then
      pass "factors to one HDF5 file, $dist distribution"
      pycheck report "$tmp/h5f-$dist.json" "$in/cluster" 0.05 "$tmp/f-$dist.h5"
    else
      cat "$tmp/out"
      fail "factors to one HDF5 file, $dist distribution"
    fi
    # eps below every pair's error: every block a singleton, stored as it is (from its owner)
    if run 3 --collection "$in/cluster" -r 8 --eps 1e-5 --distribution $dist \
      --save-factors "$tmp/f-$dist.h5" --report "$tmp/h5s-$dist.json" >"$tmp/out" 2>&1; then
      pycheck report "$tmp/h5s-$dist.json" "$in/cluster" 1e-5 "$tmp/f-$dist.h5" >"$tmp/pc"
      cat "$tmp/pc"
      grep -q "of [1-9][0-9]* uncompressed blocks differ" "$tmp/pc" &&
        pass "singletons stored as they are, $dist distribution" ||
        fail "singletons stored as they are, $dist distribution"
    else
      cat "$tmp/out"
      fail "factors to one HDF5 file (singletons), $dist distribution"
    fi
  done
fi
for key in '"n_clusters"' '"n_nonsingleton"' '"compression_ratio"' '"error_mean"' '"error_max"' \
  '"times"' '"predicted_error"' '"actual_error"' '"storage"' '"nprocs":	2'; do
  grep -q "$key" "$tmp/r2.json" && pass "report has $key" || fail "report has $key"
done

# both distributions forced: the clusters of one rank (the automatic rule picks blocks for the
# bundled collection of few rows at 2 and 3 ranks)
grep -q '"distribution":	"blocks"' "$tmp/r2.json" && pass "report: blocks distribution chosen" ||
  fail "report: blocks distribution chosen"
for np in $(nps 2 3); do
  for dist in rows blocks; do
    if run $np --collection "$in/cluster" -r 8 --eps 0.05 --distribution $dist \
      --report "$tmp/d-$dist-$np.json" >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out" &&
      grep -q "\"distribution\":	\"$dist\"" "$tmp/d-$dist-$np.json"; then
      pass "--distribution $dist on $np ranks"
      [ -z "$(nps_vs1 $np)" ] || pycheck same "$tmp/r1.json" "$tmp/d-$dist-$np.json"
    else
      cat "$tmp/out"
      fail "--distribution $dist on $np ranks"
    fi
  done
done
last=$(nps 2 3 | awk '{print $NF}')
pycheck report "$tmp/d-blocks-$last.json" "$in/cluster" 0.05

# blocks stored as float32 (C order) and float16 (Fortran order), each read by its owner alone
# and widened: the same clusters and errors, bit for bit, as the float64 files of the same values
"$PYTHON_NUMPY" -c '
import glob, os, sys
import numpy as np
src, out = sys.argv[1], sys.argv[2]
for sub in ("narrow", "wide"):
    os.makedirs(os.path.join(out, sub), exist_ok=True)
for i, f in enumerate(sorted(glob.glob(os.path.join(src, "block_*.npy")))):
    a = np.load(f).astype(np.float32 if i % 2 else np.float16)
    if i % 2 == 0:
        a = np.asfortranarray(a)
    np.save(os.path.join(out, "narrow", os.path.basename(f)), a)
    np.save(os.path.join(out, "wide", os.path.basename(f)), a.astype(np.float64))
' "$in/cluster" "$tmp"
# same_report A B NAME-A NAME-B: the reports agree but for times, memory, the collection's path,
# stored types and skipped tensors, block names matched as NAME-A and NAME-B
# (check_rla_cluster.py same-report)
same_report() { "$PYTHON_NUMPY" "$check" same-report "$@"; }
# dtypes_are REPORT JSON: the report's stored types (dtypes) are JSON, and nothing was skipped
dtypes_are() {
  "$PYTHON_NUMPY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(r.get("dtypes") != json.loads(sys.argv[2]) or r.get("skipped") != [])
' "$@"
}
for dist in rows blocks; do
  for kind in narrow wide; do
    run 2 --collection "$tmp/$kind" -r 8 --eps 0.05 --distribution $dist \
      --report "$tmp/$kind-$dist.json" >"$tmp/out" 2>&1
  done
  if same_report "$tmp/narrow-$dist.json" "$tmp/wide-$dist.json" narrow wide &&
    dtypes_are "$tmp/narrow-$dist.json" '{"float16": 20, "float32": 20}' &&
    dtypes_are "$tmp/wide-$dist.json" '{"float64": 40}'; then
    pass "float32 and float16 blocks, $dist distribution: the report of their float64 values"
  else
    cat "$tmp/out"
    diff "$tmp/narrow-$dist.json" "$tmp/wide-$dist.json" | head -n 20
    fail "float32 and float16 blocks, $dist distribution"
  fi
done

# a collection in one file: a 3-D .npy (K, m, n) of K blocks (float64, and float32), read by
# every rank straight from the file (its blocks, or its rows of every block): the clusters and
# errors of the same blocks as files of a directory, block k named FILE[k]
"$PYTHON_NUMPY" -c '
import glob, os, sys
import numpy as np
src, out = sys.argv[1], sys.argv[2]
blocks = [np.load(f)[:, :2] for f in sorted(glob.glob(os.path.join(src, "block_*.npy")))]
os.makedirs(os.path.join(out, "dir2"), exist_ok=True)
for k, b in enumerate(blocks):
    np.save(os.path.join(out, "dir2", "b%06d.npy" % k), b.astype(np.float32).astype(np.float64))
np.save(os.path.join(out, "stack.npy"), np.stack(blocks).astype(np.float32).astype(np.float64))
np.save(os.path.join(out, "stack32.npy"), np.stack(blocks).astype(np.float32))
' "$in/cluster" "$tmp"
for np in $(nps 1 2 3); do
  for dist in rows blocks; do
    [ "$np" -gt 1 ] || [ $dist = rows ] || continue
    ok=1
    for c in dir2 stack.npy stack32.npy; do
      run $np --collection "$tmp/$c" -r 8 --eps 0.05 --distribution $dist \
        --report "$tmp/s-$c-$np-$dist.json" >"$tmp/out" 2>&1 || ok=0
      grep -q FAILED "$tmp/out" && ok=0
      [ -s "$tmp/s-$c-$np-$dist.json" ] || { cat "$tmp/out"; ok=0; }
    done
    if [ $ok = 1 ] &&
      same_report "$tmp/s-dir2-$np-$dist.json" "$tmp/s-stack.npy-$np-$dist.json" \
        'dir2/b0*([0-9]+)\.npy' 'stack\.npy\[([0-9]+)\]' &&
      same_report "$tmp/s-stack.npy-$np-$dist.json" "$tmp/s-stack32.npy-$np-$dist.json" \
        stack.npy stack32.npy && dtypes_are "$tmp/s-stack32.npy-$np-$dist.json" '{"float32": 40}' &&
      dtypes_are "$tmp/s-stack.npy-$np-$dist.json" '{"float64": 40}' &&
      dtypes_are "$tmp/s-dir2-$np-$dist.json" '{"float64": 40}'; then
      pass "a 3-D .npy collection on $np ranks, $dist distribution: the report of its blocks as files"
    else
      diff "$tmp/s-dir2-$np-$dist.json" "$tmp/s-stack.npy-$np-$dist.json" | head -n 20
      fail "a 3-D .npy collection on $np ranks, $dist distribution"
    fi
  done
done

# a collection in one HDF5 file (built with HDF5): a 3-D float32 dataset, and a group of float32
# datasets (the blocks in the order of their names), each the report of the 3-D float32 .npy
if [ "${RLA_WITH_HDF5:-no}" = yes ]; then
  "$PYTHON_NUMPY" -c '
import sys
import h5py, numpy as np
s = np.load(sys.argv[1])
with h5py.File(sys.argv[2], "w") as f:
    f["stack32"] = s
    for k in range(s.shape[0]):
        f["blocks/b%06d" % k] = s[k]
    f.create_dataset("gz", data=s, chunks=(1, s.shape[1], s.shape[2]), compression="gzip")
' "$tmp/stack32.npy" "$tmp/coll.h5" || fail "h5py writes the HDF5 collection"
  for np in $(nps 1 2 3); do
    for dist in rows blocks; do
      [ "$np" -gt 1 ] || [ $dist = rows ] || continue
      ok=1
      for c in stack32 blocks gz; do
        run $np --collection "$tmp/coll.h5:/$c" -r 8 --eps 0.05 --distribution $dist \
          --report "$tmp/h-$c-$np-$dist.json" >"$tmp/out" 2>&1 || ok=0
        grep -q FAILED "$tmp/out" && ok=0
        [ -s "$tmp/h-$c-$np-$dist.json" ] || { cat "$tmp/out"; ok=0; }
      done
      if [ $ok = 1 ] &&
        same_report "$tmp/s-stack32.npy-$np-$dist.json" "$tmp/h-stack32-$np-$dist.json" \
          'stack32\.npy\[([0-9]+)\]' 'coll\.h5:/stack32\[([0-9]+)\]' &&
        same_report "$tmp/s-stack32.npy-$np-$dist.json" "$tmp/h-blocks-$np-$dist.json" \
          'stack32\.npy\[([0-9]+)\]' 'coll\.h5:/blocks/b0*([0-9]+)' &&
        same_report "$tmp/s-stack32.npy-$np-$dist.json" "$tmp/h-gz-$np-$dist.json" \
          'stack32\.npy\[([0-9]+)\]' 'coll\.h5:/gz\[([0-9]+)\]' &&
        dtypes_are "$tmp/h-stack32-$np-$dist.json" '{"float32": 40}' &&
        dtypes_are "$tmp/h-blocks-$np-$dist.json" '{"float32": 40}'; then
        pass "HDF5 collections (3-D, group, gzip) on $np ranks, $dist distribution: the report of the 3-D .npy"
      else
        diff "$tmp/s-stack32.npy-$np-$dist.json" "$tmp/h-blocks-$np-$dist.json" | head -n 20
        fail "HDF5 collections on $np ranks, $dist distribution"
      fi
    done
  done
fi

for alg in residuals max-norm; do
  for order in residual norm; do
    if run 3 --collection "$in/cluster" -r 8 --eps 0.05 --algorithm $alg --order $order \
      --report "$tmp/r-$alg-$order.json" >"$tmp/out" 2>&1 && ! grep -q FAILED "$tmp/out"; then
      pass "$alg, $order order, directory input"
      pycheck report "$tmp/r-$alg-$order.json" "$in/cluster" 0.05
    else
      cat "$tmp/out"
      fail "$alg, $order order"
    fi
  done
done
pycheck fewer "$tmp/r2.json" "$tmp/r-max-norm-norm.json"

pycheck make-bad "$tmp" "$in/cluster"
for np in $(nps 1 2 3); do
  bad $np --save-factors "same number of rows" --collection "$tmp/mixed" -r 4 --eps 0.1
  bad $np --save-factors "no matrix files" --collection "$tmp/empty" -r 4 --eps 0.1
  bad $np --save-factors "b.npy" --collection "$tmp/text" -r 4 --eps 0.1
  bad $np --save-factors "not-there.npy" --collection "$tmp/missing.txt" -r 4 --eps 0.1
done
bad 2 --save-factors "give the rank" --collection "$in/cluster"  --eps 0.1
bad 2 --save-factors "must be one of" --collection "$in/cluster" -r 4 --eps 0.1 --algorithm kmeans
bad 2 --save-factors "must be one of" --collection "$in/cluster" -r 4 --eps 0.1 --distribution cyclic
for d in rows blocks; do
  bad 3 --save-factors "b.npy" --collection "$tmp/text" -r 4 --eps 0.1 --distribution $d
  bad 3 --save-factors "same number of rows" --collection "$tmp/mixed" -r 4 --eps 0.1 --distribution $d
done
bad 2 --save-factors "outside" --collection "$in/cluster" -r 4 --eps 2

# many files, one of them bad and read by one rank only: block 7 (its header parsed by rank 1 at
# 2 and 3 ranks; in the blocks distribution owned by one rank; the non-finite value in its last
# row, which only the last rank reads in the rows distribution). The ranks agree once for the
# collection: every rank exits non-zero with one message naming the file.
"$PYTHON_NUMPY" - "$tmp/many" "$in/cluster" <<'EOF'
import os
import sys
import numpy as np
out, src = sys.argv[1], sys.argv[2]
blocks = [np.load(os.path.join(src, "block_%06d.npy" % j)) for j in range(40)]
def bad(name, change):
    d = os.path.join(out, name)
    os.makedirs(d)
    for j, a in enumerate(blocks):
        np.save(os.path.join(d, "block_%06d.npy" % j), a)
    with open(os.path.join(d, "manifest.txt"), "w") as f:
        f.write("".join("block_%06d.npy\n" % j for j in range(40)))
    change(os.path.join(d, "block_000007.npy"), blocks[7].copy())
def truncate(p, a):
    os.truncate(p, os.path.getsize(p) - 8)
def header(p, a):
    with open(p, "r+b") as f:
        f.write(b"XNUMPY")
def nan(p, a):
    a[-1, 0] = np.nan
    np.save(p, a)
def inf(p, a):
    a[-1, -1] = -np.inf
    np.save(p, a)
bad("missing", lambda p, a: os.remove(p))
bad("truncated", truncate)
bad("header", header)
bad("nan", nan)
bad("inf", inf)
bad("rows", lambda p, a: np.save(p, a[:-1]))
EOF
for np in $(nps 2 3); do
  for d in rows blocks; do
    for c in "missing:block_000007.npy: cannot open" "truncated:block_000007.npy: truncated" \
      "header:block_000007.npy: not a .npy file" \
      "nan:block_000007.npy: non-finite value (NaN or Inf) at row 99, column 0" \
      "inf:block_000007.npy: non-finite value (NaN or Inf) at row 99, column" \
      "rows:block_000007.npy has 99 rows but"; do
      bad $np --save-factors "${c#*:}" --collection "$tmp/many/${c%%:*}/manifest.txt" -r 4 \
        --eps 0.1 --distribution $d
    done
  done
done
finish
