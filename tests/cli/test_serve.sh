#!/usr/bin/env bash
# Plugins run on the host, started from anywhere (issue 17 item 1): `nxp nextchat set
# --launcher` writes the static launcher into ROOT/export; `nxp serve` listens there; the
# launcher, run inside a bubblewrap "container" as another uid whose / is only the export dir
# (no /usr, no libc, no loader), starts an MCP plugin: initialize, tools/list and tools/call
# work, the server runs on the host under nxp serve and bubblewrap, the launcher relays no
# byte, closing stdin ends everything, killing the launcher stops the server. A uid that is
# not allowed is refused with a clear message and nothing is started.
. "$(dirname "$0")/testlib.sh"

. "$(dirname "$0")/servelib.sh"
need_other_uid 4242

echo_root_with_launcher
[ -x "$EXPORT/nxp-launch" ] || fail "nextchat set --launcher did not write $EXPORT/nxp-launch"
{ [ "$(stat -c %a "$EXPORT")" = 755 ] && [ "$(stat -c %a "$EXPORT/nxp-launch")" = 755 ]; } ||
    fail "export dir or launcher mode: $(stat -c '%a %n' "$EXPORT" "$EXPORT/nxp-launch")"
file "$EXPORT/nxp-launch" | grep -q 'statically linked' || fail "the launcher is not static"
jq -e --arg l "$EXPORT/nxp-launch" --arg s "$EXPORT/nxp.sock" \
    '.mcpServers.echo | .command == $l and .args == ["--socket", $s, "echo"]' \
    "$T/nextchat/app/mcp/mcp_config.json" >/dev/null ||
    { cat "$T/nextchat/app/mcp/mcp_config.json"; fail "the entry does not name the launcher"; }
pass "nextchat set --launcher: the static launcher in $EXPORT, the entry names it"
# Rewritten only when its content differs: an unchanged launcher keeps its inode.
ino=$(stat -c %i "$EXPORT/nxp-launch")
run_rc 0 nxp nextchat set "$T/nextchat" --launcher
[ "$(stat -c %i "$EXPORT/nxp-launch")" = "$ino" ] || fail "an identical launcher was rewritten"
printf 'tampered' >"$EXPORT/nxp-launch"
run_rc 0 nxp nextchat set "$T/nextchat" --launcher
{ [ "$(stat -c %s "$EXPORT/nxp-launch")" -gt 1000 ] && [ "$(stat -c %a "$EXPORT/nxp-launch")" = 755 ]; } ||
    fail "a changed launcher was not rewritten"

# Before nxp serve runs: doctor and status say that nothing listens (NextChat would show
# "Connection closed" for every plugin while its files look in step).
nxp --json doctor >"$T/doctor.json" 2>/dev/null || true
jq -e --arg s "$EXPORT/nxp.sock" '[.findings[] | select(.check == "nextchat" and .subject == "serve"
    and (.problem | contains($s)))] | length == 1' "$T/doctor.json" >/dev/null ||
    { cat "$T/doctor.json"; fail "doctor does not say that nothing listens on the socket"; }
nxp --json nextchat status >"$T/status.json" 2>/dev/null || true
jq -e '.serve_listening == false and .launcher == true' "$T/status.json" >/dev/null ||
    { cat "$T/status.json"; fail "status: serve_listening should be false"; }
mv "$EXPORT/nxp-launch" "$EXPORT/moved"
nxp --json doctor >"$T/doctor.json" 2>/dev/null || true
jq -e '[.findings[] | select(.subject == "launcher" and .severity == "error")] | length == 1' \
    "$T/doctor.json" >/dev/null || { cat "$T/doctor.json"; fail "doctor misses the missing launcher"; }
mv "$EXPORT/moved" "$EXPORT/nxp-launch"
pass "without nxp serve: doctor names the socket nothing listens on, and a missing launcher"

