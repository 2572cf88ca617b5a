#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# JSON-RPC over loomd's Unix socket, against the real daemon:
#   J1 framing: 1-byte writes, two requests in one write, one request over
#      10 writes, CRLF, blank lines; each request answered once, by id
#   J2 an oversized line (no newline yet): error reply, then close; the
#      daemon stays small and other clients are unaffected
#   J3 the JSON-RPC 2.0 table: [], [1], [1,2], missing method, non-string
#      method, unknown method, bad params, notifications (no reply), an
#      all-notification batch (no reply), ids string/number/null,
#      "jsonrpc":"1.0", invalid id type, mixed batch
#   J4 content: deep nesting, duplicate keys, invalid UTF-8, 1e400, -0,
#      2^64, "\u0000" -> -32700 or a proper error, never a crash
#   J5 half a request then close: no reply, no leak (LeakSanitizer at exit)
#   daemon.hello version check (-32000 with data), ping, status
#   hundreds of idle connections while another client keeps working
source "$(dirname "$0")/lib.sh"

start_loomd --idle-timeout 30

python3 - "$RPC_PY" "$LOOM_SOCKET" "$LOOMD_PID" <<'PY' || fail "protocol checks failed"
import importlib.util, json, os, socket, sys, time

spec = importlib.util.spec_from_file_location("rpc", sys.argv[1])
rpc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rpc)
path, daemon_pid = sys.argv[2], int(sys.argv[3])
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
        print("  not ok:", what)

def ping(i):
    return json.dumps({"jsonrpc": "2.0", "id": i,
                       "method": "daemon.ping"}).encode()

def vmrss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

# --- J1 framing ---
c = rpc.Client(path)
for b in ping(1) + b"\n":
    c.send_raw(bytes([b]))
r = c.recv()
check(r.get("id") == 1 and r["result"]["pong"] is True, "J1 1-byte writes")

c.send_raw(ping(2) + b"\n" + ping(3) + b"\n")
ids = [c.recv()["id"], c.recv()["id"]]
check(ids == [2, 3], "J1 two requests in one write: %r" % ids)

data = ping(4) + b"\n"
step = len(data) // 10 + 1
for i in range(0, len(data), step):
    c.send_raw(data[i:i + step])
    time.sleep(0.01)
check(c.recv()["id"] == 4, "J1 one request over 10 writes")

c.send_raw(ping(5) + b"\r\n\n\r\n   \n" + ping(6) + b"\r\n")
ids = [c.recv()["id"], c.recv()["id"]]
check(ids == [5, 6], "J1 CRLF and blank lines: %r" % ids)
check(c.expect_silence(0.3), "J1 no extra replies")
c.close()

# --- J3 the specification's table ---
def one(raw):
    c = rpc.Client(path)
    c.send_raw(raw + b"\n")
    try:
        r = c.recv(5)
    except Exception as e:
        r = e
    c.close()
    return r

def err_code(r, want_id="__none__"):
    if not isinstance(r, dict) or "error" not in r:
        return None
    if want_id != "__none__" and r.get("id") != want_id:
        return ("bad id", r.get("id"))
    return r["error"]["code"]

r = one(b"[]")
check(err_code(r, None) == -32600, "J3 [] -> one -32600 with id null: %r" % (r,))
r = one(b"[1]")
check(isinstance(r, list) and len(r) == 1 and r[0]["error"]["code"] == -32600
      and r[0]["id"] is None, "J3 [1] -> array of one -32600: %r" % (r,))
r = one(b"[1,2,3]")
check(isinstance(r, list) and [x["error"]["code"] for x in r] == [-32600] * 3,
      "J3 [1,2,3] -> three -32600: %r" % (r,))
r = one(b'{"jsonrpc":"2.0"}')
check(err_code(r, None) == -32600, "J3 no method -> -32600: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":7}')
check(err_code(r, 7) == -32600, "J3 no method, id kept: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":1,"method":1}')
check(err_code(r, 1) == -32600, "J3 non-string method: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":1,"method":"no.such"}')
check(err_code(r, 1) == -32601, "J3 unknown method: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping","params":[1]}')
check(err_code(r, 1) == -32602, "J3 array params: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping","params":"x"}')
check(err_code(r, 1) == -32600, "J3 scalar params: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":1,"method":"daemon.hello","params":{}}')
check(err_code(r, 1) == -32602, "J3 missing param: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":1,"method":"daemon.hello","params":{"protocol":"1"}}')
check(err_code(r, 1) == -32602, "J3 wrong param type: %r" % (r,))
r = one(b'{"jsonrpc":"1.0","id":1,"method":"daemon.ping"}')
check(err_code(r) == -32600, "J3 jsonrpc 1.0: %r" % (r,))
r = one(b'{"id":1,"method":"daemon.ping"}')
check(err_code(r) == -32600, "J3 no jsonrpc member: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":{"a":1},"method":"daemon.ping"}')
check(err_code(r, None) == -32600, "J3 object id: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":true,"method":"daemon.ping"}')
check(err_code(r, None) == -32600, "J3 boolean id: %r" % (r,))
for the_id in ["abc", 42, -1, 1.5, None]:
    raw = json.dumps({"jsonrpc": "2.0", "id": the_id,
                      "method": "daemon.ping"}).encode()
    r = one(raw)
    check(isinstance(r, dict) and r.get("id") == the_id and "result" in r,
          "J3 id %r echoed: %r" % (the_id, r))
