#!/usr/bin/env bash
# `nxp import npm` makes config keys of what a server reads (issue 19 item 2): the
# environment variables in its own code and in its README's MCP client config, the arguments
# its README passes, and --env; generic names are skipped. A fake npm (importlib.sh) stands
# in for the registry, so no network is needed. The keys reach `nxp info` once installed.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/importlib.sh"
cd "$T"

mkdir -p src/dist src/node_modules/dep
cat >src/dist/index.js <<'JS'
#!/usr/bin/env node
const key = process.env.WEATHER_API_KEY;
const base = process.env["WEATHER_BASE_URL"] || "https://api.weather.example";
const { WEATHER_UNITS, WEATHER_CACHE_SECRET: s } = process.env;
if (process.env.NODE_ENV !== "production" && process.env.DEBUG) console.error("debug");
const port = process.env.PORT;
JS
echo 'process.env.FROM_A_DEPENDENCY' >src/node_modules/dep/index.js
cat >src/README.md <<'MD'
# Weather MCP server
- `WEATHER_API_KEY`: your key from weather.example (required)
- `WEATHER_UNITS`: metric or imperial (default: metric)
```json
{"mcpServers": {"weather": {"command": "npx",
  "args": ["-y", "@ex/weather-server", "/path/to/cache/dir"],
  "env": {"WEATHER_API_KEY": "<your key>", "WEATHER_UNITS": "metric"}}}}
```
MD
package_files @ex/weather-server@1.2.0 src
view_doc @ex/weather-server@1.2.0 '{"name": "@ex/weather-server", "version": "1.2.0",
  "description": "Weather forecasts", "license": "MIT", "bin": {"weather": "dist/index.js"},
  "time": {"1.2.0": "2026-01-01T00:00:00.000Z"}}'

run_rc 0 nxp_npm import npm @ex/weather-server@1.2.0 -o weather \
    --env EXTRA_SETTING=required,WEATHER_CACHE_SECRET=plain --env OTHER_KEY
out_has "Config keys created"
out_has "weather_api_key (env WEATHER_API_KEY, secret, required)"
out_has "directory (argument, required)"
m=weather/plugin.json
jq -e '.config.weather_api_key == {"type": "string",
          "description": "WEATHER_API_KEY: your key from weather.example (required)",
          "secret": true, "required": true, "env": "WEATHER_API_KEY"}
    and .config.weather_units.env == "WEATHER_UNITS" and (.config.weather_units | has("required") | not)
    and (.config.weather_units | has("secret") | not)
    and .config.weather_base_url == {"type": "string", "env": "WEATHER_BASE_URL"}
    and .config.weather_cache_secret.env == "WEATHER_CACHE_SECRET"
    and (.config.weather_cache_secret | has("secret") | not)
    and .config.extra_setting == {"type": "string", "required": true, "env": "EXTRA_SETTING"}
    and .config.other_key == {"type": "string", "secret": true, "env": "OTHER_KEY"}
    and .config.directory.arg == "single" and .config.directory.position == 1
    and .config.directory.required
    and ([.config[] | .env // empty] | index("NODE_ENV") == null and index("DEBUG") == null
         and index("PORT") == null and index("FROM_A_DEPENDENCY") == null)
    and .permissions == {}' "$m" >/dev/null || { cat "$m"; fail "config keys from code, README and --env"; }
pass "config keys from the code, the README and --env; generic names and dependencies skipped"

run_rc 0 nxp_npm --json import npm @ex/weather-server@1.2.0 -o weather2
jq -e '.config_keys == ["weather_api_key", "weather_base_url", "weather_cache_secret", "weather_units", "directory"]
    and .config.weather_api_key.secret' "$T/out" >/dev/null || { cat "$T/out"; fail "import --json config_keys"; }

# --env refuses what is not a variable name, naming the option and the value.
for bad in lower-case 'A=sekret' PATH '1X'; do
    run_rc 2 nxp_npm import npm @ex/weather-server@1.2.0 -o bad --env "$bad"
    err_has "--env"
    [ ! -e bad ] || fail "--env $bad: the directory was written"
done
pass "--env values that are not names or flags are usage errors"

# The keys are what nxp info shows of the installed plugin; the secret's value never.
jq '.check.mcp = false' "$m" >m.new && mv m.new "$m"
nxp pack weather -o pkgs/ >/dev/null
nxp key generate -o key >/dev/null
nxp repo build repo pkgs/*.nxp --key key.key --id demo >/dev/null
make_root
run_rc 0 nxp --yes --grant all install ex-weather-server
run_rc 0 nxp --json info ex-weather-server
grep -q weather_api_key "$T/out" || { cat "$T/out"; fail "nxp info lacks weather_api_key"; }
run_rc 0 nxp config ex-weather-server weather_api_key s3cr3t-value
run_rc 0 nxp info ex-weather-server
out_has weather_api_key
! grep -q s3cr3t-value "$T/out" || fail "nxp info printed the secret"
pass "the created keys are the installed plugin's settings"
