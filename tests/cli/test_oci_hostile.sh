#!/usr/bin/env bash
# Hostile OCI registries (issue 19 item 6): a fake registry on 127.0.0.1, populated by
# nxp repo push, then made to serve other bytes for a package digest and for each index
# layer, endless blobs, manifests and tokens, manifests that lie about sizes, digests, titles
# and the artifact type, and token realms that would take credentials elsewhere. Each is
# refused with a message naming the registry, repository and digest or field, with the exit
# code of its kind, and nothing is installed or added.
. "$(dirname "$0")/testlib.sh"
. "$SRC/tests/security/servers.sh"
. "$SRC/tests/cli/ocilib.sh"
export NXP_CONNECT_TIMEOUT=3 NXP_LOW_SPEED_TIME=3 NXP_DEADLINE=20
unset NXP_OCI_USERNAME NXP_OCI_PASSWORD
export DOCKER_CONFIG=$T/docker

make_repo
echo '{}' >"$T/state.json"
start_fake_registry "$T/state.json"; REG=127.0.0.1:$PORT
URL=oci://$REG/nxp/demo
run_rc 0 nxp repo push "$T/repo" "$URL"
curl -sf "http://$REG/v2/nxp/demo/manifests/latest" >"$T/manifest.json"
digest_of() { jq -r --arg t "$1" '.layers[] | select(.annotations["org.opencontainers.image.title"] == $t) | .digest' "$T/manifest.json"; }
IDX=$(digest_of index.json.zst)
SIG=$(digest_of index.json.zst.minisig)
PKG_PATH=$(find "$T/repo/packages" -name 'writing-prompts-*.nxp' | head -1)
PKG=sha256:$(sha256sum "$PKG_PATH" | cut -d' ' -f1)
[ "$(digest_of "packages/$(basename "$PKG_PATH")")" = "$PKG" ] || fail "the package layer is not its sha256"
state() { echo "$1" >"$T/state.json"; }

nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "$URL" --key "$T/key.pub" >/dev/null

# --- packages: other bytes for the digest the signed index lists --------------------------
state "{\"corrupt\": [\"$PKG\"]}"
run_rc 4 nxp --yes install writing-prompts
err_has "$REG/v2/nxp/demo/blobs/$PKG"
err_has "sha256 mismatch"
assert_not_installed writing-prompts
state "{\"endless_blobs\": [\"$PKG\"]}"
run_rc 4 nxp --yes install writing-prompts
err_has "blobs/$PKG"
err_has "more than the signed size"
assert_not_installed writing-prompts
[ -z "$(find "$NXP_ROOT/cache" -name '*.part' -size +1M 2>/dev/null)" ] || fail "an endless blob left data behind"
state '{}'
run_rc 0 nxp --yes install writing-prompts
pass "a registry serving other or endless bytes for a package digest is refused, nothing installed"

# --- the index artifact: each layer with other bytes, endless, or a lying manifest --------
refused_add() {  # WANT_RC TEXT…: repo add fails with WANT_RC naming each TEXT, adds nothing
    local want=$1; shift
    rm -rf "$T/r2"
    NXP_ROOT=$T/r2 nxp init --nextchat-version 2.16.0 >/dev/null
    run_rc "$want" env NXP_ROOT="$T/r2" "$NXP" repo add demo "$URL" --key "$T/key.pub"
    local t
    for t in "$@"; do err_has "$t"; done
    [ "$(NXP_ROOT=$T/r2 nxp repo list --json | jq '.repositories | length')" = 0 ] ||
        fail "a refused repository was added"
}
for d in "$IDX" "$SIG"; do
    state "{\"corrupt\": [\"$d\"]}"
    refused_add 4 "registry $REG, repository nxp/demo" "served other bytes for blob $d" "$URL"
    state "{\"endless_blobs\": [\"$d\"]}"
    refused_add 4 "registry $REG, repository nxp/demo" "$d" "cut off"
done
state '{"endless_manifest": true}'
refused_add 5 "$URL" "exceeds the limit of 4194304 bytes"
lie() {  # JQ: serve the pushed manifest edited by JQ
    jq -c "$1" "$T/manifest.json" >"$T/lie.json"
    state "{\"manifest_file\": \"$T/lie.json\"}"
}
title='.annotations["org.opencontainers.image.title"]'
lie "(.layers[] | select($title == \"index.json.zst\") | .size) = 10737418240"
refused_add 5 "#index.json.zst" "10737418240 bytes, over the limit"
lie "(.layers[] | select($title == \"index.json.zst.minisig\") | .size) = 100000"
refused_add 5 "#index.json.zst.minisig" "over the limit"
lie "(.layers[0].digest) = \"sha256:../../../../etc/passwd\""
refused_add 1 "layers\[0\].digest"
lie "(.layers[0].digest) = \"sha512:$(printf '%0128d' 0)\""
refused_add 1 "layers\[0\].digest"
lie '.artifactType = "application/vnd.cncf.helm.config.v1+json"'
refused_add 1 "artifactType" "not an nxp repository"
lie '.mediaType = "application/vnd.oci.image.index.v1+json"'
refused_add 1 "mediaType"
lie '.layers += [.layers[0]]'
refused_add 1 "appears twice"
lie "del(.layers[] | select($title == \"index.json.zst\"))"
refused_add 5 "no layer titled index.json.zst"
# The index title pointing at another real blob (a package): fetched and digest-checked,
# then refused by the signature check, as any unsigned index.
PKG_SIZE=$(stat -c %s "$PKG_PATH")
lie "(.layers[] | select($title == \"index.json.zst\")) |= (.digest = \"$PKG\" | .size = $PKG_SIZE)"
refused_add 4 "#index.json.zst"
# A size that understates the blob: only that many bytes are read, then refused.
lie "(.layers[] | select($title == \"index.json.zst\") | .size) |= . - 1"
refused_add 4 "$IDX" "cut off"
state '{}'
run_rc 0 env NXP_ROOT="$T/r2" "$NXP" repo add demo "$URL" --key "$T/key.pub"
pass "hostile index layers and manifests are refused naming the registry, repository and digest or field"

# --- tokens --------------------------------------------------------------------------------
state '{"auth": "bearer", "endless_token": true}'
refused_add 5 "registry $REG, repository nxp/demo" "exceeds the limit"
state '{"auth": "bearer", "realm": "http://registry-auth.example.invalid/token"}'
: >"$T/state.json.log"
run_rc 5 env NXP_OCI_USERNAME=u NXP_OCI_PASSWORD=secret-pw "$NXP" repo push "$T/repo" "$URL"
err_has "plain HTTP on another host; refusing to send credentials"
! grep -q "secret-pw" "$T/err" "$T/out" || fail "the password was printed"
state '{"auth": "bearer", "realm": "ftp://127.0.0.1/token"}'
refused_add 5 "not an http(s) URL"
state '{"auth": "bearer", "user": "robot", "password": "pw"}'
rm -rf "$T/r2"; NXP_ROOT=$T/r2 nxp init --nextchat-version 2.16.0 >/dev/null
run_rc 5 env NXP_ROOT="$T/r2" NXP_OCI_USERNAME=robot NXP_OCI_PASSWORD=bad-pw "$NXP" -v repo add demo "$URL" --key "$T/key.pub"
err_has "registry $REG, repository nxp/demo"
err_has "refused the credentials"
! grep -q "bad-pw" "$T/err" "$T/out" || fail "the password was printed"
pass "token services: endless answers, foreign plain-HTTP and non-HTTP realms, wrong credentials"
