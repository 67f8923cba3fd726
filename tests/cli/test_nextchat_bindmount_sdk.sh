#!/usr/bin/env bash
# NextChat's own client start-up through a bind-mounted app/mcp/mcp_config.json (slow suite,
# issue 17 item 2). As Docker users run it, the config is a single file bind-mounted over
# NextChat's own (here: a private mount namespace, unshare -m, as root; skipped otherwise).
# nxp writes it in place; nextchat_sdk_client.js (app/mcp/actions.ts and client.ts with the
# @modelcontextprotocol/sdk NextChat pins) run with its cwd in that NextChat directory, in the
# same kind of namespace, starts the installed server (a real npm MCP server, memory) through
# the entry and calls it; after `nxp disable memory` the entry is paused in the bind source
# and the client starts nothing. Without root, unshare, node, npm or the registry: skipped (77).
# shellcheck disable=SC2016  # the sh -c script expands its own arguments
. "$(dirname "$0")/testlib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: bind mounts in a private mount namespace need root"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: unshare -m is not available here"; exit 77; }
. "$(dirname "$0")/sdklib.sh"
need_nextchat_sdk

cd "$T" || exit 1
memory_repo_and_nextchat
HOST_CFG=$T/host/mcp_config.json
mkdir "$T/host"
cp "$CFG" "$HOST_CFG"
echo underneath >"$CFG"
# mounted CMD…: CMD where NextChat's mcp_config.json is a bind mount of the operator's file.
mounted() {
    unshare -m -- sh -c 'mount --bind "$1" "$2" || exit 90; shift 2; exec "$@"' \
        sh "$HOST_CFG" "$CFG" "$@"
}
make_root
run_rc 0 mounted "$NXP" nextchat set "$T/nc"
run_rc 0 mounted "$NXP" --yes --grant all install memory
self=$(readlink -f "$NXP")
jq -e --arg nxp "$self" '.mcpServers.memory.command == $nxp and .mcpServers.memory.status == "active"
       and (.mcpServers | has("filesystem"))' "$HOST_CFG" >/dev/null ||
    { cat "$HOST_CFG"; fail "the bind source does not hold the memory entry"; }
[ "$(cat "$CFG")" = underneath ] || fail "the file underneath the mount was written"
pass "install writes the memory entry through the bind mount"

# client: NextChat's start-up of every entry not paused, reading the bind-mounted file.
client() {
    (cd "$T/nc" && mounted timeout 120 node "$SRC/tests/cli/nextchat_sdk_client.js" "$SDK" "$self") \
        >"$T/client.out" 2>"$T/client.err"
}
client || { cat "$T/client.out" "$T/client.err"; fail "NextChat's client did not start memory"; }
jq -e 'select(.id == "memory") | (.tools | index("read_graph")) and .call > 0' "$T/client.out" >/dev/null ||
    { cat "$T/client.out"; fail "memory did not answer NextChat's client"; }
pass "NextChat's client starts memory from the bind-mounted file and calls it"

run_rc 0 mounted "$NXP" --yes disable memory
jq -e '.mcpServers.memory.status == "paused"' "$HOST_CFG" >/dev/null || fail "disable did not pause memory"
if client; then fail "NextChat's client started a server nxp disabled"; fi
grep -q '"id":"memory"' "$T/client.out" && fail "memory was started while disabled"
grep -q "no server in" "$T/client.err" || { cat "$T/client.err"; fail "the client failed otherwise"; }
pass "after nxp disable NextChat's client skips the paused entry"
