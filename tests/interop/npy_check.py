# SPDX-License-Identifier: BSD-3-Clause
"""NumPy side of tests/interop/npy_numpy.sh: load a .npy written by rla and compare it bit for bit
with the test matrix, or save the test matrix with numpy for rla to read.

The test matrix is the one of tests/interop/io_tool.c, evaluated here with the same IEEE operations.

usage: npy_check.py load FILE M N [vector]
       npy_check.py save FILE M N [c|fortran|vector|v2|v3|float32]
"""
import math
import sys

import numpy as np


def entry(i, j):
    k = (i * 131 + j * 7) % 1009 - 504
    v = math.ldexp(k / 17.0, (i + 3 * j) % 61 - 30)
    if (i + j) % 13 == 5:
        v = math.ldexp(v, -1040)
    if k == 0 and i % 2:
        v = -0.0
    return v


def matrix(m, n):
    a = np.empty((m, n), dtype='<f8')
    for i in range(m):
        for j in range(n):
            a[i, j] = entry(i, j)
    return a


def holds(a, want, label):
    """a is float64, of want's shape and bit for bit want; else print why and return False."""
    if a.dtype != np.dtype('<f8') or a.shape != want.shape:
        print(f"{label}: dtype {a.dtype} shape {a.shape}, expected <f8 {want.shape}")
        return False
    if not np.array_equal(a.view(np.uint64), want.view(np.uint64)):
        bad = np.argwhere(a.view(np.uint64) != want.view(np.uint64))[0]
        print(f"{label}: values differ first at {tuple(bad)}: {a[tuple(bad)]!r} != {want[tuple(bad)]!r}")
        return False
    return True


def load(path, m, n, vector):
    a = np.load(path, allow_pickle=False)
    want = matrix(m, n)
    if vector:
        want = want.reshape(m)
    if not holds(a, want, path):
        return 1
    # numpy >= 1.24 pads the header for growth: then the whole file must be what np.save writes
    if hasattr(np.lib.format, 'GROWTH_AXIS_MAX_DIGITS'):
        ref = path + '.ref.npy'
        np.save(ref, want)
        with open(path, 'rb') as f, open(ref, 'rb') as g:
            if f.read() != g.read():
                print(f"{path}: the file differs from np.save's")
                return 1
    return 0


def save(path, m, n, how):
    a = matrix(m, n)
    if how == 'fortran':
        a = np.asfortranarray(a)
    elif how == 'vector':
        a = a.reshape(m * n)
    elif how.startswith('as:'):
        # a stored type rla widens, and beside it (PATH.f8.npy) numpy's own widening of the
        # same values to float64; 'F' after the type: Fortran order
        dtype = how[3:].rstrip('F')
        if np.dtype(dtype).kind == 'f' and np.dtype(dtype).itemsize == 2:
            a = np.clip(a, -65504.0, 65504.0)  # finite in float16
        with np.errstate(all='ignore'):
            a = a.astype(dtype)
        if how.endswith('F'):
            a = np.asfortranarray(a)
        np.save(path + '.f8.npy', a.astype('<f8'))
    if how in ('v2', 'v3'):
        with open(path, 'wb') as f:
            np.lib.format.write_array(f, a, version=(int(how[1]), 0))
    else:
        with open(path, 'wb') as f:
            np.save(f, a)
    return 0


def main(argv):
    if len(argv) < 5 or argv[1] not in ('load', 'save'):
        print(__doc__)
        return 2
    path, m, n = argv[2], int(argv[3]), int(argv[4])
    opt = argv[5] if len(argv) > 5 else ''
    if argv[1] == 'load':
        return load(path, m, n, opt == 'vector')
    return save(path, m, n, opt or 'c')


if __name__ == '__main__':
    sys.exit(main(sys.argv))
