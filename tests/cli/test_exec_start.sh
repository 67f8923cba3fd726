#!/usr/bin/env bash
# What `nxp exec` does before the server's first byte (issue 16 item 4): whether bubblewrap
# works and node's version are found out once and remembered in the root's cache
# (cache/bwrap-probe, cache/host-node), not probed on every start; a memo whose key no
# longer matches (another bubblewrap, boot, sysctl, namespace...) is probed again and
# rewritten; a memo that cannot be read or written only costs the probe.
. "$(dirname "$0")/testlib.sh"
command -v node >/dev/null || fail "node is not installed (.ci/install-deps installs nodejs)"

P=$T/src/echo
mkdir -p "$P/files"
cat >"$P/plugin.json" <<'JSON'
{ "name": "echo", "version": "1.0.0", "kind": "mcp-server", "summary": "echo server",
  "requires": ["node-runtime >= 18"],
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] }, "check": { "mcp": true } }
JSON
cat >"$P/files/server.js" <<'JS'
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const result = m.method === "tools/list"
    ? { tools: [{ name: "echo", description: "echo", inputSchema: { type: "object" } }] }
    : { protocolVersion: "2024-11-05", capabilities: { tools: {} }, serverInfo: { name: "e", version: "1" } };
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }) + "\n");
});
JS
make_repo "$P"
make_root
run_rc 0 nxp --yes install echo
MEMO=$NXP_ROOT/cache/bwrap-probe
NODE_MEMO=$NXP_ROOT/cache/host-node
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
exec_once() {
    printf '%s\n' "$INIT" | nxp exec echo >"$T/exec.out" 2>"$T/exec.err" ||
        { cat "$T/exec.err"; fail "nxp exec echo failed"; }
    jq -e '.id == 1 and .result.serverInfo.name == "e"' "$T/exec.out" >/dev/null ||
        { cat "$T/exec.out" "$T/exec.err"; fail "nxp exec echo did not answer initialize"; }
}
inode() { stat -c %i "$1"; }

# The install's health check probed bubblewrap and node and remembered both.
[ -f "$MEMO" ] || fail "no $MEMO after install"
boot=$(cat /proc/sys/kernel/random/boot_id)
bwrap=$(readlink -f "$(command -v bwrap)")
grep -q "^bwrap-probe-1	$bwrap	" "$MEMO" || { cat "$MEMO"; fail "the memo's key does not name $bwrap"; }
grep -q "	$boot	" "$MEMO" || { cat "$MEMO"; fail "the memo's key lacks the boot id"; }
grep -q "	works$" "$MEMO" || { cat "$MEMO"; fail "the memo does not say bubblewrap works"; }
[ -f "$NODE_MEMO" ] || fail "no $NODE_MEMO after install"
pass "bubblewrap's probe and node's version remembered in cache/"

# exec believes both: nothing is rewritten (a probe that succeeds always rewrites its memo).
i_probe=$(inode "$MEMO")
i_node=$(inode "$NODE_MEMO")
exec_once
exec_once
[ "$(inode "$MEMO")" = "$i_probe" ] || fail "nxp exec probed bubblewrap again although the memo matched"
[ "$(inode "$NODE_MEMO")" = "$i_node" ] || fail "nxp exec ran node --version again although the memo matched"
if command -v strace >/dev/null; then
    printf '%s\n' "$INIT" | strace -f -qq -e trace=execve -o "$T/strace" "$NXP" exec echo >/dev/null 2>&1
    n_bwrap=$(grep -c 'execve("[^"]*bwrap"' "$T/strace" || true)
    n_node_version=$(grep -c '"--version"' "$T/strace" || true)
    [ "$n_bwrap" -eq 1 ] || { cat "$T/strace"; fail "nxp exec ran bwrap $n_bwrap times (want 1: the sandbox itself)"; }
    [ "$n_node_version" -eq 0 ] || { cat "$T/strace"; fail "nxp exec ran node --version"; }
fi
pass "nxp exec starts without probing (one bwrap: the sandbox itself)"

# A key that no longer matches is probed again: another boot, another bubblewrap, another
# sysctl value, another uid; each memo is rewritten with the real key.
real_key=$(cut -f1-$(($(awk -F'\t' '{print NF}' "$MEMO") - 1)) "$MEMO")
for edit in "s/$boot/00000000-0000-0000-0000-000000000000/" "s#	$bwrap	#	/usr/bin/bwrap-old	#" \
            "s/	uid=[0-9]*/	uid=12345/" 's/^bwrap-probe-1/bwrap-probe-0/'; do
    sed -i "$edit" "$MEMO"
    [ "$(cut -f1-$(($(awk -F'\t' '{print NF}' "$MEMO") - 1)) "$MEMO")" != "$real_key" ] ||
        fail "the edit '$edit' did not change the key"
    i=$(inode "$MEMO")
    exec_once
    [ "$(inode "$MEMO")" != "$i" ] || fail "a memo under a stale key ($edit) was believed"
    grep -qF "$real_key	works" "$MEMO" || { cat "$MEMO"; fail "the memo was not rewritten under the real key"; }
done
# "works" is the only value believed; anything else is probed.
sed -i 's/	works$/	maybe/' "$MEMO"
exec_once
grep -q "	works$" "$MEMO" || fail "a memo with another value was believed"
pass "a stale key (boot id, bubblewrap, uid, format) or value is probed again and rewritten"

# A memo that cannot be read or written (a directory in its place): exec still works.
rm -f "$MEMO"
mkdir "$MEMO"
exec_once
[ -d "$MEMO" ] || fail "the directory in the memo's place was replaced"
[ -z "$(find "$NXP_ROOT/cache" -maxdepth 1 -name 'bwrap-probe.tmp*')" ] || fail "a temporary memo was left behind"
rmdir "$MEMO"
# A garbage memo is ignored and replaced.
printf 'garbage\n' >"$MEMO"
exec_once
grep -q "	works$" "$MEMO" || fail "a garbage memo was not replaced"
pass "an unwritable or garbage memo only costs the probe"
