#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# rla-cluster on a collection in one safetensors file (written here with NumPy and json): float32,
# float16, bfloat16 (float32 bits truncated to their top half), float64, int8 and uint8 tensors,
# a 3-D tensor, 1-D and 0-D tensors that are skipped, and __metadata__. The blocks are the
# tensors of 2 or more dimensions in the header's order; read straight from the file and widened,
# they must give the report, bit for bit, of a directory of float64 .npy files holding the widened
# values (block k as bNNN.npy), at 1, 2 and 3 ranks and in both distributions; --rows M the
# report of the directory of the arrays reshaped to M rows in C order. The report's stored types
# (dtypes) and skipped tensors are those written.
name=safetensors.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
prog="$builddir/drivers/rla-cluster"
check="$srcdir/tests/drivers/check_rla_cluster.py"
in="$srcdir/inputs"
. "$srcdir/tests/lib/driver_lib.sh"

"$PYTHON_NUMPY" - "$in/cluster" "$tmp" <<'EOF'
import glob, json, os, struct, sys
import numpy as np
src, out = sys.argv[1], sys.argv[2]
blocks = [np.load(f) for f in sorted(glob.glob(os.path.join(src, "block_*.npy")))]

def bf16(a):
    """bfloat16 bits of a (float32 truncated to its top 16 bits) and the values they hold"""
    bits = (a.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    return bits, (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)

def stored(k, b):
    """block k's dtype code, little-endian bytes and widened float64 values"""
    kind = k % 6
    if kind == 0:
        a = b.astype("<f4")
        return "F32", a.tobytes(), a.astype(np.float64)
    if kind == 1:
        a = b.astype("<f2")
        return "F16", a.tobytes(), a.astype(np.float64)
    if kind == 2:
        bits, v = bf16(b)
        return "BF16", bits.astype("<u2").tobytes(), v
    if kind == 3:
        a = np.clip(np.round(b * 40), -128, 127).astype(np.int8)
        return "I8", a.tobytes(), a.astype(np.float64)
    if kind == 4:
        a = np.clip(np.round(np.abs(b) * 40), 0, 255).astype(np.uint8)
        return "U8", a.tobytes(), a.astype(np.float64)
    return "F64", b.astype("<f8").tobytes(), b.astype(np.float64)

names = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
         "I8": "int8", "U8": "uint8"}
entries, values, data = [], [], b""
skipped = []
def add(name, code, raw, shape):
    global data
    entries.append((name, {"dtype": code, "shape": list(shape),
                           "data_offsets": [len(data), len(data) + len(raw)]}))
    data += raw
# 24 blocks named t0 .. t23 (the header's order is not the names' sorted order), a bias after
# each; block 7 a 3-D tensor of two blocks side by side; a scalar first
add("scale", "F32", np.float32(0.5).tobytes(), ())
skipped.append("scale")
dtypes = {}
for k in range(24):
    if k == 7:
        t = np.stack([blocks[k], blocks[k + 24]], axis=1)  # (100, 2, 5)
        code, raw, v = stored(0, t)
    else:
        t = blocks[k]
        code, raw, v = stored(k, t)
    add("t%d" % k, code, raw, t.shape)
    values.append(v)
    dtypes[names[code]] = dtypes.get(names[code], 0) + 1
    bias = np.arange(t.shape[0], dtype="<f4")
    add("t%d.bias" % k, "F32", bias.tobytes(), bias.shape)
    skipped.append("t%d.bias" % k)
header = {"__metadata__": {"format": "pt", "note": "written by the test"}}
header.update(entries)
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + data)
for d, rows in (("dir", None), ("dir50", 50)):
    os.makedirs(os.path.join(out, d))
    for k, v in enumerate(values):
        a = v.reshape(v.shape[0], -1) if rows is None else v.reshape(rows, -1)
        np.save(os.path.join(out, d, "b%03d.npy" % k), a)
path = os.path.join(out, "model.safetensors")
json.dump({"dtypes": dtypes, "skipped": [path + ":" + s for s in skipped]},
          open(os.path.join(out, "expect.json"), "w"))
EOF
[ -s "$tmp/model.safetensors" ] && pass "safetensors file written" || fail "safetensors file written"

