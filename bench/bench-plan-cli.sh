#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark of planning and of the up-to-date check as whole commands
# (issue 14; README, "Development": a 10,000-step pipeline planned in
# under 100 ms, its up-to-date check in under 150 ms, wall). For each
# shape made by bench/gen-pipeline.py it times, median of RUNS runs:
#   validate   loomctl validate FILE                (no outputs yet)
#   dry-run    loomctl run --dry-run FILE           (no outputs yet)
#   status     loomctl status FILE                  (every step fresh)
#   run        loomctl run FILE -> "Nothing to run" (every step fresh)
#   status-d   loomctl status FILE with the daemon running (it answers)
#   clean      loomctl clean --dry-run FILE         (every output there)
# and, as references taken in the same invocation:
#   make -n    make -n on a Makefile of the same steps (gen-pipeline.py
#              --makefile), before the run: what make takes to plan them
#   touch      bench-touch.c: a process that writes to 40 MiB of fresh
#              memory (about what loomctl's load of 10,000 steps takes),
#              as the kernel and the machine hand it out: on a virtual
#              machine that returns freed memory to its host this swings
#              from a few to tens of milliseconds, and the figures above
#              with it
# "Every step fresh" is what a successful run leaves: outputs and stamps,
# written by bench-stamp.c without running the tasks. Each line gives the
# wall time, the command's CPU (user + system) and, for run and status-d, the
# daemon's CPU over the same command (every thread's
# /proc/PID/task/*/schedstat: the checks of run.start and
# pipeline.freshness are in the hashing thread). The load average is
# printed first and last: compare figures taken under the same load.
# Use a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   bench/bench-plan-cli.sh build-rel [STEPS] [RUNS]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
STEPS=${2:-10000}
RUNS=${3:-11}
LIB="$BUILD/common/libloomcommon.a"
LOOMCTL="$BUILD/bin/loomctl"
[ -f "$LIB" ] && [ -x "$LOOMCTL" ] || { echo "no $LIB or $LOOMCTL: build first" >&2; exit 2; }
if grep -q 'LOOM_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
	echo "note: $BUILD is a sanitizer build; figures are not representative" >&2
fi
. "$SRC/bench/lib.sh"
bench_private "$LOOMCTL"
unset VIRTUAL_ENV
bench_stamp_tool "$SRC" "$LIB" "$tmp/bench-stamp"
cc -std=c11 -O2 -D_GNU_SOURCE -o "$tmp/bench-touch" "$SRC/bench/bench-touch.c"

# measure NAME CMD...: RUNS runs after one warm-up; median wall, loomctl
# CPU and the daemon's CPU over each run.
measure() {
	python3 - "$RUNS" "$LOOM_SOCKET.pid" "$@" <<'PY'
import os, statistics, subprocess, sys, time
runs, pidfile, name, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
def daemon_ns():
    """CPU of every thread of the daemon (its hashing thread too)."""
    try:
        tasks = "/proc/%s/task" % open(pidfile).read().split()[0]
        return sum(int(open("%s/%s/schedstat" % (tasks, t)).read().split()[0])
                   for t in os.listdir(tasks))
    except (OSError, ValueError, IndexError):
        return 0
wall, cpu, dcpu = [], [], []
for r in range(runs + 1):
    d0 = daemon_ns()
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    t1 = time.perf_counter()
    d1 = daemon_ns()
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        sys.exit("%s: exit %d: %s" % (name, rc, p.stderr.read().decode()))
    p.stderr.close()
    if r == 0:
        continue
    wall.append((t1 - t0) * 1e3)
    cpu.append((ru.ru_utime + ru.ru_stime) * 1e3)
    dcpu.append((d1 - d0) / 1e6)
m = statistics.median
line = "  %-8s wall %7.1f ms  CPU %7.1f ms" % (name, m(wall), m(cpu))
if m(dcpu) > 0:
    line += "  loomd CPU %7.1f ms" % m(dcpu)
print(line + "  (min wall %.1f)" % min(wall))
PY
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each"
for shape in chain fanout layers; do
	dir="$tmp/$shape"
	file="$dir/experiment.yml"
	python3 "$SRC/bench/gen-pipeline.py" --steps "$STEPS" --shape "$shape" \
	    --makefile "$dir"
	echo "== $STEPS steps, shape $shape"
	measure validate "$LOOMCTL" validate "$file"
	measure dry-run "$LOOMCTL" run --dry-run "$file"
	measure "make -n" make -n -C "$dir"
	measure touch "$tmp/bench-touch" 40
	"$tmp/bench-stamp" "$file"
	measure status "$LOOMCTL" status "$file"
	"$LOOMCTL" run "$file" | grep -q "Nothing to run" ||
	    { echo "run $file: not up to date" >&2; exit 1; }
	measure run "$LOOMCTL" run "$file"
	measure status-d "$LOOMCTL" status "$file"
	measure clean "$LOOMCTL" clean --dry-run "$file"
	"$LOOMCTL" daemon stop >/dev/null 2>&1 || true
	rm -rf "$dir"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
