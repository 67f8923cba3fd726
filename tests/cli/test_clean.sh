#!/usr/bin/env bash
# Issue 18 item 2: install/update --download-only fill the package cache and change nothing
# else; nxp clean removes cached packages no kept generation needs, stale .part files and
# old index copies, says how much it freed; --dry-run only lists.
. "$(dirname "$0")/testlib.sh"

plugin a 1.0.0
plugin b 1.0.0 '"requires": ["a ^1"],'
make_repo "$T/src/a-1.0.0" "$T/src/b-1.0.0"
make_root
PKGS=$NXP_ROOT/cache/packages
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
sha_a=$(sha_of "$T/pkgs/a-1.0.0.nxp")
sha_b=$(sha_of "$T/pkgs/b-1.0.0.nxp")
snapshot() { readlink "$NXP_ROOT/current" || true; nxp list --json | jq -c .packages; nxp history --json | jq -c '.transactions | length'; }

# --- --download-only ------------------------------------------------------------------------
before=$(snapshot)
run_rc 0 nxp install --download-only b
out_has "Downloaded"
out_has "nothing was installed"
[ -f "$PKGS/$sha_a.nxp" ] && [ -f "$PKGS/$sha_b.nxp" ] || fail "--download-only did not fill the cache"
[ "$(snapshot)" = "$before" ] || fail "--download-only changed more than the cache"
[ ! -d "$NXP_ROOT/store" ] || [ -z "$(ls -A "$NXP_ROOT/store")" ] || fail "--download-only extracted into the store"
rm "$PKGS/$sha_b.nxp"
run_rc 0 nxp --json install --download-only b
jq -e '.download_only == true and .applied == false and .download_bytes > 0' "$T/out" >/dev/null ||
    fail "--json: $(cat "$T/out")"
[ "$(snapshot)" = "$before" ] || fail "--download-only --json changed more than the cache"
pass "install --download-only fills the cache and changes nothing else"

# What was downloaded installs without the network.
mv "$T/repo" "$T/repo.away"
run_rc 0 nxp --offline --yes install b
mv "$T/repo.away" "$T/repo"
assert_installed b 1.0.0
pass "an install after --download-only needs no network"

# update --download-only: the new version is fetched, nothing is updated.
plugin a 1.1.0
nxp pack "$T/src/a-1.1.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T/pkgs/a-1.1.0.nxp" --key "$T/key.key" --id demo >/dev/null
sha_a11=$(sha_of "$T/pkgs/a-1.1.0.nxp")
run_rc 0 nxp refresh
before=$(snapshot)
run_rc 0 nxp --yes update --download-only
[ -f "$PKGS/$sha_a11.nxp" ] || fail "update --download-only did not fetch a 1.1.0"
[ "$(snapshot)" = "$before" ] || fail "update --download-only changed more than the cache"
assert_installed a 1.0.0
pass "update --download-only fetches the update and applies nothing"

# --- clean ------------------------------------------------------------------------------------
head -c 200000 /dev/urandom >"$PKGS/$sha_a11.nxp.part"
head -c 1000 /dev/urandom >"$PKGS/.tmp-local-1-2"
mkdir -p "$NXP_ROOT/cache/repos/gone"
head -c 50000 /dev/urandom >"$NXP_ROOT/cache/repos/gone/index.json.zst"
head -c 300 /dev/urandom >"$NXP_ROOT/cache/repos/demo/index.json.zst.tmp-abc"
echo outside >"$T/victim"
ln -s "$T/victim" "$PKGS/$(printf '%064d' 0).nxp"
before_files=$(find "$NXP_ROOT/cache" | sort)
run_rc 0 nxp --dry-run clean
out_has "would free"
out_has "$sha_a11.nxp.part"
out_has "cache/repos/gone"
[ "$(find "$NXP_ROOT/cache" | sort)" = "$before_files" ] || fail "--dry-run clean removed something"
run_rc 0 nxp --json --dry-run clean
jq -e '.dry_run == true and .freed_bytes > 250000' "$T/out" >/dev/null || fail "dry-run --json: $(cat "$T/out")"
pass "clean --dry-run lists what would go and removes nothing"

run_rc 0 nxp --json clean
jq -e '.dry_run == false and .freed_bytes > 250000' "$T/out" >/dev/null || fail "--json: $(cat "$T/out")"
jq -e --arg s "cache/packages/$sha_a11.nxp" '[.packages[].path] | index($s) != null' "$T/out" >/dev/null ||
    fail "the downloaded update is not in .packages: $(cat "$T/out")"
jq -e --arg s "cache/packages/$sha_a11.nxp.part" '[.partial[].path] | index($s) != null' "$T/out" >/dev/null ||
    fail "the .part is not in .partial: $(cat "$T/out")"
jq -e '[.indexes[].path] | index("cache/repos/gone") != null and index("cache/repos/demo/index.json.zst.tmp-abc") != null' "$T/out" >/dev/null ||
    fail "old index copies are not in .indexes: $(cat "$T/out")"
[ ! -e "$PKGS/$sha_a11.nxp.part" ] || fail "the .part is still there"
[ ! -e "$PKGS/.tmp-local-1-2" ] || fail "the temporary file is still there"
[ ! -e "$PKGS/$sha_a11.nxp" ] || fail "a package no generation needs is still there"
[ ! -e "$NXP_ROOT/cache/repos/gone" ] || fail "the index of a removed repository is still there"
[ ! -e "$NXP_ROOT/cache/repos/demo/index.json.zst.tmp-abc" ] || fail "the stale index copy is still there"
[ -f "$PKGS/$sha_a.nxp" ] && [ -f "$PKGS/$sha_b.nxp" ] || fail "clean removed packages the current generation needs"
[ -f "$NXP_ROOT/cache/repos/demo/index.json.zst" ] || fail "clean removed the index in use"
[ ! -L "$PKGS/$(printf '%064d' 0).nxp" ] || fail "a symlink in the cache was kept"
[ "$(cat "$T/victim")" = outside ] || fail "clean followed a symlink"
pass "clean removes unneeded packages, .part and temporary files, old index copies; keeps what is used"

# Human output: "freed N B" with the counts; the repository still works.
head -c 4096 /dev/urandom >"$PKGS/x.part"
run_rc 0 nxp clean
out_has "freed 4.0 KiB"
run_rc 0 nxp clean
out_has "freed 0 B"
run_rc 0 nxp --yes update
assert_installed a 1.1.0
pass "clean says how much it freed; the root keeps working"
