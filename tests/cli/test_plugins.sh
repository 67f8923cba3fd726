#!/usr/bin/env bash
# Configuration (DESIGN.md §3), enable/disable and permission grants, through the real CLI.
. "$(dirname "$0")/testlib.sh"

# An MCP server with a required secret: installs, but stays paused until it is configured.
mkdir -p "$T/src/vault/files"
cat >"$T/src/vault/plugin.json" <<'JSON'
{ "name": "vault", "version": "1.0.0", "kind": "mcp-server", "summary": "secret-holding test server",
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },
  "config": { "token": { "type": "string", "secret": true, "required": true, "env": "VAULT_TOKEN",
                         "description": "API token" } } }
JSON
cp "$SRC/examples/plugins/weather/files/server.js" "$T/src/vault/files/server.js"
# A plugin asking for network access and a host path.
mkdir -p "$T/src/netty/files"
cat >"$T/src/netty/plugin.json" <<'JSON'
{ "name": "netty", "version": "1.0.0", "kind": "library", "summary": "asks for permissions",
  "permissions": { "network": ["api.example.org"],
                   "filesystem": [{ "path": "/srv/data", "access": "read-only" }] } }
JSON
echo hi >"$T/src/netty/files/README"
make_repo "$SRC"/examples/plugins/*/ "$T/src/vault" "$T/src/netty"
make_root

run_rc 0 nxp --yes --grant weather install weather
run_rc 0 nxp config weather
out_has "units"; out_has "metric"; out_has "Units for temperatures"; out_has "enum"
gen=$(readlink "$NXP_ROOT/current")
run_rc 1 nxp --yes config weather timeout 900
err_has "timeout: must be at most 600"
run_rc 1 nxp --yes config weather units kelvin
err_has "units: must be one of metric, imperial"
run_rc 1 nxp --yes config weather timeout abc
err_has "timeout: expected integer"
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "a refused value made a generation"
nxp config weather --json | jq -e '.keys[] | select(.key=="timeout") | .value == 30' >/dev/null \
    || fail "a refused value changed the config"
pass "validation names key and rule; nothing changes on error"

run_rc 0 nxp --yes config weather units imperial
[ "$(readlink "$NXP_ROOT/current")" != "$gen" ] || fail "a config change must make a new generation"
nxp config weather --json | jq -e '.keys[] | select(.key=="units") | .value == "imperial"' >/dev/null \
    || fail "units not set"
nxp history --json | jq -e '[.. | strings | select(. == "config")] | length > 0' >/dev/null \
    || fail "config change not in history"
run_rc 0 nxp --yes rollback
nxp config weather --json | jq -e '.keys[] | select(.key=="units") | .value == "metric"' >/dev/null \
    || fail "rollback did not restore the config"
echo '{"units": "imperial", "timeout": 45}' >"$T/cfg.json"
run_rc 0 nxp --yes config weather --from-file "$T/cfg.json"
nxp config weather --json | jq -e '[.keys[] | .value] == ["metric", 45] or ([.keys[] | {(.key): .value}] | add) == {"timeout": 45, "units": "imperial"}' >/dev/null \
    || fail "--from-file not applied"
echo '{"timeout": 0}' >"$T/bad.json"
run_rc 1 nxp --yes config weather --from-file "$T/bad.json"
err_has "timeout: must be at least 1"
run_rc 0 nxp --yes config weather --unset units
nxp config weather --json | jq -e '.keys[] | select(.key=="units") | .value == "metric" and .set == false' >/dev/null \
    || fail "--unset did not restore the default"
printf '#!/bin/sh\nsed -i "s/45/99/" "$1"\n' >"$T/editor"; chmod +x "$T/editor"
EDITOR="$T/editor" run_rc 0 nxp --yes config weather --edit
nxp config weather --json | jq -e '.keys[] | select(.key=="timeout") | .value == 99' >/dev/null \
    || fail "--edit not applied"
printf '#!/bin/sh\nsed -i "s/99/\\"x\\"/" "$1"\n' >"$T/editor"
EDITOR="$T/editor" run_rc 1 nxp --yes config weather --edit
err_has "timeout: expected integer"
pass "set, rollback, --from-file, --unset, --edit"

# Required secret missing: installed but paused; list says what it needs.
run_rc 0 nxp --yes install vault
nxp list >"$T/out"; out_has "paused: needs config token"
nxp list --json | jq -e '.packages[] | select(.name=="vault") | .needs_config == ["token"]' >/dev/null \
    || fail "list --json lacks needs_config"
SECRET=s3cr3t-Value-42
run_rc 0 nxp --yes config vault token "$SECRET"
grep -q "$SECRET" "$T/out" "$T/err" && fail "the secret was printed"
run_rc 0 nxp config vault; out_has "••••"
for cmd in "config vault" "list" "history" "history info 999"; do
    nxp --json $cmd >"$T/out" 2>&1 || true
    grep -q "$SECRET" "$T/out" && fail "secret in 'nxp --json $cmd'"
done
for n in $(nxp history --json | jq -r '.. | objects | .id? // empty' | sort -u); do
    nxp history info "$n" >"$T/out" 2>&1 || true
    grep -q "$SECRET" "$T/out" && fail "secret in history info $n"
done
sqlite3 "$NXP_ROOT/nxp.db" "SELECT plan_json FROM transactions; SELECT detail FROM audit_log;" >"$T/dump"
grep -q "$SECRET" "$T/dump" && fail "secret in the journal or audit log"
# Stored sealed (issue 15): the row holds a secretbox, no file under ROOT holds the value.
sqlite3 "$NXP_ROOT/nxp.db" "SELECT value_json FROM generation_config WHERE key='token'" |
    grep -q '^"nxp-sealed:1:' || fail "the secret was not stored sealed"
grep -r -a -q -F -- "$SECRET" "$NXP_ROOT" && fail "the secret is in plain text under ROOT"
[ "$(stat -c %a "$NXP_ROOT/nxp.db")" = 600 ] || fail "nxp.db is not 0600"
nxp list >"$T/out"; grep -q "paused" "$T/out" && fail "vault still paused after config"
pass "secrets never printed, journalled or audited; paused until configured"

run_rc 0 nxp --yes disable weather
nxp list --json | jq -e '.packages[] | select(.name=="weather") | .enabled == false' >/dev/null \
    || fail "disable did not disable"
run_rc 0 nxp --yes enable weather
nxp list --json | jq -e '.packages[] | select(.name=="weather") | .enabled == true' >/dev/null \
    || fail "enable did not enable"
run_rc 0 nxp --yes rollback
nxp list --json | jq -e '.packages[] | select(.name=="weather") | .enabled == false' >/dev/null \
    || fail "rollback did not undo enable"
pass "enable/disable are transactions"

# Permissions: refused without a grant, listed, nothing staged.
before=$(ls "$NXP_ROOT/store" | wc -l)
run_rc 1 nxp --yes install netty
err_has "netty: network api.example.org; read-only /srv/data"
err_has "--grant"
assert_not_installed netty
[ "$(ls "$NXP_ROOT/store" | wc -l)" = "$before" ] || fail "a refused install staged a package"
echo '{"network": ["api.example.org"]}' >"$T/policy.json"
run_rc 1 nxp --yes --policy "$T/policy.json" install netty
err_has "read-only /srv/data"
echo '{"network": ["*"], "filesystem": [{"path": "/srv", "access": "read-write"}]}' >"$T/policy.json"
run_rc 0 nxp --yes --policy "$T/policy.json" install netty
assert_installed netty 1.0.0
run_rc 0 nxp permissions netty; out_has "Granted    network api.example.org"
run_rc 0 nxp --yes permissions netty --revoke
nxp permissions netty --json | jq -e '.missing.network == ["api.example.org"]' >/dev/null \
    || fail "revoke did not revoke"
run_rc 0 nxp --yes remove netty
run_rc 0 nxp --yes --grant netty install netty
assert_installed netty 1.0.0
pass "permissions need --grant or --policy without a terminal; show and revoke"
