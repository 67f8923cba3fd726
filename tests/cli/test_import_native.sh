#!/usr/bin/env bash
# `nxp import npm` builds native addons (issue 19 item 1/2): a tiny MCP server package that
# depends on better-sqlite3@12 (from the real npm registry) is imported; the addon is built
# from source, offline, in bwrap; the plugin is packed, signed, installed into a scratch root
# and one tools/call through `nxp exec` runs SQL in better-sqlite3. --no-build-native leaves
# it unbuilt and says so. Needs the npm registry: skipped (77) only when `npm ping` fails.
. "$(dirname "$0")/testlib.sh"
command -v npm >/dev/null || fail "npm is not installed (.ci/install-deps installs it)"
command -v bwrap >/dev/null || fail "bwrap is not installed"
timeout 60 npm ping >/dev/null 2>&1 || { echo "SKIP: the npm registry is not reachable (npm ping failed)"; exit 77; }
export npm_config_cache=$T/npm-cache
cd "$T"
REAL_NPM=$(command -v npm)

# The fake server: MCP over stdio by hand, one tool "sql" that runs a query in SQLite.
mkdir -p src
cat >src/package.json <<'JSON'
{"name": "nxp-native-fake", "version": "1.0.0", "description": "A test MCP server using better-sqlite3",
 "license": "MIT", "bin": {"nxp-native-fake": "server.js"}, "engines": {"node": ">=18"},
 "dependencies": {"better-sqlite3": "^12.0.0"}}
JSON
cat >src/server.js <<'JS'
#!/usr/bin/env node
const Database = require('better-sqlite3');
const db = new Database(':memory:');
db.exec('CREATE TABLE t (x INTEGER)');
const rl = require('readline').createInterface({ input: process.stdin });
const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
rl.on('line', (line) => {
  let m; try { m = JSON.parse(line); } catch (e) { return; }
  if (m.id === undefined) return;
  if (m.method === 'initialize')
    send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion || '2025-06-18',
      capabilities: { tools: {} }, serverInfo: { name: 'nxp-native-fake', version: '1.0.0' } } });
  else if (m.method === 'tools/list')
    send({ jsonrpc: '2.0', id: m.id, result: { tools: [{ name: 'sql', description: 'insert and sum',
      inputSchema: { type: 'object', properties: { n: { type: 'integer' } } } }] } });
  else if (m.method === 'tools/call') {
    const n = (m.params.arguments || {}).n || 1;
    db.prepare('INSERT INTO t VALUES (?)').run(n);
    const r = db.prepare('SELECT sum(x) AS s, sqlite_version() AS v FROM t').get();
    send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'sum ' + r.s + ' sqlite ' + r.v }] } });
  } else if (m.method === 'ping') send({ jsonrpc: '2.0', id: m.id, result: {} });
  else send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'no such method' } });
});
JS
(cd src && "$REAL_NPM" pack --pack-destination "$T" >/dev/null) || fail "npm pack"
TGZ=$T/nxp-native-fake-1.0.0.tgz
[ -f "$TGZ" ] || fail "npm pack made no tarball"
# npm for nxp: `view` of the fake package answers its package.json, `install` of it installs
# the tarball (with nxp's flags); everything else is the real npm.
mkdir -p bin
cat >bin/npm <<SH
#!/bin/sh
case "\$1 \$2" in
"view nxp-native-fake@1.0.0") cat "$T/src/package.json"; exit 0 ;;
esac
if [ "\$1" = install ]; then
    last=; for a in "\$@"; do last=\$a; done
    if [ "\$last" = nxp-native-fake@1.0.0 ]; then
        n=\$#; i=0; for a in "\$@"; do i=\$((i+1)); [ \$i -lt \$n ] && set -- "\$@" "\$a"; done
        shift \$n; exec "$REAL_NPM" "\$@" "$TGZ"
    fi
fi
exec "$REAL_NPM" "\$@"
SH
chmod +x bin/npm
nxpn() { PATH=$T/bin:$PATH "$NXP" "$@"; }
MAJOR=$(node -p 'process.versions.node.split(".")[0]')

