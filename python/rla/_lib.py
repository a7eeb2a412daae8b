# SPDX-License-Identifier: BSD-3-Clause
"""Loading librla with ctypes, MPI and the library's contexts.

MPI comes from mpi4py when it is installed (any of its communicators, COMM_WORLD by default);
without it the package initializes MPI itself through Open MPI's libmpi and runs on the one
process the program is. librla is found without LD_LIBRARY_PATH: RLA_LIBRARY when set, else
the build tree's library when the package is run from the build tree, else the installed one
(both recorded in _paths.py by make), else the system's search.
"""
import atexit
import ctypes
import ctypes.util
import json
import os

c_i64 = ctypes.c_int64
c_vp = ctypes.c_void_p
p_vp = ctypes.POINTER(ctypes.c_void_p)
p_i64 = ctypes.POINTER(ctypes.c_int64)
p_dbl = ctypes.POINTER(ctypes.c_double)


class Error(RuntimeError):
    """A failure reported by librla: its message, the same on every rank."""


def _mpi4py():
    try:
        from mpi4py import MPI
    except ImportError:
        return None
    return MPI


MPI = _mpi4py()
_libmpi = None
if MPI is None:
    # librla needs MPI: Open MPI's libmpi, loaded with its symbols global (its plugins need
    # them), initialized here and finalized at exit
    _name = ctypes.util.find_library("mpi")
    if _name is None:
        raise ImportError("rla: neither mpi4py nor Open MPI's libmpi was found")
    _libmpi = ctypes.CDLL(_name, mode=ctypes.RTLD_GLOBAL)
    _flag = ctypes.c_int(0)
    _libmpi.MPI_Initialized(ctypes.byref(_flag))
    if not _flag.value:
        _libmpi.MPI_Init(None, None)
        atexit.register(_libmpi.MPI_Finalize)


