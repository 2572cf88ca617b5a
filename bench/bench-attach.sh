#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What following a flood costs: `loomctl run FILE` (attached, stdout to a
# file on the same disk) with one step writing BENCH_BYTES (1 GiB) to
# stdout, against `cat` of a file of that size into a file. Two shapes
# of output:
#   zeros   NUL bytes, no newline at all (one endless line)
#   lines   short text lines ("y\n" from yes), so every line is prefixed
#           (the output is 5 times the step's: "[lines] y\n" per line)
# Printed per shape: loomctl's wall time and the step's throughput, its
# speed as a share of cat's (budget for zeros: at least 80%), the bytes
# it wrote, and the peak memory (VmHWM) of loomctl (what the kernel
# reports as the child's maximum resident set size) and of the daemon (a
# fresh one per shape, read from /proc before it stops), then the CPU
# time of loomctl and of the daemon (the step's own excluded). Budget: memory
# flat, under 32 MiB for both, not growing with the size of the flood.
# First the floor: the zeros step with nobody attached (only logged).
# BENCH_NO_LOG_FILE=1 makes loomctl read with log.read instead of the
# log file (LOOMCTL_NO_LOG_FILE), for comparison. Measure a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF -DLOOM_WEB=OFF
#   cmake --build build-rel -j2
#   bench/bench-attach.sh build-rel/bin
set -euo pipefail

bin=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
loomctl="$bin/loomctl"
[ -x "$loomctl" ] || { echo "usage: $0 BIN_DIR (no loomctl in $bin)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "$0: needs /usr/bin/time (GNU time)" >&2; exit 2; }
bytes=${BENCH_BYTES:-1073741824}
shapes=${BENCH_SHAPES:-zeros lines}
tmp=$(mktemp -d /tmp/loomb.XXXXXX)
mkdir -m 700 "$tmp/run"
export LOOM_SOCKET="$tmp/run/loomd.sock" XDG_STATE_HOME="$tmp/state"
export LOOMD_IDLE_TIMEOUT=300
[ -z "${BENCH_NO_LOG_FILE:-}" ] || export LOOMCTL_NO_LOG_FILE=1
cleanup() {
	"$loomctl" daemon stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

exp="$tmp/exp"
mkdir -p "$exp/tasks"
printf '#!/bin/sh\nexec head -c %s /dev/zero\n' "$bytes" >"$exp/tasks/zeros"
printf '#!/bin/sh\nyes | head -c %s\n' "$bytes" >"$exp/tasks/lines"
chmod +x "$exp/tasks/zeros" "$exp/tasks/lines"
for shape in zeros lines; do
	printf 'pipeline:\n  - {name: %s, task: tasks/%s}\n' "$shape" "$shape" \
	    >"$exp/$shape.yml"
done

# The reference: cat of a file of that size into a file on the same disk.
head -c "$bytes" /dev/zero >"$exp/big.bin"
s=$(date +%s%N)
cat "$exp/big.bin" >"$exp/ref.bin"
e=$(date +%s%N)
ref_ms=$(((e - s) / 1000000))
[ "$ref_ms" -gt 0 ] || ref_ms=1
rm -f "$exp/ref.bin" "$exp/big.bin"
mib=$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')
printf 'attached loomctl run, %s MiB to stdout (cat > file: %d ms, %.0f MiB/s)\n' \
    "$mib" "$ref_ms" "$(awk -v t="$ref_ms" -v m="$mib" 'BEGIN { print m * 1000 / t }')"

# The floor: the same step with nobody attached (run -d, then wait), its
# output only logged by the daemon.
"$loomctl" daemon start >/dev/null 2>&1 || true
s=$(date +%s%N)
id=$("$loomctl" run --force -d "$exp/zeros.yml")
"$loomctl" wait -q "$id"
e=$(date +%s%N)
rm -f "$exp"/.loom/runs/*/*-zeros.log
"$loomctl" daemon stop >/dev/null 2>&1 || true
printf 'nobody attached (zeros, run -d + wait): %d ms\n' $(((e - s) / 1000000))

for shape in $shapes; do
	"$loomctl" daemon start >/dev/null 2>&1 || true
	dpid=$(cat "$LOOM_SOCKET.pid")
	out="$exp/$shape.out"
	/usr/bin/time -f '%e %M %U %S' -o "$tmp/time" \
	    "$loomctl" run --force --no-progress "$exp/$shape.yml" >"$out"
	read -r secs hwm_kb usr sys <"$tmp/time"
	dhwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$dpid/status")
	# The daemon's user+system time (clock ticks), the step's excluded.
	dcpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$dpid/stat")
	"$loomctl" daemon stop >/dev/null 2>&1 || true
	ms=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')
	[ "$ms" -gt 0 ] || ms=1
	size=$(stat -c %s "$out")
	# Logs are named <step index>-<step name>.log (docs/running.md).
	rm -f "$out" "$exp"/.loom/runs/*/*-"$shape".log
	printf '  %-5s loomctl %d ms (%.0f MiB/s), %.0f%% of cat, wrote %d bytes, VmHWM loomctl %d kB, loomd %d kB; CPU loomctl %.2f s, loomd %s s\n' \
	    "$shape" "$ms" "$(awk -v t="$ms" -v m="$mib" 'BEGIN { print m * 1000 / t }')" \
	    "$(awk -v a="$ms" -v b="$ref_ms" 'BEGIN { print b * 100 / a }')" \
	    "$size" "$hwm_kb" "$dhwm_kb" "$(awk -v u="$usr" -v s="$sys" 'BEGIN { print u + s }')" "$dcpu"
done
