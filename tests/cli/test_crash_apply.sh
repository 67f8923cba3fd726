#!/usr/bin/env bash
# Kill `nxp apply` (SIGKILL) at each named step of its transaction — a desired state that
# installs, upgrades, removes, configures and enables plugins, from repositories and from a
# bundle — then check that the next command recovers by itself: the root is entirely the old
# state or entirely the new one (list, configuration, plugins/, the current link, repositories,
# grants and history agree), nothing half-built remains, and `nxp doctor` is clean. Also: a
# lockfile naming a repository that is not configured fails naming it and changes nothing.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/applylib.sh"
nxp --version | grep -q "fault injection" || { echo "SKIP: not a fault-injection build"; exit 77; }

STEPS="after-download after-extract after-journal after-generation before-switch after-switch after-commit"

make_apply_repo
cp -r "$T/src/vault" "$T/src/vault-1.1.0"
sed -i 's/"version": "1.0.0"/"version": "1.1.0"/' "$T/src/vault-1.1.0/plugin.json"
make_repo "$T/src/vault-1.1.0"                     # the repository now also has vault 1.1.0
export VAULT_TOKEN=s3cr3t-value
write_desired "$T/desired.json"
jq '.plugins.vault.version = "=1.0.0"' "$T/desired.json" >"$T/old.json"
# The change: two packages staged (vault upgraded, translator-mask installed), notes-json
# and its dependency removed, a setting changed, a plugin enabled. Same repository, same grants.
jq '.plugins |= (del(.["notes-json"]) | .["translator-mask"] = {} | .vault.version = "^1.1"
        | .vault.config.level = 5 | .["writing-prompts"].enabled = true)' \
    "$T/desired.json" >"$T/new.json"

# Everything a user can see of the root's state, one line per fact.
state() {
    echo "current $(readlink "$NXP_ROOT/current")"
    nxp list --json | jq -c '{generation, packages: [.packages[] | [.name, .version, .reason, .enabled, .repo]]}'
    echo "plugins/ $(ls "$NXP_ROOT/current/plugins" | tr '\n' ' ')"
    local p
    for p in $(nxp list --json | jq -r '.packages[].name'); do
        nxp config "$p" --json | jq -c '[.name, [.keys[] | [.key, .value, .set]], .missing]'
        nxp permissions "$p" --json | jq -c '[.name, .granted, .missing]'
    done
    nxp repo list --json | jq -c '[.repositories[] | [.name, .url, .keys]]'
}
# The history as "id kind from→to state" lines.
transactions() {
    nxp history --json | jq -r '.transactions[] | "\(.id) \(.kind) \(.from_generation)->\(.to_generation) \(.state)"'
}

# The old state (generation 1) and, on a copy, the new one (generation 2).
nxp init --nextchat-version 2.16.0 >/dev/null
run_rc 0 nxp --yes apply "$T/old.json"
assert_installed vault 1.0.0
state >"$T/old.state"
transactions >"$T/old.history"
cp -a "$NXP_ROOT" "$T/old-root"
run_rc 0 nxp --yes apply "$T/new.json"
assert_installed vault 1.1.0
assert_installed translator-mask 1.0.0
assert_not_installed notes-json
state >"$T/new.state"
transactions >"$T/new.history"
cmp -s "$T/old.state" "$T/new.state" && fail "the new desired state changes nothing"
grep -q "vault.*level.*5" "$T/new.state" || fail "the new state does not have vault.level 5"

# check_recovered WHAT WANT(old|new) STEP: after the crash, the next command recovers and the
# root is exactly the WANT state; then applying the new file again works.
check_recovered() {
    local what=$1 want=$2 step=$3
    run_rc 0 nxp verify                                  # the next command recovers, then checks
    state >"$T/got.state"
    diff -u "$T/$want.state" "$T/got.state" >&2 || fail "$what, $step: the root is not the $want state"
    ls -a "$NXP_ROOT/generations" | grep -q '^\.tmp' && fail "$what, $step: a temporary generation was left behind"
    ls -a "$NXP_ROOT/store" | grep -q '^\.tmp' && fail "$what, $step: a temporary store tree was left behind"
    local gen; gen=$(nxp list --json | jq -r .generation)
    ls "$NXP_ROOT/generations" | grep -qx "$((gen + 1))" && fail "$what, $step: the undone generation $((gen + 1)) is still there"
    run_rc 0 nxp doctor
    out_has "No problems found"
}

