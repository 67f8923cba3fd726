#!/usr/bin/env bash
# Node.js comes from the host: `node-runtime` is a host virtual package with the version
# `node --version` prints (absent without node on PATH), and every sandbox sees that node,
# also when it lives outside /usr.
. "$(dirname "$0")/testlib.sh"
command -v node >/dev/null || fail "node is not installed (.ci/install-deps installs nodejs)"
host_version=$(node --version); host_version=${host_version#v}

plugin needs-node 1.0.0 '"requires": ["node-runtime >= 1"],'
plugin needs-node99 1.0.0 '"requires": ["node-runtime >= 99"],'
# An MCP server that names the node it runs under: the fake node below sets a variable.
mkdir -p "$T/src/which-node/files"
cat >"$T/src/which-node/plugin.json" <<'JSON'
{ "name": "which-node", "version": "1.0.0", "kind": "mcp-server", "summary": "reports its node",
  "requires": ["node-runtime >= 18"],
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },
  "check": { "mcp": true, "timeout": 20 } }
JSON
cat >"$T/src/which-node/files/server.js" <<'JS'
const rl = require("readline").createInterface({ input: process.stdin });
const tool = process.env.NXP_TEST_FAKE_NODE ? "via-host-node-dir" : "via-system-node";
rl.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const result = m.method === "initialize"
    ? { protocolVersion: "2024-11-05", capabilities: { tools: {} }, serverInfo: { name: "w", version: "1" } }
    : { tools: [{ name: tool, inputSchema: { type: "object" } }] };
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }) + "\n");
});
JS
make_repo "$T/src/needs-node-1.0.0" "$T/src/needs-node99-1.0.0" "$T/src/which-node"
make_root

run_rc 0 nxp --dry-run --json install needs-node
jq -e '[.plan[].name] == ["needs-node"]' "$T/out" >/dev/null || fail "node-runtime from the host was not used"
run_rc 3 nxp --dry-run install needs-node99
err_has "node-runtime >= 99"
pass "node-runtime is the host's node ($host_version)"

mkdir -p "$T/empty"
PATH="$T/empty" run_rc 3 "$NXP" --dry-run install needs-node
err_has "nothing provides node-runtime"
pass "without node on PATH there is no node-runtime"

# A node outside /usr (as nvm or a tarball installs it), reporting version 99.1.0.
mkdir -p "$T/opt-node/bin"
real_node=$(command -v node)
printf '#!/bin/sh\n[ "$1" = --version ] && { echo v99.1.0; exit 0; }\nNXP_TEST_FAKE_NODE=1 exec %s "$@"\n' \
    "$real_node" >"$T/opt-node/bin/node"
chmod +x "$T/opt-node/bin/node"
PATH="$T/opt-node/bin:$PATH" run_rc 0 nxp --dry-run --json install needs-node99
PATH="$T/opt-node/bin:$PATH" run_rc 0 nxp --yes install which-node
nxp --json info which-node | jq -e '.tools == ["via-host-node-dir"]' >/dev/null \
    || { nxp --json info which-node; fail "the sandbox did not run the host's node from its own directory"; }
pass "a node outside /usr is bound into the sandbox and found first"
