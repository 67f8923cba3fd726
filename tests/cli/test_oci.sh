#!/usr/bin/env bash
# Repositories in OCI registries (issue 19 item 6), end to end against Debian's
# docker-registry (distribution 2.8) on 127.0.0.1: repo push, then repo add + install from
# the registry, refresh to a newer pushed index, a tag rolled back to an older index refused,
# mirrors with failover, htpasswd (Basic) auth with credentials from the environment and from
# Docker's config.json, wrong credentials, skopeo interop (inspect, copy to another path that
# nxp then reads), a Bearer token flow (a small fake registry with its own token endpoint:
# the real registry's token mode needs signed JWTs), and unknown URL schemes (usage, exit 2).
. "$(dirname "$0")/testlib.sh"
. "$SRC/tests/security/servers.sh"
. "$SRC/tests/cli/ocilib.sh"
export NXP_CONNECT_TIMEOUT=3
need_registry
unset NXP_OCI_USERNAME NXP_OCI_PASSWORD
export DOCKER_CONFIG=$T/docker   # never the user's own

make_repo
cp -a "$T/repo" "$T/v1"
start_registry; REG=127.0.0.1:$PORT

# --- push ---------------------------------------------------------------------------------
run_rc 0 nxp --json repo push "$T/repo" "oci://$REG/nxp/demo"
jq -e '.command == "repo push" and .tag == "latest" and .repository == "nxp/demo"
       and (.manifest_digest | test("^sha256:[0-9a-f]{64}$")) and .skipped == 0
       and .pushed == (.blobs | length) and .pushed_bytes > 0
       and ([.blobs[].name] | index("index.json.zst") != null)
       and ([.blobs[].name] | index("index.json.zst.minisig") != null)
       and ([.blobs[].name | select(startswith("packages/"))] | length) >= 5' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "repo push --json"; }
MANIFEST_DIGEST=$(jq -r .manifest_digest "$T/out")
# Pushing again sends nothing the registry has (HEAD first).
run_rc 0 nxp repo push "$T/repo" "oci://$REG/nxp/demo"
out_has "0 blob(s) sent"
out_has "already present"
pass "repo push: blobs and the artifact manifest, and nothing twice"

# skopeo sees the artifact nxp pushed.
skopeo inspect --raw --tls-verify=false "docker://$REG/nxp/demo:latest" >"$T/raw.json" ||
    fail "skopeo inspect failed"
jq -e '.artifactType == "application/vnd.nxp.repository.v1"
       and .config.mediaType == "application/vnd.oci.empty.v1+json"
       and .mediaType == "application/vnd.oci.image.manifest.v1+json"
       and ([.layers[].annotations["org.opencontainers.image.title"]] | index("index.json.zst") != null)' \
    "$T/raw.json" >/dev/null || { cat "$T/raw.json"; fail "skopeo: not nxp's artifact manifest"; }
[ "sha256:$(sha256sum <"$T/raw.json" | cut -d' ' -f1)" = "$MANIFEST_DIGEST" ] ||
    fail "the manifest skopeo reads is not the one repo push reported"
pass "skopeo inspect shows the artifact manifest"

# --- pull: repo add, install, refresh -----------------------------------------------------
nxp init --nextchat-version 2.16.0 >/dev/null
run_rc 0 nxp --json repo add demo "oci://$REG/nxp/demo" --key "$T/key.pub"
jq -e '.index_version == 1 and .packages >= 5' "$T/out" >/dev/null || { cat "$T/out"; fail "repo add oci://"; }
run_rc 0 nxp -v --yes --grant weather install weather
assert_installed weather 1.2.0
assert_installed mcp-common 1.1.0
grep -q "/v2/nxp/demo/blobs/sha256:" "$T/err" || { cat "$T/err"; fail "-v does not name the blob"; }
cmp -s "$NXP_ROOT/current/plugins/weather/server.js" "$SRC/examples/plugins/weather/files/server.js" ||
    fail "installed server.js differs from the packed one"
pass "repo add oci:// and install from the registry (dependencies, hooks, health check)"