# same_report A B: the reports agree (check_rla_cluster.py same-report), block k named
# dir/bNNN.npy in A and model.safetensors:tK in B, and block 23 among them
same_report() {
  "$PYTHON_NUMPY" "$check" same-report "$1" "$2" '[^"]*/dir[0-9]*/b0*([0-9]+)\.npy' \
    '[^"]*/model\.safetensors:t([0-9]+)' 23
}
# stored REPORT: the report's dtypes and skipped tensors are those written (expect.json)
stored() {
  "$PYTHON_NUMPY" -c '
import json, sys
r, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
sys.exit(r.get("dtypes") != e["dtypes"] or r.get("skipped") != e["skipped"])
' "$1" "$tmp/expect.json"
}
# ran REPORT: the driver's run of this name exited 0 on every rank and wrote its report
ran() {
  ! grep -qv '^0$' "$tmp/codes" && ! grep -q FAILED "$tmp/out" && [ -s "$1" ]
}

for np in $(nps 1 2 3); do
  for dist in rows blocks; do
    [ "$np" -gt 1 ] || [ $dist = rows ] || continue
    ok=1
    run $np --collection "$tmp/dir" -r 8 --eps 0.05 --distribution $dist \
      --report "$tmp/d-$np-$dist.json" >"$tmp/out" 2>&1
    ran "$tmp/d-$np-$dist.json" || { cat "$tmp/out"; ok=0; }
    run $np --collection "$tmp/model.safetensors" -r 8 --eps 0.05 --distribution $dist \
      --report "$tmp/s-$np-$dist.json" >"$tmp/out" 2>&1
    ran "$tmp/s-$np-$dist.json" || { cat "$tmp/out"; ok=0; }
    if [ $ok = 1 ] && same_report "$tmp/d-$np-$dist.json" "$tmp/s-$np-$dist.json" &&
      stored "$tmp/s-$np-$dist.json" &&
      grep -q "\"distribution\":	\"$dist\"" "$tmp/s-$np-$dist.json"; then
      pass "safetensors on $np ranks, $dist distribution: the report of its widened blocks as files"
    else
      diff "$tmp/d-$np-$dist.json" "$tmp/s-$np-$dist.json" | head -n 20
      fail "safetensors on $np ranks, $dist distribution"
    fi
  done
done

# --rows 50: every tensor reshaped to 50 rows in C order, as numpy's t.reshape(50, -1)
for np in $(nps 2 3); do
  for dist in rows blocks; do
    ok=1
    run $np --collection "$tmp/dir50" -r 8 --eps 0.05 --distribution $dist \
      --report "$tmp/d50-$np-$dist.json" >"$tmp/out" 2>&1
    ran "$tmp/d50-$np-$dist.json" || { cat "$tmp/out"; ok=0; }
    run $np --collection "$tmp/model.safetensors" --rows 50 -r 8 --eps 0.05 --distribution $dist \
      --report "$tmp/s50-$np-$dist.json" >"$tmp/out" 2>&1
    ran "$tmp/s50-$np-$dist.json" || { cat "$tmp/out"; ok=0; }
    if [ $ok = 1 ] && same_report "$tmp/d50-$np-$dist.json" "$tmp/s50-$np-$dist.json" &&
      stored "$tmp/s50-$np-$dist.json" && grep -q '"m":	50,' "$tmp/s50-$np-$dist.json"; then
      pass "--rows 50 on $np ranks, $dist distribution: the report of the reshaped arrays"
    else
      diff "$tmp/d50-$np-$dist.json" "$tmp/s50-$np-$dist.json" | head -n 20
      fail "--rows 50 on $np ranks, $dist distribution"
    fi
  done
done

# the extension in any case; --rows only for a safetensors file
cp "$tmp/model.safetensors" "$tmp/MODEL.SafeTensors"
if run 2 --collection "$tmp/MODEL.SafeTensors" -r 8 --eps 0.05 --report "$tmp/upper.json" \
  >"$tmp/out" 2>&1 && ran "$tmp/upper.json" &&
  grep -q 'MODEL.SafeTensors:t23"' "$tmp/upper.json"; then
  pass "the extension .SafeTensors"
else
  cat "$tmp/out"
  fail "the extension .SafeTensors"
fi
for np in $(nps 1 2 3); do
  bad $np --save-factors "reshaping applies to the tensors of a .safetensors collection" \
    --collection "$tmp/dir" --rows 50 -r 4 --eps 0.1
  bad $np --save-factors "model.safetensors:t0: the tensor of 500 elements does not reshape to 7 rows" \
    --collection "$tmp/model.safetensors" --rows 7 -r 4 --eps 0.1
done
finish
