#!/usr/bin/env bash
# An MCPB bundle's static tools become pinned tools (issue 19 item 4): `nxp import mcpb`
# writes them to plugin.json's "tools", `nxp repo build` pins those names in the signed
# index (with --pin-tools the server's definitions, which must name the same tools), the
# install health check fails when the server lacks a declared tool, and `nxp exec` withholds
# every tool the bundle did not declare and refuses its calls. `nxp export mcpb` writes the
# declared tools back.
. "$(dirname "$0")/testlib.sh"
cd "$T"
ZIP="python3 $SRC/tests/cli/mcpb_tools_zip.py"
index_json() { zstd -dc "$T/repo/index.json.zst"; }

# A bundle declaring alpha and beta whose server also offers gamma.
$ZIP abc.mcpb bundle-abc alpha,beta,gamma alpha,beta
run_rc 0 nxp --json import mcpb abc.mcpb -o abc
jq -e '[.tools[].name] == ["alpha", "beta"] and .tools[0].description == "Declared alpha"
    and .tools_pinned == true' "$T/out" >/dev/null || { cat "$T/out"; fail "import --json lacks the declared tools"; }
jq -e '.tools == [{"name": "alpha", "description": "Declared alpha"},
                  {"name": "beta", "description": "Declared beta"}]' abc/plugin.json >/dev/null ||
    { cat abc/plugin.json; fail "plugin.json lacks the declared tools"; }
run_rc 0 nxp import mcpb abc.mcpb -o abc-text
out_has "Declared tools: alpha beta (plugin.json \"tools\": the repository pins these names"
run_rc 0 nxp lint abc

# repo build pins the declared names (a pin by name alone) without --pin-tools.
make_repo "$T/abc"
index_json | jq -e '.packages[] | select(.name == "bundle-abc") | .tools == ["alpha", "beta"]' >/dev/null ||
    { index_json; fail "the index does not pin the declared tool names"; }
pass "import mcpb writes the declared tools; repo build pins their names in the signed index"

# With --pin-tools the server's definitions must name exactly the declared tools.
before=$(sha256sum "$T/repo/index.json.zst")
run_rc 4 nxp repo build "$T/repo" "$T/pkgs/bundle-abc-1.0.0.nxp" --key "$T/key.key" --pin-tools
err_has "plugin bundle-abc 1.0.0"
err_has 'offers tool "gamma", which plugin.json does not declare'
[ "$before" = "$(sha256sum "$T/repo/index.json.zst")" ] || fail "a refused --pin-tools build changed the index"
pass "repo build --pin-tools refuses a server whose tools are not the declared ones, naming the tool"

# Install: the health check passes (alpha and beta are answered); gamma is named as withheld.
make_root
run_rc 0 nxp --yes install bundle-abc
err_has 'bundle-abc: the server offers tool "gamma", which its package does not declare; nxp exec withholds it'
run_rc 0 nxp --json info bundle-abc
jq -e '.tools == ["alpha", "beta"]' "$T/out" >/dev/null || { cat "$T/out"; fail "info: the recorded tools are not the declared ones"; }
cat >msgs.json <<'JSON'
[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}},
 {"jsonrpc":"2.0","method":"notifications/initialized"},
 {"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}},
 {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"gamma","arguments":{}}},
 {"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"alpha","arguments":{}}}]
JSON
python3 "$SRC/tests/cli/mcp_drive.py" msgs.json 30 "$NXP" exec bundle-abc >"$T/out" 2>"$T/err" || true
jq -se '[.[] | select(.id == 2)][0].result.tools | map(.name) == ["alpha", "beta"]' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "nxp exec does not withhold the undeclared tool"; }
jq -se '[.[] | select(.id == 3)][0].error.message | test("tool \"gamma\" is withheld: it was not among the tools pinned for bundle-abc")' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "a call of the undeclared tool is not refused"; }
jq -se '[.[] | select(.id == 4)][0].result.content[0].text == "called alpha"' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "a declared tool does not answer"; }
grep -q 'gamma' "$T/err" || { cat "$T/err"; fail "the withheld tool is not logged"; }
pass "nxp exec shows only the declared tools and refuses a call of another"

