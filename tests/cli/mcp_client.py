#!/usr/bin/env python3
"""Starts an MCP server from a NextChat mcp_config.json entry the way NextChat does (command
and args from the file, NextChat's environment plus the entry's env) and completes
initialize, notifications/initialized and tools/list over stdio. Prints the tool names, one
a line. Usage: mcp_client.py CONFIG NAME [TIMEOUT]"""
import json
import os
import selectors
import subprocess
import sys
import time


def main():
    config, name = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30
    with open(config, encoding="utf-8") as f:
        entry = json.load(f)["mcpServers"][name]
    env = dict(os.environ)
    env.update(entry.get("env", {}))
    proc = subprocess.Popen([entry["command"], *entry.get("args", [])], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, cwd="/")
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""

    def send(msg):
        proc.stdin.write((json.dumps(msg) + "\n").encode())
        proc.stdin.flush()

    def answer(want_id):
        nonlocal buf
        while time.monotonic() < deadline:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if msg.get("id") == want_id and "method" not in msg:
                    return msg
            if not sel.select(max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
        raise SystemExit(f"no answer to request {want_id} (server exit status {proc.poll()})")

    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                         "clientInfo": {"name": "nextchat-test", "version": "1"}}})
        init = answer(1)
        if "result" not in init:
            raise SystemExit(f"initialize failed: {init}")
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
        tools = answer(2)
        for tool in tools["result"]["tools"]:
            print(tool["name"])
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
