#!/usr/bin/env bash
# `nxp repo build` writes index.html: a catalogue a visitor can read in a browser with no
# external assets; its one inline script only filters the rows (issue 19 item 7, which
# tests/cli/test_catalogue.sh checks). Rendered in headless Chromium (Debian's chromium).
. "$(dirname "$0")/testlib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium is not installed (.ci/install-deps installs it)"

# A plugin whose summary is HTML that would run if it were not escaped.
plugin evil 1.0.0 '"permissions": {"network": ["api.example.org"], "env": ["EVIL_TOKEN"]},' mask
jq '.summary = "<script>document.title=\"pwned\"</script><img src=x onerror=\"document.title=1\"> & <b>bold</b>"' \
    "$T/src/evil-1.0.0/plugin.json" >"$T/m" && mv "$T/m" "$T/src/evil-1.0.0/plugin.json"
make_repo "$SRC"/examples/plugins/*/ "$T/src/evil-1.0.0"
# The publisher adds an advisory and revokes a package in the index; repo build signs it.
weather_sha=$(zstd -dc "$T/repo/index.json.zst" | jq -r '.packages[] | select(.name == "weather") | .sha256')
zstd -dc "$T/repo/index.json.zst" | jq -c --arg sha "$weather_sha" '.revoked = [$sha] | .advisories = [
    {"id": "NXP-2026-0007", "package": "notes-json", "versions": "< 9", "severity": "high",
     "summary": "Notes are written world-readable"}]' | zstd -q -o "$T/index.json.zst" -f
mv "$T/index.json.zst" "$T/repo/index.json.zst"
run_rc 0 nxp repo build "$T/repo" --key "$T/key.key"
html=$T/repo/index.html
[ -s "$html" ] || fail "no index.html"

# Self-contained: one inline script of its own, no external URLs; links point at files that exist.
[ "$(grep -ci '<script' "$html")" = 1 ] || fail "index.html contains script elements not its own"
grep -qi '<script[^>]*src' "$html" && fail "index.html loads a script"
grep -qiE '(src|href)="(https?:)?//' "$html" && fail "index.html refers to an external asset"
for href in $(grep -oE 'href="[^"#]+"' "$html" | cut -d'"' -f2); do
    [ -f "$T/repo/$href" ] || fail "index.html links to $href, which is not in the repository"
done

# What a visitor sees: the DOM Chromium builds (after any script could have run).
chrome() {
    timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$T/chrome" "$@" "file://$html" 2>/dev/null
}
dom=$(chrome --dump-dom) || fail "chromium could not render index.html"
text=$(sed -e 's/<[^>]*>/ /g' <<<"$dom")  # the text nodes
grep -q "<title>demo — nxp repository</title>" <<<"$dom" || fail "title changed or missing"
for w in weather notes-json translator-mask writing-prompts mcp-common 1.2.0 mcp-server mask prompts \
    "Weather forecasts as MCP tools" "NXP-2026-0007" "Notes are written world-readable" REVOKED \
    "network: api.example.org" "env: EVIL_TOKEN" "nxp repo add demo"; do
    grep -qF -- "$w" <<<"$text" || fail "a visitor does not see '$w'"
done
grep -qE '[0-9.]+ (B|KiB|MiB)' <<<"$text" || fail "sizes are not in human units"
# Each row shows its own status: weather is revoked, notes-json advised, the mask fine.
row() { grep -o "<tr[^>]*><td><a href=\"plugins/$1.html\">$1</a></td>.*</tr>" <<<"$dom" | head -1; }
row weather | grep -q 'class="revoked"' || fail "the weather row is not marked revoked"
row weather | grep -q REVOKED || fail "the weather row does not say REVOKED"
row notes-json | grep -q 'href="#adv-NXP-2026-0007"' || fail "notes-json does not link to its advisory"
row translator-mask | grep -q "REVOKED\|NXP-2026" && fail "translator-mask is marked though nothing applies"
grep -q 'id="adv-NXP-2026-0007"' <<<"$dom" || fail "the advisory has no anchor"
# The HTML in the summary is shown as text, not turned into elements or run.
grep -qF '&lt;script&gt;document.title="pwned"&lt;/script&gt;&lt;img src=x' <<<"$dom" ||
    fail "the summary's HTML is not shown as text"
grep -qE '<img|<b>bold' <<<"$dom" && fail "the summary's HTML became elements"
grep -q "pwned" <<<"$(grep -o '<title>.*</title>' <<<"$dom")" && fail "a script ran"

# And it is drawn: a screenshot with text on it is far from one colour.
chrome --screenshot="$T/shot.png" --window-size=1200,900 >/dev/null || fail "no screenshot"
[ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "screenshot is not a PNG"
[ "$(stat -c %s "$T/shot.png")" -gt 20000 ] || fail "the screenshot is nearly blank"
pass "index.html shows the catalogue, advisories and revocations, escaped, with no script but its own"
