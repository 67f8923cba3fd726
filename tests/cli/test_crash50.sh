#!/usr/bin/env bash
# A 50-package transaction killed (SIGKILL) at every named step, then recovered by the next
# command: the database, `current` and the store agree, exactly one of the old or new
# generation is in effect, and `nxp verify` is clean.
. "$(dirname "$0")/testlib.sh"
nxp --version | grep -q "fault injection" || { echo "SKIP: not a fault-injection build"; exit 77; }

# p00 … p49, each requiring the one before: installing p49 installs all 50.
for i in $(seq 0 49); do
    n=$(printf 'p%02d' "$i")
    if [ "$i" -gt 0 ]; then plugin "$n" 1.0.0 "\"requires\": [\"$(printf 'p%02d' $((i - 1))) ^1\"],"
    else plugin "$n" 1.0.0; fi
    for k in 1 2 3; do echo "$n file $k" >"$T/src/$n-1.0.0/files/f$k.txt"; done
done
make_repo "$T"/src/*/

for step in after-download after-extract after-journal after-generation before-switch after-switch after-commit; do
    rm -rf "$NXP_ROOT"
    make_root
    rc=0
    NXP_CRASH_AT=$step nxp --yes install p49 >/dev/null 2>&1 || rc=$?
    [ "$rc" -eq 137 ] || fail "$step: expected SIGKILL (137), got $rc"
    run_rc 0 nxp verify
    n=$(nxp list --json | jq '.packages | length')
    disk=$(readlink "$NXP_ROOT/current")
    db=$(nxp list --json | jq -r .generation)
    [ "$disk" = "generations/$db" ] || fail "$step: disk says $disk, database says $db"
    case $step in
        after-switch|after-commit) [ "$n" = 50 ] && [ "$db" = 1 ] ;;
        *) [ "$n" = 0 ] && [ "$db" = 0 ] ;;
    esac || fail "$step: $n packages in generation $db"
    [ "$(ls "$NXP_ROOT/current/plugins" | wc -l)" = "$n" ] || fail "$step: plugins/ disagrees with the database"
    run_rc 0 nxp --yes install p49
    [ "$(nxp list --json | jq '.packages | length')" = 50 ] || fail "$step: the next install did not complete"
    run_rc 0 nxp verify
    pass "50-package transaction killed at $step recovered"
done
