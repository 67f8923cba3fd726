#!/usr/bin/env bash
# verify names every damaged file; repair restores from the cache, or from the repository
# when the cache lost the package.
. "$(dirname "$0")/testlib.sh"
make_repo
make_root
nxp --yes --grant weather install weather >/dev/null
run_rc 0 nxp verify
store=$(readlink -f "$NXP_ROOT/current/plugins/weather")
echo "// injected" >>"$store/server.js"
chmod 600 "$store/../$(basename "$(readlink -f "$NXP_ROOT/current/plugins/mcp-common")")/jsonrpc.js"
run_rc 1 nxp verify
err_has "server.js: size"
err_has "jsonrpc.js: mode 0600, expected 0644"
run_rc 1 nxp verify --json
jq -e '.ok == false and (.findings | length) == 2' "$T/out" >/dev/null || fail "verify --json should list two findings"
run_rc 0 nxp verify writing-prompts
pass "verify names damaged files"

run_rc 0 nxp repair
run_rc 0 nxp verify
cmp "$NXP_ROOT/current/plugins/weather/server.js" "$SRC/examples/plugins/weather/files/server.js" || fail "repair did not restore server.js"
pass "repair from the cache"

rm -f "$NXP_ROOT"/cache/packages/*.nxp
echo "// injected" >>"$(readlink -f "$NXP_ROOT/current/plugins/weather")/server.js"
run_rc 0 nxp --json repair
jq -e '.fetched == ["weather"] and .ok' "$T/out" >/dev/null || fail "repair should fetch weather again"
run_rc 0 nxp verify
pass "repair from the repository"

rm -f "$NXP_ROOT"/cache/packages/*.nxp
echo "// injected" >>"$(readlink -f "$NXP_ROOT/current/plugins/weather")/server.js"
run_rc 5 nxp --offline repair
run_rc 1 nxp verify
pass "repair --offline without a cached copy fails clearly"
