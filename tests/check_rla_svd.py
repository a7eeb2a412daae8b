# SPDX-License-Identifier: BSD-3-Clause
"""Independent checks of rla-svd's outputs with NumPy.
usage: check_rla_svd.py factors A U S V SIGMA   orthonormal factors, sigma error, residual
       check_rla_svd.py same S1 S2 TOL           two runs give the same singular values
       check_rla_svd.py tol A U S V TOL           the Frobenius residual meets the tolerance
       check_rla_svd.py make-bad DIR A            bad inputs derived from a good matrix
Prints one "PASS name" or "FAIL name" line per check."""
import sys
import numpy as np

EPS = np.finfo(float).eps


def report(name, ok, detail):
    print(("PASS " if ok else "FAIL ") + name + ": " + detail)


def main():
    cmd = sys.argv[1]
    if cmd == "factors":
        A, U, S, V, sig = (np.load(p) for p in sys.argv[2:7])
        k = S.shape[0]
        ok = U.shape == (A.shape[0], k) and V.shape == (A.shape[1], k)
        report("factor shapes", ok, "U %s, S %s, V %s" % (U.shape, S.shape, V.shape))
        if not ok:
            return
        ou = np.abs(U.T @ U - np.eye(k)).max()
        ov = np.abs(V.T @ V - np.eye(k)).max()
        # CholeskyQR2 / Householder: O(k eps) loss of orthogonality
        report("orthonormal U, V", max(ou, ov) <= 1e-12, "max |Q^T Q - I| = %.2e, %.2e" % (ou, ov))
        # Ritz values never exceed the true ones (up to the rounding of B = Q^T A)
        excess = np.max(S - sig[:k]) / sig[0]
        report("no sigma above the true one", excess <= 16 * k * EPS, "max excess %.2e" % excess)
        # HMT with q = 2 on sigma_j = 1/j: the 2-norm error is within 1.5 sigma_{k+1}
        e2 = np.linalg.norm(A - (U * S) @ V.T, 2)
        report("||A - U S V^T||_2 <= 1.5 sigma_{k+1}", e2 <= 1.5 * sig[k],
               "%.4e = %.4f sigma_{k+1}" % (e2, e2 / sig[k]))
    elif cmd == "same":
        s1, s2, tol = np.load(sys.argv[2]), np.load(sys.argv[3]), float(sys.argv[4])
        d = np.max(np.abs(s1 - s2) / s1) if s1.shape == s2.shape else np.inf
        report("same sigma " + sys.argv[3], d <= tol, "max relative difference %.2e <= %.0e" % (d, tol))
    elif cmd == "tol":
        A, U, S, V = (np.load(p) for p in sys.argv[2:6])
        tol = float(sys.argv[6])
        e = np.linalg.norm(A - (U * S) @ V.T) / np.linalg.norm(A)
        s = np.linalg.svd(A, compute_uv=False)
        tail = np.sqrt(np.cumsum((s ** 2)[::-1])[::-1]) / np.linalg.norm(A)  # tail[j] = error of rank j
        kopt = int(np.argmax(tail <= tol)) if np.any(tail <= tol) else len(s)
        k = S.shape[0]
        report("tolerance met on the actual residual", e <= tol, "%.4e <= %.1e" % (e, tol))
        report("rank at most 1.2x the optimal", k <= 1.2 * kopt, "rank %d, optimal %d" % (k, kopt))
    elif cmd == "make-bad":
        out, A = sys.argv[2], np.load(sys.argv[3])
        An = A.copy()
        An[3, 7] = np.nan
        np.save(out + "/A-nan.npy", An)
        np.save(out + "/A-3d.npy", A[:40, :30].reshape(4, 10, 30))
        np.save(out + "/A-int.npy", (A * 100).astype(np.int64))
        print("PASS bad inputs written")
    else:
        sys.exit("unknown command " + cmd)


main()
