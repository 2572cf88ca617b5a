#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The daemon's freshness checks off its loop (issue 13), measured:
#   freshness  pipeline.freshness of a 10,000-step chain whose steps are
#              all fresh (bench-stamp.c): median wall per request and the
#              daemon's CPU over it (all its threads, /proc/PID/task/*/
#              schedstat), RUNS requests;
#              the hop to the hashing thread and back is in both
#   ping       daemon.ping sent every 5 ms on a second connection while
#              pipeline.freshness hashes 400 MiB: 400 inputs of 1 MiB
#              (sparse) whose times, in the future, are too close to
#              their stamp's to be trusted, touched since (so that no
#              remembered hash holds): the longest and median ping wait,
#              against how long the check took. With the check on the
#              loop the longest ping is the whole hash; off it, ms.
# Use a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   bench/bench-fresh-daemon.sh build-rel [STEPS] [RUNS]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
STEPS=${2:-10000}
RUNS=${3:-11}
LIB="$BUILD/common/libloomcommon.a"
LOOMCTL="$BUILD/bin/loomctl"
LOOMD="$BUILD/bin/loomd"
[ -f "$LIB" ] && [ -x "$LOOMD" ] || { echo "no $LIB or $LOOMD: build first" >&2; exit 2; }
. "$SRC/bench/lib.sh"
bench_private "$LOOMCTL"
unset VIRTUAL_ENV
bench_stamp_tool "$SRC" "$LIB" "$tmp/bench-stamp"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs"
python3 "$SRC/bench/gen-pipeline.py" --steps "$STEPS" --shape chain "$tmp/chain"
"$tmp/bench-stamp" "$tmp/chain/experiment.yml"
"$LOOMCTL" run "$tmp/chain/experiment.yml" | grep -q "Nothing to run" ||
    { echo "chain: not up to date" >&2; exit 1; }

mkdir -p "$tmp/big/in" "$tmp/big/out" "$tmp/big/tasks"
printf 'for a; do case $p in -o) : >"$a";; esac; p=$a; done\n' \
    >"$tmp/big/tasks/a.sh"
future=$(($(date +%s) + 86400))
{
	echo "data:"
	echo "  out: {path: out/a}"
	for i in $(seq 400); do
		truncate -s 1M "$tmp/big/in/f$i"
		echo "  f$i: {path: in/f$i}"
	done
	echo "pipeline:"
	echo "  - name: a"
	echo "    task: tasks/a.sh"
	echo "    outputs: {-o: \$out}"
	echo "    inputs:"
	for i in $(seq 400); do
		echo "      --f$i: \$f$i"
	done
} >"$tmp/big/experiment.yml"
touch -d "@$future" "$tmp"/big/in/f*
"$LOOMCTL" run "$tmp/big/experiment.yml" >/dev/null
# New change times: no hash remembered is valid any more.
touch -d "@$future" "$tmp"/big/in/f*

python3 - "$LOOM_SOCKET" "$RUNS" "$tmp/chain/experiment.yml" \
    "$tmp/big/experiment.yml" <<'PY'
import json, os, socket, statistics, sys, threading, time
path, runs, chain, big = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

class Conn:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""
        self.n = 0
    def call(self, method, params):
        self.n += 1
        self.s.sendall(json.dumps({"jsonrpc": "2.0", "id": self.n,
            "method": method, "params": params}).encode() + b"\n")
        while b"\n" not in self.buf:
            self.buf += self.s.recv(1 << 20)
        line, self.buf = self.buf.split(b"\n", 1)
        msg = json.loads(line)
        if "error" in msg:
            sys.exit("%s: %s" % (method, msg["error"]))
        return msg["result"]

def daemon_ns(c):
    """CPU of every thread of the daemon (the hashing one too)."""
    pid = c.call("daemon.ping", {})["pid"]
    tasks = "/proc/%d/task" % pid
    return sum(int(open("%s/%s/schedstat" % (tasks, t)).read().split()[0])
               for t in os.listdir(tasks))

c = Conn()
wall, dcpu = [], []
for r in range(runs + 1):
    d0 = daemon_ns(c)
    t0 = time.perf_counter()
    res = c.call("pipeline.freshness", {"file": chain})
    t1 = time.perf_counter()
    d1 = daemon_ns(c)
    assert res["fresh"] == len(res["steps"]), res["stale"]
    if r:
        wall.append((t1 - t0) * 1e3)
        dcpu.append((d1 - d0) / 1e6)
m = statistics.median
print("  freshness %d steps: wall %.1f ms  loomd CPU %.1f ms  (min wall %.1f)"
      % (len(res["steps"]), m(wall), m(dcpu), min(wall)))

done = {}
def check():
    t0 = time.perf_counter()
    r = Conn().call("pipeline.freshness", {"file": big})
    done["ms"] = (time.perf_counter() - t0) * 1e3
    done["state"] = r["steps"][0]["state"]
th = threading.Thread(target=check)
ping = Conn()
th.start()
waits = []
while th.is_alive():
    t0 = time.perf_counter()
    ping.call("daemon.ping", {})
    waits.append((time.perf_counter() - t0) * 1e3)
    time.sleep(0.005)
th.join()
print("  ping during a check of 400 x 1 MiB (%.0f ms, a %s): %d pings, "
      "longest %.1f ms, median %.2f ms"
      % (done["ms"], done["state"], len(waits), max(waits), m(waits)))
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
