#!/usr/bin/env bash
# resolve.narrow_min through the real binary: a request loads only the packages it can
# reach, installs work through it, and a damaged, missing or stale dependency graph costs
# a rebuild, never a wrong plan.
. "$(dirname "$0")/testlib.sh"

plugin lib 1.0.0 ''
plugin lib 2.0.0 ''
plugin app 1.0.0 '"requires": ["lib ^1"],'
plugin other 1.0.0 '"requires": ["lib"],'
make_repo "$T"/src/lib-1.0.0 "$T"/src/lib-2.0.0 "$T"/src/app-1.0.0 "$T"/src/other-1.0.0
nxp init --nextchat-version 2.16.0 --set resolve.narrow_min=0 >/dev/null
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
graph=$NXP_ROOT/cache/repos/demo/graph.db
[ -s "$graph" ] || fail "repo add wrote no dependency graph"

# app reaches lib (both versions), not other.
run_rc 0 nxp -v --yes install app
err_has "resolving within 3 of 4 packages"
assert_installed app 1.0.0
assert_installed lib 1.0.0
pass "an install loads only the packages it can reach"

# A damaged graph: that command reads the verified index instead and writes the graph
# again; the next one narrows. The plan is the same both times.
for damage in "printf 'this is not a database' >'$graph'" "rm -f '$graph'"; do
    eval "$damage"
    run_rc 0 nxp -v --dry-run --json install other
    err_has "loading every package"
    jq -e '[.plan[] | "\(.action) \(.name) \(.to)"] == ["install other 1.0.0"]' "$T/out" >/dev/null \
        || { cat "$T/out"; fail "plan after: $damage"; }
    [ -s "$graph" ] || fail "the graph was not written again after: $damage"
    run_rc 0 nxp -v --dry-run --json install other
    err_has "resolving within"
    jq -e '[.plan[] | "\(.action) \(.name) \(.to)"] == ["install other 1.0.0"]' "$T/out" >/dev/null \
        || { cat "$T/out"; fail "narrowed plan after: $damage"; }
done
pass "a damaged or missing graph is rebuilt, and the plan is right"

# A graph of an older index is never used for a newer one: with the old graph put back
# after a refresh, extra (only in the new index) must still be found.
cp "$graph" "$T/old-graph.db"
plugin extra 1.0.0 '"requires": ["lib"],'
make_repo "$T"/src/extra-1.0.0
run_rc 0 nxp refresh
cp "$T/old-graph.db" "$graph"
run_rc 0 nxp -v --dry-run --json install extra
jq -e '[.plan[] | "\(.action) \(.name) \(.to)"] | index("install extra 1.0.0") != null' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "a stale graph hid extra"; }
run_rc 0 nxp -v --dry-run --json install extra
err_has "resolving within"
jq -e '[.plan[] | "\(.action) \(.name) \(.to)"] | index("install extra 1.0.0") != null' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "the rebuilt graph hid extra"; }
pass "a graph made from another index is not used"

# Below the threshold (the default here, 10000 packages) everything is loaded.
run_rc 0 nxp init --set resolve.narrow_min=10000
run_rc 0 nxp -v --dry-run --json install other
err_has "loading every package"
run_rc 2 nxp init --set resolve.narrow_min=lots
err_has "resolve.narrow_min"
pass "resolve.narrow_min decides, and is checked"
