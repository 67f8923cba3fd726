#!/usr/bin/env bash
# NextChat's own MCP client library against a real MCP server through nxp (slow suite, issue
# 16 item 5): @modelcontextprotocol/sdk at the version NextChat's yarn.lock pins (1.11.4) is
# installed from npm into a cache in the build directory; @modelcontextprotocol/server-memory
# is imported from npm with `nxp import npm`, packed, signed and installed; nxp writes it into
# a NextChat fixture's app/mcp/mcp_config.json; then nextchat_sdk_client.js reads that file
# as NextChat's app/mcp/actions.ts does and starts the entry as app/mcp/client.ts does
# (StdioClientTransport + Client.connect, listTools, tools/call through client.request),
# checks the tools and a real call's result (an entity created, then read back), closes the
# client and checks that `nxp exec` and the sandboxed server are gone soon after.
# Without npm or the npm registry (npm ping fails) the test reports skipped (77).
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/sdklib.sh"
need_nextchat_sdk

# The memory server, imported from npm; its knowledge graph file goes to its state directory
# (the plugin directory is read-only in the sandbox).
cd "$T" || exit 1
memory_repo_and_nextchat
make_root
run_rc 0 nxp nextchat set "$T/nc"
run_rc 0 nxp --yes --grant all install memory
self=$(readlink -f "$NXP")
jq -e --arg nxp "$self" --arg root "$NXP_ROOT" \
    '.mcpServers.memory.command == $nxp and .mcpServers.memory.args == ["--root", $root, "exec", "memory"]
     and .mcpServers.memory.status == "active"' "$CFG" >/dev/null ||
    { cat "$CFG"; fail "mcp_config.json does not start memory through nxp exec"; }
pass "$MEMORY imported, installed, written into NextChat's mcp_config.json"

# NextChat's environment: a secret of NextChat's own must not matter to the server.
(cd "$T/nc" && OPENAI_API_KEY=sk-nextchat-secret timeout 120 node "$SRC/tests/cli/nextchat_sdk_client.js" \
    "$SDK" "$self") >"$T/client.out" 2>"$T/client.err" ||
    { cat "$T/client.out" "$T/client.err"; fail "NextChat's client did not complete against nxp exec"; }
cat "$T/client.out"
jq -e 'select(.id == "memory") | (.tools | index("create_entities") and index("read_graph")
       and index("search_nodes")) and .call > 0 and .exit_ms >= 0' "$T/client.out" >/dev/null ||
    fail "the tools list or the call result is not the memory server's"
[ -s "$NXP_ROOT/state/memory/memory.json" ] || fail "the entity did not reach the state directory"
grep -q "nxp-sdk-test-" "$NXP_ROOT/state/memory/memory.json" || fail "memory.json lacks the entity"
pass "StdioClientTransport + Client: connect, listTools, tools/call (create_entities, read_graph)"

# After client.close(): nothing of the session is left running (nxp exec, bubblewrap, node).
exit_ms=$(jq -r 'select(.id == "memory") | .exit_ms' "$T/client.out")
for _ in $(seq 100); do
    pgrep -f "$NXP_ROOT" >/dev/null || break
    sleep 0.05
done
if pgrep -af "$NXP_ROOT"; then fail "processes of the session are still running 5 s after close"; fi
[ "$exit_ms" -le 1000 ] || fail "nxp exec took $exit_ms ms to exit after client.close() (limit 1000)"
pass "client.close(): nxp exec exited after $exit_ms ms, the sandboxed server with it"
