#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Raw-socket checks of loomd's editor bridge (standard library only).

Speaks HTTP/1.1 and RFC 6455 frames byte by byte, so each check sends
exactly what it means to send (malformed Host or Origin headers, bad
handshakes, unmasked or oversized frames) and sees exactly what comes
back (status, headers, whether any frame followed a refusal, close
codes and which side closed).

    webbridge.py URL ROOT [--mark VALUE]
    webbridge.py hold URL      open an editor connection, print "open",
                               keep it (answering pings) until stdin closes
    webbridge.py quiet URL SECS ROUNDS
                               open an editor connection; ROUNDS times,
                               stay silent SECS seconds, then make a call
                               that must be answered; print a line each

URL is what `loomctl ui` printed; ROOT the experiment folder it was
opened on (holding experiment.yml, tasks/hello.sh and the preview
fixtures that test-web-bridge.sh creates). Prints one line per check
and exits 1 when any failed. Covers RELIABILITY W2, W3, W4 (token part),
W5, W6, W8, W10, W11, W14, W15 (when ROOT holds flood.yml), W16, F2, F3
and the JSON-RPC bridge itself.
"""
import base64
import json
import os
import re
import socket
import struct
import sys
import time
import urllib.parse

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


class Response:
    def __init__(self, status, headers, body, raw):
        self.status = status
        self.headers = headers  # list of (lower-case name, value)
        self.body = body
        self.raw = raw

    def header(self, name):
        for k, v in self.headers:
            if k == name.lower():
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k == name.lower()]


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_response(s, keep=False):
    """Read one HTTP response (head + Content-Length body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    if b"\r\n\r\n" not in buf:
        return Response(0, [], b"", buf)
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d+)", lines[0])
    status = int(m.group(1)) if m else 0
    headers = []
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers.append((k.strip().lower(), v.strip()))
    n = 0
    for k, v in headers:
        if k == "content-length":
            n = int(v)
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    body, extra = rest[:n], rest[n:]
    r = Response(status, headers, body, buf)
    r.extra = extra
    return r


def request(port, path="/", host=None, headers=(), method="GET",
            version="1.1", raw_host=None, body=b""):
    """One request on a fresh connection; host None means 127.0.0.1:PORT."""
    s = connect(port)
    lines = ["%s %s HTTP/%s" % (method, path, version)]
    if raw_host is None:
        lines.append("Host: %s" % (host if host is not None
                                   else "127.0.0.1:%d" % port))
    lines.extend(headers)
    data = ("\r\n".join(lines) + "\r\n").encode("latin-1")
    if body:
        data += b"Content-Length: %d\r\n" % len(body)
    data += b"\r\n" + body
    if raw_host is not None:
        data = raw_host
    s.sendall(data)
    try:
        r = read_response(s)
        # Nothing may follow a refusal: no 101, no frame.
        s.settimeout(0.3)
        try:
            more = s.recv(4096)
        except socket.timeout:
            more = b""
        r.after = r.extra + more
    except (ConnectionResetError, socket.timeout):
        r = Response(0, [], b"", b"")
        r.after = b""
    s.close()
    return r


def ws_key():
    return base64.b64encode(os.urandom(16)).decode()


