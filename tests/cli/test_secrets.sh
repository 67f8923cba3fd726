#!/usr/bin/env bash
# Issue 15 item 2: secrets sealed. A secret config value is in no file under ROOT (nxp.db,
# its WAL and -shm included) and on no process's command line while its plugin runs or after;
# the plugin still receives it; hook and health-check output shows it as ••••, in --json too;
# {"env": …} and {"file": …} references are read when the plugin starts; a missing key file,
# variable or file is an error naming it; plain secrets of an older nxp are sealed.
. "$(dirname "$0")/testlib.sh"
export NXP_HOOK_TIMEOUT=10

# An MCP server that records a digest of its token (never the token) in its state directory
# and then answers until its stdin closes. `leaky` does the opposite: it tells the token in
# its answer to initialize, and as a tool's name.
server() {  # NAME BEHAVIOUR
    mkdir -p "$T/src/$1/files"
    cat >"$T/src/$1/plugin.json" <<JSON
{ "name": "$1", "version": "1.0.0", "kind": "mcp-server", "summary": "secret test $1",
  "mcp": { "command": "python3", "args": ["\${plugin_dir}/server.py"] },
  "config": { "token": { "type": "string", "secret": true, "required": true, "env": "TOKEN" },
              "level": { "type": "integer", "default": 1 } },
  "check": { "mcp": true, "timeout": 10 } }
JSON
    cat >"$T/src/$1/files/server.py" <<PY
import hashlib, json, os, sys
tok = os.environ.get("TOKEN", "")
with open(os.path.join(os.environ["HOME"], "token.sha256"), "w") as f:
    f.write(hashlib.sha256(tok.encode()).hexdigest())
mode = "$2"
for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue
    if mode == "error" and msg["method"] == "initialize":
        print(json.dumps({"jsonrpc": "2.0", "id": msg["id"],
                          "error": {"code": 1, "message": "refused token " + tok}}), flush=True)
        continue
    if mode == "crash":
        print("debug: the token is " + tok, file=sys.stderr, flush=True)
        sys.exit(3)
    result = {}
    if msg["method"] == "initialize":
        result = {"protocolVersion": "2024-11-05", "capabilities": {},
                  "serverInfo": {"name": "$1", "version": "1"}}
    elif msg["method"] == "tools/list":
        name = ("tool-" + tok) if mode == "toolname" else "noop"
        result = {"tools": [{"name": name, "inputSchema": {"type": "object"}}]}
    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}), flush=True)
PY
}
server keeper quiet
server leaky error
server crashy crash
server namer toolname
# A library whose post-upgrade hook prints its token, then fails (2.0.0) or succeeds (3.0.0).
hooked() {  # VERSION EXIT
    mkdir -p "$T/src/echoer-$1/files"
    cat >"$T/src/echoer-$1/plugin.json" <<JSON
{ "name": "echoer", "version": "$1", "kind": "library", "summary": "prints its token",
  "config": { "token": { "type": "string", "secret": true, "env": "ECHO_TOKEN" } },
  "hooks": { "post-upgrade": "hook.sh" } }
JSON
    printf '#!/bin/sh\necho "the token is $ECHO_TOKEN, again $ECHO_TOKEN"\nexit %s\n' "$2" \
        >"$T/src/echoer-$1/files/hook.sh"
    chmod +x "$T/src/echoer-$1/files/hook.sh"
}
mkdir -p "$T/src/echoer-1.0.0/files"
cat >"$T/src/echoer-1.0.0/plugin.json" <<'JSON'
{ "name": "echoer", "version": "1.0.0", "kind": "library", "summary": "prints its token",
  "config": { "token": { "type": "string", "secret": true, "env": "ECHO_TOKEN" } } }
JSON
echo v1 >"$T/src/echoer-1.0.0/files/README"
hooked 2.0.0 3
hooked 3.0.0 0
make_repo "$T"/src/*/
make_root
run_rc 0 nxp --yes install keeper leaky crashy namer echoer@1.0.0

SECRET="Zq9-sealed-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$SECRET" >"$T/pattern"  # grep -f: the secret is never on grep's command line
digest() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
# Every file under ROOT, binary ones (nxp.db, -wal, -shm) included, must lack the pattern.
assert_not_in_root() {  # WHAT
    if grep -r -a -l -F -f "$T/pattern" "$NXP_ROOT" >"$T/hits" 2>/dev/null; then
        cat "$T/hits"; fail "$1: the secret is in a file under ROOT"
    fi
}
assert_not_on_cmdlines() {  # WHAT
    local f
    for f in /proc/[0-9]*/cmdline; do
        if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q -F -f "$T/pattern"; then
            fail "$1: the secret is on the command line of ${f%/cmdline}: $(tr '\0' ' ' <"$f")"
        fi
    done
}
set_secret() {  # PLUGIN VALUE [RC]: through a file, so that no command line of ours holds it
    jq -n --arg v "$2" '{token: $v}' >"$T/config.json"
    run_rc "${3:-0}" nxp --yes config "$1" --from-file "$T/config.json"
}

