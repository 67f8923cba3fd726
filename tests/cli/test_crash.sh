#!/usr/bin/env bash
# Kill nxp (SIGKILL) at each named step of an install, then check that the next command
# recovers by itself: exactly one of the old or new generation is in effect, the database
# and `current` agree, nothing half-built remains, and `nxp verify` is clean.
. "$(dirname "$0")/testlib.sh"
nxp --version | grep -q "fault injection" || { echo "SKIP: not a fault-injection build"; exit 77; }
make_repo

STEPS="after-download after-extract after-journal after-generation before-switch after-switch after-commit"
for step in $STEPS; do
    rm -rf "$NXP_ROOT"
    make_root
    nxp --yes install translator-mask >/dev/null                    # generation 1
    rc=0
    NXP_CRASH_AT=$step nxp --yes --grant weather install weather >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 137 ] || fail "$step: expected a SIGKILL (137), got $rc"

    run_rc 0 nxp verify                                               # recovers, then checks
    case $step in
        after-switch|after-commit) want=2 ;;
        *) want=1 ;;
    esac
    [ "$(readlink "$NXP_ROOT/current")" = "generations/$want" ] || fail "$step: current is $(readlink "$NXP_ROOT/current"), expected generations/$want"
    gen=$(nxp list --json | jq -r .generation)
    [ "$gen" = "$want" ] || fail "$step: database says generation $gen, disk says $want"
    assert_installed translator-mask 1.0.0
    if [ "$want" = 2 ]; then assert_installed weather 1.2.0; else assert_not_installed weather; fi
    ls -a "$NXP_ROOT/generations" | grep -q '^\.tmp' && fail "$step: a temporary generation was left behind"
    [ "$want" = 2 ] || [ ! -e "$NXP_ROOT/generations/2" ] || fail "$step: the undone generation 2 is still there"
    state=$(nxp history --json | jq -r '.transactions[-1].state')
    case $step in
        after-download|after-extract) [ "$state" = done ] ;;    # crashed before journalling: no row for it
        after-switch|after-commit) [ "$state" = done ] ;;
        *) [ "$state" = undone ] ;;
    esac || fail "$step: last transaction state is $state"

    run_rc 0 nxp --yes --grant weather install weather                                # and the next change works
    assert_installed weather 1.2.0
    run_rc 0 nxp verify
    pass "crash at $step recovered"
done
