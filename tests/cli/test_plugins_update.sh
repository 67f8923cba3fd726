#!/usr/bin/env bash
# An update that asks for more permissions than were granted is held back while the rest of
# the update proceeds, reported (human and --json), and goes through once granted.
. "$(dirname "$0")/testlib.sh"

plugin sky 1.0.0
plugin sky 2.0.0 '"permissions": {"network": ["api.sky.example"]},'
plugin ground 1.0.0
plugin ground 1.1.0
plugin rain 1.0.0 '"permissions": {"network": ["api.rain.example"]},'
plugin rain 2.0.0 '"permissions": {"network": ["api.rain.example"], "env": ["RAIN_TOKEN"]},'
make_repo "$T/src/sky-1.0.0" "$T/src/ground-1.0.0" "$T/src/rain-1.0.0"
make_root
run_rc 0 nxp --yes --grant rain install sky ground rain
assert_installed sky 1.0.0
make_repo "$T/src/sky-2.0.0" "$T/src/ground-1.1.0" "$T/src/rain-2.0.0"
run_rc 0 nxp refresh

run_rc 0 nxp --dry-run --json update
jq -e '[.held_back[] | {name, from, to, needs}] == [
         {"name": "rain", "from": "1.0.0", "to": "2.0.0", "needs": {"env": ["RAIN_TOKEN"]}},
         {"name": "sky", "from": "1.0.0", "to": "2.0.0", "needs": {"network": ["api.sky.example"]}}]
       and ([.plan[].name] == ["ground"])' "$T/out" >/dev/null || { cat "$T/out"; fail "--json lacks held_back"; }

run_rc 0 nxp --yes update
assert_installed ground 1.1.0
assert_installed sky 1.0.0
assert_installed rain 1.0.0
err_has "Held back, permissions not granted"
err_has "sky 1.0.0 -> 2.0.0: needs network api.sky.example"
err_has "rain 1.0.0 -> 2.0.0: needs env RAIN_TOKEN"
nxp permissions sky --json | jq -e '.granted.network == null or .granted.network == []' >/dev/null \
    || fail "holding back must not grant anything"
pass "an update needing new permissions is held back; the rest updates"

run_rc 0 nxp --yes update sky
out_has "Nothing to do"
err_has "sky 1.0.0 -> 2.0.0"
assert_installed sky 1.0.0
pass "a named update is held back too, and says so"

echo '{"env": ["RAIN_TOKEN"]}' >"$T/policy.json"
run_rc 0 nxp --yes --policy "$T/policy.json" update
assert_installed rain 2.0.0
assert_installed sky 1.0.0
nxp permissions rain --json | jq -e '.granted.env == ["RAIN_TOKEN"] and .granted.network == ["api.rain.example"]' >/dev/null \
    || fail "the policy's grant was not recorded"
run_rc 0 nxp --yes --grant sky update
assert_installed sky 2.0.0
nxp permissions sky --json | jq -e '.granted.network == ["api.sky.example"]' >/dev/null || fail "grant not recorded"
pass "a policy or --grant lets the held-back update through"
