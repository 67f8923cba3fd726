#!/usr/bin/env bash
# NextChat is restarted when a server changes, not only when mcp_config.json's text changes
# (issue 17 item 3): configuration, grants, a new version, disable/enable, tool filters,
# rollback and apply each run the restart command once, naming exactly the changed servers in
# NXP_CHANGED_SERVERS (NXP_NEXTCHAT_DIR names NextChat's directory); a change to another
# server, a mask, or nothing at all does not name them; a failed restart is a warning and the
# next change names those servers again.
. "$(dirname "$0")/testlib.sh"
command -v node >/dev/null || fail "node is not installed"

cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
# weather 1.3.0: the same server, a new version to update to; breeze: another server with
# settings and a grant, whose changes must not name weather.
cp -r "$SRC/examples/plugins/weather" "$T/weather-1.3.0"
jq '.version = "1.3.0"' "$SRC/examples/plugins/weather/plugin.json" >"$T/weather-1.3.0/plugin.json"
cp -r "$SRC/examples/plugins/weather" "$T/breeze"
jq '.name = "breeze" | .version = "1.0.0" | .requires -= ["nextchat >= 2.15"]' \
    "$SRC/examples/plugins/weather/plugin.json" >"$T/breeze/plugin.json"
make_repo "$SRC"/examples/plugins/*/ "$T/breeze"
make_root
RESTARTS=$T/restarts
: >"$RESTARTS"
ok_cmd="printf '%s|%s\n' \"\$NXP_CHANGED_SERVERS\" \"\$NXP_NEXTCHAT_DIR\" >>'$RESTARTS'"
run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "$ok_cmd"

seen=0
# restarted NAMES…: the restart command ran exactly once since the last check, naming NAMES.
restarted() {
    local want="$*" lines
    lines=$(wc -l <"$RESTARTS")
    [ "$lines" = $((seen + 1)) ] ||
        { cat "$RESTARTS" "$T/err"; fail "expected one restart naming '$want', got $((lines - seen))"; }
    seen=$lines
    [ "$(tail -n 1 "$RESTARTS")" = "$want|$T/nc" ] ||
        { cat "$RESTARTS"; fail "the restart named '$(tail -n 1 "$RESTARTS")', not '$want|$T/nc'"; }
}
not_restarted() {
    [ "$(wc -l <"$RESTARTS")" = "$seen" ] || { cat "$RESTARTS"; fail "restart ran: $1"; }
}

run_rc 0 nxp --yes --grant all install weather breeze
restarted breeze weather
err_has "Restarted NextChat ('.*') for: breeze, weather\.$"
pass "install: one restart naming both new servers"

cp "$T/nc/app/mcp/mcp_config.json" "$T/before.json"
run_rc 0 nxp --yes config weather units imperial
cmp -s "$T/nc/app/mcp/mcp_config.json" "$T/before.json" || fail "a config change rewrote the entry"
restarted weather
err_has "Restarted NextChat ('.*') for: weather\.$"
pass "config: mcp_config.json unchanged, weather restarted"

run_rc 0 nxp --yes permissions weather --revoke
restarted weather
run_rc 0 nxp --yes permissions weather --grant
restarted weather
run_rc 0 nxp --yes permissions breeze --revoke
restarted breeze
run_rc 0 nxp --yes permissions breeze --grant
restarted breeze
run_rc 0 nxp --yes config breeze units imperial
restarted breeze
pass "grant, revoke and config name only their server"

make_repo "$T/weather-1.3.0"
run_rc 0 nxp refresh
run_rc 0 nxp --yes update weather
nxp list --json | jq -e '.packages[] | select(.name == "weather") | .version == "1.3.0"' >/dev/null ||
    fail "weather was not updated"
restarted weather
pass "update to a new version: weather restarted"

run_rc 0 nxp --yes disable weather
restarted weather
run_rc 0 nxp --yes enable weather
restarted weather
run_rc 0 nxp --yes enable weather
not_restarted "enable of an enabled plugin"
pass "disable and enable"

run_rc 0 nxp --yes tools weather --disable forecast
restarted weather
run_rc 0 nxp --yes rollback
restarted weather
pass "a tool filter and its rollback"

# An unrelated change: a mask, then a mask disabled: no server changed.
run_rc 0 nxp --yes install translator-mask
not_restarted "installing a mask"
run_rc 0 nxp --yes disable translator-mask
not_restarted "disabling a mask"
pass "masks alone restart nothing"

# apply: the desired state changes weather's configuration back to metric only.
key=$(tail -n 1 "$T/key.pub")
plugins=$(nxp list --json | jq -c '[.packages[] | select(.reason == "explicit") | .name]')
jq -n --arg url "file://$T/repo" --arg key "$key" --argjson names "$plugins" '
  {format: 1, repositories: {demo: {url: $url, keys: [$key]}},
   plugins: ($names | map({key: ., value: {}}) | from_entries)}
  | .plugins.weather = {config: {units: "metric"}, grant: {network: ["api.open-meteo.com"]}}
  | .plugins.breeze = {config: {units: "imperial"}, grant: {network: ["api.open-meteo.com"]}}
  | .plugins["translator-mask"].enabled = false' >"$T/desired.json"
run_rc 0 nxp --yes apply "$T/desired.json"
nxp config weather --json | jq -e '.keys[] | select(.key == "units") | .value == "metric"' >/dev/null ||
    { cat "$T/err"; fail "apply did not set units"; }
restarted weather
run_rc 0 nxp --yes apply "$T/desired.json"
not_restarted "an apply that changes nothing"
pass "apply names the server it changed; an idempotent apply restarts nothing"

# A failing restart command: a warning, exit status 0 (the change took effect and the file
# is written); the next change names the same server again.
run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "$ok_cmd; exit 3"
run_rc 0 nxp --yes config weather timeout 45
restarted weather
err_has "restart command '.*' failed (status .*) for: weather"
run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "$ok_cmd"
run_rc 0 nxp --yes enable translator-mask
restarted weather
run_rc 0 nxp --yes disable translator-mask
not_restarted "after the retried restart succeeded"
pass "a failed restart is a warning; the next change restarts the same server"

# What the command prints goes to stderr: --json's stdout stays one JSON document.
run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "$ok_cmd; echo restart-noise"
nxp --json --yes config weather timeout 50 >"$T/out" 2>"$T/err" || fail "config --json failed"
jq -e '.command == "config"' "$T/out" >/dev/null || { cat "$T/out"; fail "--json output is not one document"; }
err_has restart-noise
restarted weather
pass "the restart command's output goes to stderr"

# Only plugin names reach the environment, whatever the remembered setting holds.
sqlite3 "$NXP_ROOT/nxp.db" "UPDATE settings SET value = json_set(value, '$.\"x y\$(id)\"', 'h', '$.Bad', 'h', '$.ok-removed', 'h') WHERE key = 'nextchat.fingerprints'"
run_rc 0 nxp --yes config weather timeout 51
restarted ok-removed weather
pass "names that are not plugin names never reach NXP_CHANGED_SERVERS"

# Removing a server names it.
run_rc 0 nxp --yes remove breeze
restarted breeze
pass "remove names the removed server"
