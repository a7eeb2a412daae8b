# SPDX-License-Identifier: BSD-3-Clause
"""h5py side of tests/interop/hdf5.sh: load a dataset written by rla and compare it bit for bit
with the test matrix of tests/interop/io_tool.c (tests/interop/npy_check.py evaluates it), or
store the test matrix with h5py for rla to read.

usage: h5_check.py load FILE DATASET M N [vector]
       h5_check.py save FILE DATASET M N [c|vector|chunked|gzip|as:TYPE]
       h5_check.py keys FILE NAME...   (exit 0 when FILE holds exactly these datasets)

as:TYPE stores the matrix converted to the numpy type TYPE ('>f8', '<f4', '<f2', 'i1', ...) and
beside it, in FILE.f8.npy, numpy's own widening of the stored values to float64.
"""
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npy_check import holds, matrix  # noqa: E402


def load(path, name, m, n, vector):
    with h5py.File(path, 'r') as f:
        d = f[name]
        a = d[...]  # keeps the stored type: a float32 dataset is no match
    want = matrix(m, n)
    if vector:
        want = want.reshape(m)
    return 0 if holds(a, want, f"{path}:{name}") else 1


def save(path, name, m, n, how):
    a = matrix(m, n)
    kw = {}
    if how == 'vector':
        a = a.reshape(m * n)
    elif how == 'chunked':
        kw = {'chunks': (max(1, m // 3), max(1, n // 2))}
    elif how == 'gzip':
        kw = {'chunks': (max(1, m // 4), n), 'compression': 'gzip', 'shuffle': True}
    elif how.startswith('as:'):
        dtype = np.dtype(how[3:])
        if dtype.kind == 'f' and dtype.itemsize == 2:
            a = np.clip(a, -65504.0, 65504.0)  # finite in float16
        with np.errstate(all='ignore'):
            a = a.astype(dtype)
        np.save(path + '.f8.npy', a.astype('<f8'))
    with h5py.File(path, 'a') as f:
        if name in f:
            del f[name]
        f.create_dataset(name, data=a, **kw)
    return 0


def keys(path, names):
    found = []
    with h5py.File(path, 'r') as f:
        f.visititems(lambda k, v: found.append('/' + k) if isinstance(v, h5py.Dataset) else None)
    if sorted(found) != sorted(names):
        print(f"{path}: datasets {sorted(found)}, expected {sorted(names)}")
        return 1
    return 0


def main(argv):
    if len(argv) >= 6 and argv[1] == 'load':
        return load(argv[2], argv[3], int(argv[4]), int(argv[5]), 'vector' in argv[6:])
    if len(argv) >= 6 and argv[1] == 'save':
        return save(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6] if len(argv) > 6 else 'c')
    if len(argv) >= 3 and argv[1] == 'keys':
        return keys(argv[2], argv[3:])
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
