#!/usr/bin/env python3
"""Write the squares of 1..count, one per line.
---
outputs:
  -o: {type: txt}
args:
  --count: {type: int, default: 5}
---
"""
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("-o", required=True)
p.add_argument("--count", type=int, default=5)
a = p.parse_args()
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    for i in range(1, a.count + 1):
        f.write(f"{i * i}\n")
print(f"{a.count} numbers")
