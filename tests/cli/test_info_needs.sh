#!/usr/bin/env bash
# What a plugin needs, before installing it (issue 18 item 14): `info` shows license,
# homepage and publisher, the configuration keys with their types and defaults (which are
# required, which secret) and the permissions, from the index that `repo build` writes;
# the install output names the required settings still missing and the command that sets each.
. "$(dirname "$0")/testlib.sh"

mkdir -p "$T/src/gh/files"
cat >"$T/src/gh/plugin.json" <<'JSON'
{ "name": "gh", "version": "1.4.0", "kind": "library", "summary": "GitHub tools",
  "license": "Apache-2.0", "homepage": "https://gh.example.org/tools", "publisher": "Example Org",
  "config": {
    "token": { "type": "string", "secret": true, "required": true, "description": "Access token",
               "env": "GH_TOKEN" },
    "org": { "type": "string", "required": true, "description": "Organisation" },
    "timeout": { "type": "integer", "minimum": 1, "maximum": 600, "default": 30 },
    "mode": { "type": "enum", "values": ["fast", "safe"], "default": "safe" }
  },
  "permissions": { "network": ["api.gh.example.org"], "env": ["GH_TOKEN"],
                   "filesystem": [{ "path": "/srv/gh", "access": "read-write" }] } }
JSON
echo gh >"$T/src/gh/files/README"
make_repo "$T/src/gh"
make_root

# --- the index carries config and permissions ---------------------------------------------
zstd -dcq "$T/repo/index.json.zst" | jq -e '.packages[0].config.token.secret == true and
    .packages[0].config.timeout.default == 30 and .packages[0].permissions.network == ["api.gh.example.org"]' \
    >/dev/null || fail "repo build does not write config and permissions into the index"

# --- info, before installing --------------------------------------------------------------
run_rc 0 nxp info gh
for want in "License     Apache-2.0" "Homepage    https://gh.example.org/tools" \
    "Publisher   Example Org" "Network     api.gh.example.org" "Env         GH_TOKEN" \
    "Filesystem  read-write /srv/gh" "Settings"; do
    grep -qF "$want" "$T/out" || { cat "$T/out"; fail "info lacks '$want'"; }
done
grep -q '^ *token  *string  *-  *required, secret; Access token' "$T/out" || { cat "$T/out"; fail "token's line"; }
grep -q '^ *org  *string  *-  *required; Organisation' "$T/out" || { cat "$T/out"; fail "org's line"; }
grep -q '^ *timeout  *integer  *30  *optional' "$T/out" || { cat "$T/out"; fail "timeout's line"; }
grep -q '^ *mode  *enum (fast|safe)  *"safe"  *optional' "$T/out" || { cat "$T/out"; fail "mode's line"; }
pass "info: license, homepage, publisher, each setting with type, default, required and secret, permissions"

run_rc 0 nxp --json info gh
jq -e '.license == "Apache-2.0" and .homepage == "https://gh.example.org/tools" and
       .publisher == "Example Org"' "$T/out" >/dev/null || fail "--json lacks license/homepage/publisher"
jq -e '[.config[] | {key, type, required, secret, default}] == [
        {"key": "mode", "type": "enum", "required": false, "secret": false, "default": "safe"},
        {"key": "org", "type": "string", "required": true, "secret": false, "default": null},
        {"key": "timeout", "type": "integer", "required": false, "secret": false, "default": 30},
        {"key": "token", "type": "string", "required": true, "secret": true, "default": null}]' \
    "$T/out" >/dev/null || fail "--json config: $(jq -c .config "$T/out")"
jq -e '.permissions.network == ["api.gh.example.org"] and .permissions.env == ["GH_TOKEN"] and
       .permissions.filesystem[0].path == "/srv/gh"' "$T/out" >/dev/null ||
    fail "--json permissions: $(jq -c .permissions "$T/out")"
pass "info --json: config keys and permissions as fields"

# --- install names what is missing and how to set it --------------------------------------
run_rc 0 nxp --yes --grant=gh install gh
err_has "Required settings still missing"
err_has "nxp config gh org VALUE"
err_has "nxp config gh token VALUE"
grep -q "nxp config gh timeout" "$T/err" && fail "a setting with a default is reported missing"
run_rc 0 nxp config gh org example
run_rc 0 nxp --json info gh
jq -e '.installed == "1.4.0" and (.config | length) == 4' "$T/out" >/dev/null || fail "info of the installed plugin"
pass "install: the required settings still missing, each with its command"

run_rc 0 nxp --yes remove --purge gh
run_rc 0 nxp --json --yes --grant=gh install gh
jq -e '.missing_config == [{"name": "gh", "key": "org", "type": "string", "secret": false,
        "command": "nxp config gh org VALUE"}, {"name": "gh", "key": "token", "type": "string",
        "secret": true, "command": "nxp config gh token VALUE"}]' "$T/out" >/dev/null ||
    fail "--json missing_config: $(jq -c .missing_config "$T/out")"
pass "install --json: missing_config"
