# SPDX-License-Identifier: BSD-3-Clause
"""Independent checks of rla-cluster's outputs with NumPy.
usage: check_rla_cluster.py report REPORT.json DIR EPS [FACTORS]  partition, errors, storage,
                                                                  factors against the blocks
                                                                  (FACTORS: a directory of .npy,
                                                                  or an HDF5 file FILE.h5)
       check_rla_cluster.py same R1.json R2.json                  the same clusters
       check_rla_cluster.py fewer R1.json R2.json                 R1 has at most half the clusters
       check_rla_cluster.py make-bad DIR SRC                      bad collections
       check_rla_cluster.py same-report A.json B.json NAME-A NAME-B [BLOCK]
           exit 0 when every field of two reports but the times, the memory, the collection's
           path, its stored types and skipped tensors is equal, the blocks' names matching the
           regular expressions NAME-A and NAME-B kept as their groups (a block's number), and
           (BLOCK) such a name kept as BLOCK is among A's; prints nothing
Prints one "PASS name" or "FAIL name" line per check (same-report: none)."""
import json
import os
import re
import sys
import numpy as np


def report(name, ok, detail):
    print(("PASS " if ok else "FAIL ") + name + ": " + detail)


def rebuild(path, j):
    """Block j from the factors' HDF5 file: the README's snippet, as users run it."""
    import h5py
    with h5py.File(path, "r") as f:
        c = int(f["index/cluster"][j])               # the cluster of block j: clusters[c]
        B = f["blocks/%06d" % j][()]                  # its coefficients, or the block itself
        return f["U/%06d" % c][()] @ B if "U/%06d" % c in f else B