# The other uid reaches the socket through ROOT (0755 as init makes it) and $T.
chmod 0711 "$T"
"$NXP" --json serve --allow-uid 4242 >"$T/serve.json" 2>"$T/serve.log" &
SERVE=$!
trap 'kill "$SERVE" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -S "$EXPORT/nxp.sock" ] && break; sleep 0.1; done
[ -S "$EXPORT/nxp.sock" ] || { cat "$T/serve.log"; fail "nxp serve did not create its socket"; }
sleep 0.2
jq -e --arg s "$EXPORT/nxp.sock" '.command == "serve" and .socket == $s and
    (.allowed_uids | index(4242)) and .socket_activated == false' "$T/serve.json" >/dev/null ||
    { cat "$T/serve.json"; fail "serve's start document"; }
[ "$(stat -c %a "$EXPORT/nxp.sock")" = 666 ] || fail "socket mode $(stat -c %a "$EXPORT/nxp.sock")"
run_rc 6 nxp serve
err_has "another nxp serve is listening"
nxp --json doctor >"$T/doctor.json" 2>/dev/null || true
jq -e '[.findings[] | select(.subject == "serve" or .subject == "launcher")] | length == 0' \
    "$T/doctor.json" >/dev/null || { cat "$T/doctor.json"; fail "doctor still reports the runner"; }
nxp --json nextchat status >"$T/status.json" 2>/dev/null || true
jq -e '.serve_listening == true' "$T/status.json" >/dev/null || fail "status: serve_listening"
! grep -q "dropped" "$T/serve.log" || { cat "$T/serve.log"; fail "the probes of doctor and status were logged as dropped clients"; }
pass "nxp serve listens on $EXPORT/nxp.sock (0666; SO_PEERCRED decides); a second one is refused; doctor and status see it"

# The "container": only the export dir, at /nxp, and /dev; no /usr, no libc, no loader.
container_cmd() {  # UID: the command line of the "container" as uid UID
    CONTAINER=(setpriv --reuid "$1" --regid "$1" --clear-groups
        bwrap --unshare-user --unshare-pid --unshare-net --unshare-ipc --unshare-uts
        --ro-bind "$EXPORT" /nxp --dev /dev)
}
container() {  # UID CMD...
    container_cmd "$1"; shift
    "${CONTAINER[@]}" "$@"
}
run_rc 1 container 4242 /bin/sh -c true  # nothing else is in there
err_has "execvp /bin/sh: No such file"
export DRIVE_STDERR=$T/launch.err
container_cmd 4242
python3 "$SRC/tests/cli/serve_drive.py" session "$SERVE" \
    "${CONTAINER[@]}" /nxp/nxp-launch --socket /nxp/nxp.sock echo ||
    { cat "$T/launch.err" "$T/serve.log"; fail "a session through the launcher"; }
grep -q "session uid 4242 pid [0-9]* plugin echo: nxp exec exited 0" "$T/serve.log" ||
    { cat "$T/serve.log"; fail "serve's log line for the session"; }
python3 "$SRC/tests/cli/serve_drive.py" kill "$SERVE" \
    "${CONTAINER[@]}" /nxp/nxp-launch --socket /nxp/nxp.sock echo ||
    { cat "$T/launch.err" "$T/serve.log"; fail "killing the launcher"; }
grep -q "plugin echo: .*(the launcher went first: stopped)" "$T/serve.log" ||
    { cat "$T/serve.log"; fail "serve's log line for the killed session"; }

# Refusals reach the launcher's stderr and its exit status; nothing is started for them.
sessions=$(grep -c "^nxp serve: session" "$T/serve.log")
run_rc 77 container 4243 /nxp/nxp-launch --socket /nxp/nxp.sock echo </dev/null
err_has "nxp serve refused to start echo: uid 4243 is not allowed"
err_has "allow-uid 4243"
grep -q "refused uid 4243 pid [0-9]*: uid 4243 is not allowed" "$T/serve.log" ||
    { cat "$T/serve.log"; fail "serve's log line for uid 4243"; }
