#!/usr/bin/env python3
"""Upper-case a text file.
---
inputs:
  src: {type: txt, description: Any text file}
outputs:
  -o: {type: txt, description: The same text in capitals}
---
"""
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("src")
p.add_argument("-o", required=True)
a = p.parse_args()
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.src) as f, open(a.o, "w") as g:
    g.write(f.read().upper())
print(f"{os.path.basename(a.src)} -> {a.o}")
