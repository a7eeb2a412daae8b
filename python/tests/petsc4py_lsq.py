# SPDX-License-Identifier: BSD-3-Clause
"""rla's PETSc plugin from Python: petsc4py loads it with -dll_append, then a least-squares KSP on
a Mat built in Python uses -ksp_type rlalsq, or KSPLSQR with -pc_type rlasketch.
usage: mpiexec -n P python3 petsc4py_lsq.py PLUGIN.so [PETSc options]
Exits non-zero when the solution fails its check; prints one line on rank 0."""
import sys

import numpy as np
import petsc4py

petsc4py.init(["-dll_append", sys.argv[1]] + sys.argv[2:])
from petsc4py import PETSc  # noqa: E402

M, N = 3000, 40
EPS = np.finfo(float).eps


def row(i):
    """Row i of A (the same on every rank): a well-conditioned dense least-squares matrix."""
    r = np.random.default_rng(1000 + i).standard_normal(N)
    r[i % N] += 4.0
    return r


comm = PETSc.COMM_WORLD
A = PETSc.Mat().createAIJ([M, N], nnz=N, comm=comm)
r0, r1 = A.getOwnershipRange()
for i in range(r0, r1):
    A.setValues(i, np.arange(N, dtype=PETSc.IntType), row(i))
A.assemble()
b = A.createVecLeft()
for i in range(r0, r1):
    b.setValue(i, np.sin(i) + 0.1 * (i % 7))
b.assemble()
x = A.createVecRight()
ksp = PETSc.KSP().create(comm)
ksp.setOperators(A, A)
ksp.setFromOptions()
ksp.solve(b, x)
reason, its = ksp.getConvergedReason(), ksp.getIterationNumber()

# the whole problem on every rank, to check the solution
Af = np.array([row(i) for i in range(M)])
bf = np.array([np.sin(i) + 0.1 * (i % 7) for i in range(M)])
scatter, xs = PETSc.Scatter.toAll(x)
scatter.scatter(x, xs)
xf = xs.getArray().copy()
rv = bf - Af @ xf
nf = np.linalg.norm(Af)
# rla-lsq's check of a backward stable solution (rounding in r alone gives about eps (||A|| ||x||
# + ||b||)); LSQR stopped at rtol: its ||A^T r|| / (||A|| ||r||) is then within about rtol
grad = np.linalg.norm(Af.T @ rv) / (N * EPS * nf * (nf * np.linalg.norm(xf) + np.linalg.norm(bf)))
ok = reason > 0 and (grad <= 16 if ksp.getType() == "rlalsq" else
                     np.linalg.norm(Af.T @ rv) <= 1e-8 * nf * np.linalg.norm(rv))
if comm.getRank() == 0:
    print("%s %s: reason %d, %d iterations, scaled gradient %.3g: %s"
          % (ksp.getType(), ksp.getPC().getType(), reason, its, grad, "ok" if ok else "FAILED"))
sys.exit(0 if ok else 1)
