#!/usr/bin/env bash
# Publisher commands: reproducible pack, lint, repo build versions and signatures.
. "$(dirname "$0")/testlib.sh"

nxp key generate -o "$T/key" >/dev/null
[ "$(stat -c %a "$T/key.key")" = 600 ] || fail "the secret key must be mode 0600"
run_rc 1 nxp key generate -o "$T/key"
err_has "exists"
pass "key generate refuses to overwrite"

mkdir -p "$T/a" "$T/b"
nxp pack "$SRC/examples/plugins/weather" -o "$T/a/" >/dev/null
touch -d '2001-01-01' "$SRC/examples/plugins/weather/files/server.js" 2>/dev/null || true
cp -r "$SRC/examples/plugins/weather" "$T/weather-copy"
touch "$T/weather-copy/files/server.js"; chmod 600 "$T/weather-copy/plugin.json"
nxp pack "$T/weather-copy" -o "$T/b/" >/dev/null
cmp "$T/a/weather-1.2.0.nxp" "$T/b/weather-1.2.0.nxp" || fail "pack is not reproducible"
zstd -dc "$T/a/weather-1.2.0.nxp" | tar -tvf - >"$T/listing"
head -1 "$T/listing" | grep -q ' plugin.json$' || fail "plugin.json must be the first entry"
grep -q 'root/root\|0/0' "$T/listing" || true
pass "pack is reproducible and plugin.json comes first"

# -o DIR/ creates DIR; -o missing/FILE names the missing directory and writes nothing.
nxp pack "$SRC/examples/plugins/weather" -o "$T/new/dir/" >/dev/null
[ -f "$T/new/dir/weather-1.2.0.nxp" ] || fail "-o DIR/ did not create DIR"
run_rc 1 nxp pack "$SRC/examples/plugins/weather" -o "$T/nowhere/w.nxp"
err_has "directory $T/nowhere does not exist"
[ ! -e "$T/nowhere" ] || fail "pack created $T/nowhere"
pass "pack -o creates a directory only when asked to"

plugin broken 1.0.0 '"requires": ["nope >= x"],'
run_rc 1 nxp lint "$T/src/broken-1.0.0"
err_has "requires\[0\]"
run_rc 1 nxp pack "$T/src/broken-1.0.0" -o "$T/"
[ ! -e "$T/broken-1.0.0.nxp" ] || fail "pack wrote a package with an invalid manifest"
run_rc 0 nxp lint "$SRC/examples/plugins/weather"
run_rc 0 nxp lint "$T/a/weather-1.2.0.nxp"
pass "lint finds the faulty field; pack refuses it"

run_rc 0 nxp --json repo build "$T/repo" "$T/a/weather-1.2.0.nxp" --key "$T/key.key" --id demo
jq -e '.version == 1 and .packages == 1' "$T/out" >/dev/null || fail "first build should be version 1"
plugin extra 0.1.0
nxp pack "$T/src/extra-0.1.0" -o "$T/a/" >/dev/null
run_rc 0 nxp --json repo build "$T/repo" "$T/a/extra-0.1.0.nxp" --key "$T/key.key"
jq -e '.version == 2 and .packages == 2' "$T/out" >/dev/null || fail "second build should bump to version 2 and keep weather"
[ -f "$T/repo/index.html" ] || fail "repo build must write index.html"
grep -q weather "$T/repo/index.html" || fail "index.html lacks the packages"
minisign -Vm "$T/repo/index.json.zst" -p "$T/key.pub" >/dev/null || fail "minisign does not verify nxp's index signature"
pass "repo build bumps the version, keeps packages, signs verifiably"

# Published versions are immutable: the same name and version with other bytes is refused.
echo changed >>"$T/src/extra-0.1.0/files/README"
nxp pack "$T/src/extra-0.1.0" -o "$T/c.nxp" >/dev/null
run_rc 1 nxp repo build "$T/repo" "$T/c.nxp" --key "$T/key.key"
err_has "extra"
pass "repo build refuses to replace a published version"

# --revoke: by NAME@VERSION or sha256; signed into the index, kept by later builds, and
# clients never install a revoked package.
sha=$(sha256sum "$T/a/extra-0.1.0.nxp" | cut -d' ' -f1)
run_rc 2 nxp repo build "$T/repo" --key "$T/key.key" --revoke nosuch@1.0.0
err_has "no package nosuch 1.0.0"
run_rc 2 nxp repo build "$T/repo" --key "$T/key.key" --revoke not-a-sha
err_has "expected a package's sha256"
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key" --revoke extra@0.1.0
zstd -dc "$T/repo/index.json.zst" | jq -e --arg s "$sha" '.revoked == [$s] and ([.packages[].name] | index("extra") != null)' >/dev/null \
    || fail "the index does not revoke extra (or dropped it)"
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key" --revoke "$sha"
zstd -dc "$T/repo/index.json.zst" | jq -e '.revoked | length == 1' >/dev/null || fail "a revocation was doubled"
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key"
zstd -dc "$T/repo/index.json.zst" | jq -e --arg s "$sha" '.revoked == [$s]' >/dev/null || fail "a later build dropped the revocation"
minisign -Vm "$T/repo/index.json.zst" -p "$T/key.pub" >/dev/null || fail "the revoking index is not signed"
export NXP_ROOT=$T/client
nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
run_rc 3 nxp --yes install extra
err_has "extra"
assert_not_installed extra
pass "repo build --revoke signs revocations that clients obey"

# --advisory: validated, signed into the index, replaced by id, kept by later builds.
run_rc 2 nxp repo build "$T/repo" --key "$T/key.key" --advisory 'A-1;extra;<0.2'
err_has "ID;PACKAGE;VERSIONS;SEVERITY;SUMMARY"
run_rc 2 nxp repo build "$T/repo" --key "$T/key.key" --advisory 'A-1;extra;<0.2;urgent;bad'
err_has "severity"
run_rc 2 nxp repo build "$T/repo" --key "$T/key.key" --advisory 'A-1;extra;<<0.2;high;bad'
err_has "versions"
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key" --advisory 'A-1;extra;<0.2;high;first; with a semicolon'
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key" --advisory 'A-1;extra;<0.3;critical;second'
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key"
zstd -dc "$T/repo/index.json.zst" | jq -e '.advisories == [{"id":"A-1","package":"extra","versions":"<0.3","severity":"critical","summary":"second"}]' >/dev/null \
    || { zstd -dc "$T/repo/index.json.zst" | jq .advisories; fail "advisory not published, replaced or kept"; }
run_rc 0 nxp refresh
pass "repo build --advisory publishes, replaces and keeps advisories"
