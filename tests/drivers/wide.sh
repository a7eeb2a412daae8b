#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The drivers end to end at more ranks than the other tests use (RLA_WIDE_NPS, default "5 8"),
# each answer checked against one rank's to the tolerances of the rank-count tests, in the cases
# that only appear there: more ranks than the block SRHT's virtual blocks (the bundled 4000-row
# problem has 4 blocks of 1024 rows), ranks that own no rows (11 rows: 3 3 3 2 0 at 5 ranks,
# 2 2 2 2 2 1 0 0 at 8), a TSQR tree over all 5 or 8 ranks (sketch-and-solve with l = 520 rows of
# 26 columns), clustering with fewer blocks than ranks in both distributions, batch groups that
# do not divide the rank count, and the PETSc plugin. CI runs it over Open MPI's TCP transport
# (setup.sh, stage wide), the way ranks on different nodes talk; it runs over whatever transport
# the environment selects.
name=wide.sh
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
drv="$builddir/drivers"
in="$srcdir/inputs"
prog="$drv/rla-lsq"
check="$srcdir/tests/drivers/check_rla_lsq.py"
. "$srcdir/tests/lib/driver_lib.sh"
wide=${RLA_WIDE_NPS:-5 8}
echo "$name: rank counts 1 $wide; MCA pml ${OMPI_MCA_pml:-default}, btl ${OMPI_MCA_btl:-default}"

# solved NP WHAT ARGS...: a run that exits 0 on every rank with no FAILED check
solved() {
  np=$1
  what=$2
  shift 2
  if run "$np" "$@" >"$tmp/out" 2>&1 && [ "$(wc -l <"$tmp/codes")" -eq "$np" ] &&
    ! grep -qvx 0 "$tmp/codes" && ! grep -q FAILED "$tmp/out"; then
    pass "$what on $np ranks"
  else
    cat "$tmp/out"
    fail "$what on $np ranks"
    return 1
  fi
}
# json KEY FILE: a number of a report
json() { sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\\([0-9.eE+-]*\\),*$/\\1/p" "$2" | head -n 1; }

# ---- rla-lsq: the bundled problem (4 virtual SRHT blocks) and an 11 x 3 one (empty ranks) ----
"$drv/rla-gen" lsq -m 11 -n 3 --cond 10 --residual 1e-2 --seed 3 -A "$tmp/tA.npy" -b "$tmp/tb.npy" \
  -x "$tmp/tx.npy" -v 0 >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "rla-gen lsq 11 x 3"; }
for problem in bundled tiny; do
  if [ $problem = bundled ]; then
    A="$in/lsq-A.npy" b="$in/lsq-b.npy" x="$in/lsq-x.npy"
  else
    A="$tmp/tA.npy" b="$tmp/tb.npy" x="$tmp/tx.npy"
  fi
  for method in accurate solve direct; do
    for np in 1 $wide; do
      solved $np "rla-lsq $method, $problem problem" -A "$A" -b "$b" --x-exact "$x" --oversample 20 \
        --method $method -x "$tmp/x-$problem-$method-$np.npy" --report "$tmp/r-$problem-$method-$np.json"
    done
    for np in $wide; do
      x1="$tmp/x-$problem-$method-1.npy" xp="$tmp/x-$problem-$method-$np.npy"
      if [ $method = solve ]; then
        pycheck close-sketched "$A" "$b" "$x1" "$xp" "$(json sketch_rows "$tmp/r-$problem-$method-$np.json")"
      else
        pycheck close "$A" "$b" "$x1" "$xp"
      fi
    done
  done
  last=$(echo "$wide" | awk '{print $NF}')
  pycheck stable "$A" "$b" "$x" "$tmp/x-$problem-accurate-$last.npy"
done
# the cases, from the reports: 4000 rows are fewer than 5 virtual blocks of the SRHT's block
# size, and sketch-and-solve factors its sketch by TSQR over every rank (l / (n + 1) = 20)
for np in $wide; do
  r="$tmp/r-bundled-solve-$np.json"
  blk=$(json sketch_block "$r")
  [ -n "$blk" ] && [ $(((4000 + blk - 1) / blk)) -lt "$np" ] && grep -q '"factorization":	"tsqr"' "$r" &&
    pass "$np ranks: more than the $(((4000 + blk - 1) / blk)) virtual SRHT blocks, TSQR of the sketch" ||
    fail "$np ranks: more ranks than virtual SRHT blocks, TSQR of the sketch"
done

# ---- rla-svd: the bundled 400 x 300 matrix, and an 11 x 9 one (empty ranks) -------------------
prog="$drv/rla-svd"
check="$srcdir/tests/drivers/check_rla_svd.py"
"$drv/rla-gen" svd -m 11 -n 9 --seed 4 -A "$tmp/sA.npy" -S "$tmp/ss.npy" -v 0 >"$tmp/out" 2>&1 ||
  { cat "$tmp/out"; fail "rla-gen svd 11 x 9"; }
for np in 1 $wide; do
  solved $np "rla-svd, bundled matrix" "$in/svd.in" -A "$in/svd-A.npy" \
    --sigma-exact "$in/svd-sigma.npy" -U "$tmp/U$np.npy" \
    -S "$tmp/S$np.npy" -V "$tmp/V$np.npy"
  solved $np "rla-svd, 11 x 9 matrix" -A "$tmp/sA.npy" -k 3 --oversample 2 --sigma-exact "$tmp/ss.npy" \
    -S "$tmp/tS$np.npy"
