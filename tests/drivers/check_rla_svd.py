# SPDX-License-Identifier: BSD-3-Clause
"""Independent checks of rla-svd's outputs with NumPy.
usage: check_rla_svd.py factors A U S V SIGMA [P Q]  orthonormal factors, sigma error, residual
                                                 (oversampling P, power steps Q: 10 and 2)
       check_rla_svd.py same S1 S2 SIGMA M N P Q  two runs (other rank counts, batch) give the
                                                 same singular values to rounding (SIGMA: A's)
       check_rla_svd.py tol A U S V TOL           the Frobenius residual meets the tolerance
       check_rla_svd.py make-bad DIR A            bad inputs derived from a good matrix
       check_rla_svd.py make-sparse DIR           sparse files with known singular values: sp.mtx
                                                 (600 x 400) and spt.petsc (its transpose, PETSc
                                                 AIJ), their dense copies and sp-sigma.npy
       check_rla_svd.py verify A U S V SIGMA REPORT KGAP   the --verify measures of REPORT
                                                 against NumPy's, and the bounds they meet for a
                                                 spectrum with a gap after sigma_KGAP (p = 10, q = 2)
Prints one "PASS name" or "FAIL name" line per check."""
import json
import os
import sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import sparse_files  # noqa: E402

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


def hmt_basis(sig, k, p, q):
    """Bound on ||(I - Q Q^T) A||_2 for a basis Q of the range of (A A^T)^q A Omega^T, Omega
    Gaussian with k + p columns: Halko, Martinsson, Tropp (SIAM Rev. 2011) Thm 10.8 (p >= 4,
    t = e, u = 4; failure probability at most 2 e^-p + e^-8, 0.014 for p = 5) applied to
    (A A^T)^q A, whose singular values are sig^(2q+1), then Prop. 8.6. The theorem holds for
    any split k + p of the basis's columns; a split at a gap of the spectrum makes it small."""
    e = np.exp(1.0)
    c = e * np.sqrt(k + p) / (p + 1)
    s1 = sig[k] ** (2 * q + 1)
    tail = np.sqrt(np.sum(sig[k:] ** (4 * q + 2)))
    return ((1 + e * np.sqrt(3.0 * k / (p + 1))) * s1 + e * c * tail + 4 * e * c * s1) ** (1.0 / (2 * q + 1))


def make_sparse(out):
    """A block-diagonal 600 x 400 matrix of 40 dense 15 x 10 blocks U_b diag(s_b) V_b^T (U_b, V_b
    orthonormal by QR), its 400 singular values dealt round-robin to the blocks, rows and
    columns permuted: its singular values are those prescribed (to the rounding of the QRs), and
    it stores 6000 of its 240000 entries (2.5 %: the sparse path). The spectrum: 1/j for j <= 25,
    then a gap down to 1e-5 * 26 / j, so that a basis of 30 columns (k = 20, p = 10) captures the
    leading 25 up to the HMT bound at the split 25 + 5 (hmt_basis)."""
    rng = np.random.default_rng(17)
    nb, bm, bn = 40, 15, 10
    m, n = nb * bm, nb * bn
    j = np.arange(1, n + 1, dtype=float)
    sig = np.where(j <= 25, 1.0 / j, 1e-5 * 26.0 / j)
    A = np.zeros((m, n))
    for b in range(nb):
        u = np.linalg.qr(rng.standard_normal((bm, bn)))[0]
        v = np.linalg.qr(rng.standard_normal((bn, bn)))[0]
        A[b * bm:(b + 1) * bm, b * bn:(b + 1) * bn] = (u * sig[b::nb]) @ v.T
    A = A[rng.permutation(m)][:, rng.permutation(n)]
    sparse_files.write_mm(out + "/sp.mtx", m, n, *sparse_files.coordinates(A))
    sparse_files.write_petsc_aij(out + "/spt.petsc", n, m, *sparse_files.coordinates(A.T))
    np.save(out + "/sp-A.npy", A)
    np.save(out + "/spt-A.npy", A.T.copy())
    np.save(out + "/sp-sigma.npy", sig)
    # each block's factors are orthonormal to orth_bound(15, 10) (Householder QR), which moves
    # its singular values by that much relative, twice; the product adds gamma_10 (NumPy's SVD,
    # backward stable, adds (m + n) u sigma_1)
    s = np.linalg.svd(A, compute_uv=False)
    bound = (2 * orth_bound(bm, bn) + (bn + m + n) * U_ROUND) * sig[0]
    err = np.max(np.abs(s - sig))
    report("sparse matrix with the prescribed singular values", err <= bound,
           "%d entries, max |sigma_j - prescribed| = %.1e <= %.1e" % (np.count_nonzero(A), err, bound))


