#!/usr/bin/env python3
"""One MCP conversation over stdio for the catalogue build: initialize, tools/list, then one
tools/call, within TIMEOUT seconds in all. Prints one JSON object:
  {"stage": "ok"|"start"|"initialize"|"tools/list"|"call"|"timeout",
   "tools": [names], "call": {"tool", "is_error", "text"}, "error": message,
   "stderr": last lines of the server's stderr}
A pass is stage "ok": the call returned a result that is not an error (isError false) and
whose text contains EXPECT (the reviewed expected text of catalogue/calls.tsv, compared
without regard to case) and none of the texts of a failure that servers report as a normal
answer (KNOWN_FAILURES: a name lookup or npm error, a refused connection).

usage: mcp_call.py TIMEOUT TOOL ARGS_JSON [EXPECT] -- ARGV..."""
import json
import os
import re
import select
import subprocess
import sys
import time


# Texts of a failed operation that some servers return as an ordinary answer (isError false):
# the call did not do its work, whatever the flag says.
KNOWN_FAILURES = re.compile(r"EAI_AGAIN|ENOTFOUND|getaddrinfo|ECONNREFUSED|npm error|"
                            r"Could not locate the bindings file|Cannot find module", re.I)


class Failed(Exception):
    def __init__(self, stage, message):
        super().__init__(message)
        self.stage = stage


class Conversation:
    def __init__(self, argv, deadline):
        self.deadline = deadline
        self.err = open(os.devnull, "wb")
        self.errpath = None
        import tempfile
        self.errfile = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errfile, bufsize=0, start_new_session=True)
        self.buf = b""

    def send(self, msg):
        try:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        except BrokenPipeError:
            pass

    def line(self, stage):
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                out, self.buf = self.buf[:nl], self.buf[nl + 1:]
                return out
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Failed("timeout", "no answer to %s within the time limit" % stage)
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if not r:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                self.proc.wait(timeout=5)
                raise Failed("start" if stage == "initialize" else stage,
                             "the server closed its output (exit status %s) before answering %s"
                             % (self.proc.returncode, stage))
            self.buf += chunk

    def request(self, rid, method, params, stage):
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            raw = self.line(stage)
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(msg, dict):
                continue
            if "method" in msg and "id" in msg:  # a request from the server (roots, sampling)
                self.send({"jsonrpc": "2.0", "id": msg["id"],
                           "error": {"code": -32601, "message": "not supported"}})
                continue
            if msg.get("id") != rid:
                continue
            if "error" in msg:
                raise Failed(stage, "JSON-RPC error: " + json.dumps(msg["error"])[:400])
            return msg.get("result") or {}

    def stderr_tail(self):
        try:
            self.errfile.seek(0)
            data = self.errfile.read().decode(errors="replace")
        except Exception:
            return ""
        return "\n".join(data.strip().splitlines()[-8:])[-1500:]

    def close(self):
        try:
            self.proc.stdin.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, 9)
            except Exception:
                pass
            self.proc.wait()


def text_of(result):
    parts = []
    for c in result.get("content") or []:
        if isinstance(c, dict):
            if c.get("type") == "text":
                t = c.get("text", "")
                parts.append(t if isinstance(t, str) else json.dumps(t))
            else:
                parts.append("[%s]" % c.get("type"))
    if not parts and "structuredContent" in result:
        parts.append(json.dumps(result["structuredContent"]))
    return " ".join(parts).replace("\n", " ")


def main():
    sep = sys.argv.index("--")
    timeout, tool, args = float(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
    expect = sys.argv[4] if sep > 4 else ""
    argv = sys.argv[sep + 1:]
    out = {"stage": "ok", "tools": [], "call": None, "error": "", "stderr": ""}
    conv = Conversation(argv, time.monotonic() + timeout)
    try:
        conv.request(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                       "clientInfo": {"name": "nxp-catalogue", "version": "1"}},
                     "initialize")
        conv.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        tools = conv.request(2, "tools/list", {}, "tools/list").get("tools") or []
        out["tools"] = [t.get("name") for t in tools]
        if tool not in out["tools"]:
            raise Failed("call", "the server lists no tool %r" % tool)
        res = conv.request(3, "tools/call", {"name": tool, "arguments": args}, "call")
        text = text_of(res)
        out["call"] = {"tool": tool, "is_error": bool(res.get("isError")), "text": text[:300]}
        if res.get("isError"):
            raise Failed("call", "the tool answered an error: " + text[:300])
        bad = KNOWN_FAILURES.search(text)
        if bad:
            raise Failed("call", "the answer reports a failure (%r): %s"
                         % (bad.group(0), text[max(0, bad.start() - 100):bad.start() + 200]))
        if not expect:
            raise Failed("call", "no expected text for this call (catalogue/calls.tsv)")
        if expect.lower() not in text.lower():
            raise Failed("call", "the answer lacks the expected text %r: %s" % (expect, text[:300]))
    except Failed as e:
        out["stage"], out["error"] = e.stage, str(e)
    finally:
        conv.close()
        out["stderr"] = conv.stderr_tail()
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
