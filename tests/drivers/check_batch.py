# SPDX-License-Identifier: BSD-3-Clause
"""Checks of a batch run's outputs for tests/drivers/batch.sh; prints PASS/FAIL lines.

usage: check_batch.py summary FILE DONE FAILED SKIPPED [STEM=STATUS[:TEXT]]...
           the totals of summary.json, and each listed entry's status (and a text its message
           contains); every done entry has DIR/STEM/report.json, no failed one has a directory
       check_batch.py same-key REPORT1 REPORT2 KEY
           the same value of KEY in two JSON reports
"""
import json
import os
import sys


def report(name, ok, detail):
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail))


def summary(path, done, failed, skipped, wanted):
    with open(path) as f:
        s = json.load(f)
    t = s["totals"]
    got = (t["done"], t["failed"], t["skipped"])
    report("totals of " + path, got == (done, failed, skipped),
           "done, failed, skipped = %s, expected %s" % (got, (done, failed, skipped)))
    n = {"done": 0, "failed": 0, "skipped": 0}
    for e in s["entries"]:
        n[e["status"]] += 1
    report("entries agree with the totals", (n["done"], n["failed"], n["skipped"]) == got, str(n))
    by_stem = {e["stem"]: e for e in s["entries"]}
    top = os.path.dirname(path)
    for w in wanted:
        stem, rest = w.split("=", 1)
        status, _, text = rest.partition(":")
        e = by_stem.get(stem)
        ok = e is not None and e["status"] == status and text in e["message"]
        report("entry %s is %s" % (stem, status), ok, json.dumps(e))
        has = os.path.isfile(os.path.join(top, stem, "report.json"))
        report("report of %s present iff it completed" % stem, has == (status != "failed"),
               "report.json %s" % ("present" if has else "absent"))


def main():
    cmd = sys.argv[1]
    if cmd == "summary":
        summary(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6:])
    elif cmd == "same-key":
        with open(sys.argv[2]) as f:
            a = json.load(f)
        with open(sys.argv[3]) as f:
            b = json.load(f)
        key = sys.argv[4]
        report("same %s" % key, key in a and a.get(key) == b.get(key),
               "%s vs %s" % (a.get(key), b.get(key)))
    else:
        sys.exit("unknown command " + cmd)


main()
