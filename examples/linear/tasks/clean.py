#!/usr/bin/env python3
"""Drop blank lines and '#' comments from a CSV file.
---
inputs:
  raw: {type: csv, description: CSV file that may hold comments}
outputs:
  -o: {type: csv, description: The same rows without comments}
---
"""
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("raw")
parser.add_argument("-o", required=True)
args = parser.parse_args()

os.makedirs(os.path.dirname(args.o) or ".", exist_ok=True)
kept = 0
with open(args.raw) as src, open(args.o, "w") as dst:
    for line in src:
        if line.strip() and not line.lstrip().startswith("#"):
            dst.write(line)
            kept += 1
print(f"kept {kept} lines of {args.raw}")
