#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The runner's own CPU per step against GNU make's, and wall time against a
# plain shell loop, on the same commands (docs/running.md, "Performance"):
#   chain   200 steps, each reading the output of the one before
#   fanout  200 independent steps
#   loop    one step with a loop over 500 files
#   wide    20 layers of 10 steps, each reading two outputs of the layer
#           before
# Every step is the same small Python script (tasks/step.py: reads its
# inputs, writes a few bytes to its output), so each costs what starting
# Python costs (about 20-40 ms here). Loom runs each pipeline
# sequentially (execution.parallel: false, loop.parallel: false) and with
# 2 workers (parallel: true, max_workers: 2), with --force; make runs a
# Makefile of the same commands with -j1 and -j2; the shell loop runs them
# one after the other.
#
# How the runner's CPU is measured (the tasks' CPU always excluded):
#   loomctl  its own CPU, from cpu-of.py: the exited process is waited
#            for with WNOWAIT and its /proc/<pid>/schedstat read (own run
#            time, ns) before it is reaped
#   loomd    the change of its own run time over the run: the sum of
#            /proc/<pid>/task/*/schedstat (ns), cross-checked against
#            utime+stime of /proc/<pid>/stat. The tasks' CPU goes to the
#            daemon's cutime+cstime when it reaps them, never to these
#            fields; the script prints that delta too, as the proof. The
#            vforked child's work before exec (process group, fds, rlimits)
#            is the child's, so it counts as the task's here, as make's
#            fork + exec counts as its children's.
#   make     make's own CPU, from cpu-of.py (same method as loomctl):
#            make's waited-for children never enter its own schedstat.
# Loom's CPU per step is (loomctl + loomd delta) / steps; make's is
# make's / steps. Wall per step is the run's wall time / steps; the shell
# loop's is the reference (CPU time is what matters on a shared machine).
# Rounds alternate Loom, make and the loop; the table gives the median and
# the range (min-max) over ROUNDS rounds, after one warm-up round
# (BENCH_WARMUP=0: none).
#
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF -DLOOM_WEB=OFF
#   cmake --build build-rel -j2
#   bench/bench-runner.sh build-rel/bin [ROUNDS] [SHAPES]
# SHAPES is a space-separated subset of "chain fanout loop wide".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build-rel/bin}
rounds=${2:-3}
shapes=${3:-chain fanout loop wide}
warmup=${BENCH_WARMUP:-1}
[ -x "$bin/loomctl" ] && [ -x "$bin/loomd" ] ||
	{ echo "usage: $0 BIN_DIR [ROUNDS] [SHAPES] (no loomctl/loomd in $bin)" >&2; exit 2; }
# Debian's Python starts in tens of ms; a version manager's shim can take
# a second, which would drown everything else: BENCH_PYTHON to choose.
py=${BENCH_PYTHON:-/usr/bin/python3}
[ -x "$py" ] || { echo "$0: no $py (set BENCH_PYTHON)" >&2; exit 2; }
cpuof="$here/cpu-of.py"
. "$here/lib.sh"
bench_private "$bin/loomctl" 3600
pid=
bench_cleanup() { [ -z "$pid" ] || wait "$pid" 2>/dev/null; }

exp=$tmp/exp
mkdir -p "$exp/tasks" "$exp/d" "$exp/items" "$exp/outs"
cat >"$exp/tasks/step.py" <<EOF
#!$py
import sys
a = sys.argv[1:]
o = a.index("-o")
out = a[o + 1]
data = b"".join(open(p, "rb").read(64) for p in a[:o] + a[o + 2:])
with open(out, "wb") as f:
    f.write(data[:64] + b"x\n")
EOF
# Loom runs a .py task as "python3 TASK ARGS" (python3 from PATH): make
# and the shell loop run the same command line.
PATH="$(dirname "$py"):$PATH"
export PATH
tname=step.py
task="python3 $exp/tasks/step.py"
# BENCH_TASK=sh: the same step as a shell script (a few ms instead of
# tens), for quicker rounds; the runner's CPU per step hardly changes.
# Loom runs a .sh task as "bash TASK ARGS": make and the shell loop run
# that command line too, not the script through its #!/bin/sh (dash on
# Debian, which starts in a third of bash's time and would show up as
# the runner's latency).
if [ "${BENCH_TASK:-python}" = sh ]; then
	tname=step.sh
	task="bash $exp/tasks/step.sh"
	printf '#!/bin/sh\nfor a; do o=$a; done\necho x >"$o"\n' >"$exp/tasks/$tname"
fi
chmod +x "$exp/tasks/$tname"
echo x >"$exp/d/src"
for i in $(seq 1 500); do echo "$i" >"$exp/items/$i"; done

