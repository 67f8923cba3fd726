#!/usr/bin/env bash
# The sandbox's view of the host (DESIGN.md §3, §7; issue 13 items 1-2), through the real CLI:
# - a hook that plants a symlink in its state directory cannot get host files bound into the
#   health check that follows in the same transaction (every link shape the test generates);
# - ${config.KEY} inside an own path, ".." and a writable plugin tree are refused at pack;
# - a grant of ${config.root} covers the value granted: `nxp config NAME root OTHER` asks
#   again, refuses without a grant, and an ungranted value is never bound;
# - a secret configured into the environment is on no process's command line.
. "$(dirname "$0")/testlib.sh"
export NXP_HOOK_TIMEOUT=10

# Host files the plugins must never read: outside ROOT and outside every granted path.
HOST=$(mktemp -d /var/tmp/nxp-host.XXXXXX)
trap 'rm -rf "$T" "$HOST"' EXIT
MARK="host-marker-$RANDOM$RANDOM"
echo "$MARK" >"$HOST/host-secret"
mkdir -p "$HOST/allowed"
echo allowed-content >"$HOST/allowed/host-secret"

# mcp_server NAME: an MCP server in shell whose only tool is named after what it read from
# $READ/host-secret ("none" when it could not), so `nxp info` shows what the sandbox saw.
mcp_server() {
    cat >"$T/src/$1/files/server.sh" <<'SH'
#!/bin/sh
seen=$(cat "$READ/host-secret" 2>/dev/null | tr -cd 'a-z0-9-')
[ -n "$seen" ] || seen=none
read -r _; echo '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2024-11-05","capabilities":{},"serverInfo":{"name":"t","version":"1"}}}'
read -r _; read -r _; echo '{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"'"$seen"'"}]}}'
sleep "${LINGER:-0}"
SH
    chmod +x "$T/src/$1/files/server.sh"
}