# A newer index pushed under the tag: refresh takes it, install sees the new package.
plugin extra 1.0.0
nxp pack "$T/src/extra-1.0.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T/pkgs/extra-1.0.0.nxp" --key "$T/key.key" >/dev/null
cp -a "$T/repo" "$T/v2"
run_rc 0 nxp --json repo push "$T/repo" "oci://$REG/nxp/demo"
jq -e '.pushed >= 3 and .skipped >= 5' "$T/out" >/dev/null || { cat "$T/out"; fail "second push"; }
run_rc 0 nxp refresh
[ "$(nxp repo list --json | jq '.repositories[0].index_version')" = 2 ] || fail "refresh kept version 1"
run_rc 0 nxp --yes install extra
assert_installed extra 1.0.0
pass "refresh picks up a newer index pushed under the tag"

# skopeo copies the whole artifact (every layer, digests kept) to another path; nxp reads it.
skopeo copy --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
    "docker://$REG/nxp/demo:latest" "docker://$REG/mirror/copy:stable" >/dev/null 2>"$T/skopeo.err" ||
    { cat "$T/skopeo.err"; fail "skopeo copy failed"; }
NXP_ROOT=$T/root2 nxp init --nextchat-version 2.16.0 >/dev/null
run_rc 0 env NXP_ROOT="$T/root2" "$NXP" repo add demo "oci://$REG/mirror/copy:stable" --key "$T/key.pub"
run_rc 0 env NXP_ROOT="$T/root2" "$NXP" --yes install extra
pass "skopeo copy of the artifact to another path and tag, read by nxp"

# Rolling the tag back to the older index: refused (version rollback), nothing changes.
run_rc 0 nxp repo push "$T/v1" "oci://$REG/nxp/demo"
run_rc 4 nxp refresh
err_has "rollback"
err_has "oci://$REG/nxp/demo"
[ "$(nxp repo list --json | jq '.repositories[0].index_version')" = 2 ] || fail "rollback accepted"
run_rc 0 nxp repo push "$T/v2" "oci://$REG/nxp/demo"
pass "a tag rolled back to an older index is refused"

# Mirrors: the primary registry is down (and an http mirror is stale); failover reaches the
# OCI mirror, for the index and for packages.
DOWN=127.0.0.1:$(free_port)
NXP_ROOT=$T/root3 nxp init --nextchat-version 2.16.0 >/dev/null
run_rc 0 env NXP_ROOT="$T/root3" "$NXP" repo add demo "oci://$DOWN/nxp/demo" \
    --mirror "file://$T/nonexistent" --mirror "oci://$REG/nxp/demo" --key "$T/key.pub"
run_rc 0 env NXP_ROOT="$T/root3" "$NXP" --yes install extra
grep -q "$DOWN" "$T/err" || { cat "$T/err"; fail "no warning about the dead primary"; }
pass "oci:// mirrors with failover"