run_rc 64 container 4242 /nxp/nxp-launch --socket /nxp/nxp.sock nosuch </dev/null
err_has "unknown plugin nosuch: not installed"
run_rc 64 container 4242 /nxp/nxp-launch --socket /nxp/nxp.sock 'Bad/Name' </dev/null
err_has "is not a plugin name"
[ "$(grep -c "^nxp serve: session" "$T/serve.log")" = "$sessions" ] ||
    { cat "$T/serve.log"; fail "a refused client started nxp exec"; }
pass "uid 4243, an unknown plugin and a bad name are refused with a message; nothing started"
# NextChat as another user of the host (no container): the same launcher, the same socket.
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
run_rc 0 timeout 30 setpriv --reuid 4242 --regid 4242 --clear-groups \
    "$EXPORT/nxp-launch" --socket "$EXPORT/nxp.sock" echo <<<"$init"
out_has '"serverInfo"'
pass "uid 4242 on the host starts the plugin through the launcher as well"
# A disabled plugin: nxp exec's own message and exit status come back through the launcher.
run_rc 0 nxp disable echo
run_rc 1 container 4242 /nxp/nxp-launch --socket /nxp/nxp.sock echo </dev/null
err_has "echo: disabled"
run_rc 0 nxp enable echo
pass "nxp exec's message and exit status (1) reach the launcher"

# SIGTERM stops serve cleanly: exit 0, socket removed; then the launcher says what to do.
kill -TERM "$SERVE"
rc=0
wait "$SERVE" || rc=$?
[ "$rc" = 0 ] || { cat "$T/serve.log"; fail "nxp serve exited $rc on SIGTERM"; }
[ ! -e "$EXPORT/nxp.sock" ] || fail "nxp serve left its socket"
run_rc 69 container 4242 /nxp/nxp-launch --socket /nxp/nxp.sock echo </dev/null
err_has "is nxp serve running? see nxp-serve(1)"
pass "SIGTERM stops nxp serve and removes its socket; the launcher then says so"

# A stale socket (a runner that died) is replaced; a file that is not a socket is not.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
    "$EXPORT/nxp.sock"
printf 'old' >"$EXPORT/nxp-launch"  # nxp serve puts its own launcher back
chmod 0700 "$T"  # other users of the host can no longer reach the socket: serve says so
"$NXP" serve --allow-uid 4242 >"$T/serve2.out" 2>"$T/serve2.log" &
SERVE=$!
for _ in $(seq 100); do grep -q listening "$T/serve2.out" && break; sleep 0.1; done
grep -q "listening on $EXPORT/nxp.sock" "$T/serve2.out" || { cat "$T/serve2.log"; fail "stale socket"; }
[ "$(stat -c %s "$EXPORT/nxp-launch")" -gt 1000 ] || fail "nxp serve did not rewrite the launcher"
grep -q "warning: $T is not searchable by other users" "$T/serve2.log" ||
    { cat "$T/serve2.log"; fail "no warning that uid 4242 cannot reach the socket"; }
! grep -q "not searchable" "$T/serve.log" || fail "a warning about a directory others can search"
kill -TERM "$SERVE"; wait "$SERVE" || true
echo x >"$EXPORT/nxp.sock"
run_rc 1 nxp serve
err_has "exists and is not a socket"
rm -f "$EXPORT/nxp.sock"
pass "a stale socket is replaced, a regular file in its place is refused; serve rewrites the launcher"

# ROOT/export is never followed through a symbolic link.
mv "$EXPORT" "$T/elsewhere"
ln -s "$T/elsewhere" "$EXPORT"
run_rc 1 nxp serve
err_has "nxp does not follow links here"
pass "a symbolic link at ROOT/export is refused"

# Another uid that runs nxp itself is told why it cannot, and what works instead.
rm "$EXPORT"
chmod 0755 "$T"
run_rc 1 setpriv --reuid 4242 --regid 4242 --clear-groups "$NXP" --root "$NXP_ROOT" exec echo
err_has "permission denied: uid 4242 cannot use the install database"
err_has "nxp nextchat set DIR --launcher"
pass "another uid's nxp exec names the cause and the launcher + nxp serve"
