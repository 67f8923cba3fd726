#!/usr/bin/env bash
# nxp mark NAME… --explicit|--dependency changes the install reason as a new generation
# (rollback restores it) and so what `list --explicit/--dependencies/--orphans` shows and
# what autoremove removes; nxp list's filters (--explicit, --dependencies, --orphans,
# --upgradable, --held, --available) on a root that has each kind, and their --json shapes.
. "$(dirname "$0")/testlib.sh"

plugin lib 1.0.0
plugin app 1.0.0 '"requires": ["lib ^1"],'
plugin solo 1.0.0
plugin old 1.0.0
plugin pinned 1.0.0
make_repo "$T/src/lib-1.0.0" "$T/src/app-1.0.0" "$T/src/solo-1.0.0" "$T/src/old-1.0.0" \
    "$T/src/pinned-1.0.0"
make_root
run_rc 0 nxp --yes install app solo old pinned

names() { jq -r '.packages[].name' "$T/out" | sort | tr '\n' ' '; }
list_is() {  # FILTER… -- WANT: names `list FILTER…` gives, space-separated and sorted
    local args=() ; while [ "$1" != -- ]; do args+=("$1"); shift; done; shift
    run_rc 0 nxp --json list "${args[@]}"
    [ "$(names)" = "$*" ] || { cat "$T/out"; fail "list ${args[*]}: got '$(names)', want '$*'"; }
}
list_is --explicit -- app old pinned solo ""
list_is --dependencies -- lib ""
list_is --orphans -- ""
list_is -- app lib old pinned solo ""
run_rc 0 nxp list --dependencies
out_has "^lib "
! grep -q "^app " "$T/out" || fail "list --dependencies shows app"
pass "explicit and dependency plugins listed apart"

# --- mark -------------------------------------------------------------------------------
gen=$(readlink "$NXP_ROOT/current")
run_rc 0 nxp --dry-run mark solo --dependency
out_has "solo: would be dependency"
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "mark --dry-run made a generation"
installed | grep -qx "solo 1.0.0 explicit" || fail "mark --dry-run changed the reason"
run_rc 0 nxp --json --dry-run mark solo --dependency
jq -e '.command == "mark" and .applied == false and .changed == ["solo"] and .reason == "dependency"' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "mark --dry-run --json"; }

run_rc 0 nxp mark solo --dependency
out_has "solo: now dependency"
[ "$(readlink "$NXP_ROOT/current")" != "$gen" ] || fail "mark made no generation"
installed | grep -qx "solo 1.0.0 dependency" || fail "solo not marked as dependency"
list_is --dependencies -- lib solo ""
list_is --orphans -- solo ""
list_is --dependencies --orphans -- solo ""
run_rc 0 nxp --json history
jq -e '.transactions[-1].kind == "mark"' "$T/out" >/dev/null || { cat "$T/out"; fail "history: no mark"; }
id=$(jq -r '.transactions[-1].id' "$T/out")
run_rc 0 nxp --json history info "$id"
jq -e '.steps == [{"action": "mark-dependency", "name": "solo", "from": "1.0.0", "to": "1.0.0", "repo": "demo", "untrusted": false}]' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "history lacks the mark-dependency step"; }
pass "mark --dependency: a generation, in history; solo is now an orphan"

# Marking again changes nothing and makes no generation.
gen=$(readlink "$NXP_ROOT/current")
run_rc 0 nxp --json mark solo --dependency
jq -e '.applied == false and .changed == [] and .unchanged == ["solo"]' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "mark of an unchanged reason"; }
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "an unchanged mark made a generation"

# Rollback restores the reason (a mark is a generation like config and enable).
run_rc 0 nxp --yes rollback
installed | grep -qx "solo 1.0.0 explicit" || fail "rollback did not restore solo's reason"
run_rc 0 nxp --json mark solo --dependency
jq -e '.command == "mark" and .applied == true and .changed == ["solo"] and .unchanged == [] and (.generation | type) == "number"' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "mark --json"; }
pass "mark again: nothing to do; rollback restores the reason"

# Errors: a name not installed (nothing changes, even for the installed names given with
# it), no reason, both reasons.
gen=$(readlink "$NXP_ROOT/current")
run_rc 1 nxp mark lib nosuch --explicit
err_has "nosuch"
err_has "not installed"
installed | grep -qx "lib 1.0.0 dependency" || fail "a failed mark changed lib"
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "a failed mark made a generation"
run_rc 1 nxp --json mark nosuch --dependency
jq -e '.ok == false and .error.kind == "not-found"' "$T/out" >/dev/null || fail "--json error"
run_rc 2 nxp mark lib
run_rc 2 nxp mark lib --explicit --dependency
pass "mark errors: not installed, no reason, both reasons"

# --explicit keeps a dependency through autoremove; what --orphans lists is what autoremove
# removes.
run_rc 0 nxp mark lib app --explicit
out_has "lib: now explicit"
out_has "app: already explicit"
run_rc 0 nxp mark app --dependency
list_is --explicit -- lib old pinned ""
list_is --orphans -- app solo ""
run_rc 0 nxp --yes autoremove
assert_not_installed app
assert_not_installed solo
assert_installed lib 1.0.0
list_is --orphans -- ""
pass "marks decide what autoremove removes; --orphans listed exactly that"

# --- held and upgradable ------------------------------------------------------------------
run_rc 0 nxp hold pinned
list_is --held -- pinned ""
plugin old 1.1.0
plugin pinned 1.1.0
nxp pack "$T/src/old-1.1.0" -o "$T/pkgs/" >/dev/null
nxp pack "$T/src/pinned-1.1.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T"/pkgs/*.nxp --key "$T/key.key" --id demo >/dev/null
# list reads the cached indexes: nothing is upgradable until they are refreshed.
list_is --upgradable -- ""
run_rc 0 nxp refresh
list_is --upgradable -- old ""
jq -e '.filters == ["upgradable"] and .packages[0].version == "1.0.0" and .packages[0].new_version == "1.1.0" and .packages[0].new_repo == "demo"' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "list --upgradable --json"; }
run_rc 0 nxp list --upgradable
out_has "NEW VERSION"
grep -q "^old *1.0.0 *1.1.0 " "$T/out" || { cat "$T/out"; fail "list --upgradable columns"; }
run_rc 10 nxp --offline update --check
out_has "old"
list_is --upgradable --held -- ""
list_is --held --explicit -- pinned ""
run_rc 0 nxp list --held
out_has "held"
pass "held and upgradable (held plugins stay where they are, as update leaves them)"

# --- available ----------------------------------------------------------------------------
run_rc 0 nxp --json list --available
jq -e '.command == "list" and .filters == ["available"] and ([.available[].name] | sort) == ["app", "lib", "old", "pinned", "solo"]' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "list --available --json names"; }
jq -e '.available[] | select(.name == "old") | .version == "1.1.0" and .installed == "1.0.0" and .repo == "demo" and .kind == "library" and .summary == "test plugin old"' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "list --available --json fields"; }
jq -e '.available[] | select(.name == "app") | .installed == null' "$T/out" >/dev/null ||
    fail "list --available: app is not installed"
run_rc 0 nxp list --available
out_has "SUMMARY"
grep -q "^old *1.1.0 *library *demo *1.0.0 " "$T/out" || { cat "$T/out"; fail "list --available columns"; }
out_has "5 plugin(s) available"
run_rc 2 nxp list --available --held
pass "list --available: every plugin the repository offers, newest version"
