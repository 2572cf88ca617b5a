#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What stamps cost the daemon, per step, in CPU time (utime + stime of
# loomd from /proc, so other load on the machine does not count):
#   forced     RUNS runs of an N-step chain with --force (a running marker
#              rewritten in place, then the stamp of the step's output set)
#   check      RUNS runs with everything up to date (the freshness check)
#   first run  RUNS forced runs after removing .loom/stamps (each step's
#              folder of output sets made, its first stamp written)
# Run it against two release builds to compare them:
#   bench/bench-stamps.sh build-rel/bin [STEPS] [RUNS]
set -euo pipefail
bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
n=${2:-200}
runs=${3:-10}
[ -x "$bin/loomctl" ] || { echo "usage: $0 BIN_DIR [STEPS] [RUNS]" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
bench_private "$bin/loomctl" 300
exp=$tmp/exp
mkdir -p "$exp/tasks" "$exp/d"
printf '#!/bin/sh\n' >"$exp/tasks/noop"
chmod +x "$exp/tasks/noop"
{
	echo "data:"
	for i in $(seq 0 "$n"); do echo "  f$i: {path: d/$i}"; done
	echo "pipeline:"
	for i in $(seq 1 "$n"); do
		echo "  - {name: s$i, task: tasks/noop, inputs: {i: \$f$((i - 1))}, outputs: {-o: \$f$i}}"
	done
} >"$exp/chain.yml"
for i in $(seq 0 "$n"); do echo x >"$exp/d/$i"; done
"$bin/loomctl" run --force --no-progress "$exp/chain.yml" >/dev/null
pid=$(cat "$LOOM_SOCKET.pid")
hz=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
# measure LABEL PREPARE ARGS...: loomd CPU per step over RUNS runs
measure() {
	local label=$1 prep=$2 a b
	shift 2
	a=$(cpu)
	for _ in $(seq "$runs"); do
		$prep
		"$bin/loomctl" run --no-progress "$@" "$exp/chain.yml" >/dev/null
	done
	b=$(cpu)
	awk -v a="$a" -v b="$b" -v hz="$hz" -v s=$((n * runs)) -v l="$label" \
	    'BEGIN { printf "  %-10s %.3f ms/step (%d ticks over %d steps)\n", l, (b - a) * 1000 / hz / s, b - a, s }'
}
nothing() { :; }
nostamps() { rm -rf "$exp/.loom/stamps"; }
echo "loomd CPU per step, $n-step chain, $runs runs each:"
measure forced nothing --force
measure check nothing
measure "first run" nostamps --force
