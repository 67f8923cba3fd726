#!/usr/bin/env bash
# history lists every transaction; rollback --to jumps to a named generation; rollback is O(1)
# and needs no repository.
. "$(dirname "$0")/testlib.sh"
make_repo
make_root

nxp --yes install translator-mask >/dev/null          # generation 1
nxp --yes install writing-prompts >/dev/null          # generation 2
nxp --yes remove translator-mask >/dev/null           # generation 3
run_rc 0 nxp history --json
jq -e '.transactions | length == 3' "$T/out" >/dev/null || fail "three transactions expected"
jq -e '[.transactions[].state] == ["done","done","done"]' "$T/out" >/dev/null || fail "all done"
run_rc 0 nxp history info 2
out_has "writing-prompts"
out_has "install"
run_rc 1 nxp history info 99
err_has "no such transaction"
pass "history and history info"

mv "$T/repo" "$T/repo.away"    # rollback must not need the network or the repository
run_rc 0 nxp --yes rollback --to 1
assert_installed translator-mask 1.0.0
assert_not_installed writing-prompts
[ "$(readlink "$NXP_ROOT/current")" = generations/1 ] || fail "current should be generations/1"
run_rc 1 nxp --yes rollback --to 42
err_has "no such generation"
run_rc 0 nxp --yes rollback --to 3
assert_not_installed translator-mask
assert_installed writing-prompts 2.0.1
run_rc 0 nxp history --json
jq -e '.transactions | length == 5' "$T/out" >/dev/null || fail "rollbacks are recorded in history"
pass "rollback --to moves between generations without the repository"

# history undo reverses one transaction (as dnf5): undoing "install writing-prompts" removes it.
mv "$T/repo.away" "$T/repo"
nxp --yes install translator-mask >/dev/null
id=$(nxp history --json | jq '[.transactions[] | select(.command_line | test("install translator-mask"))][-1].id')
run_rc 0 nxp --yes history undo "$id"
assert_not_installed translator-mask
assert_installed writing-prompts 2.0.1
rid=$(nxp history --json | jq '[.transactions[] | select(.command_line | test("undo"))][-1].id')
run_rc 0 nxp --yes history undo "$rid"           # undoing the undo brings it back
assert_installed translator-mask 1.0.0
run_rc 1 nxp --yes history undo 4                # transaction 4 was a rollback
err_has "rollback --to"
pass "history undo"

# The command line is recorded as parsed: global options first and in long form wherever
# they were typed, `=` forms split.
run_rc 0 nxp remove translator-mask --root="$NXP_ROOT" -y
want="nxp --root $NXP_ROOT --yes remove translator-mask"
got=$(nxp history --json | jq -r '.transactions[-1].command_line')
[ "$got" = "$want" ] || fail "history recorded '$got', expected '$want'"
run_rc 0 nxp --yes rollback
nxp history >"$T/out"
out_has "rollback"
pass "history records the parsed command line"
