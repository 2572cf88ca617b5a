#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when a C function in the given folders is too long.

    func-length.py [--max N] [--list K] DIR...

A function is a top-level definition in STYLE.md's layout: its name at
the start of a line, followed by "(", and its body from a "{" alone at
the start of a line to the next "}" alone at the start of a line. Its
length is the number of lines from the name to that "}". Every function
longer than N (120 unless told) is printed as FILE:LINE NAME LENGTH and
the script exits 1; --list K prints the K longest ones as well.
"""
import os
import re
import sys

NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\(")


def functions(path):
    """(name, first line, length) of every function of a C file."""
    out = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    name, start, body = None, 0, False
    for n, line in enumerate(lines, 1):
        m = NAME.match(line)
        if m and not body:
            name, start = m.group(1), n
        elif line == "{" and name is not None and not body:
            body = True
        elif line.startswith("}") and body:
            out.append((name, start, n - start + 1))
            name, body = None, False
        elif not body and line.endswith(";"):
            name = None	 # a prototype, not a definition
    return out


def main(argv):
    limit, listing, dirs = 120, 0, []
    i = 0
    while i < len(argv):
        if argv[i] == "--max":
            limit, i = int(argv[i + 1]), i + 2
        elif argv[i] == "--list":
            listing, i = int(argv[i + 1]), i + 2
        else:
            dirs.append(argv[i])
            i += 1
    found = []
    for d in dirs:
        for name in sorted(os.listdir(d)):
            if name.endswith(".c"):
                path = os.path.join(d, name)
                for fn, line, length in functions(path):
                    found.append((length, "%s:%d" % (path, line), fn))
    found.sort(reverse=True)
    for length, where, fn in found[:listing]:
        print("%5d %s %s" % (length, where, fn))
    bad = [x for x in found if x[0] > limit]
    for length, where, fn in bad:
        print("%s: %s() is %d lines long (at most %d): split it"
              % (where, fn, length, limit), file=sys.stderr)
    if not found:
        print("no C functions found in %s" % " ".join(dirs), file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
