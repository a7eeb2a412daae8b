# SPDX-License-Identifier: BSD-3-Clause
"""Writers of sparse matrix files for the tests, NumPy only, from coordinates (m, n and the rows,
columns and values of the stored entries, 0-based), so that no dense copy is needed:
write_mm: Matrix Market "coordinate real general", 1-based, each value with 17 significant
digits (read back exactly); write_petsc_aij: PETSc binary AIJ (MatLoad's format: big-endian
header, row lengths, column indices, values, rows in order and columns increasing in a row).
Import it from a checker with sys.path.insert(0, <srcdir>/tests/lib)."""
import numpy as np

PETSC_MAT_CLASSID = 1211216


def write_mm(path, m, n, rows, cols, vals):
    """The entries in the order given (duplicates are the reader's to reject or sum)."""
    with open(path, "w") as f:
        f.write("%%%%MatrixMarket matrix coordinate real general\n%d %d %d\n" % (m, n, len(vals)))
        f.writelines("%d %d %.17g\n" % e for e in zip(np.asarray(rows) + 1, np.asarray(cols) + 1,
                                                       vals))


def write_petsc_aij(path, m, n, rows, cols, vals):
    """The entries sorted by row, then column (no duplicates)."""
    rows, cols, vals = np.asarray(rows), np.asarray(cols), np.asarray(vals, dtype=float)
    order = np.lexsort((cols, rows))
    with open(path, "wb") as f:
        np.array([PETSC_MAT_CLASSID, m, n, len(vals)], dtype=">i4").tofile(f)
        np.bincount(rows, minlength=m).astype(">i4").tofile(f)
        cols[order].astype(">i4").tofile(f)
        vals[order].astype(">f8").tofile(f)


def coordinates(A):
    """The nonzero entries of a dense A, row by row: rows, cols, vals."""
    r, c = np.nonzero(A)
    return r, c, A[r, c]
