#!/usr/bin/env bash
# Write one number to a file.
# ---
# outputs:
#   -o: {type: txt}
# args:
#   --value: {type: int, required: true}
# ---
set -euo pipefail
out=$2 value=$4
mkdir -p "$(dirname "$out")"
echo "$value" >"$out"
echo "wrote $value"
