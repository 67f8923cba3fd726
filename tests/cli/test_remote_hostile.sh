#!/usr/bin/env bash
# A hostile remote MCP server, and hostile configuration, against nxp's bridge (issue 16 item 3;
# security suite): SSE endpoint events that name another origin in every spelling (another
# host, scheme-relative, user information, another scheme or port, the same address by another
# name, upper case) are refused before anything is posted there, while the same origin in
# upper case still works; a redirect is not followed; an event or a body over 16 MiB and
# invalid JSON end the session with a JSON-RPC error; a configured header value with a line
# break never reaches the wire and is not shown.
. "$(dirname "$0")/testlib.sh"
command -v jq >/dev/null || fail "jq is not installed"

STATE=$T/state
mkdir -p "$STATE"
TOKEN="tok-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
python3 "$SRC/tests/cli/mcp_remote_server.py" "$STATE" "$TOKEN" >"$T/port" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
[ -n "$PORT" ] || fail "the test server did not start"
export NXP_TEST_EGRESS_HOSTS="mcp.test=127.0.0.1,evil.test=127.0.0.1"

for p in remote:mcp:streamable-http legacy:sse:sse; do
    IFS=: read -r name path transport <<<"$p"
    mkdir -p "$T/src/$name/files"
    cat >"$T/src/$name/plugin.json" <<JSON
{ "name": "$name", "version": "1.0.0", "kind": "mcp-server", "summary": "remote $name",
  "mcp": { "remote": { "url": "http://mcp.test:$PORT/$path", "transport": "$transport",
                       "headers": { "Authorization": "Bearer \${config.token}" } } },
  "config": { "token": { "type": "string", "secret": true, "required": true } },
  "check": { "mcp": true, "timeout": 20 } }
JSON
done
make_repo "$T/src/remote" "$T/src/legacy"
make_root
run_rc 0 nxp --yes --grant all install remote legacy
jq -n --arg v "$TOKEN" '{token: $v}' >"$T/config.json"
run_rc 0 nxp --yes config remote --from-file "$T/config.json"
run_rc 0 nxp --yes config legacy --from-file "$T/config.json"

echo '[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}},
       {"jsonrpc":"2.0","method":"notifications/initialized"},
       {"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}]' >"$T/msgs.json"
drive() { python3 "$SRC/tests/cli/mcp_drive.py" "$T/msgs.json" 30 "$NXP" exec "$1" >"$T/out" 2>"$T/err" || true; }
error_of() { jq -r --argjson id "$1" 'select(.id == $id) | .error.message // empty' "$T/out"; }

n=0
while IFS= read -r endpoint; do
    n=$((n + 1))
    printf '%s\n' "$endpoint" >"$STATE/endpoint"
    : >"$STATE/seen.jsonl"
    drive legacy
    case "$(error_of 1)" in *"endpoint event names"*) ;; *) cat "$T/out" "$T/err"; fail "endpoint $endpoint was not refused" ;; esac
    grep -q "^exit=1 " "$T/err" || { cat "$T/err"; fail "nxp exec did not end the session for $endpoint"; }
    ! grep -q '"path": "/messages' "$STATE/seen.jsonl" || { cat "$STATE/seen.jsonl"; fail "a message was posted to $endpoint"; }
done <<'EOF'
http://evil.test:{port}/messages?sessionId={sid}
//evil.test:{port}/messages?sessionId={sid}
http://mcp.test:{port}@evil.test:{port}/messages?sessionId={sid}
https://mcp.test:{port}/messages?sessionId={sid}
http://mcp.test:1/messages?sessionId={sid}
http://127.0.0.1:{port}/messages?sessionId={sid}
HTTP://EVIL.TEST:{port}/messages?sessionId={sid}
http://evil.test.:{port}/messages?sessionId={sid}
http://[::1]:{port}/messages?sessionId={sid}
EOF
jq -e -s '[.[] | select(.decision == "deny" and (.reason | test("endpoint")))] | length >= 8' \
    "$NXP_ROOT/log/egress/legacy.jsonl" >/dev/null || { cat "$NXP_ROOT/log/egress/legacy.jsonl"; fail "the refused endpoints are not logged"; }
pass "$n spellings of another origin in the SSE endpoint event are refused, nothing posted there"

for endpoint in "http://MCP.TEST:{port}/messages?sessionId={sid}" "/messages?sessionId={sid}"; do
    printf '%s\n' "$endpoint" >"$STATE/endpoint"
    drive legacy
    jq -e -s 'map(select(.id == 2)) | .[0].result.tools | length == 3' "$T/out" >/dev/null ||
        { cat "$T/out" "$T/err"; fail "the same origin ($endpoint) was refused"; }
done
rm "$STATE/endpoint"
pass "the same origin, in any case or relative, is accepted"

for how in redirect huge-event huge-json bad-json; do
    echo "$how" >"$STATE/hostile"
    : >"$STATE/seen.jsonl"
    start=$(date +%s)
    drive remote
    msg=$(error_of 1)
    [ -n "$msg" ] || { cat "$T/out" "$T/err"; fail "$how: initialize got no JSON-RPC error"; }
    case "$how" in
        redirect) case "$msg" in *307*"no redirect"*) ;; *) fail "redirect: $msg" ;; esac
            ! grep -q '"host": "evil.test' "$STATE/seen.jsonl" || fail "the redirect was followed" ;;
        huge-*) grep -q "larger than 16 MiB" "$T/err" || { cat "$T/err"; fail "$how: no message naming the limit"; }
            grep -q "^exit=1 " "$T/err" || { cat "$T/err"; fail "$how: the session did not end"; } ;;
        bad-json) grep -q "^exit=1 " "$T/err" || { cat "$T/err"; fail "bad-json: the session did not end"; } ;;
    esac
    [ $(($(date +%s) - start)) -lt 25 ] || fail "$how took too long"
done
rm "$STATE/hostile"
pass "a redirect is not followed; 17 MiB events and bodies and invalid JSON end the session with an error"

for bad in $'abc\r\nX-Evil: 1' $'abc\nX-Evil: 1' $'abc\rX-Evil: 1' $'abc\tdef\x01'; do
    jq -n --arg v "$bad" '{token: $v}' >"$T/bad.json"
    run_rc 1 nxp --yes config remote --from-file "$T/bad.json"
    err_has "mcp.remote.headers.Authorization"
    err_has "line break or another control character"
    ! grep -q "X-Evil\|abc" "$T/out" "$T/err" || { cat "$T/err"; fail "the configured value was shown"; }
done
! grep -q '"auth": "Bearer abc' "$STATE/seen.jsonl" || fail "a value with a line break reached the server"
pass "a configured header value with a line break or control character is refused and not shown"
