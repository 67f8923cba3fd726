#!/usr/bin/env bash
# nxp apply: a desired state made real in one transaction; idempotent; --dry-run diff; errors
# name the field and change nothing; plugins left out of the file are removed.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/applylib.sh"

make_apply_repo
nxp init --nextchat-version 2.16.0 >/dev/null
write_desired "$T/desired.json"
unset VAULT_TOKEN

# A secret read from the environment must be there before anything happens.
run_rc 1 nxp --yes apply "$T/desired.json"
err_has "plugins.vault.config.token.env: environment variable VAULT_TOKEN is not set"
[ "$(generation)" = generations/0 ] || fail "a failed apply made a generation"
[ "$(nxp repo list --json | jq '.repositories | length')" = 0 ] || fail "a failed apply added a repository"
pass "missing secret named by field, nothing changed"

export VAULT_TOKEN=s3cr3t-value
run_rc 0 nxp --dry-run apply "$T/desired.json"
out_has "add *demo"
out_has "install *notes-json"
out_has "install *vault"
out_has "vault.token"
out_has "from env:VAULT_TOKEN"
out_has "vault.level *3"
out_has "disable *writing-prompts"
out_has "grant *netty: network api.example.org"
out_has "Dry run: nothing was changed"
grep -q s3cr3t "$T/out" "$T/err" && fail "the dry run printed the secret"
run_rc 0 nxp --dry-run --json apply "$T/desired.json"
jq -e '.schema == 1 and .changed == true and .applied == false and .dry_run == true' "$T/out" >/dev/null || fail "dry-run json header"
jq -e '.repositories[0] | .action == "add" and .name == "demo"' "$T/out" >/dev/null || fail "dry-run json repositories"
jq -e '[.plan[] | select(.action == "install") | .name] | index("vault") != null' "$T/out" >/dev/null || fail "dry-run json plan"
jq -e '.config[] | select(.key == "token") | .secret == true and .value == null and .source == "env:VAULT_TOKEN"' "$T/out" >/dev/null \
    || fail "dry-run json config of the secret"
jq -e '.enabled == [{"name": "writing-prompts", "enabled": false}]' "$T/out" >/dev/null || fail "dry-run json enabled"
grep -q s3cr3t "$T/out" && fail "the json dry run printed the secret"
json_documented "apply --dry-run"
[ "$(generation)" = generations/0 ] || fail "the dry run made a generation"
[ "$(nxp repo list --json | jq '.repositories | length')" = 0 ] || fail "the dry run added a repository"
pass "--dry-run prints the diff (human and JSON) and changes nothing"

run_rc 1 nxp apply "$T/desired.json" </dev/null
err_has "run again with --yes"
[ "$(generation)" = generations/0 ] || fail "apply without --yes and without a terminal changed something"

run_rc 0 nxp --yes apply "$T/desired.json"
[ "$(generation)" = generations/1 ] || fail "apply should make exactly one generation (got $(generation))"
[ "$(history_count)" = 1 ] || fail "apply should make exactly one history entry"
nxp history --json | jq -e '.transactions[0].kind == "apply"' >/dev/null || fail "history kind is not apply"
assert_installed notes-json 1.3.0
assert_installed vault 1.0.0
assert_installed netty 1.0.0
assert_installed writing-prompts 2.0.1
assert_installed mcp-common 1.1.0
installed | grep -qx "mcp-common 1.1.0 dependency" || fail "mcp-common should be a dependency"
installed | grep -qx "vault 1.0.0 explicit" || fail "vault should be explicit"
nxp list --json | jq -e '.packages[] | select(.name == "writing-prompts") | .enabled == false' >/dev/null || fail "writing-prompts not disabled"
nxp config vault --json | jq -e '(.keys[] | select(.key == "level") | .value == 3) and (.keys[] | select(.key == "token") | .value == "••••" and .set) and .missing == []' >/dev/null \
    || fail "vault's configuration not applied"
nxp permissions netty --json | jq -e '.missing.network == null or .missing.network == []' >/dev/null || fail "netty's grant not recorded"
nxp repo list --json | jq -e '.repositories[0].name == "demo"' >/dev/null || fail "repository not added"
grep -rq s3cr3t "$NXP_ROOT/generations" && fail "the secret leaked into a generation directory"
nxp history info 1 --json | grep -q s3cr3t && fail "the secret leaked into history"
pass "apply installs, configures, disables, grants and adds the repository in one transaction"

