#!/usr/bin/env bash
# Ctrl-C (issue 18 item 13): SIGINT during a slow download, before the switch and after it.
# nxp clears its progress, says what was changed ("interrupted; nothing was changed" before the
# switch), exits 130, and leaves the root whole: doctor finds nothing, list is as before, and
# the next transaction works.
. "$(dirname "$0")/testlib.sh"
. "$SRC/tests/security/servers.sh"
export NXP_LOW_SPEED_TIME=60  # the drip must not be cut off by the stall timeout first
nxp --version | grep -q "fault injection" || { echo "SKIP: needs -Dfault_injection=true"; exit 77; }

make_repo
start_faultserver "$T/repo"
URL=http://127.0.0.1:$PORT
nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "$URL/drip" --key "$T/key.pub" >/dev/null

# bg_nxp ARGS…: runs nxp in the background with stdout and stderr in $T/out and $T/err; $BG is
# its pid. (A background job of a script starts with SIGINT ignored; nxp sets its own handler.)
bg_nxp() { "$NXP" "$@" >"$T/out" 2>"$T/err" & BG=$!; }
# wait_for WHAT CMD…: until CMD succeeds (10 s at most).
wait_for() {
    local what=$1 i; shift
    for i in $(seq 200); do "$@" && return 0; sleep 0.05; done
    cat "$T/err"; fail "timed out waiting for $what"
}
# interrupt WANT_RC: SIGINT to $BG; its exit code must be WANT_RC.
interrupt() {
    local rc=0
    kill -INT "$BG"
    wait "$BG" || rc=$?
    [ "$rc" -eq "$1" ] || { cat "$T/err"; fail "exit $rc after SIGINT, expected $1"; }
}
intact() {  # the root is consistent: doctor finds nothing wrong, no staged generation is left
    nxp doctor >"$T/doctor" 2>&1 || { cat "$T/doctor"; fail "$1: doctor finds a problem"; }
    [ "$(ls "$NXP_ROOT/generations")" = "$GENS" ] ||
        fail "$1: generations are $(ls "$NXP_ROOT/generations" | tr '\n' ' '), not $GENS"
}
GENS=$(ls "$NXP_ROOT/generations")

# 1. During a download that dribbles a byte a second.
start=$(date +%s)
bg_nxp --yes --grant all install weather
part_exists() { find "$NXP_ROOT/cache" -name '*.part' 2>/dev/null | grep -q .; }
wait_for "the download to start" part_exists
interrupt 130
[ $(( $(date +%s) - start )) -lt 15 ] || fail "the interrupt did not stop the download at once"
grep -q "interrupted; nothing was changed" "$T/err" || { cat "$T/err"; fail "download: message"; }
! grep -q "download stopped" "$T/err" || { cat "$T/err"; fail "download: a per-file error leaks"; }
assert_not_installed weather
intact "download"
pass "SIGINT during a download: nothing changed, exit 130"

# The package from a plain server from now on (the .part of the drip resumes from there).
nxp repo remove demo >/dev/null
nxp repo add demo "$URL/ok" --key "$T/key.pub" >/dev/null
GENS=$(ls "$NXP_ROOT/generations")

# 2. In the transaction, with the new generation built and checked, just before the switch.
NXP_PAUSE_AT=before-switch bg_nxp --yes --grant all install weather
paused() { grep -q "paused at before-switch" "$T/err"; }
wait_for "the pause before the switch" paused
interrupt 130
grep -q "interrupted; nothing was changed" "$T/err" || { cat "$T/err"; fail "before-switch: message"; }
assert_not_installed weather
intact "before the switch"
nxp history --json | jq -e '[.transactions[] | select(.state == "failed")] | length >= 1' >/dev/null ||
    { nxp history; fail "before-switch: the journal does not record the stopped transaction"; }
pass "SIGINT before the switch: nothing changed, journal says failed, exit 130"

# 3. After the switch the change is completed, and the message says it was made.
NXP_PAUSE_AT=after-switch bg_nxp --yes --grant all install weather
paused() { grep -q "paused at after-switch" "$T/err"; }
wait_for "the pause after the switch" paused
interrupt 130
grep -q "interrupted after the change was made" "$T/err" || { cat "$T/err"; fail "after-switch: message"; }
assert_installed weather 1.2.0
nxp doctor >"$T/doctor" 2>&1 || { cat "$T/doctor"; fail "after-switch: doctor finds a problem"; }
pass "SIGINT after the switch: the change completed, exit 130"

# 4. Ctrl-C typed at the question, on a terminal: nothing changes.
rc=0
python3 "$SRC/tests/cli/pty_interrupt.py" "$T/tty" -- "$NXP" remove weather || rc=$?
[ "$rc" -eq 130 ] || { cat "$T/tty"; fail "Ctrl-C at the question: exit $rc, expected 130"; }
grep -q "interrupted; nothing was changed" "$T/tty" || { cat "$T/tty"; fail "question: message"; }
assert_installed weather 1.2.0
pass "Ctrl-C at the question: nothing changed, exit 130"

# 5. The root works afterwards: remove and install again.
nxp --yes remove weather >/dev/null
assert_not_installed weather
nxp --yes --grant all install weather >/dev/null
assert_installed weather 1.2.0
pass "the next transactions work"