def _library_path():
    env = os.environ.get("RLA_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    try:
        from . import _paths
    except ImportError:
        _paths = None
    if _paths is not None:
        if here.startswith(os.path.join(_paths.BUILD_DIR, "")):
            candidates.append(os.path.join(_paths.BUILD_DIR, ".libs", "librla.so"))
        candidates.append(os.path.join(_paths.LIBDIR, "librla.so"))
    candidates.append(ctypes.util.find_library("rla"))
    for c in candidates:
        if c and (os.path.exists(c) or not os.path.isabs(c)):
            return c
    raise ImportError("rla: librla not found (set RLA_LIBRARY to its path)")


lib = ctypes.CDLL(_library_path())
_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.free.argtypes = [c_vp]


def _proto(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


for _n, _r, _a in (
        ("rla_ctx_create", ctypes.c_int, (c_vp, p_vp)),
        ("rla_ctx_destroy", ctypes.c_int, (p_vp,)),
        ("rla_ctx_error_message", ctypes.c_char_p, (c_vp,)),
        ("rla_ctx_set_verbosity", None, (c_vp, ctypes.c_int)),
        ("rla_dmat_create_rowblock", ctypes.c_int, (c_vp, c_i64, c_i64, c_i64, p_vp)),
        ("rla_dmat_destroy", ctypes.c_int, (p_vp,)),
        ("rla_dmat_local", None, (c_vp, ctypes.POINTER(p_dbl), p_i64, p_i64, p_i64)),
        ("rla_dmat_sizes", None, (c_vp, p_i64, p_i64)),
        ("rla_dmat_row_offset", c_i64, (c_vp,)),
        ("rla_io_rowmajor_to_local", ctypes.c_int, (c_vp, p_dbl)),
        ("rla_io_local_to_rowmajor", ctypes.c_int, (c_vp, p_dbl)),
        ("rla_io_read", ctypes.c_int, (c_vp, ctypes.c_char_p, ctypes.c_int, c_i64, p_vp)),
        ("rla_io_write", ctypes.c_int, (c_vp, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint)),
        ("rla_report_create", ctypes.c_int, (c_vp, p_vp)),
        ("rla_report_destroy", ctypes.c_int, (p_vp,)),
        ("rla_report_print", c_vp, (c_vp,)),
        ("rla_sketch_type_from_name", ctypes.c_int, (c_vp, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int))),
        ("rla_sketch_create", ctypes.c_int, (c_vp, p_vp)),
        ("rla_sketch_destroy", ctypes.c_int, (p_vp,)),
        ("rla_sketch_set_type", ctypes.c_int, (c_vp, ctypes.c_int)),
        ("rla_sketch_set_sizes", ctypes.c_int, (c_vp, c_i64, c_i64)),
        ("rla_sketch_set_seed", ctypes.c_int, (c_vp, ctypes.c_uint64)),
        ("rla_sketch_setup", ctypes.c_int, (c_vp,)),
        ("rla_sketch_apply_left_local", ctypes.c_int,
         (c_vp, c_i64, c_i64, c_i64, p_dbl, c_i64, p_dbl, c_i64)),
        ("rla_sketch_apply_right_local", ctypes.c_int, (c_vp, c_i64, p_dbl, c_i64, p_dbl, c_i64)),
        ("rla_cluster_create", ctypes.c_int, (c_vp, p_vp)),
        ("rla_cluster_destroy", ctypes.c_int, (p_vp,)),
        ("rla_cluster_set_rank", ctypes.c_int, (c_vp, c_i64)),
        ("rla_cluster_set_tol", ctypes.c_int, (c_vp, ctypes.c_double)),
        ("rla_cluster_algorithm_from_name", ctypes.c_int,
         (c_vp, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int))),
        ("rla_cluster_order_from_name", ctypes.c_int,
         (c_vp, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int))),
        ("rla_cluster_set_algorithm", ctypes.c_int, (c_vp, ctypes.c_int)),
        ("rla_cluster_set_order", ctypes.c_int, (c_vp, ctypes.c_int)),
        ("rla_cluster_set_oversample", ctypes.c_int, (c_vp, c_i64)),
        ("rla_cluster_set_patience", ctypes.c_int, (c_vp, c_i64)),
        ("rla_cluster_compute", ctypes.c_int, (c_vp, c_i64, p_vp)),
        ("rla_cluster_get_summary", ctypes.c_int, (c_vp, c_vp)),
        ("rla_cluster_get_item", ctypes.c_int, (c_vp, c_i64, c_vp)),
        ("rla_smat_create_csr", ctypes.c_int,
         (c_vp, c_i64, c_i64, c_i64, c_vp, c_vp, c_vp, p_vp)),
        ("rla_smat_destroy", ctypes.c_int, (p_vp,)),
        ("rla_op_create_sparse", ctypes.c_int, (c_vp, p_vp)),
        ("rla_op_destroy", ctypes.c_int, (p_vp,)),
        ("rla_lsq_set_operator", ctypes.c_int, (c_vp, c_vp)),
        ("rla_lsq_solve_operator", ctypes.c_int, (c_vp, c_i64, p_dbl, c_i64, p_dbl, c_i64, c_vp)),
        ("rla_svd_set_operator", ctypes.c_int, (c_vp, c_vp)),
        ("rla_svd_compute_operator", ctypes.c_int, (c_vp,)),
        ("rla_svd_get_u_local", ctypes.c_int, (c_vp, ctypes.POINTER(p_dbl), p_i64, p_i64, p_i64)),
        ("rla_lsq_create", ctypes.c_int, (c_vp, p_vp)),
        ("rla_lsq_destroy", ctypes.c_int, (p_vp,)),
        ("rla_lsq_method_from_name", ctypes.c_int, (c_vp, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int))),
        ("rla_lsq_set_method", ctypes.c_int, (c_vp, ctypes.c_int)),
        ("rla_lsq_set_sketch_type", ctypes.c_int, (c_vp, ctypes.c_int)),
        ("rla_lsq_set_oversample", ctypes.c_int, (c_vp, ctypes.c_double)),
        ("rla_lsq_set_seed", ctypes.c_int, (c_vp, ctypes.c_uint64)),
        ("rla_lsq_set_tol", ctypes.c_int, (c_vp, ctypes.c_double)),
        ("rla_lsq_setup", ctypes.c_int, (c_vp,)),
        ("rla_lsq_solve", ctypes.c_int, (c_vp, c_vp, c_vp, p_dbl, c_i64, c_vp)),
        ("rla_lsq_info_report", ctypes.c_int, (c_vp, c_vp)),
        ("rla_svd_create", ctypes.c_int, (c_vp, p_vp)),
        ("rla_svd_destroy", ctypes.c_int, (p_vp,)),
        ("rla_svd_set_rank", ctypes.c_int, (c_vp, c_i64)),
        ("rla_svd_set_tol", ctypes.c_int, (c_vp, ctypes.c_double)),
        ("rla_svd_set_oversample", ctypes.c_int, (c_vp, c_i64)),
        ("rla_svd_set_power", ctypes.c_int, (c_vp, c_i64)),
        ("rla_svd_set_sketch_type", ctypes.c_int, (c_vp, ctypes.c_int)),
        ("rla_svd_set_seed", ctypes.c_int, (c_vp, ctypes.c_uint64)),
        ("rla_svd_setup", ctypes.c_int, (c_vp,)),
        ("rla_svd_compute", ctypes.c_int, (c_vp, c_vp)),
        ("rla_svd_get_info", ctypes.c_int, (c_vp, c_vp)),
        ("rla_svd_get_sigma", ctypes.c_int, (c_vp, ctypes.POINTER(p_dbl), p_i64)),
        ("rla_svd_get_u", ctypes.c_int, (c_vp, p_vp)),
        ("rla_svd_get_v", ctypes.c_int, (c_vp, p_vp)),
        ("rla_svd_info_report", ctypes.c_int, (c_vp, p_dbl, c_vp))):
    _proto(_n, _r, *_a)

