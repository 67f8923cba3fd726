#!/usr/bin/env bash
# Runtimes as packages (issue 19 item 2): a runtime plugin (kind runtime, provides
# node-runtime = 99.0.0, files/bin/node) is pulled in by a plugin needing a node the host
# lacks, checked at install (ELF, `bin/node --version` in its sandbox), and that plugin's
# hooks, health check and nxp exec run with the runtime's node, not the host's.
. "$(dirname "$0")/testlib.sh"
command -v node >/dev/null || fail "node is not installed (.ci/install-deps installs nodejs)"
command -v cc >/dev/null || fail "no C compiler (the fake runtime's node is a small ELF program)"
real_node=$(readlink -f "$(command -v node)")
host_version=$(node --version)

# The fake runtime's bin/node: an ELF program that says v$2 for --version and otherwise runs
# the host's node with NXP_TEST_RUNTIME_NODE set to its own path (/proc/self/exe).
fake_node() {  # OUT VERSION
    cat >"$T/fake-node.c" <<C
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--version") == 0) { puts("v$2"); return 0; }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n < 0 ? 0 : n] = 0;
    setenv("NXP_TEST_RUNTIME_NODE", self, 1);
    execv("$real_node", argv);
    perror("execv");
    return 127;
}
C
    cc -O1 -o "$1" "$T/fake-node.c" || fail "cannot compile the fake node"
}
runtime_plugin() {  # NAME VERSION PROVIDED [BINARY]
    mkdir -p "$T/src/$1-$2/files/bin"
    cat >"$T/src/$1-$2/plugin.json" <<JSON
{ "name": "$1", "version": "$2", "kind": "runtime", "summary": "fake node $3",
  "license": "MIT", "provides": ["node-runtime = $3"] }
JSON
    if [ -n "${4:-}" ]; then cp "$4" "$T/src/$1-$2/files/bin/node"; else fake_node "$T/src/$1-$2/files/bin/node" "$3"; fi
}
runtime_plugin node99 99.0.0 99.0.0
# Lying runtimes: one whose node prints another version, one whose node is a script.
runtime_plugin liar 1.0.0 98.0.0
fake_node "$T/src/liar-1.0.0/files/bin/node" 97.0.0
runtime_plugin script 1.0.0 96.0.0
printf '#!/bin/sh\necho v96.0.0\n' >"$T/src/script-1.0.0/files/bin/node"
chmod +x "$T/src/script-1.0.0/files/bin/node"
# One whose node is an ELF program for another machine (e_machine patched: aarch64 on an
# x86-64 host, x86-64 elsewhere).
runtime_plugin otherarch 1.0.0 95.0.0
if [ "$(uname -m)" = x86_64 ]; then machine='\267'; else machine='\076'; fi
printf "$machine" | dd of="$T/src/otherarch-1.0.0/files/bin/node" bs=1 seek=18 conv=notrunc 2>/dev/null

# An MCP server that names the node it runs with (tool names) and a hook that records it.
server() {  # NAME REQUIREMENT
    mkdir -p "$T/src/$1/files"
    cat >"$T/src/$1/plugin.json" <<JSON
{ "name": "$1", "version": "1.0.0", "kind": "mcp-server", "summary": "reports its node",
  "license": "MIT", "requires": ["$2"],
  "mcp": { "command": "node", "args": ["\${plugin_dir}/server.js"] },
  "hooks": { "post-install": "hook.sh" },
  "check": { "mcp": true, "timeout": 20 } }
JSON
    cat >"$T/src/$1/files/server.js" <<'JS'
const rl = require("readline").createInterface({ input: process.stdin });
const runtime = process.env.NXP_TEST_RUNTIME_NODE;
const first = (process.env.PATH || "").split(":")[0];
const tools = [
  { name: runtime ? "node-runtime-package" : "node-host", description: runtime || process.execPath,
    inputSchema: { type: "object" } },
  { name: runtime && first + "/node" === runtime ? "path-runtime-first" : "path-other",
    description: first, inputSchema: { type: "object" } },
];
rl.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const result = m.method === "initialize"
    ? { protocolVersion: "2024-11-05", capabilities: { tools: {} }, serverInfo: { name: "w", version: "1" } }
    : { tools };
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }) + "\n");
});
JS
    printf '#!/bin/sh\nnode --version >"$HOME/node-version"\n' >"$T/src/$1/files/hook.sh"
    chmod +x "$T/src/$1/files/hook.sh"
}
server new-server "node-runtime >= 99"
server old-server "node-runtime >= 1"
server wants-liar "node-runtime = 98.0.0"
server wants-script "node-runtime = 96.0.0"
server wants-otherarch "node-runtime = 95.0.0"
# An ordinary plugin claiming node-runtime is not a runtime (the resolver ignores it).
plugin poser 1.0.0 '"provides": ["node-runtime = 200.0.0"],'
server wants-poser "node-runtime >= 200"

make_repo "$T/src/node99-99.0.0" "$T/src/liar-1.0.0" "$T/src/script-1.0.0" "$T/src/new-server" \
    "$T/src/old-server" "$T/src/wants-liar" "$T/src/wants-script" "$T/src/poser-1.0.0" \
    "$T/src/wants-poser" "$T/src/otherarch-1.0.0" "$T/src/wants-otherarch"
