# SPDX-License-Identifier: BSD-3-Clause
"""The Python package's calls timed, for bench/python.sh.
usage: bench_python.py svd A.npy K REPEAT         rla.svd under mpiexec (each rank its rows)
       bench_python.py sklearn A.npy K REPEAT     scikit-learn's randomized_svd, one process
       bench_python.py lstsq A.npy b.npy REPEAT   rla.lstsq under mpiexec
       bench_python.py numpy A.npy b.npy REPEAT   numpy.linalg.lstsq and scipy.linalg.lstsq
Prints RESULT lines on rank 0: the first call and the best of REPEAT (wall-clock seconds), and
for rla the library's own time of the computation (info time_svd, time_solve) of the best call."""
import sys
import time

import numpy as np


def best(f, repeat):
    t, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        t.append(time.perf_counter() - t0)
    return t[0], min(t), out


def main(argv):
    kind, path, arg, repeat = argv[1], argv[2], argv[3], int(argv[4])
    if kind in ("svd", "lstsq"):
        from mpi4py import MPI
        import rla
        comm = MPI.COMM_WORLD
        A = rla.load(path)  # this rank's rows, the library's split: no rows move
        if kind == "svd":
            k = int(arg)
            comm.Barrier()
            first, fastest, out = best(lambda: rla.svd(A, k=k, oversample=10, power=2), repeat)
            inner = out[3]["time_svd"]
        else:
            b = rla.load(arg)[:, 0]
            comm.Barrier()
            first, fastest, out = best(lambda: rla.lstsq(A, b), repeat)
            inner = out[1]["time_solve"]
        # the slowest rank's times
        first, fastest = comm.allreduce(first, op=MPI.MAX), comm.allreduce(fastest, op=MPI.MAX)
        if comm.Get_rank() == 0:
            print("RESULT %s_first %.6f\nRESULT %s_best %.6f\nRESULT %s_inner %.6f"
                  % (kind, first, kind, fastest, kind, inner))
    elif kind == "sklearn":
        from sklearn.utils.extmath import randomized_svd
        A, k = np.load(path), int(arg)
        first, fastest, _ = best(lambda: randomized_svd(A, k, n_oversamples=10, n_iter=2,
                                                        random_state=0), repeat)
        print("RESULT sklearn_first %.6f\nRESULT sklearn_best %.6f" % (first, fastest))
    elif kind == "numpy":
        import scipy.linalg
        A, b = np.load(path), np.load(arg)
        first, fastest, _ = best(lambda: np.linalg.lstsq(A, b, rcond=None), repeat)
        print("RESULT numpy_first %.6f\nRESULT numpy_best %.6f" % (first, fastest))
        first, fastest, _ = best(lambda: scipy.linalg.lstsq(A, b), repeat)
        print("RESULT scipy_first %.6f\nRESULT scipy_best %.6f" % (first, fastest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
