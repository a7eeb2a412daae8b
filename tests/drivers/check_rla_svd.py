# SPDX-License-Identifier: BSD-3-Clause
"""Independent checks of rla-svd's outputs with NumPy.
usage: check_rla_svd.py factors A U S V SIGMA [P Q]  orthonormal factors, sigma error, residual
                                                 (oversampling P, power steps Q: 10 and 2)
       check_rla_svd.py same S1 S2 SIGMA M N P Q  two runs (other rank counts, batch) give the
                                                 same singular values to rounding (SIGMA: A's)
       check_rla_svd.py tol A U S V TOL           the Frobenius residual meets the tolerance
       check_rla_svd.py make-bad DIR A            bad inputs derived from a good matrix
Prints one "PASS name" or "FAIL name" line per check."""
import sys
import numpy as np

EPS = np.finfo(float).eps
U_ROUND = EPS / 2


def orth_bound(m, k):
    """||Q^T Q - I|| after a backward-stable orthonormalization of k columns of length m: at most
    6 (m k + k (k + 1)) u for CholeskyQR2 and shifted CholeskyQR3, which ends with it
    (Yamamoto, Nakatsukasa, Yanagisawa, Fukaya, ETNA 44, 2015; Fukaya et al., SISC 42, 2020),
    and below that for Householder QR and TSQR (gamma_{c m k}, Higham, Thm 19.4). The product
    with the small SVD's orthogonal factor adds k u."""
    return 6.0 * (m * k + k * (k + 1)) * U_ROUND + k * U_ROUND


def report(name, ok, detail):
    print(("PASS " if ok else "FAIL ") + name + ": " + detail)


def main():
    cmd = sys.argv[1]
    if cmd == "factors":
        A, U, S, V, sig = (np.load(p) for p in sys.argv[2:7])
        p, q = (int(sys.argv[7]), int(sys.argv[8])) if len(sys.argv) > 8 else (10, 2)
        k = S.shape[0]
        ok = U.shape == (A.shape[0], k) and V.shape == (A.shape[1], k)
        report("factor shapes", ok, "U %s, S %s, V %s" % (U.shape, S.shape, V.shape))
        if not ok:
            return
        m, n = A.shape
        ou = np.linalg.norm(U.T @ U - np.eye(k), 2)
        ov = np.linalg.norm(V.T @ V - np.eye(k), 2)
        delta = orth_bound(max(m, n), k + p)
        report("orthonormal U, V", max(ou, ov) <= delta,
               "||Q^T Q - I||_2 = %.2e, %.2e <= %.2e" % (ou, ov, delta))
        # Ritz values never exceed the true ones: sigma_j(Q^T A) <= sigma_j(A) for an orthonormal
        # Q. The computed Q is within delta of an orthonormal one (sigma_j moves by at most
        # delta sigma_1), and B = Q^T A and its SVD are backward stable ((m + k + p) u sigma_1)
        excess = np.max(S - sig[:k]) / sig[0]
        bound = delta + (m + k + p) * U_ROUND
        report("no sigma above the true one", excess <= bound,
               "max excess %.2e sigma_1 <= %.2e" % (excess, bound))
        # Halko, Martinsson, Tropp (SIAM Rev. 2011), Cor. 10.9 with Thm 9.2 for q power steps:
        # with probability >= 1 - 6 p^-p, ||A - Q Q^T A||_2 <= (1 + 11 sqrt(k + p) sqrt(min(m, n)))
        # ^(1 / (2 q + 1)) sigma_{k+1} for a Gaussian test matrix; truncating Q B to rank k adds
        # at most sigma_{k+1}(B) <= sigma_{k+1}. Proven for the Gaussian sketch; for the block
        # SRHT (Tropp's SRHT bounds need more oversampling than p = 10) the same bound is
        # asserted of the seed's draw.
        c = (1.0 + 11.0 * np.sqrt(k + p) * np.sqrt(min(m, n))) ** (1.0 / (2 * q + 1)) + 1.0
        e2 = np.linalg.norm(A - (U * S) @ V.T, 2)
        report("||A - U S V^T||_2 <= %.2f sigma_{k+1} (HMT)" % c, e2 <= c * sig[k],
               "%.4e = %.4f sigma_{k+1}" % (e2, e2 / sig[k]))
    elif cmd == "same":
        # Both runs use the same test matrix; only the order of sums and the TSQR/reduction trees
        # differ. Each of the 2 q + 1 products with A or A^T, orthonormalized, perturbs the
        # basis's subspace by at most delta kappa, delta the orthonormalization's error
        # (orth_bound) and kappa <= sigma_1 / sigma_l the product's condition number (l = k + p
        # columns); the power steps damp earlier errors rather than amplify them, so the two
        # subspaces differ by theta <= 2 (2 q + 1) delta sigma_1 / sigma_l. A Ritz value
        # sigma_j(Q^T A) moves by at most ||A|| theta under such a rotation: relative to
        # sigma_j, theta sigma_1 / sigma_j.
        s1, s2, sig = (np.load(p) for p in sys.argv[2:5])
        m, n, p, q = (int(a) for a in sys.argv[5:9])
        k = s1.shape[0]
        l = min(k + p, m, n)
        delta = orth_bound(max(m, n), l)
        theta = 2 * (2 * q + 1) * delta * sig[0] / sig[l - 1]
        if s1.shape == s2.shape:
            ratio = np.max(np.abs(s1 - s2) / (theta * sig[0]))
            d = np.max(np.abs(s1 - s2) / s1)
        else:
            ratio, d = np.inf, np.inf
        report("same sigma " + sys.argv[3], ratio <= 1.0,
               "max relative difference %.2e; |s1 - s2| / (theta sigma_1) = %.2e <= 1, "
               "theta = %.2e" % (d, ratio, theta))
    elif cmd == "tol":
        A, U, S, V = (np.load(p) for p in sys.argv[2:6])
        tol = float(sys.argv[6])
        e = np.linalg.norm(A - (U * S) @ V.T) / np.linalg.norm(A)
        s = np.linalg.svd(A, compute_uv=False)
        tail = np.sqrt(np.cumsum((s ** 2)[::-1])[::-1]) / np.linalg.norm(A)  # tail[j] = error of rank j
        kopt = int(np.argmax(tail <= tol)) if np.any(tail <= tol) else len(s)
        k = S.shape[0]
        report("tolerance met on the actual residual", e <= tol, "%.4e <= %.1e" % (e, tol))
        # not a bound of the method: the blocked QB with q = 2 and 32-column blocks resolves the
        # leading sigma_j of sigma_j = 1/j closely, so the seed's rank is at or near the
        # optimum; 1.2x says that the truncation of B is not thrown off by a poor basis
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
