#!/usr/bin/env python3
"""Train a classifier (a stand-in: averages the features).
---
inputs:
  data: {type: csv, description: Features, one row per frame}
outputs:
  -o: {type: model, description: The trained model}
args:
  --lr: {type: float, default: 0.01, description: Learning rate}
  --epochs: {type: int, default: 10, description: Passes over the data}
---
"""
import argparse
import csv
import json
import os

p = argparse.ArgumentParser()
p.add_argument("data")
p.add_argument("-o", required=True)
p.add_argument("--lr", default="0.01")
p.add_argument("--epochs", type=int, default=10)
a = p.parse_args()
with open(a.data, newline="") as f:
    rows = list(csv.DictReader(f))
mean = sum(float(r["length"]) for r in rows) / max(1, len(rows))
for epoch in range(a.epochs):
    if epoch % max(1, a.epochs // 4) == 0:
        print(f"epoch {epoch + 1}/{a.epochs}")
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    json.dump({"lr": a.lr, "epochs": a.epochs, "rows": len(rows),
               "mean_length": mean}, f)
print(f"model saved to {a.o}")
