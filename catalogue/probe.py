#!/usr/bin/env python3
"""Review aid for catalogue/calls.tsv: lists the tools of imported plugins (name, required
arguments, description) by starting each server outside the sandbox from OUT/plugins/NAME
(initialize + tools/list only, no call), so that a reviewer can choose a safe example call.

usage: probe.py OUT [PLUGIN...]   writes OUT/tools/NAME.json and prints a summary"""
import json
import os
import select
import subprocess
import sys
import time


def tools_of(argv, cwd, timeout=40):
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=cwd, start_new_session=True)
    deadline = time.monotonic() + timeout
    buf = b""

    def send(m):
        p.stdin.write((json.dumps(m) + "\n").encode())
        p.stdin.flush()

    def wait_for(rid):
        nonlocal buf
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    m = json.loads(line)
                except ValueError:
                    continue
                if isinstance(m, dict) and m.get("id") == rid and "method" not in m:
                    return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("timeout")
            r, _, _ = select.select([p.stdout], [], [], left)
            if r:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError("exited: " + p.stderr.read().decode(errors="replace")[-400:])
                buf += chunk

    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                         "clientInfo": {"name": "probe", "version": "1"}}})
        wait_for(1)
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
        m = wait_for(2)
        if "error" in m:
            raise RuntimeError(json.dumps(m["error"]))
        return m["result"].get("tools", [])
    finally:
        try:
            os.killpg(p.pid, 9)
        except OSError:
            pass
        p.wait()


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or sorted(os.listdir(os.path.join(out, "plugins")))
    os.makedirs(os.path.join(out, "tools"), exist_ok=True)
    for name in names:
        d = os.path.join(out, "plugins", name)
        mf = os.path.join(d, "plugin.json.orig")
        if not os.path.exists(mf):
            continue
        dest = os.path.join(out, "tools", name + ".json")
        if os.path.exists(dest):
            tools = json.load(open(dest))
        else:
            m = json.load(open(mf))
            files = os.path.join(d, "files")
            sub = lambda s: s.replace("${plugin_dir}", files).replace("${state_dir}", "/tmp/fixtest/state")
            extra = []
            for line in open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "permissions.tsv")):
                cols = line.rstrip("\n").split("\t")
                if cols[0] == name and len(cols) > 4 and cols[4] not in ("", "-"):
                    extra = json.loads(cols[4])
            argv = [sub(m["mcp"]["command"])] + [sub(a) for a in m["mcp"].get("args", []) + extra]
            try:
                tools = tools_of(argv, "/tmp")
            except Exception as e:
                tools = {"error": str(e)[-500:]}
            json.dump(tools, open(dest, "w"), indent=1)
        if isinstance(tools, dict):
            print("== %s: FAILED %s" % (name, tools["error"].replace("\n", " ")[-300:]))
            continue
        print("== %s: %d tools" % (name, len(tools)))
        for t in tools[:25]:
            schema = t.get("inputSchema") or {}
            req = schema.get("required") or []
            props = schema.get("properties") or {}
            args = ", ".join("%s%s:%s" % (k, "*" if k in req else "", (v or {}).get("type", "?"))
                             for k, v in list(props.items())[:6])
            print("   %s(%s) %s" % (t.get("name"), args,
                                    (t.get("description") or "").replace("\n", " ")[:90]))


if __name__ == "__main__":
    main()
