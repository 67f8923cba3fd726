#!/usr/bin/env bash
# nxp update --check: exit 0 when up to date, 10 when updates exist, printing them; changes
# nothing installed. It records the fresh verified index (as nxp refresh does), so that the
# nxp update after it applies what it reported (issue 18 item 16).
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/applylib.sh"

plugin alpha 1.0.0
plugin beta 1.0.0 '"requires": ["alpha ^1"],'
make_repo "$T/src/alpha-1.0.0" "$T/src/beta-1.0.0"
make_root
run_rc 0 nxp --yes install beta

run_rc 0 nxp update --check
out_has "Up to date"
run_rc 0 nxp --json update --check
jq -e '.schema == 1 and .updates_available == false and .plan == []' "$T/out" >/dev/null || fail "--json when up to date"
pass "up to date: exit 0"

plugin alpha 1.1.0
nxp pack "$T/src/alpha-1.1.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T"/pkgs/*.nxp --key "$T/key.key" --id demo >/dev/null
gen=$(readlink "$NXP_ROOT/current")
repo_state=$(nxp repo list --json | jq -c '.repositories')
run_rc 10 nxp update --check
out_has "alpha"
out_has "1.0.0"
out_has "1.1.0"
out_has "upgrade"
out_has "1 change(s) available"
run_rc 10 nxp --json update --check
jq -e '.updates_available == true and .plan == [{"action": "upgrade", "name": "alpha", "from": "1.0.0", "to": "1.1.0", "repo": "demo", "reason": "dependency", "size": .plan[0].size, "sha256": .plan[0].sha256, "download_size": .plan[0].size, "installed_size": .plan[0].installed_size, "removed_size": .plan[0].removed_size}] and .plan[0].installed_size > 0 and .plan[0].removed_size > 0' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "--json with an update"; }
json_documented "update --check"
run_rc 10 nxp update --check alpha
run_rc 0 nxp update --check beta
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "update --check changed the generation"
installed | grep -qx "alpha 1.0.0 dependency" || fail "update --check changed the installed set"
[ "$(nxp repo list --json | jq -c '.repositories')" != "$repo_state" ] || fail "update --check did not record the index it verified"
[ "$(nxp history --json | jq '.transactions | length')" = 1 ] || fail "update --check wrote history"
pass "updates available: exit 10, printed, nothing installed changed"

# The index --check verified is the cache's now: --offline sees it too, and a plain update
# right after the check applies what it reported, without nxp refresh.
run_rc 10 nxp --offline update --check
run_rc 0 nxp --yes update
installed | grep -qx "alpha 1.1.0 dependency" || { installed; fail "update after --check did not apply it"; }
run_rc 0 nxp update --check
pass "update after update --check applies it; then exit 0"

# With --offline the check reads the cache only: a newer index on the server is not seen
# until a check or refresh without --offline.
plugin alpha 1.2.0
nxp pack "$T/src/alpha-1.2.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T"/pkgs/*.nxp --key "$T/key.key" --id demo >/dev/null
run_rc 0 nxp --offline update --check
run_rc 10 nxp update --check
out_has "1.2.0"
run_rc 0 nxp --yes update
installed | grep -qx "alpha 1.2.0 dependency" || { installed; fail "second update after --check"; }

# A repository that cannot be reached is a network failure, not "up to date".
mv "$T/repo" "$T/repo.away"
run_rc 5 nxp update --check
mv "$T/repo.away" "$T/repo"
pass "unreachable repository: exit 5"
