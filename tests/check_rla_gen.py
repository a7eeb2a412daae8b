# SPDX-License-Identifier: BSD-3-Clause
"""Independent checks of rla-gen's outputs with NumPy, for tests/test_rla_gen.sh.

usage: check_rla_gen.py svd A.npy sigma.npy
       check_rla_gen.py lsq A.npy b.npy x.npy RESIDUAL COND
       check_rla_gen.py collection DIR
Prints one "PASS name" or "FAIL name: detail" line per check; exits 1 when any failed.
"""
import json
import os
import sys

import numpy as np

EPS = np.finfo(np.float64).eps
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail))


def svd(a_path, s_path):
    a = np.load(a_path)
    sigma = np.load(s_path)
    k = sigma.shape[0]
    check("svd: sigma is a 1-D float64 array", sigma.ndim == 1 and sigma.dtype == np.float64)
    s = np.linalg.svd(a, compute_uv=False)
    rel = np.max(np.abs(s[:k] - sigma) / sigma)
    # relative 1e-12 holds for sigma_0 / sigma_last <= 1e3 (the test's spectra): a
    # backward-stable SVD confirms sigma_j only to O(eps) sigma_0
    check("svd: singular values equal sigma.npy to 1e-12 relative", rel <= 1e-12,
          "max relative error %.3e" % rel)
    tail = np.max(s[k:]) / s[0] if s.shape[0] > k else 0.0
    check("svd: zero beyond the rank (100 eps sigma_0)", tail <= 100 * EPS, "%.3e" % tail)


def lsq(a_path, b_path, x_path, residual, cond):
    a = np.load(a_path)
    b = np.load(b_path)
    x = np.load(x_path)
    m, n = a.shape
    check("lsq: shapes", b.shape == (m,) and x.shape == (n,), "%s %s %s" % (a.shape, b.shape, x.shape))
    # residual and A^T r in extended precision, so the check's own rounding does not count
    al, bl, xl = a.astype(np.longdouble), b.astype(np.longdouble), x.astype(np.longdouble)
    r = bl - al @ xl
    rn = float(np.sqrt(np.sum(r * r)))
    anorm = float(np.linalg.norm(a, 2))
    xn = float(np.linalg.norm(x))
    # b = fl(A x + r) is rounded once: ||b - A x|| = residual + O(eps ||A|| ||x||)
    err = abs(rn - residual)
    check("lsq: ||b - A x*|| equals the requested residual",
          err <= 1e-12 * residual + 10 * np.sqrt(n) * EPS * anorm * xn,
          "||b - A x*|| = %.17g, requested %.17g" % (rn, residual))
    atr = al.T @ r
    ortho = float(np.sqrt(np.sum(atr * atr))) / (anorm * rn)
    # ||A^T r|| = O(eps ||A|| (||A|| ||x|| + ||r||)): scaled by ||A|| ||r||
    bound = 10 * np.sqrt(n) * EPS * (1 + anorm * xn / rn)
    check("lsq: b - A x* is orthogonal to range(A)", ortho <= bound,
          "||A^T r||/(||A|| ||r||) = %.3e > %.3e" % (ortho, bound))
    s = np.linalg.svd(a, compute_uv=False)
    c = s[0] / s[-1]
    # sigma_last = 1/cond is confirmed to O(eps) sigma_0, i.e. eps cond relative: 1e-10 relative
    # up to cond = 1e4 or so, 100 eps cond beyond
    check("lsq: cond(A) as requested", abs(c - cond) <= max(1e-10, 100 * EPS * cond) * cond,
          "cond %.17g, requested %.17g" % (c, cond))
    check("lsq: ||x*|| = 1", abs(xn - 1) <= 10 * EPS, "%.17g" % xn)


def collection(d):
    with open(os.path.join(d, "truth.json")) as f:
        truth = json.load(f)
    with open(os.path.join(d, "manifest.txt")) as f:
        files = [line.strip() for line in f if line.strip()]
    k, m, dim, noise = truth["nblocks"], truth["m"], truth["dim"], truth["noise"]
    widths, member = truth["widths"], truth["membership"]
    check("collection: manifest lists every block", len(files) == k and files == truth["files"])
    blocks = [np.load(os.path.join(d, p)) for p in files]
    shapes = all(bl.shape == (m, w) for bl, w in zip(blocks, widths))
    check("collection: block shapes match the ground truth", shapes)
    check("collection: memberships in range", all(0 <= c < truth["subspaces"] for c in member))
    leftovers = [p for p in os.listdir(d) if p.startswith(".")]
    check("collection: no temporary files left", not leftovers, str(leftovers))
    worst_tail, worst_signal = 0.0, np.inf
    for sub in range(truth["subspaces"]):
        mine = [bl for bl, c in zip(blocks, member) if c == sub]
        if not mine:
            continue
        cmat = np.hstack(mine)
        s = np.linalg.svd(cmat, compute_uv=False)
        nc = cmat.shape[1]
        if nc > dim:
            # sigma_dim <= noise ||G||, ||G|| <= 1 + sqrt(N/m) + 1 w.h.p. (see test_gen.c)
            bound = noise * (2 + np.sqrt(nc / m)) if noise > 0 else 100 * EPS * s[0]
            worst_tail = max(worst_tail, s[dim] / bound)
        worst_signal = min(worst_signal, s[min(dim, nc) - 1])
    check("collection: each subspace's blocks have numerical rank dim", worst_tail <= 1.0,
          "sigma_dim / bound = %.3g" % worst_tail)
    check("collection: the signal is far above the noise", worst_signal >= 10 * noise,
          "smallest signal singular value %.3g" % worst_signal)


def main():
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "svd":
        svd(*args)
    elif kind == "lsq":
        lsq(args[0], args[1], args[2], float(args[3]), float(args[4]))
    elif kind == "collection":
        collection(args[0])
    else:
        print("FAIL unknown check kind " + kind)
        return 1
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
