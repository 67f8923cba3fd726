#!/usr/bin/env bash
# Libraries that work (issue 15 item 3): a plugin sees, read-only, the trees of the libraries
# it requires (directly, through other libraries, or through a provided name), ${deps.NAME}
# names them in mcp.command, mcp.args and config values, hooks get NXP_DEP_NAME; a plugin
# that does not require a library cannot see it. The weather example loads its JSON-RPC code
# from mcp-common.
. "$(dirname "$0")/testlib.sh"

# lib-b requires lib-a (both libraries); lib-c provides virt-lib.
lib() {  # lib NAME 'extra fields'
    mkdir -p "$T/src/$1/files"
    echo "{ $2 \"name\": \"$1\", \"version\": \"1.0.0\", \"kind\": \"library\", \"summary\": \"test library $1\" }" \
        >"$T/src/$1/plugin.json"
    echo "content of $1" >"$T/src/$1/files/$1.txt"
}
lib lib-a ''
lib lib-b '"requires": ["lib-a ^1"],'
lib lib-c '"provides": ["virt-lib"],'

# user requires mcp-common, lib-b (so lib-a too), virt-lib (met by lib-c) and weather (an MCP
# server: not a library, so not visible). Its server reports what it can see and write.
mkdir -p "$T/src/user/files"
cat >"$T/src/user/plugin.json" <<'JSON'
{ "name": "user", "version": "1.0.0", "kind": "mcp-server", "summary": "uses libraries",
  "requires": ["mcp-common ^1.1", "lib-b", "virt-lib", "weather"],
  "mcp": { "command": "sh", "args": ["${plugin_dir}/peek.sh", "${deps.mcp-common}", "${deps.lib-a}",
                                     "${deps.virt-lib}", "${deps.weather}", "${deps.nosuch}"] },
  "config": { "afile": { "type": "string", "default": "${deps.lib-a}/lib-a.txt", "env": "AFILE" },
              "weather": { "type": "string", "env": "WEATHER_DIR" } },
  "hooks": { "post-install": "hook.sh" } }
JSON
cat >"$T/src/user/files/peek.sh" <<'SH'
for d in "$1" "$2" "$3"; do
    ls "$d" | tr '\n' ' '; echo
    if touch "$d/planted" 2>/dev/null; then echo "WRITABLE $d"; fi
done
echo "arg4=$4"
echo "arg5=$5"
echo "afile: $(cat "$AFILE")"
if [ -e "$WEATHER_DIR/server.js" ]; then echo "SEES WEATHER"; else echo "weather hidden"; fi
env | grep '^NXP_DEP_' | sort
SH
cat >"$T/src/user/files/hook.sh" <<'SH'
env | grep '^NXP_DEP_' | sort >"$HOME/hook-env"
cat "$NXP_DEP_LIB_A/lib-a.txt" "$NXP_DEP_VIRT_LIB/lib-c.txt" >>"$HOME/hook-env"
SH
# loner requires nothing: told where mcp-common's tree is, it must not find it.
mkdir -p "$T/src/loner/files"
cat >"$T/src/loner/plugin.json" <<'JSON'
{ "name": "loner", "version": "1.0.0", "kind": "mcp-server", "summary": "requires nothing",
  "mcp": { "command": "sh", "args": ["${plugin_dir}/peek.sh", "${deps.mcp-common}"] },
  "config": { "lib": { "type": "string", "env": "LIB" } } }
