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

# key-rotation forgery (DESIGN.md §4: keys/N+1.json must be signed by the keys of N and by
# its own). Each forged chain is refused with exit 4 naming the key file, nothing changes,
# and the pinned key stays the one in effect.
nxp key generate -o "$T/new" >/dev/null
nxp key generate -o "$T/scratch" >/dev/null
pinned=$(sed -n 2p "$T/key.pub")
# keyfile DIR VERSION PUB…: writes DIR/keys/1.json declaring VERSION and listing the keys.
keyfile() {
    local dir=$1 version=$2; shift 2
    mkdir -p "$dir/keys"
    local keys; keys=$(for p in "$@"; do sed -n 2p "$p"; done | jq -R . | jq -sc .)
    printf '{"format":1,"repo":"demo","version":%s,"keys":%s,"threshold":1}\n' "$version" "$keys" \
        >"$dir/keys/1.json"
}
# msign FILE SIG KEY: the real minisign tool signs a key file (interop in both directions).
msign() {
    minisign -S -s "$3" -m "$1" -x "$2" -t "rotation" </dev/null >/dev/null 2>&1 \
        || fail "minisign could not sign $1"
}
keys_in_effect() { nxp repo list --json | jq -r '.repositories[0] | "\(.key_version) \(.keys | join(","))"'; }
still_pinned() {
    [ "$(keys_in_effect)" = "0 $pinned" ] || fail "$1: the key set changed to $(keys_in_effect)"
}

copy_repo rot-evil      # signed only by an attacker key that lists itself
keyfile "$T/rot-evil" 1 "$T/evil.pub"
msign "$T/rot-evil/keys/1.json" "$T/rot-evil/keys/1.json.minisig" "$T/evil.key"
nxp repo build "$T/rot-evil" --key "$T/evil.key" >/dev/null
copy_repo rot-skip      # signed by the old and new keys, but declares version 2 after 0
keyfile "$T/rot-skip" 2 "$T/new.pub"
msign "$T/rot-skip/keys/1.json" "$T/rot-skip/keys/1.json.minisig" "$T/key.key"
msign "$T/rot-skip/keys/1.json" "$T/rot-skip/keys/1.json.minisig.2" "$T/new.key"
nxp repo build "$T/rot-skip" --key "$T/new.key" >/dev/null
copy_repo rot-noold     # the new key signs its own rotation; the old key never did
keyfile "$T/rot-noold" 1 "$T/new.pub"
msign "$T/rot-noold/keys/1.json" "$T/rot-noold/keys/1.json.minisig" "$T/new.key"
nxp repo build "$T/rot-noold" --key "$T/new.key" >/dev/null
for case in "rot-evil:not signed by the current keys" "rot-skip:a skipped version is refused" \
            "rot-noold:not signed by the current keys"; do
    dir=${case%%:*} why=${case#*:}
    fresh
    serve "$T/$dir"
    run_rc 4 nxp refresh
    err_has "$URL/ok/keys/1.json"
    err_has "$why"
    run_rc 0 nxp search extra   # the cached index, verified with the pinned key, still serves
    out_has extra
    unchanged "key-rotation forgery ($dir)"
    still_pinned "key-rotation forgery ($dir)"
done
# A version skipped by leaving out keys/1.json: the new key is never learnt.
copy_repo rot-gap
nxp repo rotate-key "$T/rot-gap" --key "$T/key.key" --new-key "$T/scratch.key" >/dev/null
nxp repo rotate-key "$T/rot-gap" --key "$T/scratch.key" --new-key "$T/new.key" >/dev/null
rm "$T/rot-gap/keys/1.json"
nxp repo build "$T/rot-gap" --key "$T/new.key" >/dev/null
fresh
serve "$T/rot-gap"
run_rc 4 nxp refresh
err_has "signed by unknown key"
unchanged "key-rotation forgery (gap)"
still_pinned "key-rotation forgery (gap)"
pass "key-rotation forgery"

# A legitimate rotation is followed; then only the new key signs the index.
copy_repo rot-ok
run_rc 0 nxp repo rotate-key "$T/rot-ok" --key "$T/key.key" --new-key "$T/new.key"
out_has "keys/1.json"
nxp repo build "$T/rot-ok" --key "$T/new.key" >/dev/null
fresh
serve "$T/rot-ok"
run_rc 0 nxp refresh
[ "$(keys_in_effect)" = "1 $(sed -n 2p "$T/new.pub")" ] || fail "rotation not accepted: $(keys_in_effect)"
run_rc 0 nxp --yes install extra
assert_installed extra 1.0.0
# … and the retired key can no longer sign for the repository.
cp -a "$T/rot-ok" "$T/rot-retired"
nxp repo build "$T/rot-retired" --key "$T/key.key" >/dev/null
serve "$T/rot-retired"
run_rc 4 nxp refresh
err_has "signed by unknown key"
pass "legitimate key rotation; retired key refused"

# threshold: a repository pinned with 2 of 3 keys needs two distinct valid signatures.
nxp key generate -o "$T/k2" >/dev/null
nxp key generate -o "$T/k3" >/dev/null
copy_repo thr
nxp repo build "$T/thr" --key "$T/k3.key" >/dev/null
rm -rf "$NXP_ROOT"
nxp init --nextchat-version 2.16.0 >/dev/null
serve "$T/thr"
run_rc 4 nxp repo add demo "$URL/ok" --key "$T/key.pub" --key "$T/k2.pub" --key "$T/k3.pub" --threshold 2
err_has "1 of 1 signature(s) valid"
err_has "2 required"
nxp repo build "$T/thr" --key "$T/k3.key" --key "$T/k2.key" >/dev/null
[ -f "$T/thr/index.json.zst.minisig.2" ] || fail "repo build wrote no second signature"
run_rc 0 nxp repo add demo "$URL/ok" --key "$T/key.pub" --key "$T/k2.pub" --key "$T/k3.pub" --threshold 2
run_rc 0 nxp --yes install extra
assert_installed extra 1.0.0
pass "threshold signatures (2 of 3)"
