#!/usr/bin/env bash
# Issue 13 item 14 (output): whatever nxp prints for people — names, summaries, tool names
# from MCP servers, file paths, history, error messages quoting hostile input — reaches the
# terminal with its control characters escaped (\e, \r, \a, \xNN, \u009b, \u202e), and with
# colour on only nxp's own SGR colour sequences are live. JSON stays JSON.
. "$(dirname "$0")/testlib.sh"

# Hostile summaries: the manifest and index parsers refuse C0 controls, but DEL, C1
# controls (U+009B is CSI on 8-bit terminals) and bidirectional overrides pass them.
mkdir -p "$T/src/evil/files"
cat >"$T/src/evil/plugin.json" <<'JSON'
{ "name": "evil", "version": "1.0.0", "kind": "library",
  "summary": "evil \u009b2J\u009d0;title\u009c \u202eexe.txt del\u007f end",
  "config": { "k": { "type": "string", "description": "desc \u009b31m\u202e\u007f" } } }
JSON
echo hi >"$T/src/evil/files/README"
make_repo "$SRC"/examples/plugins/*/ "$T/src/evil"
make_root
nxp --yes install evil translator-mask >/dev/null

# Hostile values nxp keeps from outside, put straight into the database to stand for every
# way they could arrive: tool names an MCP server reported at its health check, an archive
# path installed before control characters were refused, a history line.
ESC=$'\e'
store=$(sqlite3 "$NXP_ROOT/nxp.db" "SELECT store_path FROM generation_packages WHERE name='evil' LIMIT 1")
sqlite3 "$NXP_ROOT/nxp.db" <<SQL
INSERT OR REPLACE INTO plugin_tools (package, version, tools_json, checked_at)
  VALUES ('evil', '1.0.0', '["ok_tool", "\\u001b]0;pwned\\u0007", "\\r\\u001b[2Kfake \\u001b[8mhidden", "bell\\u0007\\u007f"]', 0);
INSERT INTO files (store_path, path, type, mode, size, sha256, link_target)
  VALUES ('$store', 'a' || char(10) || 'b' || char(27) || '[31mred' || char(13) || char(7), 'f', 420, 0, '', '');
UPDATE transactions SET command_line = 'nxp install ' || char(27) || ']52;c;cGF5bG9hZA==' || char(7) || char(13)
  WHERE id = (SELECT max(id) FROM transactions);
SQL

# Every byte of $1 must be printable: no C0 but \n and \t, no DEL, no C1 (raw or UTF-8), no
# bidi override, valid UTF-8. With colour (--color), ESC may only start an SGR "ESC[…m".
check_file() {
    python3 - "$@" <<'PY'
import re, sys
path, colour = sys.argv[1], len(sys.argv) > 2
data = open(path, 'rb').read()
if colour:
    data = re.sub(rb'\x1b\[[0-9;]*m', b'', data)
try:
    text = data.decode('utf-8')
except UnicodeDecodeError as e:
    sys.exit(f'{path}: not UTF-8 at byte {e.start}')
for i, ch in enumerate(text):
    cp = ord(ch)
    if (cp < 0x20 and ch not in '\n\t') or 0x7f <= cp <= 0x9f or 0x202a <= cp <= 0x202e \
            or 0x2066 <= cp <= 0x2069:
        sys.exit(f'{path}: raw control U+{cp:04X} at character {i}: {text[max(0, i-30):i+30]!r}')
PY
}
n=0
# safe RC WANT-VISIBLE ARGS…: runs nxp, checks both streams, and that the escaped form of
# the hostile text is visible (the information is not silently dropped).
safe() {
    local want_rc=$1 visible=$2; shift 2
    n=$((n + 1))
    local rc=0
    "$NXP" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -eq "$want_rc" ] || { cat "$T/out" "$T/err"; fail "nxp $*: exit $rc, expected $want_rc"; }
    for f in "$T/out" "$T/err"; do
        local colour=""
        case " $* " in *" --color always "* | *" --color=always "*) colour=1 ;; esac
        check_file "$f" $colour || fail "nxp $* printed a raw control character"
    done
    if [ -n "$visible" ]; then
        grep -qF -- "$visible" "$T/out" "$T/err" || { cat "$T/out" "$T/err"; fail "nxp $*: '$visible' not shown"; }
    fi
}

safe 0 'evil \u009b2J' search evil
safe 0 '\u202eexe.txt del\x7f' info evil
safe 0 '\e]0;pwned\a' info evil
safe 0 '\r\e[2Kfake' info evil
safe 0 'desc \u009b31m' config evil
safe 0 'evil' list
safe 0 'a\nb\e[31mred\r\a' files evil
safe 1 '' owns "$NXP_ROOT/current/plugins/evil/x${ESC}]0;t"$'\a'
safe 0 '\e]52;c;' history
id=$(sqlite3 "$NXP_ROOT/nxp.db" "SELECT max(id) FROM transactions")
safe 0 '\e]52;c;' history info "$id"
pass "summaries, descriptions, tool names, file paths and history are escaped"

# Error messages quoting hostile input from the command line.
safe 1 '\e[2J' info "nope${ESC}[2J${ESC}]0;title"$'\a'
safe 1 '\e[31m' config evil "key${ESC}[31m" value
safe 2 '\r' --yes install "x"$'\r'"${ESC}[1Afake"
safe 2 '' --color "x${ESC}[2J"
pass "error messages quoting hostile input are escaped"

# With colour forced on, nxp's own colours are live, hostile sequences still escaped.
safe 1 '\e[2J' --color always info "nope${ESC}[2J"
grep -q $'\e\\[31m' "$T/err" || fail "--color always should colour the error red"
safe 0 '\e]0;pwned\a' --color always info evil
safe 0 'a\nb\e[31mred' --color always files evil
pass "colour: only nxp's own SGR sequences are live"

# JSON output stays JSON: the hostile text survives, escaped by JSON, and parses.
nxp --json info evil >"$T/j"
check_file "$T/j" || fail "--json printed a raw control character"
jq -e '.tools | index("\u001b]0;pwned\u0007") != null' "$T/j" >/dev/null \
    || fail "--json lost a tool name"
nxp --json files evil | jq -e '[.. | strings | select(test("\u001b\\[31mred"))] | length == 1' \
    >/dev/null || fail "--json files lost the path"
pass "JSON output is escaped JSON, with the original text"
