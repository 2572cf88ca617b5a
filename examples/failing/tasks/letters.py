#!/usr/bin/env python3
"""Count the letters of a word list.
---
inputs:
  words: {type: txt, description: One word per line}
outputs:
  -o: {type: json, description: Letter counts}
---
"""
import argparse
import collections
import json
import os

p = argparse.ArgumentParser()
p.add_argument("words")
p.add_argument("-o", required=True)
a = p.parse_args()
counts = collections.Counter("".join(open(a.words).read().split()))
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
json.dump(dict(sorted(counts.items())), open(a.o, "w"))
print(f"{len(counts)} distinct letters")
