#!/usr/bin/env bash
# Without a terminal a mutating command needs --yes; --dry-run changes nothing.
. "$(dirname "$0")/testlib.sh"
make_repo
make_root

run_rc 1 nxp install translator-mask </dev/null
err_has "--yes"
assert_not_installed translator-mask
[ "$(readlink "$NXP_ROOT/current")" = generations/0 ] || fail "a refused install switched generations"
pass "no --yes, no terminal: nothing changes"

run_rc 0 nxp --dry-run install weather
out_has "weather"
out_has "mcp-common"
assert_not_installed weather
run_rc 0 nxp --dry-run --json install weather
jq -e '.dry_run == true and .applied == false and ([.plan[].name] | index("mcp-common") != null)' "$T/out" >/dev/null \
    || fail "--dry-run --json should show the plan and apply nothing"
[ "$(ls "$NXP_ROOT/store")" = "" ] || fail "--dry-run wrote to the store"
pass "--dry-run shows the plan and changes nothing"

run_rc 0 nxp --yes install translator-mask
run_rc 0 nxp --yes install translator-mask
out_has "Nothing to do"
pass "installing what is installed is a no-op"

run_rc 1 nxp --yes remove weather
err_has "not installed"
run_rc 3 nxp --yes install does-not-exist
err_has "does-not-exist"
run_rc 2 nxp --bogus-flag list
run_rc 2 nxp
pass "usage errors exit 2, unknown plugins exit 3, removing what is absent exits 1"
