#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Counts that do not move with the machine's load, for the commands of
# bench-plan-cli.sh on one generated pipeline (default: a 10,000-step
# chain): user-space instructions (valgrind --tool=callgrind), page
# faults and peak resident memory (GNU time), and for an up-to-date run
# and for status FILE the daemon's instructions over it (every thread;
# loomd runs under callgrind in the foreground for that one command).
# status is counted twice: with no daemon (loomctl works alone) and,
# as status-d, with the daemon the run started (loomctl asks it). Needs
# valgrind and /usr/bin/time (Debian packages valgrind, time).
#   bench/count-plan.sh BUILD [STEPS] [SHAPE]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
STEPS=${2:-10000}
SHAPE=${3:-chain}
LIB="$BUILD/common/libloomcommon.a"
LOOMCTL="$BUILD/bin/loomctl"
LOOMD="$BUILD/bin/loomd"
[ -f "$LIB" ] && [ -x "$LOOMCTL" ] || { echo "no $LIB or $LOOMCTL: build first" >&2; exit 2; }
command -v valgrind >/dev/null && [ -x /usr/bin/time ] ||
    { echo "needs valgrind and /usr/bin/time" >&2; exit 2; }
. "$SRC/bench/lib.sh"
bench_private "$LOOMCTL"
unset VIRTUAL_ENV
bench_stamp_tool "$SRC" "$LIB" "$tmp/bench-stamp"

# Ir of a callgrind output file: the "totals:" or "summary:" line.
ir() { sed -n 's/^\(totals\|summary\): *\([0-9]*\).*/\2/p' "$1" | head -n 1; }

count() {
	local name=$1 out=$tmp/cg.$1 mem
	shift
	valgrind --tool=callgrind --callgrind-out-file="$out" "$@" \
	    >/dev/null 2>"$tmp/vg.err" || { cat "$tmp/vg.err" >&2; exit 1; }
	mem=$(/usr/bin/time -f '%R %M' "$@" 2>&1 >/dev/null | tail -n 1)
	printf '  %-12s %6d M instructions  %6s page faults  %6s KiB peak\n' \
	    "$name" $(( $(ir "$out") / 1000000 )) ${mem% *} ${mem#* }
}

dir="$tmp/$SHAPE"
file="$dir/experiment.yml"
python3 "$SRC/bench/gen-pipeline.py" --steps "$STEPS" --shape "$SHAPE" "$dir"
echo "== $STEPS steps, shape $SHAPE"
count validate "$LOOMCTL" validate "$file"
count dry-run "$LOOMCTL" run --dry-run "$file"
"$tmp/bench-stamp" "$file"
count status "$LOOMCTL" status "$file"
count run "$LOOMCTL" run "$file"
count status-d "$LOOMCTL" status "$file"
count clean "$LOOMCTL" clean --dry-run "$file"
"$LOOMCTL" daemon stop >/dev/null 2>&1 || true

# The daemon over one command: started under callgrind, warmed up by
# one such command, then counted from its start to its exit minus the
# warm-up (each daemon run is a separate file: --dump-every-bb is not
# needed, callgrind's dump at exit covers all threads with -separate).
# daemon_count NAME WHAT CMD...
daemon_count() {
	local name=$1 what=$2 one two n
	shift 2
	mkdir -p "$tmp/cgd"
	for n in 1 2; do
		valgrind --tool=callgrind \
		    --callgrind-out-file="$tmp/cgd/$name.$n.%p" \
		    "$LOOMD" -f --idle-timeout 600 2>"$tmp/loomd.err" &
		dpid=$!
		for i in $(seq 600); do [ -S "$LOOM_SOCKET" ] && break; sleep 0.1; done
		"$@" >/dev/null
		[ "$n" = 1 ] || "$@" >/dev/null
		"$LOOMCTL" daemon stop >/dev/null
		wait "$dpid" || true
		if [ "$n" = 1 ]; then
			one=$(ir "$tmp/cgd/$name.1.$dpid")
		else
			two=$(ir "$tmp/cgd/$name.2.$dpid")
		fi
	done
	printf '  %-12s %6d M instructions (loomd, all threads, %s)\n' \
	    "$name" $(( (two - one) / 1000000 )) "$what"
}
daemon_count run-loomd "one up-to-date run" \
    "$LOOMCTL" --timeout 900 run "$file"
daemon_count status-loomd "one status FILE" \
    "$LOOMCTL" --timeout 900 status "$file"
