#!/usr/bin/env python3
"""Write the training configuration, keeping the values as spelled.
---
outputs:
  -o: {type: json}
args:
  --lr: {type: float, required: true, description: Learning rate}
  --decay: {type: float, required: true, description: Weight decay}
  --label: {type: str, default: run}
---
"""
import argparse
import json
import os

p = argparse.ArgumentParser()
p.add_argument("-o", required=True)
p.add_argument("--lr", required=True)
p.add_argument("--decay", required=True)
p.add_argument("--label", default="run")
a = p.parse_args()
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    json.dump({"lr": a.lr, "decay": a.decay, "label": a.label}, f)
print(f"lr={a.lr} decay={a.decay} label={a.label}")
