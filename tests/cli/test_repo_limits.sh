#!/usr/bin/env bash
# Root settings for repositories and packages: metadata max age (install/update refresh an
# index older than it; --offline uses it and says it is old) and the extraction caps.
. "$(dirname "$0")/testlib.sh"
make_repo "$SRC/examples/plugins/weather/" "$SRC/examples/plugins/notes-json/"

# Settings are checked before they are stored.
nxp init >/dev/null
run_rc 2 nxp init --set no.such=1
err_has "unknown setting"
run_rc 2 nxp init --set extract.max_entries=lots
err_has "extract.max_entries"
run_rc 2 nxp init --set repo.max_age=soon
run_rc 2 nxp repo add demo "file://$T/repo" --key "$T/key.pub" --max-age soon
err_has "max-age"
pass "bad settings are refused"

# A repository with a 1 s max age: a newer index is picked up by the next install.
nxp repo add demo "file://$T/repo" --key "$T/key.pub" --max-age 1s >/dev/null
run_rc 0 nxp repo list --json
jq -e '.repositories[0].max_age == "1s"' "$T/out" >/dev/null || fail "max age not stored"
plugin fresh-one 1.0.0
nxp pack "$T/src/fresh-one-1.0.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T/pkgs/fresh-one-1.0.0.nxp" --key "$T/key.key" >/dev/null
sleep 2
run_rc 3 nxp --offline --yes install fresh-one
err_has "the index of demo is [0-9]* seconds old (max age 1 second); not refreshed because of --offline"
assert_not_installed fresh-one
run_rc 0 nxp --yes install fresh-one
err_has "refreshing the index of demo"
assert_installed fresh-one 1.0.0
pass "an index older than its max age is refreshed by install; --offline says it is old"

# The default max age (24 h, or the root's repo.max_age): a fresh index is not refetched.
rm -rf "$NXP_ROOT"
nxp init >/dev/null
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
plugin later 1.0.0
nxp pack "$T/src/later-1.0.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T/pkgs/later-1.0.0.nxp" --key "$T/key.key" >/dev/null
run_rc 3 nxp --yes install later
grep -q "refreshing" "$T/err" && fail "a fresh index was refreshed"
nxp init --set repo.max_age=1s >/dev/null
sleep 2
run_rc 0 nxp --yes install later
err_has "refreshing the index of demo"
assert_installed later 1.0.0
pass "the root's repo.max_age applies to repositories without their own"

# A network failure while refreshing falls back to the cached index, with a warning (for
# update, which needs the index; remove reads the cache and never refreshes).
mv "$T/repo" "$T/repo.away"
sleep 2
run_rc 0 nxp --yes update
err_has "cannot refresh demo"
err_has "using the cached index"
run_rc 0 nxp --yes remove later
grep -q "refresh" "$T/err" && fail "remove refreshed an index it does not need"
mv "$T/repo.away" "$T/repo"
pass "an unreachable repository leaves the cached index in use"

# The extraction entry cap is a per-root setting, enforced when staging a package.
plugin many 1.0.0
for i in $(seq 1 12); do echo "$i" >"$T/src/many-1.0.0/files/f$i"; done
nxp pack "$T/src/many-1.0.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T/pkgs/many-1.0.0.nxp" --key "$T/key.key" >/dev/null
nxp refresh >/dev/null
nxp init --set extract.max_entries=8 >/dev/null
run_rc 4 nxp --yes install many
err_has "more than 8 entries"
assert_not_installed many
nxp init --set extract.max_entries=100 >/dev/null
run_rc 0 nxp --yes install many
assert_installed many 1.0.0
pass "extract.max_entries is enforced per root"
