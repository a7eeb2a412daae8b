#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The Python package's tests (python/tests/test_rla.py, no_mpi4py.py): pytest under mpiexec at 1, 2 and 3
# ranks (RLA_TEST_NPS), the package imported from the build tree. Before each, the C drivers
# solve the bundled problems at that rank count, for the tests that compare the package's
# answers with theirs.
name=python
builddir=${abs_top_builddir:-.}
srcdir=${abs_top_srcdir:-${srcdir:-.}}
py=${PYTHON_NUMPY:-}
if [ -z "$py" ]; then
  echo "$name: skipped: no Python with NumPy (configure found none)"
  exit 77
fi
for m in mpi4py pytest; do
  if ! "$py" -c "import $m" 2>/dev/null; then
    echo "$name: FAIL: $py lacks $m (Debian: python3-mpi4py python3-pytest)"
    exit 1
  fi
done
. "$srcdir/tests/lib/shell_lib.sh"
PYTHONPATH=$builddir/python
RLA_TEST_INPUTS=$srcdir/inputs
RLA_TEST_OUT=$tmp
export PYTHONPATH RLA_TEST_INPUTS RLA_TEST_OUT
for np in $(nps 1 2 3); do
  ok=1
  timeout 300 "${MPIEXEC:-mpiexec}" --oversubscribe -np "$np" "$builddir/drivers/rla-lsq" \
    -A "$srcdir/inputs/lsq-A.npy" -b "$srcdir/inputs/lsq-b.npy" -x "$tmp/x-$np.npy" -v 0 \
    >"$tmp/out" 2>&1 || { cat "$tmp/out"; ok=0; }
  timeout 300 "${MPIEXEC:-mpiexec}" --oversubscribe -np "$np" "$builddir/drivers/rla-svd" \
    -A "$srcdir/inputs/svd-A.npy" -k 20 -S "$tmp/S-$np.npy" -v 0 >"$tmp/out" 2>&1 ||
    { cat "$tmp/out"; ok=0; }
  timeout 300 "${MPIEXEC:-mpiexec}" --oversubscribe -np "$np" "$builddir/drivers/rla-cluster" \
    --collection "$srcdir/inputs/cluster" -r 8 --eps 0.05 --distribution rows \
    --report "$tmp/c-$np.json" -v 0 >"$tmp/out" 2>&1 || { cat "$tmp/out"; ok=0; }
  [ $ok = 1 ] || { fail "the drivers' reference runs on $np ranks"; continue; }
  if timeout 600 "${MPIEXEC:-mpiexec}" --oversubscribe -np "$np" "$py" -m pytest -q \
    -p no:cacheprovider --color=no "$srcdir/python/tests/test_rla.py" >"$tmp/pytest" 2>&1; then
    pass "pytest on $np ranks: $(grep -E '[0-9]+ passed' "$tmp/pytest" | head -n 1)"
  else
    cat "$tmp/pytest"
    fail "pytest on $np ranks"
  fi
done
# the README's example (its first Python block), as written, on 2 ranks from the top of the tree:
# both ranks print their S[:3] (one "]" each; the ranks' output may share lines)
sed -n '/^```python$/,/^```$/p' "$srcdir/README.md" | sed '/^```/d' | awk 'NR == 1, /^print/' \
  >"$tmp/example.py"
if (cd "$srcdir" && timeout 300 "${MPIEXEC:-mpiexec}" --oversubscribe -np 2 "$py" \
  "$tmp/example.py") >"$tmp/out" 2>&1 && [ "$(tr -cd ']' <"$tmp/out" | wc -c)" -eq 2 ]; then
  pass "the README's example on 2 ranks"
else
  cat "$tmp/out"
  fail "the README's example on 2 ranks"
fi

# without mpi4py: one process, MPI initialized by the package
if "$py" "$srcdir/python/tests/no_mpi4py.py" >"$tmp/out" 2>&1; then
  pass "without mpi4py, one process"
else
  cat "$tmp/out"
  fail "without mpi4py, one process"
fi
finish
