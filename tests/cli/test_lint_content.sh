#!/usr/bin/env bash
# Issue 18 item 18: nxp lint checks masks' and prompt packs' content (mask.json, masks.json,
# prompts.json in NextChat's shapes) and reports every finding, each with the file and the
# JSON path, not only the first; exit 1 when any is an error. The same for the .nxp.
. "$(dirname "$0")/testlib.sh"
cd "$T"

manifest() {  # DIR KIND
    mkdir -p "$1/files"
    printf '{ "name": "%s", "version": "1.0.0", "kind": "%s", "summary": "s", "license": "MIT" }\n' \
        "$(basename "$1")" "$2" >"$1/plugin.json"
}
# has_finding FILE SEVERITY WHERE MESSAGE-PART: the --json findings hold that one.
has_finding() {
    jq -e --arg s "$2" --arg w "$3" --arg m "$4" \
        'any(.findings[]; .severity == $s and .where == $w and (.message | contains($m)))' "$1" \
        >/dev/null || { jq . "$1"; fail "no $2 at '$3' saying '$4'"; }
}

# --- one mask.json with many broken masks: every one reported -------------------------------
manifest masks mask
cat >masks/files/mask.json <<'JSON'
[
  { "avatar": "1f916", "name": "Fine", "lang": "en", "builtin": false,
    "context": [{ "role": "system", "content": "You help." }], "modelConfig": { "model": "gpt-4o" } },
  { "avatar": "1f916", "context": [] },
  { "name": "No context", "avatar": "x" },
  { "name": "Bad messages", "avatar": "x",
    "context": ["hello", { "role": "user" }, { "role": 7, "content": "x" }, { "role": "robot", "content": "x" }] },
  { "name": "Bad types", "avatar": 5, "lang": ["en"], "modelConfig": "gpt-4",
    "context": [{ "role": "user", "content": "hi" }], "builtin": "no" },
  { "name": "Odd config", "avatar": "x", "context": [{ "role": "user", "content": "hi" }],
    "modelConfig": { "temperature": "hot", "max_tokens": 100, "top_p": 9 } },
  { "name": "Reserved", "avatar": "x", "context": [{ "role": "user", "content": "hi" }], "nxpPlugin": "y" },
  "not a mask"
]
JSON
run_rc 1 nxp --json lint masks
cp "$T/out" masks.json.out
jq -e '.ok == false' masks.json.out >/dev/null || fail "lint passed a broken mask.json"
has_finding masks.json.out error "files/mask.json[1].name" "non-empty string"
has_finding masks.json.out warning "files/mask.json[1].context" "empty"
has_finding masks.json.out error "files/mask.json[2].context" "array of messages"
has_finding masks.json.out error "files/mask.json[3].context[0]" "role and content"
has_finding masks.json.out error "files/mask.json[3].context[1].content" "missing"
has_finding masks.json.out error "files/mask.json[3].context[2].role" "must be a string"
has_finding masks.json.out warning "files/mask.json[3].context[3].role" '"robot"'
has_finding masks.json.out error "files/mask.json[4].avatar" "must be a string"
has_finding masks.json.out error "files/mask.json[4].lang" "must be a string"
has_finding masks.json.out error "files/mask.json[4].modelConfig" "must be an object"
has_finding masks.json.out warning "files/mask.json[4].builtin" "true or false"
has_finding masks.json.out warning "files/mask.json[5].modelConfig.temperature" "number"
has_finding masks.json.out warning "files/mask.json[5].modelConfig.top_p" "outside 0 to 1"
has_finding masks.json.out error "files/mask.json[6].nxpPlugin" "reserved"
has_finding masks.json.out error "files/mask.json[7]" "must be an object"
# The fine mask has nothing; max_tokens 100 is fine.
jq -e '[.findings[].where | select(startswith("files/mask.json[0]"))] == []' masks.json.out >/dev/null ||
    fail "a correct mask got findings"
jq -e '[.findings[].where | select(contains("max_tokens"))] == []' masks.json.out >/dev/null ||
    fail "a numeric max_tokens was reported"
[ "$(jq '[.findings[] | select(.severity == "error")] | length' masks.json.out)" -eq 10 ] ||
    { jq . masks.json.out; fail "expected 10 errors"; }
