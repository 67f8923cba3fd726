#!/usr/bin/env bash
# `nxp import npm` turns real MCP servers from the npm registry into plugins; a repository
# of three is built and one installed, its MCP health check passing in the sandbox.
# Needs the npm registry: skipped (77) only when `npm ping` fails.
. "$(dirname "$0")/testlib.sh"
command -v npm >/dev/null || fail "npm is not installed (.ci/install-deps installs it)"
timeout 60 npm ping >/dev/null 2>&1 || { echo "SKIP: the npm registry is not reachable (npm ping failed)"; exit 77; }
export npm_config_cache=$T/npm-cache
cd "$T"

MEMORY=@modelcontextprotocol/server-memory@2025.4.25
run_rc 0 nxp import npm "$MEMORY" -o memory
out_has "Imported @modelcontextprotocol/server-memory@2025.4.25 as plugin modelcontextprotocol-server-memory"
m=memory/plugin.json
jq -e '.name == "modelcontextprotocol-server-memory" and .version == "2025.4.25" and .kind == "mcp-server"
    and .license == "MIT" and (.summary | test("memory"; "i"))
    and .mcp.command == "node"
    and .mcp.args == ["${plugin_dir}/node_modules/@modelcontextprotocol/server-memory/dist/index.js"]
    and (.requires | index("node-runtime >= 18")) and .permissions == {} and .check.mcp' "$m" >/dev/null ||
    { cat "$m"; fail "plugin.json does not describe the npm package"; }
# Vendored: the server and its production dependencies, no .bin links, nothing left over.
[ -f memory/files/node_modules/@modelcontextprotocol/server-memory/dist/index.js ] || fail "the server is not vendored"
[ -f memory/files/node_modules/@modelcontextprotocol/sdk/package.json ] || fail "its dependency sdk is not vendored"
[ ! -e memory/files/node_modules/.bin ] || fail ".bin links were made"
[ -z "$(find . -maxdepth 1 -name '.nxp-import-*')" ] || fail "a temporary directory was left behind"
# Permissions are the publisher's to fill in: lint passes with a warning until they are.
run_rc 0 nxp --json lint memory
jq -e '.ok and ([.findings[] | select(.where == "plugin.json: permissions" and .severity == "warning")] | length == 1)' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "lint does not warn about the empty permissions"; }
jq '.permissions = {"env": ["MEMORY_FILE_PATH"]}' "$m" >m.new && mv m.new "$m"
nxp --json lint memory | jq -e '.findings == []' >/dev/null || fail "lint still warns with permissions filled in"

run_rc 0 nxp --json import npm @modelcontextprotocol/server-sequential-thinking@2025.7.1 -o thinking
jq -e '.schema == 1 and .name == "modelcontextprotocol-server-sequential-thinking" and .package == "@modelcontextprotocol/server-sequential-thinking"' \
    "$T/out" >/dev/null || fail "import --json"
run_rc 0 nxp import npm @modelcontextprotocol/server-brave-search@0.6.2 -o brave --name brave-search --no-check
jq -e '.name == "brave-search" and .check.mcp == false' brave/plugin.json >/dev/null || fail "--name, --no-check"

# Errors: a package npm does not have, a directory in the way (nothing written either way).
run_rc 5 nxp import npm @modelcontextprotocol/no-such-server-nxp-test -o nope
err_has "no-such-server-nxp-test"
[ ! -e nope ] || fail "a failed import left its directory"
run_rc 1 nxp import npm "$MEMORY" -o memory
err_has "memory: exists and is not an empty directory"

# A signed repository of the three, and the memory server installed and health-checked.
# node-runtime is the host's node; the node20 example plugin offers it too while it exists.
for d in memory thinking brave; do nxp pack "$d" -o pkgs/ >/dev/null; done
if [ -d "$SRC/examples/plugins/node20" ]; then nxp pack "$SRC/examples/plugins/node20" -o pkgs/ >/dev/null; fi
nxp key generate -o key >/dev/null
run_rc 0 nxp repo build repo pkgs/*.nxp --key key.key --id demo
make_root
run_rc 0 nxp --json search modelcontextprotocol
jq -e '.results | length == 2' "$T/out" >/dev/null || fail "the repository does not offer the imported servers"
run_rc 0 nxp --yes --grant all install modelcontextprotocol-server-memory
assert_installed modelcontextprotocol-server-memory 2025.4.25
run_rc 0 nxp --json info modelcontextprotocol-server-memory
jq -e '.tools | index("create_entities") and index("read_graph")' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "the health check did not record the memory server's tools"; }
pass "nxp import npm: real MCP servers vendored, packed, signed, installed and health-checked"
