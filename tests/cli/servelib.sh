# shellcheck shell=bash
# The MCP fixture of the nxp serve tests (test_serve.sh, test_serve_hostile.sh,
# test_systemd_units.sh): plugin "echo" in $T/src/echo, a Python MCP server with tools echo
# (its text back) and big (250 kB).
# Skips (77) unless root can run bubblewrap as uid $1 with a user namespace of its own (the
# "container" of the launcher tests runs as another uid).
need_other_uid() {
    [ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (setpriv to another uid)"; exit 77; }
    setpriv --reuid "$1" --regid "$1" --clear-groups bwrap --unshare-user --ro-bind / / true \
        2>/dev/null || { echo "SKIP: user namespaces unavailable to uid $1"; exit 77; }
}

make_echo_plugin() {
    mkdir -p "$T/src/echo/files"
    cat >"$T/src/echo/plugin.json" <<'JSON'
{ "name": "echo", "version": "1.0.0", "kind": "mcp-server", "summary": "echoes",
  "mcp": { "command": "python3", "args": ["${plugin_dir}/server.py"] },
  "check": { "mcp": true, "timeout": 20 } }
JSON
    cat >"$T/src/echo/files/server.py" <<'PY'
import json, sys
def send(m):
    sys.stdout.write(json.dumps(m) + "\n")
    sys.stdout.flush()
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if "id" not in msg or "method" not in msg:
        continue
    m, i = msg["method"], msg["id"]
    if m == "initialize":
        send({"jsonrpc": "2.0", "id": i, "result": {"protocolVersion": "2024-11-05",
              "capabilities": {"tools": {}}, "serverInfo": {"name": "echo", "version": "1"}}})
    elif m == "tools/list":
        send({"jsonrpc": "2.0", "id": i, "result": {"tools": [
            {"name": "echo", "description": "Echoes text", "inputSchema": {"type": "object",
             "properties": {"text": {"type": "string"}}}},
            {"name": "big", "description": "A long answer", "inputSchema": {"type": "object"}}]}})
    elif m == "tools/call":
        p = msg["params"]
        text = p.get("arguments", {}).get("text", "") if p["name"] == "echo" else "x" * 250000
        send({"jsonrpc": "2.0", "id": i, "result": {"content": [{"type": "text", "text": text}]}})
    else:
        send({"jsonrpc": "2.0", "id": i, "error": {"code": -32601, "message": "no " + m}})
PY
}

# A root with "echo" installed and a NextChat directory $T/nextchat whose entries go through
# the launcher (`nxp nextchat set --launcher`); $EXPORT is the root's export directory.
echo_root_with_launcher() {
    make_echo_plugin
    make_repo "$T/src/echo"
    make_root
    run_rc 0 nxp --yes install echo
    mkdir -p "$T/nextchat/app/mcp"
    echo '{"mcpServers": {}}' >"$T/nextchat/app/mcp/mcp_config.json"
    run_rc 0 nxp nextchat set "$T/nextchat" --launcher
    EXPORT=$NXP_ROOT/export
}
