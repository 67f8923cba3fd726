#!/usr/bin/env bash
# Hand-run benchmark (issue 15, "Start-up cost"): `nxp exec NAME` from start to the first
# MCP answer (the initialize result on stdout), for the same Node MCP server installed twice:
# once with a network grant (private network namespace, DNS stub, seccomp connect supervisor)
# and once without (bubblewrap's plain --unshare-net). Prints the medians and their ratio.
#
#   bash bench/exec_egress.sh              # REPS=20
#   REPS=5 NXP=/path/to/nxp bash bench/exec_egress.sh
#
# Needs node, jq and an nxp binary (default: build-h1/cli/nxp, else build/cli/nxp).
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPS=${REPS:-20}
if [ -z "${NXP:-}" ]; then
    for b in "$SRC/build-h1/cli/nxp" "$SRC/build/cli/nxp"; do
        [ -x "$b" ] && { NXP=$b; break; }
    done
fi
export NXP
export NXP_SOURCE_ROOT=$SRC
. "$SRC/tests/cli/testlib.sh"

server_plugin() {  # NAME PERMISSIONS
    mkdir -p "$T/src/$1/files"
    cat >"$T/src/$1/plugin.json" <<JSON
{ "name": "$1", "version": "1.0.0", "kind": "mcp-server", "summary": "bench server",
  "mcp": { "command": "node", "args": ["\${plugin_dir}/server.js"] },
  "permissions": $2 }
JSON
    cat >"$T/src/$1/files/server.js" <<'JS'
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const result = { protocolVersion: "2024-11-05", capabilities: {}, serverInfo: { name: "b", version: "1" } };
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result }) + "\n");
});
JS
}
server_plugin with-egress '{ "network": ["api.example.com", "127.0.0.2:8080"] }'
server_plugin no-network '{}'
make_repo "$T/src/with-egress" "$T/src/no-network"
make_root
nxp --yes --grant all install with-egress no-network >/dev/null 2>&1

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}'

# Milliseconds from starting `nxp exec NAME` to its first line on stdout (then it is stopped).
one() {
    /usr/bin/python3 - "$NXP" "$1" "$INIT" <<'PY'
import subprocess, sys, time
t = time.monotonic()
p = subprocess.Popen([sys.argv[1], "exec", sys.argv[2]], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
p.stdin.write((sys.argv[3] + "\n").encode()); p.stdin.flush()
line = p.stdout.readline()
ms = (time.monotonic() - t) * 1000
p.stdin.close(); p.wait(timeout=20)
if b'"result"' not in line: sys.exit("no MCP answer: %r" % line)
print(round(ms))
PY
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

one with-egress >/dev/null  # warm the page cache
one no-network >/dev/null
: >"$T/egress"
: >"$T/plain"
for _ in $(seq "$REPS"); do
    one with-egress >>"$T/egress"
    one no-network >>"$T/plain"
done
e=$(median <"$T/egress")
p=$(median <"$T/plain")
echo "nxp exec to first MCP answer, median of $REPS: with egress enforcement ${e} ms," \
     "without network ${p} ms, ratio $(awk -v e="$e" -v p="$p" 'BEGIN {printf "%.2f", e/p}')"
