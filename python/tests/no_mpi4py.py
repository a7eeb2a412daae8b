# SPDX-License-Identifier: BSD-3-Clause
"""The package without mpi4py (hidden from the import system): it initializes MPI itself and
runs on one process. Run by tests/interop/python.sh as a plain program; exits non-zero on failure."""
import sys

sys.modules["mpi4py"] = None  # "import mpi4py" now fails as if it were not installed

import numpy as np  # noqa: E402

import rla  # noqa: E402

EPS = np.finfo(float).eps
rng = np.random.default_rng(4)
A, b = rng.standard_normal((200, 8)), rng.standard_normal(200)
x, info = rla.lstsq(A, b)
r = b - A @ x
nf = np.linalg.norm(A)
# rla-lsq's backward-stability check (see test_rla.scaled_gradient)
grad = np.linalg.norm(A.T @ r) / (8 * EPS * nf * (nf * np.linalg.norm(x) + np.linalg.norm(b)))
assert info["nprocs"] == 1 and grad <= 16, (info["nprocs"], grad)
U, S, Vt, info = rla.svd(A, k=3)
assert np.allclose(S, np.linalg.svd(A, compute_uv=False)[:3], rtol=1e-12), S
try:
    rla.lstsq(A, b, comm=object())
except TypeError as e:
    assert "mpi4py" in str(e)
else:
    raise AssertionError("a communicator without mpi4py was accepted")
print("no_mpi4py: ok")