for step in $STEPS; do
    rm -rf "$NXP_ROOT"
    cp -a "$T/old-root" "$NXP_ROOT"
    rc=0
    NXP_CRASH_AT=$step nxp --yes apply "$T/new.json" >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 137 ] || fail "apply, $step: expected a SIGKILL (137), got $rc"
    case $step in
        after-switch|after-commit) want=new ;;
        *) want=old ;;
    esac
    check_recovered apply $want "$step"
    # History: the finished apply, or the old history plus at most the undone attempt.
    transactions >"$T/got.history"
    case $step in
        after-download|after-extract) cmp -s "$T/old.history" "$T/got.history" ;;  # never journalled
        after-switch|after-commit) cmp -s "$T/new.history" "$T/got.history" ;;
        *) [ "$(head -n -1 "$T/got.history")" = "$(cat "$T/old.history")" ] &&
               tail -n 1 "$T/got.history" | grep -qx "2 apply 1->2 undone" ;;
    esac || { cat "$T/got.history"; fail "apply, $step: history disagrees"; }
    run_rc 0 nxp --yes apply "$T/new.json"               # and the change can be made again
    state >"$T/got.state"
    diff -u "$T/new.state" "$T/got.state" >&2 || fail "apply, $step: applying again did not reach the new state"
    run_rc 0 nxp doctor
    pass "apply killed at $step: the $want state, recovered, doctor clean"
done

# A bundle of the new state applied over the old root (packages from the bundle, no
# repository): the same crash points, the same all-or-nothing.
nxp key generate -o "$T/bundle" >/dev/null
run_rc 0 nxp bundle -o "$T/new.bundle" --key "$T/bundle.key"
for step in $STEPS; do
    rm -rf "$NXP_ROOT"
    cp -a "$T/old-root" "$NXP_ROOT"
    rc=0
    NXP_CRASH_AT=$step nxp --yes apply "$T/new.json" --bundle "$T/new.bundle" --key "$T/bundle.pub" \
        >/dev/null 2>"$T/err" || rc=$?
    [ "$rc" -eq 137 ] || { cat "$T/err"; fail "apply --bundle, $step: expected a SIGKILL (137), got $rc"; }
    case $step in
        after-switch|after-commit) want=new ;;
        *) want=old ;;
    esac
    check_recovered "apply --bundle" $want "$step"
    pass "apply --bundle killed at $step: the $want state, recovered, doctor clean"
done

# A lockfile whose packages come from a repository that is not configured: an error naming
# the repository, and nothing changes (no generation, no history entry, no download).
rm -rf "$NXP_ROOT"
cp -a "$T/old-root" "$NXP_ROOT"
run_rc 0 nxp lock -o "$T/old.lock"
jq '.packages[0].repo = "elsewhere" | .repositories += [.repositories[0] | .name = "elsewhere"]' \
    "$T/old.lock" >"$T/elsewhere.lock"
name=$(jq -r '.packages[0].name' "$T/elsewhere.lock")
ls "$NXP_ROOT/cache/packages" >"$T/cache.before"
run_rc 3 nxp --yes apply --lockfile "$T/elsewhere.lock" "$T/old.json"
err_has "lockfile: $name .*: repository elsewhere is not configured"
state >"$T/got.state"
diff -u "$T/old.state" "$T/got.state" >&2 || fail "a lockfile naming an unknown repository changed the root"
transactions >"$T/got.history"
cmp -s "$T/old.history" "$T/got.history" || fail "a lockfile naming an unknown repository made a history entry"
ls "$NXP_ROOT/cache/packages" | cmp -s - "$T/cache.before" || fail "a lockfile naming an unknown repository fetched something"
run_rc 0 nxp doctor
pass "a lockfile naming a repository that is not configured fails naming it, nothing changed"
