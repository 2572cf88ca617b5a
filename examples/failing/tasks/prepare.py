#!/usr/bin/env python3
"""Split text into lower-case words, one per line.
---
inputs:
  words: {type: txt, description: Any text}
outputs:
  -o: {type: txt, description: One lower-case word per line}
---
"""
import argparse
import os

p = argparse.ArgumentParser()
p.add_argument("words")
p.add_argument("-o", required=True)
a = p.parse_args()
with open(a.words) as f:
    words = [w.lower() for w in f.read().split()]
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    f.write("\n".join(words) + "\n")
print(f"{len(words)} words")
