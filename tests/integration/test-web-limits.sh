#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# W12: resource limits of the editor bridge's HTTP side. A 1 MiB header
# gets 431 or 400 (or the connection is refused), a 100 MiB body to a
# mutating path gets 413 or is refused, without the daemon reading it
# all, and the daemon is alive afterwards.
. "$(dirname "$0")/lib.sh"

exp="$TEST_TMP/exp"
make_hello_exp "$exp"
url=$("$LOOMCTL" ui --no-browser "$exp/experiment.yml") || fail "loomctl ui failed"

/usr/bin/python3 - "$url" <<'PY' || fail "W12 limit checks failed"
import socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
port = u.port
tok = urllib.parse.parse_qs(u.query)["token"][0]
bad = []

def status(head, body_len=0):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        s.sendall(head)
        chunk = b"x" * (1 << 20)
        for _ in range(body_len >> 20):
            s.sendall(chunk)
    except OSError:
        pass
    try:
        d = s.recv(4096)
    except OSError:
        d = b""
    s.close()
    if not d:
        return "refused"
    return d.split(b" ", 2)[1].decode("latin-1")

h = ("GET /?token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Big: " % (tok, port)).encode()
st = status(h + b"a" * (1 << 20) + b"\r\n\r\n")
print("1 MiB header ->", st)
if st not in ("431", "400", "refused"):
    bad.append("header")
h = ("POST /api/save?token=%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
     "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
     % (tok, port, 100 << 20)).encode()
st = status(h, 100 << 20)
print("100 MiB body ->", st)
if st not in ("413", "400", "403", "refused"):
    bad.append("body")
sys.exit(1 if bad else 0)
PY
st=$(curl -s -o /dev/null -w '%{http_code}' "$url")
[ "$st" = 302 ] || fail "after the limits the editor URL gave $st"
"$LOOMCTL" daemon status >/dev/null || fail "daemon not alive"
pid=$(daemon_pid)
"$LOOMCTL" daemon stop >/dev/null || fail "daemon stop failed"
wait_gone 20 "$pid"
lib_check_sanitizers || fail "sanitizer errors in loomd"
echo PASS
