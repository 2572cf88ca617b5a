#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fails when the modules of a folder include each other in a cycle.

    include-cycles.py DIR [--allow A,B,...]...

A module is a .c file and its .h (loomd/http.c and loomd/http.h are the
module http). Module A depends on module B when A's .c or .h includes
"DIR/B.h" (B not A). Every cycle of that graph is printed with the
include lines that make it, and the script exits 1 unless each cycle
lies inside one --allow set (a cycle known and being worked on, named
with a comment where the test is registered).
"""
import os
import re
import sys


def graph(folder):
    base = os.path.basename(os.path.normpath(folder))
    pat = re.compile(r'^\s*#\s*include\s+"%s/([^"]+)\.h"' % re.escape(base))
    deps, why = {}, {}
    for name in sorted(os.listdir(folder)):
        mod, ext = os.path.splitext(name)
        if ext not in (".c", ".h"):
            continue
        deps.setdefault(mod, set())
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                m = pat.match(line)
                if m and m.group(1) != mod:
                    deps[mod].add(m.group(1))
                    why.setdefault((mod, m.group(1)),
                                   "%s/%s:%d" % (base, name, n))
    for targets in list(deps.values()):
        for t in targets:
            deps.setdefault(t, set())
    return deps, why


def components(deps):
    """Strongly connected components with more than one module
    (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    return out


def main():
    folder, allow, args = sys.argv[1], [], sys.argv[2:]
    while args:
        if args[0] != "--allow" or len(args) < 2:
            print(__doc__, file=sys.stderr)
            return 2
        allow.append(set(args[1].split(",")))
        args = args[2:]
    deps, why = graph(folder)
    bad = 0
    for comp in components(deps):
        allowed = any(set(comp) <= a for a in allow)
        print("%s include cycle among %s:" % (
            "allowed" if allowed else "FAIL", ", ".join(comp)))
        for a in comp:
            for b in sorted(deps[a] & set(comp)):
                print("    %s includes %s.h" % (why[(a, b)], b))
        bad += not allowed
    print("%d modules, %d cycles not allowed" % (len(deps), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
