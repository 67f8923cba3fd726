#!/usr/bin/env bash
# The permission lifecycle (issue 15 item 6): after `permissions NAME --revoke`, `nxp exec`
# refuses to start the plugin naming the command that grants again, and NextChat's entry is
# paused; `--grant` (everything, or the items named) makes it start and active again; update
# --policy rejects a missing or invalid file as install does; `--log` shows the sandbox's
# egress decisions and passes over lines that are not decisions.
. "$(dirname "$0")/testlib.sh"

cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
CFG=$T/nc/app/mcp/mcp_config.json
# An MCP server asking for a host, a variable and a path set by its configuration; it tries
# a connection it was not granted (which the sandbox refuses and logs), says that it started
# and exits.
mkdir -p "$T/src/life/files"
cat >"$T/src/life/plugin.json" <<'JSON'
{ "name": "life", "version": "1.0.0", "kind": "mcp-server", "summary": "permission lifecycle",
  "mcp": { "command": "/bin/bash", "args": ["${plugin_dir}/server.sh"] },
  "config": { "root": { "type": "string", "default": "/srv/life-data", "description": "data" } },
  "permissions": { "network": ["api.example.org"], "env": ["LIFE_TOKEN"],
                   "filesystem": [{ "path": "${config.root}", "access": "read-only" }] } }
JSON
echo '(exec 3<>/dev/tcp/127.0.0.1/9) 2>/dev/null; echo life-started' >"$T/src/life/files/server.sh"
make_repo "$T/src/life"
run_rc 0 nxp init --nextchat "$T/nc"
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
run_rc 0 nxp nextchat set "$T/nc" --restart-cmd "echo restarted >>'$T/restarts'"
run_rc 0 nxp --yes --grant life install life

starts() { echo | timeout 20 "$NXP" exec life >"$T/out" 2>"$T/err"; }
status() { jq -r '.mcpServers.life.status' "$CFG"; }
restarts() { if [ -f "$T/restarts" ]; then wc -l <"$T/restarts"; else echo 0; fi; }
starts || { cat "$T/out" "$T/err"; fail "exec does not start the granted plugin"; }
out_has life-started
[ "$(status)" = active ] || fail "a granted plugin is not active: $(status)"
pass "installed with its grant: exec starts it, NextChat's entry is active"

# --- revoke: refused, paused, NextChat restarted -----------------------------------------
n=$(restarts)
run_rc 0 nxp permissions life --revoke
out_has "Revoked every permission granted to life"
out_has "nxp permissions life --grant"
run_rc 1 starts
err_has "life: permissions not granted (network api.example.org"
err_has "run 'nxp permissions life --grant'"
[ ! -s "$T/out" ] || fail "the plugin ran after --revoke: $(cat "$T/out")"
[ "$(status)" = paused ] || { cat "$CFG"; fail "revoked plugin is not paused in NextChat"; }
[ "$(restarts)" -gt "$n" ] || fail "revoke changed mcp_config.json without the restart command"
run_rc 0 nxp nextchat status; out_has "paused (needs permissions granted)"
run_rc 0 nxp permissions life; out_has "Granted    none"; out_has "nxp permissions life --grant"
nxp --json permissions life | jq -e '.missing.network == ["api.example.org"] and
    .missing.env == ["LIFE_TOKEN"] and (.missing.filesystem | map(.path)) == ["${config.root}", "/srv/life-data"]' \
    >/dev/null || fail "permissions --json does not list what is missing"
pass "revoke: exec refused naming the command, entry paused, NextChat restarted"

# --- grant: questions need a terminal or --yes; unknown items are refused -----------------
run_rc 1 nxp permissions life --grant
err_has "run again with --yes"
[ "$(status)" = paused ] || fail "a refused grant changed NextChat's entry"
run_rc 2 nxp --yes permissions life --grant "network evil.example.org"
err_has "life does not ask for this"; err_has "network api.example.org"
run_rc 2 nxp --yes permissions life --grant NOT_ASKED
run_rc 2 nxp --yes permissions life --grant --revoke
run_rc 2 nxp permissions life --since 1h
nxp --json permissions life | jq -e '.granted == {} or (.granted.network // []) == []' >/dev/null \
    || fail "a refused grant was stored"
