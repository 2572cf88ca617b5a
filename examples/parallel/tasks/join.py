#!/usr/bin/env python3
"""Concatenate files.
---
inputs:
  a: {type: txt}
  b: {type: txt}
  c: {type: txt}
  d: {type: txt}
outputs:
  -o: {type: txt}
---
"""
import os
import sys

args = sys.argv[1:]
out = args[args.index("-o") + 1]
parts = [x for i, x in enumerate(args) if x != "-o" and (i == 0 or args[i - 1] != "-o")]
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
with open(out, "w") as f:
    for part in parts:
        f.write(open(part).read())
print(f"joined {len(parts)} files")
