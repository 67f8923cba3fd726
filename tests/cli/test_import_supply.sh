#!/usr/bin/env bash
# Supply-chain gates of `nxp import npm` (issue 19 item 3), with a fake npm (importlib.sh):
# --min-age takes the newest version old enough and passes --before to npm install; no
# version old enough is an error naming the newest and its age; plugin.json records the
# source (publisher, maintainers, provenance); --previous warns when they change.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/importlib.sh"
cd "$T"

mkdir -p src/dist
echo 'console.log(process.env.SUPPLY_TOKEN)' >src/dist/index.js
package_files default src
now=$(date -u +%s)
iso() { date -u -d "@$(( now - $1 ))" +%Y-%m-%dT%H:%M:%S.000Z; }
T10D=$(iso $((10 * 86400))); T3D=$(iso $((3 * 86400))); T1H=$(iso 3600)
doc() {  # VERSION PUBLISHER PROVENANCE(yes|no)
    local att=''
    [ "$3" = yes ] && att=', "attestations": {"url": "https://registry.npmjs.org/-/npm/v1/attestations/@x/srv@'$1'",
        "provenance": {"predicateType": "https://slsa.dev/provenance/v1"}}'
    printf '{"name": "@x/srv", "version": "%s", "bin": "dist/index.js", "license": "MIT",
      "dist-tags": {"latest": "1.2.0"}, "versions": ["1.0.0", "1.1.0", "1.2.0"],
      "time": {"created": "%s", "1.0.0": "%s", "1.1.0": "%s", "1.2.0": "%s"},
      "_npmUser": {"name": "%s", "email": "%s@example.org"},
      "maintainers": [{"name": "%s"}],
      "dist": {"integrity": "sha512-x%s", "tarball": "https://registry.npmjs.org/@x/srv/-/srv-%s.tgz"%s}}' \
      "$1" "$T10D" "$T10D" "$T3D" "$T1H" "$2" "$2" "$2" "$1" "$1" "$att"
}
view_doc @x/srv "$(doc 1.2.0 alice yes)"
view_doc @x/srv@1.2.0 "$(doc 1.2.0 bob no)"
view_doc @x/srv@1.1.0 "$(doc 1.1.0 alice yes)"
view_doc @x/srv@1.0.0 "$(doc 1.0.0 alice yes)"
view_doc '@x/srv@^1.0.0' "[$(doc 1.0.0 alice yes), $(doc 1.1.0 alice yes), $(doc 1.2.0 alice yes)]"

# No cooldown: the latest, and the source recorded.
run_rc 0 nxp_npm import npm @x/srv -o latest
jq -e '.version == "1.2.0" and .source.type == "npm" and .source.package == "@x/srv"
    and .source.version == "1.2.0" and .source.publisher == "alice"
    and .source.maintainers == ["alice"]
    and .source.provenance.predicateType == "https://slsa.dev/provenance/v1"
    and (.source.provenance.url | endswith("@x/srv@1.2.0"))
    and .source.integrity == "sha512-x1.2.0"' latest/plugin.json >/dev/null ||
    { cat latest/plugin.json; fail "the source record"; }
grep -q -- '--before' "$T/npm/calls" && fail "npm install got --before without --min-age"
pass "plugin.json records where the plugin came from"

# --min-age 2d: 1.2.0 (an hour old) is too new; 1.1.0 (3 days) is taken, and npm install
# gets --before = now - 2d so the dependencies obey the cooldown too.
: >"$T/npm/calls"
run_rc 0 nxp_npm --json import npm @x/srv --min-age 2d -o aged
jq -e '.version == "1.1.0" and .source.version == "1.1.0" and .warnings == []' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "--min-age 2d did not take 1.1.0"; }
grep -q '^view @x/srv@1.1.0 --json' "$T/npm/calls" || { cat "$T/npm/calls"; fail "1.1.0's document was not read"; }
want=$(date -u -d "@$(( now - 2 * 86400 ))" +%Y-%m-%dT%H)
grep -E "^install .*--before=${want}:[0-9]{2}:[0-9]{2}Z .*@x/srv@1.1.0\$" "$T/npm/calls" >/dev/null ||
    { cat "$T/npm/calls"; fail "npm install was not given --before=now-2d"; }
run_rc 0 nxp_npm import npm @x/srv@^1.0.0 --min-age 5d -o range
jq -e '.version == "1.0.0"' range/plugin.json >/dev/null || fail "--min-age 5d over a range"
run_rc 0 nxp_npm import npm @x/srv --min-age 30m -o fresh
jq -e '.version == "1.2.0"' fresh/plugin.json >/dev/null || fail "--min-age 30m"
pass "--min-age takes the newest version old enough, dependencies included"

# Nothing old enough: the newest version and its age are named; nothing is written.
run_rc 1 nxp_npm import npm @x/srv --min-age 4w -o none
err_has "no matching version is old enough for --min-age 28 days: the newest, 1.2.0, was published 6[01] minutes ago"
[ ! -e none ] || fail "a refused import left its directory"
for bad in 7 7x -1d 1.5d; do
    run_rc 2 nxp_npm import npm @x/srv --min-age "$bad" -o bad
    err_has "--min-age"
done
pass "no version old enough, or a malformed duration, is refused naming why"

# A re-import of 1.2.0 after 1.1.0: now published by bob, without provenance.
run_rc 0 nxp_npm import npm @x/srv@1.2.0 -o again --previous aged/plugin.json
err_has "warning: @x/srv 1.2.0 was published by bob; 1.1.0 by alice"
err_has "warning: @x/srv 1.2.0 has no provenance; 1.1.0 had (https://slsa.dev/provenance/v1)"
err_has "warning: @x/srv 1.2.0 has new maintainers since 1.1.0: bob"
run_rc 0 nxp_npm --json import npm @x/srv@1.2.0 -o again2 --previous aged/plugin.json
jq -e '(.warnings | length) == 3 and (.warnings[0] | test("published by bob"))' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "--json warnings"; }
# The same publisher and provenance: no warning.
run_rc 0 nxp_npm import npm @x/srv@1.0.0 -o same --previous aged/plugin.json
! grep -q warning "$T/err" || { cat "$T/err"; fail "a warning without a change"; }
# --previous that is not an earlier import.
run_rc 1 nxp_npm import npm @x/srv@1.0.0 -o x1 --previous nonexistent.json
err_has "nonexistent.json"
echo '{"name": "x"}' >nosource.json
run_rc 1 nxp_npm import npm @x/srv@1.0.0 -o x2 --previous nosource.json
err_has "records no source"
pass "--previous warns when the publisher or the provenance changed"

# An old plugin.json (no source) and one with a source both pass lint; a malformed source
# is refused naming the field.
run_rc 0 nxp lint latest
jq '.source.provenance = 5' latest/plugin.json >bad.json && mkdir -p badsrc/files && mv bad.json badsrc/plugin.json
run_rc 1 nxp lint badsrc
grep -q "source.provenance" "$T/out" "$T/err" || { cat "$T/out" "$T/err"; fail "a malformed source is not named"; }
pass "the source field is validated"
