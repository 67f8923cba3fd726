#!/usr/bin/env bash
# Per-host egress through the real CLI (issue 15 item 1): `nxp exec` of a Node MCP server
# whose tool calls fetch() (which ignores HTTP_PROXY) reaches the granted loopback HTTP
# server and nothing else, a hook's bash /dev/tcp likewise, and every decision lands in
# ROOT/log/egress/NAME.jsonl.
. "$(dirname "$0")/testlib.sh"
command -v node >/dev/null || fail "node is not installed"

# HTTP servers on 127.0.0.2 (granted) and on 127.0.0.3, same port (not granted).
cat >"$T/serve.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from " + sys.argv[1]).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), H)
print(s.server_port, flush=True)
s.serve_forever()
PY
python3 "$T/serve.py" 127.0.0.2 0 >"$T/port" &
srv1=$!
trap 'kill $srv1 ${srv2:-} 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
[ -n "$PORT" ] || fail "the test server did not start"
python3 "$T/serve.py" 127.0.0.3 "$PORT" >/dev/null &
srv2=$!
sleep 0.3

mkdir -p "$T/src/fetcher/files"
cat >"$T/src/fetcher/plugin.json" <<JSON
{ "name": "fetcher", "version": "1.0.0", "kind": "mcp-server", "summary": "fetches",
  "requires": ["node-runtime >= 18"],
  "mcp": { "command": "node", "args": ["\${plugin_dir}/server.js"] },
  "hooks": { "post-install": "hooks/post_install.sh" }, "check": { "mcp": true, "timeout": 20 },
  "permissions": { "network": ["127.0.0.2:$PORT"] } }
JSON
mkdir -p "$T/src/fetcher/files/hooks"
cat >"$T/src/fetcher/files/hooks/post_install.sh" <<SH
#!/bin/bash
bash -c 'exec 3<>/dev/tcp/127.0.0.2/$PORT' || { echo "hook: the granted server was not reached"; exit 3; }
for to in 127.0.0.3/$PORT 127.0.0.1/$PORT 169.254.169.254/80; do
    bash -c "exec 3<>/dev/tcp/\$to" 2>/dev/null && { echo "hook: \$to reached"; exit 4; }
done
exit 0
SH
chmod +x "$T/src/fetcher/files/hooks/post_install.sh"
cat >"$T/src/fetcher/files/server.js" <<'JS'
const rl = require("readline").createInterface({ input: process.stdin });
const send = (id, result) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id, result }) + "\n");
rl.on("line", async (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  if (m.method === "initialize")
    return send(m.id, { protocolVersion: "2024-11-05", capabilities: { tools: {} }, serverInfo: { name: "f", version: "1" } });
  if (m.method === "tools/list")
    return send(m.id, { tools: [{ name: "fetch", inputSchema: { type: "object" } }] });
  let text;
  try { text = "fetched: " + await (await fetch(m.params.arguments.url)).text(); }
  catch (e) { text = "failed: " + (e.cause?.code || e.message); }
  send(m.id, { content: [{ type: "text", text }] });
});
JS
make_repo "$T/src/fetcher"
make_root
run_rc 0 nxp --yes --grant all install fetcher
pass "a hook's /dev/tcp reaches the granted server and no other destination"

call() {  # ID URL
    printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"fetch","arguments":{"url":"%s"}}}\n' "$1" "$2"
}
{
    echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}'
    call 2 "http://127.0.0.2:$PORT/"
    call 3 "http://127.0.0.3:$PORT/"
    call 4 "http://127.0.0.1:$PORT/"
    call 5 "http://169.254.169.254/latest/meta-data/"
    call 6 "https://example.com/"
    sleep 8
} | timeout 30 "$NXP" exec fetcher >"$T/out" 2>"$T/err" || true
text() { jq -r --argjson id "$1" 'select(.id == $id) | .result.content[0].text' "$T/out"; }
[ "$(text 2)" = "fetched: hello from 127.0.0.2" ] || { cat "$T/out" "$T/err"; fail "fetch() of the granted server failed"; }
[ "$(text 3)" = "failed: ECONNREFUSED" ] || { cat "$T/out"; fail "127.0.0.3 was not refused"; }
[ "$(text 4)" = "failed: ECONNREFUSED" ] || { cat "$T/out"; fail "127.0.0.1 was not refused"; }
[ "$(text 5)" = "failed: ECONNREFUSED" ] || { cat "$T/out"; fail "169.254.169.254 was not refused"; }
case "$(text 6)" in failed:*) ;; *) cat "$T/out"; fail "example.com was reached" ;; esac
pass "nxp exec: Node's fetch() reaches the granted server only"

LOG=$NXP_ROOT/log/egress/fetcher.jsonl
[ -f "$LOG" ] || fail "no egress log at $LOG"
[ "$(stat -c %a "$LOG")" = 600 ] || fail "the egress log is not 0600"
has() { jq -e -s "$1" "$LOG" >/dev/null || { cat "$LOG"; fail "egress log lacks: $1"; }; }
has "any(.[]; .decision == \"allow\" and .address == \"127.0.0.2\" and .port == $PORT and .via == \"connect\")"
has "any(.[]; .decision == \"deny\" and .address == \"127.0.0.3\" and .port == $PORT)"
has "any(.[]; .decision == \"deny\" and .address == \"169.254.169.254\" and .port == 80)"
has 'any(.[]; .decision == "deny" and .host == "example.com" and .via == "dns")'
has 'all(.[]; .time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))'
pass "every decision is in the egress log, with its time"