# 1. Link shapes a hook plants at state/NAME/etc, each escaping towards $HOST.
UP=""; for _ in $(echo "$T/root/state/x" | tr '/' ' '); do UP="../$UP"; done
HOST_REL=${HOST#/}
targets=(
    "$UP$HOST_REL"                      # relative, up and out
    "$HOST"                             # absolute
    "/proc/self/root$HOST"              # through a magic link
    "chain-b/$UP$HOST_REL"              # through a chain: chain-a -> ., chain-b -> chain-a/..
    "to-abs"                            # a link to an escaping link
)
for i in "${!targets[@]}"; do
    n=planter$i
    mkdir -p "$T/src/$n/files"
    cat >"$T/src/$n/plugin.json" <<JSON
{ "name": "$n", "version": "1.0.0", "kind": "mcp-server", "summary": "plants a link",
  "mcp": { "command": "/bin/sh", "args": ["\${plugin_dir}/server.sh"] },
  "config": { "read": { "type": "string", "env": "READ", "default": "$T/root/state/$n/etc" } },
  "permissions": { "filesystem": [{ "path": "\${state_dir}/etc", "access": "read-only" }] },
  "hooks": { "post-install": "hook.sh" }, "check": { "mcp": true, "timeout": 10 } }
JSON
    printf '#!/bin/sh\nln -s . "$HOME/chain-a"; ln -s chain-a/.. "$HOME/chain-b"; ln -s %s "$HOME/to-abs"\nln -s %s "$HOME/etc"\n' \
        "'$HOST'" "'${targets[$i]}'" >"$T/src/$n/files/hook.sh"
    mcp_server "$n"
done

# 2. Own paths that could be pointed elsewhere, refused when packed.
bad_paths=('${state_dir}/${config.sub}' '${plugin_dir}/${config.sub}' '${state_dir}/../../etc'
           '${state_dir}/a/../..' '/srv/${state_dir}' '${state_dir}x/etc')
for i in "${!bad_paths[@]}"; do
    mkdir -p "$T/bad/b$i/files"
    cat >"$T/bad/b$i/plugin.json" <<JSON
{ "name": "b$i", "version": "1.0.0", "kind": "library", "summary": "bad own path",
  "config": { "sub": { "type": "string", "default": "../../etc" } },
  "permissions": { "filesystem": [{ "path": "${bad_paths[$i]}", "access": "read-only" }] } }
JSON
done
mkdir -p "$T/bad/rw/files"
cat >"$T/bad/rw/plugin.json" <<'JSON'
{ "name": "rw", "version": "1.0.0", "kind": "library", "summary": "writable tree",
  "permissions": { "filesystem": [{ "path": "${plugin_dir}/data", "access": "read-write" }] } }
JSON

# 3. A server reading where ${config.root} points, and 4. one holding a secret.
mkdir -p "$T/src/reader/files" "$T/src/holder/files"
cat >"$T/src/reader/plugin.json" <<JSON
{ "name": "reader", "version": "1.0.0", "kind": "mcp-server", "summary": "reads its root",
  "mcp": { "command": "/bin/sh", "args": ["\${plugin_dir}/server.sh"] },
  "config": { "root": { "type": "string", "env": "READ", "default": "$HOST/allowed" } },
  "permissions": { "filesystem": [{ "path": "\${config.root}", "access": "read-only" }] },
  "check": { "mcp": true, "timeout": 10 } }
JSON
mcp_server reader
cat >"$T/src/holder/plugin.json" <<'JSON'
{ "name": "holder", "version": "1.0.0", "kind": "mcp-server", "summary": "holds a secret",
  "mcp": { "command": "/bin/sh", "args": ["${plugin_dir}/server.sh"] },
  "config": { "token": { "type": "string", "secret": true, "env": "API_TOKEN" },
              "linger": { "type": "string", "env": "LINGER", "default": "0" } } }
JSON
mcp_server holder
printf '#!/bin/sh\necho "$API_TOKEN" >"$HOME/seen"\n' >>"$T/src/holder/files/server.sh"

make_repo "$T"/src/*/
make_root

# --- 1: planted links -------------------------------------------------------------------
for i in "${!targets[@]}"; do
    n=planter$i
    gen=$(readlink "$NXP_ROOT/current")
    run_rc 1 nxp --yes install "$n"
    err_has "$n"
    err_has "state/$n/etc"
    err_has "leads outside"
    grep -q "$MARK" "$T/err" "$T/out" && fail "$n: the host marker reached nxp's output"
    assert_not_installed "$n"
    [ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "$n: current moved"
done
grep -rqs "$MARK" "$NXP_ROOT/nxp.db" && fail "the host marker reached the database"
pass "a link planted by a hook never binds host files into the health check (${#targets[@]} shapes)"

# --- 2: own paths refused at pack ---------------------------------------------------------
for d in "$T"/bad/*/; do
    run_rc 1 nxp pack "$d" -o "$T/pkgs/"
    err_has "permissions.filesystem\[0\].path"
done
err_has "never writable"
pass "\${config.*} and .. in own paths, and a writable plugin tree, are refused at pack"

# --- 3: ${config.root} grants cover the value granted -----------------------------------
run_rc 0 nxp --yes --grant reader install reader
nxp --json info reader | jq -e '.tools == ["allowed-content"]' >/dev/null \
    || fail "the granted default path was not bound"
nxp --json permissions reader | jq -e --arg p "$HOST/allowed" \
    '[.granted.filesystem[].path] | index($p) != null' >/dev/null \
    || fail "the grant does not record the value it covers"

gen=$(readlink "$NXP_ROOT/current")
run_rc 1 nxp --yes config reader root "$HOST"
err_has "reader"; err_has "$HOST"; err_has "not granted"
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "a refused path change made a generation"
nxp config reader --json | jq -e --arg p "$HOST/allowed" '.keys[] | select(.key=="root") | .value == $p' \
    >/dev/null || fail "a refused path change changed the configuration"
pass "moving a granted \${config.root} asks again and refuses without a grant"

# Granted explicitly, the new value is bound; the grant now records it.
run_rc 0 nxp --yes --grant reader config reader root "$HOST"
nxp --json info reader | jq -e --arg m "$MARK" '.tools == [$m]' >/dev/null \
    || fail "a granted new value was not bound"
# A grant that covers the placeholder but not this value (as grants made before values were
# recorded): the value is not bound, and `permissions` says it is missing.
python3 - "$NXP_ROOT/nxp.db" "$HOST" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
(text,) = db.execute("select permissions from grants where package='reader'").fetchone()
g = json.loads(text)
g["filesystem"] = [f for f in g["filesystem"] if f["path"] != sys.argv[2]]
db.execute("update grants set permissions=? where package='reader'", (json.dumps(g),))
db.commit()
PY
nxp --json permissions reader | jq -e --arg p "$HOST" '[.missing.filesystem[].path] == [$p]' \
    >/dev/null || fail "permissions does not show the ungranted value as missing"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' '{}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' |
    timeout 20 "$NXP" exec reader >"$T/out" 2>"$T/err" && fail "exec started a plugin missing a grant"
# nxp exec refuses a plugin missing a grant (issue 15) and names the command that grants it.
err_has "nxp permissions reader --grant"
grep -q "$MARK" "$T/out" && fail "an ungranted \${config.root} value was bound"
pass "an ungranted \${config.root} value is never bound (exec refuses until it is granted)"

# Values that can never name a host path are not bound, and nxp says so.
for v in "relative/etc" "$HOST/allowed/../.." ; do
    run_rc 0 nxp --yes --grant reader config reader root "$v"
    err_has "reader: filesystem permission \${config.root}"
    err_has "it is not bound"
    nxp --json info reader | jq -e '.tools == ["none"]' >/dev/null || fail "$v was bound"
done
pass "a \${config.root} value that is not an absolute path without .. is never bound"

# --- 4: secrets never on a command line -------------------------------------------------
SECRET="sk-argv-$RANDOM$RANDOM"
run_rc 0 nxp --yes install holder
run_rc 0 nxp --yes config holder token "$SECRET"
run_rc 0 nxp --yes config holder linger 3
( printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' '{}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'; sleep 4 ) |
    timeout 20 "$NXP" exec holder >/dev/null 2>&1 &
EXEC=$!
seen_running=0
for _ in $(seq 40); do
    for f in /proc/[0-9]*/cmdline; do
        line=$( (tr '\0' ' ' <"$f") 2>/dev/null || true)
        case $line in *"$SECRET"*) fail "the secret is on a command line: $line" ;; esac
        case $line in *holder*server.sh*) seen_running=1 ;; esac
    done
    sleep 0.1
done
wait "$EXEC" || true
[ "$seen_running" = 1 ] || fail "the scan never saw the server running"
[ "$(cat "$NXP_ROOT/state/holder/seen")" = "$SECRET" ] || fail "the server did not get its secret"
pass "a secret reaches the plugin's environment and no process's command line"
