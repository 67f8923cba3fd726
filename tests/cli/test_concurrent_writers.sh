#!/usr/bin/env bash
# Two writers at once on one root (DESIGN §5: one exclusive lock, readers never block): the
# second writer waits for the first and then succeeds, or with --no-wait fails at once with
# the Locked error (exit 6, nxp(1)) and changes nothing; readers (`list --json`,
# `history --json`) polling throughout only ever see committed states, never an error, and
# `nxp doctor` finds the root healthy afterwards.
. "$(dirname "$0")/testlib.sh"

# slow: its post-install hook marks that it runs (the transaction holds the lock by then)
# and sleeps, so that the first writer holds the lock for a known while.
mkdir -p "$T/src/slow/files/scripts"
cat >"$T/src/slow/plugin.json" <<'JSON'
{ "name": "slow", "version": "1.0.0", "kind": "library", "summary": "a hook that takes its time",
  "hooks": { "post-install": "scripts/hook.sh" } }
JSON
printf '#!/bin/sh\necho running >"$HOME/hook-running"\nsleep 8\n' >"$T/src/slow/files/scripts/hook.sh"
chmod +x "$T/src/slow/files/scripts/hook.sh"
make_repo "$SRC"/examples/plugins/*/ "$T/src/slow"
make_root

# Readers: `list --json` and `history --json` in a loop until $T/stop exists, each answer
# kept with its exit code.
mkdir -p "$T/reads"
reader() {  # KIND
    local i=0 rc
    while [ ! -e "$T/stop" ] && [ -d "$T/reads" ]; do
        i=$((i + 1))
        rc=0
        nxp "$1" --json >"$T/reads/$1.$i.out" 2>"$T/reads/$1.$i.err" || rc=$?
        echo "$rc" >"$T/reads/$1.$i.rc"
    done
}
reader list &
LIST_PID=$!
reader history &
HISTORY_PID=$!
stop_readers() {
    touch "$T/stop"
    wait "$LIST_PID" "$HISTORY_PID" || true
}
# However the script ends, no reader or writer outlives it.
cleanup() {
    touch "$T/stop" 2>/dev/null || true
    local pids
    pids=$(jobs -p)
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
    wait || true
    rm -rf "$T"
}
trap cleanup EXIT

# Writer 1 installs slow; once its hook runs, it holds the lock.
nxp --yes install slow >"$T/w1.out" 2>"$T/w1.err" &
W1=$!
for _ in $(seq 200); do [ -e "$NXP_ROOT/state/slow/hook-running" ] && break; sleep 0.05; done
[ -e "$NXP_ROOT/state/slow/hook-running" ] || { stop_readers; cat "$T/w1.err"; fail "writer 1's hook never ran"; }

# While it does: --no-wait fails at once with the Locked error, in text and in JSON (had
# either waited, writer 1 would have finished by the check below).
run_rc 6 nxp --no-wait --yes install writing-prompts
err_has "nxp: $NXP_ROOT/lock: another nxp is changing this root (run again later, or without --no-wait to wait for it)"
run_rc 6 nxp --no-wait --json --yes config slow key value
jq -e '.ok == false and .error.kind == "locked" and .error.context == "'"$NXP_ROOT/lock"'"' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "--no-wait --json: not a locked error"; }
kill -0 "$W1" 2>/dev/null || fail "writer 1 finished before --no-wait returned: it waited, or the test proved nothing"

# A second writer without --no-wait waits for the first, then installs.
nxp --yes install writing-prompts >"$T/w2.out" 2>"$T/w2.err" &
W2=$!
rc1=0; wait "$W1" || rc1=$?
rc2=0; wait "$W2" || rc2=$?
[ "$rc1" = 0 ] || { cat "$T/w1.err"; stop_readers; fail "writer 1 exited $rc1"; }
[ "$rc2" = 0 ] || { cat "$T/w2.err"; stop_readers; fail "writer 2 exited $rc2"; }
grep -q "waiting for another nxp to finish with $NXP_ROOT" "$T/w2.err" \
    || { cat "$T/w2.err"; stop_readers; fail "writer 2 did not say that it waited"; }
pass "--no-wait fails with exit 6 and the Locked error; a second writer waits, then succeeds"

# Then two writers started together, with nothing arranged between them: a remove and an
# install, twice over; both succeed one after the other, whichever goes first.
for round in 1 2; do
    nxp --yes install translator-mask >"$T/a.$round.err" 2>&1 &
    A=$!
    nxp --yes remove writing-prompts >"$T/b.$round.err" 2>&1 &
    B=$!
    rca=0; wait "$A" || rca=$?
    rcb=0; wait "$B" || rcb=$?
    [ "$rca" = 0 ] && [ "$rcb" = 0 ] \
        || { cat "$T/a.$round.err" "$T/b.$round.err"; stop_readers; fail "round $round: exits $rca and $rcb"; }
    nxp --yes remove translator-mask >/dev/null 2>&1 &
    A=$!
    nxp --yes install writing-prompts >/dev/null 2>&1 &
    B=$!
    rca=0; wait "$A" || rca=$?
    rcb=0; wait "$B" || rcb=$?
    [ "$rca" = 0 ] && [ "$rcb" = 0 ] || { stop_readers; fail "round $round (back): exits $rca and $rcb"; }
done
stop_readers
pass "concurrent writers without --no-wait all succeed"

# The end state: ten transactions (2, then 4 per round), all done, each one generation on
# from the last, and current agrees.
run_rc 0 nxp history --json
jq -e '[.transactions[] | .state] | length == 10 and all(. == "done")' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "not ten done transactions"; }
jq -e '.transactions | sort_by(.id) | to_entries
       | all(.value.from_generation == .key and .value.to_generation == .key + 1)' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "transactions do not chain generation to generation"; }
[ "$(readlink "$NXP_ROOT/current")" = generations/10 ] || fail "current is not generation 10"
[ "$(installed | cut -d' ' -f1 | sort | tr '\n' ' ')" = "slow writing-prompts " ] \
    || { installed; fail "end state"; }
run_rc 0 nxp doctor
out_has "No problems found"
pass "history, current and the installed set agree; doctor finds nothing"

# The sets each generation can hold, whichever of two simultaneous writers went first: from
# {slow writing-prompts}, install translator-mask ∥ remove writing-prompts passes through
# all three or through slow alone, then {slow translator-mask}; the way back likewise.
committed() {  # GEN SET: succeeds when generation GEN may hold SET
    case $1 in
        0) [ "$2" = "" ] ;;
        1) [ "$2" = "slow" ] ;;
        2 | 6 | 10) [ "$2" = "slow writing-prompts" ] ;;
        4 | 8) [ "$2" = "slow translator-mask" ] ;;
        3 | 5 | 7 | 9) [ "$2" = "slow translator-mask writing-prompts" ] || [ "$2" = "slow" ] ;;
        *) false ;;
    esac
}
# list: every answer is exit 0, JSON, and a committed generation with exactly its set.
n=0
gens=""
for rcf in "$T"/reads/list.*.rc; do
    out=${rcf%.rc}.out
    n=$((n + 1))
    [ "$(cat "$rcf")" = 0 ] || { cat "${rcf%.rc}.err"; fail "a reader's list exited $(cat "$rcf")"; }
    seen=$(jq -r '"\(.generation)|\([.packages[].name] | sort | join(" "))"' "$out") \
        || { cat "$out"; fail "a reader's list is not JSON"; }
    committed "${seen%%|*}" "${seen#*|}" || { cat "$out"; fail "list saw generation ${seen%%|*} holding '${seen#*|}'"; }
    gens="$gens ${seen%%|*}"
done
[ "$n" -ge 5 ] || fail "the list reader ran only $n time(s)"
echo "list saw generations:$(tr ' ' '\n' <<<"$gens" | sort -nu | tr '\n' ' ') in $n answers"
# history: every answer succeeds; at most one transaction is unfinished (the lock admits one
# writer) and only as pending or staged; the finished ones chain from generation 0.
n=0
for rcf in "$T"/reads/history.*.rc; do
    out=${rcf%.rc}.out
    n=$((n + 1))
    [ "$(cat "$rcf")" = 0 ] || { cat "${rcf%.rc}.err"; fail "a reader's history exited $(cat "$rcf")"; }
    jq -e '[.transactions[] | select(.state != "done")] | length <= 1 and
           all(.state == "pending" or .state == "staged")' "$out" >/dev/null \
        || { cat "$out"; fail "history showed two unfinished transactions, or a failed one"; }
    jq -e '[.transactions[] | select(.state == "done")] | sort_by(.id) | to_entries
           | all(.value.id == .key + 1 and .value.from_generation == .key
                 and .value.to_generation == .key + 1)' "$out" >/dev/null \
        || { cat "$out"; fail "history's finished transactions do not chain"; }
done
[ "$n" -ge 5 ] || fail "the history reader ran only $n time(s)"
pass "readers saw only committed states, never an error ($n history answers)"
