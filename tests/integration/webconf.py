#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Offline WebSocket conformance checks of loomd's editor bridge (F1).

Standard library only. Re-implements, from their published
descriptions, the Autobahn categories 1-7, 9 (messages up to 1 MiB, the
bridge's message cap) and 10 against the JSON-RPC endpoint /ws: instead
of an echo, a valid JSON-RPC text message must get its reply. Each case
runs on a fresh connection and gets a behaviour (OK or FAILED) and a
close behaviour (OK, WRONG CODE or UNCLEAN), written to an
Autobahn-shaped index.json.

    webconf.py URL OUTDIR

URL is what `loomctl ui` printed. Exits 1 when any case is FAILED,
WRONG CODE or UNCLEAN. Control-frame violations (a 126-byte ping, a
fragmented ping or pong, a 1-byte close payload, a close reason over 123
bytes) must close with 1002, not with a code-less close.
"""
import json
import os
import socket
import struct
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webbridge import WS  # noqa: E402

PORT = TOKEN = None
RESULTS = {}


def ping_msg(i, size=0):
    m = json.dumps({"jsonrpc": "2.0", "id": i, "method": "daemon.ping"})
    return (m + " " * max(0, size - len(m))).encode()


def open_ws():
    w = WS(PORT, token=TOKEN)
    if w.resp.status != 101:
        raise RuntimeError("upgrade refused: %d" % w.resp.status)
    return w


def frames(w, timeout=10.0):
    """Yield frames until EOF or timeout (yields None then)."""
    w.s.settimeout(timeout)
    while True:
        try:
            yield w.recv_frame()
        except (EOFError, ConnectionResetError, socket.timeout, OSError):
            yield None
            return


def expect_reply(w, i, timeout=15.0):
    for f in frames(w, timeout):
        if f is None:
            return False
        op, payload, _ = f
        if op == 1:
            try:
                m = json.loads(payload)
            except ValueError:
                return False
            if m.get("id") == i and m.get("result", {}).get("pong") is True:
                return True
    return False


def expect_pong(w, payload, timeout=10.0):
    for f in frames(w, timeout):
        if f is None:
            return False
        if f[0] == 10:
            return f[1] == payload
    return False


def expect_close(w, codes, timeout=10.0):
    """(close behaviour, remote code): the server must send a close
    frame with one of codes and then close the TCP connection."""
    code = None
    for f in frames(w, timeout):
        if f is None:
            break
        if f[0] == 8:
            p = f[1]
            code = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005
            break
    if code is None:
        return "UNCLEAN", None
    # Our side of the handshake, then the server must drop TCP.
    try:
        w.send_frame(8, struct.pack("!H", code if code != 1005 else 1000))
    except OSError:
        pass
    eof = False
    w.s.settimeout(5)
    try:
        while True:
            d = w.s.recv(65536)
            if not d:
                eof = True
                break
    except (ConnectionResetError, OSError):
        eof = True
    if code not in codes:
        return "WRONG CODE", code
    return ("OK" if eof else "UNCLEAN"), code


def case(cid, desc):
    def deco(fn):
        t0 = time.time()
        beh, cbeh, code = "FAILED", "FAILED", None
        w = None
        try:
            w = open_ws()
            beh, cbeh, code = fn(w)
        except Exception as e:  # a crash of the case is a failure
            desc2 = "%s (%s: %s)" % (desc, type(e).__name__, e)
            print("     exception in %s: %s" % (cid, desc2))
        finally:
            if w is not None:
                w.close()
        RESULTS[cid] = {"behavior": beh, "behaviorClose": cbeh,
                        "duration": int((time.time() - t0) * 1000),
                        "remoteCloseCode": code, "description": desc,
                        "reportfile": None}
        print("%-6s %-10s %-10s %-5s %s" % (cid, beh, cbeh, code, desc))
        return fn
    return deco


def normal_close(w, code=1000):
    w.send_frame(8, struct.pack("!H", code))
    return expect_close(w, (code,))


def ok_then_close(good, w):
    cb, code = normal_close(w)
    return ("OK" if good else "FAILED"), cb, code


def fail_with(w, codes):
    cb, code = expect_close(w, codes)
    return "OK", cb, code


def run_cases():
    n = [0]

    def nid():
        n[0] += 1
        return n[0]

    # 1: framing, payload lengths across the 7/16/64-bit length forms
    for k, size in enumerate((0, 125, 126, 127, 128, 65535, 65536), 1):
        @case("1.1.%d" % k, "text message of %d bytes gets a reply" % size)
        def _(w, size=size):
            i = nid()
            w.send_frame(1, ping_msg(i, size))
            return ok_then_close(expect_reply(w, i), w)

    # 2: ping/pong
    for k, size in enumerate((0, 10, 125), 1):
        @case("2.%d" % k, "ping with %d bytes -> pong echoes payload" % size)
        def _(w, size=size):
            p = os.urandom(size)
            w.send_frame(9, p)
            return ok_then_close(expect_pong(w, p), w)

    @case("2.5", "ping with 126 bytes -> 1002, no pong")
    def _(w):
        w.send_frame(9, b"x" * 126)
        cb, code = expect_close(w, (1002,))
        return "OK", cb, code

    @case("2.6", "unsolicited pong ignored, next message answered")
    def _(w):
        w.send_frame(10, b"unsolicited")
        i = nid()
        w.send_frame(1, ping_msg(i))
        return ok_then_close(expect_reply(w, i), w)

    @case("2.7", "ten pings -> ten pongs in order")
    def _(w):
        ps = [b"p%d" % j for j in range(10)]
        for p in ps:
            w.send_frame(9, p)
        good = all(expect_pong(w, p) for p in ps)
        return ok_then_close(good, w)

    # 3: reserved bits
    for rsv in range(1, 8):
        @case("3.%d" % rsv, "RSV=%d on a text frame -> 1002" % rsv)
        def _(w, rsv=rsv):
            w.send_frame(1, ping_msg(nid()), rsv=rsv)
            return fail_with(w, (1002,))

    @case("3.8", "RSV=1 on a ping -> 1002")
    def _(w):
        w.send_frame(9, b"x", rsv=1)
        return fail_with(w, (1002,))

    # 4: opcodes
    for k, op in enumerate((3, 4, 5, 6, 7, 11, 12, 13, 14, 15), 1):
        @case("4.%d" % k, "reserved opcode %d -> 1002" % op)
        def _(w, op=op):
            w.send_frame(op, b"abc")
            return fail_with(w, (1002,))

    # 5: fragmentation
    @case("5.1", "fragmented ping -> 1002")
    def _(w):
        w.send_frame(9, b"frag", fin=False)
        w.send_frame(0, b"ment")
        return fail_with(w, (1002,))

    @case("5.2", "fragmented pong -> 1002")
    def _(w):
        w.send_frame(10, b"frag", fin=False)
        w.send_frame(0, b"ment")
        return fail_with(w, (1002,))

    for k, parts in enumerate((2, 3, 17), 3):
        @case("5.%d" % k, "text in %d fragments is reassembled" % parts)
        def _(w, parts=parts):
            i = nid()
            m = ping_msg(i, 200)
            step = len(m) // parts + 1
            chunks = [m[j:j + step] for j in range(0, len(m), step)]
            for j, c in enumerate(chunks):
                w.send_frame(1 if j == 0 else 0, c,
                             fin=(j == len(chunks) - 1))
            return ok_then_close(expect_reply(w, i), w)

    @case("5.6", "ping between fragments answered, message reassembled")
    def _(w):
        i = nid()
        m = ping_msg(i)
        w.send_frame(1, m[:10], fin=False)
        w.send_frame(9, b"mid")
        w.send_frame(0, m[10:])
        good = expect_pong(w, b"mid") and expect_reply(w, i)
        return ok_then_close(good, w)

    @case("5.7", "empty fragments around the message")
    def _(w):
        i = nid()
        m = ping_msg(i)
        w.send_frame(1, b"", fin=False)
        w.send_frame(0, m, fin=False)
        w.send_frame(0, b"")
        return ok_then_close(expect_reply(w, i), w)

    @case("5.9", "stray continuation (fin) -> 1002")
    def _(w):
        w.send_frame(0, b"abc")
        return fail_with(w, (1002,))

    @case("5.10", "stray continuation (no fin) -> 1002")
    def _(w):
        w.send_frame(0, b"abc", fin=False)
        return fail_with(w, (1002,))

    @case("5.11", "new text frame inside a fragmented message -> 1002")
    def _(w):
        w.send_frame(1, b"{", fin=False)
        w.send_frame(1, b"}")
        return fail_with(w, (1002,))

    # 6: UTF-8
    @case("6.1", "valid multi-byte UTF-8 in a message gets a reply")
    def _(w):
        i = nid()
        m = json.dumps({"jsonrpc": "2.0", "id": i, "method": "daemon.ping",
                        "params": {}}, ensure_ascii=False)
        m = m[:-1] + ', "x": "\u00e9\u20ac\U0001f600\u03ba\u1f79"}'
        w.send_frame(1, m.encode())
        return ok_then_close(expect_reply(w, i), w)

    bad = (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
           b"\xce\xba\xe1", b"\x80", b"\xf8\x88\x80\x80\x80")
    for k, b in enumerate(bad, 2):
        @case("6.%d" % k, "invalid UTF-8 %r -> 1007" % b)
        def _(w, b=b):
            w.send_frame(1, b'{"x":"' + b + b'"}')
            return fail_with(w, (1007,))

    @case("6.20", "invalid UTF-8 split over fragments -> 1007")
    def _(w):
        w.send_frame(1, b'{"x":"\xce', fin=False)
        w.send_frame(0, b'\xff"}')
        return fail_with(w, (1007,))

    @case("6.21", "valid UTF-8 split inside a code point")
    def _(w):
        i = nid()
        m = ping_msg(i)[:-1] + ', "x": "\u20ac"}'.encode()
        cut = m.index(b"\xe2") + 1
        w.send_frame(1, m[:cut], fin=False)
        w.send_frame(0, m[cut:])
        return ok_then_close(expect_reply(w, i), w)

    # 7: closing
    @case("7.1.1", "message then close: reply, close echoed")
    def _(w):
        i = nid()
        w.send_frame(1, ping_msg(i))
        return ok_then_close(expect_reply(w, i), w)

    @case("7.1.2", "close without payload echoed")
    def _(w):
        w.send_frame(8, b"")
        cb, code = expect_close(w, (1000, 1005))
        return "OK", cb, code

    @case("7.3.2", "close with a 1-byte payload -> 1002")
    def _(w):
        w.send_frame(8, b"\x03")
        return fail_with(w, (1002,))

    @case("7.3.4", "close with 123-byte reason echoed")
    def _(w):
        w.send_frame(8, struct.pack("!H", 1000) + b"r" * 123)
        cb, code = expect_close(w, (1000,))
        return "OK", cb, code

    @case("7.3.6", "close with a 124-byte reason -> 1002")
    def _(w):
        w.send_frame(8, struct.pack("!H", 1000) + b"r" * 124)
        return fail_with(w, (1002,))

    @case("7.5.1", "close reason with invalid UTF-8 -> 1007")
    def _(w):
        w.send_frame(8, struct.pack("!H", 1000) + b"\xce\xba\xff")
        return fail_with(w, (1007, 1002))

    valid = (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
             3000, 3999, 4000, 4999)
    for k, c in enumerate(valid, 1):
        @case("7.7.%d" % k, "valid close code %d echoed" % c)
        def _(w, c=c):
            w.send_frame(8, struct.pack("!H", c))
            cb, code = expect_close(w, (c, 1000))
            return "OK", cb, code

    invalid = (0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000,
               65535)
    for k, c in enumerate(invalid, 1):
        @case("7.9.%d" % k, "invalid close code %d -> 1002" % c)
        def _(w, c=c):
            w.send_frame(8, struct.pack("!H", c))
            return fail_with(w, (1002,))

    @case("7.13", "data after close is ignored, TCP closed")
    def _(w):
        w.send_frame(8, struct.pack("!H", 1000))
        try:
            w.send_frame(1, ping_msg(nid()))
        except OSError:
            pass
        cb, code = expect_close(w, (1000,))
        return "OK", cb, code

    # 9: limits (up to the 1 MiB message cap)
    for k, size in enumerate((64 << 10, 256 << 10, (1 << 20) - 64), 1):
        @case("9.1.%d" % k, "text message of %d bytes gets a reply" % size)
        def _(w, size=size):
            i = nid()
            w.send_frame(1, ping_msg(i, size))
            return ok_then_close(expect_reply(w, i, 30), w)

    for k, fs in enumerate((64, 4096, 65536), 1):
        @case("9.4.%d" % k, "1 MiB message in %d-byte fragments" % fs)
        def _(w, fs=fs):
            i = nid()
            m = ping_msg(i, (1 << 20) - 64)
            chunks = [m[j:j + fs] for j in range(0, len(m), fs)]
            data = []
            for j, c in enumerate(chunks):
                data.append(_frame(1 if j == 0 else 0, c,
                                   j == len(chunks) - 1))
            w.s.sendall(b"".join(data))
            return ok_then_close(expect_reply(w, i, 30), w)

    @case("9.9", "message over the 1 MiB cap -> 1009")
    def _(w):
        try:
            w.send_frame(1, b" " * ((1 << 20) + 1))
        except OSError:
            pass
        return fail_with(w, (1009,))

    # 10: many messages on one connection, some fragmented
    @case("10.1", "100 messages, every third fragmented, all answered")
    def _(w):
        ids = []
        for j in range(100):
            i = nid()
            ids.append(i)
            m = ping_msg(i, 300)
            if j % 3 == 0:
                w.send_frame(1, m[:100], fin=False)
                w.send_frame(0, m[100:])
            else:
                w.send_frame(1, m)
        got = set()
        for f in frames(w, 20):
            if f is None:
                break
            if f[0] == 1:
                got.add(json.loads(f[1]).get("id"))
                if got >= set(ids):
                    break
        return ok_then_close(got >= set(ids), w)


def _frame(opcode, payload, fin):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        hdr = struct.pack("!BB", b0, 0x80 | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, 0x80 | 127, n)
    key = os.urandom(4)
    k = (key * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")) \
        .to_bytes(n, "big") if n else b""
    return hdr + key + body


def main():
    global PORT, TOKEN
    u = urllib.parse.urlparse(sys.argv[1])
    PORT = u.port
    TOKEN = urllib.parse.parse_qs(u.query)["token"][0]
    outdir = sys.argv[2]
    run_cases()
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "index.json"), "w") as f:
        json.dump({"loomd": RESULTS}, f, indent=2, sort_keys=True)
    bad = [c for c, r in RESULTS.items()
           if r["behavior"] == "FAILED" or r["behaviorClose"] in
           ("FAILED", "WRONG CODE", "UNCLEAN")]
    print("%d case(s), %d bad: %s" % (len(RESULTS), len(bad), " ".join(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
