#!/usr/bin/env bash
# Hand-run benchmark (issue 16 item 4, "a start that costs nothing"): what `nxp exec NAME`
# adds to an MCP server, seen from the client. One client (bench/mcp_bench.py, stdio as
# NextChat's StdioClientTransport does it) starts, alternately,
#   bare: the Node MCP server itself (`node server.js`),
#   nxp:  `nxp --root R exec echo`, the same server installed as a plugin in a scratch root
#         (the command NextChat's mcp_config.json runs),
# and measures spawn -> initialize reply (REPS starts), CALLS tools/call round trips per
# start (median and p99 over all of them) and stdin closed -> process exit. Prints both
# sides, the difference and the targets (<= 25 ms start, <= 0.2 ms median and <= 1 ms p99 per
# call added; shutdown <= 100 ms).
#
#   bash bench/exec_mcp.sh                       # REPS=21 CALLS=200, builds build-bench
#   NXP=build-s-rel/cli/nxp REPS=11 bash bench/exec_mcp.sh
#
# Needs node, python3, jq. Measures whatever `nxp exec` the binary has (with or without the
# MCP relay of runtime/mcp_gate).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REPS=${REPS:-21}
CALLS=${CALLS:-200}
need_tools node:nodejs jq:jq python3:python3
build_nxp >/dev/null
NXP=$(readlink -f "$NXP")
export NXP
export NXP_SOURCE_ROOT=$SRC
. "$SRC/tests/cli/testlib.sh"

# A minimal MCP server: initialize, tools/list (one tool, echo), tools/call, ping; it exits
# when its stdin ends, as MCP servers do.
P=$T/src/echo
mkdir -p "$P/files"
cat >"$P/plugin.json" <<'JSON'
{ "name": "echo", "version": "1.0.0", "kind": "mcp-server", "summary": "bench echo server",
  "requires": ["node-runtime >= 18"],
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },
  "check": { "mcp": true } }
JSON
cat >"$P/files/server.js" <<'JS'
const rl = require("readline").createInterface({ input: process.stdin });
const tools = [{ name: "echo", description: "Returns its text",
  inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } }];
function reply(id, result) { process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id, result }) + "\n"); }
rl.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  if (m.method === "initialize")
    reply(m.id, { protocolVersion: "2024-11-05", capabilities: { tools: {} }, serverInfo: { name: "echo", version: "1" } });
  else if (m.method === "tools/list") reply(m.id, { tools });
  else if (m.method === "tools/call")
    reply(m.id, { content: [{ type: "text", text: String((m.params.arguments || {}).text) }] });
  else reply(m.id, {});
});
rl.on("close", () => process.exit(0));
JS
make_repo "$P"
make_root
nxp --yes install echo >"$T/install.log" 2>&1 || { cat "$T/install.log"; exit 1; }

# The bare server gets the environment the sandbox gives it (PATH, HOME, TMPDIR): the
# client's own could cost node alone tens of ms (NODE_EXTRA_CA_CERTS loads every CA
# certificate at start-up), which nxp exec never passes on. nxp exec gets the client's
# environment, as NextChat passes its own.
mkdir -p "$T/home"
bare=$(jq -nc --arg node "$(command -v node)" --arg s "$P/files/server.js" --arg h "$T/home" \
    '{argv: [$node, $s], env: {PATH: "/usr/local/bin:/usr/bin:/bin", HOME: $h, TMPDIR: "/tmp"}}')
viaexec=$(jq -nc --arg n "$NXP" --arg r "$NXP_ROOT" '[$n, "--root", $r, "exec", "echo"]')
# On a shared machine, other jobs' compilers would preempt the timed processes: as root the
# client (and what it starts) runs under SCHED_FIFO unless RT=0.
prio=()
if [ "${RT:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v chrt >/dev/null; then prio=(chrt -f 20); fi
echo "== $("$NXP" --version); REPS=$REPS CALLS=$CALLS; ${prio[*]:-normal priority};" \
     "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"${prio[@]}" python3 "$BENCH/mcp_bench.py" "$REPS" "$CALLS" echo "bare=$bare" "nxp-exec=$viaexec" \
    >"$T/result.json"
python3 "$BENCH/mcp_bench.py" report bare nxp-exec <"$T/result.json"
if [ -n "${KEEP_JSON:-}" ]; then cp "$T/result.json" "$KEEP_JSON"; fi
