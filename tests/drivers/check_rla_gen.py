# SPDX-License-Identifier: BSD-3-Clause
"""Independent checks of rla-gen's outputs with NumPy, for tests/drivers/rla_gen.sh.

usage: check_rla_gen.py svd A.npy sigma.npy
       check_rla_gen.py lsq A.npy b.npy x.npy RESIDUAL COND
       check_rla_gen.py collection DIR
       check_rla_gen.py sparse-lsq A.mtx b.npy x.npy RESIDUAL NNZ_PER_ROW DENSE_ROWS COND
       check_rla_gen.py sparse-svd A.petsc sigma.npy BLOCK
Prints one "PASS name" or "FAIL name: detail" line per check; exits 1 when any failed.
"""
import json
import os
import sys

import numpy as np

EPS = np.finfo(np.float64).eps
U_ROUND = EPS / 2
results = []


def orth_bound(m, k):
    """||Q^T Q - I|| of rla-gen's CholeskyQR2 factors: 6 (m k + k (k + 1)) u (Yamamoto,
    Nakatsukasa, Yanagisawa, Fukaya, ETNA 44, 2015; its Householder fallback does better). The
    bounds below are those of tests/unit/gen.c, which derives them term by term."""
    return 6.0 * (m * k + k * (k + 1)) * U_ROUND


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail))


def svd(a_path, s_path):
    a = np.load(a_path)
    sigma = np.load(s_path)
    k = sigma.shape[0]
    check("svd: sigma is a 1-D float64 array", sigma.ndim == 1 and sigma.dtype == np.float64)
    s = np.linalg.svd(a, compute_uv=False)
    m, n = a.shape
    # A = fl(fl(U diag(sigma)) V^T): U's and V's orthogonality defects move sigma_j by
    # (d_U + d_V) sigma_j, the scaling by u sigma_j; the product adds at most
    # k^1.5 u ||sigma||_2 and LAPACK's SVD max(m, n) u sigma_0 (LAPACK Users' Guide 4.9)
    absb = (k ** 1.5 * np.linalg.norm(sigma) + max(m, n) * sigma[0]) * U_ROUND
    bound = (orth_bound(m, k) + orth_bound(n, k) + U_ROUND) * sigma + absb
    rel = np.max(np.abs(s[:k] - sigma) / bound)
    check("svd: singular values equal sigma.npy to rounding", rel <= 1.0,
          "max |s_j - sigma_j| / bound_j = %.3e" % rel)
    tail = np.max(s[k:]) / absb if s.shape[0] > k else 0.0
    check("svd: zero beyond the rank, to rounding", tail <= 1.0, "s_k / bound = %.3e" % tail)


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
    afro = float(np.linalg.norm(a))
    xn = float(np.linalg.norm(x))
    # rla-gen's construction (sigma_0 = 1, ||x*|| = 1, A = fl(Q_n diag(sigma) V^T),
    # r = residual (I - Q_n Q_n^T) q / norm, b = fl(A x) + r) and the rounding of each step,
    # term by term as in tests/unit/gen.c (test_lsq_problems), with dn = n^1.5 u:
    # ||b - A x|| is the residual within (m + 2) u res + dn + (1 + res) u
    dn = n ** 1.5 * U_ROUND
    err = abs(rn - residual)
    bound = (m + 2) * U_ROUND * residual + dn + (1 + residual) * U_ROUND
    check("lsq: ||b - A x*|| equals the requested residual", err <= bound,
          "||b - A x*|| = %.17g, requested %.17g, bound %.3e" % (rn, residual, bound))
    # ||A^T r|| / (||A||_F ||r||) <= ((m + n) sqrt(n) + n^1.5) u + (n + 1 + res) u / res
    atr = al.T @ r
    if residual > 0:
        ortho = float(np.sqrt(np.sum(atr * atr))) / (afro * rn)
        bound = ((m + n) * np.sqrt(n) + n ** 1.5) * U_ROUND + (n + 1 + residual) * U_ROUND / residual
        check("lsq: b - A x* is orthogonal to range(A)", ortho <= bound,
              "||A^T r||/(||A||_F ||r||) = %.3e > %.3e" % (ortho, bound))
    s = np.linalg.svd(a, compute_uv=False)
    c = s[0] / s[-1]
    # the singular values move by (d_Q + d_V + u) relatively and (n^2 + max(m, n)) u absolutely
    # (the product and LAPACK's SVD), which is cond times that relative to sigma_{n-1}
    dq, dv = orth_bound(m, n + 1 if m > n else n), orth_bound(n, n)
    tc = 2 * (dq + dv + U_ROUND) + (cond + 1) * (n * n + max(m, n)) * U_ROUND
    check("lsq: cond(A) as requested", abs(c - cond) <= tc * cond,
          "cond %.17g, requested %.17g" % (c, cond))
    # n - 1 hypot calls and a division, each within 1 ulp
    check("lsq: ||x*|| = 1", abs(xn - 1) <= (2 * n + 1) * U_ROUND, "%.17g" % xn)


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
            # sigma_dim <= noise ||G||, ||G|| <= 1 + sqrt(N/m) + 1 w.h.p. (see tests/unit/gen.c)
            bound = noise * (2 + np.sqrt(nc / m)) if noise > 0 else 100 * EPS * s[0]
            worst_tail = max(worst_tail, s[dim] / bound)
        worst_signal = min(worst_signal, s[min(dim, nc) - 1])
    check("collection: each subspace's blocks have numerical rank dim", worst_tail <= 1.0,
          "sigma_dim / bound = %.3g" % worst_tail)
    check("collection: the signal is far above the noise", worst_signal >= 10 * noise,
          "smallest signal singular value %.3g" % worst_signal)


