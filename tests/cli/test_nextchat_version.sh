#!/usr/bin/env bash
# NextChat's version behind the `nextchat` virtual package (issue 17, item 4): detected from the
# Docker image's build output, unknown on a volume that names it nowhere (a warning in init,
# nextchat set, nextchat status and doctor naming the command that sets it, and the hint in an
# unsolvable install), set explicitly and then never overwritten by detection, and detected
# again at each transaction and by status when a checkout's tauri.conf.json changes.
. "$(dirname "$0")/testlib.sh"

setting() { sqlite3 "$NXP_ROOT/nxp.db" "SELECT value FROM settings WHERE key='$1'"; }
plugin needs-217 1.0.0 '"requires": ["nextchat >= 2.17"],'
make_repo "$SRC"/examples/plugins/*/ "$T/src/needs-217-1.0.0"

# --- the official image's /app, with its Next.js build output ---------------------------------
cp -r "$SRC/tests/nextchat/fixtures/nextchat-docker" "$T/app"
run_rc 0 nxp init --nextchat "$T/app"
! grep -q "warning" "$T/err" || { cat "$T/err"; fail "init warned about a detected version"; }
[ "$(setting nextchat.version)" = 2.16.0 ] || fail "the image's version was not detected"
[ "$(setting nextchat.version_source)" = .next/server/app/index.html ] || fail "wrong source"
run_rc 0 nxp nextchat status
out_has "Version     2.16.0 (from .next/server/app/index.html)"
nxp --json nextchat status | jq -e '.version == "2.16.0" and .version_source == ".next/server/app/index.html"' \
    >/dev/null || fail "--json status lacks version and version_source"
pass "the Docker image's build output names the version"

# --- a volume that names no version (no src-tauri/, package.json without one, no build) -------
rm -rf "$T/root" "$T/app/.next"
cmd="nxp nextchat set $T/app --nextchat-version V"
run_rc 0 nxp init --nextchat "$T/app"
err_has "warning: the NextChat version is unknown"
err_has "$cmd"
[ -z "$(setting nextchat.version)" ] || fail "a version was recorded from nowhere"
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
run_rc 0 nxp nextchat status
err_has "$cmd"
out_has "Version     unknown"
run_rc 1 nxp doctor
out_has "warning \[nextchat\] version: the NextChat version is unknown"
out_has "fix: $cmd"
{ nxp --json doctor || true; } | jq -e --arg fix "$cmd" '.findings | any(.check == "nextchat" and .subject == "version" and .fix == $fix)' \
    >/dev/null || fail "doctor --json lacks the version finding"
run_rc 0 nxp nextchat set "$T/app"
err_has "$cmd"
pass "an unknown version is a warning in init, nextchat set, status and doctor, with the command"

run_rc 3 nxp --yes install translator-mask
grep -q "nothing provides nextchat >= 2.10 needed by translator-mask 1.0.0; the NextChat version is unknown; set it with '$cmd'" \
    "$T/out" "$T/err" || { cat "$T/out" "$T/err"; fail "the unsolvable install does not say how to set the version"; }
{ nxp --json --yes install translator-mask 2>/dev/null || true; } | jq -e '.unsolvable[0].problem | contains("the NextChat version is unknown")' \
    >/dev/null || fail "--json unsolvable lacks the hint"
assert_not_installed translator-mask
pass "installing a plugin that requires nextchat says the version is unknown and how to set it"

run_rc 0 nxp nextchat set "$T/app" --nextchat-version v2.16.0
out_has "version 2.16.0, set explicitly"
[ "$(setting nextchat.version_source)" = explicit ] || fail "not recorded as explicit"
run_rc 0 nxp --yes install translator-mask
assert_installed translator-mask 1.0.0
run_rc 0 nxp nextchat status
out_has "Version     2.16.0 (set explicitly)"
! grep -q "unknown" "$T/err" || fail "status still warns"
run_rc 0 nxp doctor
pass "nxp nextchat set DIR --nextchat-version 2.16.0: installs, status and doctor are content"

# --- a checkout upgraded in place -------------------------------------------------------------
rm -rf "$T/root"
cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
CONF=$T/nc/src-tauri/tauri.conf.json
set_tauri() { jq --arg v "$1" '.package.version = $v' "$CONF" >"$T/conf" && cp "$T/conf" "$CONF"; }
run_rc 0 nxp init --nextchat "$T/nc"
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
[ "$(setting nextchat.version_source)" = src-tauri/tauri.conf.json ] || fail "wrong source"
run_rc 3 nxp --yes install needs-217
grep -q "needs-217 1.0.0 requires nextchat >= 2.17, but the host has nextchat 2.16.0" "$T/out" "$T/err" \
    || { cat "$T/out" "$T/err"; fail "needs-217 should need a newer NextChat"; }
set_tauri 2.17.0
run_rc 0 nxp nextchat status
out_has "Version     2.17.0 (from src-tauri/tauri.conf.json); 2.16.0 recorded until the next transaction"
nxp --json nextchat status | jq -e '.version == "2.17.0" and .version_recorded == "2.16.0"
    and .version_source == "src-tauri/tauri.conf.json"' >/dev/null || fail "--json status: not re-detected"
run_rc 0 nxp --yes install needs-217
err_has "NextChat is now 2.17.0 (was 2.16.0, from $CONF)"
assert_installed needs-217 1.0.0
[ "$(setting nextchat.version)" = 2.17.0 ] || fail "the transaction did not record the new version"
run_rc 0 nxp nextchat status
out_has "Version     2.17.0 (from src-tauri/tauri.conf.json)"
run_rc 0 nxp --yes install translator-mask
! grep -q "NextChat is now" "$T/err" || fail "an unchanged version was announced"
pass "a changed tauri.conf.json is re-detected by status and recorded at the next transaction"

run_rc 0 nxp nextchat set "$T/nc" --nextchat-version 2.17.5
set_tauri 2.18.0
run_rc 0 nxp --yes remove translator-mask
! grep -q "NextChat is now" "$T/err" || fail "detection overwrote an explicit version"
[ "$(setting nextchat.version)" = 2.17.5 ] || fail "the explicit version was overwritten"
run_rc 0 nxp nextchat status
out_has "Version     2.17.5 (set explicitly)"
run_rc 0 nxp nextchat set "$T/nc"
[ "$(setting nextchat.version)" = 2.17.5 ] || fail "nextchat set without a version dropped the explicit one"
run_rc 0 nxp nextchat set "$T/nc" --nextchat-version detect
if [ "$(setting nextchat.version)" != 2.18.0 ] || [ "$(setting nextchat.version_source)" != src-tauri/tauri.conf.json ]; then
    fail "--nextchat-version detect did not detect again"
fi
pass "an explicit version is not overwritten by detection; 'detect' detects again"

# A file that names no version any more keeps the recorded one, with a warning.
set_tauri latest
run_rc 0 nxp nextchat status
err_has "warning: cannot detect NextChat's version: $CONF: package.version: \"latest\" is not a version"
out_has "Version     2.18.0 (from src-tauri/tauri.conf.json)"
run_rc 0 nxp --yes install translator-mask
err_has "warning: cannot detect NextChat's version"
[ "$(setting nextchat.version)" = 2.18.0 ] || fail "an unreadable version replaced the recorded one"
pass "an unreadable version keeps the recorded one, with a warning"

# nxp apply is a transaction too: it detects again before it resolves.
set_tauri 2.19.0
key=$(tail -n 1 "$T/key.pub")
cat >"$T/desired.json" <<JSON
{ "format": 1,
  "repositories": { "demo": { "url": "file://$T/repo", "keys": ["$key"] } },
  "plugins": { "needs-217": {}, "translator-mask": {} } }
JSON
run_rc 0 nxp --yes apply "$T/desired.json"
err_has "NextChat is now 2.19.0 (was 2.18.0, from $CONF)"
[ "$(setting nextchat.version)" = 2.19.0 ] || fail "apply did not record the new version"
pass "nxp apply detects the version again"

# An explicit version belongs to its directory: pointing nxp at another one detects there.
run_rc 0 nxp nextchat set "$T/nc" --nextchat-version 2.19.5
cp -r "$SRC/tests/nextchat/fixtures/nextchat-docker" "$T/app2"
run_rc 0 nxp nextchat set "$T/app2"
out_has "version 2.16.0, from .next/server/app/index.html"
[ "$(setting nextchat.version_source)" = .next/server/app/index.html ] || fail "the old explicit version stayed"
pass "an explicit version is kept for its own directory only"

# The image upgraded (its build output names 2.20.0): --dry-run says so and records nothing;
# the next transaction records it.
sed -i 's/v2\.16\.0/v2.20.0/' "$T/app2/.next/server/app/index.html"
run_rc 0 nxp --dry-run --yes remove translator-mask
err_has "NextChat is now 2.20.0 (was 2.16.0, from $T/app2/.next/server/app/index.html; not recorded: --dry-run)"
[ "$(setting nextchat.version)" = 2.16.0 ] || fail "--dry-run recorded the version"
run_rc 0 nxp --yes remove translator-mask
err_has "NextChat is now 2.20.0 (was 2.16.0, from $T/app2/.next/server/app/index.html)"
[ "$(setting nextchat.version)" = 2.20.0 ] || fail "the image's new version was not recorded"
pass "an upgraded image is detected again; --dry-run records nothing"

# A root from an nxp before version_source: a version that detection confirms is adopted; one
# it contradicts (it may have been given) stays, with a warning saying how to choose.
sqlite3 "$NXP_ROOT/nxp.db" "DELETE FROM settings WHERE key='nextchat.version_source'"
run_rc 0 nxp --yes install translator-mask
[ "$(setting nextchat.version_source)" = .next/server/app/index.html ] || fail "a confirmed legacy version was not adopted"
! grep -q "NextChat is now" "$T/err" || fail "adopting the same version was announced"
sqlite3 "$NXP_ROOT/nxp.db" "DELETE FROM settings WHERE key='nextchat.version_source'; UPDATE settings SET value='2.15.0' WHERE key='nextchat.version'"
run_rc 0 nxp nextchat status
err_has "NextChat in $T/app2 names 2.20.0 (.next/server/app/index.html) but 2.15.0 is recorded"
err_has "nxp nextchat set $T/app2 --nextchat-version detect"
out_has "Version     2.15.0 (source not recorded)"
run_rc 0 nxp --yes remove translator-mask
[ "$(setting nextchat.version)" = 2.15.0 ] || fail "a legacy version detection contradicts was overwritten"
err_has "but 2.15.0 is recorded"
pass "a version recorded by an earlier nxp: adopted when confirmed, kept with a warning when not"
