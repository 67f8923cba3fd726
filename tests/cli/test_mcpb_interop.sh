#!/usr/bin/env bash
# MCPB both ways against the official tool (issue 19 item 4): @anthropic-ai/mcpb (pinned) from
# npm packs a bundle of examples/authoring/hello-mcp, nxp imports it, lints, packs, signs a
# repository, installs it into a throwaway root and asks it tools/list through nxp exec; then
# nxp exports the installed plugin and `mcpb validate`, `mcpb info` and `mcpb unpack` accept
# the bundle. Needs the npm registry for the tool (kept in a cache directory between runs):
# skipped (77) only when npm cannot reach it.
. "$(dirname "$0")/testlib.sh"
MCPB_VERSION=2.1.2
command -v npm >/dev/null || fail "npm is not installed (.ci/install-deps installs it)"
CACHE=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/nxp-tests/mcpb-$MCPB_VERSION
MCPB=$CACHE/node_modules/.bin/mcpb
if [ ! -x "$MCPB" ]; then
    timeout 60 npm ping >/dev/null 2>&1 ||
        { echo "SKIP: the npm registry is not reachable (npm ping failed)"; exit 77; }
    mkdir -p "$CACHE"
    (cd "$CACHE" && timeout 600 npm install --no-audit --no-fund --loglevel=error \
        "@anthropic-ai/mcpb@$MCPB_VERSION" >/dev/null) || fail "npm install @anthropic-ai/mcpb@$MCPB_VERSION"
fi
"$MCPB" --version | grep -qx "$MCPB_VERSION" || fail "mcpb is not $MCPB_VERSION"
cd "$T"

# --- the official tool packs, nxp imports ----------------------------------------------
mkdir -p src/server
cp "$SRC/examples/authoring/hello-mcp/files/server.js" src/server/index.js
cat >src/manifest.json <<'JSON'
{
  "manifest_version": "0.3",
  "name": "hello-bundle",
  "display_name": "Hello bundle",
  "version": "1.2.0",
  "description": "hello-mcp packed by the mcpb tool",
  "author": { "name": "Example Org", "email": "dev@example.org" },
  "license": "MIT",
  "server": {
    "type": "node",
    "entry_point": "server/index.js",
    "mcp_config": {
      "command": "node",
      "args": ["${__dirname}/server/index.js"],
      "env": { "HELLO_TOKEN": "${user_config.token}", "HELLO_DIR": "${user_config.dir}" }
    }
  },
  "tools": [
    { "name": "hello", "description": "Greets someone by name" },
    { "name": "add", "description": "Adds two numbers" }
  ],
  "compatibility": { "platforms": ["darwin", "win32", "linux"], "runtimes": { "node": ">=18.0.0" } },
  "user_config": {
    "token": { "type": "string", "title": "Token", "description": "An API token",
               "sensitive": true, "required": false },
    "dir": { "type": "directory", "title": "Directory", "description": "A working directory",
             "required": false }
  }
}
JSON
run_rc 0 "$MCPB" validate src/manifest.json
run_rc 0 "$MCPB" pack src hello.mcpb
[ -f hello.mcpb ] || fail "mcpb pack wrote no bundle"

run_rc 0 nxp --json import mcpb hello.mcpb -o hello
jq -e '.name == "hello-bundle" and .version == "1.2.0" and .server_type == "node"
    and .requires == ["nextchat >= 2.15", "node-runtime >= 18.0.0"]
    and .config.token.secret and .config.token.env == "HELLO_TOKEN"
    and .permissions.filesystem == [{"path": "${config.dir}", "access": "read-write"}]
    and ([.tools[].name] == ["hello", "add"])' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "import of mcpb pack's bundle"; }
run_rc 0 nxp --json lint hello
jq -e '.ok' "$T/out" >/dev/null || { cat "$T/out"; fail "lint"; }
make_repo "$T/hello"
make_root
run_rc 0 nxp --yes --grant all install hello-bundle
assert_installed hello-bundle 1.2.0
cat >msgs.json <<'JSON'
[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}},
 {"jsonrpc":"2.0","method":"notifications/initialized"},
 {"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}},
 {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":3}}}]
JSON
python3 "$SRC/tests/cli/mcp_drive.py" msgs.json 30 "$NXP" exec hello-bundle >"$T/out" 2>"$T/err" || true
jq -se '[.[] | select(.id == 2)][0].result.tools | map(.name) == ["hello", "add"]' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "the imported bundle does not answer tools/list through nxp exec"; }
jq -se '[.[] | select(.id == 3)][0].result.content[0].text == "5"' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "tools/call through nxp exec"; }

# --- nxp exports, the official tool validates ---------------------------------------------
run_rc 0 nxp export mcpb hello-bundle -o exported.mcpb
# mcpb info reads the zip and its (absent) signature: nxp's bundles are unsigned.
run_rc 0 "$MCPB" info exported.mcpb
out_has "File: exported.mcpb"
out_has "Not signed"
run_rc 0 "$MCPB" unpack exported.mcpb unpacked
run_rc 0 "$MCPB" validate unpacked/manifest.json
[ -f unpacked/server/index.js ] || fail "mcpb unpack did not find the server"
jq -e '.manifest_version == "0.3" and .server.entry_point == "server/index.js"
    and .user_config.token.sensitive and .user_config.dir.type == "directory"
    and (.tools | map(.name) | sort == ["add", "hello"])' unpacked/manifest.json >/dev/null ||
    { cat unpacked/manifest.json; fail "the exported manifest"; }
# A plugin made by nxp (not from a bundle) exports too: the example hello-mcp.
run_rc 0 nxp export mcpb "$SRC/examples/authoring/hello-mcp" -o example.mcpb
run_rc 0 "$MCPB" unpack example.mcpb example
run_rc 0 "$MCPB" validate example/manifest.json
run_rc 0 "$MCPB" info example.mcpb
# And what the official tool unpacks, nxp imports again.
run_rc 0 "$MCPB" pack unpacked repacked.mcpb
run_rc 0 nxp import mcpb repacked.mcpb -o again
jq -e '.name == "hello-bundle" and .mcp.args == ["${plugin_dir}/server/index.js"]' again/plugin.json >/dev/null ||
    { cat again/plugin.json; fail "the repacked bundle does not import"; }
pass "MCPB interop with @anthropic-ai/mcpb $MCPB_VERSION: its bundles install under nxp, nxp's bundles validate"