def read_sparse(path):
    """A Matrix Market coordinate file (SciPy) or a PETSc binary AIJ Mat, as a CSR matrix."""
    import scipy.io
    import scipy.sparse
    if path.endswith(".mtx"):
        return scipy.io.mmread(path).tocsr()
    with open(path, "rb") as f:
        data = f.read()
    cid, m, n, nz = np.frombuffer(data, ">i4", 4)
    check("sparse: PETSc class id of a Mat", cid == 1211216)
    lens = np.frombuffer(data, ">i4", m, 16)
    ind = np.frombuffer(data, ">i4", nz, 16 + 4 * m)
    val = np.frombuffer(data, ">f8", nz, 16 + 4 * m + 4 * nz)
    check("sparse: PETSc file size", len(data) == 16 + 4 * m + 12 * nz)
    ptr = np.concatenate([[0], np.cumsum(lens)])
    return scipy.sparse.csr_matrix((val.astype(np.float64), ind, ptr), shape=(m, n))


def sparse_lsq(a_path, b_path, x_path, residual, r, d, cond):
    a = read_sparse(a_path)
    b = np.load(b_path)
    x = np.load(x_path)
    m, n = a.shape
    lens = np.diff(a.indptr)
    check("sparse lsq: nnz = (m - d) r + d n", a.nnz == (m - d) * r + d * n, "nnz %d" % a.nnz)
    check("sparse lsq: r entries per row, d dense rows",
          np.all((lens == r) | (lens == n)) and (r == n or np.sum(lens == n) == d))
    check("sparse lsq: no stored zero", np.all(a.data != 0))
    # the residual the construction promises is b - A x up to b's rounding; pairs of equal rows
    # carry +t and -t: find them by the rows' bytes
    rows = {}
    for i in range(m):
        s, e = a.indptr[i], a.indptr[i + 1]
        rows.setdefault((a.indices[s:e].tobytes(), a.data[s:e].tobytes()), []).append(i)
    al, bl, xl = a.toarray().astype(np.longdouble), b.astype(np.longdouble), x.astype(np.longdouble)
    rr = bl - al @ xl
    absax = np.abs(al) @ np.abs(xl)
    paired = sum(len(v) for v in rows.values() if len(v) >= 2)
    check("sparse lsq: rows come in bitwise equal pairs", residual == 0 or paired >= 2 * ((m - n - d) // 2),
          "%d rows in groups of equal rows" % paired)
    # on a pair (i, j), r_i = -r_j exactly, so b_i - (A x)_i + b_j - (A x)_j is the rounding of
    # b_i and b_j only: gamma_{k+1} (|a| |x| + |r|) each
    worst = 0.0
    u = U_ROUND
    for v in rows.values():
        for i, j in zip(v[0::2], v[1::2]):
            k = lens[i]
            g = (k + 1) * u / (1 - (k + 1) * u)
            bound = 2 * g * (absax[i] + abs(rr[i])) + 4 * k * 2.0 ** -63 * (absax[i] + abs(b[i]))
            worst = max(worst, float(abs(rr[i] + rr[j]) / bound))
    check("sparse lsq: b - A x* is opposite on the two rows of a pair", worst <= 1.0, "%.3e" % worst)
    # ||b - A x|| is the residual within its rounding: gamma_{k+1} (|A| |x| + |r|) per row, and
    # 3 u residual for the construction's own t
    kmax = lens.max()
    g = (kmax + 1) * u / (1 - (kmax + 1) * u)
    rn = float(np.sqrt(np.sum(rr * rr)))
    bound = 3 * u * residual + g * float(np.sqrt(np.sum((absax + np.abs(rr)) ** 2)))
    check("sparse lsq: ||b - A x*|| equals the requested residual", abs(rn - residual) <= bound,
          "||b - A x*|| = %.17g, requested %g, bound %.3e" % (rn, residual, bound))
    check("sparse lsq: ||x*|| = 1", abs(float(np.linalg.norm(x)) - 1) <= (2 * n + 1) * u)
    s = np.linalg.svd(a.toarray(), compute_uv=False)
    # the rank rows certify sigma_min > 1 / (sqrt(n) cond); the SVD is off by max(m, n) u sigma_0
    check("sparse lsq: full column rank, sigma_min > 1 / (sqrt(n) cond)",
          s[-1] >= 1 / (np.sqrt(n) * cond) - max(m, n) * u * s[0], "sigma_min %.3e" % s[-1])


def sparse_svd(a_path, s_path, block):
    a = read_sparse(a_path)
    sigma = np.load(s_path)
    m, n = a.shape
    mn, ml = min(m, n), max(m, n)
    k = sigma.shape[0]
    nb = -(-mn // block)
    sb = -(-mn // nb)
    lb = sb + -(-(ml - mn) // nb)
    lens = np.diff(a.indptr)
    check("sparse svd: row lengths at most the blocks' widths",
          np.all(lens <= (sb if m >= n else lb)))
    s = np.linalg.svd(a.toarray(), compute_uv=False)
    # rla/gen.h: (2 delta + u) sigma_j + s^2 u sigma_0, delta the Householder factors'
    # orthogonality orth_bound(l, s); NumPy's SVD max(m, n) u sigma_0
    rel = 2 * orth_bound(lb, sb) + U_ROUND
    absb = (sb * sb + ml) * U_ROUND * sigma[0]
    want = np.concatenate([sigma, np.zeros(mn - k)])
    worst = np.max(np.abs(s - want) / (rel * want + absb))
    check("sparse svd: singular values equal sigma.npy to rounding", worst <= 1.0, "%.3e" % worst)


def main():
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "svd":
        svd(*args)
    elif kind == "lsq":
        lsq(args[0], args[1], args[2], float(args[3]), float(args[4]))
    elif kind == "collection":
        collection(args[0])
    elif kind == "sparse-lsq":
        sparse_lsq(args[0], args[1], args[2], float(args[3]), int(args[4]), int(args[5]),
                   float(args[6]))
    elif kind == "sparse-svd":
        sparse_svd(args[0], args[1], int(args[2]))
    else:
        print("FAIL unknown check kind " + kind)
        return 1
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
