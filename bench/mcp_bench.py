#!/usr/bin/env python3
"""MCP stdio client for bench/exec_mcp.sh: starts one or more server commands the way NextChat
does (a child with pipes on stdin/stdout) and measures, per command,
  - start: spawn -> the initialize reply (a complete line on stdout), per start;
  - call: one tools/call round trip (request written -> reply line read), CALLS per start;
  - shutdown: the client closes the server's stdin -> the process has exited.
Starts of the commands alternate (A, B, A, B, ...) so that both see the same machine.

usage: mcp_bench.py REPS CALLS TOOL LABEL=CMD [LABEL=CMD ...]
  CMD is a JSON array (argv), or an object {"argv": [...], "env": {...}} for a command run
  with exactly that environment (else the client's own). Prints one JSON object: {label: {start_ms: [...],
  call_ms: [...], shutdown_ms: [...], tools: [...]}}.
usage: mcp_bench.py report BASE OTHER < that JSON
  prints the figures side by side, OTHER's added cost over BASE and the issue 16 targets.
"""
import json
import os
import subprocess
import sys
import time

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                   "clientInfo": {"name": "nxp-bench", "version": "1"}}}


class Session:
    def __init__(self, cmd):
        argv, env = (cmd["argv"], cmd.get("env")) if isinstance(cmd, dict) else (cmd, None)
        self.t_spawn = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     bufsize=0, cwd="/", env=env)
        self.win = self.proc.stdin.fileno()
        self.rout = self.proc.stdout.fileno()
        self.buf = b""

    def send(self, msg):
        data = (json.dumps(msg, separators=(",", ":")) + "\n").encode()
        while data:
            data = data[os.write(self.win, data):]

    def line(self):
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                out, self.buf = self.buf[:nl], self.buf[nl + 1:]
                return out
            chunk = os.read(self.rout, 1 << 16)
            if not chunk:
                raise SystemExit("server closed its output (exit status %r); stderr above"
                                 % self.proc.poll())
            self.buf += chunk

    def answer(self, want_id):
        while True:
            raw = self.line()
            try:
                msg = json.loads(raw)
            except ValueError:
                continue  # not a JSON-RPC line
            if msg.get("id") == want_id and "method" not in msg:
                if "result" not in msg:
                    raise SystemExit("request %d failed: %s" % (want_id, raw[:300]))
                return msg


def one_start(argv, calls, tool, want_tools):
    s = Session(argv)
    s.send(INIT)
    s.answer(1)
    start_ms = (time.perf_counter() - s.t_spawn) * 1e3
    s.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    tools = []
    if want_tools:
        s.send({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
        tools = [t["name"] for t in s.answer(2)["result"].get("tools", [])]
    call_ms = []
    for i in range(calls):
        rid = 100 + i
        req = {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
               "params": {"name": tool, "arguments": {"text": "call %d" % i}}}
        t = time.perf_counter()
        s.send(req)
        s.answer(rid)
        call_ms.append((time.perf_counter() - t) * 1e3)
    t = time.perf_counter()
    s.proc.stdin.close()
    try:
        s.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        s.proc.kill()
        s.proc.wait()
        raise SystemExit("the server did not exit within 20 s of its stdin closing")
    shutdown_ms = (time.perf_counter() - t) * 1e3
    return start_ms, call_ms, shutdown_ms, tools


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2) if n else float("nan")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


# (what, figure of one side, unit, target for the added cost)
ROWS = [("spawn -> initialize reply, median", lambda d: median(d["start_ms"]), 25.0),
        ("tools/call round trip, median", lambda d: median(d["call_ms"]), 0.2),
        ("tools/call round trip, p99", lambda d: pct(d["call_ms"], 99), 1.0),
        ("stdin closed -> exit, median", lambda d: median(d["shutdown_ms"]), None)]


def report(base, other):
    data = json.load(sys.stdin)
    b, o = data[base], data[other]
    print("%-36s %12s %12s %12s  %s" % ("ms", base, other, "added", "target"))
    for what, fig, target in ROWS:
        fb, fo = fig(b), fig(o)
        added = fo - fb
        if target is None:  # shutdown: the target is on the whole figure
            verdict = "<= 100 ms total: %s" % ("met" if fo <= 100 else "MISSED")
        else:
            verdict = "<= %g ms added: %s" % (target, "met" if added <= target else "MISSED")
        print("%-36s %12.3f %12.3f %12.3f  %s" % (what, fb, fo, added, verdict))
    print("(%d starts and %d calls each; start range %s: %.1f-%.1f, %s: %.1f-%.1f)" % (
        len(b["start_ms"]), len(b["call_ms"]), base, min(b["start_ms"]), max(b["start_ms"]),
        other, min(o["start_ms"]), max(o["start_ms"])))
    for label, d in ((base, b), (other, o)):
        print("tools/list of %s: %s" % (label, ", ".join(d["tools"]) or "(none)"))


def main():
    if sys.argv[1] == "report":
        return report(sys.argv[2], sys.argv[3])
    reps, calls, tool = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    cmds = []
    for spec in sys.argv[4:]:
        label, _, argv = spec.partition("=")
        cmds.append((label, json.loads(argv)))
    out = {label: {"start_ms": [], "call_ms": [], "shutdown_ms": [], "tools": []}
           for label, _ in cmds}
    for label, argv in cmds:  # warm the page cache; not counted
        out[label]["tools"] = one_start(argv, 1, tool, True)[3]
    for _ in range(reps):
        for label, argv in cmds:
            start_ms, call_ms, shutdown_ms, _ = one_start(argv, calls, tool, False)
            out[label]["start_ms"].append(start_ms)
            out[label]["call_ms"].extend(call_ms)
            out[label]["shutdown_ms"].append(shutdown_ms)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
