#!/usr/bin/env bash
# One question (issue 18 item 7): an install of several plugins that ask for permissions shows
# the whole plan with the permissions each would be granted and asks once, on a terminal;
# without one, the first error names every flag needed (--yes and --grant); --grant and
# --policy keep answering without a question.
. "$(dirname "$0")/testlib.sh"
PTY=("$SRC/tests/cli/pty_run.py")

plugin p1 1.0.0 '"permissions": { "network": ["api.one.example"] },'
plugin p2 1.0.0 '"permissions": { "env": ["P2_TOKEN"] },'
plugin p3 1.0.0 '"permissions": { "network": ["api.three.example:8443"] },'
plugin p4 1.0.0 '"permissions": { "filesystem": [{ "path": "/srv/p4", "access": "read-only" }] },'
plugin plain 1.0.0 ''
make_repo "$T"/src/*/
make_root
granted() { nxp --json permissions "$1" | jq -c '.granted'; }
questions() { grep -o '\[y/N\]' "$T/tty" | wc -l; }

# --- no terminal: the first error names --yes and --grant for each plugin ----------------
run_rc 1 nxp install p1 p2 plain </dev/null
first_error() { grep -m1 '^nxp:' "$T/err"; }
first_error | grep -q -- "--yes" || { cat "$T/err"; fail "the first error does not name --yes"; }
first_error | grep -q -- "--grant p1 --grant p2" ||
    { cat "$T/err"; fail "the first error does not name --grant for each plugin"; }
err_has "--grant all"
assert_not_installed p1
assert_not_installed plain
# Nothing to grant: only --yes is named, as before.
run_rc 1 nxp install plain </dev/null
err_has "run again with --yes to proceed"
grep -q -- "--grant" "$T/err" && fail "a plan without grants names --grant"
# --yes alone: the grants are still refused, naming --grant.
run_rc 1 nxp --yes install p1 </dev/null
err_has "Grant with --grant NAME, --grant all or --policy FILE"
assert_not_installed p1
# --grant covering one of two: refused before anything, naming what is still needed.
run_rc 1 nxp --grant=p1 install p1 p2 </dev/null
err_has "--grant p2"
err_has "and --yes"
assert_not_installed p1
pass "without a terminal the first error names --yes and --grant NAME for each plugin"

# --- a terminal: the plan with its grants, one question -----------------------------------
rc=0
python3 "${PTY[@]}" "$T/tty" y -- "$NXP" --no-progress install p1 p2 p3 p4 plain || rc=$?
[ "$rc" = 0 ] || { cat "$T/tty"; fail "the install on a terminal failed ($rc)"; }
[ "$(questions)" = 1 ] || { cat "$T/tty"; fail "asked $(questions) questions, not one"; }
grep -q "Proceed with these changes and grant these permissions? \[y/N\]" "$T/tty" ||
    { cat "$T/tty"; fail "the question does not say that it grants"; }
grep -q "Permissions to grant:" "$T/tty" || { cat "$T/tty"; fail "no permissions in the plan"; }
for want in "p1: network api.one.example" "p2: env P2_TOKEN" "p3: network api.three.example:8443" \
    "p4: read-only /srv/p4"; do
    grep -qF "$want" "$T/tty" || { cat "$T/tty"; fail "the plan does not show '$want'"; }
done
# The permissions are shown before the question.
[ "$(grep -n "p4: read-only" "$T/tty" | head -1 | cut -d: -f1)" -lt \
    "$(grep -n 'Proceed with' "$T/tty" | cut -d: -f1)" ] || fail "permissions shown after the question"
for p in p1 p2 p3 p4 plain; do assert_installed $p 1.0.0; done
[ "$(granted p1)" = '{"network":["api.one.example"]}' ] || fail "p1 granted $(granted p1)"
granted p4 | grep -q /srv/p4 || fail "p4 granted $(granted p4)"
pass "a terminal: the plan with each plugin's permissions, one question, all granted"

# --- a terminal, answered no: nothing installed, nothing granted --------------------------
plugin q1 1.0.0 '"permissions": { "network": ["api.q1.example"] },'
plugin q2 1.0.0 '"permissions": { "env": ["Q2_TOKEN"] },'
make_repo "$T"/src/*/
run_rc 0 nxp refresh
rc=0
python3 "${PTY[@]}" "$T/tty" n -- "$NXP" --no-progress install q1 q2 || rc=$?
[ "$rc" = 1 ] || { cat "$T/tty"; fail "a refused install exited $rc"; }
[ "$(questions)" = 1 ] || { cat "$T/tty"; fail "asked $(questions) questions after a no"; }
grep -q "cancelled; nothing was changed" "$T/tty" || { cat "$T/tty"; fail "no cancel message"; }
assert_not_installed q1
# Nothing was granted: --yes alone is still refused for want of q1's grant.
run_rc 1 nxp --yes install q1 </dev/null
err_has "q1: network api.q1.example"
pass "answered no: nothing installed or granted"

# --- --grant and --policy still answer without a question ---------------------------------
run_rc 0 nxp --yes --grant=q1 --grant=q2 install q1 q2 </dev/null
assert_installed q1 1.0.0
assert_installed q2 1.0.0
pass "--yes with --grant for each plugin installs without asking"
