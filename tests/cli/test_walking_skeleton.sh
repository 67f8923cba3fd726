#!/usr/bin/env bash
# The whole first path: build repo → add → install with dependencies → files present →
# remove → rollback restores → conflicting install exits 3 → tampered package exits 4.
. "$(dirname "$0")/testlib.sh"

make_repo
make_root

run_rc 0 nxp --yes --grant weather install weather
assert_installed weather 1.2.0
assert_installed mcp-common 1.1.0
assert_installed writing-prompts 2.0.1   # recommended by weather
installed | grep -qx "weather 1.2.0 explicit" || fail "weather should be explicit"
installed | grep -qx "mcp-common 1.1.0 dependency" || fail "mcp-common should be a dependency"
[ -f "$NXP_ROOT/current/plugins/weather/server.js" ] || fail "weather's files are not in current/plugins"
cmp "$NXP_ROOT/current/plugins/weather/server.js" "$SRC/examples/plugins/weather/files/server.js" \
    || fail "installed server.js differs from the packed one"
[ "$(readlink "$NXP_ROOT/current")" = generations/1 ] || fail "current should point at generations/1"
case "$(readlink "$NXP_ROOT/generations/1/plugins/weather")" in
    ../../../store/weather-1.2.0-*) ;;
    *) fail "generation links must be relative into store/" ;;
esac
pass "install with dependencies"

run_rc 0 nxp --yes remove weather
assert_not_installed weather
assert_not_installed mcp-common
assert_not_installed writing-prompts       # came in as a recommendation of weather
pass "remove takes unneeded dependencies along"

run_rc 0 nxp --yes rollback
assert_installed weather 1.2.0
assert_installed mcp-common 1.1.0
[ "$(readlink "$NXP_ROOT/current")" = generations/1 ] || fail "rollback should make generation 1 current"
pass "rollback restores the previous generation"

before=$(installed)
run_rc 3 nxp --yes install notes-sqlite notes-json
err_has "notes-sqlite"
err_has "notes-json"
err_has "conflict"
[ "$before" = "$(installed)" ] || fail "an unsolvable request changed the installed set"
run_rc 3 nxp --json --yes install notes-sqlite notes-json
jq -e '.unsolvable | length > 0' "$T/out" >/dev/null || fail "--json lacks the explanation"
pass "conflicting install exits 3 with an explanation"

# One byte changed after signing: the index still names the old sha256.
pkg="$T/repo/packages/notes-json-1.3.0.nxp"
printf 'X' | dd of="$pkg" bs=1 seek=100 conv=notrunc status=none
run_rc 4 nxp --yes install notes-json
err_has "sha256"
assert_not_installed notes-json
ls "$NXP_ROOT/store" | grep -q notes-json && fail "a tampered package reached the store"
[ ! -e "$NXP_ROOT/cache/packages/$(jq -r '.packages[] | select(.name=="notes-json") | .sha256' <(zstd -dc "$T/repo/index.json.zst")).nxp" ] \
    || fail "a tampered package stayed in the cache"
[ "$before" = "$(installed)" ] || fail "a refused package changed the installed set"
pass "tampered package refused with exit 4"
