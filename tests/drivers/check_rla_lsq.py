# SPDX-License-Identifier: BSD-3-Clause
"""Independent checks of rla-lsq's outputs with NumPy, and bad input files for its tests.
usage: check_rla_lsq.py compare X1 X2 TOL        relative difference of two solutions <= TOL
       check_rla_lsq.py close A b X1 X2          two backward-stable solutions within Wedin's
                                                 distance of each other
       check_rla_lsq.py close-sketched A b X1 X2 L   two sketch-and-solve solutions (L sketch
                                                 rows) that differ only by rounding
       check_rla_lsq.py stable A b xstar x       backward stable, forward error within Wedin's bound
       check_rla_lsq.py columns A B X            X's columns solve min ||A x - B[:, j]|| stably
       check_rla_lsq.py stable-minnorm A b xstar x  the same on A's nonzero columns, x zero on
                                                 its empty ones (the minimum-norm solution)
       check_rla_lsq.py make-bad DIR A b         bad inputs derived from a good problem
       check_rla_lsq.py make-sparse DIR          sparse problems as Matrix Market coordinate
                                                 files, with their dense copies
Prints one "PASS name" or "FAIL name" line per check."""
import os
import sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import sparse_files  # noqa: E402

EPS = np.finfo(float).eps


def report(name, ok, detail):
    print(("PASS " if ok else "FAIL ") + name + ": " + detail)


class Problem:
    """A's SVD and norms, for backward errors and condition numbers of least-squares solutions."""

    def __init__(self, A):
        self.A = A
        self.U, self.s, _ = np.linalg.svd(A, full_matrices=False)
        self.kappa = self.s[0] / self.s[-1]
        self.norm2, self.normf = self.s[0], np.linalg.norm(A)

    def residual(self, b, x):
        """b - A x in extended precision, so that its rounding (eps (||b|| + ||A|| ||x||)) does not
        set a floor under the backward error of an accurate x"""
        ld = np.longdouble
        return (b.astype(ld) - self.A.astype(ld) @ x.astype(ld)).astype(float)

    def backward_error(self, b, x):
        """Upper bound on the optimal backward error of x, min ||dA||_F such that x solves
        min ||(A + dA) x - b||: sqrt(2) times the Karlson-Walden estimate
        ||(A^T A + w^2 I)^-1/2 A^T r|| / ||x||, w = ||r|| / ||x||, evaluated stably with A's SVD.
        The estimate is within a factor sqrt(2) of the optimum (Karlson, Walden, BIT 37, 1997;
        Gu, 1998; Grcar, Saunders, Su, 2007)."""
        r = self.residual(b, x)
        nx, nr = np.linalg.norm(x), np.linalg.norm(r)
        if nx == 0.0:
            # x = 0 solves the problem of A + dA iff (A + dA)^T b = 0: the least such dA is
            # -b b^T A / ||b||^2, of norm ||A^T b|| / ||b|| (exact; 0 when b = 0)
            return 0.0 if nr == 0.0 else np.linalg.norm(self.A.T @ b) / nr
        w = nr / nx
        s = self.s
        return np.sqrt(2.0) * np.linalg.norm(s / np.sqrt(s * s + w * w) * (self.U.T @ r)) / nx

    def stable_bound(self):
        """The backward error a backward-stable solver may leave, relative to ||A||_F: Householder
        QR's worst case is gamma_{c m n} (Higham, Accuracy and Stability, 2nd ed., Thm 20.3);
        under the probabilistic rounding model of Higham and Mary (SISC 41, 2019) m n becomes
        sqrt(m n) with overwhelming probability, and SPIR/FOSSILS are proven backward stable
        with constants of the same kind (Epperly, Meier, Nakatsukasa, 2024). sqrt(m n) eps is
        316 eps at 4000 x 25; the normal equations at kappa 1e6 leave about 4000 eps there."""
        m, n = self.A.shape
        return np.sqrt(m * n) * EPS

    def wedin(self, eta, b, x):
        """Wedin's bound (Higham, Thm 20.1) on ||x~ - x|| / ||x|| for x~ the exact solution of a
        problem perturbed by ||dA||_2 <= eta ||A||_2, with x the solution of this problem:
        kappa eta / (1 - kappa eta) (2 + (kappa + 1) ||r|| / (||A||_2 ||x||))."""
        k = self.kappa
        rho = np.linalg.norm(self.residual(b, x)) / (self.norm2 * np.linalg.norm(x))
        t = k * eta
        return np.inf if t >= 1.0 else t / (1.0 - t) * (2.0 + (k + 1.0) * rho)

    def distance_bound(self, b, x1, x2):
        """Both x1 and x2 solve problems within their backward errors of this one (eta1, eta2,
        relative to ||A||_2 since ||dA||_2 <= ||dA||_F): each is within Wedin's bound w_i of the
        exact solution x, so ||x1 - x2|| / ||x2|| <= (w1 + w2) / (1 - w2)."""
        w = [self.wedin(self.backward_error(b, x) / self.norm2, b, x2) for x in (x1, x2)]
        return np.inf if w[1] >= 1.0 else (w[0] + w[1]) / (1.0 - w[1])


