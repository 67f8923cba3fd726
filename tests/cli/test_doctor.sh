#!/usr/bin/env bash
# nxp doctor: each check finds what is wrong, names it with the command that fixes it, exits 1;
# a healthy root exits 0. Also nxp files / nxp owns.
. "$(dirname "$0")/testlib.sh"

mkdir -p "$T/src/vault/files"
cat >"$T/src/vault/plugin.json" <<'JSON'
{ "name": "vault", "version": "1.0.0", "kind": "mcp-server", "summary": "needs a token",
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },
  "config": { "token": { "type": "string", "secret": true, "required": true, "env": "VAULT_TOKEN" } } }
JSON
cp "$SRC/examples/plugins/weather/files/server.js" "$T/src/vault/files/server.js"
make_repo "$SRC"/examples/plugins/*/ "$T/src/vault"
make_root
nxp --yes --grant all install weather vault >/dev/null 2>&1

# Missing required configuration.
run_rc 1 nxp doctor
out_has "vault: required setting 'token' has no value"
out_has "fix: nxp config vault token VALUE"
run_rc 1 nxp doctor --json
jq -e '.ok == false and ([.findings[] | select(.check == "config" and .subject == "vault"
        and .fix == "nxp config vault token VALUE")] | length == 1)' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "doctor --json lacks the config finding"; }
run_rc 0 nxp --yes config vault token s3cret
run_rc 0 nxp doctor
out_has "No problems found"
grep -q s3cret "$T/out" "$T/err" && fail "a secret leaked into doctor's output"
pass "missing config found, fixed, healthy root exits 0"

# A damaged file in the store and a broken current link.
store=$(readlink -f "$NXP_ROOT/current/plugins/weather")
echo "// injected" >>"$store/server.js"
run_rc 1 nxp doctor
out_has "\[store\] weather: store/weather-[^/]*/server.js: size"
out_has "fix: nxp repair weather"
run_rc 0 nxp repair weather
run_rc 0 nxp doctor
pass "damaged store file found and repaired"

# An index about to expire is a notice, not a failure.
nxp repo build "$T/repo" --key "$T/key.key" --expires-days 1 >/dev/null
run_rc 0 nxp refresh
run_rc 0 nxp doctor
out_has "notice \[index\] demo: its index expires in"
out_has "fix: nxp refresh"
pass "near expiry is a notice"

# A cached index that no longer matches what was accepted.
printf 'x' >>"$NXP_ROOT/cache/repos/demo/index.json.zst"
run_rc 1 nxp doctor
out_has "error \[index\] demo:"
out_has "fix: nxp refresh"
run_rc 0 nxp refresh
run_rc 0 nxp doctor
pass "a damaged cached index is found"

# NextChat's config edited behind nxp's back.
cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
run_rc 0 nxp nextchat set "$T/nc"
run_rc 0 nxp doctor
jq 'del(.mcpServers.weather)' "$T/nc/app/mcp/mcp_config.json" >"$T/cfg" && mv "$T/cfg" "$T/nc/app/mcp/mcp_config.json"
run_rc 1 nxp doctor
out_has "\[nextchat\] weather: NextChat's mcp_config.json: missing from mcp_config.json"
run_rc 0 nxp nextchat set "$T/nc"
run_rc 0 nxp doctor
pass "NextChat drift found"

# nxp files / nxp owns.
run_rc 0 nxp files weather
out_has "current/plugins/weather/server.js"
run_rc 0 nxp --json files weather
jq -e '[.files[].path] | index("server.js") != null' "$T/out" >/dev/null || fail "files --json lacks server.js"
run_rc 0 nxp owns "$NXP_ROOT/current/plugins/weather/server.js"
out_has "is owned by weather"
run_rc 0 nxp --json owns "$store/server.js"
jq -e '.owners == [{"name": "weather", "version": "'"$(nxp list --json | jq -r '.packages[] | select(.name=="weather") | .version')"'"}]' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "owns by store path"; }
run_rc 1 nxp owns "$NXP_ROOT/current/plugins/weather/nonexistent.js"
err_has "no installed plugin owns this file"
run_rc 1 nxp files nonexistent
err_has "not installed"
pass "files and owns"
