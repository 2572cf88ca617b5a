#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Slow and numerous clients against loomd's editor bridge (W13).

Standard library only; test-web-slowloris.sh runs it against a daemon
started by `loomctl ui`.

    webslow.py busy URL     200 connections trickle a request one byte a
                            second; meanwhile the editor page, a WebSocket
                            call and pipeline.open still work, and the
                            trickling connections are still open after
                            them. Then the caps: editor connections past
                            the limit get 503 with a message, and so do
                            HTTP connections past theirs; once the extra
                            ones are gone a request works again.
    webslow.py timeout URL  (daemon started with a short
                            LOOMD_HTTP_TIMEOUT) 200 trickling connections
                            are each answered 408 and closed by the
                            daemon, idle ones closed without an answer;
                            a normal request works afterwards.

Waits are generous bounds on polled conditions, never speed claims.
Prints one line per check and exits 1 when any failed.
"""
import os
import select
import socket
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webbridge import WS, request  # noqa: E402

FAILS = []
TRICKLERS = 200
WS_CAP = 64          # HTTP_MAX_WS_CLIENTS in loomd/http.h
HTTP_CAP = 256       # HTTP_MAX_CONNECTIONS in loomd/http.h


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


class Trickler:
    """A connection that sends a request one byte at a time."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.s.setblocking(False)
        # Never finished: the header section has no end.
        self.data = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: "
                     % port).encode() + b"a" * 100000
        self.off = 0
        self.closed = False
        self.got = b""

    def step(self):
        """Send one more byte; note whether the daemon closed."""
        if self.closed:
            return
        self.poll()
        if self.closed:
            return
        try:
            self.s.send(self.data[self.off:self.off + 1])
            self.off += 1
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.closed = True

    def poll(self):
        try:
            d = self.s.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.closed = True
            return
        if d:
            self.got += d
        else:
            self.closed = True

    def close(self):
        self.s.close()


def parse(url):
    u = urllib.parse.urlparse(url)
    token = urllib.parse.parse_qs(u.query)["token"][0]
    return u.port, token


def normal_requests(port, token, root=None):
    """The editor page with the cookie, a WebSocket call, pipeline.open."""
    cookie = "loom_token_%d=%s" % (port, token)
    r = request(port, "/", headers=["Cookie: " + cookie])
    check(r.status == 200 and b"<" in r.body,
          "the editor page with the token cookie -> 200 (%d)" % r.status)
    w = WS(port, cookie=cookie)
    ok = w.resp.status == 101
    if ok:
        m = w.call("daemon.ping", timeout=20)
        ok = m.get("result", {}).get("pong") is True
        if ok and root:
            m = w.call("pipeline.open", {"file": root + "/experiment.yml"},
                       timeout=20)
            ok = m.get("result", {}).get("ok") is True
    w.close()
    check(ok, "a WebSocket call is answered (upgrade %d)" % w.resp.status)


def trickle_round(ts):
    for t in ts:
        t.step()


