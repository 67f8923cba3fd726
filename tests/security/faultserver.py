#!/usr/bin/env python3
"""A fault-injecting HTTP server for nxp's transfer tests (127.0.0.1 only).

usage: faultserver.py DOCROOT PORTFILE

Serves DOCROOT. The first path segment picks the behaviour, the rest names the file:
  /ok/F            the file (honours "Range: bytes=N-", so downloads can resume)
  /MODE/F          for files under packages/, misbehave as MODE; other files as /ok/
  /all-MODE/F      misbehave as MODE for every file (the index too)
MODE is one of: 404html, 500, truncate, extra, wrongbytes, drip, loop, otherhost, tofile,
endless. The chosen port is written to PORTFILE once the server listens.
"""
import http.server
import os
import sys
import time

DOCROOT = os.path.abspath(sys.argv[1])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("faultserver: " + (fmt % args) + "\n")

    def body(self, data, status=200, ctype="application/octet-stream", length=None, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        parts = self.path.lstrip("/").split("/", 1)
        mode, rel = (parts[0], parts[1]) if len(parts) == 2 else ("ok", parts[0])
        root = os.path.realpath(DOCROOT)  # per request: tests swap a symlinked docroot
        path = os.path.realpath(os.path.join(root, rel))
        if not path.startswith(root + os.sep) or not os.path.isfile(path):
            return self.body(b"<html><body>not found</body></html>", 404, "text/html")
        data = open(path, "rb").read()
        if mode.startswith("all-"):
            mode = mode[4:]
        elif not rel.startswith("packages/"):
            mode = "ok"
        try:
            getattr(self, "mode_" + mode.replace("-", "_"), self.mode_ok)(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def mode_ok(self, data):
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start < len(data):
                return self.body(data[start:], 206, headers=[
                    ("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
        self.body(data)

    def mode_404html(self, data):
        self.body(b"<html><body><h1>404 Not Found</h1>" + b"x" * 2000 + b"</body></html>", 404, "text/html")

    def mode_500(self, data):
        self.body(b"<html><body>Internal Server Error</body></html>", 500, "text/html")

    def mode_truncate(self, data):
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.close_connection = True

    def mode_extra(self, data):
        self.body(data + b"EXTRA BYTES" * 100)

    def mode_wrongbytes(self, data):
        self.body(bytes((b ^ 0x5A) for b in data))

    def mode_drip(self, data):
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        for i in range(len(data)):
            self.wfile.write(data[i:i + 1])
            self.wfile.flush()
            time.sleep(1.0)
        self.close_connection = True

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def mode_loop(self, data):
        self.redirect(self.path)

    def mode_otherhost(self, data):
        # Another host, where nothing listens: the client must give up and say where.
        self.redirect("http://127.0.0.1:9" + self.path)

    def mode_tofile(self, data):
        self.redirect("file:///etc/passwd")

    def mode_endless(self, data):
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            for _ in range(100000):  # ~6 GB; the client must cut it off long before
                self.wfile.write(chunk)
        finally:
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, sys.argv[2])
    srv.serve_forever()


if __name__ == "__main__":
    main()
