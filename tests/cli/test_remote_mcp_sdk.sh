#!/usr/bin/env bash
# A real Streamable HTTP MCP server from the MCP TypeScript SDK (npm), as a remote nxp plugin
# (issue 16 item 3, slow suite): McpServer + StreamableHTTPServerTransport on 127.0.0.1
# (tests/cli/remote_sdk_server.mjs) requiring a bearer token; nxp installs a plugin whose
# mcp.remote names it, the install health check records its tools over HTTP, and `nxp exec`
# bridges tools/list and tools/call for a stdio client. The SDK is installed once into the
# build directory (npm, --ignore-scripts); without the npm registry the test is skipped (77).
. "$(dirname "$0")/testlib.sh"
SDK_VERSION=1.32.2
command -v node >/dev/null || fail "node is not installed (.ci/install-deps installs nodejs)"
command -v npm >/dev/null || fail "npm is not installed (.ci/install-deps installs npm)"
CACHE=${NXP_TEST_NPM_DIR:-$(cd "$(dirname "$NXP")" && pwd)/npm-cache-remote}
PREFIX=$CACHE/sdk-$SDK_VERSION
export npm_config_cache=$CACHE/.npm npm_config_update_notifier=false
if [ ! -f "$PREFIX/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
    if ! timeout 60 npm ping >/dev/null 2>&1; then
        echo "SKIP: the npm registry is not reachable ('npm ping' failed)"
        exit 77
    fi
    mkdir -p "$PREFIX"
    timeout 600 npm install --prefix "$PREFIX" --ignore-scripts --no-audit --no-fund --omit=dev \
        --no-package-lock "@modelcontextprotocol/sdk@$SDK_VERSION" >"$T/npm.log" 2>&1 ||
        { cat "$T/npm.log"; fail "npm install of the MCP SDK failed"; }
fi
cp "$SRC/tests/cli/remote_sdk_server.mjs" "$PREFIX/"

TOKEN="sdk-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
(cd "$PREFIX" && exec node remote_sdk_server.mjs "$TOKEN") >"$T/port" 2>"$T/server.err" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 300); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(head -1 "$T/port")
[ -n "$PORT" ] || { cat "$T/server.err"; fail "the SDK server did not start"; }
pass "MCP SDK $SDK_VERSION Streamable HTTP server on 127.0.0.1:$PORT"

mkdir -p "$T/src/sdkremote/files"
cat >"$T/src/sdkremote/plugin.json" <<JSON
{ "name": "sdkremote", "version": "1.0.0", "kind": "mcp-server",
  "summary": "MCP SDK server over Streamable HTTP",
  "mcp": { "remote": { "url": "http://127.0.0.1:$PORT/mcp",
                       "headers": { "Authorization": "Bearer \${config.token}" } } },
  "config": { "token": { "type": "string", "secret": true, "required": true } },
  "check": { "mcp": true, "timeout": 30 } }
JSON
make_repo "$T/src/sdkremote"
make_root
run_rc 0 nxp --yes --grant all install sdkremote
jq -n --arg v "$TOKEN" '{token: $v}' >"$T/config.json"
run_rc 0 nxp --yes config sdkremote --from-file "$T/config.json"
err_has "Checking MCP server sdkremote"
err_has "sdkremote answers with 2 tool(s): add, shout"
pass "the install health check recorded the SDK server's tools over HTTP"

{
    echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"nextchat","version":"1"}}}'
    echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
    echo '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}'
    echo '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"a":2,"b":40}}}'
    echo '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"shout","arguments":{"text":"remote"}}}'
    echo '{"jsonrpc":"2.0","id":5,"method":"ping"}'
} | jq -s . >"$T/msgs.json"
python3 "$SRC/tests/cli/mcp_drive.py" "$T/msgs.json" 60 "$NXP" exec sdkremote >"$T/out" 2>"$T/err" || true
text() { jq -r --argjson id "$1" 'select(.id == $id) | .result.content[0].text // empty' "$T/out"; }
jq -e -s 'map(select(.id == 1)) | .[0].result.serverInfo.name == "sdk-remote"' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "initialize through nxp exec"; }
jq -e -s 'map(select(.id == 2)) | .[0].result.tools | map(.name) == ["add", "shout"]' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "tools/list through nxp exec"; }
if [ "$(text 3)" != 42 ] || [ "$(text 4)" != REMOTE ]; then
    cat "$T/out" "$T/err"
    fail "tools/call through nxp exec"
fi
jq -e -s 'map(select(.id == 5)) | .[0].result == {}' "$T/out" >/dev/null || { cat "$T/out"; fail "ping"; }
grep -q "^exit=0 " "$T/err" || { cat "$T/err"; fail "nxp exec did not exit 0 when stdin closed"; }
pass "nxp exec bridges the SDK server: initialize, tools/list, tools/call, ping ($(sed -n 's/.*close_ms=//p' "$T/err") ms to exit)"

! grep -r -q -F "$TOKEN" "$NXP_ROOT" "$T/out" "$T/err" || fail "the token appears in nxp's output or root"
pass "the token reached only the server"
