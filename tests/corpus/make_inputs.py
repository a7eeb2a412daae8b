# SPDX-License-Identifier: BSD-3-Clause
"""Write the input files of the bad-input corpus (tests/corpus/cases.txt) into a directory:
small good matrices, and bad .npy, Matrix Market and PETSc binary files (for the dense and the
sparse readers), decks, collections and manifests. usage: make_inputs.py DIR"""
import json
import os
import struct
import sys

import numpy as np


def npy_bytes(header, data=b"", version=(1, 0)):
    """A .npy file with the given header dict text, padded the way numpy pads it."""
    h = header.encode("latin1")
    pre = len(b"\x93NUMPY") + 2 + (2 if version[0] == 1 else 4)
    pad = 64 - (pre + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    size = struct.pack("<H", len(h)) if version[0] == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes(version) + size + h + data


def write(d, name, content):
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(os.path.join(d, name), mode) as f:
        f.write(content)


def petsc_mat_dense(a):
    m, n = a.shape
    return struct.pack(">iiii", 1211216, m, n, -1) + a.astype(">f8").tobytes()


def petsc_mat_aij(a):
    m, n = a.shape
    lens = [n] * m
    cols = list(range(n)) * m
    return (struct.pack(">iiii", 1211216, m, n, m * n) + struct.pack(">%di" % m, *lens) +
            struct.pack(">%di" % (m * n), *cols) + a.astype(">f8").tobytes())


def petsc_aij_csr(m, n, lens, cols, vals):
    """A PETSc AIJ Mat from its CSR arrays (row lengths, column indices, values)."""
    return (struct.pack(">iiii", 1211216, m, n, len(cols)) + np.asarray(lens, ">i4").tobytes() +
            np.asarray(cols, ">i4").tobytes() + np.asarray(vals, ">f8").tobytes())


def sparse_inputs(d, rng):
    """Bad files for the sparse readers (rla_io_read_sparse), Matrix Market coordinate and PETSc
    AIJ, beside a good one of each."""
    gen = "%%MatrixMarket matrix coordinate real general\n"
    write(d, "sp-range.mtx", gen + "12 4 2\n1 1 1.5\n13 2 2\n")
    # three entries of a matrix whose dense form (7.6e5 MiB) fits on no node
    write(d, "sp-huge.mtx", gen + "2000000 50000 3\n1 1 1\n2 2 2\n3 3 3\n")
    write(d, "sp-zero.mtx", gen + "12 4 1\n3 0 1\n")
    write(d, "sp-more.mtx", gen + "12 4 2\n1 1 1\n2 2 2\n3 3 3\n")
    write(d, "sp-fewer.mtx", gen + "12 4 3\n1 1 1\n2 2 2\n")
    write(d, "sp-upper.mtx",
          "%%MatrixMarket matrix coordinate real symmetric\n12 12 2\n1 1 1\n1 3 2\n")
    write(d, "sp-skewdiag.mtx",
          "%%MatrixMarket matrix coordinate real skew-symmetric\n4 4 2\n2 1 1\n2 2 0.5\n")
    write(d, "sp-word.mtx", gen + "12 4 1\n1 1 one\n")
    write(d, "sp-nan.mtx", gen + "12 4 2\n1 1 1.5\n3 2 nan\n")
    write(d, "sp-inf.mtx", gen + "12 4 1\n2 2 -inf\n")
    write(d, "sp-nnz64.mtx", gen + "12 4 99999999999999999999\n")
    write(d, "sp-nnzbig.mtx", gen + "12 4 49\n")
    write(d, "sp-hermitian.mtx", "%%MatrixMarket matrix coordinate real hermitian\n2 2 1\n1 1 1\n")
    mask = rng.random((12, 4)) < 0.5
    mask[0] = [1, 0, 1, 0]
    mask[3] = 0  # an empty row
    mask[5] = [1, 1, 0, 0]
    mask[7] = [0, 1, 0, 1]
    S = np.where(mask, rng.standard_normal((12, 4)), 0.0)
    r, c = np.nonzero(S)
    write(d, "sp-good.mtx", gen + "12 4 %d\n" % r.size +
          "".join("%d %d %.17g\n" % (i + 1, j + 1, S[i, j]) for i, j in zip(r, c)))
    # the entry on line 203 of 250 is not a number
    write(d, "sp-late.mtx", gen + "100 40 250\n" + "".join(
        "%d %d %s\n" % (e % 100 + 1, e // 100 + 1, "x" if e == 200 else "%d" % e)
        for e in range(250)))
    lens = np.count_nonzero(S, axis=1)
    cols, vals = list(c), list(S[r, c])
    good = petsc_aij_csr(12, 4, lens, cols, vals)
    write(d, "sp-good.petsc", good)
    write(d, "sp-sum.petsc", petsc_aij_csr(12, 4, lens, cols[:-1], vals[:-1]))
    bad = list(lens)
    bad[5] = -1
    write(d, "sp-neglen.petsc", petsc_aij_csr(12, 4, bad, cols, vals))
    bad = list(cols)
    bad[1] = 4  # the second entry of row 0, after column 0
    write(d, "sp-column.petsc", petsc_aij_csr(12, 4, lens, bad, vals))
    bad = list(cols)
    bad[0], bad[1] = bad[1], bad[0]
    write(d, "sp-order.petsc", petsc_aij_csr(12, 4, lens, bad, vals))
    write(d, "sp-cut.petsc", good[:-5])
    write(d, "sp-long.petsc", good + b"\0" * 8)
    bad = list(vals)
    bad[int(lens[:7].sum())] = np.nan  # the first entry of row 7
    write(d, "sp-nan.petsc", petsc_aij_csr(12, 4, lens, cols, bad))
    write(d, "sp-vec.petsc", struct.pack(">ii", 1211214, 12) + np.zeros(12).astype(">f8").tobytes())


def h5_inputs(d, A):
    """Bad HDF5 files and datasets (the h5-* cases; h5py writes them)."""
    import h5py
    with h5py.File(os.path.join(d, "good.h5"), "w") as f:
        f["A"] = A
        f["b"] = A[:, 0]
        f["grp/A"] = A
        f["t3"] = np.stack([A, A])
        f["cplx"] = A + 1j * A
        f["flags"] = A > 0
        f.create_dataset("lzf", data=A, compression="lzf")
        f.create_dataset("huge", shape=(2 ** 40, 2 ** 40), dtype="f8", chunks=(1, 1))
        f.create_dataset("tall", shape=(3000000000, 4), dtype="f8", chunks=(1, 4))
        f.create_dataset("strings", data=np.array([b"a", b"b"]))
        bad = A.astype("<f4")
        bad[5, 1] = np.nan
        f["nan"] = bad
        f["t3nan"] = np.stack([A.astype("<f4"), bad])
        f["t3empty"] = np.zeros((0,) + A.shape)
        f.create_dataset("t3huge", shape=(2 ** 40, 2 ** 20, 2 ** 20), dtype="f4", chunks=(1, 1, 1))
        f.create_group("emptygrp")
        f["g1d/a"] = A
        f["g1d/b"] = A[:, 0]
        f["grows/a"] = A
        f["grows/b"] = A[:5]
    raw = open(os.path.join(d, "good.h5"), "rb").read()
    write(d, "truncated.h5", raw[:len(raw) // 2])
    write(d, "nothdf.h5", b"\x93NUMPY" + raw[6:200])
    with h5py.File(os.path.join(d, "two.h5"), "w") as f:
        f["A"] = A
        f["B"] = A


def safetensors_bytes(tensors, header=None, pad=True):
    """A safetensors file of the tensors [(name, dtype code, shape, raw bytes)], their data
    packed in that order; header (a dict) replaces the one made from them when given."""
    h, data = {}, b""
    for name, code, shape, raw in tensors:
        h[name] = {"dtype": code, "shape": list(shape),
                   "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(h if header is None else header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_inputs(d, A):
    """Bad safetensors collections: one defect each."""
    f32 = A.astype("<f4")
    good = [("w0", "F32", A.shape, f32.tobytes()), ("bias", "F32", (4,), f32[0].tobytes()),
            ("w1", "F32", A.shape, (2 * f32).tobytes())]
    ok = safetensors_bytes(good)
    write(d, "st-length.safetensors", struct.pack("<Q", 10 ** 6) + ok[8:])
    write(d, "st-json.safetensors", safetensors_bytes([], header={}).replace(b"{}", b"{]"))
    h = {"w0": {"dtype": "F32", "shape": [12, 4], "data_offsets": [0, 192]},
         "w1": {"dtype": "F32", "shape": [12, 4], "data_offsets": [100, 292]}}
    write(d, "st-overlap.safetensors", safetensors_bytes([], header=h) + f32.tobytes() * 2)
    h = {"w0": {"dtype": "F32", "shape": [12, 4], "data_offsets": [0, 192]},
         "w1": {"dtype": "F32", "shape": [12, 4], "data_offsets": [192, 384]}}
    write(d, "st-range.safetensors", safetensors_bytes([], header=h) + f32.tobytes())
    h = {"w0": {"dtype": "F32", "shape": [12, 5], "data_offsets": [0, 192]}}
    write(d, "st-size.safetensors", safetensors_bytes([], header=h) + f32.tobytes())
    h = {"w0": {"dtype": "Q4", "shape": [12, 4], "data_offsets": [0, 192]}}
    write(d, "st-dtype.safetensors", safetensors_bytes([], header=h) + f32.tobytes())
    h = {"w0": {"dtype": "F8_E4M3", "shape": [12, 4], "data_offsets": [0, 48]}}
    write(d, "st-f8.safetensors", safetensors_bytes([], header=h) + bytes(48))
    write(d, "st-truncated.safetensors", ok[:-7])
    write(d, "st-1d.safetensors", safetensors_bytes(
        [("bias", "F32", (4,), f32[0].tobytes()), ("scale", "F32", (), f32[0, :1].tobytes())]))
    bad = f32.copy()
    bad[5, 2] = np.nan
    write(d, "st-nan.safetensors", safetensors_bytes(good + [("w2", "F32", A.shape,
                                                             bad.tobytes())]))
    write(d, "st-reshape.safetensors", ok)
    write(d, "st-rows.safetensors", safetensors_bytes(
        good + [("w2", "F32", (13, 4), np.ones((13, 4), "<f4").tobytes())]))


def main(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(7)
    m, n = 12, 4
    A = rng.standard_normal((m, n))
    b = rng.standard_normal(m)
    good = os.path.join(d, "A.npy")
    np.save(good, A)
    np.save(os.path.join(d, "b.npy"), b)
    np.save(os.path.join(d, "S.npy"), np.linalg.svd(A, compute_uv=False))
    raw = open(good, "rb").read()
    try:
        import h5py  # noqa: F401
        h5_inputs(d, A)
    except ImportError:
        pass  # rla without HDF5 skips the h5-* cases

    # .npy: size, magic, dtype, order, shape
    write(d, "empty.npy", b"")
    write(d, "truncated.npy", raw[:-10])
    write(d, "overlong.npy", raw + b"\0" * 8)
    write(d, "badmagic.npy", b"\x93NUMPZ" + raw[6:])
    write(d, "header-cut.npy", raw[:40])
    # narrower types are widened to float64: their own sizes and values are checked
    np.save(os.path.join(d, "f32.npy"), A.astype(np.float32))
    write(d, "f32-truncated.npy", open(os.path.join(d, "f32.npy"), "rb").read()[:-6])
    h = np.ones((12, 4), dtype=np.float16)
    h[7, 2] = np.inf
    np.save(os.path.join(d, "f16-inf.npy"), h)
    np.save(os.path.join(d, "complex.npy"), A.astype(np.complex128))
    np.save(os.path.join(d, "longdouble.npy"), A.astype(np.longdouble))
    np.save(os.path.join(d, "datetime.npy"), np.zeros((12, 4), dtype="datetime64[s]"))

    # collections in one .npy file: a 3-D array (K, m, n)
    stack = np.stack([A, 2 * A, 3 * A])
    np.save(os.path.join(d, "stack4d.npy"), stack.reshape(3, 2, 6, 4))
    np.save(os.path.join(d, "stack-fortran.npy"), np.asfortranarray(stack))
    np.save(os.path.join(d, "stack-2d.npy"), A)
    write(d, "stack-truncated.npy", npy_bytes(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 12, 4), }",
        stack.astype(np.float32).tobytes()[:-4]))
    write(d, "stack-huge.npy", npy_bytes(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1048576, 1048576), }",
        stack.tobytes()))
    s = stack.copy()
    s[2, 5, 1] = np.nan
    np.save(os.path.join(d, "stack-nan.npy"), s)
    np.save(os.path.join(d, "stack-empty.npy"), np.zeros((0, 12, 4)))
    np.save(os.path.join(d, "object.npy"), np.array([[1, "x"], [2, None]], dtype=object),
            allow_pickle=True)
    data = A.tobytes()
    write(d, "fortran-word.npy",
          npy_bytes("{'descr': '<f8', 'fortran_order': Yes, 'shape': (12, 4), }", data))
    write(d, "shape-long.npy",
          npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (13, 4), }", data))
    write(d, "shape-short.npy",
          npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (11, 4), }", data))
    write(d, "shape-3d.npy",
          npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (12, 2, 2), }", data))
    write(d, "dim32.npy",
          npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3000000000, 4), }", data))
    write(d, "dim64.npy",
          npy_bytes("{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (99999999999999999999, 4), }", data))
    write(d, "bytes64.npy",
          npy_bytes("{'descr': '<f8', 'fortran_order': False, "
                    "'shape': (2147483647, 2147483647), }", data))
    write(d, "negative.npy",
          npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (-12, 4), }", data))
    write(d, "version9.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, "
                                       "'shape': (12, 4), }", data, version=(9, 0)))
    An = A.copy()
    An[5, 2] = np.nan
    np.save(os.path.join(d, "A-nan.npy"), An)
    np.save(os.path.join(d, "A-huge.npy"), A * 2.0 ** 1000)
    bi = b.copy()
    bi[-1] = np.inf
    np.save(os.path.join(d, "b-inf.npy"), bi)
    np.save(os.path.join(d, "b-short.npy"), b[:-1])
    np.save(os.path.join(d, "A-wide.npy"), rng.standard_normal((4, 12)))
    np.save(os.path.join(d, "A-norows.npy"), np.zeros((0, 4)))
    np.save(os.path.join(d, "A-nocols.npy"), np.zeros((12, 0)))
    np.save(os.path.join(d, "S-short.npy"), np.ones(1))

    safetensors_inputs(d, A)

    # Matrix Market
    write(d, "banner.mtx", "%%MatrixMarket matrix array real genera\n12 4\n")
    write(d, "complex.mtx", "%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 1 1 0\n")
    write(d, "short.mtx", "%%MatrixMarket matrix array real general\n12 4\n" +
          "\n".join("%.17g" % v for v in A.T.ravel()[:-3]) + "\n")
    write(d, "range.mtx", "%%MatrixMarket matrix coordinate real general\n12 4 2\n1 1 1.5\n13 2 2\n")
    write(d, "nan.mtx", "%%MatrixMarket matrix coordinate real general\n12 4 2\n1 1 1.5\n3 2 nan\n")
    write(d, "word.mtx", "%%MatrixMarket matrix coordinate real general\n12 4 1\n1 1 one\n")
    write(d, "huge.mtx", "%%MatrixMarket matrix coordinate real general\n"
          "99999999999 4 1\n1 1 1\n")

    # PETSc binary
    write(d, "A.petsc", petsc_mat_aij(A))
    write(d, "little.petsc", struct.pack("<iiii", 1211216, m, n, -1) + A.astype(">f8").tobytes())
    write(d, "cut.petsc", petsc_mat_dense(A)[:-16])
    bad = bytearray(petsc_mat_aij(A))
    struct.pack_into(">i", bad, 16 + 4 * 3, 9)  # row 3 claims 9 entries in a 4-column matrix
    write(d, "rowlen.petsc", bytes(bad))
    bad = bytearray(petsc_mat_aij(A))
    struct.pack_into(">i", bad, 16 + 4 * m + 4 * 5, 7)  # column index 7 of 4
    write(d, "column.petsc", bytes(bad))
    write(d, "idx64.petsc", struct.pack(">ii", 0, 1211216) + b"\0" * 40)

    # decks
    write(d, "unknown.in", "A = A.npy\nb = b.npy\nfrobnicate = 3\n")
    write(d, "duplicate.in", "A = A.npy\nb = b.npy\nmethod = solve\nmethod = direct\n")
    write(d, "number.in", "A = A.npy\nb = b.npy\noversample = 2.5x\n")
    write(d, "negative.in", "A = A.npy\nk = -3\n")
    write(d, "noequals.in", "A = A.npy\nb b.npy\n")
    write(d, "longline.in", "A = A.npy\n# " + "x" * 5000 + "\n")
    write(d, "gen-unknown.in", "kind = lsq\nm = 10\nn = 2\nA = new-A.npy\nwidth = 3\n")

    # collections
    for name in ("mixed", "empty", "text", "nan", "zero"):
        os.makedirs(os.path.join(d, name), exist_ok=True)
    for j in range(3):
        np.save(os.path.join(d, "mixed", "blk%d.npy" % j), rng.standard_normal((12 + (j == 2), 3)))
        np.save(os.path.join(d, "text", "blk%d.npy" % j), rng.standard_normal((12, 3)))
        np.save(os.path.join(d, "nan", "blk%d.npy" % j), rng.standard_normal((12, 3)))
        np.save(os.path.join(d, "zero", "blk%d.npy" % j), rng.standard_normal((12, 3 * (j != 1))))
    write(d, "text/blk1.npy", "these are not numbers\n")
    write(d, "empty/readme.txt", "no matrices here\n")
    write(d, "nan/blk0.mtx", "%%MatrixMarket matrix array real general\n12 1\n" + "1\n" * 11 + "inf\n")
    write(d, "missing.txt", "# blocks\nmixed/blk0.npy\nnot-there.npy\n")
    write(d, "manifest-empty.txt", "# nothing\n\n")

    # sparse readers (their own generator: the files above stay as they were)
    sparse_inputs(d, np.random.default_rng(11))


if __name__ == "__main__":
    main(sys.argv[1])
