#!/usr/bin/env bash
# nxp tools (issue 16 item 2): an MCP server's pinned tools with their sizes; --disable and
# --enable as transactions that rollback undoes; what the server adds to the prompt in
# `nxp info`; unknown tool names refused with a suggestion; the reserved @tools rows never
# show as plugin settings, survive `nxp config` and `nxp apply`.
. "$(dirname "$0")/testlib.sh"
command -v node >/dev/null || fail "node is not installed"

# toolbox: an MCP server with three tools and one setting; its health check pins the tools.
mkdir -p "$T/src/toolbox/files"
cat >"$T/src/toolbox/plugin.json" <<'JSON'
{ "name": "toolbox", "version": "1.0.0", "kind": "mcp-server", "summary": "three tools",
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },
  "config": { "units": { "type": "enum", "values": ["metric", "imperial"], "default": "metric",
                         "env": "TOOLBOX_UNITS", "description": "Units" } },
  "check": { "mcp": true, "timeout": 10 } }
JSON
cat >"$T/src/toolbox/files/server.js" <<'JS'
const tools = [
  { name: "read_note", description: "Read a note by its title.\nA second line nobody lists.",
    inputSchema: { type: "object", properties: { title: { type: "string" } } } },
  { name: "write_note", description: "Write a note",
    inputSchema: { type: "object", properties: { title: { type: "string" }, body: { type: "string" } } } },
  { name: "delete_note", description: "Delete a note for ever", inputSchema: { type: "object" } },
];
require("readline").createInterface({ input: process.stdin }).on("line", (l) => {
  let m; try { m = JSON.parse(l); } catch { return; }
  if (m.id === undefined) return;
  let result;
  if (m.method === "initialize")
    result = { protocolVersion: "2024-11-05", capabilities: { tools: {} },
               serverInfo: { name: "toolbox", version: "1" } };
  else if (m.method === "tools/list") result = { tools };
  else if (m.method === "tools/call")
    result = { content: [{ type: "text", text: "called " + m.params.name + " " + process.env.TOOLBOX_UNITS }] };
  else {
    process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "no" } }) + "\n");
    return;
  }
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }) + "\n");
});
JS
plugin lib 1.0.0
# bare: an MCP server without a health check, so nothing is pinned.
plugin bare 1.0.0 '"mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },' mcp-server
make_repo "$T/src/toolbox/" "$T/src/lib-1.0.0/" "$T/src/bare-1.0.0/"
make_root
run_rc 0 nxp --yes install toolbox lib bare
gen() { readlink "$NXP_ROOT/current" | grep -o '[0-9]*$'; }
tools_json() { nxp --json tools toolbox; }
status_of() { tools_json | jq -r --arg t "$1" '.tools[] | select(.name == $t) | .status'; }

# --- listing -------------------------------------------------------------------------------
run_rc 0 nxp tools toolbox
for t in read_note write_note delete_note; do out_has "^$t  *shown  *[0-9][0-9]*  "; done
out_has "Read a note by its title\.$"  # the first line only
grep -q "nobody lists" "$T/out" && fail "the listing shows more than a description's first line"
out_has "^Prompt: 3 tools, [0-9]* bytes (0 hidden)"
doc=$(tools_json)
jq -e '.command == "tools" and .name == "toolbox" and .version == "1.0.0" and .pinned == true
       and .allow_unpinned == false and (.tools | length) == 3 and .prompt.tools == 3' <<<"$doc" >/dev/null ||
    fail "tools --json: $doc"
# Each size is that of the canonical definition (compact, keys sorted), and the prompt their sum.
jq -e 'all(.tools[]; .bytes == (.definition | tojson | length) and .hidden == false
           and .definition.name == .name and (.definition | has("inputSchema")))
       and .prompt.bytes == ([.tools[].bytes] | add)' <<<"$doc" >/dev/null ||
    fail "tools --json: sizes are not the definitions': $doc"
