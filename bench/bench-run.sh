#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What running a step costs (README, "Development"; RELIABILITY P7 [bench]):
#   chain   200 trivial steps, each depending on the one before
#           (sequential), through `loomctl run`, against the same 200
#           commands from a bare shell loop and from `make -j`
#   fanout  200 independent trivial steps (parallel, max_workers = CPUs),
#           against the same shell loop, the same commands as one shell
#           loop per CPU run at once, and `make -j CPUs`
#   flood   one step writing 1 GiB to stdout, run detached: throughput
#           (from the run record's times) against `head -c 1G /dev/zero >
#           file` on the same disk, and loomd's peak memory (VmHWM) with
#           the flood included
# The trivial step is /bin/true (with its input and output arguments), so
# the numbers show Loom's overhead, not the task's. Budget: chain and
# fan-out within 1.2x of the shell loop, and no slower than make -j.
# The daemon runs before the timings (its start is bench-status.sh's
# business). Measure a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   bench/bench-run.sh build-rel/bin
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
loomctl="$bin/loomctl"
[ -x "$loomctl" ] || { echo "usage: $0 BIN_DIR (no loomctl in $bin)" >&2; exit 2; }
n=${BENCH_STEPS:-200}
runs=${BENCH_RUNS:-10}
cpus=$(nproc)
. "$(dirname "$0")/lib.sh"
bench_private "$loomctl" 300

exp="$tmp/exp"
mkdir -p "$exp/tasks" "$exp/d"
# The chain's source input: it must exist before a run starts.
: >"$exp/d/0"
ln -s /bin/true "$exp/tasks/noop"
printf '#!/bin/sh\nexec head -c 1073741824 /dev/zero\n' >"$exp/tasks/gib"
chmod +x "$exp/tasks/gib"

# The pipelines, and the same commands as a shell loop and a Makefile.
{
	echo "execution: {parallel: false}"
	echo "data:"
	for i in $(seq 0 "$n"); do echo "  d$i: {path: d/$i}"; done
	echo "pipeline:"
	for i in $(seq 1 "$n"); do
		echo "  - {name: s$i, task: tasks/noop, inputs: {in: \$d$((i - 1))}, outputs: {-o: \$d$i}}"
	done
} >"$exp/chain.yml"
{
	echo "execution: {parallel: true, max_workers: $cpus}"
	echo "pipeline:"
	for i in $(seq 1 "$n"); do
		echo "  - {name: f$i, task: tasks/noop, outputs: {-o: d/f$i}}"
	done
} >"$exp/fanout.yml"
{
	echo "#!/bin/sh"
	for i in $(seq 1 "$n"); do
		echo "$exp/tasks/noop $exp/d/$((i - 1)) -o $exp/d/$i"
	done
} >"$exp/chain.sh"
{
	echo "#!/bin/sh"
	for i in $(seq 1 "$n"); do echo "$exp/tasks/noop -o $exp/d/f$i"; done
} >"$exp/fanout.sh"
{
	printf '.PHONY: all'
	for i in $(seq 1 "$n"); do printf ' s%d' "$i"; done
	printf '\nall: s%d\ns1:\n\t@%s %s -o %s\n' "$n" "$exp/tasks/noop" "$exp/d/0" "$exp/d/1"
	for i in $(seq 2 "$n"); do
		printf 's%d: s%d\n\t@%s %s -o %s\n' "$i" $((i - 1)) "$exp/tasks/noop" \
		    "$exp/d/$((i - 1))" "$exp/d/$i"
	done
} >"$exp/chain.mk"
{
	printf '.PHONY: all'
	for i in $(seq 1 "$n"); do printf ' f%d' "$i"; done
	printf '\nall:'
	for i in $(seq 1 "$n"); do printf ' f%d' "$i"; done
	printf '\n'
	for i in $(seq 1 "$n"); do
		printf 'f%d:\n\t@%s -o %s\n' "$i" "$exp/tasks/noop" "$exp/d/f$i"
	done
} >"$exp/fanout.mk"
printf 'pipeline:\n  - {name: flood, task: tasks/gib}\n' >"$exp/flood.yml"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# time_ms CMD...: wall time of one run of CMD, in ms (one decimal).
time_ms() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	awk -v d=$((e - s)) 'BEGIN { printf "%.1f\n", d / 1e6 }'
}
# The fan-out commands split into one shell loop per CPU, run at once:
# the same parallelism as Loom's workers and make -j. Starting processes
# side by side can cost more than one after the other (on a small
# virtual machine, much more): this says how much.
for c in $(seq "$cpus"); do
	{
		echo "#!/bin/sh"
		for i in $(seq "$c" "$cpus" "$n"); do echo "$exp/tasks/noop -o $exp/d/f$i"; done
	} >"$exp/fanout.part$c.sh"
