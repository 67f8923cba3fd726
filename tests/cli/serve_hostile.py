#!/usr/bin/env python3
"""Hostile clients of nxp serve (tests/cli/test_serve_hostile.sh). After each one: nxp serve is
still running, its descriptors and memory are bounded, and a good client (the real launcher,
an MCP initialize) is still served. Usage: serve_hostile.py SERVE_PID SOCKET LAUNCHER PLUGIN"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

SERVE, SOCK, LAUNCHER, PLUGIN = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
MAX_FDS = 32  # serve's own descriptors: a handful (listening socket, signalfd, stdio)
MAX_RSS_KB = int(os.environ.get("SERVE_MAX_RSS_KB", 64 * 1024))


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def request(name, version=1):
    raw = name.encode() if isinstance(name, str) else name
    return b"NXPL" + bytes([version, len(raw) & 0xFF]) + raw


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(SOCK)
    s.settimeout(10)
    return s


def reply(s):
    """(kind, status, message) of serve's reply, or None when it closed without one."""
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    if len(data) < 9 or data[:4] != b"NXPR":
        return None
    n = struct.unpack(">H", data[7:9])[0]
    return chr(data[5]), data[6], data[9:9 + n].decode(errors="replace")


def refused(s, what, words):
    r = reply(s)
    s.close()
    if r is None or r[0] != "R" or r[1] == 0 or words not in r[2]:
        fail(f"{what}: expected a refusal saying '{words}', got {r}")
    return r


def serve_state():
    if not os.path.exists(f"/proc/{SERVE}"):
        fail("nxp serve died")
    fds = len(os.listdir(f"/proc/{SERVE}/fd"))
    with open(f"/proc/{SERVE}/status", encoding="utf-8") as f:
        rss = int([l for l in f if l.startswith("VmRSS:")][0].split()[1])
    return fds, rss