jq -e '.tools[] | select(.name == "read_note") | .description == "Read a note by its title.\nA second line nobody lists."' \
    <<<"$doc" >/dev/null || fail "tools --json: the description is not the whole text"
full=$(jq .prompt.bytes <<<"$doc")
del=$(jq '.tools[] | select(.name == "delete_note") | .bytes' <<<"$doc")
run_rc 0 nxp info toolbox
out_has "^Prompt      3 tools, $full bytes (0 hidden"
nxp --json info toolbox | jq -e ".prompt == {\"tools\": 3, \"bytes\": $full, \"hidden\": [], \"pinned\": true}" >/dev/null ||
    fail "info --json: no prompt size"
pass "tools lists the pinned tools with their sizes; info shows the prompt size"

# Nothing pinned: nothing to list, nxp exec withholds every tool; any tool name may be hidden.
run_rc 0 nxp tools bare
out_has "No tool definitions are pinned for bare 1.0.0: nxp exec withholds every tool unless --allow-unpinned"
out_has "^Prompt: 0 tools, 0 bytes (0 hidden)"
run_rc 0 nxp info bare
out_has "^Prompt      unknown: no tool definitions are pinned"
run_rc 0 nxp tools bare --disable anything_at_all
nxp --json tools bare | jq -e '.pinned == false and .tools == [{"name": "anything_at_all", "description": null,
    "hidden": true, "status": "hidden", "bytes": 0, "definition": null}] and .prompt == {"tools": 0, "bytes": 0}' >/dev/null ||
    fail "tools --json of an unpinned server: $(nxp --json tools bare)"
nxp --json info bare | jq -e '.prompt == {"tools": 0, "bytes": 0, "hidden": ["anything_at_all"], "pinned": false}' >/dev/null ||
    fail "info --json of an unpinned server: $(nxp --json info bare)"
run_rc 2 nxp tools bare --disable "$(printf 'bad\tname')"
err_has "not a tool name"
pass "a server without pins: nothing listed, the reason said, any tool name can be hidden"

# --- hiding, a transaction that rollback undoes ---------------------------------------------
g0=$(gen)
run_rc 0 nxp --dry-run tools toolbox --disable delete_note
out_has "Dry run"
[ "$(gen)" = "$g0" ] || fail "--dry-run made a generation"
[ "$(status_of delete_note)" = shown ] || fail "--dry-run hid a tool"
run_rc 0 nxp tools toolbox --disable delete_note
out_has "Hidden: delete_note"
out_has "Prompt: 2 tools, $((full - del)) bytes (1 hidden), was 3 tools, $full bytes (0 hidden)"
err_has "generation $((g0 + 1)) is current"
[ "$(gen)" = "$((g0 + 1))" ] || fail "--disable made no generation"
[ "$(status_of delete_note)" = hidden ] || fail "delete_note is not hidden"
[ "$(status_of read_note)" = shown ] || fail "read_note is not shown"
run_rc 0 nxp tools toolbox
out_has "^delete_note  *hidden"
out_has "^Prompt: 2 tools, $((full - del)) bytes (1 hidden)"
run_rc 0 nxp info toolbox
out_has "^Prompt      2 tools, $((full - del)) bytes (1 hidden"
nxp --json info toolbox | jq -e ".prompt == {\"tools\": 2, \"bytes\": $((full - del)), \"hidden\": [\"delete_note\"], \"pinned\": true}" >/dev/null ||
    fail "info --json: the prompt size does not leave out the hidden tool"
id=$(nxp --json history | jq '.transactions | max_by(.id) | .id')
nxp --json history info "$id" | jq -e '.steps == [{"action": "tools", "name": "toolbox", "from": "1.0.0", "to": "1.0.0", "repo": "demo", "untrusted": false}]
    and (.command_line | test("tools.*--disable delete_note"))' >/dev/null ||
    fail "history does not record the change: $(nxp --json history info "$id")"