def verify(A, U, S, V, sig, rep, kgap, p=10, q=2):
    """The --verify measures of the report against NumPy's on the dense copy, and the bounds of
    the method for a spectrum with a gap after sigma_kgap."""
    m, n = A.shape
    k = S.shape[0]
    l = min(k + p, m, n)
    nf = np.linalg.norm(A)
    E = A - (U * S) @ V.T
    e2 = np.linalg.norm(E, 2)
    delta = orth_bound(max(m, n), l)
    # E formed by NumPy: gamma_k ||U S||_F ||V||_F <= k^(3/2) u ||A||_F in each entry's sum
    rnd = k ** 1.5 * U_ROUND * nf
    # ||A - U S V^T||_2 <= sigma_{k+1} + ||(I - Q Q^T) A||_2 (HMT Thm 9.3), the second at most
    # hmt_basis at the split kgap + (l - kgap); at this spectrum that is under 0.1 sigma_{k+1}
    b = hmt_basis(sig, kgap, l - kgap, q)
    report("||E||_2 <= sigma_{k+1} + HMT basis bound", e2 <= sig[k] + b + rnd,
           "%.6e <= %.6e + %.2e" % (e2, sig[k], b))
    report("||E||_2 <= 1.1 sigma_{k+1}", e2 <= 1.1 * sig[k], "%.4f sigma_{k+1}" % (e2 / sig[k]))
    # the power estimate is a lower bound up to rounding (E x evaluated with gamma_{n+k},
    # gamma_{m+k} errors); from below, Kuczynski and Wozniakowski (SIMAX 13(4), 1992): after 20
    # steps est^2 < (1 - r) ||E||_2^2 with probability at most 0.824 sqrt(n) (1 - r)^19.5, which
    # is 1e-3 for the r below (a probability bound for the fixed seed)
    est = rep["residual_2_estimate"]
    r = 1.0 - (1e-3 / (0.824 * np.sqrt(n))) ** (1.0 / 19.5)
    hi = e2 * (1 + m * n * EPS) + (m + n + k * k) * EPS * nf
    report("2-norm estimate within [sqrt(1 - r), 1] ||E||_2", np.sqrt(1 - r) * e2 <= est <= hi,
           "%.6e in [%.6e, %.6e]" % (est, np.sqrt(1 - r) * e2, hi))
    report("2-norm estimate <= 1.1 sigma_{k+1}", est <= 1.1 * sig[k], "%.4f sigma_{k+1}" % (est / sig[k]))
    # Frobenius: the reported measure within its reported floor of the exact one (plus the
    # rounding of both: NumPy's E above, the product A V and the Gram matrices, (m + n) eps
    # ||A||_F^2 / ||E||_F in the square); at least the optimal tail (Eckart-Young)
    fro = np.linalg.norm(E)
    got = rep["residual_fro_relative"] * rep["norm_A_fro"]
    fl = rep["residual_fro_relative_floor"] * rep["norm_A_fro"]
    tol = fl + rnd + (m + n) * EPS * nf * nf / fro
    report("Frobenius measure within its floor of ||E||_F", abs(got - fro) <= tol,
           "|%.10e - %.10e| = %.1e <= %.1e (floor %.1e)" % (got, fro, abs(got - fro), tol, fl))
    opt = np.sqrt(np.sum(sig[k:] ** 2))
    report("||E||_F >= the optimal tail (Eckart-Young)", fro >= opt * (1 - delta) - rnd,
           "%.6e >= %.6e" % (fro, opt))
    # triplet residuals: A v_i - s_i u_i = E v_i and A^T u_i - s_i v_i = E^T u_i (U S V^T v_i =
    # s_i u_i up to the loss of orthogonality delta), so both are at most ||E||_2 (1 + delta) up
    # to the products' rounding; and the reported value is NumPy's to that rounding
    tr = max(np.max(np.linalg.norm(A @ V - U * S, axis=0)), np.max(np.linalg.norm(A.T @ U - V * S, axis=0)))
    tr_rnd = (m + n + k * k) * EPS * nf + np.sqrt(k) * delta * S[0]
    got = rep["triplet_residual_relative"] * S[0]
    report("triplet residuals as NumPy's", abs(got - tr) <= tr_rnd,
           "%.6e vs %.6e (<= %.1e apart)" % (got, tr, tr_rnd))
    report("triplet residuals <= ||E||_2", got <= e2 * (1 + delta) + tr_rnd,
           "%.6e <= %.6e" % (got, e2))
    # sigma_j(A)^2 <= sigma_j(Q^T A)^2 + ||(I - Q Q^T) A||_2^2 (Weyl on A^T A), so the Ritz values
    # are below the true ones by at most b^2 / sigma_j; plus the backward error of the computation
    # (6.5 sqrt(l) (max(m, n) + l) l eps ||A||_F, the unit tests' svd_bwd) over sigma_k
    err = np.max(np.abs(S - sig[:k]) / sig[:k])
    bound = (b / sig[k - 1]) ** 2 + 6.5 * np.sqrt(l) * (max(m, n) + l) * l * EPS * nf / sig[k - 1]
    report("sigma error against the exact ones", err <= bound, "%.2e <= %.2e" % (err, bound))


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
    elif cmd == "make-sparse":
        make_sparse(sys.argv[2])
    elif cmd == "verify":
        A, U, S, V, sig = (np.load(p) for p in sys.argv[2:7])
        with open(sys.argv[7]) as f:
            rep = json.load(f)
        verify(A, U, S, V, sig, rep, int(sys.argv[8]))
    elif cmd == "make-bad":
        out, A = sys.argv[2], np.load(sys.argv[3])
        An = A.copy()
        An[3, 7] = np.nan
        np.save(out + "/A-nan.npy", An)
        np.save(out + "/A-3d.npy", A[:40, :30].reshape(4, 10, 30))
        np.save(out + "/A-int.npy", (A * 100).astype(np.int64))
        np.save(out + "/A-int-as-f64.npy", (A * 100).astype(np.int64).astype(np.float64))
        print("PASS bad inputs written")
    else:
        sys.exit("unknown command " + cmd)


main()
