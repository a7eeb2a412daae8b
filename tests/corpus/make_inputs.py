# SPDX-License-Identifier: BSD-3-Clause
"""Write the input files of the bad-input corpus (tests/corpus/cases.txt) into a directory:
small good matrices, and bad .npy, Matrix Market and PETSc binary files, decks, collections and
manifests. usage: make_inputs.py DIR"""
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

    # .npy: size, magic, dtype, order, shape
    write(d, "empty.npy", b"")
    write(d, "truncated.npy", raw[:-10])
    write(d, "overlong.npy", raw + b"\0" * 8)
    write(d, "badmagic.npy", b"\x93NUMPZ" + raw[6:])
    write(d, "header-cut.npy", raw[:40])
    np.save(os.path.join(d, "f32.npy"), A.astype(np.float32))
    np.save(os.path.join(d, "int64.npy"), (A * 10).astype(np.int64))
    np.save(os.path.join(d, "complex.npy"), A.astype(np.complex128))
    np.save(os.path.join(d, "bigendian.npy"), A.astype(">f8"))
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


if __name__ == "__main__":
    main(sys.argv[1])
