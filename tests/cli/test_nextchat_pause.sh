#!/usr/bin/env bash
# NextChat's own pause button (issue 17 item 5): an nxp entry paused in NextChat's UI
# ("status": "paused" written into mcp_config.json) stays paused through unrelated
# transactions, is shown by `nxp list` and `nxp nextchat status` (not as drift), is not a
# restart by itself, until `nxp enable NAME` (the plugin already enabled in nxp) writes it
# active again; resumed in NextChat's UI, the mark is forgotten.
. "$(dirname "$0")/testlib.sh"
command -v node >/dev/null || fail "node is not installed"

cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
CFG=$T/nc/app/mcp/mcp_config.json
make_repo
make_root
run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "echo \"\$NXP_CHANGED_SERVERS\" >>'$T/restarts'"
run_rc 0 nxp --yes --grant all install weather notes-json
jq -e '.mcpServers.weather.status == "active"' "$CFG" >/dev/null || fail "weather is not active"
# status_in_file NAME: the entry's status as NextChat's UI would show it.
status_in_file() { jq -r --arg n "$1" '.mcpServers[$n].status' "$CFG"; }
# nextchat_pause NAME STATUS: what NextChat's UI writes (it rewrites the whole file).
nextchat_pause() {
    jq --arg n "$1" --arg s "$2" '.mcpServers[$n].status = $s' "$CFG" >"$T/x" && cp "$T/x" "$CFG"
}
restarts() { wc -l <"$T/restarts"; }
pass "weather and notes-json installed and active"

nextchat_pause weather paused
# Before any transaction saw it: already a NextChat pause, not drift.
run_rc 0 nxp nextchat status
out_has "weather  paused (in NextChat)"
out_has "In step."
n=$(restarts)
run_rc 0 nxp --yes install translator-mask                 # unrelated
[ "$(status_in_file weather)" = paused ] || fail "an unrelated transaction resumed weather"
run_rc 0 nxp --yes disable notes-json                      # another server's changes
[ "$(status_in_file notes-json)" = paused ] || fail "notes-json is not paused"
run_rc 0 nxp --yes enable notes-json
[ "$(status_in_file weather)" = paused ] || fail "a change to another server resumed weather"
[ "$(status_in_file notes-json)" = active ] || fail "notes-json is not active again"
grep -qx weather <(tail -n +$((n + 1)) "$T/restarts") && fail "the NextChat pause restarted weather"
sqlite3 "$NXP_ROOT/nxp.db" "SELECT value FROM settings WHERE key='nextchat.paused_in_nextchat'" |
    jq -e '. == ["weather"]' >/dev/null || fail "the NextChat pause is not remembered"
pass "a NextChat pause survives unrelated transactions and restarts nothing"

run_rc 0 nxp nextchat status
out_has "weather  paused (in NextChat)"
out_has "notes-json  active"
out_has "In step."
nxp --json nextchat status | jq -e '.drift == []' >/dev/null || fail "--json status reports drift"
nxp doctor >"$T/out" 2>"$T/err" || true
grep -q "should be active" "$T/out" "$T/err" && { cat "$T/out"; fail "doctor reports the NextChat pause as drift"; }
pass "nextchat status: paused (in NextChat), not drift; doctor agrees"

run_rc 0 nxp list
grep -E "^weather .*enabled, paused in NextChat" "$T/out" >/dev/null || { cat "$T/out"; fail "list lacks the NextChat pause"; }
grep -E "^notes-json .*paused in NextChat" "$T/out" >/dev/null && fail "list shows notes-json paused"
nxp list --json | jq -e '[.packages[] | select(.paused_in_nextchat) | .name] == ["weather"]' >/dev/null ||
    fail "list --json lacks paused_in_nextchat"
pass "list shows it, human and --json"

# Disabled and enabled in nxp while paused in NextChat: enable resumes it.
run_rc 0 nxp --yes disable weather
[ "$(status_in_file weather)" = paused ] || fail "disabled weather is not paused"
n=$(restarts)
run_rc 0 nxp --yes enable weather
[ "$(status_in_file weather)" = active ] || fail "enable did not resume weather"
err_has "resumed weather in NextChat"
if [ "$(tail -n 1 "$T/restarts")" != weather ] || [ "$(restarts)" != $((n + 1)) ]; then
    fail "enable did not restart weather once"
fi
pass "enable of a disabled plugin paused in NextChat resumes it there"

# Enabled in nxp, paused in NextChat: `nxp enable` is not a no-op.
nextchat_pause weather paused
run_rc 0 nxp --yes disable translator-mask
[ "$(status_in_file weather)" = paused ] || fail "weather was resumed"
n=$(restarts)
gen=$(readlink "$NXP_ROOT/current")
run_rc 0 nxp --yes enable weather
[ "$(status_in_file weather)" = active ] || fail "enable of an enabled plugin did not resume it"
err_has "Resumed weather in NextChat"
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "resuming made a new generation"
if [ "$(tail -n 1 "$T/restarts")" != weather ] || [ "$(restarts)" != $((n + 1)) ]; then
    fail "resuming did not restart weather once"
fi
sqlite3 "$NXP_ROOT/nxp.db" "SELECT value FROM settings WHERE key='nextchat.paused_in_nextchat'" |
    jq -e '. == []' >/dev/null || fail "the mark was not cleared"
run_rc 0 nxp list; grep -q "paused in NextChat" "$T/out" && fail "list still shows the pause"
run_rc 0 nxp --yes enable weather
out_has "Nothing to do: already enabled."
pass "nxp enable of an enabled plugin resumes it in NextChat"

# Paused, then resumed in NextChat's UI: the mark is forgotten; nxp's later writes keep it active.
nextchat_pause notes-json paused
run_rc 0 nxp --yes enable translator-mask
[ "$(status_in_file notes-json)" = paused ] || fail "notes-json pause lost"
nextchat_pause notes-json active
run_rc 0 nxp --yes disable translator-mask
sqlite3 "$NXP_ROOT/nxp.db" "SELECT value FROM settings WHERE key='nextchat.paused_in_nextchat'" |
    jq -e '. == []' >/dev/null || fail "the mark outlived NextChat's resume"
[ "$(status_in_file notes-json)" = active ] || fail "notes-json is not active"
run_rc 0 nxp nextchat status; out_has "notes-json  active"
pass "resumed in NextChat: the mark is forgotten"

# nxp's own pause is still nxp's: disabled then enabled without NextChat's pause → active.
run_rc 0 nxp --yes disable notes-json
run_rc 0 nxp --yes enable notes-json
[ "$(status_in_file notes-json)" = active ] || fail "nxp's own pause was not undone"
# NextChat's "error" stays as before: left alone, not a pause.
nextchat_pause weather error
run_rc 0 nxp --yes enable translator-mask
[ "$(status_in_file weather)" = error ] || fail "NextChat's error status was churned"
run_rc 0 nxp list; grep -q "paused in NextChat" "$T/out" && fail "error shown as paused"
pass "nxp's own pauses and NextChat's error status behave as before"