# Human output: one line per finding, on stderr, with file and path.
run_rc 1 nxp lint masks
[ "$(grep -c '^error: files/mask.json' "$T/err")" -eq 10 ] || { cat "$T/err"; fail "not every error printed"; }
grep -qF "warning: files/mask.json[3].context[3].role" "$T/err" || fail "a warning not printed"

# The package of it (pack does not refuse content; an install does) lints the same.
run_rc 0 nxp pack masks -o pkgs/
run_rc 1 nxp --json lint pkgs/masks-1.0.0.nxp
jq -S '.findings' masks.json.out >a.json
jq -S '.findings' "$T/out" >b.json
cmp -s a.json b.json || { diff a.json b.json; fail "the .nxp lints differently from its directory"; }

# --- masks.json in NextChat's shape ------------------------------------------------------
manifest lists mask
echo '{"en": [{"name": "A", "avatar": "x", "context": []}], "de": [], "cn": {"x": 1}, "tw": [{"context": "no"}]}' \
    >lists/files/masks.json
echo '{"name": "ignored", "context": 5}' >lists/files/mask.json   # masks.json wins
run_rc 1 nxp --json lint lists
has_finding "$T/out" error "files/masks.json: de" "unknown list"
has_finding "$T/out" error "files/masks.json: cn" "expected an array"
has_finding "$T/out" error "files/masks.json: tw[0].name" "non-empty string"
has_finding "$T/out" error "files/masks.json: tw[0].context" "array of messages"
jq -e '[.findings[].where | select(startswith("files/mask.json"))] == []' "$T/out" >/dev/null ||
    fail "mask.json was read although masks.json exists"

# --- prompts.json --------------------------------------------------------------------------
manifest prompts prompts
cat >prompts/files/prompts.json <<'JSON'
{ "en": [["Fine", "Do this."], ["Only a title"], ["", "no title"], ["No content", ""], [1, 2],
         {"act": "x", "prompt": "y"}, ["a", "b", "c"]],
  "cn": [["好", "内容"]], "fr": [] }
JSON
run_rc 1 nxp --json lint prompts
has_finding "$T/out" error "files/prompts.json: en[1]" "not 1 elements"
has_finding "$T/out" error "files/prompts.json: en[2][0]" "title is empty"
has_finding "$T/out" error "files/prompts.json: en[3][1]" "content is empty"
has_finding "$T/out" error "files/prompts.json: en[4][0]" "a number"
has_finding "$T/out" error "files/prompts.json: en[4][1]" "a number"
has_finding "$T/out" error "files/prompts.json: en[5]" "an object"
has_finding "$T/out" error "files/prompts.json: en[6]" "not 3 elements"
has_finding "$T/out" error "files/prompts.json: fr" "unknown list"
[ "$(jq '[.findings[] | select(.severity == "error")] | length' "$T/out")" -eq 8 ] ||
    { jq . "$T/out"; fail "expected 8 errors in prompts.json"; }

# --- missing and unparsable files ------------------------------------------------------------
manifest empty-mask mask
run_rc 1 nxp --json lint empty-mask
has_finding "$T/out" error "files/mask.json" "needs a mask.json or masks.json"
manifest bad-json prompts
printf '{"en": [["a", "b"],]}' >bad-json/files/prompts.json
run_rc 1 nxp --json lint bad-json
has_finding "$T/out" error "files/prompts.json" "invalid JSON"
manifest linked mask
ln -s /etc/passwd linked/files/mask.json
run_rc 1 nxp --json lint linked
jq -e 'any(.findings[]; .severity == "error" and (.where | startswith("files/mask.json")))' "$T/out" \
    >/dev/null || { jq . "$T/out"; fail "a mask.json linking out of the tree was not refused"; }

# The examples and what nxp new writes pass.
for ex in translator-mask writing-prompts; do
    run_rc 0 nxp --json lint "$SRC/examples/plugins/$ex"
    jq -e '.ok and ([.findings[] | select(.severity == "error")] == [])' "$T/out" >/dev/null ||
        { jq . "$T/out"; fail "example $ex has lint errors"; }
done
# An install still refuses what lint calls an error (the first one, named).
make_repo "$T/masks"
make_root
run_rc 1 nxp --yes install masks
grep -qF "mask.json[1].name: must be a non-empty string" "$T/err" || { cat "$T/err"; fail "install"; }
pass "lint reports every finding in masks and prompt packs, with file and JSON path"