JSON
cat >"$T/src/loner/files/peek.sh" <<'SH'
echo "arg1=$1"
if [ -e "$LIB/jsonrpc.js" ] || [ -e "$LIB" ]; then echo "SEES LIBRARY"; else echo "library hidden"; fi
env | grep '^NXP_DEP_' || echo "no NXP_DEP variables"
SH
make_repo "$SRC"/examples/plugins/*/ "$T/src/lib-a" "$T/src/lib-b" "$T/src/lib-c" "$T/src/user" \
    "$T/src/loner"
make_root

# The example: weather's install health check runs its server, whose JSON-RPC code is
# mcp-common's; nxp exec answers tools/list and tools/call through it.
run_rc 0 nxp --yes --grant weather install weather
err_has "weather answers with 1 tool(s): forecast"
common=$(readlink -f "$NXP_ROOT/current/plugins/mcp-common")
weather=$(readlink -f "$NXP_ROOT/current/plugins/weather")
grep -rq "readline\|method not found" "$weather" && fail "weather still carries its own JSON-RPC code"
grep -q "method not found: " "$common/jsonrpc.js" || fail "mcp-common lacks its error text"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}' \
    '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"forecast","arguments":{"city":"Oslo"}}}' \
    '{"jsonrpc":"2.0","id":4,"method":"nosuch/method","params":{}}' \
    '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"nosuch","arguments":{}}}' |
    timeout 20 "$NXP" exec weather >"$T/out" 2>"$T/err" || true
jq -se '.[] | select(.id == 2) | .result.tools[0].name == "forecast"' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "tools/list through nxp exec"; }
jq -se '.[] | select(.id == 3) | .result.content[0].text == "Forecast for Oslo: mild, metric units"' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "tools/call through nxp exec"; }
# A text only mcp-common's code produces: its method-not-found. A call of a tool the server
# never listed is answered by nxp exec itself (issue 16: not pinned, withheld).
jq -se '.[] | select(.id == 4) | .error.message == "method not found: nosuch/method"' "$T/out" \
    >/dev/null || { cat "$T/out"; fail "mcp-common's method-not-found answer"; }
jq -se '.[] | select(.id == 5) | .error.code == -32602 and (.error.message | contains("\"nosuch\" is withheld"))' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "nxp's answer to a call of an unpinned tool"; }
pass "weather loads mcp-common through \${deps.mcp-common}: initialize, tools/list, tools/call"

# Without the library's tree in its sandbox the example cannot start: a root where mcp-common's
# store tree is gone (deleted behind nxp's back) makes exec fail, naming the missing module.
mv "$common" "$common.away"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' |
    timeout 20 "$NXP" exec weather >"$T/out" 2>"$T/err" || true
grep -q "jsonrpc.js" "$T/err" || { cat "$T/out" "$T/err"; fail "weather ran without mcp-common"; }
# Only nxp answers: the JSON-RPC error it gives a request the server ended without answering.
jq -se 'length == 1 and .[0].id == 1 and (.[0].error.message | contains("before answering"))' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "weather answered without mcp-common"; }
mv "$common.away" "$common"
pass "without mcp-common's tree the weather server does not start"

# Direct, transitive and provided libraries; an MCP server's tree is not a library's.
run_rc 0 nxp --yes install user
run_rc 0 nxp --yes config user weather "$weather"
liba=$(readlink -f "$NXP_ROOT/current/plugins/lib-a")
libc=$(readlink -f "$NXP_ROOT/current/plugins/lib-c")
timeout 20 "$NXP" exec user </dev/null >"$T/out" 2>"$T/err" || { cat "$T/out" "$T/err"; fail "exec user"; }
out_has "^jsonrpc.js $"
out_has "^lib-a.txt $"
out_has "^lib-c.txt $"
grep -q WRITABLE "$T/out" && fail "a library's tree is writable: $(grep WRITABLE "$T/out")"
[ -e "$common/planted" ] || [ -e "$liba/planted" ] && fail "a plugin wrote into a library's tree"
out_has "^arg4=\${deps.weather}$"
out_has "^arg5=\${deps.nosuch}$"
out_has "^afile: content of lib-a$"
out_has "^weather hidden$"
grep -qx "NXP_DEP_LIB_A=$liba" "$T/out" || { cat "$T/out"; fail "NXP_DEP_LIB_A"; }
grep -qx "NXP_DEP_LIB_B=$(readlink -f "$NXP_ROOT/current/plugins/lib-b")" "$T/out" || fail "NXP_DEP_LIB_B"
grep -qx "NXP_DEP_LIB_C=$libc" "$T/out" || fail "NXP_DEP_LIB_C"
grep -qx "NXP_DEP_VIRT_LIB=$libc" "$T/out" || fail "NXP_DEP_VIRT_LIB (a provided name)"
grep -qx "NXP_DEP_MCP_COMMON=$common" "$T/out" || fail "NXP_DEP_MCP_COMMON"
grep -q "NXP_DEP_WEATHER" "$T/out" && fail "an MCP server's tree was offered as a library"
grep -qx "NXP_DEP_LIB_A=$liba" "$NXP_ROOT/state/user/hook-env" || fail "the hook lacks NXP_DEP_LIB_A"
grep -qx "content of lib-c" "$NXP_ROOT/state/user/hook-env" || fail "the hook could not read lib-c"
pass "direct, transitive and provided libraries read-only; \${deps.NAME} in args and defaults"

# A plugin that does not require mcp-common cannot see its tree, even told where it is.
run_rc 0 nxp --yes install loner
run_rc 0 nxp --yes config loner lib "$common"
timeout 20 "$NXP" exec loner </dev/null >"$T/out" 2>"$T/err" || { cat "$T/out" "$T/err"; fail "exec loner"; }
out_has "^library hidden$"
out_has "^no NXP_DEP variables$"
out_has "^arg1=\${deps.mcp-common}$"
pass "a plugin that does not require a library cannot see it"