# 1. Sealed at rest, on no command line, received by the plugin.
set_secret keeper "$SECRET"
grep -q -F -f "$T/pattern" "$T/out" "$T/err" && fail "config printed the secret"
[ "$(stat -c %a "$NXP_ROOT/secret.key")" = 400 ] || fail "secret.key is not mode 0400"
[ "$(stat -c %s "$NXP_ROOT/secret.key")" = 32 ] || fail "secret.key is not 32 bytes"
sqlite3 "$NXP_ROOT/nxp.db" "SELECT value_json FROM generation_config WHERE key = 'token'" |
    grep -q '^"nxp-sealed:1:' || fail "the stored value is not sealed"
[ "$(cat "$NXP_ROOT/state/keeper/token.sha256")" = "$(digest "$SECRET")" ] ||
    fail "the health check's server did not receive the secret"
assert_not_in_root "after config"
rm -f "$NXP_ROOT/state/keeper/token.sha256"
mkfifo "$T/stdin"
nxp exec keeper <"$T/stdin" >"$T/exec.out" 2>"$T/exec.err" &
EXEC_PID=$!
exec 7>"$T/stdin"  # holds the server's stdin open: it keeps running
trap 'exec 7>&-; kill $EXEC_PID 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$NXP_ROOT/state/keeper/token.sha256" ] && break; sleep 0.1; done
[ "$(cat "$NXP_ROOT/state/keeper/token.sha256" 2>/dev/null)" = "$(digest "$SECRET")" ] ||
    { cat "$T/exec.err"; fail "nxp exec did not pass the secret to the server"; }
kill -0 $EXEC_PID 2>/dev/null || fail "the server did not keep running"
assert_not_on_cmdlines "while the plugin runs"
assert_not_in_root "while the plugin runs"
exec 7>&-
wait $EXEC_PID || true
assert_not_on_cmdlines "after the plugin exited"
assert_not_in_root "after the plugin exited"
for a in "config keeper" "--json config keeper" "history" "--json history" "history info 2" \
    "--json history info 2" "doctor" "--json doctor" "bundle -o $T/b.bundle" "lock -o $T/nxp.lock"; do
    # shellcheck disable=SC2086
    nxp $a >"$T/o" 2>&1 || true
    grep -q -F -f "$T/pattern" "$T/o" && fail "'nxp $a' printed the secret"
done
grep -a -q -F -f "$T/pattern" "$T/b.bundle" "$T/nxp.lock" && fail "a bundle or lockfile holds the secret"
nxp --json config keeper | jq -e '.keys[] | select(.key == "token") | .value == "••••" and .set' \
    >/dev/null || fail "config --json does not mask the secret"
pass "a secret is sealed at rest, never on a command line, and reaches the server"

# 2. Given again unchanged: nothing changes (the sealed value is kept).
gen=$(readlink "$NXP_ROOT/current")
set_secret keeper "$SECRET"
out_has "unchanged"
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "the same secret made a generation"
pass "setting the same secret again changes nothing"

# 3. Output the plugin makes is redacted wherever nxp shows it.
redacted() {  # WHAT: the secret is absent from out/err, •••• present
    grep -q -F -f "$T/pattern" "$T/out" "$T/err" && { cat "$T/err"; fail "$1: the secret was printed"; }
    grep -q '••••' "$T/out" "$T/err" || { cat "$T/out" "$T/err"; fail "$1: no •••• in its place"; }
    assert_not_in_root "$1"
}
set_secret leaky "$SECRET" 1
err_has "MCP health check"
redacted "a health check's error answer"
nxp --json --yes config leaky --from-file "$T/config.json" >"$T/out" 2>"$T/err" || true
jq -e '.error' "$T/out" >/dev/null || { cat "$T/out"; fail "no JSON error document"; }
redacted "a health check's error answer in --json"
set_secret crashy "$SECRET" 1
err_has "exited with status 3"
redacted "a crashing server's output"
set_secret namer "$SECRET"
grep -q -F -f "$T/pattern" "$T/out" "$T/err" && fail "a tool's name printed the secret"
sqlite3 "$NXP_ROOT/nxp.db" "SELECT tools_json FROM plugin_tools WHERE package = 'namer'" |
    grep -q 'tool-••••' || fail "the tool's name was not recorded redacted"
assert_not_in_root "a tool named after the secret"
set_secret echoer "$SECRET"
run_rc 1 nxp --yes install echoer@2.0.0
err_has "post-upgrade hook"
redacted "a failing hook's output"
nxp --json --yes install echoer@2.0.0 >"$T/out" 2>"$T/err" || true
redacted "a failing hook's output in --json"
run_rc 0 nxp -vv --yes install echoer@3.0.0
grep -q "the token is ••••, again ••••" "$T/out" "$T/err" || { cat "$T/err"; fail "-vv hook output not shown redacted"; }
redacted "a hook's output under -vv"
pass "hook and health-check output shows the secret as ••••, in --json too"

