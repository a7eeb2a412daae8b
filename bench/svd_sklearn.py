# SPDX-License-Identifier: BSD-3-Clause
"""Baseline for bench/svd.sh: scikit-learn's randomized_svd on the matrix bench_svd wrote
(--npy), or on one with the same spectrum (sigma_i = i^-decay, Haar-random singular vectors
from the QR of Gaussian matrices),
at the same (k, p, q) and at the smallest q that meets the accuracy target. Accuracy is
measured as in bench_svd: ||A - U S V^T||_2 by 40 power steps, divided by sigma_{k+1}, mean and
worst over the random states seed, seed+1, ...; the time is the fastest of --reps runs.
Without --npy it can write its matrix in PETSc binary format for the SLEPc baseline.
Prints "RESULT key value" lines."""
import argparse
import time

import numpy as np


def make_matrix(m, n, decay, seed):
    rng = np.random.default_rng(seed)
    r = min(m, n)
    sigma = np.arange(1, r + 1, dtype=float) ** (-decay)
    u, _ = np.linalg.qr(rng.standard_normal((m, r)))
    v, _ = np.linalg.qr(rng.standard_normal((n, r)))
    return np.asfortranarray((u * sigma) @ v.T), sigma


def residual_norm2(a, u, s, vt, iters=40, seed=17):
    """Lower-bound estimate of ||A - U diag(s) V^T||_2 by power iteration, matrix free."""
    x = np.random.default_rng(seed).standard_normal(a.shape[1])
    est = 0.0
    for _ in range(iters):
        x /= np.linalg.norm(x)
        y = a @ x - u @ (s * (vt @ x))
        ny = np.linalg.norm(y)
        est = max(est, ny)
        if ny == 0.0:
            break
        x = a.T @ y - vt.T @ (s * (u.T @ y))
        est = max(est, np.linalg.norm(x) / ny)
    return est


def write_petsc_binary(a, path):
    """Dense matrix in the PETSc binary AIJ layout (big-endian), which MatLoad reads as dense."""
    m, n = a.shape
    with open(path, "wb") as f:
        np.array([1211216, m, n, m * n], dtype=">i4").tofile(f)
        np.full(m, n, dtype=">i4").tofile(f)
        np.tile(np.arange(n, dtype=">i4"), m).tofile(f)
        np.ascontiguousarray(a).astype(">f8").tofile(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--m", type=int, default=2048)
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--p", type=int, default=10)
    ap.add_argument("--q", type=int, default=2)
    ap.add_argument("--decay", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--target", type=float, default=1.05)
    ap.add_argument("--qmax", type=int, default=8)
    ap.add_argument("--npy", help="read the matrix from this .npy file (sigma_i = i^-decay)")
    ap.add_argument("--petsc", help="also write the matrix to this PETSc binary file")
    args = ap.parse_args()
    from sklearn.utils.extmath import randomized_svd

    if args.npy:
        a = np.asfortranarray(np.load(args.npy))
        sigma = np.arange(1, min(a.shape) + 1, dtype=float) ** (-args.decay)
    else:
        a, sigma = make_matrix(args.m, args.n, args.decay, args.seed)
    if args.petsc and not args.npy:
        write_petsc_binary(a, args.petsc)
    nxt = sigma[args.k] if args.k < len(sigma) else 1.0

    def run(q):
        best = float("inf")
        for _ in range(args.reps):
            t = time.perf_counter()
            randomized_svd(a, args.k, n_oversamples=args.p, n_iter=q, random_state=args.seed)
            best = min(best, time.perf_counter() - t)
        ratios = []
        for s in range(args.seeds):
            u, sv, vt = randomized_svd(a, args.k, n_oversamples=args.p, n_iter=q,
                                       random_state=args.seed + s)
            ratios.append(residual_norm2(a, u, sv, vt) / nxt)
        return best, sum(ratios) / len(ratios), max(ratios)

    t, mean, worst = run(args.q)
    print(f"sklearn randomized_svd q = {args.q}: {t:.4f} s, ||E||_2/sigma_k+1 mean {mean:.4f} "
          f"worst {worst:.4f}")
    print(f"RESULT sklearn_time {t:.6f}\nRESULT sklearn_ratio2 {mean:.6f}")
    print(f"RESULT sklearn_ratio2_max {worst:.6f}")
    for q in range(args.qmax + 1):
        t, mean, worst = run(q)
        print(f"  sklearn  q = {q}: {t:.4f} s, ||E||_2/sigma_k+1 mean {mean:.4f} worst {worst:.4f}")
        print(f"RESULT sklearn_scan_q{q}_time {t:.6f}")
        if worst <= args.target:
            print(f"RESULT target_q_sklearn {q}\nRESULT target_time_sklearn {t:.6f}")
            print(f"RESULT target_ratio2_sklearn {worst:.6f}")
            break
    else:
        print(f"  sklearn: target {args.target} not reached with q <= {args.qmax}")


if __name__ == "__main__":
    main()
