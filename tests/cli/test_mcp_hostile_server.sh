#!/usr/bin/env bash
# A hostile MCP server behind nxp exec (issue 16, "Bad input"): one that floods (messages or
# log lines), writes invalid JSON, a 20 MiB line without a newline, deep nesting, an array, an
# answer to a request never made, or stops in the middle of a message. Each time: nxp exec
# exits non-zero within seconds, the client gets a clean JSON-RPC error for the request it
# was waiting on, stderr names the problem, and nxp's memory stays bounded.
. "$(dirname "$0")/testlib.sh"
# The memory bounds below are nxp's; under AddressSanitizer (.ci/run's second build, which
# links libasan) its allocator and shadow take ~340 MiB before the first message (17-48 MiB
# plain), so both bounds there are that much wider.
rss_limit=300000 hwm_limit=150000
# (ldd's whole output is read first: `ldd | grep -q` under pipefail fails when grep stops early.)
case "$(ldd "$NXP" 2>/dev/null || true)" in *libasan*) rss_limit=900000 hwm_limit=750000 ;; esac

mkdir -p "$T/src/hostile/files"
cat >"$T/src/hostile/plugin.json" <<'JSON'
{ "name": "hostile", "version": "1.0.0", "kind": "mcp-server", "summary": "misbehaves on call",
  "mcp": { "command": "python3", "args": ["${plugin_dir}/server.py"] },
  "check": { "mcp": true, "timeout": 20 } }
JSON
# Well behaved through initialize and tools/list (so the install pins its tool); tools/call
# "go" misbehaves as its argument `mode` says.
cat >"$T/src/hostile/files/server.py" <<'PY'
import json, os, sys, time
out = sys.stdout
def raw(text):
    out.write(text)
    out.flush()
def hostile(mode, i):
    if mode == "flood":
        while True:
            out.write('{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}\n')
    if mode == "logflood":
        while True:
            out.write("a log line\n")
    if mode == "invalid":
        raw('{"jsonrpc":"2.0","id":%d,"result":{oops}}\n' % i)
    if mode == "huge":
        raw('{"jsonrpc":"2.0","id":%d,"result":{"x":"' % i)
        chunk = "a" * (1 << 20)
        for _ in range(20):
            raw(chunk)
    if mode == "deep":
        raw("[" * 100000 + "\n")
    if mode == "deepobj":
        raw('{"a":' * 50000 + "\n")
    if mode == "array":
        raw('[{"jsonrpc":"2.0","id":%d,"result":{}}]\n' % i)
    if mode == "noid":
        raw('{"jsonrpc":"2.0","id":424242,"result":{}}\n')
    if mode == "midmessage":
        raw('{"jsonrpc":"2.0","id":%d,"resu' % i)
        os._exit(0)
    if mode == "bigflood":
        line = '{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"%s"}}\n' % ("x" * (1 << 20))
        while True:
            out.write(line)
    if mode == "crash":
        os._exit(3)
    time.sleep(120)
while True:
    line = sys.stdin.readline()
    if not line:
        break
    msg = json.loads(line)
    if "id" not in msg:
        continue
    m, i = msg["method"], msg["id"]
    if m == "initialize":
        raw(json.dumps({"jsonrpc": "2.0", "id": i, "result": {"protocolVersion": "2024-11-05",
            "capabilities": {"tools": {}}, "serverInfo": {"name": "h", "version": "1"}}}) + "\n")
    elif m == "tools/list":
        raw(json.dumps({"jsonrpc": "2.0", "id": i, "result": {"tools": [{"name": "go",
            "description": "Misbehaves", "inputSchema": {"type": "object"}}]}}) + "\n")
    elif m == "tools/call":
        hostile(msg["params"]["arguments"]["mode"], i)
PY
make_repo "$T/src/hostile"
make_root
run_rc 0 nxp --yes install hostile

