#!/usr/bin/env bash
# Acting on a conflict (issue 18 item 9): a conflict with an installed plugin lists its
# solutions; --allow-erasing lets nxp remove installed plugins to satisfy the request (the plan
# shows the removals); on a terminal the solutions are offered as a numbered choice and the one
# chosen is applied; --json gives each problem as a tree of rules and solutions with fields.
. "$(dirname "$0")/testlib.sh"
PTY=("$SRC/tests/cli/pty_run.py")

plugin uxdice 1.0.0 ''
plugin uxroll 1.0.0 '"conflicts": ["uxdice < 2"],'
plugin uxkeep 1.0.0 ''
make_repo "$T"/src/*/
make_root
run_rc 0 nxp --yes install uxdice uxkeep

# --- without a choice: unsolvable, the solutions listed, --allow-erasing named -------------
run_rc 3 nxp --yes install uxroll </dev/null
err_has "uxroll 1.0.0 conflicts with uxdice"
err_has ") remove uxdice 1.0.0"
err_has "allow-erasing"
assert_installed uxdice 1.0.0
pass "a conflict with an installed plugin is a problem naming the removal and --allow-erasing"

run_rc 3 nxp --json --yes install uxroll </dev/null
jq -e '.unsolvable[0].rules | map(select(.kind == "conflicts")) | any(
       .source.name == "uxroll" and .source.version == "1.0.0" and .source.repo == "demo" and
       .target.name == "uxdice" and .target.version == "1.0.0" and
       .relation.name == "uxdice" and .relation.constraint == "< 2")' "$T/out" >/dev/null ||
    fail "--json: the conflict rule lacks its fields: $(jq -c '.unsolvable' "$T/out")"
jq -e '.unsolvable[0].rules | any(.source.name == "uxdice" and .source.installed == true)' \
    "$T/out" >/dev/null || fail "--json: no rule names the installed uxdice"
jq -e '.unsolvable[0].rules | map(select(.kind == "job")) | .[0].job == {"action": "install", "spec": "uxroll"}' \
    "$T/out" >/dev/null || fail "--json: the job rule lacks its fields"
jq -e '.unsolvable[0].choices | map(.elements[]) |
       any(.action == "remove" and .name == "uxdice" and .from == "1.0.0") and
       any(.action == "do-not-install" and .name == "uxroll")' "$T/out" >/dev/null ||
    fail "--json: the solutions lack their elements: $(jq -c '.unsolvable[0].choices' "$T/out")"
jq -e '.unsolvable[0].solutions | map(type == "string") | all' "$T/out" >/dev/null ||
    fail "--json: solutions are no longer the sentences"
remove_n=$(jq '.unsolvable[0].choices[] | select(.elements[0].action == "remove") | .number' "$T/out")
[ -n "$remove_n" ] || fail "no numbered removal among the choices"
pass "--json: rules with packages, versions and relations; solutions with their elements"

# --- a terminal: declined, nothing changes; chosen, it is applied -------------------------
rc=0
python3 "${PTY[@]}" "$T/tty" "" -- "$NXP" --no-progress install uxroll || rc=$?
[ "$rc" = 3 ] || { cat "$T/tty"; fail "a declined choice exited $rc"; }
grep -q "Choose a solution \[1-" "$T/tty" || { cat "$T/tty"; fail "no choice offered"; }
grep -q "$remove_n) remove uxdice 1.0.0" "$T/tty" || { cat "$T/tty"; fail "the choice does not list the removal"; }
assert_installed uxdice 1.0.0
assert_not_installed uxroll

rc=0
python3 "${PTY[@]}" "$T/tty" "$remove_n" y -- "$NXP" --no-progress install uxroll || rc=$?
[ "$rc" = 0 ] || { cat "$T/tty"; fail "the chosen solution was not applied ($rc)"; }
grep -q "remove  *uxdice  *1.0.0" "$T/tty" || { cat "$T/tty"; fail "the plan does not show the removal"; }
assert_installed uxroll 1.0.0
assert_not_installed uxdice
assert_installed uxkeep 1.0.0
pass "a terminal: the solutions offered as a choice, the chosen one applied"

# --- --allow-erasing ----------------------------------------------------------------------
run_rc 0 nxp --yes remove uxroll
run_rc 0 nxp --yes install uxdice
run_rc 0 nxp --dry-run --json install --allow-erasing uxroll
jq -e '[.plan[] | "\(.action) \(.name)"] | sort == ["install uxroll", "remove uxdice"]' "$T/out" \
    >/dev/null || fail "--allow-erasing plan: $(jq -c .plan "$T/out")"
run_rc 0 nxp --yes install --allow-erasing uxroll </dev/null
assert_installed uxroll 1.0.0
assert_not_installed uxdice
assert_installed uxkeep 1.0.0
run_rc 0 nxp --yes hold uxroll
run_rc 3 nxp --yes install --allow-erasing uxdice </dev/null
assert_installed uxroll 1.0.0
pass "--allow-erasing removes the conflicting plugin, never a held one"
