#!/usr/bin/env python3
"""Drives nxp-launch (in a bubblewrap "container") as NextChat would, and checks from the host
what happened (tests/cli/test_serve.sh). Usage:
  serve_drive.py session SERVE_PID CMD...   initialize, tools/list, tools/call echo and big;
      checks that the server runs on the host under nxp serve and bubblewrap, that the launcher
      moved almost no bytes (it relays nothing: nxp exec writes to the client's own pipe), then
      closes stdin and checks that everything ends within seconds and the launcher exits 0.
  serve_drive.py kill SERVE_PID CMD...      initialize, then SIGKILL the launcher while stdin
      stays open: nxp exec and the server must be gone within seconds.
Prints "ok: ..." lines; exits 1 with "FAIL: ..." on stderr."""
import json
import os
import selectors
import signal
import subprocess
import sys
import time


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def procs():
    """pid -> (ppid, comm, cmdline, exe basename) of every process on the host."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            try:
                exe = os.path.basename(os.readlink(f"/proc/{d}/exe"))
            except OSError:
                exe = ""
            out[int(d)] = (ppid, comm, cmd, exe)
        except (OSError, ValueError):
            continue
    return out


def ancestors(table, pid):
    chain = []
    while pid in table and pid > 1 and len(chain) < 64:
        pid = table[pid][0]
        chain.append(pid)
    return chain


def descendants(table, root):
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        kids = [q for q, v in table.items() if v[0] == p]
        out += kids
        todo += kids
    return out


class Client:
    def __init__(self, cmd):
        self.err = open(os.environ.get("DRIVE_STDERR", "/dev/null"), "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        self.buf = b""
        self.received = 0

    def send(self, msg):
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, i, method, params, timeout=30):
        self.send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if isinstance(msg, dict) and msg.get("id") == i and "method" not in msg:
                    return msg
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                fail(f"no answer to {method} (id {i})")
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                fail(f"the launcher's stdout ended before the answer to {method}")
            self.received += len(chunk)
            self.buf += chunk

    def start(self):
        r = self.request(1, "initialize", {"protocolVersion": "2024-11-05", "capabilities": {},
                                           "clientInfo": {"name": "drive", "version": "1"}})
        if r.get("result", {}).get("serverInfo", {}).get("name") != "echo":
            fail("initialize: " + json.dumps(r))
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def launcher_pid(self):
        table = procs()
        for p in descendants(table, self.proc.pid):
            if table[p][3] == "nxp-launch":
                return p
        fail("no nxp-launch process under the container")


def server_processes(serve_pid):
    """(exec pid, server pid) started by nxp serve for the session, or (None, None)."""
    table = procs()
    execs = [p for p, v in table.items() if v[0] == serve_pid and " exec echo" in v[2]]
    if not execs:
        return None, None
    servers = [p for p in descendants(table, execs[0])
               if "server.py" in table[p][2] and table[p][1] != "bwrap"]
    return execs[0], (servers[0] if servers else None)


def wait_gone(pids, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(os.path.exists(f"/proc/{p}") for p in pids if p):
            return True
        time.sleep(0.05)
    return False


def session(serve_pid, cmd):
    c = Client(cmd)
    c.start()
    tools = c.request(2, "tools/list", {})
    names = sorted(t["name"] for t in tools.get("result", {}).get("tools", []))
    if names != ["big", "echo"]:
        fail("tools/list: " + json.dumps(tools))
    r = c.request(3, "tools/call", {"name": "echo", "arguments": {"text": "through the socket"}})
    if "through the socket" not in json.dumps(r):
        fail("tools/call echo: " + json.dumps(r))
    r = c.request(4, "tools/call", {"name": "big", "arguments": {}})
    if len(json.dumps(r)) < 200000:
        fail("tools/call big: short answer")
    print("ok: initialize, tools/list, tools/call through nxp-launch")
    table = procs()
    exec_pid, server_pid = server_processes(serve_pid)
    if not exec_pid or not server_pid:
        fail(f"no nxp exec under nxp serve ({serve_pid}) or no server.py on the host")
    chain = ancestors(table, server_pid)
    if exec_pid not in chain or serve_pid not in chain:
        fail(f"server.py ({server_pid}) is not under nxp exec/nxp serve: {chain}")
    if not any(table.get(p, ("", ""))[1] == "bwrap" for p in chain):
        fail("server.py does not run under bubblewrap")
    print("ok: the server runs on the host, under nxp serve -> nxp exec -> bwrap")
    launcher = c.launcher_pid()
    if os.readlink(f"/proc/{launcher}/fd/1") != os.readlink(f"/proc/{exec_pid}/fd/1"):
        fail("nxp exec's stdout is not the launcher's own stdout (something relays)")
    with open(f"/proc/{launcher}/io", encoding="utf-8") as f:
        io = dict(line.split(": ") for line in f.read().splitlines())
    moved = int(io["rchar"]) + int(io["wchar"])
    if moved > 4096 or c.received < 200000:
        fail(f"the launcher moved {moved} bytes for a session of {c.received}")
    print(f"ok: the launcher relays nothing ({moved} bytes of its own, {c.received} in the "
          "session): nxp exec writes to its stdout pipe")
    started = time.monotonic()
    c.proc.stdin.close()
    try:
        status = c.proc.wait(10)
    except subprocess.TimeoutExpired:
        fail("closing stdin did not end the launcher within 10 s")
    if status != 0:
        fail(f"the launcher exited {status} after a clean session")
    if not wait_gone([exec_pid, server_pid], 5):
        fail("nxp exec or the server outlived the session")
    print(f"ok: closing stdin ended everything in {int((time.monotonic() - started) * 1000)} ms, "
          "the launcher exited 0")


def kill(serve_pid, cmd):
    c = Client(cmd)
    c.start()
    exec_pid, server_pid = server_processes(serve_pid)
    if not exec_pid or not server_pid:
        fail("no nxp exec or server.py running")
    os.kill(c.launcher_pid(), signal.SIGKILL)
    if not wait_gone([exec_pid, server_pid], 6):
        fail("killing the launcher did not stop nxp exec and the server within 6 s")
    print("ok: killing the launcher stopped nxp exec and the server (stdin still open)")
    c.proc.stdin.close()
    c.proc.wait(10)


if __name__ == "__main__":
    mode, serve, command = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    {"session": session, "kill": kill}[mode](serve, command)