run_rc 0 nxp --yes rollback
[ "$(status_of delete_note)" = shown ] || fail "rollback did not restore delete_note"
tools_json | jq -e ".prompt.bytes == $full" >/dev/null || fail "rollback: prompt size"
pass "--disable hides in a new generation (history, prompt size, info); rollback restores"

# --- names: a typo gets a suggestion, nothing changes ---------------------------------------
g1=$(gen)
run_rc 2 nxp tools toolbox --disable delet_note
err_has "toolbox has no tool named 'delet_note'; did you mean 'delete_note'?"
run_rc 2 nxp tools toolbox --enable Write_Note
err_has "did you mean 'write_note'?"
run_rc 2 nxp tools toolbox --disable zzzzzz
err_has "toolbox has no tool named 'zzzzzz'"
grep -q "did you mean" "$T/err" && fail "a suggestion for a name nothing resembles"
run_rc 2 nxp tools toolbox --disable read_note --enable read_note
err_has "both --disable and --enable"
run_rc 2 nxp tools toolbox --allow-unpinned --pinned-only
run_rc 1 nxp tools nothere
err_has "not installed"
run_rc 1 nxp tools lib
err_has "not an MCP server"
[ "$(gen)" = "$g1" ] || fail "a refused command made a generation"
pass "unknown tools refused with did-you-mean; other plugins refused; nothing changes"

# --- JSON of a change; nothing to do; --enable ----------------------------------------------
doc=$(nxp --json tools toolbox --disable write_note,delete_note)
jq -e '.command == "tools" and .applied == true and .disabled == ["delete_note", "write_note"]
       and .enabled == [] and .hidden == ["delete_note", "write_note"] and .prompt.tools == 1
       and .generation == '"$(gen)" <<<"$doc" >/dev/null || fail "tools --disable --json: $doc"
[ "$(gen)" != "$g1" ] || fail "--disable --json made no generation"
g2=$(gen)
run_rc 0 nxp tools toolbox --disable write_note
out_has "Nothing to do"
[ "$(gen)" = "$g2" ] || fail "nothing to do made a generation"
nxp --json tools toolbox --disable write_note | jq -e '.applied == false' >/dev/null || fail "nothing to do --json"
doc=$(nxp --json tools toolbox --enable write_note)
jq -e '.applied == true and .enabled == ["write_note"] and .hidden == ["delete_note"]' <<<"$doc" >/dev/null ||
    fail "tools --enable TOOL --json: $doc"
run_rc 0 nxp tools toolbox --disable read_note
run_rc 0 nxp tools toolbox --enable
out_has "Restored: delete_note, read_note"
out_has "^Prompt: 3 tools, $full bytes (0 hidden)"
tools_json | jq -e 'all(.tools[]; .status == "shown")' >/dev/null || fail "--enable did not restore all"
doc=$(nxp --json tools toolbox --allow-unpinned)
jq -e '.applied == true and .allow_unpinned == true' <<<"$doc" >/dev/null || fail "--allow-unpinned: $doc"
tools_json | jq -e '.allow_unpinned == true' >/dev/null || fail "--allow-unpinned not kept"
run_rc 0 nxp tools toolbox --pinned-only
out_has "Only pinned tool definitions pass"
tools_json | jq -e '.allow_unpinned == false' >/dev/null || fail "--pinned-only not kept"
pass "--json of changes, nothing to do, --enable TOOL and --enable (all), --allow-unpinned"

