#!/usr/bin/env bash
# `nxp new DIR --kind K` writes a plugin that passes lint and pack as it is, and installs
# from a repository built from it (the MCP server passing its health check).
. "$(dirname "$0")/testlib.sh"
cd "$T"
for kind in mcp-server mask prompts; do
    run_rc 0 nxp new "My-$kind" --kind "$kind"
    out_has "Created $kind plugin my-$kind"
    [ -f "My-$kind/plugin.json" ] || fail "$kind: no plugin.json"
    jq -e --arg k "$kind" '.name == "my-\($k)" and .kind == $k and .version == "0.1.0"' \
        "My-$kind/plugin.json" >/dev/null || fail "$kind: wrong manifest"
    run_rc 0 nxp --json lint "My-$kind"
    jq -e '.ok and ([.findings[] | select(.severity == "error")] | length == 0)' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "$kind: lint reports errors"; }
    run_rc 0 nxp pack "My-$kind" -o pkgs/
    [ -f "pkgs/my-$kind-0.1.0.nxp" ] || fail "$kind: pack wrote no package"
done
# The MCP server's empty permissions are the only thing lint mentions, as a warning.
nxp --json lint My-mcp-server | jq -e '[.findings[].where] == ["plugin.json: permissions"]' >/dev/null ||
    fail "mcp-server: lint should only warn about the permissions to fill in"
nxp --json lint My-mask | jq -e '.findings == []' >/dev/null || fail "mask: lint findings"
[ -x My-mcp-server/files/server.js ] || fail "server.js is not executable"

# --json, --name, and the errors.
run_rc 0 nxp --json new "$T/other" --kind prompts --name team.prompts
jq -e '.schema == 1 and .name == "team.prompts" and (.files | index("files/prompts.json"))' "$T/out" >/dev/null ||
    fail "new --json"
run_rc 1 nxp new My-mask --kind mask
err_has "My-mask: exists and is not an empty directory"
run_rc 1 nxp new "Bad Name" --kind mask
err_has "name"; err_has "give one with --name"
[ ! -e "Bad Name" ] || fail "a directory was created for an invalid name"
run_rc 2 nxp new x --kind openapi-plugin
[ ! -e x ] || fail "a directory was created for a bad kind"
run_rc 2 nxp new x
mkdir empty && run_rc 0 nxp new empty --kind mask --name e

# The default `nextchat >= V` explains itself (issue 18 item 17): nxp new's default, and which
# command sets the host's version, depending on what the root records.
run_rc 0 nxp new "$T/expl1" --kind mcp-server
out_has 'plugin.json requires "nextchat >= 2.15": nxp new'"'"'s default, not a detected version'
out_has "No nxp root at $NXP_ROOT records a NextChat version; 'nxp init --nextchat-version V'"
out_has "nxp nextchat set DIR --nextchat-version V"
nxp --root "$T/r-none" init >/dev/null  # no NextChat, no --nextchat-version
run_rc 0 nxp --root "$T/r-none" new "$T/expl2" --kind mask
out_has 'requires "nextchat >= 2.10"'
out_has "Root $T/r-none records no NextChat version (nxp init ran without --nextchat and without --nextchat-version)"
out_has "nxp nextchat set DIR --nextchat-version V"
run_rc 0 nxp --root "$T/r-none" --json new "$T/expl3" --kind mcp-server
jq -e '.nextchat.requirement == "nextchat >= 2.15" and .nextchat.default and .nextchat.root_exists
       and .nextchat.recorded_version == null and (.nextchat.set_with | index("nxp init --nextchat-version V"))
       and (.nextchat.reason | contains("MCP"))' "$T/out" >/dev/null || { cat "$T/out"; fail "new --json nextchat"; }
nxp --root "$T/r-old" init --nextchat-version 2.12.0 >/dev/null
run_rc 0 nxp --root "$T/r-old" new "$T/expl4" --kind mcp-server
out_has "records NextChat 2.12.0 (given with --nextchat-version), which does not meet it"
nxp --root "$T/r-new" init --nextchat-version 2.16.0 >/dev/null
run_rc 0 nxp --root "$T/r-new" --json new "$T/expl5" --kind prompts
jq -e '.nextchat.recorded_version == "2.16.0" and .nextchat.satisfied and .nextchat.version_source == "explicit"' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "new --json with a recorded version"; }

# Published and installed: the MCP server starts in the sandbox and lists its tool.
# node-runtime is the host's node; the node20 example plugin offers it too while it exists.
if [ -d "$SRC/examples/plugins/node20" ]; then nxp pack "$SRC/examples/plugins/node20" -o pkgs/ >/dev/null; fi
nxp key generate -o key >/dev/null
run_rc 0 nxp repo build repo pkgs/*.nxp --key key.key --id demo
make_root
run_rc 0 nxp --yes --grant all install my-mcp-server my-mask my-prompts
assert_installed my-mcp-server 0.1.0
assert_installed my-mask 0.1.0
run_rc 0 nxp --json info my-mcp-server
jq -e '.tools == ["hello"]' "$T/out" >/dev/null || { cat "$T/out"; fail "the health check did not record the hello tool"; }
pass "nxp new scaffolds plugins that lint, pack, publish and install"
