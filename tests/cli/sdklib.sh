# NextChat's own MCP client library for the slow suite's NextChat tests, sourced after
# testlib.sh: `need_nextchat_sdk` skips (77) without node, npm or the npm registry, and
# installs @modelcontextprotocol/sdk at the version NextChat's yarn.lock pins (1.11.4) once
# per build directory; then $SDK is the prefix whose node_modules holds it (the argument
# nextchat_sdk_client.js takes).
SDK_VERSION=1.11.4  # NextChat's yarn.lock: "@modelcontextprotocol/sdk@^1.11.4" → 1.11.4
MEMORY=@modelcontextprotocol/server-memory@2026.8.31

need_nextchat_sdk() {
    command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
    command -v npm >/dev/null || { echo "SKIP: npm is not installed"; exit 77; }
    export npm_config_cache=$T/npm-cache npm_config_update_notifier=false
    if ! timeout 60 npm ping >/dev/null 2>&1; then
        echo "SKIP: the npm registry is not reachable ('npm ping' failed)"
        exit 77
    fi
    # Once per build directory (installed beside, then renamed into place).
    local build_dir tmp
    build_dir=$(dirname "$(dirname "$(readlink -f "$NXP")")")
    SDK=$build_dir/nextchat-sdk/$SDK_VERSION
    if [ ! -f "$SDK/node_modules/@modelcontextprotocol/sdk/package.json" ]; then
        mkdir -p "$build_dir/nextchat-sdk"
        tmp=$(mktemp -d "$build_dir/nextchat-sdk/.install.XXXXXX")
        timeout 600 npm install --prefix "$tmp" --ignore-scripts --no-audit --no-fund \
            --no-package-lock "@modelcontextprotocol/sdk@$SDK_VERSION" >"$T/sdk.log" 2>&1 ||
            { rm -rf "$tmp"; cat "$T/sdk.log"; fail "npm install of the SDK failed"; }
        mv -T "$tmp" "$SDK" 2>/dev/null || rm -rf "$tmp"  # another run may have won the race
    fi
    [ "$(jq -r .version "$SDK/node_modules/@modelcontextprotocol/sdk/package.json")" = "$SDK_VERSION" ] ||
        fail "$SDK does not hold @modelcontextprotocol/sdk $SDK_VERSION"
    pass "@modelcontextprotocol/sdk $SDK_VERSION (NextChat's pin) in $SDK"
}

# The real $MEMORY from npm as plugin "memory" (`nxp import npm`; its knowledge graph file in
# its state directory, as the plugin directory is read-only in the sandbox), signed into a
# repository with the extra plugin directories given, and NextChat's fixture copied to $T/nc
# ($CFG is its app/mcp/mcp_config.json).
memory_repo_and_nextchat() {
    (cd "$T" && run_rc 0 nxp import npm "$MEMORY" -o memory --name memory) || exit 1
    jq '.config = {"memory_file": {"type": "string", "default": "${state_dir}/memory.json",
                                   "env": "MEMORY_FILE_PATH", "description": "knowledge graph file"}}' \
        "$T/memory/plugin.json" >"$T/plugin.new" && mv "$T/plugin.new" "$T/memory/plugin.json"
    make_repo "$T/memory" "$@"
    cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
    CFG=$T/nc/app/mcp/mcp_config.json
}