# mode: what stderr must name
cases=(
    "flood|flooded: more than 10000 lines"
    "logflood|flooded: more than 10000 lines"
    "invalid|invalid JSON at line 1"
    "huge|a line of more than 16777216 bytes"
    "deep|JSON nested deeper than 64 levels"
    "deepobj|JSON nested deeper than 64 levels"
    "array|a message must be a JSON object, not an array"
    "noid|an answer to no request of NextChat (id \"424242\")"
    "midmessage|stopped in the middle of a message"
    "crash|exited with status 3"
)
for c in "${cases[@]}"; do
    mode=${c%%|*} want=${c#*|}
    {
        echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
        echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
        echo '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}'
        echo "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"go\",\"arguments\":{\"mode\":\"$mode\"}}}"
    } >"$T/script"
    start=$(date +%s)
    python3 "$SRC/tests/cli/mcp_session.py" "$T/script" 60 \
        /usr/bin/time -f %M -o "$T/rss" "$NXP" exec hostile >"$T/out" 2>"$T/err" ||
        { tail -c 2000 "$T/err"; fail "$mode: the session did not end within 60 s"; }
    took=$(( $(date +%s) - start ))
    [ "$took" -le 20 ] || fail "$mode: nxp exec took $took s to end the session"
    status=$(sed -n 's/^exit \([0-9]*\) after-close-ms.*/\1/p' "$T/err")
    if [ -z "$status" ] || [ "$status" -eq 0 ]; then
        tail -c 2000 "$T/err"; fail "$mode: nxp exec exited with status '$status'"
    fi
    # Exactly one answer to the tools/call, a JSON-RPC error (the server's log lines aside).
    grep '^{' "$T/out" | jq -es '[.[] | select(.id == 3)] | length == 1 and (.[0] |
        .jsonrpc == "2.0" and .error.code == -32603 and (.error.message | type == "string"))' \
        >/dev/null || { tail -c 1000 "$T/out"; tail -c 2000 "$T/err"; fail "$mode: no JSON-RPC error for the waiting tools/call"; }
    if ! grep -qF -- "nxp exec hostile: " "$T/err" || ! grep -qF -- "$want" "$T/err"; then
        tail -c 2000 "$T/err"; fail "$mode: stderr does not name the problem ($want)"
    fi
    # stderr is one bounded line per event, not the server's data.
    [ "$(wc -c <"$T/err")" -lt 20000 ] || fail "$mode: stderr grew with the server's output"
    rss=$(tail -n 1 "$T/rss")
    [ "$rss" -lt "$rss_limit" ] || fail "$mode: nxp exec's memory reached $rss KiB"
    pass "$mode: session closed in ${took} s, exit $status, JSON-RPC error for the call, '$want', max RSS ${rss} KiB"
done
# A server flooding 1 MiB lines at a client that stops reading: nxp stops reading it too
# (backpressure) instead of holding what the client does not take.
cat >"$T/stall.py" <<'PY'
import json, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "exec", "hostile"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL)
def send(m):
    p.stdin.write((json.dumps(m) + "\n").encode())
    p.stdin.flush()
send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
p.stdout.readline()
send({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
p.stdout.readline()
send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "go", "arguments": {"mode": "bigflood"}}})
p.stdout.read(1 << 20)  # a little, then nothing more for 4 s
time.sleep(4)
alive = p.poll() is None
hwm = [l.split()[1] for l in open(f"/proc/{p.pid}/status") if l.startswith("VmHWM:")][0] if alive else "0"
print(alive, hwm)
p.kill()
p.wait()
PY
read -r alive hwm < <(python3 "$T/stall.py" "$NXP")
[ "$alive" = True ] || fail "nxp exec ended while its client was only slow"
[ "$hwm" -lt "$hwm_limit" ] || fail "nxp exec grew to $hwm KiB holding output its client did not read"
pass "a flood of 1 MiB lines at a client that does not read: nxp exec stays at $hwm KiB"

[ "$(jq -s '[.[] | select(.kind == "protocol")] | length' "$NXP_ROOT/log/tools/hostile.jsonl")" -ge 8 ] ||
    fail "the protocol errors are not in the tool log"
pass "each protocol error is in ROOT/log/tools/hostile.jsonl"