make_root

# The host's node satisfies >= 1: nothing more is installed, and it runs with the host's node.
run_rc 0 nxp --dry-run --json install old-server
jq -e '[.plan[].name] == ["old-server"]' "$T/out" >/dev/null || { cat "$T/out"; fail "old-server pulled a runtime in"; }
run_rc 0 nxp --yes install old-server
nxp --json info old-server | jq -e '.tools | index("node-host") != null' >/dev/null ||
    { nxp --json info old-server; fail "old-server did not run with the host's node"; }
[ "$(cat "$NXP_ROOT/state/old-server/node-version")" = "$host_version" ] || fail "old-server's hook did not see the host's node"
pass "node-runtime >= 1 is the host's node ($host_version): no runtime plugin"

# >= 99: the runtime plugin comes in as a dependency and the server runs with its node.
run_rc 0 nxp --dry-run --json install new-server
jq -e '[.plan[] | "\(.name) \(.reason)"] | sort == ["new-server explicit", "node99 dependency"]' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "the runtime plugin is not pulled in"; }
run_rc 0 nxp -v --yes install new-server
err_has "node99: node 99.0.0 runs in the sandbox"
assert_installed node99 99.0.0
store_node=$(readlink -f "$NXP_ROOT/current/plugins/node99")/bin/node
nxp --json info new-server | jq -e '.tools | sort == ["node-runtime-package", "path-runtime-first"]' >/dev/null ||
    { nxp --json info new-server; fail "the health check did not run with the runtime plugin's node"; }
[ "$(cat "$NXP_ROOT/state/new-server/node-version")" = "v99.0.0" ] || fail "the hook's node is not the runtime plugin's"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}' |
    timeout 20 "$NXP" exec new-server >"$T/out" 2>"$T/err" || true
jq -se --arg n "$store_node" '.[] | select(.id == 2) | .result.tools[] | select(.name == "node-runtime-package") | .description == $n' \
    "$T/out" >/dev/null || { cat "$T/out" "$T/err"; fail "nxp exec did not run the runtime plugin's bin/node ($store_node)"; }
pass "node-runtime >= 99 pulls node99 in; hook, health check and exec run its bin/node"

# Removing the runtime while new-server needs it is refused like any dependency.
run_rc 3 nxp --yes remove node99
err_has "new-server"
assert_installed node99 99.0.0
pass "remove node99 is refused while new-server needs it"

# A runtime plugin whose node is not what it says, or not an ELF program, is refused at install.
run_rc 4 nxp --yes install wants-liar
err_has "liar: bin/node --version"
err_has "printed 'v97.0.0', but the package provides node-runtime = 98.0.0"
assert_not_installed liar
run_rc 1 nxp --yes install wants-script
err_has "script: bin/node"
err_has "not an ELF executable"
assert_not_installed script
run_rc 1 nxp --yes install wants-otherarch
err_has "otherarch: bin/node"
err_has "not for this host's"
assert_not_installed otherarch
# A runtime without a regular files/bin/node (a symbolic link here) does not even pack.
mkdir -p "$T/src/linked/files/bin"
cp "$T/src/node99-99.0.0/files/bin/node" "$T/src/linked/files/bin/real-node"
ln -s real-node "$T/src/linked/files/bin/node"
printf '{ "name": "linked", "version": "1.0.0", "kind": "runtime", "summary": "s", "license": "MIT",
  "provides": ["node-runtime = 99.0.0"] }\n' >"$T/src/linked/plugin.json"
run_rc 1 nxp pack "$T/src/linked" -o "$T/linked.nxp"
err_has "files/bin/node"
pass "a runtime whose node lies about its version, is not ELF or is for another machine is refused before the switch; a linked bin/node does not pack"

# An ordinary plugin cannot stand in for node-runtime.
run_rc 3 nxp --dry-run install wants-poser
err_has "node-runtime >= 200"
pass "an ordinary plugin providing node-runtime is ignored"

# --json of a root's runtime plugin: kind runtime.
nxp --json info node99 | jq -e '.kind == "runtime"' >/dev/null || { nxp --json info node99; fail "info kind"; }

# When nothing installed satisfies any more, the start is refused naming the requirement: a
# host node 99.1.0 (outside /usr) satisfied wants >= 99 without a runtime plugin; with the
# host's real node back, exec finds no node for it.
mkdir -p "$T/opt-node/bin"
printf '#!/bin/sh\n[ "$1" = --version ] && { echo v99.1.0; exit 0; }\nexec %s "$@"\n' "$real_node" >"$T/opt-node/bin/node"
chmod +x "$T/opt-node/bin/node"
server later "node-runtime >= 99.1"
make_repo "$T/src/later"
nxp refresh >/dev/null
PATH="$T/opt-node/bin:$PATH" run_rc 0 nxp --yes install later
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' |
    timeout 20 "$NXP" exec later >"$T/out" 2>"$T/err" || true
grep -q "requires node-runtime >= 99.1" "$T/err" && grep -q "node99 (99.0.0)" "$T/err" ||
    { cat "$T/out" "$T/err"; fail "exec without a satisfying node is not refused clearly"; }
pass "exec refuses a plugin whose node-runtime nothing installed satisfies"
