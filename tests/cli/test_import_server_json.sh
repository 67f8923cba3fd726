#!/usr/bin/env bash
# `nxp import server.json` (issue 19 item 5): an MCP Registry server description, read from
# a file or over HTTP, becomes an npm plugin (its environmentVariables and packageArguments
# config keys exactly) or, with --remote or without a package, a remote plugin. A fake npm
# (importlib.sh) stands in for the registry.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/importlib.sh"
cd "$T"

mkdir -p src/dist
echo 'console.log(process.env.NOT_IN_SERVER_JSON)' >src/dist/index.js
package_files default src
view_doc @ex/weather-mcp@1.2.0 '{"name": "@ex/weather-mcp", "version": "1.2.0", "license": "MIT",
  "bin": "dist/index.js", "time": {"1.2.0": "2026-01-01T00:00:00.000Z"},
  "_npmUser": {"name": "alice"}}'
cat >server.json <<'JSON'
{ "$schema": "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
  "name": "io.github.ex/weather", "description": "Weather forecasts", "version": "1.2.0",
  "packages": [{ "registryType": "npm", "identifier": "@ex/weather-mcp", "version": "1.2.0",
    "transport": {"type": "stdio"},
    "packageArguments": [
      {"type": "positional", "valueHint": "cache_dir", "isRequired": true, "description": "Cache"},
      {"type": "named", "name": "--mode", "value": "stdio"}],
    "environmentVariables": [
      {"name": "WEATHER_API_KEY", "description": "API key", "isRequired": true, "isSecret": true},
      {"name": "WEATHER_REGION", "default": "eu", "choices": ["eu", "us"]}]}],
  "remotes": [{"type": "streamable-http", "url": "https://mcp.weather.example/mcp",
    "headers": [{"name": "Authorization", "value": "Bearer {api_key}", "isRequired": true,
                 "isSecret": true}]}]}
JSON

run_rc 0 nxp_npm import server.json server.json -o weather
err_has "unsigned metadata"
out_has "Imported io.github.ex/weather (server.json, unsigned) as plugin ex-weather-mcp 1.2.0"
out_has "weather_api_key (env WEATHER_API_KEY, secret, required)"
m=weather/plugin.json
jq -e '.name == "ex-weather-mcp" and .version == "1.2.0"
    and .config.weather_api_key == {"type": "string", "description": "API key", "secret": true,
                                    "required": true, "env": "WEATHER_API_KEY"}
    and .config.weather_region == {"type": "enum", "values": ["eu", "us"], "default": "eu",
                                   "env": "WEATHER_REGION"}
    and .config.cache_dir.arg == "single" and .config.cache_dir.required
    and .mcp.args[1:] == ["--mode", "stdio"] and .config.cache_dir.position == 3
    and (.config | has("not_in_server_json") | not)
    and .source.type == "npm" and .source.server == "io.github.ex/weather"
    and .source.publisher == "alice"' "$m" >/dev/null || { cat "$m"; fail "the npm plugin from server.json"; }
grep -q '^install .*@ex/weather-mcp@1.2.0$' "$T/npm/calls" || fail "npm did not install identifier@version"
run_rc 0 nxp lint weather
pass "an npm package of server.json: its variables and arguments are the config keys"

# --remote, and --json; the remote plugin lints and packs.
run_rc 0 nxp --json import server.json server.json -o remote --remote
jq -e '.kind == "remote" and .unsigned == true and .name == "io.github.ex-weather"
    and .config_keys == ["api_key"]' "$T/out" >/dev/null || { cat "$T/out"; fail "--remote --json"; }
jq -e '.mcp.remote == {"url": "https://mcp.weather.example/mcp", "transport": "streamable-http",
                       "headers": {"Authorization": "Bearer ${config.api_key}"}}
    and .config.api_key.secret and .config.api_key.required
    and .permissions.network == ["mcp.weather.example"] and .source.type == "mcp-registry"' \
    remote/plugin.json >/dev/null || { cat remote/plugin.json; fail "the remote plugin"; }
run_rc 0 nxp lint remote
nxp pack remote -o pkgs/ >/dev/null || fail "the remote plugin does not pack"
pass "remotes become a remote plugin with secret header keys"

# Over HTTP, and the registry API's {"server": …} answer.
mkdir -p www && jq '{server: ., _meta: {}}' server.json >www/answer.json
(cd www && exec python3 -m http.server 0 --bind 127.0.0.1) >"$T/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do PORT=$(grep -o 'port [0-9]*' "$T/http.log" | grep -o '[0-9]*' || true); [ -n "$PORT" ] && break; sleep 0.1; done
[ -n "$PORT" ] || fail "no local listener"
run_rc 0 nxp_npm import server.json "http://127.0.0.1:$PORT/answer.json" -o fromurl
jq -e '.name == "ex-weather-mcp"' fromurl/plugin.json >/dev/null || fail "server.json over HTTP"
run_rc 1 nxp_npm import server.json "http://127.0.0.1:$PORT/missing.json" -o nope
err_has "missing.json"
[ ! -e nope ] || fail "a failed fetch left a directory"
pass "a server.json URL is fetched"

# Lies: an identifier npm does not have (npm's error named); a version npm does not give.
jq '.packages[0].identifier = "@ex/no-such-server"' server.json >lie1.json
run_rc 5 nxp_npm import server.json lie1.json -o lie1
err_has "@ex/no-such-server@1.2.0"
err_has "404"
view_doc @ex/weather-mcp@1.3.0 '{"name": "@ex/weather-mcp", "version": "1.2.0", "bin": "dist/index.js"}'
jq '.packages[0].version = "1.3.0"' server.json >lie2.json
run_rc 1 nxp_npm import server.json lie2.json -o lie2
err_has "npm gives version 1.2.0, not 1.3.0"
[ ! -e lie1 ] && [ ! -e lie2 ] || fail "a refused server.json left a directory"
pass "a server.json that npm contradicts is refused"
