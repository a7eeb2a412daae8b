# SPDX-License-Identifier: BSD-3-Clause
"""The package's functions: NumPy arrays in, the library's distributed matrices inside.

Every rank passes its own rows of a matrix (any split of the rows over the ranks, in rank
order; the library's own split, ceil(m/P) rows a rank, needs no copy between ranks), or with
distribute=True rank 0 passes the whole matrix and the others None. Arrays are checked on every
rank before any work, and a bad one raises the same TypeError or ValueError on every rank.
"""
import ctypes

import numpy as np

from ._lib import MPI, ClusterItem, ClusterSummary, Context, INFO_BYTES, c_vp, lib, p_dbl

__all__ = ["lstsq", "svd", "load", "save", "randomized_svd", "sketch", "cluster"]

RLA_IO_VECTOR = 1


# ---- ranks ----------------------------------------------------------------------------------

def _world(comm):
    """(comm, rank, size): mpi4py's communicator (COMM_WORLD by default), or None on one
    process without mpi4py."""
    if MPI is None:
        if comm is not None:
            raise TypeError("comm needs mpi4py, which is not installed")
        return None, 0, 1
    comm = MPI.COMM_WORLD if comm is None else comm
    if not isinstance(comm, MPI.Comm):
        raise TypeError("comm must be an mpi4py communicator, got %s" % type(comm).__name__)
    return comm, comm.Get_rank(), comm.Get_size()


def _allgather(comm, value):
    return [value] if comm is None else comm.allgather(value)


def _agree(comm, problem):
    """Raise on every rank the first rank's problem (an exception or None)."""
    problems = _allgather(comm, None if problem is None else (type(problem), str(problem)))
    for r, p in enumerate(problems):
        if p is not None:
            kind, text = p
            raise kind(text if len(problems) == 1 else "rank %d: %s" % (r, text))


# ---- arrays ---------------------------------------------------------------------------------

def _as_rows(x, name, vector_ok):
    """x as 2-D float64 rows in C order, and its stored type; raises TypeError or ValueError."""
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype not in (np.float64, np.float32):
        raise TypeError("%s: dtype %s; rla takes float64 and float32 (widened) arrays"
                        % (name, x.dtype))
    if x.ndim == 1 and vector_ok:
        x = x.reshape(-1, 1)
    if x.ndim != 2:
        raise ValueError("%s: %d dimensions; a matrix has 2%s"
                         % (name, x.ndim, " (a vector 1)" if vector_ok else ""))
    dtype = str(x.dtype)
    if not (x.flags.f_contiguous and x.dtype == np.float64):
        x = np.ascontiguousarray(x, dtype=np.float64)
    if not _finite(x):
        i, j = np.argwhere(~np.isfinite(x))[0]
        raise ValueError("%s: non-finite value (NaN or Inf) at local row %d, column %d"
                         % (name, i, j))
    return x, dtype


def _finite(x):
    """Every entry finite, checked in slices of about 4 MiB (no array of x's size made)."""
    flat = x.reshape(-1, order="F" if x.flags.f_contiguous else "C")  # a view, in memory order
    step = 1 << 19
    return all(np.isfinite(flat[i:i + step]).all() for i in range(0, flat.size, step))


