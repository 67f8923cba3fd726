#!/usr/bin/env bash
# nxp search ranks exact name matches first, then names the word begins, then other name
# matches, then summary matches, then publisher matches (the index carries plugin.json's
# publisher); ties by name. --regex takes RE2 patterns; a bad one is a usage error (exit 2)
# naming the pattern and RE2's reason. --json holds the same order and says how each matched.
. "$(dirname "$0")/testlib.sh"

# plugin_with NAME SUMMARY [PUBLISHER]: a library plugin directory $T/src/NAME.
plugin_with() {
    mkdir -p "$T/src/$1/files"
    local pub=""
    [ -z "${3:-}" ] || pub="\"publisher\": \"$3\","
    cat >"$T/src/$1/plugin.json" <<JSON
{ "name": "$1", "version": "1.0.0", "kind": "library", "summary": "$2", $pub
  "license": "MIT" }
JSON
    echo "$1" >"$T/src/$1/files/README"
}
# Alphabetically: a-zeta, alpha, b-tool, other, zeta, zeta-tools. Ranked for "zeta": the
# exact match first although it sorts late, then the prefix, the other name match, the
# summary match and the publisher match; "other" matches nothing.
plugin_with zeta "The real one"
plugin_with zeta-tools "Tools"
plugin_with a-zeta "Has it inside its name"
plugin_with alpha "Works with ZETA files"
plugin_with b-tool "Unrelated words" "Zeta Labs"
plugin_with other "Nothing here" "example.org"
make_repo "$T"/src/*/
make_root
ranked="zeta zeta-tools a-zeta alpha b-tool"

run_rc 0 nxp search zeta
got=$(awk 'NR > 1 { print $1 }' "$T/out" | xargs)
[ "$got" = "$ranked" ] || { cat "$T/out"; fail "human order: got '$got', want '$ranked'"; }
head -1 "$T/out" | grep -q '^NAME  *VERSION  *KIND  *REPO  *SUMMARY' || fail "the table's header changed"
grep -q '^zeta  *1.0.0  *library  *demo  *The real one' "$T/out" || fail "a row lost its columns"
pass "exact, prefix, name, summary, publisher; the table keeps its columns"

run_rc 0 nxp --json search ZETA
got=$(jq -r '[.results[] | "\(.name):\(.match)"] | join(" ")' "$T/out")
want="zeta:exact zeta-tools:prefix a-zeta:name alpha:summary b-tool:publisher"
[ "$got" = "$want" ] || fail "--json order: got '$got', want '$want'"
jq -e '.results[] | select(.name == "b-tool") | .publisher == "Zeta Labs"' "$T/out" >/dev/null ||
    fail "--json lacks the publisher"
pass "--json: the same order, with match and publisher; case does not matter"

# Several words: each must match somewhere; the best field decides.
run_rc 0 nxp --json search zeta labs
[ "$(jq -r '[.results[].name] | join(" ")' "$T/out")" = b-tool ] || fail "zeta labs: $(cat "$T/out")"
run_rc 1 nxp search zeta nowhere
out_has "No plugins match."
# An empty word still lists everything, by name.
run_rc 0 nxp --json search ""
[ "$(jq -r '[.results[].name] | join(" ")' "$T/out")" = "a-zeta alpha b-tool other zeta zeta-tools" ] ||
    fail "search '': $(cat "$T/out")"
pass "several words, no match, the empty word"

# --regex: RE2 patterns, before or after the words.
run_rc 0 nxp --json search --regex '^zeta(-tools)?$'
[ "$(jq -r '[.results[] | "\(.name):\(.match)"] | join(" ")' "$T/out")" = "zeta:exact zeta-tools:exact" ] ||
    fail "--regex anchored: $(cat "$T/out")"
run_rc 0 nxp --json search 'labs$|^works' --regex
[ "$(jq -r '[.results[] | "\(.name):\(.match)"] | join(" ")' "$T/out")" = "alpha:summary b-tool:publisher" ] ||
    fail "--regex in summary and publisher: $(cat "$T/out")"
run_rc 0 nxp search --regex 'z.ta-'
[ "$(awk 'NR > 1 { print $1 }' "$T/out" | xargs)" = zeta-tools ] || fail "--regex prefix: $(cat "$T/out")"
# Without --regex, pattern characters are plain text.
run_rc 1 nxp search 'z.ta'
# A pattern that backtracking engines take exponential time on answers at once.
# shellcheck disable=SC2016
run_rc 1 timeout 20 "$NXP" search --regex '(a+)+$x'
pass "--regex matches names, summaries and publishers"

# shellcheck disable=SC1003
for bad in 'zeta(' 'x{2,1}' 'a**' '\' '(?P<n>x'; do
    run_rc 2 nxp search --regex "$bad"
    grep -qF -- "\"$bad\"" "$T/err" || { cat "$T/err"; fail "the error does not name '$bad'"; }
    err_has "not a valid RE2 regular expression"
    run_rc 2 nxp --json search --regex ok "$bad"
    jq -e --arg bad "$bad" '.ok == false and .error.kind == "usage"
        and (.error.context | contains($bad))' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "--json error for '$bad' is not a usage error naming it"; }
done
run_rc 2 nxp search --regex 'zeta('
err_has "missing )"
pass "an invalid --regex is exit 2 naming the pattern and RE2's reason"
