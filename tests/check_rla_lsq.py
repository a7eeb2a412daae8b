# SPDX-License-Identifier: BSD-3-Clause
"""Independent checks of rla-lsq's outputs with NumPy, and bad input files for its tests.
usage: check_rla_lsq.py compare X1 X2 TOL        max relative difference of two solutions
       check_rla_lsq.py lapack A b xstar x       forward error within 10x of LAPACK QR's
       check_rla_lsq.py columns A B X            X's columns solve min ||A x - B[:, j]||
       check_rla_lsq.py make-bad DIR A b         bad inputs derived from a good problem
Prints one "PASS name" or "FAIL name" line per check."""
import sys
import numpy as np


def report(name, ok, detail):
    print(("PASS " if ok else "FAIL ") + name + ": " + detail)


def main():
    cmd = sys.argv[1]
    if cmd == "compare":
        x1, x2, tol = np.load(sys.argv[2]), np.load(sys.argv[3]), float(sys.argv[4])
        d = np.linalg.norm(x1 - x2) / np.linalg.norm(x1)
        report("same solution " + sys.argv[3], d <= tol, "relative difference %.3e <= %.1e" % (d, tol))
    elif cmd == "lapack":
        A, b, xs, x = (np.load(p) for p in sys.argv[2:6])
        # LAPACK's Householder QR (dgeqrf via numpy), as dgels solves: x = R^-1 Q^T b
        Q, R = np.linalg.qr(A)
        xl = np.linalg.solve(R, Q.T @ b)
        fl = np.linalg.norm(xl - xs) / np.linalg.norm(xs)
        fr = np.linalg.norm(x - xs) / np.linalg.norm(xs)
        report("forward error within 10x of LAPACK QR's", fr <= 10 * fl,
               "rla %.3e, LAPACK QR %.3e" % (fr, fl))
    elif cmd == "columns":
        A, B, X = (np.load(p) for p in sys.argv[2:5])
        ok = X.shape == (A.shape[1], B.shape[1])
        worst = 0.0
        for j in range(B.shape[1]) if ok else []:
            xl = np.linalg.lstsq(A, B[:, j], rcond=None)[0]
            worst = max(worst, np.linalg.norm(X[:, j] - xl) / np.linalg.norm(xl))
        # kappa(A) = 1e6 in these tests: both solutions are backward stable, so they agree to
        # about kappa^2 eps ||r|| / (||A|| ||x||) + kappa eps, well below 1e-6
        report("every right-hand side solved", ok and worst <= 1e-6,
               "shape %s, worst relative difference to gelsd %.3e" % (X.shape, worst))
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
        np.save(out + "/A-fortran.npy", np.asfortranarray(A))
        np.save(out + "/B2.npy", np.stack([b, 2 * b + A[:, 0]], axis=1))
        raw = open(sys.argv[3], "rb").read()
        open(out + "/A-truncated.npy", "wb").write(raw[: len(raw) - 1000])
        open(out + "/A-empty.npy", "wb").close()
        print("PASS bad inputs written")
    else:
        sys.exit("unknown command " + cmd)


main()