# Each shape: STEPS, then the pipeline (two execution headers), the same
# commands as a shell script and as a Makefile of phony targets.
declare -A steps=([chain]=200 [fanout]=200 [loop]=500 [wide]=200)
exec_hdr() {
	if [ "$1" = seq ]; then echo "execution: {parallel: false}"
	else echo "execution: {parallel: true, max_workers: 2}"; fi
}
gen_chain() {	# MODE
	exec_hdr "$1"
	echo "data:"
	echo "  c0: {path: d/src}"
	for i in $(seq 1 200); do echo "  c$i: {path: d/c$i}"; done
	echo "pipeline:"
	for i in $(seq 1 200); do
		echo "  - {name: c$i, task: tasks/$tname, inputs: {in: \$c$((i - 1))}, outputs: {-o: \$c$i}}"
	done
}
gen_fanout() {
	exec_hdr "$1"
	echo "pipeline:"
	for i in $(seq 1 200); do
		echo "  - {name: f$i, task: tasks/$tname, inputs: {in: d/src}, outputs: {-o: d/f$i}}"
	done
}
gen_loop() {
	exec_hdr "$1"
	local par=false
	[ "$1" = seq ] || par=true
	echo "data:"
	echo "  items: {path: items}"
	echo "  outs: {path: outs}"
	echo "pipeline:"
	echo "  - name: each"
	echo "    task: tasks/$tname"
	echo "    loop: {over: \$items, into: \$outs, parallel: $par}"
	echo "    inputs: {in: \$loop_item}"
	echo "    outputs: {-o: \$loop_output}"
}
# wide: w<l>_<j> reads w<l-1>_<j> and w<l-1>_<(j+1)%10>; layer 1 reads d/src.
wide_in() {	# L J -> the two input paths
	local l=$1 j=$2
	if [ "$l" = 1 ]; then echo "d/src d/src"
	else echo "d/w$((l - 1))_$j d/w$((l - 1))_$(((j + 1) % 10))"; fi
}
gen_wide() {
	exec_hdr "$1"
	echo "pipeline:"
	for l in $(seq 1 20); do
		for j in $(seq 0 9); do
			read -r in1 in2 < <(wide_in "$l" "$j")
			set -- "$in1" "$in2"
			echo "  - {name: w${l}_$j, task: tasks/$tname, inputs: {a: $1, b: $2}, outputs: {-o: d/w${l}_$j}}"
		done
	done
}
# Commands, one a line, in an order the shell loop can run them.
cmds_chain() { for i in $(seq 1 200); do
	if [ "$i" = 1 ]; then p=src; else p=c$((i - 1)); fi
	echo "$task $exp/d/$p -o $exp/d/c$i"; done; }
cmds_fanout() { for i in $(seq 1 200); do echo "$task $exp/d/src -o $exp/d/f$i"; done; }
cmds_loop() { for i in $(seq 1 500); do echo "$task $exp/items/$i -o $exp/outs/$i"; done; }
cmds_wide() { for l in $(seq 1 20); do for j in $(seq 0 9); do
	read -r in1 in2 < <(wide_in "$l" "$j")
	set -- "$in1" "$in2"
	echo "$task $exp/$1 $exp/$2 -o $exp/d/w${l}_$j"; done; done; }
# Makefile targets: NAME, its prerequisites, its command.
mk_chain() { for i in $(seq 1 200); do
	dep=; [ "$i" = 1 ] || dep=c$((i - 1))
	if [ "$i" = 1 ]; then p=src; else p=c$((i - 1)); fi
	printf 'c%d: %s\n\t@%s %s -o %s\n' "$i" "$dep" "$task" "$exp/d/$p" "$exp/d/c$i"; done; }
mk_fanout() { for i in $(seq 1 200); do
	printf 'f%d:\n\t@%s %s -o %s\n' "$i" "$task" "$exp/d/src" "$exp/d/f$i"; done; }
mk_loop() { for i in $(seq 1 500); do
	printf 'i%d:\n\t@%s %s -o %s\n' "$i" "$task" "$exp/items/$i" "$exp/outs/$i"; done; }
mk_wide() { for l in $(seq 1 20); do for j in $(seq 0 9); do
	if [ "$l" = 1 ]; then dep=; else dep="w$((l - 1))_$j w$((l - 1))_$(((j + 1) % 10))"; fi
	read -r in1 in2 < <(wide_in "$l" "$j")
	set -- "$in1" "$in2"
	printf 'w%d_%d: %s\n\t@%s %s %s -o %s\n' "$l" "$j" "$dep" "$task" "$exp/$1" "$exp/$2" \
	    "$exp/d/w${l}_$j"; done; done; }