r = one(b"42")
check(err_code(r, None) == -32600, "J3 scalar message: %r" % (r,))

c = rpc.Client(path)
c.send_raw(b'{"jsonrpc":"2.0","method":"daemon.ping"}\n'
           b'{"jsonrpc":"2.0","method":"no.such"}\n'
           b'{"jsonrpc":"2.0","method":"daemon.ping","params":[1]}\n'
           b'[{"jsonrpc":"2.0","method":"daemon.ping"},'
           b'{"jsonrpc":"2.0","method":"daemon.ping"}]\n')
check(c.expect_silence(0.5), "J3 notifications and all-notification batch get no reply")
c.send_raw(b'[{"jsonrpc":"2.0","method":"daemon.ping"},'
           b'{"jsonrpc":"2.0","id":"a","method":"daemon.ping"},'
           b'{"jsonrpc":"2.0","id":"b","method":"no.such"},5]\n')
r = c.recv()
check(isinstance(r, list) and len(r) == 3 and r[0]["id"] == "a"
      and "result" in r[0] and r[1]["error"]["code"] == -32601
      and r[2]["error"]["code"] == -32600,
      "J3 mixed batch: %r" % (r,))
c.close()

# --- J4 content ---
for raw, what in [
    (b"[" * 100000 + b"]" * 100000, "100000-deep arrays"),
    (b'{"a":' * 100000 + b"1" + b"}" * 100000, "100000-deep objects"),
    (b'{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"daemon.ping"}',
     "duplicate keys"),
    (b'{"jsonrpc":"2.0","id":1,"method":"daemon.p\xffng"}', "invalid UTF-8"),
    (b'{"jsonrpc":"2.0","id":1,"method":"\xc3"}', "cut UTF-8"),
    (b'{"jsonrpc":"2.0","id":1e400,"method":"daemon.ping"}', "1e400"),
    (b'{"jsonrpc":"2.0","id":18446744073709551616,"method":"daemon.ping"}',
     "2^64"),
    (b'{"jsonrpc":"2.0","id":"a\\u0000b","method":"daemon.ping"}', "NUL"),
    (b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping"', "truncated"),
    (b"\x00\x01\x02", "binary"),
]:
    r = one(raw)
    check(err_code(r, None) == -32700, "J4 %s -> -32700: %r" % (what, r))
r = one(b'{"jsonrpc":"2.0","id":-0,"method":"daemon.ping"}')
check(isinstance(r, dict) and r.get("id") == 0 and "result" in r,
      "J4 -0 id: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":1,"method":"daemon.hello",'
        b'"params":{"protocol":18446744073709551615}}')
check(err_code(r, None) == -32700, "J4 2^64-1 param: %r" % (r,))
r = one(b'{"jsonrpc":"2.0","id":1,"method":"daemon.hello",'
        b'"params":{"protocol":1e300}}')
check(err_code(r, 1) == -32602, "J4 float param: %r" % (r,))

# --- hello / version ---
c = rpc.Client(path)
r = c.call("daemon.hello", {"protocol": 1, "client": "test"})
check(r.get("result", {}).get("protocol") == 1, "hello v1: %r" % (r,))
r = c.call("daemon.hello", {"protocol": 99})
check(r.get("error", {}).get("code") == -32000 and
      r["error"]["data"]["daemon"] == 1 and r["error"]["data"]["client"] == 99,
      "hello v99 -> -32000 with data: %r" % (r,))
r = c.call("daemon.status")
check(r["result"]["pid"] == daemon_pid and r["result"]["clients"] >= 1,
      "status: %r" % (r,))

# --- J2 oversized line, and idle connections around it ---
other = rpc.Client(path)
idle = [rpc.Client(path) for _ in range(300)]
rss_before = vmrss_kib(daemon_pid)
big = rpc.Client(path)
chunk = b"x" * 65536
sent = 0
closed = False
try:
    big.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping","params":{"p":"')
    while sent < 8 * 1024 * 1024:
        big.send_raw(chunk)
        sent += len(chunk)
except (BrokenPipeError, ConnectionResetError):
    closed = True
try:
    lines = big.read_until_closed(10)
except socket.timeout:
    lines = None
check(lines is not None and len(lines) == 1 and
      json.loads(lines[0])["error"]["code"] == -32600 and
      "too large" in json.loads(lines[0])["error"]["message"],
      "J2 oversized line -> one -32600 then close: %r" % (lines,))
rss_after = vmrss_kib(daemon_pid)
check(rss_after - rss_before < 16 * 1024,
      "J2 daemon grew by %d KiB for an 8 MiB line" % (rss_after - rss_before))
r = other.call("daemon.ping")
check("result" in r, "J2 other client unaffected")
r = idle[150].call("daemon.ping")
check("result" in r, "300 idle connections: one of them still served")
r = other.call("daemon.status")
check(r["result"]["clients"] >= 302, "status counts idle clients: %r" % (r,))
for c in idle:
    c.close()

# --- J5 half a request, then close ---
for i in range(20):
    c = rpc.Client(path)
    c.send_raw(b'{"jsonrpc":"2.0","id":1,"meth')
    c.close()
check("result" in other.call("daemon.ping"), "J5 alive after half requests")
other.close()

if failures:
    print("%d protocol check(s) failed" % len(failures))
    sys.exit(1)
print("protocol checks passed")
PY

# J5: no reply was owed, and LeakSanitizer finds nothing at exit.
stop_loomd
echo PASS
