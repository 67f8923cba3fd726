#!/usr/bin/env bash
# Hostile JSON and floods from every side nxp reads (issue 13, items 11 and 12): MCP servers
# answering a health check with JSON a million levels deep or flooding requests without
# reading the answers, a mask package whose mask.json is deep, deep files in the NextChat
# directory, deep npm metadata. Each is a clear error naming the place, never a crash
# (exit >= 128) or a hang, and nothing is installed.
. "$(dirname "$0")/testlib.sh"

# deep SHAPE LEVELS: JSON nested LEVELS deep on one line (arrays, objects, or both).
deep() {
    python3 - "$1" "$2" <<'PY'
import sys
shape, n = sys.argv[1], int(sys.argv[2])
if shape == "arrays":
    sys.stdout.write("[" * n + "]" * n)
elif shape == "objects":
    sys.stdout.write('{"a":' * n + "1" + "}" * n)
else:
    sys.stdout.write('[{"k":' * (n // 2) + "0" + "}]" * (n // 2))
PY
}
no_crash() {  # the last command's exit code was saved in $rc
    [ "$rc" -lt 128 ] || { cat "$T/err"; fail "$1: nxp died with signal $((rc - 128))"; }
}

# --- MCP servers: every hostile answer is a failed health check, named, within seconds.
# The server's mode is its first argument; it answers or floods as the mode says.
mcp_server() {  # NAME MODE
    mkdir -p "$T/src/$1/files"
    cat >"$T/src/$1/plugin.json" <<JSON
{ "name": "$1", "version": "1.0.0", "kind": "mcp-server", "summary": "hostile server $2",
  "mcp": { "command": "node", "args": ["\${plugin_dir}/server.js", "$2"] },
  "check": { "mcp": true, "timeout": 20 } }
JSON
    cp "$T/server.js" "$T/src/$1/files/server.js"
}
cat >"$T/server.js" <<'JS'
const mode = process.argv[2];
const open = (s, n) => s.repeat(n);
const deepArrays = (n) => open("[", n) + open("]", n);
const deepObjects = (n) => open('{"a":', n) + "1" + open("}", n);
const send = (o) => process.stdout.write((typeof o === "string" ? o : JSON.stringify(o)) + "\n");
const tools = '{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"t","inputSchema":';
if (mode === "flood") {
  // Never reads stdin: pings as fast as the pipe takes them.
  let id = 0;
  const pump = () => { while (process.stdout.write(`{"jsonrpc":"2.0","method":"ping","id":${id++}}\n`)); process.stdout.once("drain", pump); };
  pump();
} else if (mode === "flood-unknown") {
  let id = 0;
  const pump = () => { while (process.stdout.write(`{"jsonrpc":"2.0","method":"x/${id}","id":"${"i".repeat(200)}${id++}"}\n`)); process.stdout.once("drain", pump); };
  pump();
} else if (mode === "long-line") {
  const chunk = "x".repeat(65536);
  const pump = () => { while (process.stdout.write(chunk)); process.stdout.once("drain", pump); };
  pump();
} else if (mode === "deep-request-id") {
  send('{"jsonrpc":"2.0","method":"ping","id":' + deepArrays(500000) + "}");
  setInterval(() => {}, 1000);  // stay until nxp is done with it
} else {
  let buf = "";
  process.stdin.on("data", (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const msg = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (msg.id === 1) {
        if (mode === "deep-error") send('{"jsonrpc":"2.0","id":1,"error":' + deepObjects(150000) + "}");
        else if (mode === "deep-error-message") send('{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":' + deepArrays(400000) + "}}");
        else if (mode === "deep-result") send('{"jsonrpc":"2.0","id":1,"result":' + deepArrays(500000) + "}");
        else send({ jsonrpc: "2.0", id: 1, result: { protocolVersion: "2024-11-05", capabilities: {}, serverInfo: { name: "h", version: "1" } } });
      } else if (msg.id === 2) {
        if (mode === "deep-tools") send(tools + deepObjects(150000) + "}]}}");
        else if (mode === "deep-unclosed") send(tools + open("[", 1000000).slice(0, 1000000));
        else if (mode === "huge-error") send({ jsonrpc: "2.0", id: 2, error: { code: 1, message: "E".repeat(900000) + "\u001b[31m" } });
        else send({ jsonrpc: "2.0", id: 2, result: { tools: [{ name: "ok", inputSchema: { type: "object" } }] } });
      }
    }
  });
}
JS
for m in deep-error deep-error-message deep-result deep-tools deep-unclosed deep-request-id; do
    mcp_server "srv-$m" "$m"
done
mcp_server srv-flood flood
mcp_server srv-flood-unknown flood-unknown
mcp_server srv-long-line long-line
mcp_server srv-huge-error huge-error
mcp_server srv-fine fine

# --- A mask package whose mask.json is deep: a few hundred bytes once compressed.
for shape in arrays objects mixed; do
    mkdir -p "$T/src/mask-$shape/files"
    cat >"$T/src/mask-$shape/plugin.json" <<JSON
{ "name": "mask-$shape", "version": "1.0.0", "kind": "mask", "summary": "deep mask.json" }
JSON
    deep "$shape" 1000000 >"$T/src/mask-$shape/files/mask.json"
done
mkdir -p "$T/src/lib/files"
echo '{ "name": "lib", "version": "1.0.0", "kind": "library", "summary": "a library" }' >"$T/src/lib/plugin.json"
echo lib >"$T/src/lib/files/README"

make_repo "$T"/src/*/
size=$(stat -c %s "$T"/pkgs/mask-arrays-1.0.0.nxp)
[ "$size" -lt 4096 ] || fail "the deep mask package should be tiny (is $size bytes)"
make_root

installs_nothing() {  # NAME: install fails, names NAME and what was wrong; nothing changes
    local gen; gen=$(readlink "$NXP_ROOT/current")
    rc=0; timeout 120 "$NXP" --yes install "$1" >"$T/out" 2>"$T/err" || rc=$?
    no_crash "$1"
    [ "$rc" -eq 1 ] || { cat "$T/err"; fail "$1: expected exit 1, got $rc"; }
    err_has "$1"
    assert_not_installed "$1"
    [ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "$1: current moved"
}
for m in deep-error deep-error-message deep-result deep-tools deep-request-id; do
    installs_nothing "srv-$m"
    err_has "MCP health check"
    err_has "JSON nested deeper than 64 levels at byte"
done
installs_nothing srv-deep-unclosed
err_has "JSON nested deeper than 64 levels"
pass "deep health-check answers and requests fail the check by name"

start=$(date +%s)
installs_nothing srv-flood
err_has "sent requests without reading the answers"
installs_nothing srv-flood-unknown
err_has "sent requests without reading the answers"
installs_nothing srv-long-line
err_has "wrote a line of more than 1048576 bytes"
took=$(( $(date +%s) - start ))
[ "$took" -lt 60 ] || fail "floods took ${took}s: they should be stopped at once, not at the timeout"
pgrep -f "server.js flood" >/dev/null && fail "a flooding server survived"
pass "floods stopped with a clear message, long before the timeout"

installs_nothing srv-huge-error
err_has 'tools/list failed: "EEEE'
[ "$(wc -c <"$T/err")" -lt 4096 ] || fail "the server's error message was not truncated"
grep -q $'\e' "$T/err" && fail "the server's escape sequence reached the terminal"
run_rc 0 nxp --yes install srv-fine
assert_installed srv-fine 1.0.0
pass "a server's error message is truncated; a well-behaved server still passes"

for shape in arrays objects mixed; do
    installs_nothing "mask-$shape"
    err_has "mask.json: JSON nested deeper than 128 levels at byte"
done
pass "a deep mask.json is refused by name"

# --- Deep files in the NextChat directory: every one is an error naming it.
for file in app/mcp/mcp_config.json public/masks.json public/prompts.json; do
    for shape in arrays objects; do
        rm -rf "$T/nc" "$NXP_ROOT"
        cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
        run_rc 0 nxp init --nextchat "$T/nc"
        nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
        deep "$shape" 1000000 >"$T/nc/$file"
        cp "$T/nc/$file" "$T/deep-before"
        rc=0; timeout 120 "$NXP" --yes install lib >"$T/out" 2>"$T/err" || rc=$?
        no_crash "install with a deep $file"
        err_has "$(basename "$file"): JSON nested deeper than 128 levels at byte"
        cmp -s "$T/nc/$file" "$T/deep-before" || fail "nxp rewrote the deep $file"
        for cmd in "nextchat status" "doctor"; do
            rc=0; timeout 120 "$NXP" $cmd >"$T/out" 2>"$T/err" || rc=$?
            no_crash "$cmd with a deep $file"
            [ "$rc" -ne 0 ] || { cat "$T/out"; fail "$cmd: exit 0 with a deep $file"; }
            grep -q "$(basename "$file")" "$T/out" "$T/err" || fail "$cmd does not name $file"
        done
    done
done
pass "deep NextChat files are named, left alone, and crash nothing"

# --- npm metadata from a registry nxp does not control.
mkdir -p "$T/bin"
cat >"$T/bin/npm" <<SH
#!/bin/sh
[ "\$1" = view ] || exit 9
python3 -c 'import sys; n = 1000000; sys.stdout.write("{\"name\":\"x\",\"versions\":" + "[" * n + "]" * n + "}")'
SH
chmod +x "$T/bin/npm"
rc=0; (cd "$T" && PATH="$T/bin:$PATH" timeout 60 "$NXP" import npm some-server -o "$T/imported") >"$T/out" 2>"$T/err" || rc=$?
no_crash "import npm"
[ "$rc" -eq 1 ] || { cat "$T/err"; fail "import npm: expected exit 1, got $rc"; }
err_has "npm view some-server: JSON nested deeper than 128 levels at byte"
[ ! -e "$T/imported/plugin.json" ] || fail "import npm wrote a plugin from deep metadata"
pass "deep npm metadata is refused"

# --- Files an operator is handed (policy, desired state, lockfile, config values): the same
# parser, the same message, whatever the shape.
rm -rf "$NXP_ROOT"; make_root
run_rc 0 nxp --yes install srv-fine
for shape in arrays objects mixed; do
    deep "$shape" 1000000 >"$T/deep.json"
    for cmd in "--policy $T/deep.json --yes install lib" "apply $T/deep.json" \
               "config srv-fine --from-file $T/deep.json"; do
        rc=0; timeout 60 "$NXP" $cmd >"$T/out" 2>"$T/err" || rc=$?
        no_crash "$cmd ($shape)"
        [ "$rc" -eq 1 ] || { cat "$T/err"; fail "$cmd ($shape): expected exit 1, got $rc"; }
        err_has "deep.json: JSON nested deeper than"
    done
done
assert_not_installed lib
pass "deep policy, desired-state and config files are refused by name"
