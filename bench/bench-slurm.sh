#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What a wide run costs on Slurm: a fan-out of BENCH_STEPS (200) steps
# and a loop of BENCH_ITEMS (200) items, each a tiny shell task, run with
# --executor slurm -j BENCH_WORKERS (200) against the cluster SLURM_CONF
# names (tests/slurm/start.sh makes a private one). Printed per shape:
# wall time, sbatch calls (submissions), squeue calls, scancel calls, and
# squeue calls per minute. Wrappers first on PATH count the calls. The
# budget: squeue calls per minute do not grow with the number of jobs
# (at most 30 a minute per run, one each 2 s). Then a chain of
# BENCH_CHAIN (20) steps, each after the one before, with Loom's
# dependencies (chain) and Slurm's (chain-deps: dependencies: slurm,
# every job submitted at the start).
#   SLURM_CONF=/tmp/loom-slurm/slurm.conf bench/bench-slurm.sh build/bin
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
loomctl="$bin/loomctl"
[ -x "$loomctl" ] || { echo "usage: $0 BIN_DIR (no loomctl in $bin)" >&2; exit 2; }
: "${SLURM_CONF:?SLURM_CONF must name the slurm.conf of the cluster}"
steps=${BENCH_STEPS:-200}
chain=${BENCH_CHAIN:-20}
items=${BENCH_ITEMS:-200}
workers=${BENCH_WORKERS:-200}
. "$(dirname "$0")/lib.sh"
bench_private "$loomctl"
bench_wrap sbatch squeue scancel

exp="$tmp/exp"
mkdir -p "$exp/in"
printf 'echo "$@"\nfor last; do :; done\n[ -z "${last:-}" ] || echo done >"$last"\n' >"$exp/t.sh"
{
	# Without mem:, every job asks for a whole node's memory.
	printf 'execution:\n  slurm: {mem: 8M}\npipeline:\n'
	for i in $(seq 1 "$steps"); do
		printf '  - {name: s%s, task: t.sh}\n' "$i"
	done
} >"$exp/fan.yml"
for i in $(seq 1 "$items"); do echo "$i" >"$exp/in/$i.txt"; done
{
	printf 'execution:\n  slurm: {mem: 8M}\npipeline:\n'
	printf '  - {name: c1, task: t.sh, outputs: {-o: out/c1}}\n'
	for i in $(seq 2 "$chain"); do
		printf '  - {name: c%s, task: t.sh, inputs: {x: out/c%s}, ' \
		    "$i" "$((i - 1))"
		printf 'outputs: {-o: out/c%s}}\n' "$i"
	done
} >"$exp/chain.yml"
cp "$exp/chain.yml" "$exp/chain-deps.yml"
cat >"$exp/loop.yml" <<'EOF'
execution:
  slurm: {mem: 8M}
pipeline:
  - name: each
    task: t.sh
    loop: {over: in, into: out, filter: "*.txt"}
    inputs: {src: $loop_item}
    outputs: {-o: $loop_output}
EOF

printf '%-10s %6s %8s %8s %8s %8s %12s\n' shape jobs wall sbatch squeue \
    scancel squeue/min
for shape in fan loop chain chain-deps; do
	: >"$calls"
	n=$steps
	[ "$shape" = loop ] && n=$items
	deps=loom
	case $shape in chain*) n=$chain; rm -rf "$exp/out" ;; esac
	[ "$shape" = chain-deps ] && deps=slurm
	t0=$(date +%s.%N)
	"$loomctl" run "$exp/$shape.yml" --executor slurm -j "$workers" \
	    --slurm-dependencies "$deps" --no-progress >"$tmp/out" 2>&1 || {
		cat "$tmp/out" >&2
		exit 1
	}
	t1=$(date +%s.%N)
	wall=$(echo "$t1 - $t0" | bc -l)
	printf '%-10s %6s %7.1fs %8s %8s %8s %12.1f\n' "$shape" "$n" "$wall" \
	    "$(bench_count sbatch)" "$(bench_count squeue)" "$(bench_count scancel)" \
	    "$(echo "$(bench_count squeue) * 60 / $wall" | bc -l)"
done