def busy(url, root):
    port, token = parse(url)
    cookie = "loom_token_%d=%s" % (port, token)
    ts = [Trickler(port) for _ in range(TRICKLERS)]
    # A few seconds of trickling at one byte per second each.
    for _ in range(4):
        trickle_round(ts)
        time.sleep(1)
    normal_requests(port, token, root)
    trickle_round(ts)
    open_after = sum(1 for t in ts if not t.closed)
    check(open_after == TRICKLERS, "the %d trickling connections are "
          "still open after the normal requests (%d)"
          % (TRICKLERS, open_after))
    check(all(t.got == b"" for t in ts),
          "nothing was answered to a half-sent request yet")

    # The editor cap: WS_CAP editors, the next one is refused with 503
    # and a message that says why.
    editors = []
    for _ in range(WS_CAP):
        w = WS(port, cookie=cookie)
        if w.resp.status != 101:
            w.close()
            break
        editors.append(w)
    check(len(editors) == WS_CAP, "%d editors connect (%d)"
          % (WS_CAP, len(editors)))
    w = WS(port, cookie=cookie)
    body = w.resp.body.decode("utf-8", "replace")
    check(w.resp.status == 503 and "Too many editors" in body and
          str(WS_CAP) in body,
          "editor %d -> 503 with a message (%d: %s)"
          % (WS_CAP + 1, w.resp.status, body.strip()))
    w.close()
    m = editors[0].call("daemon.ping", timeout=20)
    check(m.get("result", {}).get("pong") is True,
          "the open editors are unaffected by the refusal")
    editors.pop().close()
    # The daemon notices the close asynchronously: poll for a free slot.
    end = time.time() + 30
    ok = False
    while time.time() < end and not ok:
        w = WS(port, cookie=cookie)
        ok = w.resp.status == 101
        if ok:
            editors.append(w)
        else:
            w.close()
            time.sleep(0.2)
    check(ok, "once an editor closed, a new one connects")
    for w in editors:
        w.close()

    # The HTTP connection cap: idle connections past it get 503 at once.
    extra = []
    for _ in range(HTTP_CAP + 64 - TRICKLERS):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        extra.append(s)
    refused = []
    end = time.time() + 30
    pending = list(extra)
    while pending and time.time() < end and len(refused) < 8:
        rd, _, _ = select.select(pending, [], [], 1.0)
        for s in rd:
            try:
                d = s.recv(4096)
            except OSError:
                d = b""
            refused.append(d)
            pending.remove(s)
    check(len(refused) > 0 and all(d.startswith(b"HTTP/1.1 503") and
                                   b"Too many open connections" in d
                                   for d in refused),
          "HTTP connections past the cap get 503 with a message "
          "(%d refused: %r)" % (len(refused), refused[:1]))
    for s in extra:
        s.close()
    for t in ts:
        t.close()
    # Once the crowd is gone, requests work again (polled: the daemon
    # sees the closes asynchronously).
    end = time.time() + 30
    st = 0
    while time.time() < end:
        st = request(port, "/", headers=["Cookie: " + cookie]).status
        if st == 200:
            break
        time.sleep(0.2)
    check(st == 200, "after the crowd left, the page is served (%d)" % st)


def timeout(url):
    port, token = parse(url)
    ts = [Trickler(port) for _ in range(TRICKLERS)]
    # Idle connections (nothing sent, as a browser's preconnected
    # socket) are closed too, but without an answer.
    idle = [Trickler(port) for _ in range(5)]
    # Generous bound: the daemon's timeout is a few seconds; under a
    # sanitizer and a loaded machine allow far more.
    end = time.time() + 90
    while time.time() < end and not all(t.closed for t in ts):
        trickle_round(ts)
        time.sleep(1)
    for t in ts:
        t.poll()
    n = sum(1 for t in ts if t.closed)
    check(n == TRICKLERS, "all %d half-sent requests were dropped (%d)"
          % (TRICKLERS, n))
    n408 = sum(1 for t in ts if t.got.startswith(b"HTTP/1.1 408"))
    check(n408 > 0, "dropped requests are answered 408 (%d of %d)"
          % (n408, TRICKLERS))
    for t in ts:
        t.close()
    while time.time() < end and not all(t.closed for t in idle):
        for t in idle:
            t.poll()
        time.sleep(0.2)
    check(all(t.closed and t.got == b"" for t in idle),
          "idle connections are closed without an answer (%s)"
          % [(t.closed, t.got[:20]) for t in idle])
    for t in idle:
        t.close()
    normal_requests(port, token)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("busy", "timeout"):
        print(__doc__)
        return 2
    if sys.argv[1] == "busy":
        busy(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    else:
        timeout(sys.argv[2])
    print("%d check(s) failed" % len(FAILS) if FAILS else "all checks passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
