#!/usr/bin/env bash
# Builds the measured catalogue (catalogue/README.md): every server of catalogue/servers.tsv
# imported from npm with `nxp import npm`, given its reviewed permissions
# (catalogue/permissions.tsv), linted, packed and signed into one repository; then a scratch
# root installs each plugin (`nxp install --yes --grant all`: the MCP health check runs in
# the sandbox) and one real tools/call from catalogue/calls.tsv runs through `nxp exec`,
# the sandbox with exactly the declared grants. Run by hand: it needs the npm registry.
#
#   catalogue/build.sh OUT [PLUGIN...]     (PLUGIN...: a subset, by plugin name)
#
# OUT keeps the work (imports, packages, the repository, the root, logs) so that a second run
# skips imports already done; delete OUT/plugins/NAME to import NAME again. It writes
# OUT/report.md and OUT/report.json; with no PLUGIN it also copies them to catalogue/.
# Environment: NXP (the nxp to run), CAT_JOBS (parallel imports, 2), CAT_TIMEOUT (seconds
# per server's conversation, 120), CAT_PORT (the loopback fixture server's port, 18765).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
NXP=${NXP:-nxp}
command -v "$NXP" >/dev/null || { echo "build.sh: no $NXP (set NXP=)" >&2; exit 2; }
NXP=$(command -v "$NXP")
[ $# -ge 1 ] || { echo "usage: catalogue/build.sh OUT [PLUGIN...]" >&2; exit 2; }
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
shift
JOBS=${CAT_JOBS:-2}
TIMEOUT=${CAT_TIMEOUT:-120}
PORT=${CAT_PORT:-18765}
NICE="nice -n 10"
mkdir -p "$OUT/plugins" "$OUT/packages" "$OUT/logs" "$OUT/status" "$OUT/results"
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# The selection: servers.tsv rows (npm name, version, plugin name, reason), or the subset.
SEL=$OUT/selection.tsv
grep -v '^#' "$HERE/servers.tsv" | awk -F'\t' 'NF >= 3 && $1 != "npm"' >"$SEL.all"
rm -f "$OUT/subset"
if [ $# -gt 0 ]; then
    printf '%s\n' "$@" >"$OUT/subset"
    awk -F'\t' 'NR == FNR { want[$1] = 1; next } ($3 in want)' "$OUT/subset" "$SEL.all" >"$SEL"
else
    cp "$SEL.all" "$SEL"
fi
rm -f "$SEL.all"
log "$(wc -l <"$SEL") servers selected"

# CAT_REPORT_ONLY=1: only the report, from the results already in OUT (e.g. after a rerun
# of a subset).
if [ "${CAT_REPORT_ONLY:-}" = 1 ]; then
    python3 "$HERE/report.py" "$OUT" "$SEL" "$HERE/calls.tsv" || exit 1
    [ -f "$OUT/subset" ] || cp "$OUT/report.md" "$OUT/report.json" "$HERE/"
    exit 0
fi

# A permissions.tsv column of a plugin ('-' or empty when it has none).
perm() {
    awk -F'\t' -v n="$1" -v c="$2" '$1 == n { v = $c } END { print (v == "" ? "-" : v) }' \
        "$HERE/permissions.tsv"
}

# 1. Import (skipped when done; failures are retried on the next run).
import_one() {
    local spec=$1 name=$2 opts dir
    dir=$OUT/plugins/$name
    [ -f "$dir/plugin.json.orig" ] && return 0
    opts=$(perm "$name" 6)
    [ "$opts" = "-" ] && opts=
    rm -rf "$dir"
    # shellcheck disable=SC2086
    if $NICE "$NXP" import npm "$spec" -o "$dir" --name "$name" $opts \
        >"$OUT/logs/$name.import.log" 2>&1; then
        cp "$dir/plugin.json" "$dir/plugin.json.orig"
        rm -f "$OUT/status/$name.import"
    else
        tail -n 5 "$OUT/logs/$name.import.log" >"$OUT/status/$name.import"
        rm -rf "$dir"
    fi
}
export -f import_one perm
export OUT NXP NICE HERE CAT_PORT=$PORT
log "importing (at most $JOBS at a time)"
[ "${CAT_PACK_ONLY:-}" = 1 ] ||
    awk -F'\t' '{ print $1 "@" $2 "\t" $3 }' "$SEL" |
    xargs -P "$JOBS" -L 1 bash -c 'import_one "$0" "$1"'
[ "${CAT_IMPORT_ONLY:-}" = 1 ] && exit 0


# 2. Permissions, lint, pack (skipped when the manifest is unchanged and its package exists).
while IFS=$'\t' read -r npm version name reason; do
    dir=$OUT/plugins/$name
    [ -f "$dir/plugin.json.orig" ] || { rm -f "$OUT"/packages/"$name"-[0-9]*.nxp; continue; }
    if ! python3 "$HERE/apply_permissions.py" "$HERE/permissions.tsv" "$name" \
        "$dir/plugin.json.orig" "$dir/plugin.json.new" 2>"$OUT/status/$name.lint"; then
        rm -f "$OUT"/packages/"$name"-[0-9]*.nxp
        continue
    fi
    # A fresh import (plugin.json.orig newer than the last pack) is packed again even when its
    # manifest reads the same: its files may differ (a native addon built this time).
    if cmp -s "$dir/plugin.json.new" "$dir/plugin.json" && [ -f "$OUT/status/$name.packed" ] &&
        [ "$OUT/status/$name.packed" -nt "$dir/plugin.json.orig" ] &&
        ls "$OUT"/packages/"$name"-[0-9]*.nxp >/dev/null 2>&1; then
        rm -f "$dir/plugin.json.new" "$OUT/status/$name.lint"
        continue
    fi
    mv "$dir/plugin.json.new" "$dir/plugin.json"
    rm -f "$OUT"/packages/"$name"-[0-9]*.nxp "$OUT/status/$name.packed" "$OUT/status/$name.pack"
    if ! "$NXP" lint "$dir" >"$OUT/logs/$name.lint.log" 2>&1; then
        grep -i error "$OUT/logs/$name.lint.log" | head -n 5 >"$OUT/status/$name.lint"
        continue
    fi
    rm -f "$OUT/status/$name.lint"
    # shellcheck disable=SC2086
    if $NICE "$NXP" pack "$dir" -o "$OUT/packages/" >"$OUT/logs/$name.pack.log" 2>&1; then
        touch "$OUT/status/$name.packed"
    else
        tail -n 5 "$OUT/logs/$name.pack.log" >"$OUT/status/$name.pack"
    fi
done <"$SEL"
[ "${CAT_PACK_ONLY:-}" = 1 ] && exit 0

# 3. One signed repository.
[ -f "$OUT/publisher.key" ] || "$NXP" key generate -o "$OUT/publisher" >/dev/null
rm -rf "$OUT/public"
log "signing the repository"
pkgs=()
while IFS=$'\t' read -r npm version name reason; do
    for f in "$OUT"/packages/"$name"-[0-9]*.nxp; do [ -f "$f" ] && pkgs+=("$f"); done
done <"$SEL"
[ ${#pkgs[@]} -gt 0 ] || { log "no package to sign"; exit 1; }
if ! "$NXP" repo build "$OUT/public" "${pkgs[@]}" --key "$OUT/publisher.key" \
    --id catalogue --expires-days 90 >"$OUT/logs/repo-build.log" 2>&1; then
    log "repo build failed:"; cat "$OUT/logs/repo-build.log" >&2; exit 1
fi

# 4. Fixtures: files each plugin's state directory gets, and a web server on loopback.
FIX=$OUT/fixtures
python3 "$HERE/fixtures.py" "$FIX" "$PORT" >"$OUT/logs/fixtures.log" 2>&1 ||
    { log "fixtures failed"; cat "$OUT/logs/fixtures.log" >&2; exit 1; }
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$FIX/www" \
    >"$OUT/logs/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill "$HTTP_PID" 2>/dev/null' EXIT

# 5. A scratch root; install each plugin on its own (the health check runs at install).
ROOT=$OUT/root
rm -rf "$ROOT"
"$NXP" --root "$ROOT" init --nextchat-version 2.16.0 >"$OUT/logs/init.log" 2>&1 &&
    "$NXP" --root "$ROOT" repo add catalogue "file://$OUT/public" \
        --key "$OUT/publisher.pub" >>"$OUT/logs/init.log" 2>&1 ||
    { log "root setup failed"; cat "$OUT/logs/init.log" >&2; exit 1; }
log "installing"
# In batches of 8 (one transaction each); when a batch fails, its plugins one by one, so that
# each failure is the plugin's own.
install_each() {
    local name
    for name in "$@"; do
        if ! $NICE "$NXP" --root "$ROOT" install --yes --grant all --no-progress "$name" \
            </dev/null >"$OUT/logs/$name.install.log" 2>&1; then
            grep -v '^\s*$' "$OUT/logs/$name.install.log" | tail -n 6 >"$OUT/status/$name.install"
        fi
    done
}
batch=()
flush() {
    [ ${#batch[@]} -gt 0 ] || return 0
    if $NICE "$NXP" --root "$ROOT" install --yes --grant all --no-progress "${batch[@]}" \
        </dev/null >"$OUT/logs/batch.install.log" 2>&1; then
        log "installed ${batch[*]}"
    else
        log "a batch failed; installing ${batch[*]} one by one"
        install_each "${batch[@]}"
    fi
    batch=()
}
while IFS=$'\t' read -r npm version name reason; do
    rm -f "$OUT/status/$name.install" "$OUT/results/$name.json"
    ls "$OUT"/packages/"$name"-[0-9]*.nxp >/dev/null 2>&1 || continue
    batch+=("$name")
    [ ${#batch[@]} -lt 8 ] || flush
done <"$SEL"
flush

log "calling (2 at a time)"
call_one() {
    local name=$1 state call tool args
    [ -d "$ROOT/current/plugins/$name" ] || return 0
    # The plugin's own state: fixture files a call reads (a git repository, a SQLite file...).
    state=$ROOT/state/$name
    mkdir -p "$state" && cp -a "$FIX/state/." "$state/"
    # calls.tsv: plugin, tool, arguments, the text the answer must contain.
    tool= args= expect=
    IFS=$'\t' read -r tool args expect < <(awk -F'\t' -v n="$name" \
        '$1 == n { print $2 "\t" $3 "\t" $4 }' "$HERE/calls.tsv")
    [ -n "$tool" ] || { tool="(none)"; args='{}'; }
    args=${args//'${state_dir}'/$state}
    args=${args//'${fixture_url}'/http://127.0.0.1:$CAT_PORT}
    expect=${expect//'${state_dir}'/$state}
    $NICE python3 "$HERE/mcp_call.py" "$TIMEOUT" "$tool" "$args" "$expect" -- \
        "$NXP" --root "$ROOT" exec "$name" >"$OUT/results/$name.json" 2>"$OUT/logs/$name.call.log"
    printf '[%s] %s: %s\n' "$(date -u +%H:%M:%S)" "$name" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["stage"], d["error"][:120])' "$OUT/results/$name.json" 2>/dev/null)" >&2
}
export -f call_one
export ROOT FIX TIMEOUT
cut -f3 "$SEL" | xargs -P 2 -n 1 bash -c 'call_one "$0"'

# 6. The report.
python3 "$HERE/report.py" "$OUT" "$SEL" "$HERE/calls.tsv" || exit 1
[ -f "$OUT/subset" ] || cp "$OUT/report.md" "$OUT/report.json" "$HERE/"
tail -n 3 "$OUT/report.md" >&2
