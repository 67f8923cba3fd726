# Fixtures shared by the apply, lock and bundle tests: a repository with a plugin holding a
# secret (vault), one asking for permissions (netty) and the examples, and a desired file.
make_apply_repo() {
    mkdir -p "$T/src/vault/files" "$T/src/netty/files"
    cat >"$T/src/vault/plugin.json" <<'JSON'
{ "name": "vault", "version": "1.0.0", "kind": "library", "summary": "holds a secret",
  "config": { "token": { "type": "string", "secret": true, "required": true, "env": "VAULT_TOKEN",
                         "description": "API token" },
              "level": { "type": "integer", "minimum": 1, "maximum": 9, "default": 1, "env": "VAULT_LEVEL" } } }
JSON
    echo vault >"$T/src/vault/files/README"
    cat >"$T/src/netty/plugin.json" <<'JSON'
{ "name": "netty", "version": "1.0.0", "kind": "library", "summary": "asks for permissions",
  "permissions": { "network": ["api.example.org"] } }
JSON
    echo netty >"$T/src/netty/files/README"
    local dirs=() d
    # node20 only while the examples ship it (node-runtime may come from the host instead).
    for d in mcp-common node20 notes-json writing-prompts translator-mask; do
        [ -d "$SRC/examples/plugins/$d" ] && dirs+=("$SRC/examples/plugins/$d/")
    done
    make_repo "${dirs[@]}" "$T/src/vault" "$T/src/netty"
}

# desired FILE [EXTRA-PLUGINS-JSON]: the standard desired state, with its repository at $T/repo.
write_desired() {
    local file=$1 extra=${2:-}
    local key; key=$(tail -n 1 "$T/key.pub")
    cat >"$file" <<JSON
{ "format": 1,
  "repositories": { "demo": { "url": "file://$T/repo", "keys": ["$key"] } },
  "plugins": {
    "notes-json": {},
    "vault": { "version": "^1", "config": { "token": { "env": "VAULT_TOKEN" }, "level": 3 } },
    "netty": { "grant": { "network": ["api.example.org"] } },
    "writing-prompts": { "enabled": false } $extra
  } }
JSON
}

generation() { readlink "$NXP_ROOT/current"; }
history_count() { nxp history --json | jq '.transactions | length'; }

# Every key of the JSON document in $T/out is documented in nxp-json(7) (as *key*).
json_documented() {
    local page k; page=$(cat "$SRC/man/nxp-json.7.scd")
    for k in $(jq -r '[paths | .[] | strings] | unique | .[]' "$T/out"); do
        grep -qF -- "*$k*" <<<"$page" || fail "nxp-json(7) does not document '$k' of $1"
    done
}
