#!/usr/bin/env bash
# Fail when the word list is longer than --max-words (it is, on purpose).
# ---
# inputs:
#   words: {type: txt, description: One word per line}
# outputs:
#   -o: {type: txt, description: Says ok when the list is short enough}
# args:
#   --max-words: {type: int, required: true}
# ---
set -euo pipefail
words=$1 out=$3 max=$5
n=$(wc -l <"$words")
if [ "$n" -gt "$max" ]; then
	echo "check: $n words, more than $max" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
echo ok >"$out"
