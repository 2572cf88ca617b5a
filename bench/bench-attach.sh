#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What following a flood costs the attached client: `loomctl run FILE`
# (attached, stdout to a file on the same disk) with one step writing
# BENCH_BYTES (1 GiB) to stdout, against `head -c BENCH_BYTES /dev/zero >
# file`. Two shapes of output:
#   zeros   NUL bytes, no newline at all (one endless line)
#   lines   short text lines ("y\n" from yes), so every line is prefixed
# Printed per shape: loomctl's wall time and throughput, the ratio to the
# reference, the bytes it wrote, and its peak memory (VmHWM, which is what
# the kernel reports as the child's maximum resident set size). Budget:
# close to disk speed, and memory flat (a few MiB, not growing with the
# size of the flood). Measure a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
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

# The reference: the same bytes straight to a file on the same disk.
s=$(date +%s%N)
head -c "$bytes" /dev/zero >"$exp/ref.bin"
e=$(date +%s%N)
ref_ms=$(((e - s) / 1000000))
[ "$ref_ms" -gt 0 ] || ref_ms=1
rm -f "$exp/ref.bin"
mib=$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')
printf 'attached loomctl run, %s MiB to stdout (head > file: %d ms, %.0f MiB/s)\n' \
    "$mib" "$ref_ms" "$(awk -v t="$ref_ms" -v m="$mib" 'BEGIN { print m * 1000 / t }')"

"$loomctl" daemon start >/dev/null 2>&1 || "$loomctl" status >/dev/null 2>&1 || true
for shape in $shapes; do
	out="$exp/$shape.out"
	/usr/bin/time -f '%e %M' -o "$tmp/time" \
	    "$loomctl" run --force --no-progress "$exp/$shape.yml" >"$out"
	read -r secs hwm_kb <"$tmp/time"
	ms=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')
	[ "$ms" -gt 0 ] || ms=1
	size=$(stat -c %s "$out")
	# Logs are named <step index>-<step name>.log (docs/running.md).
	rm -f "$out" "$exp"/.loom/runs/*/*-"$shape".log
	printf '  %-5s loomctl %d ms (%.0f MiB/s), loomctl/ref %.2f, wrote %d bytes, loomctl VmHWM %d kB\n' \
	    "$shape" "$ms" "$(awk -v t="$ms" -v m="$mib" 'BEGIN { print m * 1000 / t }')" \
	    "$(awk -v a="$ms" -v b="$ref_ms" 'BEGIN { print a / b }')" \
	    "$size" "$hwm_kb"
done
