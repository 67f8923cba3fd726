#!/usr/bin/env bash
# Plugin code in the sandbox (DESIGN.md §7): hostile hooks are contained, the transaction
# aborts before the switch and the message names the hook and what happened; MCP health
# checks record tool names or abort.
. "$(dirname "$0")/testlib.sh"
export NXP_HOOK_TIMEOUT=3

# hostile NAME 'shell body': a library plugin whose post-install hook runs the body.
hostile() {
    mkdir -p "$T/src/$1/files/scripts"
    cat >"$T/src/$1/plugin.json" <<JSON
{ "name": "$1", "version": "1.0.0", "kind": "library", "summary": "hostile hook $1",
  "hooks": { "post-install": "scripts/hook.sh" } }
JSON
    printf '#!/bin/bash\n%s\n' "$2" >"$T/src/$1/files/scripts/hook.sh"
    chmod +x "$T/src/$1/files/scripts/hook.sh"
}
mkdir -p "$T/outside"
python3 -m http.server 0 --bind 127.0.0.1 >"$T/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do PORT=$(grep -o 'port [0-9]*' "$T/http.log" | grep -o '[0-9]*' || true); [ -n "$PORT" ] && break; sleep 0.1; done
[ -n "$PORT" ] || fail "no local listener"

hostile writer "echo pwned >'$T/outside/pwned' && exit 0; exit 3"
hostile dialer "if exec 3<>/dev/tcp/127.0.0.1/$PORT; then echo CONNECTED; exit 0; fi; exit 7"
hostile snoop '[ -n "$OPENAI_API_KEY" ] && { echo "LEAK $OPENAI_API_KEY"; exit 0; }; exit 9'
# Contained, a fork bomb either runs into the timeout or collapses (forks fail under the
# process limit) and reaches its exit 5: both must abort the transaction.
hostile forker 'f() { f | f & }; f; wait; exit 5'
hostile sleeper 'sleep 1000'
hostile flooder 'yes gigabytes'
# A well-behaved hook writes only its state directory.
hostile good 'echo ok >"$HOME/installed"; exit 0'
# MCP servers: one that dies at once, one that answers garbage.
mkdir -p "$T/src/deadmcp/files" "$T/src/badmcp/files"
for n in deadmcp badmcp; do cat >"$T/src/$n/plugin.json" <<JSON
{ "name": "$n", "version": "1.0.0", "kind": "mcp-server", "summary": "broken server",
  "mcp": { "command": "node", "args": ["\${plugin_dir}/server.js"] }, "check": { "mcp": true, "timeout": 3 } }
JSON
done
echo 'process.exit(4)' >"$T/src/deadmcp/files/server.js"
echo 'process.stdin.on("data", () => process.stdout.write("{\"jsonrpc\":\"2.0\",\"id\":1}\n"))' >"$T/src/badmcp/files/server.js"

make_repo "$SRC"/examples/plugins/*/ "$T"/src/*/
make_root

expect_abort() {  # NAME WHAT: install fails, names the hook and WHAT, nothing changes
    local gen; gen=$(readlink "$NXP_ROOT/current")
    OPENAI_API_KEY=sk-host-secret run_rc 1 nxp --yes install "$1"
    err_has "$1"; err_has "$2"
    assert_not_installed "$1"
    [ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "$1: current moved"
    [ ! -e "$NXP_ROOT/generations/$(( ${gen#generations/} + 1 ))" ] || fail "$1: staged generation left behind"
}
expect_abort writer "post-install hook (scripts/hook.sh)"
[ ! -e "$T/outside/pwned" ] || fail "a hook wrote outside its tree"
expect_abort dialer "exited with status 7"
grep -q CONNECTED "$T/err" && fail "a hook reached the network"
expect_abort snoop "exited with status 9"
grep -q sk-host-secret "$T/err" && fail "a hook read OPENAI_API_KEY"
start=$(date +%s)
expect_abort forker "post-install hook"
grep -Eq "timed out after 3 s|exited with status 5" "$T/err" || fail "forker: neither timed out nor failed"
expect_abort sleeper "timed out after 3 s"
[ $(( $(date +%s) - start )) -lt 30 ] || fail "timeouts took too long"
expect_abort flooder "killed for writing too much output"
pgrep -f "yes gigabytes" >/dev/null && fail "the flooder survived"
pass "hostile hooks contained, transaction aborted, hook named"

run_rc 0 nxp --yes install good
[ "$(cat "$NXP_ROOT/state/good/installed")" = ok ] || fail "the hook could not write its state dir"
pass "a hook writes its state directory"

expect_abort deadmcp "MCP health check"
err_has "exited with status 4"
expect_abort badmcp "MCP health check"
pass "failing MCP health checks abort"

run_rc 0 nxp --yes --grant weather install weather
err_has "forecast"
nxp --json info weather | jq -e '.tools == ["forecast"]' >/dev/null || fail "info lacks the tool names"
run_rc 0 nxp info weather; out_has "Tools       forecast"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"forecast","arguments":{"city":"Oslo"}}}' |
    OPENAI_API_KEY=x timeout 10 "$NXP" exec weather >"$T/out" 2>"$T/err" || true
out_has "Forecast for Oslo: mild, metric units"
run_rc 0 nxp --yes config weather units imperial
printf '%s\n' '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"forecast","arguments":{"city":"Oslo"}}}' |
    timeout 10 "$NXP" exec weather >"$T/out" 2>"$T/err" || true
out_has "imperial units"
pass "health check records tools; exec runs the server with its config"