def _split(m, size):
    """The library's row split: ceil(m/P) rows a rank, the last ranks fewer."""
    mb = max(1, -(-m // size))
    return [max(0, min(mb, m - r * mb)) for r in range(size)]


def _move_rows(comm, x, have, want):
    """Rows split as counts have (x: this rank's) to the split want; no copy between ranks
    when the splits are equal. Each row moves once, to the rank whose rows it falls in."""
    if comm is None or have == want:
        return x
    x = np.ascontiguousarray(x)
    rank, n = comm.Get_rank(), x.shape[1]
    h0 = np.concatenate(([0], np.cumsum(have)))
    w0 = np.concatenate(([0], np.cumsum(want)))
    out = np.empty((want[rank], n))

    def overlap(a0, a1, b0, b1):
        return max(0, min(a1, b1) - max(a0, b0))

    send = [overlap(h0[rank], h0[rank + 1], w0[t], w0[t + 1]) * n for t in range(len(want))]
    recv = [overlap(h0[s], h0[s + 1], w0[rank], w0[rank + 1]) * n for s in range(len(have))]
    comm.Alltoallv([x, send, np.concatenate(([0], np.cumsum(send)[:-1])), MPI.DOUBLE],
                   [out, recv, np.concatenate(([0], np.cumsum(recv)[:-1])), MPI.DOUBLE])
    return out


def _scatter(comm, x, name, vector_ok):
    """distribute=True: rank 0's whole x split over the ranks as the library splits rows."""
    comm, rank, size = _world(comm)
    problem, shape, dtype = None, None, None
    if rank == 0:
        try:
            x, dtype = _as_rows(x, name, vector_ok)
            shape = x.shape
        except (TypeError, ValueError) as e:
            problem = e
    _agree(comm, problem)
    if comm is None:
        return x, dtype
    shape, dtype = comm.bcast((shape, dtype), root=0)
    if rank == 0:
        x = np.ascontiguousarray(x)
    counts = _split(shape[0], size)
    out = np.empty((counts[rank], shape[1]))
    sizes = [c * shape[1] for c in counts]
    comm.Scatterv([x, sizes, np.concatenate(([0], np.cumsum(sizes)[:-1])), MPI.DOUBLE]
                  if rank == 0 else None, out, root=0)
    return out, dtype


def _columns(name, shapes):
    """The column count the ranks' shapes share; ValueError (on every rank: they all hold every
    shape) when they differ."""
    cols = sorted({s[1] for s in shapes})
    if len(cols) != 1:
        raise ValueError("%s: the ranks' rows have different column counts %s" % (name, cols))
    return cols[0]


def _given_rows(comm, x, name, vector_ok):
    """This rank's rows of x as given, checked on every rank: (rows, stored type, every rank's
    shape, columns)."""
    problem, dtype = None, None
    try:
        x, dtype = _as_rows(x, name, vector_ok)
    except (TypeError, ValueError) as e:
        problem = e
    _agree(comm, problem)
    shapes = _allgather(comm, x.shape)
    return x, dtype, shapes, _columns(name, shapes)


def _operand(comm, x, name, vector_ok, distribute):
    """This rank's rows of x checked on every rank: (rows in the library's split, stored type,
    the split given, columns)."""
    comm, rank, size = _world(comm)
    if distribute:
        x, dtype = _scatter(comm, x, name, vector_ok)
        return x, dtype, [x.shape[0]] if comm is None else comm.allgather(x.shape[0]), x.shape[1]
    x, dtype, shapes, n = _given_rows(comm, x, name, vector_ok)
    have = [s[0] for s in shapes]
    return _move_rows(comm, x, have, _split(sum(have), size)), dtype, have, n


class _Matrix:
    """A row-block rla_dmat holding rows (this rank's, in the library's split)."""

    def __init__(self, ctx, rows, m):
        self.ctx, self.handle = ctx, c_vp()
        ctx.check(lib.rla_dmat_create_rowblock(ctx.handle, m, rows.shape[1], 0,
                                               ctypes.byref(self.handle)))
        if rows.flags.c_contiguous:
            # C order: the library's blocked transpose (numpy's strided copy is several times
            # slower at this size)
            ctx.check(lib.rla_io_rowmajor_to_local(self.handle, rows.ctypes.data_as(p_dbl)))
        else:
            view = _local(self.handle)
            if view is not None:
                view[:, :] = rows

    def close(self):
        lib.rla_dmat_destroy(ctypes.byref(self.handle))


def _local(handle):
    """This rank's rows of an rla_dmat as a writable (lm x n) NumPy view, or None when empty."""
    a, lm, ln, lld = p_dbl(), ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
    lib.rla_dmat_local(handle, ctypes.byref(a), ctypes.byref(lm), ctypes.byref(ln),
                       ctypes.byref(lld))
    if lm.value == 0 or ln.value == 0 or not a:
        return None
    cols = np.ctypeslib.as_array(a, shape=(ln.value, lld.value))
    return cols.T[:lm.value, :]


def _rows_of(handle):
    """A copy of an rla_dmat's local rows (lm x n), in C order."""
    a, lm, ln, lld = p_dbl(), ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
    lib.rla_dmat_local(handle, ctypes.byref(a), ctypes.byref(lm), ctypes.byref(ln),
                       ctypes.byref(lld))
    out = np.zeros((lm.value, ln.value))
    if out.size:
        lib.rla_io_local_to_rowmajor(handle, out.ctypes.data_as(p_dbl))
    return out


def _is_sparse(x):
    return hasattr(x, "tocsr") and hasattr(x, "nnz")


def _sparse_rows(comm, A, name):
    """This rank's rows of a scipy.sparse matrix as checked CSR arrays (float64 values, sorted
    column indices, duplicates summed), checked on every rank: (indptr, indices, data, the
    split of the rows, columns, stored type)."""
    problem, csr, dtype = None, None, None
    try:
        csr = A.tocsr(copy=True)
        if csr.dtype not in (np.float64, np.float32):
            raise TypeError("%s: dtype %s; rla takes float64 and float32 (widened) matrices"
                            % (name, csr.dtype))
        dtype = str(csr.dtype)
        csr.sum_duplicates()
        csr.sort_indices()
        if not np.isfinite(csr.data).all():
            raise ValueError("%s: non-finite value (NaN or Inf) among the stored entries" % name)
        if csr.shape[1] > 2 ** 31 - 1:
            raise ValueError("%s: %d columns; rla's sparse matrices hold at most 2^31 - 1"
                             % (name, csr.shape[1]))
    except (TypeError, ValueError) as e:
        problem = e
    _agree(comm, problem)
    shapes = _allgather(comm, csr.shape)
    n = _columns(name, shapes)
    return (np.ascontiguousarray(csr.indptr, dtype=np.int64),
            np.ascontiguousarray(csr.indices, dtype=np.int32),
            np.ascontiguousarray(csr.data, dtype=np.float64), [s[0] for s in shapes], n, dtype)


class _SparseOperator:
    """An rla_op over this rank's CSR rows (the ranks' rows in rank order: no rows move)."""

    def __init__(self, ctx, indptr, indices, data, m, n):
        self.ctx, self.smat, self.op = ctx, c_vp(), c_vp()
        lm = len(indptr) - 1
        ctx.check(lib.rla_smat_create_csr(ctx.handle, m, n, lm, indptr.ctypes.data,
                                          indices.ctypes.data, data.ctypes.data,
                                          ctypes.byref(self.smat)))
        ctx.check(lib.rla_op_create_sparse(self.smat, ctypes.byref(self.op)))

    def close(self):
        lib.rla_op_destroy(ctypes.byref(self.op))
        lib.rla_smat_destroy(ctypes.byref(self.smat))


# ---- functions ------------------------------------------------------------------------------

def lstsq(A, b, method="accurate", sketch=None, oversample=None, seed=None, tol=None,
          comm=None, distribute=False):
    """Solve min ||A x - b||_2 (b a vector or a matrix of right-hand sides).

    method: "accurate" (sketch-preconditioned, to the backward error tol), "solve"
    (sketch-and-solve) or "direct" (ScaLAPACK's PDGELS). Returns (x, info): x on every rank
    (n, or n x nrhs), info the fields of rla-lsq's report (residual and backward errors,
    iterations, times, ...) and the arrays' stored types dtype_A and dtype_b."""
    comm, rank, size = _world(comm)
    if _is_sparse(A):
        return _lstsq_sparse(comm, A, b, method, sketch, oversample, seed, tol)
    a, dta, have, n = _operand(comm, A, "A", False, distribute)
    bb, dtb, haveb, nrhs = _operand(comm, b, "b", True, distribute)
    if have != haveb:
        raise ValueError("b: rows split %s over the ranks, A's %s: give each rank the same rows"
                         % (haveb, have))
    vector = np.ndim(b) == 1 if rank == 0 or not distribute else None
    if distribute and comm is not None:
        vector = comm.bcast(vector, root=0)
    m = sum(have)
    with Context(comm) as ctx:
        Am, Bm, L = _Matrix(ctx, a, m), None, c_vp()
        try:
            Bm = _Matrix(ctx, bb, m)
            ctx.check(lib.rla_lsq_create(ctx.handle, ctypes.byref(L)))
            _configure_lsq(ctx, L, method, sketch, oversample, seed, tol)
            ctx.check(lib.rla_lsq_setup(L))
            x = np.zeros((nrhs, n))  # column-major n x nrhs: row j is column j
            info = ctypes.create_string_buffer(INFO_BYTES)
            ctx.check(lib.rla_lsq_solve(L, Am.handle, Bm.handle,
                                        x.ctypes.data_as(p_dbl), n, info))
            report = ctx.report(lib.rla_lsq_info_report, info)
        finally:
            lib.rla_lsq_destroy(ctypes.byref(L))
            if Bm is not None:
                Bm.close()
            Am.close()
    report.update(dtype_A=dta, dtype_b=dtb)
    return (x[0].copy() if vector else x.T.copy()), report


def _lstsq_sparse(comm, A, b, method, sketch, oversample, seed, tol):
    """lstsq of this rank's rows of a scipy.sparse A (CSR, no dense matrix formed)."""
    indptr, indices, data, have, n, dta = _sparse_rows(comm, A, "A")
    problem = None
    try:
        bb, dtb = _as_rows(b, "b", True)
        if bb.shape[0] != A.shape[0]:
            raise ValueError("b: %d rows on this rank, A %d" % (bb.shape[0], A.shape[0]))
    except (TypeError, ValueError) as e:
        problem, bb, dtb = e, None, None
    _agree(comm, problem)
    nrhs = bb.shape[1]
    bf = np.asfortranarray(bb)
    with Context(comm) as ctx:
        op, L = _SparseOperator(ctx, indptr, indices, data, sum(have), n), c_vp()
        try:
            ctx.check(lib.rla_lsq_create(ctx.handle, ctypes.byref(L)))
            _configure_lsq(ctx, L, method, sketch, oversample, seed, tol)
            ctx.check(lib.rla_lsq_set_operator(L, op.op))
            ctx.check(lib.rla_lsq_setup(L))
            x = np.zeros((nrhs, n))
            info = ctypes.create_string_buffer(INFO_BYTES)
            ctx.check(lib.rla_lsq_solve_operator(L, nrhs, bf.ctypes.data_as(p_dbl),
                                                 max(1, bb.shape[0]), x.ctypes.data_as(p_dbl),
                                                 n, info))
            report = ctx.report(lib.rla_lsq_info_report, info)
        finally:
            lib.rla_lsq_destroy(ctypes.byref(L))
            op.close()
    report.update(dtype_A=dta, dtype_b=dtb, nnz=int(sum(_allgather(comm, len(data)))))
    return (x[0].copy() if np.ndim(b) == 1 else x.T.copy()), report


def _configure_lsq(ctx, L, method, sketch, oversample, seed, tol):
    ctx.check(lib.rla_lsq_set_method(L, ctx.value(lib.rla_lsq_method_from_name, method)))
    if sketch is not None:
        ctx.check(lib.rla_lsq_set_sketch_type(L, ctx.value(lib.rla_sketch_type_from_name,
                                                           sketch)))
    if oversample is not None:
        ctx.check(lib.rla_lsq_set_oversample(L, float(oversample)))
    if seed is not None:
        ctx.check(lib.rla_lsq_set_seed(L, int(seed)))
    if tol is not None:
        ctx.check(lib.rla_lsq_set_tol(L, float(tol)))


def svd(A, k=None, tol=None, oversample=10, power=2, sketch=None, seed=None, comm=None,
        distribute=False):
    """Randomized SVD A ~ U diag(S) Vt, at rank k or to the relative Frobenius error tol.

    Returns (U, S, Vt, info): U this rank's rows (split as A's were given), S and Vt on every
    rank, info the fields of rla-svd's report (error estimate, orthogonality loss, times, ...)
    and A's stored type dtype_A."""
    if (k is None) == (tol is None):
        raise ValueError("give the rank k or the tolerance tol (one of them)")
    comm, rank, size = _world(comm)
    if _is_sparse(A):
        indptr, indices, data, have, n, dta = _sparse_rows(comm, A, "A")
        m = sum(have)
    else:
        a, dta, have, n = _operand(comm, A, "A", False, distribute)
        m = sum(have)
    with Context(comm) as ctx:
        S = c_vp()
        if _is_sparse(A):
            Am = _SparseOperator(ctx, indptr, indices, data, m, n)
        else:
            Am = _Matrix(ctx, a, m)
        try:
            ctx.check(lib.rla_svd_create(ctx.handle, ctypes.byref(S)))
            if k is not None:
                ctx.check(lib.rla_svd_set_rank(S, int(k)))
            else:
                ctx.check(lib.rla_svd_set_tol(S, float(tol)))
            ctx.check(lib.rla_svd_set_oversample(S, int(oversample)))
            ctx.check(lib.rla_svd_set_power(S, int(power)))
            if sketch is not None:
                ctx.check(lib.rla_svd_set_sketch_type(
                    S, ctx.value(lib.rla_sketch_type_from_name, sketch)))
            if seed is not None:
                ctx.check(lib.rla_svd_set_seed(S, int(seed)))
            if isinstance(Am, _SparseOperator):
                ctx.check(lib.rla_svd_set_operator(S, Am.op))
                ctx.check(lib.rla_svd_setup(S))
                ctx.check(lib.rla_svd_compute_operator(S))
            else:
                ctx.check(lib.rla_svd_setup(S))
                ctx.check(lib.rla_svd_compute(S, Am.handle))
            sig, kk = p_dbl(), ctypes.c_int64()
            ctx.check(lib.rla_svd_get_sigma(S, ctypes.byref(sig), ctypes.byref(kk)))
            sigma = np.ctypeslib.as_array(sig, shape=(kk.value,)).copy() if kk.value else \
                np.zeros(0)
            V = c_vp()
            ctx.check(lib.rla_svd_get_v(S, ctypes.byref(V)))
            u, v = _u_rows(S, kk.value), _rows_of(V)
            info = ctypes.create_string_buffer(INFO_BYTES)
            ctx.check(lib.rla_svd_get_info(S, info))
            report = ctx.report(lib.rla_svd_info_report, info, sigma.ctypes.data_as(p_dbl))
        finally:
            lib.rla_svd_destroy(ctypes.byref(S))
            Am.close()
    if not _is_sparse(A):
        u = _move_rows(comm, u, _split(m, size), have)
    vt = np.vstack(_allgather(comm, v)).T.copy()
    report.update(dtype_A=dta, nprocs=size)
    return u, sigma, vt, report


def _u_rows(S, k):
    """This rank's rows of U (in the operator's split: the rows given, or the library's)."""
    u, ldu, lm, kk = p_dbl(), ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
    lib.rla_svd_get_u_local(S, ctypes.byref(u), ctypes.byref(ldu), ctypes.byref(lm),
                            ctypes.byref(kk))
    if lm.value == 0 or k == 0 or not u:
        return np.zeros((lm.value, k))
    cols = np.ctypeslib.as_array(u, shape=(k, ldu.value))
    return np.array(cols.T[:lm.value, :])


def load(path, comm=None):
    """Read a matrix file (.npy, Matrix Market, PETSc binary, an HDF5 dataset FILE.h5:/NAME):
    this rank's rows in the library's split (ceil(m/P) rows a rank), float64."""
    comm, rank, size = _world(comm)
    with Context(comm) as ctx:
        h = c_vp()
        ctx.check(lib.rla_io_read(ctx.handle, str(path).encode(), 0, 0, ctypes.byref(h)))
        try:
            return _rows_of(h)
        finally:
            lib.rla_dmat_destroy(ctypes.byref(h))


def save(path, A, comm=None, distribute=False):
    """Write a matrix (each rank its rows; a 1-D array is a vector) to path, in the format its
    name says (.npy, .mtx, .petsc, FILE.h5:/NAME), atomically."""
    comm, rank, size = _world(comm)
    vector = np.ndim(A) == 1 if rank == 0 or not distribute else None
    if distribute and comm is not None:
        vector = comm.bcast(vector, root=0)
    a, dta, have, n = _operand(comm, A, "A", True, distribute)
    with Context(comm) as ctx:
        Am = _Matrix(ctx, a, sum(have))
        try:
            ctx.check(lib.rla_io_write(Am.handle, str(path).encode(), 0,
                                       RLA_IO_VECTOR if vector else 0))
        finally:
            Am.close()


def randomized_svd(M, n_components, *, n_oversamples=10, n_iter="auto",
                   power_iteration_normalizer="auto", transpose="auto", flip_sign=True,
                   random_state=None, svd_lapack_driver="gesdd", comm=None):
    """scikit-learn's sklearn.utils.extmath.randomized_svd, computed by rla: (U, s, Vt) of the
    whole M (dense; every rank passes all of it, as scikit-learn code does), U whole on every
    rank. Under mpiexec the ranks share the work, each sketching its rows of M.

    n_iter "auto": 7 when n_components < 0.1 min(M.shape), else 4 (scikit-learn's rule).
    random_state: None (NumPy's global generator), an int or a numpy RandomState draws the seed of
    rla's sketch, rank 0's for all. flip_sign: scikit-learn's convention, the largest entry in
    absolute value of each column of U positive. rla orthonormalizes at every power step and
    works on M or M^T as it finds faster, so power_iteration_normalizer, transpose and
    svd_lapack_driver are accepted and have no effect."""
    del power_iteration_normalizer, transpose, svd_lapack_driver
    comm, rank, size = _world(comm)
    if hasattr(M, "toarray"):
        raise TypeError("M: a sparse matrix; rla.randomized_svd takes dense arrays (M.toarray())")
    M = np.asarray(M)
    if M.ndim != 2:
        raise ValueError("M: %d dimensions; a matrix has 2" % M.ndim)
    if n_iter == "auto":
        n_iter = 7 if n_components < 0.1 * min(M.shape) else 4
    if random_state is None:
        random_state = np.random.mtrand._rand
    seed = (int(random_state) if isinstance(random_state, (int, np.integer))
            else int(random_state.randint(0, 2 ** 31 - 1)))
    if comm is not None:
        seed = comm.bcast(seed, root=0)
    rows = M[_library_slice(M.shape[0], rank, size)]
    U, s, Vt, _ = svd(rows, k=n_components, oversample=n_oversamples, power=n_iter, seed=seed,
                      comm=comm)
    U = np.vstack(_allgather(comm, U))
    if flip_sign:
        signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])])
        signs[signs == 0] = 1.0
        U *= signs
        Vt *= signs[:, np.newaxis]
    return U, s, Vt


