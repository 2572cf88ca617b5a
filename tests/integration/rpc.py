#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A raw JSON-RPC client for loomd's Unix socket (standard library only).

Protocol tests use it to send exactly the bytes they mean to send (split
writes, CRLF, oversized lines, invalid UTF-8) and to read replies line by
line with deadlines. As a command:

    rpc.py [-s SOCKET] call METHOD [PARAMS_JSON]   print the reply, exit 0
                                                   for a result, 1 for an
                                                   error, 3 when the socket
                                                   gives no reply
    rpc.py [-s SOCKET] raw                         send stdin as is, print
                                                   every reply line until the
                                                   daemon closes or 2 s pass
    rpc.py [-s SOCKET] hold N                      open N idle connections
                                                   and keep them until stdin
                                                   closes (prints "open N")

SOCKET defaults to $LOOM_SOCKET; a call waits $RPC_TIMEOUT seconds (10)
for its reply. As a module: Client(path).
"""
import base64
import json
import os
import socket
import sys
import time


class Closed(Exception):
    """The daemon closed the connection."""


class Client:
    """One connection to loomd speaking newline-framed JSON-RPC 2.0."""

    def __init__(self, path=None, timeout=10.0):
        self.path = path or os.environ["LOOM_SOCKET"]
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.timeout = timeout
        self.sock.connect(self.path)
        self.buf = b""
        self.next_id = 1
        self.notifications = []
        self.fds = []           # descriptors passed with SCM_RIGHTS

    def close(self):
        self.sock.close()
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def _recv(self, size):
        """recv that keeps descriptors the daemon passes (log.open)."""
        data, anc, _, _ = self.sock.recvmsg(
            size, socket.CMSG_SPACE(16 * 4))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                n = len(payload) - len(payload) % 4
                self.fds += list(memoryview(payload)[:n].cast("i"))
        return data

    def send_raw(self, data):
        """Send bytes exactly as given."""
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def send(self, msg):
        self.send_raw(json.dumps(msg).encode() + b"\n")

    def recv_line(self, timeout=10.0):
        """The next line (bytes, without the newline); Closed at EOF;
        socket.timeout when nothing complete arrives in time."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no complete line in %.1f s" % timeout)
            self.sock.settimeout(left)
            try:
                chunk = self._recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed()
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def recv(self, timeout=10.0):
        return json.loads(self.recv_line(timeout))

    def reply_for(self, msg_id, timeout=10.0):
        """Read until the reply with this id; notifications are kept."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.recv(max(0.01, deadline - time.monotonic()))
            if isinstance(msg, dict) and "method" in msg and "id" not in msg:
                self.notifications.append(msg)
                continue
            if isinstance(msg, dict) and msg.get("id") == msg_id:
                return msg
            raise AssertionError("unexpected message %r" % (msg,))

    def call(self, method, params=None, timeout=None):
        """Send a request and return the whole reply (result or error),
        waiting as long as the client's timeout unless told otherwise."""
        if timeout is None:
            timeout = self.timeout
        msg_id = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.reply_for(msg_id, timeout)

    def read_log(self, run, step, offset, chunk=4 << 20):
        """A step's log from offset to its end, with log.read: what a
        client reads after a run.output_gap."""
        data = b""
        while True:
            r = self.call("log.read", {"run": run, "step": step,
                                       "offset": offset + len(data),
                                       "max": chunk})["result"]
            data += base64.b64decode(r["data"])
            if r["eof"]:
                return data

    def expect_silence(self, seconds=0.5):
        """True when nothing arrives within seconds (and no EOF)."""
        try:
            self.recv_line(seconds)
        except socket.timeout:
            return True
        return False

    def read_until_closed(self, timeout=5.0):
        """Every line received until the daemon closes; raises
        socket.timeout when it does not close in time."""
        lines = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                lines.append(self.recv_line(max(0.01,
                                                deadline - time.monotonic())))
            except Closed:
                return lines


def main(argv):
    path = None
    if len(argv) > 2 and argv[1] == "-s":
        path = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd = argv[1]
    if cmd == "call":
        params = json.loads(argv[3]) if len(argv) > 3 else None
        try:
            reply = Client(path, float(os.environ.get("RPC_TIMEOUT", "10"))
                           ).call(argv[2], params)
        except (Closed, socket.timeout, OSError) as e:
            print("no reply: %s" % (e or type(e).__name__), file=sys.stderr)
            return 3
        print(json.dumps(reply))
        return 0 if "result" in reply else 1
    if cmd == "raw":
        c = Client(path)
        c.send_raw(sys.stdin.buffer.read())
        try:
            while True:
                line = c.recv_line(2.0)
                print(line.decode("utf-8", "replace"), flush=True)
        except (Closed, socket.timeout):
            pass
        return 0
    if cmd == "hold":
        conns = [Client(path) for _ in range(int(argv[2]))]
        print("open %d" % len(conns), flush=True)
        sys.stdin.read()
        for c in conns:
            c.close()
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
