# SPDX-License-Identifier: BSD-3-Clause
"""Writes a sparse matrix with exactly known singular values, for bench/sparse_svd.sh.

A (m x n, m = blocks * rb, n = blocks * cb, cb <= rb) is block diagonal with blocks of
rb x cb dense entries, Q1 diag(s) Q2^T with Q1 (rb x cb, orthonormal columns) and Q2 (cb x cb,
orthogonal) from QR of Gaussian matrices, its rows and columns then permuted at random. Its
singular values are those of the blocks: the prescribed sigma_i = 1 / i (i = 1..n), dealt to
the blocks at random, up to rounding in forming the blocks (about eps sqrt(cb) sigma). nnz =
m cb. Written as PETSc binary AIJ (A.petsc) with the sorted sigma (sigma.npy).

usage: gen_sparse_svd.py DIR BLOCKS RB CB SEED
"""
import sys

import numpy as np


def main():
    out, nb, rb, cb, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rng = np.random.default_rng(seed)
    m, n = nb * rb, nb * cb
    sigma = 1.0 / np.arange(1, n + 1)
    s = rng.permutation(sigma).reshape(nb, cb)
    q1 = np.linalg.qr(rng.standard_normal((nb, rb, cb)))[0]
    q2 = np.linalg.qr(rng.standard_normal((nb, cb, cb)))[0]
    blocks = np.einsum("bij,bj,bkj->bik", q1, s, q2)  # nb x rb x cb
    # row r of block b is row rp[b rb + r] of A; column c of block b is column cp[b cb + c]
    rp, cp = rng.permutation(m), rng.permutation(n)
    cols = cp.reshape(nb, cb)
    order = np.argsort(cols, axis=1)  # each row's columns increasing
    cols = np.take_along_axis(cols, order, axis=1)
    vals = np.take_along_axis(blocks, np.repeat(order[:, None, :], rb, axis=1), axis=2)
    where = np.empty(m, dtype=np.int64)  # the source row (b rb + r) of each row of A
    where[rp] = np.arange(m)
    b = where // rb
    with open(out + "/A.petsc", "wb") as f:
        np.array([1211216, m, n, m * cb], dtype=">i4").tofile(f)
        np.full(m, cb, dtype=">i4").tofile(f)
        cols[b].astype(">i4").tofile(f)
        vals.reshape(m, cb)[where].astype(">f8").tofile(f)
    np.save(out + "/sigma.npy", sigma)
    print("%d x %d, %d nonzeros, sigma_i = 1/i" % (m, n, m * cb))


if __name__ == "__main__":
    main()