# room for the library's info structs (rla_lsq_info, rla_svd_info: a few hundred bytes), which
# the package hands back to the library's report functions without reading them
INFO_BYTES = 4096


class ClusterItem(ctypes.Structure):
    """rla_cluster_item (include/rla/cluster.h)."""
    _fields_ = [("nmembers", c_i64), ("members", p_i64), ("width", c_i64), ("rank", c_i64),
                ("predicted", ctypes.c_double), ("actual", ctypes.c_double),
                ("storage", c_i64)]


class ClusterSummary(ctypes.Structure):
    """rla_cluster_summary (include/rla/cluster.h)."""
    _fields_ = [("nblocks", c_i64), ("nclusters", c_i64), ("nnonsingleton", c_i64),
                ("m", c_i64), ("original", c_i64), ("stored", c_i64),
                ("ratio", ctypes.c_double), ("error_mean", ctypes.c_double),
                ("error_max", ctypes.c_double), ("failed_seeds", c_i64),
                ("time_norms", ctypes.c_double), ("time_cluster", ctypes.c_double),
                ("time_compress", ctypes.c_double), ("distribution", ctypes.c_int)]


def comm_handle(comm):
    """The C MPI_Comm of comm (an mpi4py communicator, or None: COMM_WORLD)."""
    if MPI is not None:
        comm = MPI.COMM_WORLD if comm is None else comm
        if not isinstance(comm, MPI.Comm):
            raise TypeError("comm must be an mpi4py communicator, got %s" % type(comm).__name__)
        return c_vp.from_address(MPI._addressof(comm)).value
    if comm is not None:
        raise TypeError("comm needs mpi4py, which is not installed")
    return ctypes.addressof(ctypes.c_char.in_dll(_libmpi, "ompi_mpi_comm_world"))


class Context:
    """An rla_ctx over a communicator, destroyed on exit from the with block."""

    def __init__(self, comm):
        self.comm = comm
        self.handle = c_vp()
        if lib.rla_ctx_create(comm_handle(comm), ctypes.byref(self.handle)):
            raise Error("cannot create the rla context (out of memory or MPI failure)")
        # a library prints nothing: results and measurements come back in the info dicts
        lib.rla_ctx_set_verbosity(self.handle, 0)

    def check(self, rc):
        """Raise Error with the library's message when rc reports a failure."""
        if rc:
            raise Error(lib.rla_ctx_error_message(self.handle).decode(errors="replace"))

    def value(self, from_name, name):
        """The enumeration value the library's from_name function gives the name (a method,
        sketch, algorithm or order); Error naming the choices for an unknown one."""
        v = ctypes.c_int()
        self.check(from_name(self.handle, str(name).encode(), ctypes.byref(v)))
        return v.value

    def report(self, fill, *args):
        """The JSON report that fill(*args, report) writes, as a dict."""
        rep = c_vp()
        self.check(lib.rla_report_create(self.handle, ctypes.byref(rep)))
        try:
            self.check(fill(*args, rep))
            text = lib.rla_report_print(rep)
            if not text:
                raise Error("cannot print the report (out of memory)")
            try:
                return json.loads(ctypes.string_at(text).decode())
            finally:
                _libc.free(text)
        finally:
            lib.rla_report_destroy(ctypes.byref(rep))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        lib.rla_ctx_destroy(ctypes.byref(self.handle))
        return False
