#!/usr/bin/env python3
"""Add or multiply two numbers read from files.
---
inputs:
  x: {type: txt}
  y: {type: txt}
outputs:
  -o: {type: txt}
args:
  --op: {type: str, choices: [add, mul], required: true}
---
"""
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("x")
p.add_argument("y")
p.add_argument("-o", required=True)
p.add_argument("--op", choices=["add", "mul"], required=True)
a = p.parse_args()
x = int(open(a.x).read())
y = int(open(a.y).read())
r = x + y if a.op == "add" else x * y
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
open(a.o, "w").write(f"{r}\n")
print(f"{x} {a.op} {y} = {r}")
