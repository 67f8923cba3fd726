#!/usr/bin/env bash
# Remote MCP servers as plugins (issue 16 item 3), through the real CLI against a small
# Streamable HTTP / SSE server on 127.0.0.1 (tests/cli/mcp_remote_server.py): install asks for
# the host, a bearer token from a secret config key reaches the server and nothing nxp writes,
# nxp exec bridges tools/list and tools/call with the session id, resumes a cut event stream,
# ends an expired session cleanly, speaks the legacy SSE transport, refuses what the grant does
# not cover (an ungranted host, a loopback name, an endpoint event naming another host), and
# pins tools the same way as for a local server.
. "$(dirname "$0")/testlib.sh"
command -v jq >/dev/null || fail "jq is not installed"

STATE=$T/state
mkdir -p "$STATE"
TOKEN="tok-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
start_server() {
    rm -f "$T/port"
    PORT=${PORT:-0} python3 "$SRC/tests/cli/mcp_remote_server.py" "$STATE" "$TOKEN" >"$T/port" &
    srv=$!
    for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
    [ -s "$T/port" ] || fail "the test server did not start"
    PORT=$(cat "$T/port")
}
start_server
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
# Test names for the loopback server, treated as public (fault injection, as sandbox-egress).
export NXP_TEST_EGRESS_HOSTS="mcp.test=127.0.0.1,evil.test=127.0.0.1"

remote_plugin() {  # NAME URL TRANSPORT
    mkdir -p "$T/src/$1/files"
    cat >"$T/src/$1/plugin.json" <<JSON
{ "name": "$1", "version": "1.0.0", "kind": "mcp-server", "summary": "remote server $1",
  "mcp": { "remote": { "url": "$2", "transport": "$3",
                       "headers": { "Authorization": "Bearer \${config.token}", "X-Client": "nxp-test" } } },
  "config": { "token": { "type": "string", "secret": true, "required": true } },
  "check": { "mcp": true, "timeout": 20 } }
JSON
}
remote_plugin remote "http://mcp.test:$PORT/mcp" streamable-http
remote_plugin legacy "http://mcp.test:$PORT/sse" sse
mkdir -p "$T/src/local/files"
cat >"$T/src/local/plugin.json" <<JSON
{ "name": "local", "version": "1.0.0", "kind": "mcp-server", "summary": "by a loopback name",
  "mcp": { "remote": { "url": "http://localhost:$PORT/mcp" } }, "check": { "mcp": true } }
JSON
make_repo "$T/src/remote" "$T/src/legacy" "$T/src/local"
make_root

run_rc 0 nxp --yes --grant all install remote legacy
nxp --json permissions remote >"$T/perms"
jq -e --arg h "mcp.test:$PORT" '[.. | strings] | index($h) != null' "$T/perms" >/dev/null ||
    { cat "$T/perms"; fail "the remote host is not among the permissions remote asks for"; }
pass "install asks for the remote server's host:port as a network permission"

jq -n --arg v "$TOKEN" '{token: $v}' >"$T/config.json"
for p in remote legacy; do
    run_rc 0 nxp --yes config "$p" --from-file "$T/config.json"
    err_has "Checking MCP server $p"
    err_has "$p answers with 3 tool(s): echo, add, flaky"
done
jq -e -s --arg t "Bearer $TOKEN" 'length > 0 and all(.[]; .auth == $t)' "$STATE/seen.jsonl" >/dev/null ||
    { cat "$STATE/seen.jsonl"; fail "the bearer token did not reach every request"; }
pass "the health check speaks to both transports with the token from the secret config key"

call() {  # ID TOOL ARGS-JSON
    jq -n --argjson id "$1" --arg t "$2" --argjson a "$3" \
        '{jsonrpc: "2.0", id: $id, method: "tools/call", params: {name: $t, arguments: $a}}'
}
session_messages() {  # the messages of one session: initialize, tools/list, calls
    {
        echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
        echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
        echo '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}'
        call 3 echo '{"text":"hi"}'
        call 4 add '{"a":2,"b":3}'
        "$@"
    } | jq -s . >"$T/msgs.json"
}
drive() {  # PLUGIN: runs nxp exec PLUGIN with $T/msgs.json; answers in $T/out, stderr in $T/err
    python3 "$SRC/tests/cli/mcp_drive.py" "$T/msgs.json" 30 "$NXP" exec "$1" >"$T/out" 2>"$T/err" || true
}
result() { jq -r --argjson id "$1" 'select(.id == $id) | .result.content[0].text // empty' "$T/out"; }
error_of() { jq -r --argjson id "$1" 'select(.id == $id) | .error.message // empty' "$T/out"; }

