#!/usr/bin/env bash
# nxp lock: a deterministic lockfile of the exact installed set; nxp apply --locked installs
# exactly that on another root, or fails without changing anything (4 when a hash changed,
# 3 when the repository no longer has a package).
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/applylib.sh"

make_apply_repo
nxp init --nextchat-version 2.16.0 >/dev/null
write_desired "$T/desired.json"
export VAULT_TOKEN=s3cr3t-value
run_rc 0 nxp --yes apply "$T/desired.json"

run_rc 0 nxp lock -o "$T/nxp.lock"
n=$(installed | wc -l)
out_has "$n package(s)"
cp "$T/nxp.lock" "$T/first.lock"
run_rc 0 nxp lock -o "$T/nxp.lock"
cmp -s "$T/nxp.lock" "$T/first.lock" || fail "nxp lock is not deterministic"
nxp lock -o - | cmp -s - "$T/first.lock" || fail "lock -o - differs from the file"
index=$(zstd -dc "$T/repo/index.json.zst")
for name in $(installed | cut -d" " -f1); do
    want=$(jq -r --arg n "$name" '.packages[] | select(.name == $n) | "\(.version) \(.sha256) \(.size)"' <<<"$index")
    got=$(jq -r --arg n "$name" '.packages[] | select(.name == $n) | "\(.version) \(.sha256) \(.size)"' "$T/nxp.lock")
    [ "$want" = "$got" ] || fail "lockfile entry of $name ($got) differs from the index ($want)"
done
jq -e --arg k "$(tail -n 1 "$T/key.pub")" '.repositories == [{"name": "demo", "url": "file://'"$T"'/repo", "keys": [$k], "mirrors": []}]' \
    "$T/nxp.lock" >/dev/null || fail "lockfile repositories"
jq -e '.packages[] | select(.name == "mcp-common") | .reason == "dependency" and (.url | endswith(".nxp"))' "$T/nxp.lock" >/dev/null \
    || fail "lockfile reason/url"
grep -q s3cr3t "$T/nxp.lock" && fail "the lockfile holds a secret"
run_rc 0 nxp --json lock -o "$T/j.lock"
jq -e '.schema == 1 and .packages == '"$n"' and .lockfile.format == 1' "$T/out" >/dev/null || fail "lock --json"
jq 'del(.lockfile)' "$T/out" >"$T/out.top" && mv "$T/out.top" "$T/out"
json_documented "lock"
pass "lock is deterministic and matches the signed index"

# A second root installs exactly the locked set.
R2=$T/root2
nxp --root "$R2" init --nextchat-version 2.16.0 >/dev/null
run_rc 0 nxp --root "$R2" --yes apply --locked "$T/desired.json"
[ "$(NXP_ROOT=$R2 installed | sort)" = "$(installed | sort)" ] || fail "the locked install differs from the source root"
[ "$(readlink "$R2/current")" = generations/1 ] || fail "the locked install should be one generation"
run_rc 0 nxp --root "$R2" --yes apply --locked "$T/desired.json"
out_has "Nothing to do"
# Held packages never change, lockfile or not.
jq 'del(.packages[] | select(.name == "vault"))' "$T/nxp.lock" >"$T/rmvault.lock"
jq 'del(.plugins.vault)' "$T/desired.json" >"$T/rmvault.json"
nxp --root "$R2" hold vault >/dev/null
run_rc 3 nxp --root "$R2" --yes apply --lockfile "$T/rmvault.lock" "$T/rmvault.json"
err_has "vault: is held"
[ "$(readlink "$R2/current")" = generations/1 ] || fail "a held package was changed by a lockfile"
nxp --root "$R2" unhold vault >/dev/null
pass "apply --locked installs exactly the lockfile, idempotently, and respects holds"

# A repository changed behind the lockfile: same id and key, vault 1.0.0 rebuilt with other
# bytes.
mkdir -p "$T/pkgs2"
cp -r "$T/src/vault" "$T/src/vault2"; echo changed >>"$T/src/vault2/files/README"
for d in mcp-common node20 notes-json writing-prompts; do
    [ -d "$SRC/examples/plugins/$d" ] && nxp pack "$SRC/examples/plugins/$d" -o "$T/pkgs2/" >/dev/null
done
for d in "$T/src/vault2" "$T/src/netty"; do nxp pack "$d" -o "$T/pkgs2/" >/dev/null; done
nxp repo build "$T/repo2" "$T"/pkgs2/*.nxp --key "$T/key.key" --id demo >/dev/null
sed "s|file://$T/repo\"|file://$T/repo2\"|" "$T/desired.json" >"$T/changed.json"
cp "$T/nxp.lock" "$T/changed.lock"
R3=$T/root3
nxp --root "$R3" init --nextchat-version 2.16.0 >/dev/null
run_rc 4 nxp --root "$R3" --yes apply --lockfile "$T/changed.lock" "$T/changed.json"
err_has "vault 1.0.0"
err_has "hash mismatch"
[ "$(readlink "$R3/current")" = generations/0 ] || fail "a hash mismatch changed the root"
[ "$(nxp --root "$R3" repo list --json | jq '.repositories | length')" = 0 ] || fail "a failed locked apply added a repository"
# A version the repository does not have (any more).
jq 'del(.packages[] | select(.name == "vault")) | (.packages[] | select(.name == "notes-json") | .version) = "1.2.9"' \
    "$T/nxp.lock" >"$T/novault.lock"
jq "del(.plugins.vault)" "$T/changed.json" >"$T/novault.json"
run_rc 3 nxp --root "$R3" --yes apply --lockfile "$T/novault.lock" "$T/novault.json"
err_has "notes-json 1.2.9"
err_has "no longer has"
[ "$(readlink "$R3/current")" = generations/0 ] || fail "a missing package changed the root"
# A plugin the file wants but the lockfile lacks.
run_rc 3 nxp --root "$R3" --yes apply --lockfile "$T/novault.lock" "$T/changed.json"
err_has "plugins.vault: not in the lockfile"
run_rc 1 nxp --root "$R3" --yes apply --locked "$T/nowhere/desired.json"
pass "apply --locked refuses a changed repository (4), a vanished package (3), and changes nothing"
