# SPDX-License-Identifier: BSD-3-Clause
"""Writes a least-squares problem independent of rla's generator, for bench/lsq_cold.sh.

A = U diag(sigma) V^T (m x d): sigma log-spaced from 1 down to 1/cond; U with orthonormal
columns, the Q factor of a Gaussian m x d matrix G; V the Q factor of a Gaussian d x d matrix.
b = A x + r: x Gaussian of unit norm; r the Gaussian vector g projected away from range(A) and
scaled so that ||r|| / ||b|| = rho. Writes A.npy (float64, C order), b.npy, x.npy in OUTDIR.

The rows are made in blocks, so memory stays at A's file (written through a memory map) plus
a few blocks: G is never held whole. Block k of G and of g comes from its own generator
(seed, k), so two passes over the blocks draw the same numbers. The Q factor is CholeskyQR2:
R1 = chol(G^T G), R2 = chol((G R1^-1)^T (G R1^-1)), U = G R^-1 with R = R2 R1. A Gaussian
m x d matrix with m >> d has cond(G) ~ (sqrt(m) + sqrt(d)) / (sqrt(m) - sqrt(d)) (1.13 at
m = 2^18, d = 1024), so one CholeskyQR leaves ||U^T U - I|| ~ eps cond(G)^2 and the second
brings it to O(eps) (Fukaya et al. 2014). Then A = G M with M = R^-1 diag(sigma) V^T, and
r = g - U (U^T g) with U^T g = R^-T (G^T g), G^T g summed in the first pass; ||A^T r|| is
measured in the last pass and printed.

Passes over G: three, each drawing m d normal numbers and one m x d x d product.
usage: gen_lsq_family.py --m M --d D --out OUTDIR [--cond 1e6] [--rho 1e-3] [--seed 1]
"""
import argparse
import os
import sys
import time

import numpy as np


def blocks(m, mb):
    for k, lo in enumerate(range(0, m, mb)):
        yield k, lo, min(m, lo + mb)


def draw(seed, k, rows, d):
    """block k of G (rows x d) and of g (rows), the same numbers in every pass"""
    rng = np.random.default_rng([seed, k])
    return rng.standard_normal((rows, d)), rng.standard_normal(rows)


def upper_chol(s):
    """R upper triangular with R^T R = s"""
    return np.linalg.cholesky(s).T


def rsolve(x, r):
    """x R^-1 for a matrix x and upper triangular R (solves R^T y^T = x^T)"""
    return np.linalg.solve(r.T, x.T).T


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--d", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--cond", type=float, default=1e6)
    p.add_argument("--rho", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--block", type=int, default=1 << 14, help="rows per block")
    a = p.parse_args()
    m, d, seed = a.m, a.d, a.seed
    if not (m > d >= 1 and a.cond >= 1 and 0 < a.rho < 1):
        sys.exit("gen_lsq_family.py: need m > d >= 1, cond >= 1, 0 < rho < 1")
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()

    # pass 1: G^T G and G^T g
    gram = np.zeros((d, d))
    gtg = np.zeros(d)
    for k, lo, hi in blocks(m, a.block):
        G, g = draw(seed, k, hi - lo, d)
        gram += G.T @ G
        gtg += G.T @ g
    r1 = upper_chol(gram)
    # pass 2: the Gram matrix of G R1^-1
    gram = np.zeros((d, d))
    for k, lo, hi in blocks(m, a.block):
        G, _ = draw(seed, k, hi - lo, d)
        U1 = rsolve(G, r1)
        gram += U1.T @ U1
    R = upper_chol(gram) @ r1

    rng = np.random.default_rng([seed, 1 << 40])
    V, s = np.linalg.qr(rng.standard_normal((d, d)))
    V *= np.sign(np.diag(s))  # the Haar-distributed orthogonal factor
    x = rng.standard_normal(d)
    x /= np.linalg.norm(x)
    sigma = np.logspace(0.0, -np.log10(a.cond), d)
    M = rsolve(np.eye(d), R) @ (sigma[:, None] * V.T)  # A = G M
    c = np.linalg.solve(R, np.linalg.solve(R.T, gtg))  # R^-1 (U^T g): U (U^T g) = G c
    Mx = M @ x

    # pass 3: A by blocks into its file, A x and r
    A = np.lib.format.open_memmap(os.path.join(a.out, "A.npy"), mode="w+", dtype=np.float64,
                                  shape=(m, d), fortran_order=False)
    Ax = np.empty(m)
    r = np.empty(m)
    for k, lo, hi in blocks(m, a.block):
        G, g = draw(seed, k, hi - lo, d)
        A[lo:hi] = G @ M
        Ax[lo:hi] = G @ Mx
        r[lo:hi] = g - G @ c
    # ||A x|| = ||diag(sigma) V^T x|| exactly; r is orthogonal to it, so with r scaled to
    # t ||r||: ||r_s|| / ||b|| = t / sqrt(||A x||^2 + t^2) = rho for t = rho ||Ax|| / sqrt(1-rho^2)
    nax = np.linalg.norm(Ax)
    r *= a.rho * nax / np.sqrt(1.0 - a.rho**2) / np.linalg.norm(r)
    b = Ax + r
    # the check: ||A^T r|| / (||A||_2 ||r||), ||A||_2 = 1; O(eps) when r is orthogonal
    atr = np.zeros(d)
    for k, lo, hi in blocks(m, a.block):
        atr += A[lo:hi].T @ r[lo:hi]
    A.flush()
    del A
    np.save(os.path.join(a.out, "b.npy"), b)
    np.save(os.path.join(a.out, "x.npy"), x)
    print("gen_lsq_family: %d x %d, cond %.3g, ||r||/||b|| = %.3e, ||A^T r||/||r|| = %.1e, "
          "%.1f s -> %s" % (m, d, a.cond, np.linalg.norm(r) / np.linalg.norm(b),
                           np.linalg.norm(atr) / np.linalg.norm(r), time.time() - t0, a.out))


if __name__ == "__main__":
    main()
