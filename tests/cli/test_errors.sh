#!/usr/bin/env bash
# Bad input gets a clear message naming what is wrong, the right exit code, and changes nothing.
. "$(dirname "$0")/testlib.sh"
make_repo

run_rc 1 nxp --root "$T/nowhere" list
err_has "not an nxp root"
run_rc 1 nxp --json --root "$T/nowhere" list
jq -e '.ok == false and .error.kind == "not-found" and .schema == 1' "$T/out" >/dev/null || fail "--json error document"
pass "a missing root is named"

nxp init >/dev/null
nxp key generate -o "$T/other" >/dev/null
run_rc 4 nxp repo add demo "file://$T/repo" --key "$T/other.pub"
err_has "key"
run_rc 0 nxp repo list --json
jq -e '.repositories | length == 0' "$T/out" >/dev/null || fail "a repo with a wrong key must not stay configured"
pass "wrong key refused with exit 4"

run_rc 5 nxp repo add demo "file://$T/no-such-repo" --key "$T/key.pub"
err_has "no-such-repo"
run_rc 2 nxp repo add demo "file://$T/repo" --key "not a key"
pass "unreachable repository exit 5; a malformed key is a usage error"

# A forged index: re-signed by another key, or bytes changed after signing.
run_rc 0 nxp repo add demo "file://$T/repo" --key "$T/key.pub"
cp "$T/repo/index.json.zst" "$T/index.good"
printf '\x00' | dd of="$T/repo/index.json.zst" bs=1 seek=20 conv=notrunc status=none
run_rc 4 nxp refresh
err_has "index.json.zst"
cp "$T/index.good" "$T/repo/index.json.zst"
run_rc 0 nxp refresh
pass "a modified index is refused"

# Rollback attack: an older, validly signed index is refused after a newer one was seen.
cp "$T/repo/index.json.zst" "$T/v1.zst"; cp "$T/repo/index.json.zst.minisig" "$T/v1.sig"
nxp repo build "$T/repo" --key "$T/key.key" >/dev/null
run_rc 0 nxp refresh
cp "$T/v1.zst" "$T/repo/index.json.zst"; cp "$T/v1.sig" "$T/repo/index.json.zst.minisig"
run_rc 4 nxp refresh
err_has "older"
pass "index rollback refused"