# 4. References, read when the plugin starts.
jq -n '{token: {env: "KEEPER_SRC"}}' >"$T/ref.json"
KEEPER_SRC="from-env-$SECRET" run_rc 0 nxp --yes config keeper --from-file "$T/ref.json"
exec_once() { nxp exec keeper </dev/null >"$T/out" 2>"$T/err"; }
rm -f "$NXP_ROOT/state/keeper/token.sha256"
KEEPER_SRC=second-value exec_once || fail "exec with the variable set failed: $(cat "$T/err")"
[ "$(cat "$NXP_ROOT/state/keeper/token.sha256")" = "$(digest second-value)" ] ||
    fail "the env reference was not read at start"
rc=0; env -u KEEPER_SRC "$NXP" exec keeper </dev/null >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "a missing variable should fail exec (got $rc)"
err_has "keeper: config token"; err_has "KEEPER_SRC"; err_has "is not set"
printf 'from-a-file\n' >"$T/tokfile"
jq -n --arg f "$T/tokfile" '{token: {file: $f}}' >"$T/ref.json"
run_rc 0 nxp --yes config keeper --from-file "$T/ref.json"
exec_once || fail "exec with the file failed: $(cat "$T/err")"
[ "$(cat "$NXP_ROOT/state/keeper/token.sha256")" = "$(digest from-a-file)" ] ||
    fail "the file reference was not read at start"
rm "$T/tokfile"
rc=0; exec_once || rc=$?
[ "$rc" = 1 ] || fail "a missing file should fail exec"
err_has "keeper: config token"; err_has "$T/tokfile"
# The command-line form, and what is refused.
run_rc 1 nxp --yes config keeper token '{"env": "lower-case"}'
err_has "environment variable name"
run_rc 1 nxp --yes config keeper token '{"file": "relative/path"}'
err_has "absolute path"
run_rc 1 nxp --yes config keeper level '{"env": "LEVEL"}'
err_has "only a secret key takes a reference"
KEEPER_SRC=x run_rc 0 nxp --yes config keeper token '{"env": "KEEPER_SRC"}'
pass "{env} and {file} references are read at start; a missing one names plugin, key and reference"

# 5. A missing or damaged key file: a clear error naming it and the way out, never a crash.
set_secret keeper "$SECRET"
mv "$NXP_ROOT/secret.key" "$T/secret.key.saved"
rc=0; exec_once || rc=$?
[ "$rc" = 1 ] || fail "exec without the key file should fail with 1 (got $rc)"
err_has "keeper: config token"; err_has "secret.key"; err_has "nxp config keeper token"
nxp doctor >"$T/out" 2>&1 || true
grep -q "keeper: config token: its secret value cannot be read: .*secret.key" "$T/out" ||
    { cat "$T/out"; fail "doctor does not report the unreadable secret"; }
printf 'short' >"$NXP_ROOT/secret.key"; chmod 0400 "$NXP_ROOT/secret.key"
rc=0; exec_once || rc=$?
[ "$rc" = 1 ] || fail "exec with a damaged key file should fail with 1 (got $rc)"
err_has "damaged"
rm -f "$NXP_ROOT/secret.key"
ln -s "$T/secret.key.saved" "$NXP_ROOT/secret.key"
rc=0; exec_once || rc=$?
[ "$rc" = 1 ] || fail "a symlinked key file should be refused"
err_has "symbolic link"
rm "$NXP_ROOT/secret.key"
cp "$T/secret.key.saved" "$NXP_ROOT/secret.key"; chmod 0400 "$NXP_ROOT/secret.key"
exec_once || fail "exec with the restored key failed: $(cat "$T/err")"
[ "$(cat "$NXP_ROOT/state/keeper/token.sha256")" = "$(digest "$SECRET")" ] || fail "restored key"
pass "a missing, damaged or linked key file is an error naming it and the way out"

# 6. An older nxp's plain secrets: sealed, scrubbed from old history, the file rebuilt.
OLD="Zq9-plain-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$OLD" >"$T/pattern"
cur=$(readlink "$NXP_ROOT/current"); cur=${cur#generations/}
sqlite3 "$NXP_ROOT/nxp.db" "UPDATE generation_config SET value_json = '\"$OLD\"'
    WHERE generation = $cur AND package = 'keeper' AND key = 'token';
    UPDATE transactions SET command_line = 'nxp config keeper token $OLD' WHERE id = 1;
    DELETE FROM meta WHERE key = 'secrets_sealed';" >/dev/null
grep -r -a -q -F -f "$T/pattern" "$NXP_ROOT" || fail "the test did not plant a plain secret"
exec_once || fail "a plain secret of an older nxp should still start: $(cat "$T/err")"
run_rc 0 nxp gc
assert_not_in_root "after the migration"
nxp history >"$T/o"; grep -q "nxp config keeper token ••••" "$T/o" || fail "old history not masked"
rm -f "$NXP_ROOT/state/keeper/token.sha256"
exec_once || fail "exec after the migration failed: $(cat "$T/err")"
[ "$(cat "$NXP_ROOT/state/keeper/token.sha256")" = "$(digest "$OLD")" ] ||
    fail "the migrated secret does not reach the server"
pass "plain secrets of an older nxp are sealed and scrubbed by the first writer"