run_rc 0 nxp --yes --dry-run permissions life --grant
out_has "Would grant life: network api.example.org"; out_has "Dry run"
nxp --json permissions life | jq -e '(.granted.network // []) == []' >/dev/null || fail "dry run granted"
pass "grant: asked (refused without a terminal or --yes), unknown items and option mixes refused, dry run"

# --- partial grant: still refused and paused ---------------------------------------------
run_rc 0 nxp --yes permissions life --grant "network api.example.org" LIFE_TOKEN
out_has "Missing    read-only \${config.root}"
run_rc 0 nxp --json --yes permissions life --grant "read-only \${config.root}"
jq -e '.applied and .granted_now.filesystem == [{"path": "${config.root}", "access": "read-only"}]
    and .missing.filesystem == [{"path": "/srv/life-data", "access": "read-only"}]' "$T/out" \
    >/dev/null || { cat "$T/out"; fail "--json of a partial grant"; }
run_rc 1 starts
err_has "permissions not granted (read-only /srv/life-data)"
[ "$(status)" = paused ] || fail "a partially granted plugin is not paused"
pass "a partial grant leaves the plugin refused and paused, naming what is missing"

# --- the rest granted: starts, active again -----------------------------------------------
n=$(restarts)
run_rc 0 nxp --yes permissions life --grant
out_has "Missing    none"
err_has "Granted life: read-only /srv/life-data"
starts || { cat "$T/out" "$T/err"; fail "exec refuses after --grant"; }
out_has life-started
[ "$(status)" = active ] || { cat "$CFG"; fail "entry not active after --grant"; }
[ "$(restarts)" -gt "$n" ] || fail "grant changed mcp_config.json without the restart command"
run_rc 0 nxp --yes permissions life --grant
out_has "Nothing to grant"
sqlite3 "$NXP_ROOT/nxp.db" "SELECT action FROM audit_log" | grep -qx grant || fail "grant not audited"
pass "grant of the rest: exec starts, entry active, NextChat restarted, audited"

# Everything at once after another revoke, by item "all".
run_rc 0 nxp permissions life --revoke
run_rc 0 nxp --yes permissions life --grant all
starts || fail "exec refuses after --grant all"
[ "$(status)" = active ] || fail "entry not active after --grant all"
pass "--grant all"

# --- update --policy: a missing or invalid file refused exactly as install ----------------
for f in "$T/no-such-policy.json" "$T/bad-policy.json" "$T/wrong-policy.json"; do
    echo '{"network": [' >"$T/bad-policy.json"
    echo '{"network": "api.example.org"}' >"$T/wrong-policy.json"
    run_rc 1 nxp --yes --policy "$f" install life
    cp "$T/err" "$T/install-err"
    for cmd in "update" "update life" "--dry-run update" "update --check"; do
        rc=0
        # shellcheck disable=SC2086  # $cmd is several words
        nxp --yes --policy "$f" $cmd >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" = 1 ] || { cat "$T/err"; fail "update ($cmd) with policy $f: exit $rc, not 1"; }
        diff "$T/install-err" "$T/err" || fail "update ($cmd) does not reject $f as install does"
    done
    grep -q "$(basename "$f")" "$T/err" || fail "the error does not name $f"
done
pass "update --policy rejects a missing or invalid policy file with install's message"

