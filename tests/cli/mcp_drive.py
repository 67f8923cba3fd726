#!/usr/bin/env python3
"""Drives an MCP server over stdio the way a client does: sends each message of a JSON array
in turn, waiting for the answer to each request (by id) before the next ({"sleep": S} pauses), prints every message
received (one JSON line each) on stdout, then closes the server's stdin and reports on stderr
how long it took to exit: "exit=STATUS close_ms=MS".
Usage: mcp_drive.py MESSAGES.json TIMEOUT CMD [ARG...]"""
import json
import os
import selectors
import subprocess
import sys
import time


def main():
    messages = json.load(open(sys.argv[1], encoding="utf-8"))
    timeout = float(sys.argv[2])
    proc = subprocess.Popen(sys.argv[3:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""
    closed = False

    def wait_for(want_id):
        nonlocal buf, closed
        while time.monotonic() < deadline and not closed:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                print(line.decode(errors="replace"), flush=True)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if isinstance(msg, dict) and msg.get("id") == want_id and "method" not in msg:
                    return True
            if not sel.select(max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                closed = True
            buf += chunk
        return False

    for msg in messages:
        if "sleep" in msg:  # {"sleep": SECONDS}: a pause, nothing sent
            time.sleep(msg["sleep"])
            continue
        try:
            proc.stdin.write((json.dumps(msg) + "\n").encode())
            proc.stdin.flush()
        except BrokenPipeError:
            break
        if "id" in msg and not wait_for(msg["id"]):
            print(f"no answer to request {msg['id']}", file=sys.stderr)
            break
    start = time.monotonic()
    try:
        proc.stdin.close()
    except BrokenPipeError:
        pass
    try:
        status = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = "killed"
    ms = (time.monotonic() - start) * 1000
    rest = proc.stdout.read()
    if rest:
        print(rest.decode(errors="replace"), end="", flush=True)
    print(f"exit={status} close_ms={ms:.0f}", file=sys.stderr)


if __name__ == "__main__":
    main()
