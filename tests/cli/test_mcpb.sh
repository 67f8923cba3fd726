#!/usr/bin/env bash
# MCPB bundles both ways (issue 19 item 4), without the network: a bundle (a tiny node MCP
# server, tests/cli/mcpb_zip.py) imported, linted, packed, signed, installed into a throwaway
# root and asked tools/list and tools/call through nxp exec with its settings; then exported
# back, and the bundle read again by nxp (reproducible, the same mapping).
. "$(dirname "$0")/testlib.sh"
cd "$T"
python3 "$SRC/tests/cli/mcpb_zip.py" good hello.mcpb

run_rc 0 nxp import mcpb hello.mcpb -o hello
out_has "Imported hello.mcpb (bundle-hello 1.0.0, node server) as plugin bundle-hello in hello."
out_has "api_key (string, env HELLO_API_KEY, secret)"
m=hello/plugin.json
jq -e '.name == "bundle-hello" and .version == "1.0.0" and .kind == "mcp-server"
    and .publisher == "Example Org" and .license == "MIT"
    and .requires == ["nextchat >= 2.15", "node-runtime >= 16.0.0"]
    and .mcp == {"command": "node", "args": ["${plugin_dir}/server/index.js", "--limit", "${config.limit}"]}
    and .config.api_key.secret and .config.api_key.env == "HELLO_API_KEY"
    and .config.limit == {"type": "number", "description": "Limit: How many", "minimum": 1, "maximum": 10, "default": 5}
    and .config.HELLO_DATA.default == "${plugin_dir}/data" and .config.HELLO_DATA.env == "HELLO_DATA"
    and .config.workdir.type == "string"
    and .permissions.filesystem == [{"path": "${config.workdir}", "access": "read-write"}]
    and .check.mcp' "$m" >/dev/null || { cat "$m"; fail "plugin.json does not map the bundle"; }
[ -f hello/files/server/index.js ] && [ -f hello/files/manifest.json ] || fail "the bundle's tree is not files/"
[ -z "$(find . -maxdepth 1 -name '.nxp-import-*')" ] || fail "a temporary directory was left behind"
run_rc 1 nxp import mcpb hello.mcpb -o hello
err_has "hello: exists and is not an empty directory"
run_rc 0 nxp --json import mcpb hello.mcpb -o hello2 --name hello-two --no-check
jq -e '.schema == 1 and .command == "import mcpb" and .name == "hello-two" and .server_type == "node"
    and .entry_point == "server/index.js" and .signed == false
    and ([.tools[].name] == ["greet", "limit"]) and .config.api_key.secret' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "import mcpb --json"; }
jq -e '.check.mcp == false' hello2/plugin.json >/dev/null || fail "--no-check"
jq -e '.tools == [{"name": "greet", "description": "Say hello"},
    {"name": "limit", "description": "The configured limit"}]' hello/plugin.json >/dev/null ||
    { cat hello/plugin.json; fail "the declared tools are not in plugin.json"; }

# lint and pack accept it; a signed repository; install with the grants; tools/list.
run_rc 0 nxp --json lint hello
jq -e '.ok' "$T/out" >/dev/null || { cat "$T/out"; fail "lint refuses the imported bundle"; }
make_repo "$T/hello"
make_root
run_rc 0 nxp --yes --grant all install bundle-hello
assert_installed bundle-hello 1.0.0
run_rc 0 nxp --json info bundle-hello
jq -e '.tools | index("greet") and index("limit")' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "the health check did not record the bundle's tools"; }
run_rc 0 nxp --yes config bundle-hello api_key sk-test-123
run_rc 0 nxp --yes config bundle-hello limit 7
cat >msgs.json <<'JSON'
[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}},
 {"jsonrpc":"2.0","method":"notifications/initialized"},
 {"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}},
 {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"greet","arguments":{"who":"nxp"}}}]
