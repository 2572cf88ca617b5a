#!/usr/bin/env python3
"""Pretend to train; write a model file naming the settings.
---
inputs:
  config: {type: json}
outputs:
  --model: {type: txt}
args:
  --epochs: {type: int, default: 1}
  --lr: {type: float, required: true}
  --verbose: {type: bool, description: Print every epoch}
---
"""
import argparse
import json
import os

p = argparse.ArgumentParser()
p.add_argument("config")
p.add_argument("--model", required=True)
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--lr", required=True)
p.add_argument("--verbose", action="store_true")
a = p.parse_args()
config = json.load(open(a.config))
loss = 1.0
for epoch in range(1, a.epochs + 1):
    loss *= 0.5
    if a.verbose:
        print(f"epoch {epoch}/{a.epochs} loss {loss:.4f}")
os.makedirs(os.path.dirname(a.model) or ".", exist_ok=True)
with open(a.model, "w") as f:
    f.write(f"lr {a.lr} decay {config['decay']} epochs {a.epochs} "
            f"label {config['label']} loss {loss}\n")
print(f"model written to {a.model}")
