# Shared helpers for end-to-end tests (like apk-tools' test/user and pacman's pactest rules).
# Each test script sources this, gets a private temporary directory $T and a root $NXP_ROOT,
# and drives the real binary $NXP.
set -euo pipefail
: "${NXP:?NXP must name the nxp binary}"
SRC=${NXP_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/nxp-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
export NXP_ROOT=$T/root
export NO_COLOR=1
unset NXP_CRASH_AT

nxp() { "$NXP" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# run_rc WANT CMD…: runs CMD, keeps stdout in $T/out and stderr in $T/err, checks the exit code.
run_rc() {
    local want=$1; shift
    local rc=0
    "$@" >"$T/out" 2>"$T/err" || rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
        fail "expected exit $want, got $rc: $*"
    fi
}
out_has() { grep -q -- "$1" "$T/out" || { cat "$T/out"; fail "stdout lacks '$1'"; }; }
err_has() { grep -q -- "$1" "$T/err" || { cat "$T/err"; fail "stderr lacks '$1'"; }; }

# The installed set as "name version reason" lines, from `nxp list --json`.
installed() { nxp list --json | jq -r '.packages[] | "\(.name) \(.version) \(.reason)"'; }
assert_installed() {
    installed | grep -qx "$1 $2 .*" || { installed; fail "$1 $2 is not installed"; }
    [ -e "$NXP_ROOT/current/plugins/$1/" ] || fail "$NXP_ROOT/current/plugins/$1 is missing"
}
assert_not_installed() {
    ! installed | grep -q "^$1 " || { installed; fail "$1 is installed"; }
    [ ! -e "$NXP_ROOT/current/plugins/$1" ] || fail "$NXP_ROOT/current/plugins/$1 exists"
}

# Packs the example plugins (or the directories given) into a signed repository $T/repo.
make_repo() {
    mkdir -p "$T/pkgs"
    [ -f "$T/key.key" ] || nxp key generate -o "$T/key" >/dev/null
    local dirs=("$@")
    [ ${#dirs[@]} -gt 0 ] || dirs=("$SRC"/examples/plugins/*/)
    for d in "${dirs[@]}"; do nxp pack "$d" -o "$T/pkgs/" >/dev/null; done
    nxp repo build "$T/repo" "$T"/pkgs/*.nxp --key "$T/key.key" --id demo >/dev/null
}

# A fresh root with the repository added.
make_root() {
    nxp init --nextchat-version "${NEXTCHAT_VERSION:-2.16.0}" >/dev/null
    nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
}

# Writes a plugin directory $T/src/NAME with the given plugin.json body fields.
# usage: plugin NAME VERSION '"requires": ["x"],' [KIND]
plugin() {
    local name=$1 version=$2 extra=${3:-} kind=${4:-library}
    mkdir -p "$T/src/$name-$version/files"
    cat >"$T/src/$name-$version/plugin.json" <<JSON
{ $extra "name": "$name", "version": "$version", "kind": "$kind", "summary": "test plugin $name" }
JSON
    echo "$name $version" >"$T/src/$name-$version/files/README"
}

# Writes $T/src/esc: an MCP server whose required config key "token" is behind a member name
# spelled with an escape ("\u0063onfig"), which readers that skip manifests without a literal
# "config" would miss (list's required-config column, issue 20).
plugin_esc() {
    mkdir -p "$T/src/esc/files"
    cat >"$T/src/esc/plugin.json" <<'JSON'
{ "name": "esc", "version": "1.0.0", "kind": "mcp-server", "summary": "escaped config member",
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },
  "\u0063onfig": { "token": { "type": "string", "required": true, "env": "ESC_TOKEN" } } }
JSON
    cp "$SRC/examples/plugins/weather/files/server.js" "$T/src/esc/files/server.js"
}
