#!/usr/bin/env python3
"""Drives an MCP server over stdio as NextChat does, one message at a time: each line of SCRIPT
is a JSON-RPC message sent to the server's stdin; after a request (it has an id and a method)
the next line is sent only once the answer with that id came. Every line the server writes is
printed to stdout as it came. Then stdin is closed and the server is waited for. On stderr, the
last line is "exit STATUS after-close-ms MS" (or "timeout"). Usage:
mcp_session.py SCRIPT TIMEOUT CMD [ARG...]"""
import json
import os
import selectors
import subprocess
import sys
import time


def main():
    script, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    with open(script, encoding="utf-8") as f:
        messages = [line.rstrip("\n") for line in f if line.strip()]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""
    eof = False
    out = sys.stdout.buffer

    def pump(until_id=None):
        """Reads and prints server lines; returns when the answer to until_id came, at EOF or
        at the deadline."""
        nonlocal buf, eof
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                out.write(line + b"\n")
                out.flush()
                if until_id is not None:
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(msg, dict) and "method" not in msg and msg.get("id") == until_id:
                        return True
            if eof or time.monotonic() >= deadline:
                return False
            if not sel.select(max(0.0, deadline - time.monotonic())):
                continue
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            if not chunk:
                eof = True
            buf += chunk

    try:
        for text in messages:
            try:
                msg = json.loads(text)
            except ValueError:
                msg = {}  # a bad line on purpose: sent, no answer awaited
            try:
                proc.stdin.write((text + "\n").encode())
                proc.stdin.flush()
            except BrokenPipeError:
                break
            if "id" in msg and "method" in msg:
                if not pump(msg["id"]):
                    print(f"no answer to request {msg['id']}", file=sys.stderr)
                    break
        closed = time.monotonic()
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        pump()
        try:
            status = proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print("timeout", file=sys.stderr)
            proc.kill()
            proc.wait()
            sys.exit(3)
        if buf:
            out.write(buf + b"\n")
        ms = int((time.monotonic() - closed) * 1000)
        print(f"exit {status} after-close-ms {ms}", file=sys.stderr)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
