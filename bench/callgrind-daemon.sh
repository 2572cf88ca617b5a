#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# loomd's instructions per step, counted by callgrind: the daemon runs
# under valgrind --tool=callgrind, a --force chain of SMALL and then of
# BIG trivial shell steps is run once to warm up and once counted (the
# counters are zeroed before and dumped after the counted run; children
# are not traced). Prints the instructions of each counted run and
# (big - small) / (BIG - SMALL), the instructions per step; the dumps
# are kept as $OUT/callgrind.out.{small,big} for callgrind_annotate.
# Under valgrind a run lasts long enough for the record's timer
# (RUN_RECORD_DELAY_MS) to fire, which it rarely does on a short run
# outside it: the count without those timed record writes is printed too.
#
#   bench/callgrind-daemon.sh build-rel/bin [SMALL] [BIG] [OUT]
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build-rel/bin}
small=${2:-20}
big=${3:-220}
out=${4:-.}
[ -x "$bin/loomctl" ] && [ -x "$bin/loomd" ] ||
	{ echo "usage: $0 BIN_DIR [SMALL] [BIG] [OUT]" >&2; exit 2; }
command -v callgrind_control >/dev/null ||
	{ echo "$0: needs valgrind (callgrind_control)" >&2; exit 2; }
out=$(cd "$out" && pwd)
. "$(dirname "$0")/lib.sh"
bench_private "$bin/loomctl" 3600
pid=
bench_cleanup() { [ -z "$pid" ] || wait "$pid" 2>/dev/null; }

# count N NAME: the instructions of loomd over one counted --force run
# of a chain of N steps (after a warm-up run), dumped to callgrind.out.NAME.
count() {
	local exp=$tmp/exp-$1 f
	bench_shell_chain "$exp" "$1"
	rm -f "$LOOM_SOCKET" "$tmp"/cg.*
	valgrind --tool=callgrind --trace-children=no \
	    --callgrind-out-file="$tmp/cg.%p" \
	    "$bin/loomd" --foreground 2>"$tmp/loomd.err" &
	pid=$!
	while [ ! -S "$LOOM_SOCKET" ]; do sleep 0.05; done
	"$bin/loomctl" run --force --no-progress "$exp/chain.yml" >/dev/null
	callgrind_control -z "$pid" >/dev/null 2>&1
	"$bin/loomctl" run --force --no-progress "$exp/chain.yml" >/dev/null
	callgrind_control -d "$pid" >/dev/null 2>&1
	"$bin/loomctl" daemon stop >/dev/null
	wait "$pid" || true
	pid=
	# the dump made by -d (the last one at exit is the shutdown)
	f=$(ls "$tmp"/cg.*.* 2>/dev/null | head -1)
	cp "$f" "$out/callgrind.out.$2"
	awk '/^summary:|^totals:/ { print $2; exit }' "$f"
}

# timed NAME: the instructions of the timed record writes in a dump.
timed() {
	callgrind_annotate --inclusive=yes --threshold=100 \
	    "$out/callgrind.out.$1" 2>/dev/null |
	    awk '/:run_record_cb / { gsub(",", "", $1); print $1; f = 1 }
		END { if (!f) print 0 }'
}

a=$(count "$small" small)
b=$(count "$big" big)
ta=$(timed small)
tb=$(timed big)
echo "loomd instructions: $small steps $a, $big steps $b"
echo "per step: $(( (b - a) / (big - small) ))"
echo "per step without timed record writes:" \
    "$(( (b - tb - a + ta) / (big - small) ))"
