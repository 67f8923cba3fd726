#!/usr/bin/env bash
# nxp history --audit (issue 18 item 19): every change with time, user and uid — transactions,
# grants and revocations, holds, repositories, NextChat settings — in rows chained by their
# hashes, so that a row edited, deleted or added with sqlite3 is named by history --audit and
# by nxp doctor; rows written before the chain existed are chained by the migration.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/applylib.sh"

plugin weather 1.0.0 '"permissions": {"network": ["api.example.org"]},'
make_repo "$T/src/weather-1.0.0" "$SRC/examples/plugins/translator-mask/"
make_root
run_rc 0 nxp --yes --grant all install weather translator-mask
run_rc 0 nxp --yes permissions weather --revoke
run_rc 0 nxp --yes hold translator-mask
run_rc 0 nxp --yes unhold translator-mask
cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "true"

run_rc 0 nxp history --audit
for action in init repo-add grant install revoke hold unhold nextchat-set; do
    grep -Eq "^ *[0-9]+ .* $action " "$T/out" || { cat "$T/out"; fail "history --audit lacks $action"; }
done
out_has "$(id -un) ($(id -u))"
out_has "dir $T/nc"
run_rc 0 nxp --json history --audit
jq -e --argjson uid "$(id -u)" '.schema == 1 and .chain.ok == true and (.entries | length) >= 7
        and all(.entries[]; .uid == $uid and (.hash | length) == 64 and (.time | test("Z$")))' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "history --audit --json"; }
jq -e '[.entries[] | select(.action == "install" and (.detail | test("weather")))] | length == 1' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "the install row does not name weather"; }
json_documented "history --audit"
rows=$(jq '.entries | length' "$T/out")
run_rc 0 nxp doctor --json || true
jq -e '[.findings[] | select(.check == "audit-log")] | length == 0' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "doctor finds a break in an untouched log"; }
pass "changes appear with time, user and uid; the chain verifies"

cp -a "$NXP_ROOT" "$T/saved"
restore() { rm -rf "$NXP_ROOT"; cp -a "$T/saved" "$NXP_ROOT"; }
# doctor_names ROW TEXT: doctor and history --audit both report row ROW first.
doctor_names() {
    run_rc 1 nxp doctor --json
    jq -e --arg row "row $1" --arg text "$2" '[.findings[] | select(.check == "audit-log"
            and .subject == $row and (.problem | contains($text)))] | length == 1' "$T/out" >/dev/null \
        || { cat "$T/out"; fail "doctor does not name row $1 ($2)"; }
    run_rc 1 nxp history --audit
    err_has "broken at row $1"
    run_rc 1 nxp --json history --audit
    jq -e --argjson row "$1" '.chain.ok == false and .chain.broken_at == $row' "$T/out" >/dev/null \
        || { cat "$T/out"; fail "history --audit --json does not name row $1"; }
    json_documented "history --audit (broken)"
}
db() { sqlite3 "$NXP_ROOT/nxp.db" "$1"; }

db "UPDATE audit_log SET detail = 'nothing to see' WHERE id = 3"
doctor_names 3 "changed"
restore
db "UPDATE audit_log SET user = 'someone-else' WHERE id = 2"
doctor_names 2 "changed"
restore
db "UPDATE audit_log SET at = at - 86400 WHERE id = 4"
doctor_names 4 "changed"
restore
db "DELETE FROM audit_log WHERE id = 3"
doctor_names 4 "does not follow row 2"
restore
db "DELETE FROM audit_log WHERE id = 1"
doctor_names 2 "the rows before it were deleted"
restore
db "DELETE FROM audit_log WHERE id = $rows"
doctor_names "$rows" "ends at row $((rows - 1))"
restore
db "INSERT INTO audit_log (at, user, uid, action, detail, prev_hash, hash)
    SELECT at, user, uid, 'grant', 'weather: everything', hash, hash FROM audit_log WHERE id = $rows"
doctor_names "$((rows + 1))" "changed"
restore
# A row forged with a correct-looking hash of its own still leaves the head behind.
db "UPDATE audit_log SET detail = 'x', hash = 'y', prev_hash = 'z' WHERE id = 5"
doctor_names 5 "changed"
restore
run_rc 0 nxp history --audit
pass "an edited, deleted or inserted row is named by doctor and history --audit"

# New changes continue the chain.
run_rc 0 nxp --yes --grant all permissions weather --grant
run_rc 0 nxp --json history --audit
jq -e '.chain.ok == true and .entries[-1].action == "grant"' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "a grant after the checks"; }
pass "later rows continue the chain"

# A database from before the chain (schema 3): its rows are chained when it is opened.
db "ALTER TABLE audit_log DROP COLUMN hash; ALTER TABLE audit_log DROP COLUMN prev_hash;
    ALTER TABLE audit_log DROP COLUMN uid; DELETE FROM meta WHERE key = 'audit_head';
    DROP INDEX store_trees_requiring_config; ALTER TABLE store_trees DROP COLUMN required_config;
    PRAGMA user_version = 3;"
run_rc 0 nxp --json history --audit
jq -e '.chain.ok == true and all(.entries[]; .uid == null and (.hash | length) == 64)' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "rows before the migration are not chained"; }
[ "$(db 'PRAGMA user_version')" -ge 4 ] || fail "not migrated"
run_rc 0 nxp --yes hold weather
run_rc 0 nxp --json history --audit
jq -e '.chain.ok == true and .entries[-1].action == "hold" and .entries[-1].uid != null' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "after the migration"; }
pass "the migration chains the rows written before it"

# Repository changes: a key rotation accepted at refresh, and the removal.
nxp key generate -o "$T/new" >/dev/null
nxp repo rotate-key "$T/repo" --key "$T/key.key" --new-key "$T/new.key" >/dev/null
nxp repo build "$T/repo" --key "$T/new.key" >/dev/null
run_rc 0 nxp refresh
run_rc 0 nxp --yes repo remove demo
run_rc 0 nxp --json history --audit
jq -e '.chain.ok == true
       and ([.entries[] | select(.action == "repo-keys" and (.detail | startswith("demo: key set 0 -> 1")))] | length) == 1
       and .entries[-1].action == "repo-remove" and .entries[-1].detail == "demo"' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "key rotation or repo remove not audited"; }
pass "repository key rotations and removals are audited"
