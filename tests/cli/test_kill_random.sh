#!/usr/bin/env bash
# Random SIGKILL timing (slow suite): TRIALS times, install or remove 50 plugins and kill nxp
# after a random delay. After each kill the next command must recover by itself, with the
# database and the disk in agreement and every installed file intact.
. "$(dirname "$0")/testlib.sh"
TRIALS=${NXP_KILL_TRIALS:-200}
for i in $(seq 0 49); do
    n=$(printf 'p%02d' "$i")
    if [ "$i" -gt 0 ]; then plugin "$n" 1.0.0 "\"requires\": [\"$(printf 'p%02d' $((i - 1))) ^1\"],"
    else plugin "$n" 1.0.0; fi
done
make_repo "$T"/src/*/
make_root
nxp --yes install p49 >/dev/null 2>&1
# Kill within the time a run takes on this machine (measured here, not assumed): a fixed
# range let most kills land after a run had already finished once installs got faster.
ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
t0=$(ms); nxp --yes remove p49 >/dev/null 2>&1; t1=$(ms); nxp --yes install p49 >/dev/null 2>&1; t2=$(ms)
span=$(( (t1 - t0 < t2 - t1 ? t1 - t0 : t2 - t1) ))
[ "$span" -ge 5 ] || span=5
kills=0
for trial in $(seq 1 "$TRIALS"); do
    if [ "$(nxp list --json | jq '.packages | length')" = 0 ]; then cmd=(install p49); else cmd=(remove p49); fi
    "$NXP" --yes "${cmd[@]}" >/dev/null 2>&1 &
    pid=$!
    d=$((RANDOM % span))
    sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null || true
    run_rc 0 nxp verify
    n=$(nxp list --json | jq '.packages | length')
    [ "$n" = 0 ] || [ "$n" = 50 ] || fail "trial $trial: $n packages installed, expected 0 or 50"
    [ "$(readlink "$NXP_ROOT/current")" = "generations/$(nxp list --json | jq -r .generation)" ] \
        || fail "trial $trial: current and the database disagree"
done
[ "$kills" -ge $((TRIALS / 4)) ] || fail "only $kills of $TRIALS kills landed mid-run: the timing no longer tests anything"
pass "$TRIALS random kills ($kills landed mid-run), every one recovered"
