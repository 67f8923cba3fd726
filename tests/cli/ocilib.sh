# OCI registries on 127.0.0.1 for test_oci*.sh; sourced after testlib.sh and
# tests/security/servers.sh (whose stop_servers stops them at exit).
# start_registry [USER PASSWORD]: Debian's docker-registry (distribution 2.8), filesystem
#   storage in $T, htpasswd auth (bcrypt, cost 4: the registry checks it on every request)
#   when USER is given; sets PORT.
# start_fake_registry STATEFILE: tests/cli/oci_fake_registry.py; sets PORT.

need_registry() {
    [ -x /usr/bin/docker-registry ] || {
        echo "SKIP: docker-registry is not installed (.ci/install-deps installs it)"; exit 77; }
}

start_registry() {
    local user=${1:-} password=${2:-} port dir
    need_registry
    port=$(free_port)
    dir=$(mktemp -d "$T/registry.XXXXXX")
    cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
    if [ -n "$user" ]; then
        python3 -W ignore -c 'import crypt,sys; print(sys.argv[1]+":"+crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' \
            "$user" "$password" >"$dir/htpasswd"
        cat >>"$dir/config.yml" <<YML
auth:
  htpasswd:
    realm: nxp-test
    path: $dir/htpasswd
YML
    fi
    /usr/bin/docker-registry serve "$dir/config.yml" >>"$dir/log" 2>&1 &
    SERVER_PIDS+=($!)
    wait_port "$port"
    PORT=$port
    REGISTRY_DIR=$dir
}

start_fake_registry() {
    local statefile=$1 portfile
    portfile=$(mktemp -u "$T/ociport.XXXXXX")
    [ -f "$statefile" ] || echo '{}' >"$statefile"
    python3 "$SRC/tests/cli/oci_fake_registry.py" "$portfile" "$statefile" 2>>"$T/fake_registry.log" &
    SERVER_PIDS+=($!)
    local i
    for i in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.05; done
    [ -s "$portfile" ] || fail "the fake registry did not start"
    PORT=$(cat "$portfile")
}