def stable(P, b, x, xref, name):
    """x is backward stable (one check) and within Wedin's distance of xref (another)."""
    be = P.backward_error(b, x) / P.normf
    report("backward stable" + name, be <= P.stable_bound(),
           "backward error %.2e ||A||_F <= sqrt(m n) eps = %.2e" % (be, P.stable_bound()))
    fe = np.linalg.norm(x - xref) / np.linalg.norm(xref)
    bound = P.distance_bound(b, x, xref)
    # an infinite bound (kappa times the backward error >= 1) bounds nothing: a failure
    report("forward error within Wedin's bound" + name, fe <= bound < np.inf,
           "%.3e <= %.3e (kappa %.2e)" % (fe, bound, P.kappa))


def main():
    cmd = sys.argv[1]
    if cmd == "compare":
        x1, x2, tol = np.load(sys.argv[2]), np.load(sys.argv[3]), float(sys.argv[4])
        d = np.linalg.norm(x1 - x2) / np.linalg.norm(x1)
        report("same solution " + sys.argv[3], d <= tol, "relative difference %.3e <= %.1e" % (d, tol))
    elif cmd == "close":
        # the same problem solved twice (other rank counts, batch against single runs): both
        # solutions are measured, and their distance bounded by their backward errors
        A, b, x1, x2 = (np.load(p) for p in sys.argv[2:6])
        P = Problem(A)
        d = np.linalg.norm(x1 - x2) / np.linalg.norm(x2)
        bound = P.distance_bound(b, x1, x2)
        report("same solution to rounding " + sys.argv[5], d <= bound < np.inf,
               "relative difference %.3e <= %.3e (Wedin, from both backward errors)" % (d, bound))
    elif cmd == "close-sketched":
        # Sketch-and-solve with the same seed on other rank counts forms the same l x (n + 1)
        # sketch [S A, S b] up to the order of its sums, and factors it by another TSQR tree: each
        # x is the exact solution of the sketched problem perturbed by at most
        # eta = sqrt(l (n + 1)) eps relative (Householder/TSQR backward error and the sums, under
        # the probabilistic model of Higham and Mary). On the span of [A, b] the sketch's singular
        # values lie within 1 -+ s, s = sqrt((n + 1) / l) (Gaussian asymptotics, the distortion
        # rla-lsq's own residual check assumes), so with f = (1 + s) / (1 - s) the sketched
        # problem has kappa_S <= f kappa and rho_S <= f ||b - A x|| / (||A|| ||x||) at the
        # computed x. Each x is within Wedin's bound w of the sketched problem's exact solution:
        # ||x1 - x2|| / ||x2|| <= 2 w / (1 - w).
        A, b, x1, x2 = (np.load(p) for p in sys.argv[2:6])
        L = int(sys.argv[6])
        P = Problem(A)
        eta = np.sqrt(L * (A.shape[1] + 1)) * EPS
        s = np.sqrt((A.shape[1] + 1) / L)
        f = (1.0 + s) / (1.0 - s)
        k = f * P.kappa
        rho = f * np.linalg.norm(P.residual(b, x2)) / (P.norm2 * np.linalg.norm(x2))
        w = k * eta / (1.0 - k * eta) * (2.0 + (k + 1.0) * rho) if k * eta < 1.0 else np.inf
        bound = 2.0 * w / (1.0 - w) if w < 1.0 else np.inf
        d = np.linalg.norm(x1 - x2) / np.linalg.norm(x2)
        report("same sketch-and-solve solution to rounding " + sys.argv[5], d <= bound < np.inf,
               "relative difference %.3e <= %.3e (Wedin on the sketched problem)" % (d, bound))
    elif cmd == "stable":
        # the given exact solution x* solves the stored A (rounded when it was made) up to its
        # own backward error, which the distance bound counts as well
        A, b, xs, x = (np.load(p) for p in sys.argv[2:6])
        stable(Problem(A), b, x, xs, "")
    elif cmd == "stable-minnorm":
        # A has empty columns: every solution leaves them free, the minimum-norm one sets them
        # to 0 exactly (any other value only adds to ||x||); on the other columns A is of full
        # rank and the checks are those of "stable"
        A, b, xs, x = (np.load(p) for p in sys.argv[2:6])
        empty = ~A.any(axis=0)
        report("minimum norm: zero on the empty columns", empty.any() and not x[empty].any(),
               "%d empty columns, max |x| there %.1e" % (empty.sum(), np.abs(x[empty]).max()))
        stable(Problem(A[:, ~empty]), b, x[~empty], xs[~empty], " (nonzero columns)")
    elif cmd == "make-sparse":
        # m x n with 6 nonzeros per row at random columns, columns scaled from 1 to 1e-4
        # (condition about 1e4), b = A x + noise; "sp-def" leaves its last column empty (rank
        # n - 1). Each as sp*.mtx (coordinate real general, 17 digits: read back exactly) and
        # sp*-A.npy, with b and NumPy's minimum-norm least-squares solution
        out = sys.argv[2]
        rng = np.random.default_rng(7)
        m, n, k = 3000, 40, 6
        for name, used in (("sp", n), ("sp-def", n - 1)):
            A = np.zeros((m, n))
            for i in range(m):
                A[i, rng.choice(used, k, replace=False)] = rng.standard_normal(k)
            A *= np.logspace(0, -4, n)
            b = A @ rng.standard_normal(n) + 1e-3 * rng.standard_normal(m)
            sparse_files.write_mm("%s/%s.mtx" % (out, name), m, n, *sparse_files.coordinates(A))
            np.save("%s/%s-A.npy" % (out, name), A)
            np.save("%s/%s-b.npy" % (out, name), b)
            np.save("%s/%s-x.npy" % (out, name), np.linalg.lstsq(A, b, rcond=None)[0])
            e = np.loadtxt("%s/%s.mtx" % (out, name), skiprows=2)
            B = np.zeros((m, n))
            B[e[:, 0].astype(int) - 1, e[:, 1].astype(int) - 1] = e[:, 2]
            report("sparse problem written " + name, np.array_equal(A, B),
                   "%d entries read back exactly" % len(e))
        # every entry of a dense 400 x 10 matrix stored as coordinates
        A = rng.standard_normal((400, 10))
        sparse_files.write_mm(out + "/sp-full.mtx", 400, 10, *sparse_files.coordinates(A))
        np.save(out + "/sp-full-b.npy", rng.standard_normal(400))
        # two right-hand sides for the sparse A: b and 2 b + A e_1
        A, b = np.load(out + "/sp-A.npy"), np.load(out + "/sp-b.npy")
        np.save(out + "/sp-B2.npy", np.stack([b, 2 * b + A[:, 0]], axis=1))
    elif cmd == "columns":
        # each column against NumPy's least-squares solution, both measured: the allowed
        # distance is from the backward errors of both (Wedin), not from either's accuracy
        A, B, X = (np.load(p) for p in sys.argv[2:5])
        ok = X.shape == (A.shape[1], B.shape[1])
        report("one solution per right-hand side", ok, "shape %s" % (X.shape,))
        P = Problem(A)
        for j in range(B.shape[1]) if ok else []:
            xl = np.linalg.lstsq(A, B[:, j], rcond=None)[0]
            stable(P, B[:, j], X[:, j], xl, " (right-hand side %d)" % j)
    elif cmd == "make-bad":
        out, A, b = sys.argv[2], np.load(sys.argv[3]), np.load(sys.argv[4])
        An = A.copy()
        An[17, 3] = np.nan
        np.save(out + "/A-nan.npy", An)
        Ai = A.copy()
        Ai[5, 0] = np.inf
        np.save(out + "/A-inf.npy", Ai)
        np.save(out + "/b-short.npy", b[:-3])
        np.save(out + "/A-wide.npy", A[:10, :].copy())
        np.save(out + "/b-wide.npy", b[:10].copy())
        np.save(out + "/A-f32.npy", A.astype(np.float32))
        np.save(out + "/A-f32-as-f64.npy", A.astype(np.float32).astype(np.float64))
        np.save(out + "/A-fortran.npy", np.asfortranarray(A))
        np.save(out + "/B2.npy", np.stack([b, 2 * b + A[:, 0]], axis=1))
        raw = open(sys.argv[3], "rb").read()
        open(out + "/A-truncated.npy", "wb").write(raw[: len(raw) - 1000])
        open(out + "/A-empty.npy", "wb").close()
        print("PASS bad inputs written")
    else:
        sys.exit("unknown command " + cmd)


main()
