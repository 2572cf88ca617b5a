#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# How fast loomctl reaches the daemon (README, "Development"):
#   warm   `loomctl status` and `loomctl daemon status` against a running
#          daemon (budget: a few milliseconds)
#   cold   `loomctl daemon status` with no daemon running, the daemon's
#          start included (budget: under 100 ms)
#   ref    `loomctl --help`: starting the loomctl process alone, the floor
#          under both (the difference is the daemon's share)
#   history  the same warm and cold figures once the daemon has a history:
#          BENCH_HISTORY runs (default 20) of a 500-step pipeline, whose
#          records `loomctl status` lists and the daemon's start checks
# Uses hyperfine when present (else a plain timing loop) and prints the
# mean and spread of each. Measure a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   bench/bench-status.sh build-rel/bin
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
loomctl="$bin/loomctl"
[ -x "$loomctl" ] || { echo "usage: $0 BIN_DIR (no loomctl in $bin)" >&2; exit 2; }
. "$(dirname "$0")/lib.sh"
bench_private "$loomctl" 120

# stop_daemon: used between cold runs; waits until the socket is gone.
cat >"$tmp/stop.sh" <<EOS
#!/bin/sh
"$loomctl" daemon stop >/dev/null 2>&1 || true
while [ -e "$LOOM_SOCKET" ] || [ -e "$LOOM_SOCKET.pid" ]; do sleep 0.005; done
EOS
chmod +x "$tmp/stop.sh"

# time_loop N CMD...: mean and min in ms without hyperfine.
time_loop() {
	local n=$1 i t0 t1 sum=0 min=
	shift
	for i in $(seq "$n"); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		sum=$((sum + t1 - t0))
		[ -z "$min" ] || [ $((t1 - t0)) -lt "$min" ] && min=$((t1 - t0))
	done
	awk -v s="$sum" -v n="$n" -v m="$min" \
	    'BEGIN { printf "mean %.2f ms, min %.2f ms (%d runs)\n", s / n / 1e6, m / 1e6, n }'
}

# report WARM.json COLD.json SUFFIX: one line per hyperfine result.
report() {
	python3 - "$@" <<'PY'
import json, sys
for label, path in (("warm", sys.argv[1]), ("cold", sys.argv[2])):
    for r in json.load(open(path))["results"]:
        cmd = r["command"].split("/")[-1]
        kind = "ref" if cmd.endswith("--help") else label
        print("%-5s %-22s mean %6.2f ms  sd %5.2f  min %6.2f  max %6.2f  (%d runs%s)"
              % (kind, cmd, r["mean"] * 1e3, r["stddev"] * 1e3,
                 r["min"] * 1e3, r["max"] * 1e3, len(r["times"]), sys.argv[3]))
PY
}

echo "loomctl: $loomctl"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$loomctl" daemon status >/dev/null
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 10 --runs 200 --export-json "$tmp/warm.json" \
	    "$loomctl --help" "$loomctl status" "$loomctl daemon status" \
	    >/dev/null
	"$tmp/stop.sh"
	hyperfine -N --runs 30 --prepare "$tmp/stop.sh" \
	    --export-json "$tmp/cold.json" "$loomctl daemon status" >/dev/null
	report "$tmp/warm.json" "$tmp/cold.json" ""
else
	echo -n "ref   loomctl --help          "; time_loop 200 "$loomctl" --help
	echo -n "warm  loomctl status          "; time_loop 200 "$loomctl" status
	echo -n "warm  loomctl daemon status   "; time_loop 200 "$loomctl" daemon status
	n=0; sum=0
	for i in $(seq 30); do
		"$tmp/stop.sh"
		t0=$(date +%s%N); "$loomctl" daemon status >/dev/null; t1=$(date +%s%N)
		sum=$((sum + t1 - t0)); n=$((n + 1))
	done
	awk -v s="$sum" -v n="$n" 'BEGIN { printf "cold  loomctl daemon status   mean %.2f ms (%d runs)\n", s / n / 1e6, n }'
fi

# With a history of runs.
runs=${BENCH_HISTORY:-20}
[ "$runs" -gt 0 ] || exit 0
mkdir -p "$tmp/exp/tasks"
ln -s /bin/true "$tmp/exp/tasks/noop"
{
	echo "execution: {parallel: true, max_workers: $(nproc)}"
	echo "pipeline:"
	for i in $(seq 500); do echo "  - {name: s$i, task: tasks/noop}"; done
} >"$tmp/exp/big.yml"
"$loomctl" daemon status >/dev/null
for _ in $(seq "$runs"); do
	"$loomctl" run --force --no-progress "$tmp/exp/big.yml" >/dev/null
done
echo "history: $runs runs of 500 steps ($(du -sh "$tmp/exp/.loom/runs" | cut -f1) of records)"
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 5 --runs 50 --export-json "$tmp/hwarm.json" \
	    "$loomctl status" >/dev/null
	"$tmp/stop.sh"
	hyperfine -N --runs 20 --prepare "$tmp/stop.sh" \
	    --export-json "$tmp/hcold.json" "$loomctl daemon status" >/dev/null
	report "$tmp/hwarm.json" "$tmp/hcold.json" ", with history"
else
	echo -n "warm  loomctl status (history)        "; time_loop 50 "$loomctl" status
fi
