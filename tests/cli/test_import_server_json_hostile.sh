#!/usr/bin/env bash
# Hostile server.json files (issue 19 item 5): endless or deep JSON, lies, names that map to
# no plugin, environment variable names with '=' or NUL, secret arguments, other registry
# types. Each is refused with a message naming the file and the field, nothing is written,
# npm is never asked to install anything, and nxp never crashes or hangs.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/importlib.sh"
cd "$T"
mkdir -p src && echo 'x' >src/index.js && package_files default src
view_doc @ex/srv@1.0.0 '{"name": "@ex/srv", "version": "1.0.0", "bin": "index.js"}'

good='{"name": "io.github.ex/srv", "version": "1.0.0", "description": "d",
  "packages": [{"registryType": "npm", "identifier": "@ex/srv", "version": "1.0.0",
    "transport": {"type": "stdio"},
    "environmentVariables": [{"name": "A_KEY"}, {"name": "B_URL"}, {"name": "C_TOKEN"}],
    "packageArguments": [{"type": "positional", "valueHint": "dir", "isRequired": true}]}]}'
printf '%s' "$good" >good.json
run_rc 0 nxp_npm import server.json good.json -o good   # the baseline is accepted
: >"$T/npm/calls"

n=0
refused() {  # JQ-FILTER | raw file (with --raw), then the words the error must hold
    local file=hostile$n.json want rc=0
    n=$((n + 1))
    if [ "$1" = --raw ]; then cp "$2" "$file"; shift 2; else jq "$1" good.json >"$file"; shift; fi
    (PATH=$NXP_NPM_PATH timeout 60 "$NXP" import server.json "$file" -o "out$n") >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -lt 128 ] && [ "$rc" -ne 124 ] || { cat "$T/err"; fail "$file: crashed or hung (exit $rc)"; }
    [ "$rc" -ne 0 ] || { cat "$file" | head -c 300; fail "$file: accepted"; }
    grep -q "$file" "$T/err" || { cat "$T/err"; fail "$file: the error does not name the file"; }
    for want in "$@"; do grep -qF -- "$want" "$T/err" || { cat "$T/err"; fail "$file: error lacks '$want'"; }; done
    [ ! -e "out$n" ] || fail "$file: wrote out$n"
    ! grep -q '^install' "$T/npm/calls" || fail "$file: npm install ran"
}

# Environment variable names: '=', NUL, lower case, spaces, the sandbox's own, twice.
for bad in '"A=B"' '"A\u0000B"' '"lower"' '"A B"' '""' '"PATH"' '"HOME"' '"1X"' '"A\nB"' \
           '"A_KEY"' '5' "\"$(printf 'X%.0s' $(seq 100))\""; do
    refused ".packages[0].environmentVariables[2].name = $bad" "packages[0].environmentVariables[2].name"
done
# Names that are no server name, or map to no plugin name.
for bad in '""' '"x"' '"a/b/c"' '"a b/c"' '"é/x"' '"../x"' '5' 'null'; do
    refused ".name = $bad" "server.json: name"
done
refused '.name = "-._/_.-"' "server.json: name"
for bad in '"@@@/!!!"' '"UPPER"' '"a b"' '"@x/"' '"../x"' '""'; do
    refused ".packages[0].identifier = $bad" "packages[0].identifier"
done
# Versions and registry types.
refused '.packages[0].version = "^1.0.0"' "packages[0].version" "exact"
refused '.packages[0].version = "latest"' "packages[0].version"
refused '.packages[0].registryType = "pypi"' "packages[0].registryType" '"pypi"'
refused '.packages[0].registryType = "oci"' "packages[0].registryType" '"oci"'
refused '.packages[0].registryType = "nuget"' "packages[0].registryType" '"nuget"'
refused '.packages[0].transport.type = "sse"' "packages[0].transport.type"
refused '.packages[0].packageArguments[0].isSecret = true' "packages[0].packageArguments[0]" "environment"
refused '.packages[0].packageArguments[0].type = "magic"' "packages[0].packageArguments[0].type"
refused '.packages[0].environmentVariables[0].choices = [1]' "packages[0].environmentVariables[0].choices[0]"
refused '.packages[0].environmentVariables[0] += {"default": "z", "choices": ["a"]}' \
    "packages[0].environmentVariables[0].default"
refused '.packages = [] | .remotes = []' "offers no package and no remote"
refused '.packages[0].environmentVariables = [range(100) | {name: "V\(.)"}]' "environmentVariables"
refused 'del(.packages) | .remotes = [{"type": "sse", "url": "https://{x}.example/"}]' "remotes[0].url"
refused 'del(.packages) | .remotes = [{"type": "websocket", "url": "https://a.example/"}]' "remotes[0].type"
refused 'del(.packages) | .remotes = [{"type": "sse", "url": "file:///etc/passwd"}]' "remotes[0].url"
refused 'del(.packages) | .remotes = [{"type": "sse", "url": "https://a.example/",
         "headers": [{"name": "Authorization", "value": "Bearer {unclosed"}]}]' "remotes[0].headers[0].value"

# Endless and deep documents, broken JSON, duplicate keys, not an object.
python3 -c 'import sys; n = 100000; sys.stdout.write("{\"name\":" + "[" * n + "]" * n + "}")' >deep.json
refused --raw deep.json "nested deeper than 32"
python3 -c 'import sys; sys.stdout.write("{\"name\": \"" + "x" * (2 << 20) + "\"}")' >big.json
refused --raw big.json "larger than 1 MiB"
printf '{"name": "io.github.ex/srv", "name": "io.github.ex/other"}' >dup.json
refused --raw dup.json "duplicate key"
printf '{"name": "io.github.ex/srv", ' >cut.json
refused --raw cut.json "invalid JSON"
printf '[]' >array.json
refused --raw array.json "expected a JSON object"
pass "hostile server.json files are refused naming the file and field; nothing written or installed"

# A URL that sends more than the cap is cut off, not read into memory without end.
mkdir -p www && python3 -c 'import sys; sys.stdout.write("{\"name\": \"" + "x" * (3 << 20) + "\"}")' >www/big.json
(cd www && exec python3 -m http.server 0 --bind 127.0.0.1) >"$T/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do PORT=$(grep -o 'port [0-9]*' "$T/http.log" | grep -o '[0-9]*' || true); [ -n "$PORT" ] && break; sleep 0.1; done
[ -n "$PORT" ] || fail "no local listener"
rc=0; (PATH=$NXP_NPM_PATH timeout 60 "$NXP" import server.json "http://127.0.0.1:$PORT/big.json" -o big) >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] || { cat "$T/err"; fail "an oversized URL: exit $rc"; }
grep -q "big.json" "$T/err" || { cat "$T/err"; fail "the oversized URL is not named"; }
[ ! -e big ] || fail "an oversized URL wrote a plugin"
rc=0; (PATH=$NXP_NPM_PATH timeout 60 "$NXP" import server.json "ftp://127.0.0.1/x.json" -o ftp) >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 2 ] || { cat "$T/err"; fail "an ftp:// source: exit $rc, not 2"; }
pass "an oversized download is cut off; other URL schemes are usage errors"
