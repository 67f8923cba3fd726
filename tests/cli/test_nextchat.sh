#!/usr/bin/env bash
# NextChat integration (DESIGN.md §8) on a fixture tree in NextChat's real formats:
# mcp_config.json rewritten after each transaction, foreign entries kept, paused when
# disabled or unconfigured, restart command only on change, drift reported, and the entry
# started exactly as NextChat would completes tools/list.
. "$(dirname "$0")/testlib.sh"

cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
CFG=$T/nc/app/mcp/mcp_config.json
make_repo
run_rc 0 nxp init --nextchat "$T/nc"
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
sqlite3 "$NXP_ROOT/nxp.db" "SELECT value FROM settings WHERE key='nextchat.version'" | grep -qx "$(jq -r .package.version "$T/nc/src-tauri/tauri.conf.json")" \
    || fail "init --nextchat did not record the detected version"
run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "echo restarted >>'$T/restarts'"
cp "$CFG" "$T/before.json"

run_rc 0 nxp --yes --grant weather install weather
self=$(readlink -f "$NXP")
jq -e --arg nxp "$self" --arg root "$NXP_ROOT" \
    '.mcpServers.weather == {"command": $nxp, "args": ["--root", $root, "exec", "weather"], "status": "active"}
     or (.mcpServers.weather.command == $nxp and .mcpServers.weather.args == ["--root", $root, "exec", "weather"] and .mcpServers.weather.status == "active")' \
    "$CFG" >/dev/null || { cat "$CFG"; fail "weather entry not written"; }
jq -e '.mcpServers.filesystem.args[1] == "@modelcontextprotocol/server-filesystem"
       and .mcpServers["remote-search"].headers.Authorization == "Bearer operator-token"
       and .["x-operator-note"] != null and .enableMcp == true' "$CFG" >/dev/null \
    || fail "foreign entries or keys were not kept"
[ "$(wc -l <"$T/restarts")" = 1 ] || fail "restart command should run once after a change"
pass "install writes the entry, keeps foreign ones, restarts once"

# Start the entry exactly as NextChat would.
mapfile -t cmd < <(jq -r '.mcpServers.weather | .command, .args[]' "$CFG")
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' |
    (cd / && env -i PATH=/usr/bin:/bin timeout 10 "${cmd[@]}") >"$T/out" 2>"$T/err" || true
jq -se '.[1].result.tools[0].name == "forecast"' "$T/out" >/dev/null || { cat "$T/out" "$T/err"; fail "tools/list through the entry failed"; }
pass "the entry completes tools/list"

run_rc 0 nxp --yes disable weather
jq -e '.mcpServers.weather.status == "paused"' "$CFG" >/dev/null || fail "disabled is not paused"
run_rc 0 nxp nextchat status; out_has "paused (disabled)"
run_rc 0 nxp --yes enable weather
jq -e '.mcpServers.weather.status == "active"' "$CFG" >/dev/null || fail "enable did not reactivate"
n=$(wc -l <"$T/restarts")
run_rc 0 nxp --yes install translator-mask      # no MCP server changes: no restart
[ "$(wc -l <"$T/restarts")" = "$n" ] || fail "restart ran without a change"
pass "paused/active follow disable/enable; no restart without a change"

jq '.mcpServers.weather.status = "paused"' "$CFG" >"$T/x" && cp "$T/x" "$CFG"
run_rc 1 nxp nextchat status; out_has "drift: weather"
run_rc 0 nxp nextchat set "$T/nc"
run_rc 0 nxp nextchat status; out_has "In step."
pass "status reports drift; set repairs it"

run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "false"
run_rc 0 nxp --yes disable weather
err_has "restart command 'false' failed"
run_rc 0 nxp --yes remove weather
jq -e '.mcpServers | has("weather") | not' "$CFG" >/dev/null || fail "removed server still listed"
jq -e '.mcpServers | has("filesystem")' "$CFG" >/dev/null || fail "foreign server lost on remove"
pass "restart failure reported; removal drops only nxp's entry"