def good_client(what):
    """The real launcher serves an MCP initialize and exits 0 when stdin closes."""
    p = subprocess.Popen([LAUNCHER, "--socket", SOCK, PLUGIN], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    msg = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
           "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                      "clientInfo": {"name": "t", "version": "1"}}}
    try:
        out, err = p.communicate((json.dumps(msg) + "\n").encode(), timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        fail(f"after {what}: the good client did not finish")
    if p.returncode != 0 or b'"serverInfo"' not in out:
        fail(f"after {what}: the good client exited {p.returncode}: {err.decode()[-500:]}")


def check(what):
    fds, rss = serve_state()
    if fds > MAX_FDS or rss > MAX_RSS_KB:
        fail(f"after {what}: nxp serve holds {fds} descriptors, {rss} KiB")
    good_client(what)
    print(f"ok: {what}: refused; serve still serves ({fds} fds, {rss} KiB)")


def std_fds():
    r, w = os.pipe()
    return [r, w, w], (r, w)


def with_fds(payload, fds):
    s = connect()
    s.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
              if fds else [])
    return s


def main():
    fds, (r, w) = std_fds()
    devnull = os.open("/dev/null", os.O_RDWR)
    tmpdir = tempfile.mkdtemp()
    dirfd = os.open(tmpdir, os.O_RDONLY | os.O_DIRECTORY)
    with open(os.path.join(tmpdir, "f"), "w", encoding="utf-8") as f:
        f.write("x")
    pathfd = os.open(os.path.join(tmpdir, "f"), os.O_PATH)

    s = connect(); s.sendall(os.urandom(200)); refused(s, "random bytes", "not an nxp-launch request")
    check("random bytes")
    s = connect(); s.sendall(b"GET / HTTP/1.1\r\n\r\n"); refused(s, "HTTP", "not an nxp-launch")
    check("an HTTP request")
    s = with_fds(request(PLUGIN, version=2), fds); refused(s, "version 2", "protocol version 2")
    check("another protocol version")
    s = with_fds(request(PLUGIN), []); refused(s, "no fds", "0 descriptors")
    check("no descriptors")
    s = with_fds(request(PLUGIN), [devnull]); refused(s, "one fd", "1 descriptors")
    check("one descriptor")
    s = with_fds(request(PLUGIN), [devnull] * 250); refused(s, "250 fds", "too many descriptors")
    check("250 descriptors")
    s = with_fds(request(PLUGIN), [devnull] * 5); refused(s, "5 fds", "too many descriptors")
    check("5 descriptors")
    s = with_fds(request(PLUGIN), [dirfd, w, w]); refused(s, "dir", "stdin is a directory")
    check("a directory as stdin")
    s = with_fds(request(PLUGIN), [r, w, pathfd]); refused(s, "O_PATH", "stderr is an O_PATH")
    check("an O_PATH descriptor as stderr")
    s = with_fds(b"NXPL\x01\xff" + b"a" * 255, fds); refused(s, "255-byte name", "255 bytes")
    check("a 255-byte name")
    s = with_fds(b"NXPL\x01\x00", fds); refused(s, "empty name", "0 bytes")
    check("an empty name")
    s = connect()
    try:
        s.sendall(b"NXPL\x01\x40" + b"a" * 64 + b"x" * (1 << 20))
    except OSError:
        pass  # serve stopped reading after 70 bytes and closed
    refused(s, "1 MiB after the header", "descriptors")
    check("1 MiB of name and more")
    s = with_fds(request("../../etc"), fds); refused(s, "path name", "not a plugin name")
    check("a path as the name")
    s = with_fds(request("a\nb"), fds); refused(s, "newline", "not a plugin name")
    check("a control character in the name")
    s = with_fds(request("nosuch"), fds); refused(s, "unknown", "unknown plugin nosuch")
    check("an unknown plugin")
    # The request without descriptors, then the descriptors in a second message.
    s = connect(); s.sendall(request(PLUGIN)); time.sleep(0.1)
    try:
        s.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("3i", *fds))])
    except OSError:
        pass
    refused(s, "late fds", "0 descriptors")
    check("descriptors sent after the request")
    # Partial request, then silence; then one byte every 0.5 s (slowloris): the deadline ends it.
    started = time.monotonic()
    s = connect(); s.sendall(b"NXPL\x01"); refused(s, "partial", "no complete request")
    if time.monotonic() - started > 5:
        fail("a partial request was held for more than 5 s")
    check("a partial request")
    s = connect()
    for b in request(PLUGIN)[:6]:
        try:
            s.send(bytes([b])); time.sleep(0.5)
        except OSError:
            break
    refused(s, "slowloris", "no complete request")
    check("one byte every 0.5 s")
    # Two descriptors with each byte of the request: refused as soon as there are more than 3.
    s = connect()
    try:
        for b in request(PLUGIN):
            s.sendmsg([bytes([b])], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                      struct.pack("2i", devnull, devnull))])
            time.sleep(0.01)
    except OSError:
        pass
    refused(s, "descriptors with every byte", "too many descriptors")
    check("descriptors with every byte")
    s = connect(); s.close(); time.sleep(0.2)
    check("connect and close")
    # A good request, then more bytes: not the launcher; its nxp exec is stopped and the
    # connection closed (test_serve_hostile.sh checks serve's log line for it).
    pr, pw = os.pipe()
    s = with_fds(request(PLUGIN), [pr, w, w])
    time.sleep(0.5)
    s.sendall(b"more")
    r = reply(s)
    s.close()
    os.close(pw)
    os.close(pr)
    if r is not None:
        fail(f"data after the request: expected the connection closed, got {r}")
    time.sleep(0.5)
    check("data after the request")
    # A good request whose client leaves at once: nxp exec is started and stopped.
    s = with_fds(request(PLUGIN), fds); s.close(); time.sleep(0.5)
    check("a request whose client leaves at once")
    # Connections beyond the limit (the test runs serve with --max-sessions 8) are refused.
    idle = [connect() for _ in range(8)]
    time.sleep(0.3)
    s = connect(); refused(s, "9th connection", "busy")
    for c in idle:
        c.close()
    time.sleep(0.3)
    check("connections beyond --max-sessions")
    # Many connections at once, each sending garbage and leaving: nothing accumulates.
    for _ in range(300):
        c = connect()
        try:
            c.sendmsg([os.urandom(8)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         struct.pack("3i", devnull, devnull, devnull))])
        except OSError:
            pass
        c.close()
    time.sleep(1)
    check("300 connections with garbage and descriptors")


if __name__ == "__main__":
    main()
