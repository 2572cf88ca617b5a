#!/usr/bin/env python3
"""Extract features from video (a stand-in: one row per line of input).
---
inputs:
  video: {type: video, description: Input video file}
outputs:
  -o: {type: csv, description: Output features}
args:
  --sample-rate: {type: int, default: 30, description: Frames per second}
---
"""
import argparse
import csv
import os

p = argparse.ArgumentParser()
p.add_argument("video")
p.add_argument("-o", required=True)
p.add_argument("--sample-rate", type=int, default=30)
a = p.parse_args()
with open(a.video, errors="replace") as f:
    frames = [line.strip() for line in f if line.strip()]
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["frame", "length", "words"])
    for i, frame in enumerate(frames):
        w.writerow([i, len(frame), len(frame.split())])
print(f"extracted {len(frames)} frames from {os.path.basename(a.video)}")
