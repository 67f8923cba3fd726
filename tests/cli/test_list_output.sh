#!/usr/bin/env bash
# nxp list and --json list (issue 20 item 2): the plugins paused for config come from a column
# of required config keys kept with each store tree (schema 5), and --json list writes its
# document without a JSON tree. What a user sees must not change: the same bytes for a
# database from before the column (migrated when opened), for rows whose column is missing
# (a salvaged database) or unreadable, and a document laid out as every other --json
# document (nlohmann's dump(2): members in key order), odd names included.
. "$(dirname "$0")/testlib.sh"

# duo: two required keys (one will be set), one with a default, one optional.
mkdir -p "$T/src/duo/files"
cat >"$T/src/duo/plugin.json" <<'JSON'
{ "name": "duo", "version": "1.0.0", "kind": "mcp-server", "summary": "two required keys",
  "mcp": { "command": "node", "args": ["${plugin_dir}/server.js"] },
  "config": { "b_key": { "type": "string", "required": true, "env": "DUO_B" },
              "a_key": { "type": "string", "required": true, "secret": true, "env": "DUO_A" },
              "c_opt": { "type": "string", "env": "DUO_C" },
              "d_dflt": { "type": "string", "required": true, "default": "x", "env": "DUO_D" } } }
JSON
plugin_esc  # esc: its config member spelled with an escape
cp "$SRC/examples/plugins/weather/files/server.js" "$T/src/duo/files/"
plugin loose 1.0.0
make_repo "$SRC"/examples/plugins/*/ "$T/src/duo" "$T/src/esc"
nxp pack "$T/src/loose-1.0.0" -o "$T/" >/dev/null
make_root
run_rc 0 nxp --yes --grant all install weather writing-prompts translator-mask duo esc
run_rc 0 nxp --yes install --allow-untrusted "$T/loose-1.0.0.nxp"
run_rc 0 nxp --yes config duo b_key set-value
run_rc 0 nxp --yes hold writing-prompts
run_rc 0 nxp --yes disable translator-mask

db() { sqlite3 "$NXP_ROOT/nxp.db" "$1"; }
views=("list" "--json list" "list --held" "--json list --held" "list --explicit"
    "--json list --dependencies" "--json list --explicit --held")
# snapshot DIR: every view's stdout (and exit code) in DIR/1, DIR/2, …
snapshot() {
    mkdir -p "$1"
    local i=0 v rc
    for v in "${views[@]}"; do
        i=$((i + 1))
        rc=0
        # shellcheck disable=SC2086
        nxp $v >"$1/$i" 2>"$1/$i.err" || rc=$?
        echo "$rc" >>"$1/$i"
    done
}
snapshot "$T/fresh"

grep -Eq '^duo +1\.0\.0 .*paused: needs config a_key$' "$T/fresh/1" || { cat "$T/fresh/1"; fail "duo"; }
grep -Eq '^esc +1\.0\.0 .*paused: needs config token$' "$T/fresh/1" || { cat "$T/fresh/1"; fail "esc"; }
grep -Eq '^writing-prompts .*enabled, held$' "$T/fresh/1" || { cat "$T/fresh/1"; fail "held"; }
grep -Eq '^translator-mask .*disabled$' "$T/fresh/1" || { cat "$T/fresh/1"; fail "disabled"; }
grep -Eq '^loose .*UNTRUSTED$' "$T/fresh/1" || { cat "$T/fresh/1"; fail "untrusted"; }
nxp --json list | jq -e '[.packages[] | {(.name): .needs_config}] | add |
        .duo == ["a_key"] and .esc == ["token"] and ([.[] | select(length > 0)] | length) == 2' \
    >/dev/null || { nxp --json list; fail "needs_config"; }
# The layout of every --json document: what jq writes with sorted keys and 2 spaces (these
# names and values are ASCII, where jq and nlohmann agree byte for byte).
for i in 2 4 6 7; do
    head -n -1 "$T/fresh/$i" >"$T/doc"
    jq -S --indent 2 . "$T/doc" | cmp -s - "$T/doc" || { cat "$T/doc"; fail "layout of view $i"; }
done
jq -e '.filters == ["explicit", "held"] and ([.packages[].name] == ["writing-prompts"])' \
    <(head -n -1 "$T/fresh/7") >/dev/null || fail "filters"
pass "list and --json list: paused for config, held, disabled, untrusted; the usual layout"

# Recorded with each tree at install.
[ "$(db "SELECT required_config FROM store_trees WHERE name = 'duo'")" = '["a_key","b_key"]' ] ||
    fail "duo's required keys not recorded: $(db "SELECT required_config FROM store_trees WHERE name = 'duo'")"

# A database from before the column (schema 4): opened, it is migrated and says the same.
db "DROP INDEX store_trees_requiring_config; ALTER TABLE store_trees DROP COLUMN required_config;
    PRAGMA user_version = 4;"
snapshot "$T/upgraded"
diff -r "$T/fresh" "$T/upgraded" || fail "list changed across the migration"
[ "$(db 'PRAGMA user_version')" -ge 5 ] || fail "not migrated"
[ "$(db 'SELECT count(*) FROM store_trees WHERE required_config IS NULL')" = 0 ] ||
    fail "the migration left trees without their required keys"
[ "$(db "SELECT required_config FROM store_trees WHERE name = 'duo'")" = '["a_key","b_key"]' ] ||
    fail "duo's required keys: $(db "SELECT required_config FROM store_trees WHERE name = 'duo'")"
pass "a database from before the column is migrated and lists the same"

# Rows without the column's value (salvaged from an older database) or with one that cannot
# be read: derived from the manifest again, the same output.
db "UPDATE store_trees SET required_config = NULL"
snapshot "$T/null"
diff -r "$T/fresh" "$T/null" || fail "list changed without the column's values"
db "UPDATE store_trees SET required_config = '{not json'"
snapshot "$T/garbage"
diff -r "$T/fresh" "$T/garbage" || fail "list changed with unreadable column values"
pass "missing or unreadable column values are derived from the manifest"

# Odd names, repositories and versions (written into the database by hand: nxp would refuse
# them): control characters, quotes, a backslash, non-ASCII, C1 controls, a bidirectional
# override, a byte that is not UTF-8. --json list escapes them as JSON does, and what a
# terminal could act on as \uXXXX; list prints them escaped, one line per plugin.
odd="'o\"d' || char(27) || '[31m' || char(1) || '\\é日' || char(127) || char(133) || char(8238) || CAST(X'FF' AS TEXT)"
db "UPDATE generation_packages SET name = $odd, repo = 'r' || char(10) || 'epo', version = '1.0.0' || char(9)
    WHERE name = 'writing-prompts'; UPDATE holds SET name = $odd WHERE name = 'writing-prompts'"
run_rc 0 nxp --json list
if LC_ALL=C grep -q -P '[\x00-\x08\x0b-\x1f\x7f\xff]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]' "$T/out"; then
    cat -v "$T/out"
    fail "--json list lets a control character through"
fi
want=$(printf 'o"d\033[31m\001\\é日\177\302\205\342\200\256\357\277\275')
jq -e --arg want "$want" '[.packages[] | select(.held)] | length == 1 and .[0].name == $want
        and .[0].repo == "r\nepo" and .[0].version == "1.0.0\t"
        and .[0].path == "'"$NXP_ROOT"'/current/plugins/" + $want' "$T/out" >/dev/null ||
    { cat -v "$T/out"; fail "--json list: the odd plugin"; }
grep -qF '"name": "o\"d\u001b[31m\u0001\\é日\u007f\u0085\u202e�"' "$T/out" ||
    { cat -v "$T/out"; fail "--json list: the odd name's escapes"; }
run_rc 0 nxp list
grep -qF 'o"d\e[31m\x01\é日\x7f\u0085\u202e\xff  1.0.0\t' "$T/out" ||
    { cat -v "$T/out"; fail "list: the odd plugin's line"; }
grep -qF 'r\nepo' "$T/out" || { cat -v "$T/out"; fail "list: the odd repository"; }
pass "odd names are escaped in list and --json list"
