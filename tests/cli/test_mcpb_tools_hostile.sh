#!/usr/bin/env bash
# Hostile declared tools (issue 19 item 4): an MCPB bundle or a plugin.json whose "tools"
# holds invalid names, a name twice, thousands of tools, descriptions that are not strings
# or are endless is refused with a message naming the field, and nothing is written.
. "$(dirname "$0")/testlib.sh"
cd "$T"
ZIP="python3 $SRC/tests/cli/mcpb_tools_zip.py"

# refused NAME TOOLS_JSON PATTERN…: a bundle whose manifest's "tools" is TOOLS_JSON is refused
# (exit 1) naming the bundle and every PATTERN; nothing is left behind.
refused() {
    local v=$1 tools=$2
    shift 2
    $ZIP "$v.mcpb" "bundle-$v" alpha "" "$tools"
    run_rc 1 nxp import mcpb "$v.mcpb" -o "out-$v"
    grep -q -- "$v.mcpb: manifest.json" "$T/err" || { cat "$T/err"; fail "$v: the message does not name the bundle"; }
    for p in "$@"; do
        grep -q -- "$p" "$T/err" || { cat "$T/err"; fail "$v: the message lacks '$p'"; }
    done
    [ ! -e "out-$v" ] || fail "$v: out-$v was left behind"
    [ -z "$(find . -maxdepth 1 -name '.nxp-import-*')" ] || fail "$v: a temporary directory was left"
}
thousands=$(python3 -c 'import json; print(json.dumps([{"name": "t%d" % i} for i in range(5000)]))')
long_desc=$(python3 -c 'import json; print(json.dumps([{"name": "a", "description": "d" * 70000}]))')
refused not-array '{"alpha": {}}' 'tools: expected an array'
refused name-number '[{"name": 7}]' 'tools\[0\]: expected an object with a string name'
refused bare-string '["alpha"]' 'tools\[0\]: expected an object with a string name'
refused empty-name '[{"name": ""}]' 'tools\[0\].name' 'not a valid tool name'
refused control-name '[{"name": "a\u001b[31mb"}]' 'tools\[0\].name' 'not a valid tool name'
refused long-name "[{\"name\": \"$(printf 'n%.0s' $(seq 129))\"}]" 'tools\[0\].name' 'not a valid tool name'
refused twice '[{"name": "a"}, {"name": "b"}, {"name": "a"}]' 'tools\[2\].name' '"a" is declared twice'
refused desc-number '[{"name": "a", "description": 5}]' 'tools\[0\].description' 'expected a string'
refused desc-object '[{"name": "a", "description": {"x": 1}}]' 'tools\[0\].description' 'expected a string'
refused desc-long "$long_desc" 'tools\[0\].description' 'longer than 65536 bytes'
refused thousands "$thousands" 'tools: 5000 tools; at most 1000 may be declared'
pass "import mcpb refuses hostile declared tools, naming the field"

# plugin.json itself: lint and pack refuse the same, naming the field.
$ZIP ok.mcpb bundle-ok alpha alpha
run_rc 0 nxp import mcpb ok.mcpb -o ok
# bad_plugin NAME TOOLS_JSON PATTERN: plugin.json's tools replaced; lint and pack refuse it.
bad_plugin() {
    local v=$1 tools=$2 pattern=$3
    rm -rf "p-$v" && cp -r ok "p-$v"
    jq --argjson t "$tools" '.tools = $t' ok/plugin.json >"p-$v/plugin.json"
    run_rc 1 nxp lint "p-$v"
    grep -q -- "$pattern" "$T/out" "$T/err" || { cat "$T/out" "$T/err"; fail "lint $v: lacks '$pattern'"; }
    mkdir -p "pk-$v"
    run_rc 1 nxp pack "p-$v" -o "pk-$v/"
    err_has "$pattern"
    [ -z "$(ls -A "pk-$v")" ] || fail "pack $v wrote a package"
}
bad_plugin dup '["a", {"name": "a"}]' 'tools\[1\].name: tool "a" is declared twice'
bad_plugin empty '[""]' 'tools\[0\]: "" is not a valid tool name'
bad_plugin number '[3]' 'tools\[0\]: expected a tool name or an object'
bad_plugin desc '[{"name": "a", "description": ["x"]}]' 'tools\[0\].description: expected string'
bad_plugin extra '[{"name": "a", "inputSchema": {}}]' 'tools\[0\]'
bad_plugin many "$(python3 -c 'import json; print(json.dumps(["t%d" % i for i in range(1001)]))')" 'tools: 1001 tools; at most 1000'
pass "plugin.json tools: lint and pack refuse hostile declarations, naming the field"
