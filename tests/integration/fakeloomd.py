# SPDX-License-Identifier: MIT
"""A listener posing as loomd (RELIABILITY X1): it binds a Unix socket,
answers every request line with a plausible result, and appends every
byte it receives to a log file, so a test can check that a client sent
nothing at all.

usage: fakeloomd.py SOCKET LOG READY
Writes "ready" to READY once listening; runs until killed.
"""
import json
import os
import socket
import sys


def serve(conn, log):
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        with open(log, "ab") as f:
            f.write(data)
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if isinstance(msg, dict) and "id" in msg:
                reply = {"jsonrpc": "2.0", "id": msg["id"],
                         "result": {"run": "aaaaaa", "protocol": 1,
                                    "message": "FAKE DAEMON"}}
                conn.sendall(json.dumps(reply).encode() + b"\n")


def main():
    path, log, ready = sys.argv[1:4]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o777)
    s.listen(16)
    open(log, "ab").close()
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        conn, _ = s.accept()
        try:
            serve(conn, log)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
