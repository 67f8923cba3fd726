#!/usr/bin/env bash
# NextChat's own pause button against NextChat's own client start-up (slow suite, issue 17
# item 5): a real MCP server (@modelcontextprotocol/server-memory from npm) installed through
# nxp and paused in NextChat (status "paused" in app/mcp/mcp_config.json, as NextChat's UI
# writes it) stays paused through an unrelated nxp transaction, so nextchat_sdk_client.js
# (app/mcp/actions.ts: paused entries are skipped) does not start it; after `nxp enable
# memory` it does, and the call through nxp exec works.
# Without npm or the npm registry (npm ping fails) the test reports skipped (77).
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/sdklib.sh"
need_nextchat_sdk

cd "$T" || exit 1
memory_repo_and_nextchat "$SRC/examples/plugins/translator-mask/"
make_root
run_rc 0 nxp nextchat set "$T/nc"
run_rc 0 nxp --yes --grant all install memory
self=$(readlink -f "$NXP")
# client: NextChat's start-up of every entry not paused; the lines of the servers it started.
client() {
    (cd "$T/nc" && timeout 120 node "$SRC/tests/cli/nextchat_sdk_client.js" "$SDK" "$self") \
        >"$T/client.out" 2>"$T/client.err"
}
client || { cat "$T/client.out" "$T/client.err"; fail "NextChat's client did not start memory"; }
jq -e 'select(.id == "memory") | .call > 0' "$T/client.out" >/dev/null || fail "memory did not answer"
pass "memory installed; NextChat's client starts it"

# The operator presses pause in NextChat: NextChat rewrites the file with status "paused".
jq '.mcpServers.memory.status = "paused"' "$CFG" >"$T/x" && cp "$T/x" "$CFG"
run_rc 0 nxp --yes install translator-mask   # unrelated transaction
jq -e '.mcpServers.memory.status == "paused"' "$CFG" >/dev/null || fail "the pause was undone"
if client; then fail "NextChat's client started a server paused in NextChat"; fi
grep -q '"id":"memory"' "$T/client.out" && fail "memory was started while paused"
grep -q "no server in" "$T/client.err" || { cat "$T/client.err"; fail "the client failed otherwise"; }
run_rc 0 nxp nextchat status; out_has "memory  paused (in NextChat)"
pass "after an unrelated transaction the paused server is still skipped by NextChat's client"

run_rc 0 nxp --yes enable memory
err_has "Resumed memory in NextChat"
jq -e '.mcpServers.memory.status == "active"' "$CFG" >/dev/null || fail "enable did not resume memory"
client || { cat "$T/client.out" "$T/client.err"; fail "NextChat's client did not start memory after enable"; }
jq -e 'select(.id == "memory") | (.tools | index("read_graph")) and .call > 0' "$T/client.out" >/dev/null ||
    fail "memory did not answer after enable"
pass "nxp enable: NextChat's client starts it again"