def main():
    cmd = sys.argv[1]
    if cmd == "report":
        rep = json.load(open(sys.argv[2]))
        d, eps = sys.argv[3], float(sys.argv[4])
        fac = sys.argv[5] if len(sys.argv) > 5 else None
        blocks = [np.load(os.path.join(d, "block_%06d.npy" % j)) for j in range(rep["n_blocks"])]
        m, r = blocks[0].shape[0], rep["r"]
        members = sorted(j for c in rep["clusters"] for j in c["members"])
        report("partition", members == list(range(len(blocks))),
               "%d clusters cover %d blocks" % (len(rep["clusters"]), len(members)))
        # Errors are compared squared, relative to the worst allowance: err^2 = 1 - E_r / ||C||_F^2
        # is computed from sums of squares and an SVD (or eigenproblem) of the m x N cluster,
        # each backward stable to gamma_{m N} ||C||_F^2 (Higham, Thms 19.4 and 20.3 with m N for
        # c m n), so two computations of one err^2 differ by at most 2 m N u; the square root
        # would turn that into m N u / err, unbounded as err -> 0.
        U_ROUND = np.finfo(float).eps / 2
        worst, allow, stored, wrong = 0.0, 0.0, 0, 0
        for i, c in enumerate(rep["clusters"]):
            C = np.hstack([blocks[j] for j in c["members"]])
            N = C.shape[1]
            s = np.linalg.svd(C, compute_uv=False)
            opt2 = max(0.0, 1 - np.sum(s[:r] ** 2) / np.sum(s ** 2))
            cost = min(r * (m + N), m * N) if len(c["members"]) > 1 else m * N
            stored += cost
            wrong += c["storage"] != cost or c["width"] != N
            if c["rank"] > 0:
                allow = max(allow, 2 * m * N * U_ROUND)
                act2, pred2 = c["actual_error"] ** 2, c["predicted_error"] ** 2
                # the stored basis does no better than the optimum and no worse than predicted;
                # for the certified algorithms it spans the top-r singular subspace (the optimum)
                worst = max(worst, opt2 - act2, act2 - pred2)
                if rep["algorithm"] != "approximate":
                    worst = max(worst, abs(act2 - opt2))
                if fac and fac.endswith(".h5"):
                    e2 = (np.linalg.norm(C - np.hstack([rebuild(fac, j) for j in c["members"]]))
                          / np.linalg.norm(C)) ** 2
                    worst = max(worst, abs(e2 - act2))
                elif fac:
                    U = np.load(os.path.join(fac, "U_%06d.npy" % i))
                    W = np.load(os.path.join(fac, "W_%06d.npy" % i))
                    e2 = (np.linalg.norm(C - U @ W) / np.linalg.norm(C)) ** 2
                    worst = max(worst, abs(e2 - act2))
        if fac and fac.endswith(".h5"):
            import h5py
            # the blocks stored as they are come back bit for bit; the index holds every block's
            # cluster and that cluster's error as the report prints it (cJSON's %.15g when that
            # reads back within its own tolerance: a relative difference of at most 5e-16 from
            # the 15 digits, less than 1e-15)
            same, raw, idx = 0, 0, True
            with h5py.File(fac, "r") as f:
                for i, c in enumerate(rep["clusters"]):
                    for j in c["members"]:
                        idx &= int(f["index/cluster"][j]) == i
                        idx &= abs(float(f["index/error"][j]) - c["actual_error"]) <= \
                            1e-15 * c["actual_error"]
                        if c["rank"] == 0:
                            raw += 1
                            same += not np.array_equal(rebuild(fac, j).view(np.uint64),
                                                       blocks[j].view(np.uint64))
                idx &= list(f["clusters/rank"][()]) == [c["rank"] for c in rep["clusters"]]
            report("HDF5 factors: uncompressed blocks bit for bit", same == 0,
                   "%d of %d uncompressed blocks differ" % (same, raw))
            report("HDF5 factors: index", idx, "index/cluster, index/error, clusters/rank")
        report("actual errors recomputed", worst <= allow,
               "max difference of squared errors %.2e <= 2 m N u = %.2e" % (worst, allow))
        emax = max(c["actual_error"] for c in rep["clusters"])
        report("every actual error <= eps", emax <= eps, "%.3e <= %g" % (emax, eps))
        report("storage", wrong == 0 and stored == rep["stored_numbers"],
               "%d numbers" % stored)
        ratio = m * sum(b.shape[1] for b in blocks) / stored
        # two roundings of a quotient of integers below 2^53 and its JSON print (17 digits)
        report("compression ratio", abs(ratio - rep["compression_ratio"]) <= 4 * U_ROUND * ratio,
               "%.4f" % ratio)
    elif cmd in ("same", "fewer"):
        a, b = (json.load(open(p)) for p in sys.argv[2:4])
        if cmd == "same":
            same = [c["members"] for c in a["clusters"]] == [c["members"] for c in b["clusters"]]
            report("same clusters " + sys.argv[3], same,
                   "%d and %d clusters" % (a["n_clusters"], b["n_clusters"]))
        else:
            report("far fewer clusters", 2 * a["n_clusters"] < b["n_clusters"],
                   "%d against %d" % (a["n_clusters"], b["n_clusters"]))
    elif cmd == "same-report":
        def kept(path, name):
            r = json.load(open(path))
            t = json.dumps({k: v for k, v in r.items()
                            if not k.startswith(("time", "peak_memory"))
                            and k not in ("collection", "dtypes", "skipped")}, sort_keys=True)
            return re.sub(name, lambda g: "X" + "".join(g.groups()), t)
        a, b = kept(sys.argv[2], sys.argv[4]), kept(sys.argv[3], sys.argv[5])
        sys.exit(a != b or (len(sys.argv) > 6 and "X" + sys.argv[6] not in a))
    elif cmd == "make-bad":
        out, src = sys.argv[2], sys.argv[3]
        A = np.load(os.path.join(src, "block_000000.npy"))
        for sub in ("mixed", "empty", "text"):
            os.makedirs(os.path.join(out, sub), exist_ok=True)
        np.save(os.path.join(out, "mixed", "a.npy"), A)
        np.save(os.path.join(out, "mixed", "b.npy"), A[:-1])
        np.save(os.path.join(out, "text", "a.npy"), A)
        with open(os.path.join(out, "text", "b.npy"), "w") as f:
            f.write("these are not numbers\n")
        with open(os.path.join(out, "missing.txt"), "w") as f:
            f.write(os.path.abspath(os.path.join(src, "block_000000.npy")) + "\nnot-there.npy\n")
        print("PASS bad collections written")
    else:
        sys.exit("unknown command " + cmd)


main()
