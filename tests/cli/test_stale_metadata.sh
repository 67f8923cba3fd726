#!/usr/bin/env bash
# Expired or unreachable metadata never traps the user (issue 18 item 10): with the repository
# gone or its index expired, remove, rollback, list, info, search and doctor still work; only
# what needs the index (install, update) refuses. The warning about --offline appears only
# when --offline was given, and ages are printed in one unit.
. "$(dirname "$0")/testlib.sh"
command -v minisign >/dev/null || { echo "SKIP: minisign is needed to sign an expired index"; exit 77; }

plugin alpha 1.0.0
plugin beta 1.0.0 '"requires": ["alpha ^1"],'
plugin gamma 1.0.0
plugin delta 1.0.0
make_repo "$T/src/alpha-1.0.0" "$T/src/beta-1.0.0" "$T/src/gamma-1.0.0" "$T/src/delta-1.0.0"
make_root
run_rc 0 nxp --yes install beta
run_rc 0 nxp --yes install gamma

no_offline_note() {
    ! grep -q -- "--offline" "$T/err" || { cat "$T/err"; fail "$1: mentions --offline, which was not given"; }
}
# Ages in one unit: "3 days", "25 hours", "2 seconds" — never "3d 4h" or "1d2h".
one_unit() {
    ! grep -Eq '[0-9]+[dhms] ?[0-9]+[dhms]' "$T/err" "$T/out" || { cat "$T/err"; fail "$1: an age in mixed units"; }
}

# 1. The repository is gone (its directory deleted on the server) and the index is past its
#    max age: nothing that reads or removes stops; an install of something not cached does.
nxp init --set repo.max_age=1s >/dev/null
sleep 2
mv "$T/repo" "$T/repo.gone"
run_rc 0 nxp list
out_has "beta"
run_rc 0 nxp info beta
out_has "1.0.0"
no_offline_note "info"
run_rc 0 nxp search gamma
no_offline_note "search"
run_rc 0 nxp list --available
no_offline_note "list --available"
run_rc 0 nxp list --upgradable
no_offline_note "list --upgradable"
run_rc 0 nxp --yes remove gamma
grep -q "cannot refresh" "$T/err" && fail "remove went to the network for an index it does not need"
no_offline_note "remove"
assert_not_installed gamma
run_rc 0 nxp --yes rollback
assert_installed gamma 1.0.0
run_rc 0 nxp doctor
run_rc 5 nxp --yes install delta
err_has "cannot refresh demo"
assert_not_installed delta
pass "repository gone: list, info, search, remove, rollback, doctor work; install refuses"
mv "$T/repo.gone" "$T/repo"

# 2. The cached index has expired since it was accepted (signed with the publisher's key, so
#    only its expiry is wrong, as after weeks without a refresh).
nxp init --set repo.max_age=24h >/dev/null
cache=$NXP_ROOT/cache/repos/demo
zstd -dc "$cache/index.json.zst" | jq -c '.generated = 1000000000 | .expires = 1000086400' \
    | zstd -q -19 -o "$T/expired.zst" -f
mv "$T/expired.zst" "$cache/index.json.zst"
rm -f "$cache/index.json.zst.minisig" "$cache/repo.solv" "$cache/graph.db"
minisign -S -s "$T/key.key" -m "$cache/index.json.zst" -t "expired" </dev/null >/dev/null 2>&1 \
    || fail "minisign could not sign the index"
sqlite3 "$NXP_ROOT/nxp.db" "UPDATE repos SET last_sha256 = '$(sha256sum "$cache/index.json.zst" | cut -d' ' -f1)'"

run_rc 0 nxp list
run_rc 0 nxp info beta
err_has "the index of demo expired [0-9]* days ago"
out_has "1.0.0"
one_unit "info"
no_offline_note "info"
run_rc 0 nxp search alpha
out_has "alpha"
run_rc 0 nxp list --available
out_has "delta"
run_rc 0 nxp --json list --upgradable
run_rc 1 nxp doctor
out_has "\[index\] demo: its index expired [0-9]* days ago"
one_unit "doctor"
run_rc 0 nxp --yes remove beta
err_has "expired"
assert_not_installed beta
run_rc 0 nxp --yes rollback
assert_installed beta 1.0.0
run_rc 4 nxp --yes install delta
err_has "expired"
assert_not_installed delta
run_rc 4 nxp --yes update
err_has "expired"
pass "expired index: list, info, search, doctor, remove, rollback work; install and update refuse"

# 3. The --offline note only with --offline, its ages in one unit.
rm -rf "$NXP_ROOT"
make_root
nxp init --set repo.max_age=1s >/dev/null
run_rc 0 nxp --yes install alpha
sleep 2
run_rc 0 nxp info alpha
no_offline_note "info of a stale index"
run_rc 0 nxp --offline --yes install alpha
err_has "the index of demo is [0-9]* seconds old (max age 1 second); not refreshed because of --offline"
one_unit "--offline install"
pass "the --offline note appears only with --offline"
