#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Where loomd's own time goes while it runs a chain of STEPS trivial steps
# (a shell script writing its output), with --force, after one warm-up run:
#   perf        (default) `perf record -g --no-inherit` of the loomd
#               process, its threads only: a profiler that follows the
#               children adds its own cost to every vfork (a counter set
#               up for each child), and samples of a task taken before
#               perf learns of its exec are put down to "loomd". The
#               vforked child's work before exec is the task's (as in
#               bench-runner.sh). Prints the top symbols (self time) and
#               the time under each system call.
#   strace      `strace -c` of the daemon alone (all its threads): its
#               system calls, counted, and their number per step
#   strace-f    `strace -c -f`: the same with the children (tasks included)
# perf needs perf_event_paranoid <= 1 or root; where it cannot run, the
# script says so: use the strace modes. With WORKERS 2 the pipeline is
# STEPS independent steps instead, run 2 at a time. With BENCH_SHAPE=loop
# it is one step looping over STEPS files, one at a time. With
# BENCH_TASK=python every step is a small Python script instead, as in
# bench-runner.sh: steps of tens of ms, after which the daemon wakes on a
# CPU that went idle or ran Python (python3 from PATH: a version
# manager's shim first on PATH would make every step take seconds).
#
#   bench/profile-daemon.sh build-rel/bin [perf|strace|strace-f] [STEPS] [WORKERS]
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build-rel/bin}
mode=${2:-perf}
n=${3:-200}
workers=${4:-1}
shape="$n-step chain"
[ "${BENCH_TASK:-sh}" = python ] && shape="$n-step chain of Python steps"
[ "$workers" = 1 ] || shape="$n independent steps, $workers workers"
[ "${BENCH_SHAPE:-chain}" = loop ] && shape="loop over $n items"
[ -x "$bin/loomctl" ] && [ -x "$bin/loomd" ] ||
	{ echo "usage: $0 BIN_DIR [perf|strace|strace-f] [STEPS] [WORKERS]" >&2; exit 2; }
case $mode in
perf | strace | strace-f) ;;
*) echo "$0: mode is perf, strace or strace-f" >&2; exit 2 ;;
esac
. "$(dirname "$0")/lib.sh"
bench_private "$bin/loomctl" 3600
pid=
bench_cleanup() { [ -z "$pid" ] || wait "$pid" 2>/dev/null; }

exp=$tmp/exp
bench_shell_chain "$exp" "$n"
if [ "$workers" != 1 ]; then
	mkdir -p "$exp/o"
	{
		echo "execution: {parallel: true, max_workers: $workers}"
		echo "pipeline:"
		for i in $(seq 1 "$n"); do
			echo "  - {name: s$i, task: tasks/step.sh, outputs: {-o: o/$i}}"
		done
	} >"$exp/chain.yml"
fi
if [ "${BENCH_SHAPE:-chain}" = loop ]; then
	mkdir -p "$exp/items" "$exp/outs"
	for i in $(seq 1 "$n"); do echo "$i" >"$exp/items/$i"; done
	bench_seq_loop "$exp/chain.yml"
fi

"$bin/loomd" --foreground 2>"$tmp/loomd.err" &
pid=$!
while [ ! -S "$LOOM_SOCKET" ]; do sleep 0.01; done
if [ "${BENCH_TASK:-sh}" = python ]; then
	printf 'import sys\nopen(sys.argv[-1], "w").write("x\\n")\n' >"$exp/tasks/step.py"
	sed -i 's|tasks/step.sh|tasks/step.py|' "$exp/chain.yml"
fi

run() { "$bin/loomctl" run --force --no-progress "$exp/chain.yml" >/dev/null; }
run	# warm-up: stamps folders made, caches filled

# ready: the profiler is attached (perf has its data file, strace shows
# as the daemon's tracer).
ready() {
	[ -s "$tmp/perf.data" ] ||
	    [ "$(awk '/TracerPid/ { print $2 }' "/proc/$pid/status")" != 0 ]
}
# record CMD...: run the profiler CMD against loomd around one run.
record() {
	"$@" 2>"$tmp/prof.err" &
	local prof=$!
	until ready; do
		kill -0 "$prof" 2>/dev/null || { cat "$tmp/prof.err" >&2; return 1; }
		sleep 0.05
	done
	run
	kill -INT "$prof"
	wait "$prof" || true
}

case $mode in
perf)
	command -v perf >/dev/null || { echo "$0: no perf here: use the strace modes" >&2; exit 1; }
	record perf record -q -g -F 4999 --no-inherit -p "$pid" -o "$tmp/perf.data" ||
		{ echo "$0: perf cannot run here: use the strace modes" >&2; exit 1; }
	echo "loomd (its threads), $shape: top symbols, self time"
	perf report -i "$tmp/perf.data" --comm loomd --no-children --sort dso,sym \
	    --stdio -g none --percent-limit 0.7 2>/dev/null | grep -v '^$' | head -60
	echo
	echo "by system call (kernel time under each, the functions it calls included):"
	perf report -i "$tmp/perf.data" --comm loomd --children --sort sym --stdio \
	    -g none 2>/dev/null | grep -E '__x64_sys_|__do_sys_' | head -25
	;;
strace | strace-f)
	f=
	[ "$mode" = strace-f ] && f=-f
	# Every thread of the daemon (the loop and the hash worker).
	tids=()
	for t in /proc/"$pid"/task/*; do tids+=(-p "${t##*/}"); done
	record strace -c $f "${tids[@]}" -o "$tmp/strace.txt"
	sleep 0.2
	echo "system calls of loomd ($((${#tids[@]} / 2)) threads)${f:+ and its children}, $shape:"
	cat "$tmp/strace.txt"
	awk -v n="$n" '$NF == "total" { printf "%.1f system calls per step\n", $4 / n }' \
	    "$tmp/strace.txt"
	;;
esac