def _library_slice(m, rank, size):
    counts = _split(m, size)
    r0 = sum(counts[:rank])
    return slice(r0, r0 + counts[rank])


def sketch(A, l, kind="srht", seed=1, side="left", comm=None):
    """A random sketch of A, each rank passing its rows (any split): side "left" gives
    Omega A (l x n, Omega l x m) on every rank, one reduction; side "right" gives this rank's
    rows of A Omega^T (Omega l x n), no communication. kind: "srht" (block SRHT), "gaussian" or
    "sparse" (sparse sign). The same seed gives the same Omega on any number of ranks."""
    comm, rank, size = _world(comm)
    if side not in ("left", "right"):
        raise ValueError("side must be \"left\" or \"right\", not %r" % (side,))
    a, _, shapes, n = _given_rows(comm, A, "A", False)
    m = sum(s[0] for s in shapes)
    row0 = sum(s[0] for s in shapes[:rank])
    af = np.asfortranarray(a)
    with Context(comm) as ctx:
        S = c_vp()
        ctx.check(lib.rla_sketch_create(ctx.handle, ctypes.byref(S)))
        try:
            ctx.check(lib.rla_sketch_set_type(S, ctx.value(lib.rla_sketch_type_from_name, kind)))
            ctx.check(lib.rla_sketch_set_sizes(S, int(l), m if side == "left" else n))
            ctx.check(lib.rla_sketch_set_seed(S, int(seed)))
            ctx.check(lib.rla_sketch_setup(S))
            if side == "left":
                out = np.zeros((n, int(l)))  # column-major l x n
                ctx.check(lib.rla_sketch_apply_left_local(
                    S, row0, a.shape[0], n, af.ctypes.data_as(p_dbl), max(1, a.shape[0]),
                    out.ctypes.data_as(p_dbl), int(l)))
                out = out.T.copy()
                return out if comm is None else comm.allreduce(out)
            y = np.zeros((int(l), a.shape[0]))  # column-major rows x l
            ctx.check(lib.rla_sketch_apply_right_local(
                S, a.shape[0], af.ctypes.data_as(p_dbl), max(1, a.shape[0]),
                y.ctypes.data_as(p_dbl), max(1, a.shape[0])))
            return y.T.copy()
        finally:
            lib.rla_sketch_destroy(ctypes.byref(S))


