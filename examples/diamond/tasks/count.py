#!/usr/bin/env python3
"""Count letters or word lengths of a word list.
---
inputs:
  words: {type: txt, description: One word per line}
outputs:
  -o: {type: json, description: Counts}
args:
  --what: {type: str, default: letters, choices: [letters, lengths]}
---
"""
import argparse
import collections
import json
import os

p = argparse.ArgumentParser()
p.add_argument("words")
p.add_argument("-o", required=True)
p.add_argument("--what", choices=["letters", "lengths"], default="letters")
a = p.parse_args()
with open(a.words) as f:
    words = f.read().split()
if a.what == "letters":
    counts = collections.Counter("".join(words))
else:
    counts = collections.Counter(str(len(w)) for w in words)
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    json.dump(dict(sorted(counts.items())), f, indent=1)
print(f"{a.what}: {len(counts)} distinct")