done
printf '#!/bin/sh\n' >"$exp/fanout-par.sh"
for c in $(seq "$cpus"); do printf 'sh %s &\n' "$exp/fanout.part$c.sh" >>"$exp/fanout-par.sh"; done
printf 'wait\n' >>"$exp/fanout-par.sh"

"$loomctl" run --dry-run "$exp/chain.yml" >/dev/null || { echo "chain.yml invalid" >&2; exit 1; }

# Rounds alternate Loom and the references (after one warm-up round), so
# that a machine whose speed drifts moves them all alike; medians.
echo "per-step overhead, $n trivial steps, $cpus CPU(s), medians of $runs alternating rounds:"
for shape in chain fanout; do
	refs="loom loop make"
	[ "$shape" = fanout ] && refs="loom loop par make"
	for r in $refs; do : >"$tmp/$shape.$r"; done
	for round in $(seq 0 "$runs"); do
		for r in $refs; do
			case $r in
			loom) t=$(time_ms "$loomctl" run --force --no-progress "$exp/$shape.yml") ;;
			loop) t=$(time_ms sh "$exp/$shape.sh") ;;
			par) t=$(time_ms sh "$exp/fanout-par.sh") ;;
			make) t=$(time_ms make -s -j"$cpus" -f "$exp/$shape.mk") ;;
			esac
			[ "$round" = 0 ] || echo "$t" >>"$tmp/$shape.$r"
		done
	done
	loom=$(median <"$tmp/$shape.loom")
	loop=$(median <"$tmp/$shape.loop")
	mk=$(median <"$tmp/$shape.make")
	printf '  %-7s loom %7.1f ms  shell loop %7.1f ms  make -j%d %7.1f ms  loom/loop %s  loom/make %s  (%.2f ms/step over the loop)\n' \
	    "$shape" "$loom" "$loop" "$cpus" "$mk" "$(ratio "$loom" "$loop")" \
	    "$(ratio "$loom" "$mk")" "$(awk -v a="$loom" -v b="$loop" -v n="$n" 'BEGIN { print (a - b) / n }')"
	if [ "$shape" = fanout ]; then
		par=$(median <"$tmp/fanout.par")
		printf '          %d shell loops at once %7.1f ms (%s of one loop)  loom/parallel loops %s\n' \
		    "$cpus" "$par" "$(ratio "$par" "$loop")" "$(ratio "$loom" "$par")"
	fi
done

echo "1 GiB to stdout:"
# A fresh daemon, so that its VmHWM covers these runs only.
"$loomctl" daemon stop >/dev/null 2>&1 || true
while [ -e "$LOOM_SOCKET" ]; do sleep 0.01; done
"$bin/loomd" --foreground 2>"$tmp/loomd.err" &
pid=$!
while [ ! -S "$LOOM_SOCKET" ]; do sleep 0.01; done
# Rounds alternate the reference and Loom, so that neither always meets
# a cold page cache; the medians are compared. Detached runs: the time is
# the step's and the daemon's, not a terminal's; the run record's own
# start and end times give the duration.
rounds=${BENCH_FLOOD_ROUNDS:-3}
: >"$tmp/loom.ms"
: >"$tmp/ref.ms"
for _ in $(seq "$rounds"); do
	s=$(date +%s%N)
	head -c 1073741824 /dev/zero >"$exp/ref.bin"
	e=$(date +%s%N)
	echo $(((e - s) / 1000000)) >>"$tmp/ref.ms"
	rm -f "$exp/ref.bin"
	id=$("$loomctl" run -d --force "$exp/flood.yml")
	rec="$exp/.loom/runs/$id/run.json"
	# Polled cheaply (a read built-in, no jq) to disturb the run little.
	# The summary has no final newline: read fails but fills line.
	sum="$exp/.loom/runs/$id/summary.json"
	while :; do
		line=
		IFS= read -r line <"$sum" 2>/dev/null || :
		[[ -n $line && $line != *'"state":"running"'* ]] && break
		sleep 0.05
	done
	jq '(.finished - .started) * 1000 | floor' "$rec" >>"$tmp/loom.ms"
	log="$exp/.loom/runs/$id/$(jq -r '.steps[0].log' "$rec")"
	size=$(stat -c %s "$log")
	rm -f "$log"
done
loom_ms=$(median <"$tmp/loom.ms")
ref_ms=$(median <"$tmp/ref.ms")
hwm=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")
printf '  loom %d ms (%.0f MiB/s), head > file %d ms (%.0f MiB/s), loom/ref %s (medians of %d), log %d bytes, loomd VmHWM %s\n' \
    "$loom_ms" "$(awk -v t="$loom_ms" 'BEGIN { print 1024000 / t }')" \
    "$ref_ms" "$(awk -v t="$ref_ms" 'BEGIN { print 1024000 / t }')" \
    "$(ratio "$loom_ms" "$ref_ms")" "$rounds" "$size" "$hwm"