def cluster(blocks, r, eps, algorithm="approximate", order="residual", oversample=None,
            patience=None, comm=None):
    """Compression-aware clustering of a collection of blocks with the same rows: every rank
    passes its rows of each block (the same split for all blocks). Returns (clusters, info):
    one dict per cluster (members: block indices; width; rank: columns of the stored basis, 0 when
    stored as it is; predicted_error; actual_error, measured from the stored basis; storage) and
    the summary (compression ratio, errors, times)."""
    comm, rank, size = _world(comm)
    if len(blocks) == 0:
        raise ValueError("blocks: an empty collection")
    rows, have, m = [], None, None
    for j, b in enumerate(blocks):
        a, _, h, _ = _operand(comm, b, "block %d" % j, False, False)
        if have is None:
            have, m = h, sum(h)
        elif h != have:
            raise ValueError("block %d: rows split %s over the ranks, block 0's %s: every block "
                             "needs the same rows" % (j, h, have))
        rows.append(a)
    with Context(comm) as ctx:
        mats, C = [], c_vp()
        try:
            for a in rows:
                mats.append(_Matrix(ctx, a, m))
            ctx.check(lib.rla_cluster_create(ctx.handle, ctypes.byref(C)))
            ctx.check(lib.rla_cluster_set_rank(C, int(r)))
            ctx.check(lib.rla_cluster_set_tol(C, float(eps)))
            ctx.check(lib.rla_cluster_set_algorithm(
                C, ctx.value(lib.rla_cluster_algorithm_from_name, algorithm)))
            ctx.check(lib.rla_cluster_set_order(C, ctx.value(lib.rla_cluster_order_from_name,
                                                              order)))
            if oversample is not None:
                ctx.check(lib.rla_cluster_set_oversample(C, int(oversample)))
            if patience is not None:
                ctx.check(lib.rla_cluster_set_patience(C, int(patience)))
            handles = (c_vp * len(mats))(*[x.handle for x in mats])
            ctx.check(lib.rla_cluster_compute(C, len(mats), handles))
            s = ClusterSummary()
            ctx.check(lib.rla_cluster_get_summary(C, ctypes.byref(s)))
            clusters = []
            for i in range(s.nclusters):
                it = ClusterItem()
                ctx.check(lib.rla_cluster_get_item(C, i, ctypes.byref(it)))
                clusters.append({"members": [it.members[t] for t in range(it.nmembers)],
                                 "width": it.width, "rank": it.rank,
                                 "predicted_error": it.predicted, "actual_error": it.actual,
                                 "storage": it.storage})
        finally:
            lib.rla_cluster_destroy(ctypes.byref(C))
            for x in mats:
                x.close()
    info = {f: getattr(s, f) for f, _ in ClusterSummary._fields_ if f != "distribution"}
    info.update(nprocs=size, r=int(r), eps=float(eps), algorithm=algorithm, order=order)
    return clusters, info