# --- --log ---------------------------------------------------------------------------------
LOG=$NXP_ROOT/log/egress
rm -f "$LOG"/life.jsonl*  # nothing above reached for the network; start from no log at all
run_rc 0 nxp permissions life --log
out_has "No egress log for life yet"
nxp --json permissions life --log | jq -e '.log == [] and .found == false' >/dev/null || fail "--json without a log"
mkdir -p "$LOG"
cat >"$LOG/life.jsonl.1" <<'EOF'
{"time":"2020-01-05T04:40:00Z","decision":"allow","host":"api.example.org","address":"93.184.216.34","port":0,"via":"dns","reason":"granted name"}
EOF
{
    echo '{"time":"2020-01-05T04:50:00Z","decision":"allow","host":"api.example.org","address":"93.184.216.34","port":443,"via":"connect","reason":"granted api.example.org","pid":42,"extra":{"a":[1]}}'
    echo 'not json at all'
    printf '{"time":"2020-01-05T04:51:00Z","decision":"deny","host":"%s","address":"","port":0,"via":"dns","reason":"huge"}\n' "$(head -c 20000 /dev/zero | tr '\0' a)"
    printf '%s\n' "$(head -c 5000 /dev/zero | tr '\0' '[')"
    echo '{"time":"2020-01-05T04:52:00Z","decision":"maybe","host":"x","address":"","port":1,"via":"dns","reason":"bad decision"}'
    echo '{"time":"yesterday","decision":"deny","host":"x","address":"","port":1,"via":"dns","reason":"bad time"}'
    echo '{"time":"2020-01-05T04:53:00Z","decision":"deny","host":"x","address":"","port":"22","via":"dns","reason":"port as text"}'
    echo '[1,2,3]'
    printf '\x1b[31m\xff\xfe\n'
    echo ''
    echo '{"time":"2020-01-05T04:55:00Z","decision":"deny","host":"169.254.169.254","address":"169.254.169.254","port":80,"via":"connect","reason":"not granted"}'
    printf '{"time":"2020-01-05T04:56:00Z","decision":"deny","host":"evil\\u001b[2J.example","address":"","port":0,"via":"dns","reason":"not granted"}'
} >"$LOG/life.jsonl"
run_rc 0 nxp permissions life --log
out_has "TIME"; out_has "DECISION"
out_has "2020-01-05T04:40:00Z  ALLOW     api.example.org (93.184.216.34)"
out_has "ALLOW     api.example.org:443 (93.184.216.34)  connect  granted api.example.org"
out_has "DENY      169.254.169.254:80                   connect  not granted"
out_has "4 decision(s)"
err_has "8 line(s) of .*life.jsonl are not egress decisions"
! grep -q $'\x1b' "$T/out" || fail "an escape sequence from the log reached the terminal"
[ "$(grep -c . "$T/out")" -lt 10 ] || fail "skipped lines were shown"
head -1 "$T/out" | grep -q TIME || fail "the table has no header first"
grep -n "04:40:00" "$T/out" | grep -q "^2:" || fail "the rotated log is not read first"

nxp --json permissions life --log >"$T/log.json"
jq -e '.found and .skipped == 8 and (.log | length) == 4 and .log[0].via == "dns"
    and .log[1] == {"time":"2020-01-05T04:50:00Z","decision":"allow","host":"api.example.org",
                    "address":"93.184.216.34","port":443,"via":"connect","reason":"granted api.example.org"}
    and .log[3].host == "evil\u001b[2J.example"' "$T/log.json" >/dev/null \
    || { cat "$T/log.json"; fail "--log --json"; }
nxp --json permissions life --log --denied | jq -e '[.log[].decision] == ["deny", "deny"]' >/dev/null \
    || fail "--denied"
nxp --json permissions life --log --since 2020-01-05T04:50 | jq -e '(.log | length) == 3' >/dev/null \
    || fail "--since ISO"
nxp --json permissions life --log --since 2020-01-06 | jq -e '.log == []' >/dev/null || fail "--since date"
nxp --json permissions life --log --since 1d | jq -e '.log == []' >/dev/null || fail "--since 1d"
run_rc 0 nxp permissions life --log --since 2099-01-01; out_has "No egress decisions for life match"
run_rc 2 nxp permissions life --log --since yesterday
err_has "--since yesterday: not a time"
run_rc 2 nxp permissions life --log --since 2026-13-45T99
run_rc 2 nxp permissions life --log --since 2026-13-05
run_rc 2 nxp permissions life --log --since 99999999999d
# A log that is only garbage, and a huge line alone.
head -c 3000000 /dev/urandom >"$LOG/life.jsonl"
rm "$LOG/life.jsonl.1"
run_rc 0 nxp permissions life --log
nxp --json permissions life --log | jq -e '.found and .log == [] and .skipped > 0' >/dev/null \
    || fail "a log of random bytes"
pass "--log: table of decisions (rotated file first), garbage skipped with a count, --json, --denied, --since"

# The sandbox's own log, read back: exec's refused connection is there.
rm -f "$LOG"/life.jsonl*
starts || { cat "$T/out" "$T/err"; fail "exec does not start"; }
nxp --json permissions life --log --denied >"$T/log.json"
jq -e '.skipped == 0 and ([.log[] | select(.decision == "deny" and .via == "connect"
    and .address == "127.0.0.1" and .port == 9)] | length) >= 1' "$T/log.json" >/dev/null \
    || { cat "$T/log.json"; fail "--log does not show the connection the sandbox refused"; }
run_rc 0 nxp permissions life --log --denied
out_has "DENY .*127.0.0.1:9"
pass "--log reads what the sandbox recorded: the refused connection"
