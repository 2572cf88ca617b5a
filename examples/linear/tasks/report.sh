#!/usr/bin/env bash
# Turn the statistics into a short text report.
# ---
# inputs:
#   stats: {type: json, description: Statistics per column}
# outputs:
#   -o: {type: txt, description: The report}
# ---
set -euo pipefail
stats=$1
[ "$2" = "-o" ] || { echo "usage: report.sh STATS -o OUT" >&2; exit 2; }
out=$3
mkdir -p "$(dirname "$out")"
{
	echo "Report on $(basename "$stats")"
	python3 -c 'import json, sys
for k, v in sorted(json.load(open(sys.argv[1])).items()):
    print("  %s: mean %s, range %s..%s" % (k, v["mean"], v["min"], v["max"]))' "$stats"
} >"$out"
echo "wrote $out"