: >"$STATE/seen.jsonl"
session_messages call 5 flaky '{}'
drive remote
jq -e -s 'map(select(.id == 2)) | .[0].result.tools | map(.name) == ["echo", "add", "flaky"]' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "tools/list through nxp exec"; }
sid=$(result 3 | sed -n 's/^hi session=//p')
[ -n "$sid" ] || { cat "$T/out" "$T/err"; fail "tools/call echo through nxp exec"; }
[ "$(result 4)" = 5 ] || { cat "$T/out" "$T/err"; fail "tools/call answered in an event stream"; }
[ "$(result 5)" = resumed ] || { cat "$T/out" "$T/err"; fail "the cut event stream was not resumed"; }
jq -e -s --arg s "$sid" 'map(select(.method != "POST" or .session != null)) | length > 3 and all(.[]; .session == $s)' \
    "$STATE/seen.jsonl" >/dev/null || { cat "$STATE/seen.jsonl"; fail "the session id was not sent back on every later request"; }
jq -e -s 'any(.[]; .method == "GET" and .last_event_id == "flaky-1")' "$STATE/seen.jsonl" >/dev/null ||
    { cat "$STATE/seen.jsonl"; fail "no GET with Last-Event-ID resumed the stream"; }
jq -e -s 'any(.[]; .version == "2025-03-26")' "$STATE/seen.jsonl" >/dev/null ||
    { cat "$STATE/seen.jsonl"; fail "MCP-Protocol-Version was not sent"; }
jq -e -s --arg s "$sid" 'any(.[]; .method == "DELETE" and .session == $s)' "$STATE/seen.jsonl" >/dev/null ||
    { cat "$STATE/seen.jsonl"; fail "closing stdin did not DELETE the session"; }
grep -q "^exit=0 " "$T/err" || { cat "$T/err"; fail "nxp exec did not exit 0 when stdin closed"; }
ms=$(sed -n 's/.*close_ms=\([0-9]*\).*/\1/p' "$T/err")
[ "$ms" -lt 1000 ] || fail "nxp exec took $ms ms to exit after stdin closed"
pass "nxp exec: tools/list and tools/call, session id echoed, a cut stream resumed, DELETE and exit in $ms ms"

# Server-initiated messages on the session's GET stream reach the client.
touch "$STATE/listen"
: >"$STATE/seen.jsonl"
session_messages echo '{"sleep": 1}'
drive remote
jq -e -s 'any(.[]; .method == "notifications/message" and .params.data == "from GET")' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err" "$STATE/seen.jsonl"; fail "the GET stream's notification did not reach the client"; }
jq -e -s '[.[] | select(.method == "GET" and .last_event_id == "listen-1")] | length == 1' "$STATE/seen.jsonl" >/dev/null ||
    { cat "$STATE/seen.jsonl"; fail "the GET stream was not reopened with Last-Event-ID"; }
[ "$(result 4)" = 5 ] || { cat "$T/out"; fail "calls failed beside the GET stream"; }
pass "the session's GET stream: a server-initiated message reaches the client; reopened with Last-Event-ID"

LOG=$NXP_ROOT/log/egress/remote.jsonl
jq -e -s --argjson p "$PORT" 'any(.[]; .decision == "allow" and .via == "connect" and .address == "127.0.0.1" and .port == $p and .host == "mcp.test")' \
    "$LOG" >/dev/null || { cat "$LOG"; fail "the connects are not in the egress log"; }
jq -e -s 'any(.[]; .decision == "allow" and .via == "dns" and .host == "mcp.test")' "$LOG" >/dev/null ||
    { cat "$LOG"; fail "the name's resolution is not in the egress log"; }
pass "each connection is checked against the grant and logged"

# The legacy SSE transport.
: >"$STATE/seen.jsonl"
session_messages
drive legacy
jq -e -s 'map(select(.id == 2)) | .[0].result.tools | length == 3' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "tools/list over SSE"; }
case "$(result 3)" in "hi session="?*) ;; *) cat "$T/out" "$T/err"; fail "tools/call over SSE" ;; esac
[ "$(result 4)" = 5 ] || { cat "$T/out"; fail "tools/call add over SSE"; }
grep -q "^exit=0 " "$T/err" || { cat "$T/err"; fail "nxp exec (sse) did not exit 0"; }
jq -e -s 'any(.[]; .method == "POST" and (.path | startswith("/messages?sessionId=")))' "$STATE/seen.jsonl" >/dev/null ||
    { cat "$STATE/seen.jsonl"; fail "messages were not posted to the endpoint"; }
pass "the legacy SSE transport: endpoint event, POSTs, answers on the stream"

# The SSE stream drops before its endpoint event: reconnected with Last-Event-ID.
touch "$STATE/drop-stream"
: >"$STATE/seen.jsonl"
drive legacy
[ "$(result 4)" = 5 ] || { cat "$T/out" "$T/err"; fail "the session did not work after the stream was reconnected"; }
jq -e -s '[.[] | select(.method == "GET" and (.path | startswith("/sse")))] | length == 2 and .[1].last_event_id == "boot-1"' \
    "$STATE/seen.jsonl" >/dev/null || { cat "$STATE/seen.jsonl"; fail "the SSE stream was not reconnected with Last-Event-ID"; }
