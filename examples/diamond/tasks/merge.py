#!/usr/bin/env python3
"""Write a summary of letter and length counts.
---
inputs:
  letters: {type: json, description: Letter counts}
  lengths: {type: json, description: Word length counts}
outputs:
  -o: {type: txt, description: Summary}
---
"""
import argparse
import json
import os

p = argparse.ArgumentParser()
p.add_argument("letters")
p.add_argument("lengths")
p.add_argument("-o", required=True)
a = p.parse_args()
letters = json.load(open(a.letters))
lengths = json.load(open(a.lengths))
top = max(letters, key=lambda k: (letters[k], k))
os.makedirs(os.path.dirname(a.o) or ".", exist_ok=True)
with open(a.o, "w") as f:
    f.write(f"most common letter: {top} ({letters[top]})\n")
    f.write(f"word lengths: {lengths}\n")
print(f"most common letter: {top}")
