#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pipeline.save drivers for test-pipeline-save.sh (standard library only).

    savecheck.py alternate FILE N   N saves through the daemon, alternating
                                    two values of one parameter, each with
                                    the version the previous save returned;
                                    prints the two file hashes
    savecheck.py read FILE H1 H2    read FILE in a loop until the file
                                    STOP beside it appears; every read must
                                    hash to H1 or H2 (else exit 1)
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rpc  # noqa: E402


def alternate(path, n):
    c = rpc.Client()
    r = c.call("pipeline.open", {"file": path})
    version = r["result"]["version"]
    hashes = set()
    for i in range(n):
        r = c.call("pipeline.save", {
            "file": path, "base_version": version,
            "edits": [{"op": "set", "path": "parameters.k",
                       "text": "1" if i % 2 == 0 else "2"}]})
        if "result" not in r:
            print("save %d failed: %s" % (i, r), file=sys.stderr)
            return 1
        version = r["result"]["version"]
        if len(hashes) < 2:
            with open(path, "rb") as f:
                hashes.add(hashlib.sha256(f.read()).hexdigest())
    print(" ".join(sorted(hashes)))
    return 0


def read(path, h1, h2):
    stop = os.path.join(os.path.dirname(path), "STOP")
    reads = 0
    while not os.path.exists(stop):
        with open(path, "rb") as f:
            h = hashlib.sha256(f.read()).hexdigest()
        if h not in (h1, h2):
            print("read %d: partial or unknown content" % reads,
                  file=sys.stderr)
            return 1
        reads += 1
    print(reads)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "alternate":
        sys.exit(alternate(sys.argv[2], int(sys.argv[3])))
    sys.exit(read(sys.argv[2], sys.argv[3], sys.argv[4]))
