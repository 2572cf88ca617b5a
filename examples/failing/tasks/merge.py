#!/usr/bin/env python3
"""Combine the letter counts and the check result.
---
inputs:
  letters: {type: json}
  checked: {type: txt}
outputs:
  -o: {type: txt}
---
"""
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("letters")
p.add_argument("checked")
p.add_argument("-o", required=True)
a = p.parse_args()
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    f.write(open(a.checked).read() + open(a.letters).read())