run_rc 0 nxp --yes apply "$T/desired.json"
out_has "Nothing to do"
[ "$(generation)" = generations/1 ] || fail "a second apply made a generation"
[ "$(history_count)" = 1 ] || fail "a second apply made a history entry"
run_rc 0 nxp --json --yes apply "$T/desired.json"
jq -e '.changed == false and .applied == false and .generation == 1' "$T/out" >/dev/null || fail "second apply json"
pass "running apply twice changes nothing and exits 0"

# Changing the file: notes-json dropped (its dependencies go with it), level changed, and an
# explicit plugin installed by hand is removed because the file does not list it.
run_rc 0 nxp --yes install translator-mask
[ "$(generation)" = generations/2 ] || fail "install should have made generation 2"
sed -e 's/"notes-json": {},//' -e 's/"level": 3/"level": 5/' "$T/desired.json" >"$T/desired2.json"
run_rc 0 nxp --dry-run apply "$T/desired2.json"
out_has "remove *notes-json"
out_has "remove *translator-mask"
out_has "change *vault.level *5"
run_rc 0 nxp --yes apply "$T/desired2.json"
[ "$(generation)" = generations/3 ] || fail "the second file should make one generation"
assert_not_installed notes-json
assert_not_installed translator-mask
assert_not_installed mcp-common
assert_installed vault 1.0.0
nxp config vault --json | jq -e '.keys[] | select(.key == "level") | .value == 5' >/dev/null || fail "level not changed"
run_rc 0 nxp --yes apply "$T/desired2.json"
[ "$(generation)" = generations/3 ] || fail "re-applying the second file changed something"
pass "plugins left out are removed, dependencies with them; config changes; idempotent again"

# A new secret value from the environment is a change.
VAULT_TOKEN=other run_rc 0 nxp --json --dry-run apply "$T/desired2.json"
jq -e '.config == [{"plugin": "vault", "key": "token", "action": "change", "secret": true, "value": null, "source": "env:VAULT_TOKEN"}]' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "a changed secret is not shown as a change"; }
echo "from-a-file" >"$T/token"
sed 's|{ "env": "VAULT_TOKEN" }|{ "file": "'"$T"'/token" }|' "$T/desired2.json" >"$T/desired3.json"
run_rc 0 nxp --yes apply "$T/desired3.json"
[ "$(generation)" = generations/4 ] || fail "a secret from a file should make one generation"
pass "secrets from the environment and from files"

# Errors name the field path and change nothing.
before=$(generation)
check_error() {  # PATCH-SED EXPECTED-STDERR [RC]
    sed "$1" "$T/desired2.json" >"$T/bad.json"
    run_rc "${3:-1}" nxp --yes apply "$T/bad.json"
    err_has "$2"
    [ "$(generation)" = "$before" ] || fail "a bad file changed the root: $2"
}
check_error 's/"version": "\^1"/"version": "^^1"/' "bad.json: plugins.vault.version"
check_error 's/"level": 5/"level": 50/' "plugins.vault.config.level: must be at most 9"
check_error 's/"level": 5/"levels": 5/' "plugins.vault.config.levels: vault 1.0.0 has no such config key"
check_error 's/{ "env": "VAULT_TOKEN" }/"literal-secret"/' "plugins.vault.config.token: a secret"
check_error 's/"enabled": false/"enabled": "no"/' "plugins.writing-prompts.enabled: expected true or false"
check_error 's/"format": 1/"format": 1, "extra": 2/' "bad.json: extra: unknown field"
check_error 's/"netty": { "grant": { "network": \["api.example.org"\] } }/"netty": {}, "notes-sqlite": { "version": ">= 5" }/' "notes-sqlite" 3
echo '{"format": 1' >"$T/bad.json"
run_rc 1 nxp --yes apply "$T/bad.json"
err_has "bad.json"
run_rc 2 nxp apply
pass "errors name the file and field and change nothing"

# Permissions the file does not grant are refused without a terminal (as install does).
nxp permissions netty --revoke >/dev/null
nxp --yes remove netty >/dev/null
before=$(generation)
sed 's/"netty": { "grant": { "network": \["api.example.org"\] } }/"netty": {}/' "$T/desired2.json" >"$T/nogrant.json"
run_rc 1 nxp --yes apply "$T/nogrant.json"
err_has "not granted"
[ "$(generation)" = "$before" ] || fail "an ungranted permission changed the root"
run_rc 0 nxp --yes --grant netty apply "$T/nogrant.json"
assert_installed netty 1.0.0
pass "ungranted permissions refuse the apply unless --grant/--policy allows them"

