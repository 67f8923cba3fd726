#!/usr/bin/env bash
# A real MCP server from the npm registry, end to end (slow suite): npm installs
# @modelcontextprotocol/server-memory (pinned, --ignore-scripts) with Debian's Node.js; nxp
# packs it with node_modules vendored, builds a signed repository, installs it (MCP health
# check in the sandbox), lists its real tools, writes it into a NextChat fixture's
# mcp_config.json as `nxp exec`, and that entry, started as NextChat starts it, answers
# tools/list. Without the npm registry (npm ping fails) the test reports skipped (77).
. "$(dirname "$0")/testlib.sh"
PKG=@modelcontextprotocol/server-memory
VERSION=2026.8.31
command -v node >/dev/null || fail "node is not installed (.ci/install-deps installs nodejs)"
command -v npm >/dev/null || fail "npm is not installed (.ci/install-deps installs npm)"
export npm_config_cache=$T/npm-cache npm_config_update_notifier=false
if ! timeout 60 npm ping >/dev/null 2>&1; then
    echo "SKIP: the npm registry is not reachable ('npm ping' failed)"
    exit 77
fi

P=$T/src/memory
mkdir -p "$P/files"
timeout 600 npm install --prefix "$P/files" --ignore-scripts --no-audit --no-fund --omit=dev \
    --no-package-lock "$PKG@$VERSION" >"$T/npm.log" 2>&1 || { cat "$T/npm.log"; fail "npm install failed"; }
entry=node_modules/$PKG/dist/index.js
[ -f "$P/files/$entry" ] || fail "npm did not install $entry"
license=$(jq -r '.license // "unknown"' "$P/files/node_modules/$PKG/package.json")
cat >"$P/plugin.json" <<JSON
{ "name": "memory", "version": "$VERSION", "kind": "mcp-server",
  "summary": "Knowledge-graph memory ($PKG from npm, node_modules vendored)",
  "license": "$license", "requires": ["node-runtime >= 18"],
  "mcp": { "command": "node", "args": ["\${plugin_dir}/$entry"] },
  "check": { "mcp": true, "timeout": 60 } }
JSON
make_repo "$P"
cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
CFG=$T/nc/app/mcp/mcp_config.json
make_root
run_rc 0 nxp nextchat set "$T/nc"
pass "npm install of $PKG@$VERSION, packed into a signed repository"

run_rc 0 nxp --yes install memory
err_has "Checking MCP server memory"
nxp --json info memory >"$T/info"
for tool in create_entities read_graph search_nodes; do
    jq -e --arg t "$tool" '.tools | index($t) != null' "$T/info" >/dev/null || { cat "$T/info"; fail "info lacks tool $tool"; }
done
run_rc 0 nxp info memory; out_has "Tools .*create_entities"
pass "installed; the health check in the sandbox recorded the real tool names"

self=$(readlink -f "$NXP")
jq -e --arg nxp "$self" --arg root "$NXP_ROOT" \
    '.mcpServers.memory.command == $nxp and .mcpServers.memory.args == ["--root", $root, "exec", "memory"]
     and .mcpServers.memory.status == "active" and .mcpServers.filesystem.command == "npx"' "$CFG" >/dev/null \
    || { cat "$CFG"; fail "mcp_config.json does not start memory through nxp exec"; }
OPENAI_API_KEY=sk-nextchat-secret python3 "$SRC/tests/cli/mcp_client.py" "$CFG" memory 60 >"$T/tools" 2>"$T/err" \
    || { cat "$T/err"; fail "the mcp_config.json entry did not complete tools/list"; }
grep -qx create_entities "$T/tools" && grep -qx read_graph "$T/tools" || { cat "$T/tools"; fail "tools/list lacks the real tools"; }
pass "the entry NextChat would start answers initialize and tools/list ($(wc -l <"$T/tools") tools)"
