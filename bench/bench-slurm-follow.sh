#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What following Slurm jobs costs the daemon while they wait: a fan-out
# of BENCH_STEPS (20) steps, each printing a line and then waiting for a
# file, is submitted with --executor slurm (most of them stay pending on
# a small cluster; every job with an id is followed all the same). Once
# every step has its job id, the daemon's CPU time over BENCH_SECS (20)
# seconds is printed, then the system calls it made over as many more
# seconds (strace -c), by name: per job and tick (2 ticks a second), the
# output file and the status file are all it should touch.
#   SLURM_CONF=/tmp/loom-slurm/slurm.conf bench/bench-slurm-follow.sh build-rel/bin
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build-rel/bin}
loomctl="$bin/loomctl"
[ -x "$loomctl" ] || { echo "usage: $0 BIN_DIR (no loomctl in $bin)" >&2; exit 2; }
command -v strace >/dev/null || { echo "$0: needs strace" >&2; exit 2; }
: "${SLURM_CONF:?SLURM_CONF must name the slurm.conf of the cluster}"
steps=${BENCH_STEPS:-20}
secs=${BENCH_SECS:-20}
. "$(dirname "$0")/lib.sh"
bench_private "$loomctl"
run=
bench_cleanup() { [ -z "$run" ] || scancel --name="loom-$run" 2>/dev/null; }

exp="$tmp/exp"
bench_slurm_fan "$exp" "$steps"

"$loomctl" daemon start >/dev/null
pid=$(cat "$LOOM_SOCKET.pid")
run=$("$loomctl" run -d "$exp/fan.yml")
until bench_submitted "$run" "$steps"; do sleep 0.5; done
sleep 2
c0=$(bench_cpu_ms "$pid")
sleep "$secs"
c1=$(bench_cpu_ms "$pid")
strace -c -f -p "$pid" -o "$tmp/strace" &
st=$!
sleep "$secs"
kill -INT "$st"
wait "$st" 2>/dev/null || true
touch "$exp/go"
"$loomctl" wait "$run" >/dev/null || true
printf '%s jobs followed for %s s: loomd CPU %s ms\n' "$steps" "$secs" \
    "$(echo "$c1 - $c0" | bc -l)"
printf 'system calls over %s s (strace -c), the most made first:\n' "$secs"
awk '$NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $4 ~ /^[0-9]+$/ {
	printf "  %-16s %8d\n", $NF, $4 }' "$tmp/strace" | sort -k2 -nr | head -n 6
awk '$NF == "total" { printf "  %-16s %8d (%.1f per job and tick)\n", "all", $4, $4 / n }' \
    n="$((steps * secs * 2))" "$tmp/strace"
