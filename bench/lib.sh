# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Sourced by the benches that run a private daemon.
#
# bench_private LOOMCTL [IDLE]: a new folder $tmp under $BENCH_DIR (/tmp;
#   /dev/shm, say, to take the disk out of a measurement) holding the
#   daemon's socket folder ($tmp/run, mode 700, LOOM_SOCKET) and its
#   state (XDG_STATE_HOME=$tmp/state), so that no user's daemon is
#   touched; the daemon exits after IDLE seconds idle (600). At exit
#   the daemon is stopped with LOOMCTL, then bench_cleanup runs (define
#   it after sourcing for what else to undo), then $tmp is removed
#   (kept with KEEP=1).
# bench_wrap CMD...: wrappers first on PATH write "CMD" to $calls at
#   each call of CMD, then run it; bench_count CMD counts the calls.
# bench_stamp_tool SRC LIB OUT: build bench-stamp.c (outputs and stamps
#   as a successful run leaves them, without running the tasks) as OUT.
# bench_cpu_ms PID: CPU milliseconds (user + system) of PID so far.
# bench_slurm_fan DIR N: DIR/fan.yml, N Slurm steps side by side, each
#   printing its arguments and then waiting for the file DIR/go.
# bench_submitted RUN N: whether the N steps of RUN all have a job id.
# bench_shell_chain DIR N: DIR/chain.yml, a sequential chain of N shell
#   steps (tasks/step.sh writes "x" to its output), the first reading DIR/d/0.
# bench_seq_loop FILE: a pipeline of one step "each" that runs
#   tasks/step.sh over the files of items/ into outs/, one at a time
#   (tests/integration/lib.sh sources this file for it too).

bench_cleanup() { :; }

bench_exit() {
	"$bench_loomctl" daemon stop >/dev/null 2>&1 || true
	bench_cleanup || true
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}

bench_private() {
	bench_loomctl=$1
	tmp=$(mktemp -d "${BENCH_DIR:-/tmp}/loomb.XXXXXX")
	mkdir -m 700 "$tmp/run"
	export LOOM_SOCKET="$tmp/run/loomd.sock" XDG_STATE_HOME="$tmp/state"
	export LOOMD_IDLE_TIMEOUT="${2:-600}"
	trap bench_exit EXIT
}

bench_wrap() {
	local cmd real
	calls="$tmp/calls"
	mkdir -p "$tmp/wrap"
	: >"$calls"
	for cmd; do
		real=$(command -v "$cmd")
		printf '#!/bin/sh\necho %s >>"%s"\nexec "%s" "$@"\n' "$cmd" \
		    "$calls" "$real" >"$tmp/wrap/$cmd"
		chmod +x "$tmp/wrap/$cmd"
	done
	export PATH="$tmp/wrap:$PATH"
}

bench_count() { grep -cx "$1" "$calls" || true; }

bench_stamp_tool() {
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -D_GNU_SOURCE -I"$1" "$1/bench/bench-stamp.c" "$2" \
	    $(pkg-config --libs yaml-0.1 jansson nettle) -ldl -lm -o "$3"
}

bench_slurm_fan() {
	local i
	mkdir -p "$1"
	printf 'echo "$@"\nwhile [ ! -e go ]; do sleep 0.2; done\n' >"$1/t.sh"
	{
		printf 'execution:\n  executor: slurm\n  parallel: true\n'
		printf '  slurm: {mem: 8M}\npipeline:\n'
		for i in $(seq 1 "$2"); do
			printf '  - {name: s%s, task: t.sh}\n' "$i"
		done
	} >"$1/fan.yml"
}

bench_submitted() {
	[ "$("$bench_loomctl" status "$1" --json |
	    jq '[.steps[] | select(.job != null)] | length')" = "$2" ]
}

bench_cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" \
	    '{ sub(/.*\) /, ""); print ($12 + $13) * 1000 / hz }' "/proc/$1/stat"
}

bench_shell_chain() {
	local i
	mkdir -p "$1/tasks" "$1/d"
	printf '#!/bin/sh\nfor a; do o=$a; done\necho x >"$o"\n' >"$1/tasks/step.sh"
	chmod +x "$1/tasks/step.sh"
	echo x >"$1/d/0"
	{
		echo "execution: {parallel: false}"
		echo "data:"
		for i in $(seq 0 "$2"); do echo "  d$i: {path: d/$i}"; done
		echo "pipeline:"
		for i in $(seq 1 "$2"); do
			echo "  - {name: s$i, task: tasks/step.sh, inputs: {in: \$d$((i - 1))}, outputs: {-o: \$d$i}}"
		done
	} >"$1/chain.yml"
}

bench_seq_loop() {
	cat >"$1" <<'YML'
execution: {parallel: false}
data:
  items: {path: items}
  outs: {path: outs}
pipeline:
  - name: each
    task: tasks/step.sh
    loop: {over: $items, into: $outs, parallel: false}
    inputs: {in: $loop_item}
    outputs: {-o: $loop_output}
YML
}
