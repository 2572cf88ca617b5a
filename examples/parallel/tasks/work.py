#!/usr/bin/env python3
"""Pretend to work for a while; record start and end times.
---
outputs:
  -o: {type: txt, description: "id start end (seconds since the epoch)"}
args:
  --id: {type: int, required: true}
  --seconds: {type: float, default: 0.3, description: How long to work}
---
"""
import argparse
import os
import time

p = argparse.ArgumentParser()
p.add_argument("-o", required=True)
p.add_argument("--id", type=int, required=True)
p.add_argument("--seconds", type=float, default=0.3)
a = p.parse_args()
start = time.time()
print(f"worker {a.id} starting")
time.sleep(a.seconds)
end = time.time()
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    f.write(f"{a.id} {start:.6f} {end:.6f}\n")
print(f"worker {a.id} done")
