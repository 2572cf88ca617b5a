#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# loomctl's own cost over an attached run (docs/running.md, "Performance"):
# CPU ms (perf stat's task-clock: user+sys of loomctl alone), its system
# calls (strace -c: all of them, and the waits for the daemon, poll and
# recvmsg) and write(2) calls to stdout, and with BENCH_CALLGRIND=1 its
# instructions (callgrind: a count the load does not move; this VM has
# no hardware counters for perf), per step, for a chain of 200 shell
# steps and a loop of 500 shell items, run sequentially with --force and
# stdout to a file.
#   bench/bench-ctl.sh BIN_DIR [ROUNDS]
# Prints one line per shape and round: "SHAPE cpu-ms/step syscalls/step
# waits/step writes/step [instructions/step]" (starting, loading and
# validating the file locally included).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build-rel/bin}
rounds=${2:-3}
[ -x "$bin/loomctl" ] && [ -x "$bin/loomd" ] ||
	{ echo "usage: $0 BIN_DIR [ROUNDS] (no loomctl/loomd in $bin)" >&2; exit 2; }
command -v perf >/dev/null && command -v strace >/dev/null ||
	{ echo "$0: needs perf and strace" >&2; exit 2; }
. "$here/lib.sh"
bench_private "$bin/loomctl" 3600
exp=$tmp/exp
bench_shell_chain "$exp" 200
mkdir -p "$exp/items" "$exp/outs"
for i in $(seq 1 500); do echo "$i" >"$exp/items/$i"; done
bench_seq_loop "$exp/loop.yml"
declare -A steps=([chain]=200 [loop]=500)
"$bin/loomctl" daemon start >/dev/null
echo "loomctl per step, attached, stdout to a file; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq 1 "$rounds"); do
	for s in chain loop; do
		n=${steps[$s]}
		perf stat -x, -e task-clock -o "$tmp/perf" \
		    "$bin/loomctl" run --force --no-progress "$exp/$s.yml" >"$tmp/out"
		strace -f -c -o "$tmp/count" \
		    "$bin/loomctl" run --force --no-progress "$exp/$s.yml" >"$tmp/out"
		strace -e trace=write -o "$tmp/strace" \
		    "$bin/loomctl" run --force --no-progress "$exp/$s.yml" >"$tmp/out"
		ins=
		if [ -n "${BENCH_CALLGRIND:-}" ]; then
			valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			    "$bin/loomctl" run --force --no-progress "$exp/$s.yml" \
			    >"$tmp/out" 2>"$tmp/cg"
			ins=$(sed -n 's/.*I *refs: *//p' "$tmp/cg" | tr -d ,)
		fi
		calls=$(awk '$NF == "total" { print $4 }' "$tmp/count")
		waits=$(awk '$NF == "poll" || $NF == "recvmsg" { w += $4 }
			END { print w + 0 }' "$tmp/count")
		awk -F, -v n="$n" -v s="$s" -v w="$(grep -c "^write(1," "$tmp/strace")" \
		    -v calls="$calls" -v waits="$waits" -v ins="$ins" '
			$3 == "task-clock" { c = $1 }
			END { printf "%-6s %.3f ms/step  %.2f syscalls/step  %.2f waits/step  %.2f writes/step",
			    s, c / n, calls / n, waits / n, w / n
			    if (ins != "") printf "  %.1f k instructions/step", ins / n / 1000
			    printf "\n" }' "$tmp/perf"
	done
done
