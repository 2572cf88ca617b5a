#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What a save from the editor costs (issue 11): a 1,000-step pipeline
# (bench/gen-pipeline.py, layers) is opened and saved through a running
# daemon, over its socket, by one client:
#   ping       daemon.ping: the round trip alone, the floor
#   open       pipeline.open: load, validate and model (the reference: the
#              editor does it once per file)
#   save-set   pipeline.save with one edit (a parameter's value), version
#              check, splice, atomic durable write and reload included
#   save-move  pipeline.save with one move (a node's position)
#   save-rename  pipeline.save renaming a data entry that many steps use
#              (every reference rewritten)
#   dry-run    pipeline.save with dry_run and one move: what the editor
#              asks after each change (apply, load, validate, the whole
#              model sent back; nothing written)
# Each is the mean over BENCH_N calls (default 50) after 3 warm-up calls,
# printed in milliseconds and as a ratio to open. Measure a release build:
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release -DLOOM_TESTS=OFF
#   cmake --build build-rel -j2
#   bench/bench-save.sh build-rel/bin
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build/bin}
[ -x "$bin/loomd" ] || { echo "usage: $0 BIN_DIR (no loomd in $bin)" >&2; exit 2; }
. "$top/bench/lib.sh"
bench_private "$bin/loomctl" 300
pid=
bench_cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null; }

python3 "$top/bench/gen-pipeline.py" --steps 1000 --shape layers "$tmp/exp" \
    >/dev/null
file=$(ls "$tmp"/exp/*.yml | head -n 1)
"$bin/loomd" --foreground --idle-timeout 300 2>"$tmp/loomd.err" &
pid=$!
while [ ! -S "$LOOM_SOCKET" ]; do sleep 0.01; done

PYTHONPATH="$top/tests/integration" python3 - "$file" "${BENCH_N:-50}" <<'PY'
import sys, time
import rpc

path, n = sys.argv[1], int(sys.argv[2])
c = rpc.Client(timeout=60)
for _ in range(100):
    try:
        c.call("daemon.ping")
        break
    except Exception:
        time.sleep(0.05)
model = c.call("pipeline.open", {"file": path})["result"]
version = model["version"]
param = model["parameters"][0]["name"] if model["parameters"] else None
text = open(path).read()
data = max((d["name"] for d in model["data"]),
           key=lambda name: text.count("$" + name) + text.count("${" + name + "}"))
uses = text.count("$" + data) + text.count("${" + data + "}")
step = model["steps"][0]["name"]
state = {"version": version, "i": 0}

def save(edits):
    r = c.call("pipeline.save", {"file": path, "base_version": state["version"],
                                 "edits": edits})
    if "result" not in r:
        raise SystemExit("save failed: %s" % r)
    state["version"] = r["result"]["version"]

def set_edit():
    state["i"] += 1
    if param is None:
        return [{"op": "move", "node": step, "x": state["i"], "y": 0}]
    return [{"op": "set", "path": ["parameters", param], "value": state["i"]}]

def move_edit():
    state["i"] += 1
    return [{"op": "move", "node": step, "x": state["i"], "y": 1}]

state["name"] = data
def rename_edit():
    a = state["name"]
    b = data + "_x" if a == data else data
    state["name"] = b
    return [{"op": "rename", "kind": "data", "from": a, "to": b}]

def dry_run():
    state["i"] += 1
    r = c.call("pipeline.save", {"file": path, "base_version": state["version"],
                                 "dry_run": True, "edits": [
                                     {"op": "move", "node": step, "x": state["i"], "y": 2}]})
    if "result" not in r:
        raise SystemExit("dry run failed: %s" % r)

def bench(label, fn):
    for _ in range(3):
        fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1000

ping = bench("ping", lambda: c.call("daemon.ping"))
opn = bench("open", lambda: c.call("pipeline.open", {"file": path}))
st = bench("save-set", lambda: save(set_edit()))
mv = bench("save-move", lambda: save(move_edit()))
rn = bench("save-rename", lambda: save(rename_edit()))
dr = bench("dry-run", dry_run)
size = len(open(path, "rb").read())
print("pipeline: 1000 steps, %d bytes, %d calls each; the renamed entry "
      "has %d references" % (size, n, uses))
for label, ms in (("ping", ping), ("open", opn), ("save-set", st),
                  ("save-move", mv), ("save-rename", rn), ("dry-run", dr)):
    print("%-12s %8.2f ms  %5.2fx open" % (label, ms, ms / opn))
PY
