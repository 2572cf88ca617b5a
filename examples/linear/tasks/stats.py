#!/usr/bin/env python3
"""Mean, minimum and maximum of every numeric column of a CSV file.
---
inputs:
  table: {type: csv, description: A CSV file with a header row}
outputs:
  -o: {type: json, description: Statistics per column}
---
"""
import argparse
import csv
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("table")
parser.add_argument("-o", required=True)
args = parser.parse_args()

with open(args.table, newline="") as f:
    rows = list(csv.DictReader(f))
stats = {}
for column in rows[0].keys():
    values = [float(r[column]) for r in rows]
    stats[column] = {
        "mean": round(sum(values) / len(values), 4),
        "min": min(values),
        "max": max(values),
    }
os.makedirs(os.path.dirname(args.o) or ".", exist_ok=True)
with open(args.o, "w") as f:
    json.dump(stats, f, indent=2, sort_keys=True)
print(f"{len(rows)} rows, {len(stats)} columns")