JSON
python3 "$SRC/tests/cli/mcp_drive.py" msgs.json 30 "$NXP" exec bundle-hello >"$T/out" 2>"$T/err" || true
jq -se '[.[] | select(.id == 2)][0].result.tools | map(.name) == ["greet", "limit"]' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "the installed bundle does not answer tools/list through nxp exec"; }
jq -se '[.[] | select(.id == 3)][0].result.content[0].text == "hello nxp key=set argv=--limit 7"' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "the settings do not reach the server (env and argument)"; }

# Export: from the installed plugin (its recorded tools), a directory and a .nxp.
run_rc 0 nxp --json export mcpb bundle-hello -o out.mcpb
jq -e '.command == "export mcpb" and .from == "installed" and .file == "out.mcpb" and .tools == 2
    and .manifest.manifest_version == "0.3" and .manifest.server.type == "node"
    and .manifest.server.entry_point == "server/index.js"
    and .manifest.server.mcp_config.args == ["${__dirname}/server/index.js", "--limit", "${user_config.limit}"]
    and .manifest.server.mcp_config.env.HELLO_API_KEY == "${user_config.api_key}"
    and .manifest.user_config.api_key.sensitive and .manifest.user_config.workdir.type == "directory"
    and .manifest.compatibility == {"platforms": ["linux"], "runtimes": {"node": ">=16.0.0"}}
    and (.manifest.tools | map(.name) == ["greet", "limit"])
    and (.notes | any(test("manifest.json is replaced")))' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "export mcpb --json"; }
python3 - out.mcpb <<'PY' || fail "the exported bundle is not the expected zip"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
assert names[0] == "manifest.json", names
assert names[1:] == sorted(names[1:]), names
assert "server/index.js" in names and "README.md" in names, names
assert all(i.date_time[0] == 2000 for i in z.infolist()), [i.date_time for i in z.infolist()]
assert json.loads(z.read("manifest.json"))["name"] == "bundle-hello"
PY
run_rc 0 nxp export mcpb bundle-hello -o again.mcpb
cmp out.mcpb again.mcpb || fail "export is not reproducible"
out_has "Wrote again.mcpb (bundle-hello 1.0.0, MCPB manifest 0.3"
run_rc 0 nxp --json export mcpb hello -o dir.mcpb
# A directory has no pins, but its plugin.json declares the bundle's tools (issue 19 item 4).
jq -e '.from == "directory" and .tools == 2' "$T/out" >/dev/null || { cat "$T/out"; fail "export of a directory"; }
run_rc 0 nxp --json export mcpb "$T/pkgs/bundle-hello-1.0.0.nxp" -o pkg.mcpb
jq -e '.from == "package"' "$T/out" >/dev/null || { cat "$T/out"; fail "export of a .nxp"; }
# Round trip: the exported bundle imports to the same plugin.json, but the tools.
run_rc 0 nxp import mcpb out.mcpb -o back
jq -S 'del(.config.HELLO_DATA.description)' back/plugin.json >a.json
jq -S 'del(.config.HELLO_DATA.description)' hello/plugin.json >b.json
# Titles come back from key names, fixed variables as keys of their own.
jq -e '.name == "bundle-hello" and .mcp == (input | .mcp) and (.config | keys) == (input | .config | keys)
    and .permissions == (input | .permissions)' a.json b.json b.json b.json >/dev/null ||
    { diff a.json b.json; fail "the exported bundle does not import back to the same plugin"; }
# Default file name; what has no MCPB form is refused naming the field.
run_rc 0 nxp export mcpb bundle-hello
[ -f bundle-hello-1.0.0.mcpb ] || fail "default output name"
run_rc 1 nxp export mcpb not-installed
err_has "not-installed: not installed"
mkdir -p remote
cat >remote/plugin.json <<'JSON'
{ "name": "far", "version": "1.0.0", "kind": "mcp-server", "summary": "remote",
  "mcp": { "remote": { "url": "https://mcp.example.com/mcp" } } }
JSON
run_rc 1 nxp export mcpb remote -o far.mcpb
err_has "plugin far: mcp.remote"
[ ! -e far.mcpb ] && [ ! -e far.mcpb.part ] || fail "a refused export left a file"
pass "MCPB both ways: imported, installed, answering through nxp exec, exported reproducibly"
