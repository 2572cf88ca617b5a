#!/usr/bin/env python3
"""Draw a text bar chart of numbers.
---
inputs:
  numbers: {type: txt, description: One number per line}
outputs:
  -o: {type: txt, description: The chart}
---
"""
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("numbers")
p.add_argument("-o", required=True)
a = p.parse_args()
values = [int(x) for x in open(a.numbers).read().split()]
top = max(values)
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    for v in values:
        f.write(f"{v:4d} {'#' * max(1, round(40 * v / top))}\n")
print(f"chart of {len(values)} values")
