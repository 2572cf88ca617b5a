#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What a daemon restart costs on Slurm (docs/slurm.md, "A daemon
# restart"): a fan-out of BENCH_STEPS (200) steps, each waiting for a
# file, is submitted with --executor slurm; once every step has its job
# id the daemon is killed with SIGKILL and a new one started (loomctl
# daemon start), which rebuilds the run and takes the jobs over. Printed:
# the new daemon's CPU time and wall time until it answers (the rebuild
# happens before), the same for a daemon with nothing to rebuild, and,
# after the file is created, the wall time to the run's end and the
# sbatch/squeue calls the new daemon made (counted by wrappers first on
# PATH). The CPU time is the daemon's own, from /proc/PID/stat.
#   SLURM_CONF=/tmp/loom-slurm/slurm.conf bench/bench-slurm-restart.sh build/bin
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
loomctl="$bin/loomctl"
[ -x "$loomctl" ] || { echo "usage: $0 BIN_DIR (no loomctl in $bin)" >&2; exit 2; }
: "${SLURM_CONF:?SLURM_CONF must name the slurm.conf of the cluster}"
steps=${BENCH_STEPS:-200}
. "$(dirname "$0")/lib.sh"
bench_private "$loomctl"
run=
bench_cleanup() { [ -z "$run" ] || scancel --name="loom-$run" 2>/dev/null; }
bench_wrap sbatch squeue scancel

exp="$tmp/exp"
bench_slurm_fan "$exp" "$steps"

# Start a daemon; print its wall ms to answering and its CPU ms then.
start_daemon() {
	local t0 t1 pid
	t0=$(date +%s%N)
	"$loomctl" daemon start >/dev/null
	t1=$(date +%s%N)
	pid=$(cat "$LOOM_SOCKET.pid")
	echo "$(((t1 - t0) / 1000000)) $(bench_cpu_ms "$pid") $pid"
}

read -r wall0 cpu0 pid <<<"$(start_daemon)"
run=$("$loomctl" run -d "$exp/fan.yml")
until bench_submitted "$run" "$steps"; do sleep 0.5; done
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
: >"$calls"
read -r wall1 cpu1 pid <<<"$(start_daemon)"
state=$("$loomctl" status "$run" --json | jq -r .state)
t0=$(date +%s%N)
touch "$exp/go"
"$loomctl" wait "$run" >/dev/null || true
t1=$(date +%s%N)
printf '%-34s %10s %10s\n' "daemon start" "wall ms" "CPU ms"
printf '%-34s %10s %10s\n' "nothing to rebuild" "$wall0" "$cpu0"
printf '%-34s %10s %10s\n' "rebuilding $steps jobs ($state)" "$wall1" "$cpu1"
printf 'run end after the file: %.1f s, %s; after the restart: sbatch %s, squeue %s, scancel %s\n' \
    "$(echo "($t1 - $t0) / 1000000000" | bc -l)" \
    "$("$loomctl" status "$run" --json | jq -r .state)" \
    "$(bench_count sbatch)" "$(bench_count squeue)" "$(bench_count scancel)"
