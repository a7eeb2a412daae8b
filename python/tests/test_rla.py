# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the rla Python package, run by tests/interop/python.sh under mpiexec at 1, 2 and 3 ranks
(every rank runs every test; the collective calls happen in the same order everywhere)."""
import os

import numpy as np
import pytest
from mpi4py import MPI

import rla

COMM = MPI.COMM_WORLD
RANK, SIZE = COMM.Get_rank(), COMM.Get_size()
EPS = np.finfo(float).eps
INPUTS = os.environ.get("RLA_TEST_INPUTS", "inputs")
OUT = os.environ.get("RLA_TEST_OUT", ".")


def mine(a):
    """This rank's rows of a whole array, rank r holding a share proportional to r + 1 (not the
    library's ceil(m/P) rows a rank: the package moves the rows to it and U's back)."""
    w = np.cumsum(np.arange(1, SIZE + 1))
    cut = [0] + [int(len(a) * c // w[-1]) for c in w]
    return a[cut[RANK]:cut[RANK + 1]]


def problem(m=300, n=12, seed=3):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n)) @ np.diag(np.logspace(0, 3, n))
    return A, rng.standard_normal(m)


def scaled_gradient(A, b, x):
    """||A^T r|| / (n eps ||A||_F (||A||_F ||x|| + ||b||)): rla-lsq's check of a backward stable
    solution (<= 16 there: r's rounding alone gives about eps (||A|| ||x|| + ||b||))."""
    r = b - A @ x
    nf = np.linalg.norm(A)
    return np.linalg.norm(A.T @ r) / (A.shape[1] * EPS * nf * (nf * np.linalg.norm(x) +
                                                               np.linalg.norm(b)))


@pytest.mark.parametrize("method", ["accurate", "solve", "direct"])
def test_lstsq_methods(method):
    A, b = problem()
    x, info = rla.lstsq(mine(A), mine(b), method=method)
    assert x.shape == (A.shape[1],)
    assert info["method"] == method and info["m"] == A.shape[0] and info["nprocs"] == SIZE
    if method == "solve":
        # sketch-and-solve: ||r|| within 1 / (1 - sqrt((n+1)/l)) of the least residual (the
        # subspace embedding's distortion with the default l = 4n... bound as rla-lsq checks it)
        best = np.linalg.norm(b - A @ np.linalg.lstsq(A, b, rcond=None)[0])
        bound = 1.0 / (1.0 - np.sqrt((A.shape[1] + 1) / info["sketch_rows"]))
        assert np.linalg.norm(b - A @ x) <= bound * best
    else:
        assert scaled_gradient(A, b, x) <= 16
    # the same x on every rank
    assert all(np.array_equal(x, y) for y in COMM.allgather(x))


def test_lstsq_as_the_driver():
    """The bundled problem gives the C driver's x bit for bit (same rows, seed, rank count)."""
    A, b = np.load(os.path.join(INPUTS, "lsq-A.npy")), np.load(os.path.join(INPUTS, "lsq-b.npy"))
    m, P = A.shape[0], SIZE
    mb = -(-m // P)
    rows = slice(min(RANK * mb, m), min((RANK + 1) * mb, m))
    x, info = rla.lstsq(A[rows], b[rows])
    ref = np.load(os.path.join(OUT, "x-%d.npy" % SIZE))
    assert np.array_equal(x.view(np.uint64), ref.view(np.uint64))


def test_lstsq_several_rhs_float32_distribute():
    A, b = problem()
    B = np.stack([b, 2 * b + 1], axis=1)
    x32, info32 = rla.lstsq(mine(A).astype(np.float32), mine(B).astype(np.float32))
    x64, info64 = rla.lstsq(mine(A.astype(np.float32).astype(np.float64)),
                            mine(B.astype(np.float32).astype(np.float64)))
    assert info32["dtype_A"] == "float32" and info32["dtype_b"] == "float32"
    assert info64["dtype_A"] == "float64" and x32.shape == (A.shape[1], 2)
    # widening is exact: the same doubles, the same solution bit for bit
    assert np.array_equal(x32, x64)
    xd, _ = rla.lstsq(A if RANK == 0 else None, B if RANK == 0 else None, distribute=True)
    xs, _ = rla.lstsq(A[_library_rows(A.shape[0])], B[_library_rows(A.shape[0])])
    assert np.array_equal(xd, xs)


def _library_rows(m):
    mb = max(1, -(-m // SIZE))
    return slice(min(RANK * mb, m), min((RANK + 1) * mb, m))


def test_svd_accuracy_and_driver():
    A = np.load(os.path.join(INPUTS, "svd-A.npy"))
    U, S, Vt, info = rla.svd(A[_library_rows(A.shape[0])], k=20)
    ref = np.load(os.path.join(OUT, "S-%d.npy" % SIZE))
    assert np.array_equal(S, ref)  # the C driver's singular values, same split and seed
    assert U.shape == (_library_rows(A.shape[0]).stop - _library_rows(A.shape[0]).start, 20)
    assert Vt.shape == (20, A.shape[1]) and info["rank"] == 20
    # U's columns orthonormal over the ranks: |U^T U - I| within 16 k eps (rla-svd's check)
    G = COMM.allreduce(U.T @ U)
    assert np.abs(G - np.eye(20)).max() <= 16 * 20 * EPS
    # the measured error ||A - U S Vt||_F / ||A||_F agrees with the reported estimate (both
    # the same quantity; the estimate's rounding is about eps / estimate relative)
    R = COMM.allreduce(np.linalg.norm(A[_library_rows(A.shape[0])] - (U * S) @ Vt) ** 2)
    err = np.sqrt(R) / np.linalg.norm(A)
    assert abs(err - info["error_estimate"]) <= 1e3 * EPS / info["error_estimate"] + 1e-12


def test_svd_any_split_and_tolerance():
    rng = np.random.default_rng(5)
    Q1, _ = np.linalg.qr(rng.standard_normal((200, 30)))
    Q2, _ = np.linalg.qr(rng.standard_normal((40, 30)))
    s = 2.0 ** -np.arange(30)
    A = (Q1 * s) @ Q2.T
    U, S, Vt, info = rla.svd(mine(A), tol=1e-3)
    assert info["mode"] == "tolerance" and info["tol_met"]
    # sigma_i exact to rounding for the captured ones: a rank-30 matrix, the basis exact
    assert np.allclose(S, s[:len(S)], rtol=1e-10, atol=0)
    assert U.shape == (mine(A).shape[0], len(S))


def test_load_save(tmp_path_factory):
    A, _ = problem(m=37, n=5)
    path = os.path.join(OUT, "py-save-%d.npy" % SIZE)
    rla.save(path, mine(A))
    back = rla.load(path)
    assert np.array_equal(back, A[_library_rows(A.shape[0])])
    if RANK == 0:
        assert np.array_equal(np.load(path), A)
    vec = os.path.join(OUT, "py-vec-%d.npy" % SIZE)
    rla.save(vec, mine(A[:, 0]))
    if RANK == 0:
        assert np.load(vec).shape == (A.shape[0],)


def test_sub_communicator():
    """Any mpi4py communicator: the ranks split in two groups, each solving its own problem."""
    sub = COMM.Split(RANK % 2, RANK)
    A, b = problem(seed=10 + RANK % 2)
    rows = np.array_split(A, sub.Get_size())[sub.Get_rank()]
    rb = np.array_split(b, sub.Get_size())[sub.Get_rank()]
    # (array_split: the library's own split here, as the sizes give ceil(m/P) first)
    x, info = rla.lstsq(rows, rb, comm=sub)
    assert info["nprocs"] == sub.Get_size() and scaled_gradient(A, b, x) <= 16
    sub.Free()


# ---- errors: the same exception on every rank, before any work -----------------------------

def test_bad_dtype_everywhere():
    A, b = problem()
    a = mine(A) if RANK != SIZE - 1 else mine(A).astype(np.int64)
    with pytest.raises(TypeError, match="dtype int64"):
        rla.lstsq(a, mine(b))


def test_nan_on_one_rank():
    A, b = problem()
    a = mine(A).copy()
    if RANK == SIZE - 1:
        a[0, 1] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        rla.lstsq(a, mine(b))


def test_columns_disagree():
    A, b = problem()
    a = mine(A) if RANK != SIZE - 1 or SIZE == 1 else mine(A)[:, :-1]
    if SIZE == 1:
        a = A[:, :0]
        with pytest.raises(rla.Error):
            rla.lstsq(a, b)
        return
    with pytest.raises(ValueError, match="column counts"):
        rla.lstsq(a, mine(b))


def test_library_errors():
    A, b = problem()
    with pytest.raises(rla.Error, match="exceeds"):
        rla.svd(mine(A), k=50)
    with pytest.raises(rla.Error, match="method"):
        rla.lstsq(mine(A), mine(b), method="qr")
    with pytest.raises(rla.Error, match="missing.npy"):
        rla.load(os.path.join(OUT, "missing.npy"))
    with pytest.raises(ValueError, match="rank k or the tolerance"):
        rla.svd(mine(A))


# ---- scikit-learn's randomized_svd ----------------------------------------------------------

def test_randomized_svd_as_scikit_learn():
    """Same signature and outputs as scikit-learn's; accuracy checked for both against the
    randomized range finder's bound, not against each other's bits."""
    sk = pytest.importorskip("sklearn.utils.extmath")
    rng = np.random.default_rng(9)
    m, n, k, p, q = 300, 200, 10, 10, 2
    Q1, _ = np.linalg.qr(rng.standard_normal((m, n)))
    Q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    sigma = 1.0 / np.arange(1, n + 1)
    M = (Q1 * sigma) @ Q2.T
    mine_ = rla.randomized_svd(M, k, n_oversamples=p, n_iter=q, random_state=0)
    theirs = sk.randomized_svd(M, k, n_oversamples=p, n_iter=q, random_state=0)
    # Halko, Martinsson and Tropp (2011), Cor. 10.10 with q power steps: with probability at
    # least 1 - 6 p^-p, ||M - U U^T M||_2 <= (1 + 11 sqrt(k + p) sqrt(min(m, n)))^(1/(2q+1))
    # sigma_{k+1}; the truncation to rank k adds at most sigma_{k+1} (Thm 9.3's argument)
    bound = ((1 + 11 * np.sqrt(k + p) * np.sqrt(min(m, n))) ** (1 / (2 * q + 1)) + 1) * sigma[k]
    for U, s, Vt in (mine_, theirs):
        assert U.shape == (m, k) and s.shape == (k,) and Vt.shape == (k, n)
        assert np.linalg.norm(M - (U * s) @ Vt, 2) <= bound
        # Ritz values never exceed the true singular values (rounding aside)
        assert np.all(s <= sigma[:k] * (1 + 64 * EPS))
        assert np.abs(U.T @ U - np.eye(k)).max() <= 16 * k * EPS
    # scikit-learn's sign convention: each column of U's largest entry in absolute value > 0
    U = mine_[0]
    assert np.all(U[np.argmax(np.abs(U), axis=0), np.arange(k)] > 0)
    # the same on every rank, and reproducible from random_state
    again = rla.randomized_svd(M, k, n_oversamples=p, n_iter=q, random_state=0)
    assert all(np.array_equal(a, b) for a, b in zip(mine_, again))
    assert all(np.array_equal(mine_[1], s) for s in COMM.allgather(mine_[1]))


# ---- sketches -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["srht", "gaussian", "sparse"])
def test_sketch_any_split(kind):
    """Omega A from any split of the rows equals the one-rank result to rounding, and A Omega^T
    row by row is the same on every split bit for bit (each row's product is computed alone)."""
    A, _ = problem(m=200, n=6)
    left = rla.sketch(mine(A), 40, kind=kind, seed=7)
    whole = rla.sketch(A, 40, kind=kind, seed=7, comm=MPI.COMM_SELF)
    assert left.shape == (40, 6)
    # both are sums over the m rows of omega_i a_i in different orders: each within
    # m eps (|Omega| |A|) of the exact product (Higham, eq. 3.5), so within twice that of each
    # other; Omega itself is the sketch of the identity
    Om = rla.sketch(np.eye(A.shape[0]), 40, kind=kind, seed=7, comm=MPI.COMM_SELF)
    assert np.all(np.abs(left - whole) <= 2 * A.shape[0] * EPS * (np.abs(Om) @ np.abs(A)))
    assert np.allclose(Om @ A, whole, rtol=0, atol=A.shape[0] * EPS * np.abs(Om).max() *
                       np.abs(A).sum(axis=0).max() * 2)
    right = rla.sketch(mine(A), 4, kind=kind, seed=7, side="right")
    ref = rla.sketch(A, 4, kind=kind, seed=7, side="right", comm=MPI.COMM_SELF)
    assert np.array_equal(right, mine(ref))
    # a subspace embedding: ||Omega x|| within a modest factor of ||x|| for x in A's range
    x = A @ np.ones(6)
    y = rla.sketch(x.reshape(-1, 1), 40, kind=kind, seed=7, comm=MPI.COMM_SELF)
    assert 0.3 < np.linalg.norm(y) / np.linalg.norm(x) < 3.0


# ---- clustering -----------------------------------------------------------------------------

def test_cluster_as_the_driver():
    """The bundled collection, each rank passing its rows of every block (any split): the C
    driver's clusters and measured errors (its report prints 15 significant digits or more,
    within 1e-15 relative)."""
    import glob
    import json
    files = sorted(glob.glob(os.path.join(INPUTS, "cluster", "*.npy")))
    blocks = [mine(np.load(f)) for f in files]
    clusters, info = rla.cluster(blocks, 8, 0.05)
    ref = json.load(open(os.path.join(OUT, "c-%d.json" % SIZE)))
    assert [c["members"] for c in clusters] == [c["members"] for c in ref["clusters"]]
    for c, d in zip(clusters, ref["clusters"]):
        assert c["rank"] == d["rank"] and c["storage"] == d["storage"]
        assert abs(c["actual_error"] - d["actual_error"]) <= 1e-15 * d["actual_error"]
    assert info["nclusters"] == ref["n_clusters"] and info["stored"] == ref["stored_numbers"]
    assert info["error_max"] <= 0.05
    with pytest.raises(ValueError, match="same rows"):
        rla.cluster([mine(np.load(files[0])), np.load(files[1])[:3] if RANK == 0 else
                     np.load(files[1])[:0]], 8, 0.05)


# ---- scipy.sparse input ---------------------------------------------------------------------

def test_sparse_lstsq_and_svd():
    """CSR rows of a scipy.sparse matrix (any split; no dense matrix formed): lstsq backward
    stable, svd's singular values those of the dense matrix for a matrix of exact rank k."""
    sp = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(12)
    A = sp.random(400, 30, density=0.2, random_state=3, format="csr")
    A = A + sp.eye(400, 30, format="csr")  # full column rank
    b = rng.standard_normal(400)
    Ad = A.toarray()
    x, info = rla.lstsq(sp.csr_matrix(mine(Ad)), mine(b))
    assert info["nnz"] == A.nnz and info["m"] == 400
    assert scaled_gradient(Ad, b, x) <= 16
    # rank 5 exactly: the randomized basis captures the range, sigma to rounding
    L = sp.random(300, 5, density=0.5, random_state=4) @ sp.random(5, 40, density=0.5,
                                                                 random_state=5)
    Ld = L.toarray()
    U, S, Vt, info = rla.svd(sp.csr_matrix(mine(Ld)), k=5)
    exact = np.linalg.svd(Ld, compute_uv=False)[:5]
    # backward stable: each sigma within a modest multiple of eps ||L||_2 (Weyl)
    assert np.abs(S - exact).max() <= 1e3 * EPS * exact[0]
    assert U.shape == (mine(Ld).shape[0], 5)
    R = COMM.allreduce(np.linalg.norm(mine(Ld) - (U * S) @ Vt) ** 2)
    assert np.sqrt(R) <= 1e3 * EPS * np.linalg.norm(Ld)
    with pytest.raises(TypeError, match="dtype int64"):
        rla.lstsq(sp.csr_matrix(mine(Ld).astype(np.int64)), mine(b[:300]))


def test_fortran_order_rows():
    """Fortran-ordered rows give the answer C-ordered rows give, bit for bit."""
    A, b = problem()
    xc, _ = rla.lstsq(mine(A), mine(b))
    xf, _ = rla.lstsq(np.asfortranarray(mine(A)), mine(b))
    assert np.array_equal(xc, xf)
    Uc, Sc, _, _ = rla.svd(mine(A), k=4)
    Uf, Sf, _, _ = rla.svd(np.asfortranarray(mine(A)), k=4)
    assert np.array_equal(Sc, Sf) and np.array_equal(Uc, Uf)


def test_more_error_paths():
    A, b = problem()
    # distribute=True: rank 0's bad array raises on every rank
    with pytest.raises(TypeError, match="dtype int64"):
        rla.lstsq(A.astype(np.int64) if RANK == 0 else None, b if RANK == 0 else None,
                  distribute=True)
    # b's rows split unlike A's (all ranks but the last give b one row fewer than A)
    if SIZE > 1:
        bb = mine(b)[:-1] if RANK < SIZE - 1 else np.concatenate([mine(b), [0.0] * (SIZE - 1)])
        with pytest.raises(ValueError, match="rows split"):
            rla.lstsq(mine(A), bb)
    # a path the library cannot write, a sketch side that does not exist, a negative rank
    with pytest.raises(rla.Error, match="no-such-dir"):
        rla.save(os.path.join(OUT, "no-such-dir", "x.npy"), mine(A))
    with pytest.raises(ValueError, match="side"):
        rla.sketch(mine(A), 10, side="middle")
    with pytest.raises(rla.Error):
        rla.svd(mine(A), k=-1)