for s in $shapes; do
	gen_"$s" seq >"$exp/$s.seq.yml"
	gen_"$s" par >"$exp/$s.par.yml"
	{ echo "#!/bin/sh"; echo "set -e"; cmds_"$s"; } >"$exp/$s.sh"
	mk_"$s" >"$exp/$s.rules"
	{
		printf '.PHONY: all %s\nall: %s\n' \
		    "$(awk -F: '/^[^\t]/ { printf "%s ", $1 }' "$exp/$s.rules")" \
		    "$(awk -F: '/^[^\t]/ { printf "%s ", $1 }' "$exp/$s.rules")"
		cat "$exp/$s.rules"
	} >"$exp/$s.mk"
	"$bin/loomctl" run --dry-run "$exp/$s.seq.yml" >/dev/null ||
		{ echo "$s.seq.yml is not valid" >&2; exit 1; }
done

"$bin/loomd" --foreground 2>"$tmp/loomd.err" &
pid=$!
while [ ! -S "$LOOM_SOCKET" ]; do sleep 0.01; done
# daemon_cpu: "SCHEDSTAT_MS TICKS_MS CHILDREN_TICKS_MS" of loomd so far.
hz=$(getconf CLK_TCK)
daemon_cpu() {
	local ns
	ns=$(cat /proc/"$pid"/task/*/schedstat | awk '{ s += $1 } END { print s }')
	awk -v ns="$ns" -v hz="$hz" '{ sub(/^.*\) /, "");
		printf "%.3f %.0f %.0f\n", ns / 1e6, ($12 + $13) * 1000 / hz,
		    ($14 + $15) * 1000 / hz }' "/proc/$pid/stat"
}
# loom SHAPE MODE: "WALL_MS CTL_MS DAEMON_MS DAEMON_TICKS_MS TASKS_TICKS_MS"
loom() {
	local a b c
	a=$(daemon_cpu)
	c=$("$cpuof" "$bin/loomctl" run --force --no-progress "$exp/$1.$2.yml")
	b=$(daemon_cpu)
	echo "$c $a $b" | awk '{ printf "%s %s %.3f %.0f %.0f\n", $1, $2,
		$7 - $4, $8 - $5, $9 - $6 }'
}

echo "runner CPU per step (loomctl + loomd's own / make's own), wall per step;"
echo "median [min-max] of $rounds rounds (warm-up: $warmup), task ${BENCH_TASK:-python}; $(nproc) CPUs;" \
    "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for s in $shapes; do
	n=${steps[$s]}
	for k in seqc seqd seqw parc pard parw mk1 mk1w mk2 mk2w shw tasks; do
		: >"$tmp/$s.$k"
	done
	for round in $(seq 0 "$rounds"); do
		[ "$round" = 0 ] && [ "$warmup" = 0 ] && continue
		for m in seq par; do
			read -r w c d _ t < <(loom "$s" "$m")
			[ "$round" = 0 ] && continue
			echo "$c" >>"$tmp/$s.${m}c"
			echo "$d" >>"$tmp/$s.${m}d"
			echo "$w" >>"$tmp/$s.${m}w"
			echo "$t" >>"$tmp/$s.tasks"
		done
		for j in 1 2; do
			read -r w c _ < <("$cpuof" make -s -j"$j" -f "$exp/$s.mk")
			[ "$round" = 0 ] && continue
			echo "$c" >>"$tmp/$s.mk$j"
			echo "$w" >>"$tmp/$s.mk${j}w"
		done
		read -r w _ < <("$cpuof" sh "$exp/$s.sh")
		[ "$round" = 0 ] || echo "$w" >>"$tmp/$s.shw"
	done
	# stat FILE...: per step, "median [min-max]" of the sums of the files' lines.
	stat() {
		paste -d' ' "$@" | awk -v n="$n" '{ s = 0; for (i = 1; i <= NF; i++) s += $i
			print s / n }' | sort -g | awk '{ v[NR] = $1 } END {
			printf "%.3f [%.3f-%.3f]", v[int((NR + 1) / 2)], v[1], v[NR] }'
	}
	echo "$s ($n steps):"
	printf '  cpu ms/step   loom seq %s (loomctl %s)  loom 2w %s (loomctl %s)\n' \
	    "$(stat "$tmp/$s.seqc" "$tmp/$s.seqd")" "$(stat "$tmp/$s.seqc")" \
	    "$(stat "$tmp/$s.parc" "$tmp/$s.pard")" "$(stat "$tmp/$s.parc")"
	printf '                make -j1 %s  make -j2 %s\n' \
	    "$(stat "$tmp/$s.mk1")" "$(stat "$tmp/$s.mk2")"
	printf '  wall ms/step  loom seq %s  loom 2w %s  make -j1 %s  make -j2 %s  shell loop %s\n' \
	    "$(stat "$tmp/$s.seqw")" "$(stat "$tmp/$s.parw")" "$(stat "$tmp/$s.mk1w")" \
	    "$(stat "$tmp/$s.mk2w")" "$(stat "$tmp/$s.shw")"
	printf '  tasks CPU reaped by loomd (its cutime+cstime, not in its own time): %s ms/step\n' \
	    "$(stat "$tmp/$s.tasks" | cut -d' ' -f1)"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
