#!/usr/bin/env bash
# The browsable catalogue `nxp repo build` writes (issue 19 item 7): index.html lists every
# plugin (with JavaScript off too) and filters by kind, permission and a search read from the
# URL fragment; plugins/NAME.html shows tools, configuration, permissions, versions and the
# install command. Checked in headless Chromium by the DOM it builds, not by pixels; hostile
# index text must not become markup or run.
. "$(dirname "$0")/testlib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium is not installed (.ci/install-deps installs it)"

# Example plugins, a second weather version, and a hostile plugin.
HOSTILE="</script><script>document.title='pwned'</script>\"><img src=x onerror=\"document.title='img'\">"
plugin evil 1.0.0 '"permissions": {"network": ["api.example.org"]}, "publisher": "Ünïcode Pub",
  "mcp": {"command": "node", "args": ["${plugin_dir}/server.js"]},
  "homepage": "javascript:document.title=1",
  "config": {"api_key": {"type": "string", "secret": true, "required": true, "env": "EVIL_API_KEY",
                         "description": "the key"}},' mcp-server
jq --arg h "$HOSTILE" '.summary = "Évil ☀ " + $h' "$T/src/evil-1.0.0/plugin.json" >"$T/m"
mv "$T/m" "$T/src/evil-1.0.0/plugin.json"
cp -r "$SRC/examples/plugins/weather" "$T/src/weather-1.3.0"
jq '.version = "1.3.0"' "$SRC/examples/plugins/weather/plugin.json" >"$T/src/weather-1.3.0/plugin.json"
make_repo "$SRC"/examples/plugins/*/ "$T/src/evil-1.0.0" "$T/src/weather-1.3.0"
# Pinned tools, as `repo build --pin-tools` records them, written into the index and signed.
zstd -dc "$T/repo/index.json.zst" | jq -c --arg h "$HOSTILE" '(.packages[] | select(.name == "weather")).tools =
    [{"description": "Severe weather alerts for a region", "inputSchema": {"properties": {"region": {"type": "string"}},
      "required": ["region"], "type": "object"}, "name": "get_alerts"}]
  | (.packages[] | select(.name == "evil")).tools = [{"description": $h, "name": ("x" + $h)}]' |
    zstd -q -o "$T/index.json.zst" -f
mv "$T/index.json.zst" "$T/repo/index.json.zst"
run_rc 0 nxp --json repo build "$T/repo" --key "$T/key.key" --url https://plugins.example.org/demo
jq -e '.files | index("index.html") and index("plugins/weather.html") and index("plugins/evil.html")' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "repo build --json does not list the catalogue pages"; }
html=$T/repo/index.html
NPLUGINS=7
[ "$(ls "$T/repo/plugins" | wc -l)" = $NPLUGINS ] || fail "not one page per plugin: $(ls "$T/repo/plugins")"

# No external assets or requests: no src= at all but inline, no <link>, no <img>, nothing remote.
for f in "$html" "$T"/repo/plugins/*.html; do
    grep -qiE '<(script|img|iframe|link|object|embed)[^>]*(src|href)=' "$f" && fail "$f loads an asset"
    grep -qiE '<(img|link|iframe)' "$f" && fail "$f holds an element that could make a request"
    grep -qiE 'url\(' "$f" && fail "$f has a CSS url()"
done
[ "$(grep -o '<script' "$html" | wc -l)" = 1 ] || fail "index.html has other script elements than its own"
grep -q '<script' "$T"/repo/plugins/*.html && fail "a plugin page has a script element"

chrome() {  # chrome URL ARGS…: the DOM after scripts ran
    local url=$1; shift
    timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" --virtual-time-budget=2000 "$@" "$url" 2>/dev/null
}
# visible URL: the names of the rows not hidden, sorted.
visible() {
    chrome "$1" --dump-dom >"$T/dom" || fail "chromium could not render $1"
    grep -o '<tr data-kind[^>]*>.*</tr>' "$T/dom" | { grep -v ' hidden=' || true; } |
        sed -E 's|.*<a href="plugins/[^"]*">([^<]*)</a>.*|\1|' | sort | tr '\n' ' '
}
expect() {  # expect FRAGMENT "names…"
    local got
    got=$(visible "file://$html$1")
    [ "$got" = "$2" ] || fail "index.html$1 shows '$got', expected '$2'"
}
all="evil mcp-common notes-json notes-sqlite translator-mask weather writing-prompts "
expect "" "$all"
grep -q "$NPLUGINS of $NPLUGINS plugins shown" "$T/dom" || fail "no count of the shown plugins"
grep -q '<form id="filters" role="search">' "$T/dom" || fail "the script did not show the filters"
expect "#q=get_alerts" "weather "                 # a pinned tool's name
expect "#q=WEATHER%20forecasts" "weather "        # summary words, case-insensitive
expect "#q=%C3%BCn%C3%AFcode" "evil "            # the publisher, non-ASCII
expect "#kind=mask" "translator-mask "
grep -q "1 of $NPLUGINS plugins shown" "$T/dom" || fail "the count does not follow the filter"
expect "#perm=network" "evil weather "
expect "#perm=filesystem" "notes-json notes-sqlite "
expect "#perm=none" "mcp-common translator-mask writing-prompts "
expect "#kind=mcp-server&perm=network&q=weather" "weather "
expect "?q=notes" "notes-json notes-sqlite "      # the query string works too
expect "#q=nothing-matches-this" ""
grep -q '<p id="none" class="muted">No plugin matches.</p>' "$T/dom" || fail "no 'nothing matches' line"
expect "#kind=no-such-kind" "$all"                # an unknown value filters nothing
# JavaScript off: every plugin listed, the filters (useless without it) not shown.
got=$(chrome "file://$html#kind=mask" --dump-dom --disable-javascript |
    grep -o '<tr data-kind' | wc -l)
[ "$got" = $NPLUGINS ] || fail "with JavaScript off, $got rows instead of $NPLUGINS"
pass "index.html lists every plugin and filters by search, kind and permission from the URL"

# Hostile text stays text: the title is the page's, no element was injected, nothing ran.
for page in "$html" "$T/repo/plugins/evil.html"; do
    dom=$(chrome "file://$page" --dump-dom)
    title=$(grep -o '<title>[^<]*</title>' <<<"$dom")
    case "$title" in *pwned* | *img* | *"<title>1</title>"*) fail "$page: a script ran ($title)" ;; esac
    tags=$(sed -e 's/ data-search="[^"]*"//g' <<<"$dom")  # the search words hold the text, as text
    grep -qiE '<img|<[^>]* onerror=' <<<"$tags" && fail "$page: the hostile text became an element"
    [ "$(grep -o '<script' <<<"$dom" | wc -l)" -le 1 ] || fail "$page: a script element was injected"
    grep -qF "&lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;" <<<"$dom" ||
        fail "$page: the hostile summary is not shown as text"
done
grep -q 'href="javascript' "$T/repo/plugins/evil.html" && fail "a javascript: homepage became a link"
grep -qF '<code>javascript:document.title=1</code>' "$T/repo/plugins/evil.html" ||
    fail "the javascript: homepage is not shown as text"
pass "hostile summaries, tool descriptions and homepages stay text on both pages"

# A plugin page: tools, configuration, permissions, versions newest first, install commands.
dom=$(chrome "file://$T/repo/plugins/weather.html" --dump-dom)
text=$(sed -e 's/<[^>]*>/ /g' <<<"$dom")
for w in "Weather forecasts as MCP tools" get_alerts "Severe weather alerts for a region" region \
    "nxp install weather" "nxp install weather@1.3.0" "nxp install weather@1.2.0" \
    "nxp repo add demo https://plugins.example.org/demo --key" units timeout "metric, imperial" \
    '"metric"' "env WEATHER_UNITS" "api.open-meteo.com" "mcp-common ^1.1" writing-prompts MIT \
    example.org; do
    grep -qF -- "$w" <<<"$text" || fail "weather.html does not show '$w'"
done
grep -q 'href="https://example.org/weather"' <<<"$dom" || fail "the http(s) homepage is not a link"
vers=$(sed -n '/id="versions"/,$p' <<<"$dom")
v13=$(grep -n '<td>1.3.0</td>' <<<"$vers" | head -1 | cut -d: -f1)
v12=$(grep -n '<td>1.2.0</td>' <<<"$vers" | head -1 | cut -d: -f1)
[ -n "$v13" ] && [ -n "$v12" ] && [ "$v13" -lt "$v12" ] || fail "versions are not listed newest first"
sha=$(zstd -dc "$T/repo/index.json.zst" | jq -r '.packages[] | select(.name == "weather" and .version == "1.2.0") | .sha256')
grep -qF "sha256 $sha" <<<"$text" || fail "weather.html lacks 1.2.0's sha256"
grep -q 'href="../packages/weather-1.2.0.nxp"' <<<"$dom" || fail "no download link for 1.2.0"
# The secret key is marked; an unpinned server says so.
dom=$(chrome "file://$T/repo/plugins/evil.html" --dump-dom)
grep -qF '<td><code>api_key</code></td><td>string</td><td>—</td><td>required</td><td><span class="secret">secret</span></td><td>env EVIL_API_KEY</td>' <<<"$dom" ||
    fail "evil.html does not mark api_key secret and required"
grep -q "Tools not pinned" "$T/repo/plugins/notes-json.html" || fail "notes-json.html does not say its tools are not pinned"
for href in $(grep -ohE 'href="[^"#]+"' "$T/repo/plugins/weather.html" "$html" | cut -d'"' -f2 | grep -v '^https://'); do
    [ -e "$T/repo/plugins/$href" ] || [ -e "$T/repo/$href" ] || fail "a page links to $href, which does not exist"
done
pass "plugin pages show tools, secret configuration, permissions, versions and install commands"

# Without --url the hint names the repository id only.
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key"
grep -qF 'nxp repo add demo URL --key' "$html" || fail "without --url the hint does not say URL"
chrome "file://$html" --screenshot="$T/shot.png" --window-size=1280,1000 >/dev/null || fail "no screenshot"
[ "$(stat -c %s "$T/shot.png")" -gt 20000 ] || fail "the screenshot is nearly blank"
[ -z "${NXP_KEEP_SHOT:-}" ] || cp "$T/shot.png" "$NXP_KEEP_SHOT"
pass "catalogue rendered and drawn"
