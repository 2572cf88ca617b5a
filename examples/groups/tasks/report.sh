#!/usr/bin/env bash
# Put the sum and the product into one report.
# ---
# inputs:
#   sum: {type: txt}
#   product: {type: txt}
# outputs:
#   -o: {type: txt}
# ---
set -euo pipefail
sum=$1 product=$2 out=$4
mkdir -p "$(dirname "$out")"
printf 'sum %s\nproduct %s\n' "$(cat "$sum")" "$(cat "$product")" >"$out"
cat "$out"