done
for np in $wide; do
  pycheck factors "$in/svd-A.npy" "$tmp/U$np.npy" "$tmp/S$np.npy" "$tmp/V$np.npy" "$in/svd-sigma.npy"
  # the bound of the rank-count test (tests/drivers/rla_svd.sh)
  pycheck same "$tmp/S1.npy" "$tmp/S$np.npy" "$in/svd-sigma.npy" 400 300 10 2
  pycheck same "$tmp/tS1.npy" "$tmp/tS$np.npy" "$tmp/ss.npy" 11 9 2 2
done

# ---- rla-cluster: the bundled 40 blocks, and 3 of them (fewer blocks than ranks) --------------
prog="$drv/rla-cluster"
check="$srcdir/tests/drivers/check_rla_cluster.py"
mkdir -p "$tmp/three"
for j in 0 1 2; do cp "$in/cluster/block_00000$j.npy" "$tmp/three/"; done
for coll in "$in/cluster" "$tmp/three"; do
  c=$(basename "$coll")
  solved 1 "rla-cluster, collection $c" --collection "$coll" -r 8 --eps 0.05 --report "$tmp/c-$c-1.json"
  for np in $wide; do
    for dist in rows blocks; do
      if solved $np "rla-cluster, collection $c, $dist distribution" --collection "$coll" -r 8 \
        --eps 0.05 --distribution $dist --report "$tmp/c-$c-$dist-$np.json"; then
        pycheck same "$tmp/c-$c-1.json" "$tmp/c-$c-$dist-$np.json"
      fi
    done
  done
done
pycheck report "$tmp/c-three-blocks-$last.json" "$tmp/three" 0.05

# ---- batch: groups that do not divide the rank count ------------------------------------------
prog="$drv/rla-svd"
check="$srcdir/tests/drivers/check_rla_svd.py"
mkdir -p "$tmp/batch"
for i in 1 2 3 4 5; do
  "$drv/rla-gen" svd -m 90 -n 30 --seed $i -A "$tmp/batch/m$i.npy" -S "$tmp/bs$i.npy" -v 0 >/dev/null 2>&1 ||
    fail "rla-gen svd 90 x 30, seed $i"
  run 1 -A "$tmp/batch/m$i.npy" -k 6 -S "$tmp/bS$i.npy" -v 0 >"$tmp/out" 2>&1 || cat "$tmp/out"
done
printf 'm1.npy\nm2.npy\nm3.npy\nm4.npy\nm5.npy\n' >"$tmp/batch/list.txt"
for np in $wide; do
  g=$(((np + 1) / 2 - 1)) # 2 of 5 ranks (groups 2 2 1), 3 of 8 (3 3 2)
  o="$tmp/batch-$np"
  if solved $np "rla-svd batch, groups of $g" --manifest "$tmp/batch/list.txt" --output-dir "$o" \
    --group-size $g -k 6; then
    for i in 1 2 3 4 5; do pycheck same "$tmp/bS$i.npy" "$o/m$i/S.npy" "$tmp/bs$i.npy" 90 30 10 2; done
  fi
done

# ---- the PETSc plugin in an unmodified PETSc program --------------------------------------------
prog="$drv/rla-lsq"
petsc="$builddir/tests/interop/petsc_lsq"
lib="$builddir/src/petsc/.libs/librla_petsc.so"
if [ -x "$petsc" ] && [ -f "$lib" ]; then
  LD_LIBRARY_PATH=$builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
  . "$srcdir/tests/lib/lsq_bounds.sh"
  # field NAME: the value after NAME in the result line of tests/interop/petsc_lsq
  field() { echo "$line" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
  "$drv/rla-gen" lsq -m 2000 -n 50 --cond 1e6 --residual 1e-3 -A "$tmp/pA.petsc" -b "$tmp/pb.petsc" \
    -x "$tmp/px.petsc" -v 0 >"$tmp/out" 2>&1 &&
    run 1 -A "$tmp/pA.petsc" -b "$tmp/pb.petsc" --method direct -x "$tmp/pxd.petsc" -v 0 \
      >>"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "the PETSc binary problem and its direct solution"; }
  for np in 1 $wide; do
    for type in aij dense; do
      for ksp in "-pc_type rlasketch -ksp_rtol 1e-10" "-ksp_type rlalsq"; do
        # shellcheck disable=SC2086
        timeout --kill-after=10 300 "$mpiexec" --oversubscribe -np "$np" "$petsc" -f "$tmp/pA.petsc" \
          -b "$tmp/pb.petsc" -x_ref "$tmp/pxd.petsc" -viewer_binary_skip_info -dll_append "$lib" \
          -mat_type $type $ksp >"$tmp/out" 2>&1
        line=$(grep '^its ' "$tmp/out" | tail -n 1)
        # KSPLSQR with the sketch PC: the convergence tests/interop/petsc_plugin.sh asks at 1 to 3
        # ranks; the KSP type: backward stable and as close to the direct solution of one rank
        # as tests/interop/petsc_plugin.sh allows (tests/lib/lsq_bounds.sh)
        if [ "$(field reason)" = CONVERGED_RTOL_NORMAL ] && case $ksp in
          -pc*) [ "$(field its)" -le 60 ] ;;
          *) lsq_stable_close "$(field berr)" "$(field xdiff)" 1e6 1e-3 2000 50 ;;
          esac; then
          pass "PETSc $ksp, $type, $np ranks: $line"
        else
          cat "$tmp/out"
          fail "PETSc $ksp, $type, $np ranks"
        fi
      done
    done
  done
else
  echo "$name: the PETSc plugin is not built (configure found no PETSc): its part is not run"
fi

finish
