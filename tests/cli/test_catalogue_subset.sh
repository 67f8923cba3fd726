#!/usr/bin/env bash
# A pinned subset of the measured catalogue (issue 19 item 1), built and called exactly as
# catalogue/build.sh builds the whole of it: five servers from npm imported at their pinned
# versions, given their reviewed permissions, packed, signed into one repository, installed
# into a scratch root (health check in the sandbox), then one real tools/call each through
# `nxp exec` against the fixtures (a git repository and files in the state directory, a web
# page on 127.0.0.1). Every one must pass: a call that answers an error fails the test.
# Needs the npm registry: skipped (77) only when `npm ping` fails.
. "$(dirname "$0")/testlib.sh"
command -v npm >/dev/null || fail "npm is not installed (.ci/install-deps installs it)"
command -v git >/dev/null || fail "git is not installed"
timeout 60 npm ping >/dev/null 2>&1 || { echo "SKIP: the npm registry is not reachable (npm ping failed)"; exit 77; }
export npm_config_cache=$T/npm-cache
SUBSET="coo-quack-calc-mcp modelcontextprotocol-server-memory modelcontextprotocol-server-filesystem cyanheads-git-mcp-server tokenizin-mcp-npx-fetch"
# A port of its own, so that a full catalogue run on the same machine does not collide.
export CAT_PORT=$((20000 + $$ % 20000))
# shellcheck disable=SC2086
NXP=$NXP CAT_TIMEOUT=120 "$SRC/catalogue/build.sh" "$T/out" $SUBSET >"$T/build.log" 2>&1 ||
    { tail -n 40 "$T/build.log"; fail "catalogue/build.sh failed"; }
r=$T/out/report.json
[ -f "$r" ] || { tail -n 40 "$T/build.log"; fail "no report.json"; }
# The subset alone, and its report stays in OUT (catalogue/report.md is the full run's).
jq -e '.servers == 5' "$r" >/dev/null || { jq . "$r"; fail "the report does not hold the five servers"; }
for name in $SUBSET; do
    jq -e --arg n "$name" '.results[] | select(.plugin == $n) | .pass and (.tools | length > 0)
        and .call.is_error == false and (.call.text | length > 0)' "$r" >/dev/null ||
        { jq --arg n "$name" '.results[] | select(.plugin == $n)' "$r"; fail "$name does not pass"; }
done
jq -e '.passed == 5 and .rate == "5 of 5 pass (100.0 %)"' "$r" >/dev/null || { jq . "$r"; fail "rate"; }
grep -q '^\*\*5 of 5 pass (100.0 %)\*\*$' "$T/out/report.md" || fail "report.md lacks the rate"
# What the calls did: the file server read the fixture, git read the fixture repository's
# commit, fetch read the loopback page, memory wrote its graph into its state directory.
jq -e '.results[] | select(.plugin == "modelcontextprotocol-server-filesystem") | .call.text | test("hello from the nxp catalogue")' "$r" >/dev/null || fail "filesystem did not read the fixture"
jq -e '.results[] | select(.plugin == "cyanheads-git-mcp-server") | .call.text | test("fixture commit")' "$r" >/dev/null || fail "git did not read the fixture repository"
jq -e '.results[] | select(.plugin == "tokenizin-mcp-npx-fetch") | .call.text | test("nxp catalogue fixture")' "$r" >/dev/null || fail "fetch did not read the loopback page"
[ -s "$T/out/root/state/modelcontextprotocol-server-memory/memory.jsonl" ] || fail "memory did not write its graph into its state directory"
# The plugins run with exactly the table's grants: fetch has the loopback port, nothing else.
jq -e --arg p "127.0.0.1:$CAT_PORT" '.permissions == {"network": [$p]}' \
    "$T/out/plugins/tokenizin-mcp-npx-fetch/plugin.json" >/dev/null || fail "fetch's permissions"
echo "ok: catalogue subset (5 servers) built, installed and called"
