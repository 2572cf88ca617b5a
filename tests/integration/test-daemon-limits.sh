#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# loomd under connection pressure:
#   S12 descriptors run out (loomd limited to 64, 200 connections opened):
#       a client connected before keeps being served, the daemon does not
#       die, and once the crowd leaves a new client is served again
#   1000 simultaneous idle clients (docs/daemon.md) while another client
#       keeps working; a client past LOOM_MAX_CLIENTS (1024) gets a
#       "too many clients" error and is closed
#   a vanished client (closed with replies still queued) harms nobody
source "$(dirname "$0")/lib.sh"

ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"

note "S12 descriptor exhaustion"
LOOMD_NOFILE=64 start_loomd --idle-timeout 60
"$PYTHON" - "$RPC_PY" "$LOOM_SOCKET" "$LOOMD_PID" <<'PY' || fail "S12 checks failed"
import importlib.util, socket, sys, time
spec = importlib.util.spec_from_file_location("rpc", sys.argv[1])
rpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpc)
path, pid = sys.argv[2], int(sys.argv[3])

def cpu_ticks():
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])

early = rpc.Client(path)
crowd = []
for i in range(200):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)          # lands in the backlog once loomd is full
    crowd.append(s)
t0 = cpu_ticks()
# While saturated, the early client is still served.
for i in range(5):
    r = early.call("daemon.ping")
    assert "result" in r, r
    time.sleep(0.5)
used = cpu_ticks() - t0
print("loomd CPU while saturated: %d ticks in ~2.5 s" % used)
with open("/proc/%d/status" % pid) as f:
    assert any(l.startswith("State:") for l in f)
for s in crowd:
    s.close()
early.close()
# Once they are gone, new clients are served (the accept pause is 1 s).
deadline = time.monotonic() + 20
while True:
    try:
        c = rpc.Client(path, timeout=2)
        r = c.call("daemon.ping", timeout=2)
        assert "result" in r
        break
    except Exception as e:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
print("served again after the crowd left")
PY
grep -q "accept: Too many open files; pausing for 1 s" "$TEST_TMP"/loomd.*.err ||
    fail "EMFILE back-off not logged"
stop_loomd

note "1000 idle clients, and the client cap"
start_loomd --idle-timeout 60
"$PYTHON" - "$RPC_PY" "$LOOM_SOCKET" <<'PY' || fail "client count checks failed"
import importlib.util, json, socket, sys, time
spec = importlib.util.spec_from_file_location("rpc", sys.argv[1])
rpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpc)
path = sys.argv[2]
worker = rpc.Client(path)
idle = []
for i in range(1000):
    idle.append(rpc.Client(path))
    if i % 250 == 0:
        assert "result" in worker.call("daemon.ping")
# A connect returns once the kernel queued it; the daemon accepts soon
# after, so count until all are in (or the deadline says they never are).
deadline = time.monotonic() + 20
while True:
    r = worker.call("daemon.status")
    if r["result"]["clients"] == 1001 or time.monotonic() > deadline:
        break
    time.sleep(0.1)
assert r["result"]["clients"] == 1001, r
# Fill up to the cap, then one more.
while len(idle) < 1023:
    idle.append(rpc.Client(path))
extra = rpc.Client(path)
lines = extra.read_until_closed(10)
assert len(lines) == 1 and "too many clients" in json.loads(lines[0])["error"]["message"], lines
assert "result" in idle[500].call("daemon.ping")
# A client that asks and leaves without reading.
for c in idle[:200]:
    c.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"daemon.status"}\n')
    c.close()
for c in idle[200:]:
    c.close()
r = worker.call("daemon.status")
assert "result" in r, r
print("clients after the crowd:", r["result"]["clients"])
PY
wait_for 10 sh -c "\"$PYTHON\" \"$RPC_PY\" -s \"$LOOM_SOCKET\" call daemon.status | grep -q '\"clients\": 1,'"
stop_loomd
echo PASS
