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
chmod 640 "$T/nc/public/masks.json"
run_rc 0 nxp --yes install translator-mask      # no MCP server changes: no restart
[ "$(wc -l <"$T/restarts")" = "$n" ] || fail "restart ran without a change to mcp_config.json"
pass "paused/active follow disable/enable; no restart without a change"

# Masks and prompt packs (weather brought writing-prompts as a recommendation).
MASKS=$T/nc/public/masks.json PROMPTS=$T/nc/public/prompts.json
jq -e '(.en | map(.name)) == ["GitHub Copilot", "Translator"] and .en[1].nxpPlugin == "translator-mask"
       and .en[1].context[0].role == "user" and .cn == [] and .tw == []' "$MASKS" >/dev/null \
    || { cat "$MASKS"; fail "the mask was not merged next to NextChat's own"; }
[ "$(stat -c %a "$MASKS")" = 640 ] || fail "masks.json lost its mode"
jq -e '(.en | map(.[0])) == ["Linux Terminal", "Proofread", "Summarise", "Plain English"]
       and .en[1][2] == "nxp:writing-prompts" and (.cn | length) == 1 and (.cn[0] | length) == 2' "$PROMPTS" >/dev/null \
    || { cat "$PROMPTS"; fail "the prompt pack was not merged next to NextChat's own"; }
run_rc 0 nxp nextchat status; out_has "translator-mask  mask"; out_has "writing-prompts  prompts"
run_rc 0 nxp --yes disable translator-mask
jq -e '(.en | map(.name)) == ["GitHub Copilot"]' "$MASKS" >/dev/null || fail "a disabled mask stayed listed"
run_rc 0 nxp --yes rollback
jq -e '(.en | map(.name)) == ["GitHub Copilot", "Translator"]' "$MASKS" >/dev/null || fail "rollback did not restore the mask"
jq '.en[1].name = "Hand-edited"' "$MASKS" >"$T/x" && cp "$T/x" "$MASKS"
jq '.en |= map(select(length < 3))' "$PROMPTS" >"$T/x" && cp "$T/x" "$PROMPTS"
run_rc 1 nxp nextchat status
out_has "drift: translator-mask: differs in public/masks.json"
out_has "drift: writing-prompts: missing from public/prompts.json"
{ nxp --json nextchat status || true; } | jq -e '[.drift[].name] | sort == ["translator-mask", "writing-prompts"]' >/dev/null \
    || fail "--json status lacks the catalog drift"
run_rc 0 nxp nextchat set "$T/nc"
run_rc 0 nxp nextchat status; out_has "In step."
# A mask NextChat could not read aborts the transaction before anything changes.
mkdir -p "$T/src/broken-mask/files"
echo '{ "name": "broken-mask", "version": "1.0.0", "kind": "mask", "summary": "no context" }' >"$T/src/broken-mask/plugin.json"
echo '{"name": "Broken", "context": "not a list"}' >"$T/src/broken-mask/files/mask.json"
make_repo "$T/src/broken-mask"
run_rc 0 nxp refresh
cp "$MASKS" "$T/masks-before"
run_rc 1 nxp --yes install broken-mask
err_has "broken-mask: mask.json.context: must be an array of messages"
assert_not_installed broken-mask
cmp "$MASKS" "$T/masks-before" || fail "a refused mask changed masks.json"
pass "masks and prompts merged, removed when disabled, restored by rollback, drift reported"

# A hand-edited entry is drift, which set repairs. (A "paused" written into the entry is
# NextChat's own pause button since issue 17: kept, not drift; test_nextchat_pause.sh.)
jq '.mcpServers.weather.args = ["exec", "someone-else"]' "$CFG" >"$T/x" && cp "$T/x" "$CFG"
run_rc 1 nxp nextchat status; out_has "drift: weather"
run_rc 0 nxp nextchat set "$T/nc"
run_rc 0 nxp nextchat status; out_has "In step."
jq '.mcpServers.weather.status = "paused"' "$CFG" >"$T/x" && cp "$T/x" "$CFG"
run_rc 0 nxp nextchat status; out_has "weather  paused (in NextChat)"; out_has "In step."
run_rc 0 nxp --yes enable weather
jq -e '.mcpServers.weather.status == "active"' "$CFG" >/dev/null || fail "enable did not resume weather"
pass "status reports drift; set repairs it; NextChat's own pause is not drift"

run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "false"
run_rc 0 nxp --yes disable weather
err_has "restart command 'false' failed"
run_rc 0 nxp --yes remove weather
jq -e '.mcpServers | has("weather") | not' "$CFG" >/dev/null || fail "removed server still listed"
jq -e '.mcpServers | has("filesystem")' "$CFG" >/dev/null || fail "foreign server lost on remove"
pass "restart failure reported; removal drops only nxp's entry"
