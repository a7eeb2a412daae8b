#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The Python package against the C drivers, scikit-learn and NumPy/SciPy, in the same run
# (bench/bench_python.py):
#   rla.svd on PY_NP (2) ranks, A 2048 x 2048 (sigma_j = 1/j), k = 100, p = 10, q = 2, against
#   rla-svd's time_svd on the same file and ranks, and scikit-learn's randomized_svd (same k,
#   p, q) in one process with PY_NP BLAS threads;
#   rla.lstsq on PY_NP ranks, A 2^18 x 256 (cond 1e4), against rla-lsq's time_solve and
#   numpy.linalg.lstsq and scipy.linalg.lstsq in one process with PY_NP BLAS threads.
# Each Python figure is the first call and the best of PY_REPEAT (3) in one process; the C
# driver's the median of PY_REPEAT launches. Ratios are to rla-svd / rla-lsq in the same run.
# Usage: sh bench/python.sh [BUILDDIR] (default: the current directory).
set -u
builddir=$(cd "${1:-.}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
NP=${PY_NP:-2} R=${PY_REPEAT:-3}
PY=/usr/bin/python3
. "$(dirname "$0")/env.sh"
export OMPI_MCA_rmaps_base_oversubscribe=1
make -C "$builddir" -j2 >/dev/null || { echo "python.sh: building in $builddir failed"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rla-python-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
export PYTHONPATH=$builddir/python
load() { echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"; }
val() { sed -n "s/^RESULT $1 //p" "$2"; }

"$builddir/drivers/rla-gen" svd -m 2048 -n 2048 --spectrum poly --decay 1 -A "$tmp/S.npy" -v 0 &&
  mpiexec -np "$NP" "$builddir/drivers/rla-gen" lsq -m 262144 -n 256 --cond 1e4 \
    -A "$tmp/L.npy" -b "$tmp/b.npy" -v 0 || { echo "python.sh: rla-gen failed"; exit 1; }
echo "python.sh: $NP ranks $(load)"
: >"$tmp/c.txt"
for i in $(seq "$R"); do
  mpiexec -np "$NP" "$builddir/drivers/rla-svd" -A "$tmp/S.npy" -k 100 --oversample 10 --power 2 -v 0 \
    --report "$tmp/rs.json" >/dev/null && mpiexec -np "$NP" "$builddir/drivers/rla-lsq" \
    -A "$tmp/L.npy" -b "$tmp/b.npy" -v 0 --report "$tmp/rl.json" >/dev/null ||
    { echo "python.sh: a driver failed"; exit 1; }
  "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["time_svd"],
      json.load(open(sys.argv[2]))["time_solve"])' "$tmp/rs.json" "$tmp/rl.json" >>"$tmp/c.txt"
done
mpiexec -np "$NP" "$PY" "$src/bench/bench_python.py" svd "$tmp/S.npy" 100 "$R" >"$tmp/py.txt" &&
  mpiexec -np "$NP" "$PY" "$src/bench/bench_python.py" lstsq "$tmp/L.npy" "$tmp/b.npy" "$R" \
    >>"$tmp/py.txt" &&
  OPENBLAS_NUM_THREADS=$NP OMP_NUM_THREADS=$NP "$PY" "$src/bench/bench_python.py" sklearn \
    "$tmp/S.npy" 100 "$R" >>"$tmp/py.txt" &&
  OPENBLAS_NUM_THREADS=$NP OMP_NUM_THREADS=$NP "$PY" "$src/bench/bench_python.py" numpy \
    "$tmp/L.npy" "$tmp/b.npy" "$R" >>"$tmp/py.txt" || { cat "$tmp/py.txt"; exit 1; }
"$PY" - "$tmp/c.txt" "$tmp/py.txt" <<'PY'
import statistics, sys
c = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
csvd, clsq = statistics.median(x[0] for x in c), statistics.median(x[1] for x in c)
r = {l.split()[1]: float(l.split()[2]) for l in open(sys.argv[2]) if l.startswith("RESULT")}
print(f"svd 2048^2 k=100: rla-svd time_svd {csvd:.4f} s (median)")
print(f"  rla.svd: first {r['svd_first']:.4f} s, best {r['svd_best']:.4f} s "
      f"(library {r['svd_inner']:.4f} s): best / C {r['svd_best'] / csvd:.3f}")
print(f"  sklearn randomized_svd: first {r['sklearn_first']:.4f} s, best {r['sklearn_best']:.4f} s: "
      f"sklearn / rla.svd {r['sklearn_best'] / r['svd_best']:.2f}x")
print(f"lstsq 2^18 x 256: rla-lsq time_solve {clsq:.4f} s (median)")
print(f"  rla.lstsq: first {r['lstsq_first']:.4f} s, best {r['lstsq_best']:.4f} s "
      f"(library {r['lstsq_inner']:.4f} s): best / C {r['lstsq_best'] / clsq:.3f}")
print(f"  numpy.linalg.lstsq: best {r['numpy_best']:.4f} s ({r['numpy_best'] / r['lstsq_best']:.2f}x rla.lstsq); "
      f"scipy.linalg.lstsq: best {r['scipy_best']:.4f} s ({r['scipy_best'] / r['lstsq_best']:.2f}x)")
PY
echo "python.sh: done $(load)"
