#!/usr/bin/env bash
# The attack suite (DESIGN.md §4, the TUF threat model): one named check per attack, each
# against a repository served over HTTP on 127.0.0.1. Every attack is refused with the
# exit code for its kind (4 verification, 5 network) and changes nothing installed.
. "$(dirname "$0")/testlib.sh"
. "$SRC/tests/security/servers.sh"
export NXP_LOW_SPEED_TIME=2
export NXP_CONNECT_TIMEOUT=3
command -v minisign >/dev/null || { echo "SKIP: minisign is needed to forge indexes"; exit 77; }

make_repo
cp -a "$T/repo" "$T/v1"
plugin extra 1.0.0
nxp pack "$T/src/extra-1.0.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T/pkgs/extra-1.0.0.nxp" --key "$T/key.key" >/dev/null
ln -s "$T/repo" "$T/www"          # what the server serves; attacks swap it
start_faultserver "$T/www"
URL=http://127.0.0.1:$PORT

# A root that accepted version 2 of the repository, with weather installed.
fresh() {
    rm -rf "$NXP_ROOT"
    ln -sfn "$T/repo" "$T/www"
    nxp init --nextchat-version 2.16.0 >/dev/null
    nxp repo add demo "${1:-$URL/ok}" --key "${2:-$T/key.pub}" >/dev/null
    if [ -z "${1:-}" ]; then
        nxp --yes --grant weather install weather >/dev/null 2>&1 || fail "setup: cannot install weather"
        BEFORE=$(installed)
    fi
}
unchanged() { [ "$BEFORE" = "$(installed)" ] || fail "$1: the installed set changed"; }
serve() { ln -sfn "$1" "$T/www"; }

# forge DIR JQ-FILTER [KEY]: rewrites DIR's index with the filter and signs it (a publisher's
# key unless another is given), as a compromised or malicious server would need to.
forge() {
    local dir=$1 filter=$2 key=${3:-$T/key.key}
    zstd -dc "$dir/index.json.zst" | jq -c "$filter" | zstd -q -19 -o "$dir/index.new" -f
    mv "$dir/index.new" "$dir/index.json.zst"
    rm -f "$dir/index.json.zst.minisig"
    minisign -S -s "$key" -m "$dir/index.json.zst" -t "forged" </dev/null >/dev/null 2>&1 \
        || fail "minisign could not sign the forged index"
}
copy_repo() { rm -rf "$T/$1"; cp -a "$T/repo" "$T/$1"; }

# rollback: a validly signed but older index replayed by the server.
fresh
serve "$T/v1"
run_rc 4 nxp refresh
err_has "rollback"
err_has "$URL/ok/index.json.zst"
unchanged rollback
pass "rollback"

# freeze: the server keeps serving an index past its expiry.
fresh
copy_repo frozen
forge "$T/frozen" '.version += 1 | .generated = 1000000000 | .expires = 1000086400'
serve "$T/frozen"
run_rc 4 nxp refresh
err_has "expired"
unchanged freeze
pass "freeze"

# mix-and-match: another repository's index (same publisher key) served for this one.
fresh
copy_repo other
forge "$T/other" '.version += 1 | .repo = "other"'
serve "$T/other"
run_rc 4 nxp refresh
err_has 'index is for repository "other"'
unchanged mix-and-match
pass "mix-and-match"

# endless data: an index and signature that never end (`repo add` fetches the index).
fresh
run_rc 5 nxp repo add evil "$URL/all-endless" --key "$T/key.pub"
err_has "$URL/all-endless/index.json.zst"
err_has "exceeds the limit"
unchanged "endless data"
pass "endless data"

# slow retrieval: the index dribbles in a byte a second.
fresh
start=$(date +%s)
run_rc 5 nxp repo add evil "$URL/all-drip" --key "$T/key.pub"
err_has "$URL/all-drip/index.json.zst"
err_has "too slow"
[ $(( $(date +%s) - start )) -lt 30 ] || fail "slow retrieval was not cut off in time"
unchanged "slow retrieval"
pass "slow retrieval"

# wrong key: the index is signed by a key this client never pinned.
nxp key generate -o "$T/evil" >/dev/null
copy_repo evil
forge "$T/evil" '.version += 1' "$T/evil.key"
fresh
serve "$T/evil"
run_rc 4 nxp refresh
err_has "$URL/ok/index.json.zst"
unchanged "wrong key"
pass "wrong key"

# tampered trusted comment: the signature's trusted comment edited after signing.
copy_repo tampered
sed -i 's/^trusted comment: .*/trusted comment: timestamp:0\tversion:999/' "$T/tampered/index.json.zst.minisig"
fresh
serve "$T/tampered"
run_rc 4 nxp refresh
err_has "trusted comment"
unchanged "tampered trusted comment"
pass "tampered trusted comment"

# substituted package: another valid package under the expected name.
copy_repo subst
cp "$T/repo/packages/notes-json-1.3.0.nxp" "$T/subst/packages/extra-1.0.0.nxp"
fresh
serve "$T/subst"
run_rc 4 nxp --yes install extra
err_has "$URL/ok/packages/extra-1.0.0.nxp"
grep -Eq "sha256 mismatch|size mismatch|more than the signed size" "$T/err" || fail "no reason given"
assert_not_installed extra
assert_not_installed notes-json
unchanged "substituted package"
pass "substituted package"

# revoked package: listed in the signed index's revocations, so never installed, and loudly
# reported by `nxp audit` where it already is.
copy_repo revoked
sha=$(zstd -dc "$T/repo/index.json.zst" | jq -r '.packages[] | select(.name=="extra") | .sha256')
forge "$T/revoked" ".version += 1 | .revoked = [\"$sha\"]"
fresh
run_rc 0 nxp --yes install extra
run_rc 0 nxp audit
serve "$T/revoked"
run_rc 0 nxp refresh
run_rc 1 nxp audit
out_has "extra"
out_has "revoked"
err_has "REVOKED"
run_rc 1 nxp --json audit
jq -e '.findings[] | select(.name=="extra" and .kind=="revoked")' "$T/out" >/dev/null \
    || fail "audit --json lacks the revoked package"
run_rc 0 nxp --yes remove extra
BEFORE=$(installed)
run_rc 3 nxp --yes install extra
assert_not_installed extra
unchanged "revoked package"
pass "revoked package"

# advisories: shown by `nxp audit` for the installed versions they cover, exit 1.
copy_repo advised
forge "$T/advised" '.version += 1 | .advisories = [
  {"id": "NXP-2026-0001", "package": "weather", "versions": "< 1.3.0", "severity": "high",
   "summary": "leaks the API key in logs"},
  {"id": "NXP-2026-0002", "package": "weather", "versions": "< 1.0.0", "severity": "low",
   "summary": "does not apply to 1.2.0"}]'
fresh
run_rc 0 nxp audit
serve "$T/advised"
run_rc 0 nxp refresh
run_rc 1 nxp audit
out_has "NXP-2026-0001"
grep -q "NXP-2026-0002" "$T/out" && fail "an advisory for other versions was reported"
run_rc 1 nxp --json audit
jq -e '[.findings[] | select(.kind=="advisory")] | length == 1' "$T/out" >/dev/null \
    || fail "audit --json should list exactly one advisory"
pass "advisories reported by nxp audit"
