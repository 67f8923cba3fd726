#!/usr/bin/env bash
# A plugin's life through the real binary: hold/unhold, why, autoremove, remove keeping
# configuration and data, remove --purge, and gc keeping the configured generations.
. "$(dirname "$0")/testlib.sh"

plugin base 1.0.0 '"config": {"greeting": {"type": "string", "default": "hi"}},'
plugin base 1.1.0 '"config": {"greeting": {"type": "string", "default": "hi"}},'
plugin app 1.0.0 '"requires": ["base ^1"],'
plugin tool 1.0.0 ''
make_repo "$T"/src/base-1.0.0 "$T"/src/app-1.0.0 "$T"/src/tool-1.0.0
make_root

run_rc 0 nxp --yes install app tool
assert_installed base 1.0.0
run_rc 0 nxp why base
out_has "app"
run_rc 0 nxp --json why base
jq -e '.explicit == false and (.chains | length) == 1 and (.chains[0][0] | startswith("app "))' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "why --json"; }
pass "why names the plugin that needs a dependency"

# hold: an update that would move base leaves it alone; unhold lets it through.
make_repo "$T"/src/base-1.1.0
run_rc 0 nxp refresh
run_rc 0 nxp hold base
out_has "base is held"
run_rc 0 nxp --yes update
assert_installed base 1.0.0
run_rc 3 nxp --yes remove base
err_has "held"
run_rc 0 nxp unhold base
run_rc 0 nxp --yes update
assert_installed base 1.1.0
pass "hold keeps a plugin where it is until unhold"

# remove keeps the configuration and data; a reinstall finds them again.
run_rc 0 nxp --yes config base greeting hello
mkdir -p "$NXP_ROOT/state/base" && echo data >"$NXP_ROOT/state/base/db"
run_rc 0 nxp --yes remove --keep-deps app
assert_installed base 1.1.0
run_rc 0 nxp why base
out_has "nothing needs any more"
run_rc 0 nxp --yes autoremove
assert_not_installed base
[ -f "$NXP_ROOT/state/base/db" ] || fail "remove deleted the plugin's data"
run_rc 0 nxp --yes install base
run_rc 0 nxp --json config base
jq -e '.. | objects | select(.key? == "greeting") | .value == "hello"' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "reinstall lost the configuration"; }
pass "remove and autoremove keep configuration and data for a reinstall"

# remove --purge drops both; rollback brings the configuration back, not the data.
run_rc 0 nxp --yes remove --purge base
assert_not_installed base
[ ! -e "$NXP_ROOT/state/base" ] || fail "--purge left state/base"
run_rc 0 nxp --yes install base
run_rc 0 nxp --json config base
jq -e '.. | objects | select(.key? == "greeting") | .value == "hi"' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "--purge kept the configuration"; }
pass "remove --purge drops configuration and data"

# gc keeps the current generation and the K before it, and the store trees they use.
gens_before=$(ls "$NXP_ROOT/generations" | wc -l)
[ "$gens_before" -gt 4 ] || fail "expected several generations, have $gens_before"
run_rc 0 nxp --dry-run gc --keep 1
out_has "Would remove $((gens_before - 2)) generation(s)"
[ "$(ls "$NXP_ROOT/generations" | wc -l)" = "$gens_before" ] || fail "gc --dry-run removed something"
run_rc 0 nxp --yes gc --keep 1
[ "$(ls "$NXP_ROOT/generations" | wc -l)" = 2 ] || fail "gc --keep 1 should leave 2 generations"
run_rc 0 nxp verify
run_rc 0 nxp --yes rollback
run_rc 1 nxp --yes rollback
err_has "no older generation"
pass "gc keeps the current generation and the one before it"