# --- Basic auth (htpasswd, bcrypt) --------------------------------------------------------
start_registry pusher S3cret-pw1; AUTH=127.0.0.1:$PORT
run_rc 5 nxp repo push "$T/repo" "oci://$AUTH/team/plugins"
err_has "registry $AUTH, repository team/plugins"
err_has "NXP_OCI_USERNAME"
run_rc 0 env NXP_OCI_USERNAME=pusher NXP_OCI_PASSWORD=S3cret-pw1 "$NXP" repo push "$T/repo" "oci://$AUTH/team/plugins:v2"
run_rc 5 env NXP_OCI_USERNAME=pusher NXP_OCI_PASSWORD=wrong-pw "$NXP" repo push "$T/repo" "oci://$AUTH/team/plugins:v2"
err_has "registry $AUTH, repository team/plugins"
err_has "refused the credentials"
! grep -q "wrong-pw" "$T/err" "$T/out" || fail "the password was printed"
NXP_ROOT=$T/root4 nxp init --nextchat-version 2.16.0 >/dev/null
run_rc 5 env NXP_ROOT="$T/root4" "$NXP" repo add team "oci://$AUTH/team/plugins:v2" --key "$T/key.pub"
err_has "registry $AUTH"
# Credentials from Docker's config.json.
mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$AUTH" "$(printf 'pusher:S3cret-pw1' | base64)" >"$DOCKER_CONFIG/config.json"
nxp repo build "$T/team" "$T"/pkgs/*.nxp --key "$T/key.key" --id team >/dev/null
run_rc 0 nxp repo push "$T/team" "oci://$AUTH/team/plugins:v2"
run_rc 0 env NXP_ROOT="$T/root4" "$NXP" -v repo add team "oci://$AUTH/team/plugins:v2" --key "$T/key.pub"
run_rc 0 env NXP_ROOT="$T/root4" "$NXP" -v --yes install extra
! grep -q "S3cret-pw1\|cHVzaGVyOlMzY3JldC1wdzE" "$T/err" "$T/out" || fail "credentials in the -v trace"
! grep -rq "S3cret-pw1" "$T/root4" || fail "credentials stored in the root"
rm -f "$DOCKER_CONFIG/config.json"
pass "htpasswd registry: credentials from the environment and config.json, wrong ones refused"

# --- Bearer tokens (a fake registry with its own token endpoint) --------------------------
echo '{"auth": "bearer", "user": "robot", "password": "t0ken-pw"}' >"$T/fake.json"
start_fake_registry "$T/fake.json"; FAKE=127.0.0.1:$PORT
run_rc 5 nxp repo push "$T/repo" "oci://$FAKE/nxp/demo"
err_has "token service"
run_rc 0 env NXP_OCI_USERNAME=robot NXP_OCI_PASSWORD=t0ken-pw "$NXP" --json repo push "$T/repo" "oci://$FAKE/nxp/demo"
grep -q "TOKEN service=fake-registry scope=repository:nxp/demo:pull,push basic=True" "$T/fake.json.log" ||
    { cat "$T/fake.json.log"; fail "no token asked for with service, scope and credentials"; }
NXP_ROOT=$T/root5 nxp init --nextchat-version 2.16.0 >/dev/null
run_rc 0 env NXP_ROOT="$T/root5" NXP_OCI_USERNAME=robot NXP_OCI_PASSWORD=t0ken-pw "$NXP" repo add demo "oci://$FAKE/nxp/demo" --key "$T/key.pub"
run_rc 0 env NXP_ROOT="$T/root5" NXP_OCI_USERNAME=robot NXP_OCI_PASSWORD=t0ken-pw "$NXP" --yes install extra
grep -q "TOKEN service=fake-registry scope=repository:nxp/demo:pull basic=True" "$T/fake.json.log" ||
    fail "no pull token asked for"
run_rc 5 env NXP_ROOT="$T/root5" NXP_OCI_USERNAME=robot NXP_OCI_PASSWORD=nope "$NXP" refresh
err_has "registry $FAKE, repository nxp/demo"
# Tokens that expire (each works for one request): a download refused with 401 asks for a
# new token once and goes on.
echo '{"auth": "bearer", "user": "robot", "password": "t0ken-pw", "token_uses": 1}' >"$T/fake.json"
NXP_ROOT=$T/root6 nxp init --nextchat-version 2.16.0 >/dev/null
run_rc 0 env NXP_ROOT="$T/root6" NXP_OCI_USERNAME=robot NXP_OCI_PASSWORD=t0ken-pw "$NXP" repo add demo "oci://$FAKE/nxp/demo" --key "$T/key.pub"
run_rc 0 env NXP_ROOT="$T/root6" NXP_OCI_USERNAME=robot NXP_OCI_PASSWORD=t0ken-pw NXP_PARALLEL_DOWNLOADS=1 "$NXP" --yes install extra writing-prompts
pass "Bearer challenge: token with service and scope, credentials checked, expired tokens renewed"

# --- URLs ---------------------------------------------------------------------------------
for url in ftp://example.org/repo s3://bucket/repo oci:/x /srv/repo "oci://$REG" "oci://$REG/Bad/Path" "oci://u:p@$REG/x"; do
    run_rc 2 nxp repo add other "$url" --key "$T/key.pub"
    grep -q "file://, http://, https:// and oci://\|oci://HOST\[:PORT\]/PATH\[:TAG\]" "$T/err" ||
        { cat "$T/err"; fail "$url: no usage message naming the schemes"; }
done
run_rc 2 nxp repo add other "file://$T/repo" --mirror "gopher://x/y" --key "$T/key.pub"
err_has "gopher"
run_rc 2 nxp repo push "$T/repo" "https://$REG/nxp/demo"
[ "$(nxp repo list --json | jq '.repositories | length')" = 1 ] || fail "a refused URL was added"
pass "unknown URL schemes are usage errors naming file, http, https and oci"
