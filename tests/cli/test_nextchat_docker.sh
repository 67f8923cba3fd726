#!/usr/bin/env bash
# NextChat as its Docker image runs it (slow suite, issue 17 item 1): NextChat's own MCP client
# library (@modelcontextprotocol/sdk 1.11.4, nextchat_sdk_client.js: app/mcp/actions.ts +
# client.ts) runs in node inside a bubblewrap "container" as uid 4242 that sees only
#   /app                             a stand-in for the image's /app, with the host's
#   /app/app/mcp/mcp_config.json     NextChat config bind-mounted as a single file (the recipe
#                                    NextChat's users share),
#   /nxp                             ROOT/export, read-only (the launcher and nxp.sock),
#   the SDK directory and the client script,
#   /usr (with the /lib, /lib64, /bin links), /proc, /dev, a /tmp: what node itself needs.
# The host's node is glibc-built, so the container has the host's /usr for node; the launcher
# does not need it (cli-serve runs it in a container with no libc at all). The entry nxp
# wrote (nextchat set --launcher --path-map ROOT/export=/nxp) starts /nxp/nxp-launch, which
# asks the host's nxp serve to run the real @modelcontextprotocol/server-memory (imported
# from npm) sandboxed on the host: listTools, tools/call create_entities and read_graph
# work, the entity lands in the host's state directory, client.close() ends the session.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/servelib.sh"
need_other_uid 4242
. "$(dirname "$0")/sdklib.sh"
need_nextchat_sdk

cd "$T" || exit 1
memory_repo_and_nextchat
make_root
EXPORT=$NXP_ROOT/export
run_rc 0 nxp nextchat set "$T/nc" --launcher --path-map "$EXPORT=/nxp"
run_rc 0 nxp --yes --grant all install memory
jq -e '.mcpServers.memory | .command == "/nxp/nxp-launch" and
       .args == ["--socket", "/nxp/nxp.sock", "memory"] and .status == "active"' "$CFG" >/dev/null ||
    { cat "$CFG"; fail "mcp_config.json does not start memory through /nxp/nxp-launch"; }
run_rc 0 nxp --json nextchat status
jq -e --arg e "$EXPORT" '.export_dir == $e and .launcher == true' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "nextchat status: export_dir, launcher"; }
pass "memory installed; its entry runs /nxp/nxp-launch; nextchat status names $EXPORT"

"$NXP" serve --allow-uid 4242 >"$T/serve.out" 2>"$T/serve.log" &
SERVE=$!
trap 'kill "$SERVE" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -S "$EXPORT/nxp.sock" ] && break; sleep 0.1; done
[ -S "$EXPORT/nxp.sock" ] || { cat "$T/serve.log"; fail "nxp serve did not start"; }

# The image's /app, with only the config file of the host's NextChat directory mounted in.
mkdir -p "$T/image/app/mcp"
: >"$T/image/app/mcp/mcp_config.json"
chmod 0711 "$T"
chmod -R a+rX "$T/image" "$T/nc"
chmod go+rx "$SDK"  # sdklib installs it in a mktemp -d (0700); the container runs as uid 4242
container=(setpriv --reuid 4242 --regid 4242 --clear-groups
    bwrap --unshare-user --unshare-pid --unshare-net --unshare-ipc --unshare-uts
    --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin
    --proc /proc --dev /dev --tmpfs /tmp --setenv HOME /tmp
    --ro-bind "$T/image" /app --ro-bind "$CFG" /app/app/mcp/mcp_config.json
    --ro-bind "$EXPORT" /nxp
    --ro-bind "$SDK" /sdk --ro-bind "$SRC/tests/cli/nextchat_sdk_client.js" /client.js
    --chdir /app)
# Nothing of the root but the export directory is in there.
run_rc 0 "${container[@]}" /usr/bin/sh -c '! ls / | grep -v "^\(app\|bin\|dev\|lib\|lib64\|nxp\|proc\|sdk\|tmp\|usr\|client.js\)$"'
run_rc 0 "${container[@]}" /usr/bin/sh -c "[ ! -e '$NXP_ROOT' ] && [ ! -e '$T/nc' ] && [ \"\$(id -u)\" = 4242 ]"
OPENAI_API_KEY=sk-nextchat-secret timeout 180 "${container[@]}" /usr/bin/node /client.js /sdk \
    /nxp/nxp-launch >"$T/client.out" 2>"$T/client.err" ||
    { cat "$T/client.out" "$T/client.err" "$T/serve.log"; fail "NextChat's client in the container"; }
cat "$T/client.out"
jq -e 'select(.id == "memory") | (.tools | index("create_entities") and index("read_graph"))
       and .call > 0 and .exit_ms >= 0' "$T/client.out" >/dev/null ||
    fail "the tools list or the call result is not the memory server's"
grep -q "nxp-sdk-test-" "$NXP_ROOT/state/memory/memory.json" ||
    fail "the entity did not reach the host's state directory"
# client.close() ends the launcher with SIGTERM (StdioClientTransport aborts its child), so
# nxp serve stops nxp exec: "exited 143 … (the launcher went first: stopped)", or 0 if the
# server was quicker.
grep -q "session uid 4242 pid [0-9]* plugin memory: nxp exec exited" "$T/serve.log" ||
    { cat "$T/serve.log"; fail "nxp serve did not run memory for uid 4242"; }
pass "NextChat's client in a container as uid 4242: connect, listTools, tools/call via /nxp/nxp-launch"

for _ in $(seq 100); do
    pgrep -f "$NXP_ROOT exec" >/dev/null || break
    sleep 0.05
done
if pgrep -af "$NXP_ROOT exec"; then fail "nxp exec still runs 5 s after client.close()"; fi
pass "client.close(): the launcher exited after $(jq -r .exit_ms "$T/client.out") ms, nxp exec with it"
