#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# NumPy interoperability: numpy loads what rla writes (and the file is byte for byte what
# np.save writes), and rla reads what numpy writes (C and Fortran order, 1-D, versions 2.0 and
# 3.0; float32, float16, the integers and bool widened to float64), bit for bit, at 1 and 3
# ranks.
name=npy_numpy
if [ -z "$PYTHON_NUMPY" ]; then
  echo "$name: skipped: no Python with NumPy (configure found none; set PYTHON_NUMPY)"
  exit 77
fi
tool=${abs_top_builddir:-.}/tests/interop/io_tool
check=${abs_top_srcdir:-${srcdir:-.}}/tests/interop/npy_check.py
. "${abs_top_srcdir:-${srcdir:-.}}/tests/lib/interop_lib.sh"

tool_np() { # ranks, io_tool arguments...
  np=$1
  shift
  on "$np" "$tool" "$@"
}

rla_to_numpy() { # ranks m n [vector]
  rm -f "$dir/r.npy" "$dir/r.npy.ref.npy"
  tool_np "$1" fill "$dir/r.npy" "$2" "$3" $4 && "$PYTHON_NUMPY" "$check" load "$dir/r.npy" "$2" "$3" $4
}

numpy_to_rla() { # ranks m n how
  rm -f "$dir/n.npy"
  "$PYTHON_NUMPY" "$check" save "$dir/n.npy" "$2" "$3" "$4" && tool_np "$1" check "$dir/n.npy" "$2" "$3"
}

numpy_vector_to_rla() { # ranks m
  rm -f "$dir/n.npy"
  "$PYTHON_NUMPY" "$check" save "$dir/n.npy" "$2" 1 vector && tool_np "$1" check "$dir/n.npy" "$2" 1
}

# numpy stores the test matrix as TYPE, rla reads it widened to float64: the same doubles, bit
# for bit, as numpy's own astype('<f8') of the stored values
widened() { # ranks, type (a trailing F: Fortran order)
  "$PYTHON_NUMPY" "$check" save "$dir/t.npy" 9 5 "as:$2" && tool_np "$1" cmp "$dir/t.npy" "$dir/t.npy.f8.npy"
}

for np in 1 3; do
  run "rla writes 7 x 5 on $np ranks, numpy loads it" rla_to_numpy $np 7 5
  run "rla writes 2 x 3 on $np ranks, numpy loads it" rla_to_numpy $np 2 3
  run "rla writes a vector of 9 on $np ranks, numpy loads it" rla_to_numpy $np 9 1 vector
  run "numpy writes 11 x 4 in C order, rla reads it on $np ranks" numpy_to_rla $np 11 4 c
  run "numpy writes 11 x 4 in Fortran order, rla reads it on $np ranks" numpy_to_rla $np 11 4 fortran
  run "numpy writes a 1-D array of 13, rla reads it on $np ranks" numpy_vector_to_rla $np 13
  run "numpy writes version 2.0, rla reads it on $np ranks" numpy_to_rla $np 6 3 v2
  run "numpy writes version 3.0, rla reads it on $np ranks" numpy_to_rla $np 6 3 v3
done
run "rla writes an empty 0 x 3 array, numpy loads it" rla_to_numpy 2 0 3
run "rla writes 40 x 30 (subnormals, -0.0), numpy loads it" rla_to_numpy 3 40 30
for t in '<f4' '>f4F' '<f2' '<f2F' '|i1' '>i2' '<i4F' '<i8' '|u1' '<u2' '>u4' '<u8' '|b1'; do
  for np in 1 3; do
    run "numpy stores $t, rla reads it widened on $np ranks" widened $np "$t"
  done
done

finish