# --- the reserved rows are not plugin settings ----------------------------------------------
run_rc 0 nxp tools toolbox --disable delete_note --allow-unpinned
run_rc 0 nxp config toolbox
grep -q "@tools" "$T/out" && fail "config lists a reserved row"
out_has "^units "
nxp --json config toolbox | jq -e '[.keys[].key] == ["units"]' >/dev/null || fail "config --json lists reserved rows"
run_rc 0 nxp config toolbox units imperial
[ "$(status_of delete_note)" = hidden ] || fail "a config change dropped the tool filters"
tools_json | jq -e '.allow_unpinned == true' >/dev/null || fail "a config change dropped --allow-unpinned"
run_rc 1 nxp config toolbox units kelvin
err_has "units"
run_rc 1 nxp config toolbox @tools.hidden '[]'
err_has "nxp's own"
echo '{"@tools.hidden": []}' >"$T/cfg.json"
run_rc 1 nxp config toolbox --from-file "$T/cfg.json"
err_has "nxp's own"
[ "$(status_of delete_note)" = hidden ] || fail "config changed the tool filters"
# An apply file says nothing of tool filters: they stay.
key=$(tail -n 1 "$T/key.pub")
cat >"$T/desired.json" <<JSON
{ "format": 1, "repositories": { "demo": { "url": "file://$T/repo", "keys": ["$key"] } },
  "plugins": { "toolbox": { "config": { "units": "metric" } }, "lib": {} } }
JSON
doc=$(nxp --json --yes apply "$T/desired.json" 2>"$T/err") || { cat "$T/err"; fail "apply failed: $doc"; }
jq -e '.config == [{"plugin": "toolbox", "key": "units", "action": "change", "secret": false, "value": "metric", "source": "literal"}]' \
    <<<"$doc" >/dev/null || fail "apply's config diff: $(jq -c .config <<<"$doc")"
[ "$(status_of delete_note)" = hidden ] || fail "apply dropped the tool filters"
tools_json | jq -e '.allow_unpinned == true' >/dev/null || fail "apply dropped --allow-unpinned"
nxp --json --yes apply "$T/desired.json" | jq -e '.changed == false' >/dev/null ||
    fail "apply is not idempotent with tool filters set"
sed -i 's/"units": "metric"/"@tools.hidden": []/' "$T/desired.json"
run_rc 1 nxp --yes apply "$T/desired.json"
err_has "nxp's own"
pass "reserved rows: not listed by config, kept by config and apply, refused as settings"

# --- through nxp exec, started as NextChat starts it ---------------------------------------
run_rc 0 nxp tools toolbox --pinned-only
cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
run_rc 0 nxp nextchat set "$T/nc"
CFG=$T/nc/app/mcp/mcp_config.json
list_through_exec() {
    python3 "$SRC/tests/cli/mcp_client.py" "$CFG" toolbox 30 >"$T/tools" 2>"$T/err" ||
        { cat "$T/err"; fail "mcp_client.py could not list toolbox's tools"; }
    sort "$T/tools" | tr '\n' ' '
}
[ "$(list_through_exec)" = "read_note write_note " ] || fail "tools/list through nxp exec: $(cat "$T/tools")"
cat >"$T/session" <<'JSONL'
{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"delete_note","arguments":{}}}
{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"read_note","arguments":{"title":"x"}}}
JSONL
python3 "$SRC/tests/cli/mcp_session.py" "$T/session" 30 "$NXP" exec toolbox >"$T/out" 2>"$T/err" || true
jq -se 'map(select(.id == 3)) | length == 1 and (.[0].error.code | type) == "number" and (.[0] | has("result") | not)' \
    "$T/out" >/dev/null || { cat "$T/out" "$T/err"; fail "a tools/call to a hidden tool got no JSON-RPC error"; }
jq -se 'map(select(.id == 4))[0].result.content[0].text == "called read_note metric"' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "a tools/call to a shown tool did not reach the server"; }
run_rc 0 nxp tools toolbox --enable
[ "$(list_through_exec)" = "delete_note read_note write_note " ] || fail "--enable: tools/list through nxp exec: $(cat "$T/tools")"
pass "through nxp exec: a hidden tool is gone from tools/list, a call to it gets a JSON-RPC error; --enable brings it back"
