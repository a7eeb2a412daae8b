# SPDX-License-Identifier: BSD-3-Clause
"""rla: MPI-distributed randomized numerical linear algebra, from Python.

Each rank passes NumPy arrays holding its rows of a matrix (float64, or float32 widened);
results come back as NumPy arrays on each rank with an info dict of the library's report.
Runs over any mpi4py communicator (COMM_WORLD by default), or on one process without mpi4py.

    import numpy as np, rla
    x, info = rla.lstsq(A_rows, b_rows)          # x on every rank
    U_rows, S, Vt, info = rla.svd(A_rows, k=10)  # U: this rank's rows
    from rla import randomized_svd                # scikit-learn's signature and results
"""
from ._lib import Error
from ._core import cluster, load, lstsq, randomized_svd, save, sketch, svd

__all__ = ["Error", "cluster", "load", "lstsq", "randomized_svd", "save", "sketch", "svd"]
