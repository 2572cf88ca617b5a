#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A local HTTP server for Loom's remote-data tests.

Serves the files of --root (GET only) on 127.0.0.1 at a free port, which it
writes to --port-file once listening. Special paths:
  /drop/N/NAME     sends a Content-Length of 2*N, then N bytes, then closes
  /chunkdrop/N     sends N bytes as one chunk of a chunked body, then closes
  /status/CODE     answers with that status and a short body
  /redirect/NAME   302 to /NAME
  /trickle/N/NAME  sends a Content-Length of N, then one byte every 50 ms;
                   "/trickle-cut N/NAME" is logged when the client closes
                   the connection before the end
Every request is appended to --log (one path per line), so tests can count
downloads. It stops on SIGTERM. Missing files get 404.
"""
import argparse
import http.server
import os
import signal
import socketserver
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if self.server.log:
            with open(self.server.log, "a") as fp:
                fp.write(self.path + "\n")

    def send_body(self, code, body, ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if parts[0] == "drop" and len(parts) >= 2:
            n = int(parts[1])
            self.send_response(200)
            self.send_header("Content-Length", str(2 * n))
            self.end_headers()
            self.wfile.write(b"x" * n)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if parts[0] == "chunkdrop" and len(parts) >= 2:
            n = int(parts[1])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n" % n + b"y" * n + b"\r\n")
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if parts[0] == "trickle" and len(parts) >= 2:
            self.trickle(int(parts[1]))
            return
        if parts[0] == "status" and len(parts) >= 2:
            self.send_body(int(parts[1]), b"status page\n", "text/plain")
            return
        if parts[0] == "redirect" and len(parts) >= 2:
            self.send_response(302)
            self.send_header("Location", "/" + "/".join(parts[1:]))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        root = os.path.realpath(self.server.root)
        path = os.path.realpath(os.path.join(root, *parts))
        if not path.startswith(root + os.sep) or not os.path.isfile(path):
            self.send_body(404, b"not found\n", "text/plain")
            return
        with open(path, "rb") as fp:
            self.send_body(200, fp.read())


    def trickle(self, n):
        self.send_response(200)
        self.send_header("Content-Length", str(n))
        self.end_headers()
        self.wfile.flush()
        try:
            for _ in range(n):
                time.sleep(0.05)
                self.wfile.write(b"t")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            if self.server.log:
                with open(self.server.log, "a") as fp:
                    fp.write("/trickle-cut " + self.path + "\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.root = args.root
    srv.log = args.log
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as fp:
        fp.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except SystemExit:
        pass


if __name__ == "__main__":
    main()