# --no-build-native: vendored but not built, and said so.
run_rc 0 nxpn --json import npm nxp-native-fake@1.0.0 -o unbuilt --no-check --no-build-native
jq -e '.native_addons == {"built": [], "unbuilt": ["better-sqlite3"]}' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "--no-build-native --json"; }
[ -z "$(find unbuilt -name '*.node')" ] || fail "--no-build-native built something"
run_rc 0 nxpn import npm nxp-native-fake@1.0.0 -o unbuilt2 --no-check --no-build-native
err_has "left unbuilt"
err_has "better-sqlite3"

# The default: built, offline, confined.
run_rc 0 nxpn import npm nxp-native-fake@1.0.0 -o fake
out_has "Built native addons from source"
out_has "better-sqlite3"
ls fake/files/node_modules/better-sqlite3/build/Release/better_sqlite3.node >/dev/null ||
    fail "better_sqlite3.node was not built"
jq -e --arg r "node-runtime ^$MAJOR" '.requires | index($r)' fake/plugin.json >/dev/null ||
    { cat fake/plugin.json; fail "requires does not pin the node major the addon was built for"; }
[ ! -e fake/build-home ] && [ -z "$(find . -maxdepth 1 -name '.nxp-import-*')" ] ||
    fail "the build left its scratch files behind"
(cd fake/files && node -e "console.log(new (require('better-sqlite3'))(':memory:').prepare('select 41+1 as x').get().x)") |
    grep -qx 42 || fail "the built addon does not load"

# Packed, signed, installed into a throwaway root, one tools/call through nxp exec.
run_rc 0 "$NXP" pack fake -o packages/
run_rc 0 "$NXP" key generate -o pub
run_rc 0 "$NXP" repo build public packages/*.nxp --key pub.key --id native --expires-days 30
ROOT=$T/root
run_rc 0 "$NXP" --root "$ROOT" init --nextchat-version 2.16.0
run_rc 0 "$NXP" --root "$ROOT" repo add native "file://$T/public" --key pub.pub
run_rc 0 "$NXP" --root "$ROOT" install --yes --grant all --no-progress nxp-native-fake
python3 "$SRC/catalogue/mcp_call.py" 120 sql '{"n": 5}' 'sum 5 sqlite' -- "$NXP" --root "$ROOT" exec nxp-native-fake >call.json ||
    { cat call.json; fail "mcp_call failed"; }
jq -e '.stage == "ok" and .call.is_error == false and (.call.text | test("^sum 5 sqlite 3\\."))' call.json >/dev/null ||
    { cat call.json; fail "the tools/call did not run SQL through the built addon"; }

# A build failure: a broken binding.gyp names the package and node-gyp's output; nothing of OUT.
mkdir -p brk/addon && cd brk
cat >addon/package.json <<'JSON'
{"name": "broken-addon", "version": "1.0.0", "scripts": {"install": "node-gyp rebuild"}}
JSON
printf "{'targets': [{'target_name': 'b', 'sources': ['missing.cc']}]}\n" >addon/binding.gyp
"$REAL_NPM" pack ./addon --pack-destination "$T/brk" >/dev/null || fail "npm pack broken-addon"
cd "$T"
jq --arg t "file:$T/brk/broken-addon-1.0.0.tgz" '.dependencies = {"broken-addon": $t} | .version = "1.0.0"' \
    src/package.json >src/p2 && mv src/p2 src/package.json
(cd src && "$REAL_NPM" pack --pack-destination "$T" >/dev/null) || fail "npm pack (broken)"
run_rc 1 nxpn import npm nxp-native-fake@1.0.0 -o broken --no-check
err_has "broken-addon"
err_has "missing.o"
[ ! -e broken ] && [ -z "$(find . -maxdepth 1 -name '.nxp-import-*')" ] || fail "a failed build left OUT behind"
echo "ok: import npm builds native addons (better-sqlite3) offline and confined; one call ran SQL"