grep -q "reconnecting" "$T/err" || { cat "$T/err"; fail "the reconnect is not reported"; }
pass "a dropped SSE stream is reconnected with Last-Event-ID"

# A changed definition is withheld, as for a local server.
touch "$STATE/changed"
session_messages
drive remote
jq -e -s 'map(select(.id == 2)) | .[0].result.tools | map(.name) == ["add", "flaky"]' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "the changed definition of echo reached the client"; }
[ -n "$(error_of 3)" ] || { cat "$T/out"; fail "a call to the withheld tool was not refused"; }
[ "$(result 4)" = 5 ] || { cat "$T/out"; fail "the unchanged tool stopped working"; }
grep -q "echo" "$T/err" || { cat "$T/err"; fail "the withheld tool is not reported"; }
rm "$STATE/changed"
pass "a remote tool whose definition changed is withheld and its call refused"

# Tool filters (nxp tools, where this build has it) apply to a remote server as well.
if nxp --yes tools remote --disable add >/dev/null 2>&1; then
    session_messages
    drive remote
    jq -e -s 'map(select(.id == 2)) | .[0].result.tools | map(.name) == ["echo", "flaky"]' "$T/out" >/dev/null ||
        { cat "$T/out" "$T/err"; fail "the hidden tool is listed"; }
    [ -n "$(error_of 4)" ] || { cat "$T/out"; fail "a call to the hidden tool was not refused"; }
    run_rc 0 nxp --yes tools remote --enable add
    pass "nxp tools --disable hides a remote server's tool"
fi

# The session expires (the server restarts): the waiting request gets a JSON-RPC error.
session_messages echo '{"sleep": 3}'
jq '. + [{jsonrpc: "2.0", id: 9, method: "tools/call", params: {name: "echo", arguments: {text: "late"}}}]' \
    "$T/msgs.json" >"$T/msgs2.json"
mv "$T/msgs2.json" "$T/msgs.json"
python3 "$SRC/tests/cli/mcp_drive.py" "$T/msgs.json" 30 "$NXP" exec remote >"$T/out" 2>"$T/err" &
drv=$!
for _ in $(seq 200); do [ "$(result 4 2>/dev/null)" = 5 ] && break; sleep 0.05; done
[ "$(result 4 2>/dev/null)" = 5 ] || { cat "$T/out" "$T/err"; fail "the session did not start"; }
kill $srv; wait $srv 2>/dev/null || true
start_server  # the same port, no sessions
wait $drv || true
case "$(error_of 9)" in *session*) ;; *) cat "$T/out" "$T/err"; fail "an expired session did not answer the waiting request with an error" ;; esac
grep -q "no longer knows this session" "$T/err" || { cat "$T/err"; fail "the expiry is not reported"; }
pass "an expired session (HTTP 404) ends with a JSON-RPC error for the waiting request"

# Egress refusals.
touch "$STATE/evil-endpoint"
session_messages
drive legacy
case "$(error_of 1)" in *"names another host"* | *"endpoint event names"*) ;; *) cat "$T/out" "$T/err"; fail "an endpoint on another host was not refused" ;; esac
grep -q "evil.test" "$T/err" || { cat "$T/err"; fail "the refusal is not reported"; }
jq -e -s 'any(.[]; .decision == "deny" and .host == "evil.test")' "$NXP_ROOT/log/egress/legacy.jsonl" >/dev/null ||
    { cat "$NXP_ROOT/log/egress/legacy.jsonl"; fail "the refused endpoint is not in the egress log"; }
rm "$STATE/evil-endpoint"
pass "an SSE endpoint event naming another host is refused and logged"

run_rc 1 nxp --yes --grant all install local
err_has "no address nxp may connect to"
jq -e -s 'any(.[]; .decision == "deny" and .host == "localhost" and (.reason | test("loopback")))' \
    "$NXP_ROOT/log/egress/local.jsonl" >/dev/null || { cat "$NXP_ROOT/log/egress/local.jsonl"; fail "the loopback refusal is not logged"; }
pass "a name resolving to a loopback address is refused as for a sandboxed plugin"

run_rc 0 nxp --yes permissions remote --revoke
session_messages
run_rc 1 nxp exec remote </dev/null
err_has "not granted"
pass "nxp exec refuses a remote plugin whose host is not granted"

# The token is in nothing nxp printed or wrote.
for f in "$T/out" "$T/err" "$NXP_ROOT"/log/*/*; do
    ! grep -q -F "$TOKEN" "$f" || fail "the token appears in $f"
done
! grep -r -q -F "$TOKEN" "$NXP_ROOT" || fail "the token appears under the root"
pass "the bearer token appears in no output or log"
