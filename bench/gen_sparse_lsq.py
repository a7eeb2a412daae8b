# SPDX-License-Identifier: BSD-3-Clause
"""Writes a sparse least-squares problem independent of rla's generator, for bench/sparse_lsq.sh.

A is m x n with `nnz` nonzeros per row at distinct random columns (standard normal values),
plus `dense` fully dense rows (family "dense rows"), its columns scaled by a geometric sequence
from 1 to 1/cond: the condition number is about cond times that of the unscaled matrix, which is
close to 1 for m >> n (its columns are nearly orthogonal). Column scaling is what Jacobi
preconditioning undoes exactly; the family "pairs" (KIND pairs) is ill-conditioned otherwise:
column j + n/2 repeats column j's pattern with values v + g delta_j (g standard normal, delta_j
geometric from 1 to 1/cond), so pair j spans directions of sizes about 1 and delta_j: singular
values spread over [1/cond, 1] (no cluster that a Krylov method would find cheaply) while all
columns have about the same norm.
b = A x + 1e-3 * noise (x and noise standard normal): a nonzero residual. Written as PETSc
binary: A (AIJ) and b (Vec).

usage: gen_sparse_lsq.py DIR M N NNZ COND DENSE SEED [KIND: scaled (default) | pairs]
"""
import sys

import numpy as np


def columns(rng, m, n, k):
    """k distinct sorted column indices per row (m x k)."""
    c = np.sort(rng.integers(0, n, size=(m, k)), axis=1)
    while True:
        dup = np.nonzero((c[:, 1:] == c[:, :-1]).any(axis=1))[0]
        if len(dup) == 0:
            return c
        c[dup] = np.sort(rng.integers(0, n, size=(len(dup), k)), axis=1)


def write_aij(path, m, n, lengths, cols, vals):
    with open(path, "wb") as f:
        np.array([1211216, m, n, len(cols)], dtype=">i4").tofile(f)
        lengths.astype(">i4").tofile(f)
        cols.astype(">i4").tofile(f)
        vals.astype(">f8").tofile(f)


def main():
    out, m, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    cond, dense, seed = float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    pairs = len(sys.argv) > 8 and sys.argv[8] == "pairs"
    rng = np.random.default_rng(seed)
    scale = np.ones(n) if pairs else np.logspace(0, -np.log10(cond), n)
    x = rng.standard_normal(n)
    # sparse rows, then the dense rows spread evenly among them
    if pairs:
        h = columns(rng, m - dense, n // 2, k // 2)
        w = rng.standard_normal(h.shape)
        c = np.concatenate((h, h + n // 2), axis=1)
        delta = np.logspace(0, -np.log10(cond), n // 2)
        v = np.concatenate((w, w + rng.standard_normal(h.shape) * delta[h]), axis=1)
    else:
        c = columns(rng, m - dense, n, k)
        v = rng.standard_normal(c.shape) * scale[c]
    where = set(np.linspace(0, m - 1, dense).astype(int)) if dense else set()
    lengths = np.full(m, k, dtype=np.int64)
    lengths[sorted(where)] = n
    cols = np.empty(int(lengths.sum()), dtype=np.int64)
    vals = np.empty(len(cols))
    b = np.empty(m)
    start = np.concatenate(([0], np.cumsum(lengths)))
    sparse_rows = np.array([i for i in range(m) if i not in where]) if dense else np.arange(m)
    # the sparse rows' entries, vectorized; then the few dense rows
    pos = start[sparse_rows][:, None] + np.arange(k)
    cols[pos] = c
    vals[pos] = v
    b[sparse_rows] = (v * x[c]).sum(axis=1)
    for i in sorted(where):
        row = rng.standard_normal(n) * scale
        cols[start[i]:start[i + 1]] = np.arange(n)
        vals[start[i]:start[i + 1]] = row
        b[i] = row @ x
    b += 1e-3 * rng.standard_normal(m)
    write_aij(out + "/A.petsc", m, n, lengths, cols, vals)
    with open(out + "/b.petsc", "wb") as f:
        np.array([1211214, m], dtype=">i4").tofile(f)
        b.astype(">f8").tofile(f)
    print("%d x %d, %d nonzeros (%d dense rows), %s, cond about %.3g"
          % (m, n, len(cols), dense, "nearly collinear column pairs" if pairs else "columns scaled",
             cond))


if __name__ == "__main__":
    main()
