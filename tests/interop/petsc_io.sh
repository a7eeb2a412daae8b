#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# PETSc interoperability: PETSc's MatLoad (MATAIJ and MATDENSE) and VecLoad read the binary
# files rla writes, with the same sizes and Frobenius norm as rla computes; what PETSc writes
# back (AIJ, the dense variant, Vec) rla reads bit for bit equal to the original.
name=petsc_io
tool=${abs_top_builddir:-.}/tests/interop/io_tool
load=${abs_top_builddir:-.}/tests/interop/petsc_load
. "${abs_top_srcdir:-${srcdir:-.}}/tests/lib/interop_lib.sh"

# "M N norm" from rla and from PETSc agree: same sizes, norms within 2 m n eps relative (both
# sum m n squares in different orders, each within m n eps of the exact norm)
same_norm() { # file ranks petsc-options...
  f=$1
  np=$2
  shift 2
  ours=$(on 1 "$tool" norm "$f") || return 1
  theirs=$(on "$np" "$load" -f "$f" -viewer_binary_skip_info "$@" | tail -n 1) || return 1
  echo "rla: $ours; PETSc: $theirs"
  echo "$ours $theirs" | awk '{
    d = $3 - $6; if (d < 0) d = -d
    tol = 2 * $1 * $2 * 2.220446049250313e-16 * $3
    exit !($1 == $4 && $2 == $5 && d <= tol) }'
}

# PETSc loads f and writes it back; rla reads both files bit for bit equal
back_equal() { # file ranks petsc-options...
  f=$1
  np=$2
  shift 2
  rm -f "$dir/back.petsc"
  on "$np" "$load" -f "$f" -viewer_binary_skip_info -out "$dir/back.petsc" "$@" >/dev/null || return 1
  on 2 "$tool" cmp "$f" "$dir/back.petsc"
}

fill() { # file m n [vector|dense]: written by rla on 3 ranks
  on 3 "$tool" fill "$@"
}

fill "$dir/a.petsc" 13 7 && fill "$dir/small.petsc" 2 3 && fill "$dir/d.petsc" 9 4 dense &&
  fill "$dir/v.petsc" 11 1 vector || {
  echo "$name: io_tool cannot write the test files"
  echo "$name: 0 passed, 1 failed"
  exit 1
}
for np in 1 2; do
  run "MatLoad MATAIJ of an rla AIJ file on $np ranks: same norm" same_norm "$dir/a.petsc" $np -mat_type aij
  run "MatLoad MATDENSE of an rla AIJ file on $np ranks: same norm" same_norm "$dir/a.petsc" $np -mat_type dense
  run "MatLoad MATDENSE of an rla dense-variant file on $np ranks: same norm" same_norm "$dir/d.petsc" $np -mat_type dense
  run "VecLoad of an rla Vec on $np ranks: same norm" same_norm "$dir/v.petsc" $np -vec
done
run "MatLoad MATAIJ on 3 ranks of a 2 x 3 matrix: same norm" same_norm "$dir/small.petsc" 3 -mat_type aij
run "MatView of MATAIJ reads back bit for bit" back_equal "$dir/a.petsc" 2 -mat_type aij
run "MatView of MATDENSE reads back bit for bit" back_equal "$dir/a.petsc" 2 -mat_type dense
run "MatView native (dense variant) of MATDENSE reads back bit for bit" back_equal "$dir/a.petsc" 2 -mat_type dense -native
run "VecView reads back bit for bit" back_equal "$dir/v.petsc" 2 -vec

finish