class WS:
    """A WebSocket client speaking raw frames."""

    def __init__(self, port, cookie=None, origin=None, path="/ws",
                 extra=(), token=None):
        self.port = port
        self.s = connect(port)
        origin = origin if origin is not None else "http://127.0.0.1:%d" % port
        if token is not None:
            path += ("&" if "?" in path else "?") + "token=" + token
        lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port,
                 "Upgrade: websocket", "Connection: Upgrade",
                 "Sec-WebSocket-Version: 13",
                 "Sec-WebSocket-Key: %s" % ws_key()]
        if origin:
            lines.append("Origin: %s" % origin)
        if cookie:
            lines.append("Cookie: %s" % cookie)
        lines.extend(extra)
        self.s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.resp = read_response(self.s)
        self.buf = getattr(self.resp, "extra", b"")
        self.next_id = 1

    def send_frame(self, opcode, payload, fin=True, mask=True, rsv=0):
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
        if mask:
            key = os.urandom(4)
            body = bytes(c ^ key[i % 4] for i, c in enumerate(payload)) \
                if n < 65536 else _xor(payload, key)
            self.s.sendall(hdr + key + body)
        else:
            self.s.sendall(hdr + payload)

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise EOFError("closed")
            self.buf += chunk

    def recv_frame(self):
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        off = 2
        if n == 126:
            self._need(4)
            n = struct.unpack("!H", self.buf[2:4])[0]
            off = 4
        elif n == 127:
            self._need(10)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            off = 10
        self._need(off + n)
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return b0 & 0x0F, payload, bool(b1 & 0x80)

    def close_code(self, timeout=5.0):
        """Read frames until a close frame; its code (or None at EOF)."""
        self.s.settimeout(timeout)
        try:
            while True:
                op, payload, _ = self.recv_frame()
                if op == 8:
                    return struct.unpack("!H", payload[:2])[0] \
                        if len(payload) >= 2 else 1005
        except (EOFError, ConnectionResetError, socket.timeout):
            return None

    def call(self, method, params=None, timeout=10.0):
        i = self.next_id
        self.next_id += 1
        self.send_frame(1, json.dumps({"jsonrpc": "2.0", "id": i,
                                       "method": method,
                                       "params": params or {}}).encode())
        return self.wait(lambda m: m.get("id") == i, timeout)

    def wait(self, pred, timeout=10.0, seen=None):
        end = time.time() + timeout
        while time.time() < end:
            self.s.settimeout(max(0.05, end - time.time()))
            try:
                op, payload, _ = self.recv_frame()
            except socket.timeout:
                break
            if op == 9:
                self.send_frame(10, payload)
                continue
            if op != 1:
                continue
            m = json.loads(payload)
            if seen is not None:
                seen.append(m)
            if pred(m):
                return m
        raise TimeoutError("no matching message")

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def _frame_bytes(opcode, payload, fin=True):
    """A masked client frame as bytes (small payloads)."""
    key = os.urandom(4)
    return struct.pack("!BB", (0x80 if fin else 0) | opcode,
                       0x80 | len(payload)) + key + \
        bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def _xor(data, key):
    k = (key * (len(data) // 4 + 1))[:len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(
        len(data), "big")


def main():
    url = sys.argv[1]
    root = sys.argv[2]
    mark = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--mark" \
        else None
    u = urllib.parse.urlparse(url)
    port = u.port
    q = urllib.parse.parse_qs(u.query)
    token = q["token"][0]
    cookie_name = "loom_token_%d" % port
    cookie = "%s=%s" % (cookie_name, token)
    C = ["Cookie: " + cookie]

    # --- the token's first use: cookie and redirect (W16) ---
    r = request(port, u.path + "?" + u.query)
    check(r.status == 302, "W4 the URL with ?token= answers 302 (%d)" % r.status)
    sc = r.header("set-cookie") or ""
    check(sc.startswith(cookie_name + "=" + token + ";"),
          "W16 cookie named after the port: %s" % sc.split("=")[0])
    for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
        check(attr in sc, "W16 cookie has %s" % attr)
    check(token not in (r.header("location") or ""),
          "W16 redirect drops the token from the address")
    check(r.header("referrer-policy") == "no-referrer",
          "W16 Referrer-Policy: no-referrer on the redirect")
    r = request(port, "/", headers=C)
    check(r.status == 200, "W2 own Host with cookie -> 200 (%d)" % r.status)
    check(r.header("referrer-policy") == "no-referrer",
          "W16 Referrer-Policy: no-referrer on the page")
    page = r.body
    r = request(port, "/", host="localhost:%d" % port, headers=C)
    check(r.status == 200, "W2 localhost:PORT -> 200 (%d)" % r.status)

    # --- W4: token ---
    r = request(port, "/")
    check(r.status == 403 and page[:40] not in r.body,
          "W4 no token -> 403 without the page (%d)" % r.status)
    wrong = ("0" if token[0] != "0" else "1") + token[1:]
    r = request(port, "/", headers=["Cookie: %s=%s" % (cookie_name, wrong)])
    check(r.status == 403, "W4 wrong token of equal length -> 403 (%d)" % r.status)
    r = request(port, "/?token=" + wrong)
    check(r.status == 403, "W4 wrong ?token= -> 403 (%d)" % r.status)
    check(len(token) >= 32 and re.fullmatch("[0-9a-f]+", token) is not None,
          "W4 token is >= 128 bits of hex (%d hex digits)" % len(token))

    # --- W2: Host ---
    for h in ("evil.example:%d" % port, "localhost6:%d" % port,
              "127.0.0.1.nip.io:%d" % port, "localhost:%d" % (port + 1),
              "0.0.0.0:%d" % port):
        r = request(port, "/", host=h, headers=C)
        check(r.status == 403 and page[:40] not in r.body,
              "W2 Host %s -> 403 (%d)" % (h, r.status))
    r = request(port, "/", raw_host=("GET / HTTP/1.1\r\n%s\r\n\r\n" % C[0])
                .encode())
    check(r.status == 400, "W2 no Host on HTTP/1.1 -> 400 (%d)" % r.status)

    # --- W3: malformed headers, then still alive ---
    bad = [("Host", ""), ("Host", "["), ("Host", "http://"),
           ("Host", "a" * 8192), ("Origin", ""), ("Origin", "["),
           ("Origin", "http://"), ("Origin", "b" * 8192)]
    for k, v in bad:
        hs = [] if k == "Host" else ["Host: 127.0.0.1:%d" % port]
        data = ("GET / HTTP/1.1\r\n" + "\r\n".join(
            hs + ["%s: %s" % (k, v), C[0]]) + "\r\n\r\n").encode()
        r = request(port, raw_host=data)
        check(r.status in (400, 403, 431) or (r.status == 0 and len(v) > 4000),
              "W3 %s of %d bytes -> %d" % (k, len(v), r.status))
    data = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode() + \
        b"\x80\xff\r\n" + C[0].encode() + b"\r\n\r\n"
    r = request(port, raw_host=data)
    check(r.status in (400, 403), "W3 Host with bytes 0x80-0xFF -> %d" % r.status)
    data = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nHost: 127.0.0.1:%d\r\n"
            "%s\r\n\r\n" % (port, port, C[0])).encode()
    r = request(port, raw_host=data)
    check(r.status == 400, "W3 duplicated Host -> 400 (%d)" % r.status)
    data = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port).encode() + \
        b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n"
    r = request(port, raw_host=data)
    check(r.status in (0, 400, 413, 431) and r.status != 200,
          "W3 10000 header lines refused (%d)" % r.status)
    r = request(port, "/", headers=C)
    check(r.status == 200, "W3 alive after malformed headers (%d)" % r.status)

    # --- W5, W6: Origin on the upgrade ---
    for o in ("http://evil.example", "null", "http://127.0.0.1:%d" % (port + 1),
              "http://localhost.evil.example:%d" % port,
              "https://127.0.0.1:%d" % port,
              "http://127.0.0.1:%d.evil.example" % port):
        w = WS(port, cookie=cookie, origin=o)
        after = w.buf
        w.s.settimeout(0.3)
        try:
            after += w.s.recv(4096)
        except (socket.timeout, ConnectionResetError):
            pass
        check(w.resp.status == 403 and b"\x81" not in after[:1] and
              b"101" not in w.resp.raw.split(b"\r\n")[0],
              "W5/W6 Origin %s with a valid cookie -> 403, no frame (%d)"
              % (o, w.resp.status))
        w.close()
    w = WS(port, cookie=None)
    check(w.resp.status == 403, "W4 upgrade without token -> 403 (%d)" % w.resp.status)
    w.close()
    w = WS(port, cookie="%s=%s" % (cookie_name, wrong))
    check(w.resp.status == 403, "W4 upgrade with a wrong token -> 403 (%d)" % w.resp.status)
    w.close()
    w = WS(port, token=token)
    check(w.resp.status == 101, "upgrade with ?token= -> 101 (%d)" % w.resp.status)
    w.close()

    # --- F2: handshake ---
    def hs(lines, method="GET"):
        data = ("%s /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: "
                "http://127.0.0.1:%d\r\n%s\r\n" % (method, port, port, C[0]) +
                "".join(x + "\r\n" for x in lines) + "\r\n").encode()
        return request(port, raw_host=data)
    base = ["Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Version: 13"]
    r = hs(base)
    check(r.status == 400, "F2 missing Sec-WebSocket-Key -> 400 (%d)" % r.status)
    r = hs(base + ["Sec-WebSocket-Key: c2hvcnQ="])
    check(r.status == 400, "F2 malformed Sec-WebSocket-Key -> 400 (%d)" % r.status)
    r = hs(["Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Version: 8", "Sec-WebSocket-Key: " + ws_key()])
    check(r.status == 426 and r.header("sec-websocket-version") == "13",
          "F2 version 8 -> 426 with Sec-WebSocket-Version: 13 (%d)" % r.status)
    r = hs(["Connection: Upgrade", "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: " + ws_key()])
    check(r.status != 101 and r.status != 0, "F2 no Upgrade header -> %d" % r.status)
    r = hs(base + ["Sec-WebSocket-Key: " + ws_key()], method="POST")
    check(r.status not in (0, 101), "F2 POST upgrade -> %d" % r.status)

    # --- W8: no CORS, ever ---
    for path in ("/", "/ws", "/file?target=0&path=data/table.csv"):
        r = request(port, path, method="OPTIONS",
                    headers=C + ["Origin: http://evil.example",
                                 "Access-Control-Request-Method: POST"])
        check(not any(k.startswith("access-control-") for k, _ in r.headers),
              "W8 OPTIONS %s from a foreign origin: no CORS headers (%d)"
              % (path, r.status))
    r = request(port, "/", headers=C + ["Origin: http://evil.example"])
    check(r.status == 403 and r.header("access-control-allow-origin") is None,
          "W8 GET with a foreign Origin -> 403, no ACAO (%d)" % r.status)
    r = request(port, "/", method="POST", body=b"a=b",
                headers=C + ["Content-Type: application/x-www-form-urlencoded"])
    check(r.status == 403, "W9 form POST -> 403 (%d)" % r.status)

    # --- W10: confinement of /file, W11 isolation ---
    r = request(port, "/file?target=0&path=data/table.csv", headers=C)
    check(r.status == 200 and r.body.startswith(b"name,score"),
          "W10 a file inside the folder is served (%d)" % r.status)
    secret = open("/etc/passwd", "rb").read()[:20]
    for p in ("../outside.txt", "%2e%2e/outside.txt", "/etc/passwd",
              "data/../../outside.txt", "data/link-out", "data/link-etc",
              "data", "data/fifo", "data/table.csv%00.png",
              "%2Fetc%2Fpasswd", "data/..%2F..%2Foutside.txt"):
        t0 = time.time()
        r = request(port, "/file?target=0&path=" + p, headers=C)
        check(r.status in (403, 404) and b"OUTSIDE" not in r.body and
              secret not in r.body and time.time() - t0 < 4,
              "W10 %s -> %d" % (p, r.status))
    r = request(port, "/file?target=7&path=data/table.csv", headers=C)
    check(r.status == 404, "W10 unknown target -> 404 (%d)" % r.status)
    r = request(port, "/file?target=0&path=data/page.html", headers=C)
    check(r.status == 200 and r.header("content-security-policy") == "sandbox"
          and r.header("x-content-type-options") == "nosniff" and
          "html" not in (r.header("content-type") or ""),
          "W11 HTML output: CSP sandbox, nosniff, not text/html (%s)"
          % r.header("content-type"))
    r = request(port, "/file?target=0&path=data/pic.svg", headers=C)
    check(r.header("content-security-policy") == "sandbox" and
          r.header("x-content-type-options") == "nosniff",
          "W11 SVG output: CSP sandbox and nosniff")
    r = request(port, "/", headers=C)
    check(r.status == 200, "alive after the FIFO (%d)" % r.status)

    # --- the JSON-RPC bridge ---
    a = WS(port, cookie=cookie, path="/ws?target=0")
    check(a.resp.status == 101, "upgrade with cookie and own Origin -> 101")
    m = a.call("daemon.ping")
    check(m.get("result", {}).get("pong") is True, "daemon.ping over the bridge")
    m = a.call("pipeline.open", {"file": root + "/experiment.yml"})
    res = m.get("result", {})
    check(res.get("ok") is True and [s["name"] for s in res.get("steps", [])]
          == ["hello"], "pipeline.open over the bridge")
    for p, want in (("../outside.txt", -32005), ("/etc/passwd", -32005),
                    ("data/link-out", -32005), ("data/fifo", -32005)):
        m = a.call("file.preview", {"file": root + "/experiment.yml", "path": p})
        check(m.get("error", {}).get("code") == want,
              "W10 file.preview %s -> %s" % (p, m.get("error", {}).get("code")))
    m = a.call("file.preview", {"file": root + "/experiment.yml", "data": "table"})
    check(m.get("result", {}).get("rows", [[]])[0] == ["name", "score"],
          "file.preview of a CSV gives its rows")

    # Events arrive over the bridge; output stays base64 and verbatim;
    # a run started here, alone or in a batch, uses the environment of
    # `loomctl ui`.
    a.call("run.subscribe", {})
    seen = []
    m = a.call("run.start", {"file": root + "/experiment.yml"})
    run = m.get("result", {}).get("run")
    check(run is not None, "run.start over the bridge: %s" % m.get("error"))
    out = b""
    try:
        while True:
            ev = a.wait(lambda x: x.get("method", "").startswith("run.") and
                        x.get("params", {}).get("run") == run, 30, seen)
            if ev["method"] == "run.output":
                out += base64.b64decode(ev["params"]["data"])
            if ev["method"] == "run.finished":
                break
    except TimeoutError:
        pass
    methods = [x.get("method") for x in seen]
    check("run.started" in methods and "run.finished" in methods,
          "events over the bridge: %s" % sorted(set(filter(None, methods))))
    check(b"hello \xff\xfe\x1b[31mred\x1b[0m\r50%\r100%" in out,
          "run.output bytes arrive verbatim: %r" % out[:80])
    if mark:
        check(("mark=" + mark).encode() in out,
              "the run sees the environment of loomctl ui")
        # The same run.start inside a batch gets the same environment:
        # the connection carries it, the method applies it.
        a.send_frame(1, json.dumps([
            {"jsonrpc": "2.0", "id": "b1", "method": "daemon.ping"},
            {"jsonrpc": "2.0", "id": "b2", "method": "run.start",
             "params": {"file": root + "/experiment.yml", "force": True}},
        ]).encode())
        seen = []
        batch = a.wait(lambda x: isinstance(x, list), 10, seen)
        run = next((r.get("result", {}).get("run") for r in batch
                    if r.get("id") == "b2"), None)
        check(run is not None, "run.start in a batch over the bridge: %r"
              % batch)
        out = b""
        try:
            while run:
                ev = a.wait(lambda x: isinstance(x, dict) and
                            x.get("params", {}).get("run") == run, 30)
                if ev["method"] == "run.output":
                    out += base64.b64decode(ev["params"]["data"])
                if ev["method"] == "run.finished":
                    break
        except TimeoutError:
            pass
        check(("mark=" + mark).encode() in out,
              "a run started in a batch sees the environment of loomctl "
              "ui: %r" % out[-80:])

    # --- W15: a subscriber that never reads does not hold anything up ---
    if os.path.exists(os.path.join(root, "flood.yml")):
        a.call("run.unsubscribe", {})
        c = WS(port, cookie=cookie)
        slow = WS(port, cookie=cookie)
        slow.call("run.subscribe", {})
        m = c.call("run.start", {"file": root + "/flood.yml"})
        run = m.get("result", {}).get("run")
        state = None
        end = time.time() + 120
        while run and time.time() < end:
            st = c.call("run.status", {"run": run}, 60).get("result", {})
            state = st.get("state")
            if state not in (None, "running"):
                break
            time.sleep(0.2)
        check(state == "succeeded",
              "W15 a 48 MB step finishes with a stalled subscriber (%s)" % state)
        m = a.call("daemon.ping")
        check(m.get("result", {}).get("pong") is True,
              "W15 the daemon answers others meanwhile")
        gap = closed = False
        # Now read what piled up: the output up to the cap, then the gap
        # notice (or the close) behind it. No SO_RCVBUF shrinking above:
        # a tiny window would make this drain take minutes.
        slow.s.settimeout(10)
        try:
            while True:
                op, payload, _ = slow.recv_frame()
                if op == 8:
                    closed = True
                    break
                if op == 1 and b'"run.output_gap"' in payload[:200]:
                    gap = True
                    break
        except (EOFError, ConnectionResetError):
            closed = True
        except socket.timeout:
            pass
        check(gap or closed, "W15 the stalled subscriber got run.output_gap "
              "or was closed (gap=%s closed=%s)" % (gap, closed))
        slow.close()
        c.close()

    # --- W14, F3 and frame limits; others unaffected ---
    b = WS(port, cookie=cookie)
    try:
        b.send_frame(1, b"x" * (1024 * 1024 + 10))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the daemon may refuse before the last byte arrives
    check(b.close_code() == 1009, "W14 message over 1 MiB -> close 1009")
    b.close()
    b = WS(port, cookie=cookie)
    b.send_frame(1, b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping"}', mask=False)
    check(b.close_code() == 1002, "F3 unmasked client frame -> close 1002")
    b.close()
    b = WS(port, cookie=cookie)
    b.send_frame(1, b"\xff\xfe")
    check(b.close_code() == 1007, "invalid UTF-8 text -> close 1007")
    b.close()
    b = WS(port, cookie=cookie)
    b.send_frame(2, b"\x00\x01")
    check(b.close_code() == 1003, "binary message -> close 1003")
    b.close()
    b = WS(port, cookie=cookie)
    b.send_frame(1, b"x", rsv=4)
    check(b.close_code() == 1002, "RSV1 without extension -> close 1002")
    b.close()
    b = WS(port, cookie=cookie)
    b.send_frame(9, b"x" * 126)
    b.s.settimeout(5)
    try:
        op, payload, _ = b.recv_frame()
    except (EOFError, ConnectionResetError, socket.timeout):
        op, payload = None, b""
    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
    check(op == 8 and code == 1002,
          "126-byte ping -> no pong, close 1002 (%s, %d)" % (op, code))
    b.close()
    # A good frame and a bad one in the same packet: 1002 all the same
    # (the connection is failed, so the pong may or may not go first).
    b = WS(port, cookie=cookie)
    b.s.sendall(_frame_bytes(9, b"first") + _frame_bytes(9, b"x", fin=False))
    check(b.close_code() == 1002,
          "ping, then a fragmented ping in one packet -> close 1002")
    b.close()
    # A 16-bit length holding a value under 126 is not the shortest form.
    b = WS(port, cookie=cookie)
    b.s.sendall(struct.pack("!BBH", 0x81, 0x80 | 126, 5) + b"\0\0\0\0" +
                b"hello")
    check(b.close_code() == 1002, "length not in its shortest form -> 1002")
    b.close()
    # Fragmented request, ping in between: answered once.
    b = WS(port, cookie=cookie)
    msg = b'{"jsonrpc":"2.0","id":7,"method":"daemon.ping","params":{}}'
    b.send_frame(1, msg[:10], fin=False)
    b.send_frame(9, b"hi")
    b.send_frame(0, msg[10:], fin=True)
    b.s.settimeout(5)
    op, payload, _ = b.recv_frame()
    check(op == 10 and payload == b"hi", "ping between fragments -> pong")
    r = b.wait(lambda x: x.get("id") == 7, 5)
    check(r.get("result", {}).get("pong") is True, "fragmented request answered")
    b.send_frame(1, b"{not json")
    r = b.wait(lambda x: "error" in x, 5)
    check(r["error"]["code"] == -32700, "bad JSON -> -32700, connection open")
    b.send_frame(8, struct.pack("!H", 1000))
    check(b.close_code() == 1000, "close handshake echoed with 1000")
    b.close()
    m = a.call("daemon.ping")
    check(m.get("result", {}).get("pong") is True,
          "the first editor is unaffected by the others' violations")
    a.close()

    print("%d check(s) failed" % len(FAILS) if FAILS else "all checks passed")
    return 1 if FAILS else 0


def hold(url):
    u = urllib.parse.urlparse(url)
    token = urllib.parse.parse_qs(u.query)["token"][0]
    w = WS(u.port, token=token)
    if w.resp.status != 101:
        print("refused %d" % w.resp.status, flush=True)
        return 1
    print("open", flush=True)
    sys.stdin.read()
    w.send_frame(8, struct.pack("!H", 1000))
    w.close_code(2)
    w.close()
    return 0


def quiet(url, secs, rounds):
    u = urllib.parse.urlparse(url)
    token = urllib.parse.parse_qs(u.query)["token"][0]
    w = WS(u.port, token=token)
    check(w.resp.status == 101, "editor connection opened")
    for r in range(rounds):
        time.sleep(secs)
        try:
            m = w.call("run.list", timeout=10.0)
            ok = "result" in m
        except (TimeoutError, EOFError, OSError):
            ok = False
        check(ok, "answered after %g s of silence (round %d)" % (secs, r + 1))
    w.close()
    return 1 if FAILS else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "hold":
        sys.exit(hold(sys.argv[2]))
    if len(sys.argv) > 4 and sys.argv[1] == "quiet":
        sys.exit(quiet(sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
    sys.exit(main())