# Export writes the declared tools back, with their descriptions.
run_rc 0 nxp --json export mcpb bundle-abc -o back.mcpb
jq -e '.tools == 2 and .manifest.tools == [{"name": "alpha", "description": "Declared alpha"},
    {"name": "beta", "description": "Declared beta"}]' "$T/out" >/dev/null || { cat "$T/out"; fail "export of the declared tools"; }
run_rc 0 nxp --json export mcpb abc -o dir.mcpb
jq -e '.tools == 2 and (.manifest.tools | map(.name)) == ["alpha", "beta"]' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "export of a directory's declared tools"; }
pass "export mcpb writes the declared tools back"

# A bundle declaring a tool its server lacks: the install health check fails naming it and
# nothing is installed.
$ZIP lacking.mcpb bundle-lacking alpha alpha,delta
run_rc 0 nxp import mcpb lacking.mcpb -o lacking
make_repo "$T/abc" "$T/lacking"
nxp refresh >/dev/null
run_rc 4 nxp --yes install bundle-lacking
err_has 'bundle-lacking 1.0.0: MCP health check'
err_has 'the server does not offer the declared tool "delta"'
err_has "pinned in its signed index"
run_rc 0 nxp --json list
jq -e '[.packages[].name] | index("bundle-lacking") | not' "$T/out" >/dev/null || fail "bundle-lacking was installed"
pass "the install health check fails when the server lacks a declared tool, naming it"

# The same packages installed from their files, without the index's pins: the tools each
# package declares in its plugin.json bind it just the same.
rm -rf "${NXP_ROOT:?}"
nxp init --nextchat-version "${NEXTCHAT_VERSION:-2.16.0}" >/dev/null
run_rc 4 nxp --yes install --allow-untrusted "$T/pkgs/bundle-lacking-1.0.0.nxp"
err_has 'the server does not offer the declared tool "delta"'
err_has 'that its package declares (plugin.json "tools")'
run_rc 0 nxp --json list
jq -e '.packages | length == 0' "$T/out" >/dev/null || { cat "$T/out"; fail "a file lacking a declared tool was installed"; }
run_rc 0 nxp --yes install --allow-untrusted "$T/pkgs/bundle-abc-1.0.0.nxp"
err_has 'bundle-abc: the server offers tool "gamma", which its package does not declare; nxp exec withholds it'
python3 "$SRC/tests/cli/mcp_drive.py" msgs.json 30 "$NXP" exec bundle-abc >"$T/out" 2>"$T/err" || true
jq -se '[.[] | select(.id == 2)][0].result.tools | map(.name) == ["alpha", "beta"]' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "nxp exec of a file-installed package does not withhold the undeclared tool"; }
jq -se '[.[] | select(.id == 3)][0].error.message | test("tool \"gamma\" is withheld")' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "a call of the undeclared tool of a file-installed package is not refused"; }
pass "a package installed from its file is held to the tools its plugin.json declares"

# A bundle that declares no tools, or says tools_generated, pins nothing.
$ZIP gen.mcpb bundle-gen alpha "" '[{"name": "alpha"}]'
python3 - gen.mcpb <<'PY'
import json, sys, zipfile
src = zipfile.ZipFile(sys.argv[1]); files = {n: src.read(n) for n in src.namelist()}; src.close()
m = json.loads(files["manifest.json"]); m["tools_generated"] = True
files["manifest.json"] = json.dumps(m).encode()
z = zipfile.ZipFile(sys.argv[1], "w")
for n, d in files.items(): z.writestr(n, d)
z.close()
PY
run_rc 0 nxp --json import mcpb gen.mcpb -o gen
jq -e '.tools_pinned == false and (.notes | any(test("tools_generated")))' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "tools_generated"; }
jq -e 'has("tools") | not' gen/plugin.json >/dev/null || fail "tools_generated wrote tools"
pass "tools_generated and undeclared tools pin nothing"
