#!/usr/bin/env bash
# `nxp repo build --mcp-registry` (issue 19 item 5): a static tree in the MCP Registry's
# generic API shape beside the index, served by nginx as documented (nxp-repo(1)): the list,
# per-server and per-version documents with the URL-encoded server name, required fields.
. "$(dirname "$0")/testlib.sh"
. "$SRC/tests/security/servers.sh"

make_repo
run_rc 0 nxp --json repo build "$T/repo" --key "$T/key.key" --mcp-registry-namespace org.example.plugins \
    --url https://plugins.example.org/demo
jq -e '.files | index("v0/servers/index.json") and index("v0.1/servers/index.json")
    and index("v0/servers/org.example.plugins/weather/versions/1.2.0/index.json")' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "repo build --json does not list the registry files"; }
# Only MCP servers: weather, notes-json, notes-sqlite among the examples.
jq -e '[.servers[].server.name] == ["org.example.plugins/notes-json", "org.example.plugins/notes-sqlite",
    "org.example.plugins/weather"] and .metadata.count == 3' "$T/repo/v0/servers/index.json" >/dev/null ||
    { cat "$T/repo/v0/servers/index.json"; fail "the list is not the three MCP servers"; }

# Served as documented: every endpoint a directory with index.json.
need_nginx
port=$(free_port)
dir=$(mktemp -d "$T/nginx.XXXXXX")
cat >"$dir/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $dir/nginx.pid; error_log $dir/error.log;
events { worker_connections 64; }
http {
    access_log $dir/access.log;
    client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fcgi;
    uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
    types { application/json json; text/html html; }
    server {
        listen 127.0.0.1:$port;
        root $T/repo;
        location /v0 { try_files \$uri/index.json =404; }
    }
}
CONF
PATH=$PATH:/usr/sbin nginx -p "$dir" -c "$dir/nginx.conf" 2>>"$dir/error.log" &
SERVER_PIDS+=($!)
wait_port "$port"
base=http://127.0.0.1:$port
get() { curl -sS -f -D "$T/headers" "$1" >"$T/body" || fail "GET $1 failed"; }
get "$base/v0/servers"
grep -qi '^content-type: application/json' "$T/headers" || fail "the list is not served as JSON"
jq -e '.servers | length == 3' "$T/body" >/dev/null || fail "GET /v0/servers is not the list"
get "$base/v0.1/servers?limit=10"
jq -e '.metadata.count == 3' "$T/body" >/dev/null || fail "GET /v0.1/servers is not the list"
get "$base/v0/servers/org.example.plugins%2Fweather/versions/latest"
cp "$T/body" "$T/latest.json"
get "$base/v0/servers/org.example.plugins%2Fweather/versions/1.2.0"
cmp -s "$T/body" "$T/latest.json" || fail "latest is not 1.2.0"
get "$base/v0/servers/org.example.plugins%2Fweather/versions"
jq -e '.servers | length == 1' "$T/body" >/dev/null || fail "the versions list is wrong"
curl -s -o /dev/null -w '%{http_code}' "$base/v0/servers/org.example.plugins%2Fnope/versions/latest" | grep -q 404 ||
    fail "an unknown server is not 404"

# ServerResponse / ServerDetail's required fields (openapi.yaml 2025-12-01), and what nxp adds.
sha=$(zstd -dc "$T/repo/index.json.zst" | jq -r '.packages[] | select(.name == "weather") | .sha256')
jq -e --arg sha "$sha" '
  (.server | (.name | test("^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")) and (.description | length >= 1 and length <= 100)
     and .version == "1.2.0" and .websiteUrl == "https://example.org/weather"
     and (.packages[0] | .registryType == "nxp" and .identifier == "weather" and .version == "1.2.0"
          and .fileSha256 == $sha and .transport.type == "stdio"
          and .registryBaseUrl == "https://plugins.example.org/demo"
          and ([.environmentVariables[].name] == ["WEATHER_TIMEOUT", "WEATHER_UNITS"])
          and (.environmentVariables[1] | .default == "metric" and .choices == ["metric", "imperial"]
               and .isSecret == false)))
  and .server._meta["io.nxp/package"].install == "nxp install weather@1.2.0"
  and .server._meta["io.nxp/package"].repository == "demo"
  and (._meta["io.modelcontextprotocol.registry/official"] | .status == "active" and .isLatest == true)' \
    "$T/latest.json" >/dev/null || { cat "$T/latest.json"; fail "the server document lacks required fields"; }
pass "repo build --mcp-registry writes the registry tree; nginx serves the list and each version"

# A bad namespace is a usage error naming it; the index is not changed.
before=$(sha256sum <"$T/repo/index.json.zst")
run_rc 2 nxp repo build "$T/repo" --key "$T/key.key" --mcp-registry-namespace '../etc'
err_has "mcp-registry-namespace ../etc"
[ "$before" = "$(sha256sum <"$T/repo/index.json.zst")" ] || fail "a refused namespace changed the index"
# Without a namespace the repository id is used; the old tree does not linger.
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key" --mcp-registry
[ -e "$T/repo/v0/servers/demo/weather/versions/latest/index.json" ] || fail "no tree under the repository id"
[ ! -e "$T/repo/v0/servers/org.example.plugins" ] || fail "the old namespace's tree is still there"
ls -a "$T/repo" | grep -q '^\.v0' && fail "a temporary tree was left behind"
pass "namespaces: refused when invalid, the repository id by default, stale trees replaced"
