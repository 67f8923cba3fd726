#!/usr/bin/env bash
# dist/systemd/nxp.socket and nxp.service (issue 17 item 1): they parse (systemd-analyze verify,
# skipped where it is missing), the socket is where nxp exports it, and the service's own
# ExecStart, run the way systemd runs it (systemd-socket-activate: the socket as fd 3 with
# LISTEN_FDS/LISTEN_PID), serves the launcher.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/servelib.sh"
UNITS=$SRC/dist/systemd

grep -qx 'ListenStream=/var/lib/nxp/export/nxp.sock' "$UNITS/nxp.socket" || fail "ListenStream"
grep -qx 'SocketMode=0666' "$UNITS/nxp.socket" || fail "SocketMode"
exec_start=$(sed -n 's/^ExecStart=//p' "$UNITS/nxp.service")
[ "$(wc -l <<<"$exec_start")" = 1 ] || fail "one ExecStart expected: $exec_start"
read -ra argv <<<"$exec_start"
[ "${argv[*]:0:4}" = "/usr/local/bin/nxp --root /var/lib/nxp serve" ] || fail "ExecStart: $exec_start"
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$T/units"
    cp "$UNITS/nxp.socket" "$T/units/"
    # verify checks that the command exists: this build's nxp stands in for /usr/local/bin/nxp.
    sed "s#/usr/local/bin/nxp#$NXP#" "$UNITS/nxp.service" >"$T/units/nxp.service"
    systemd-analyze verify --man=no "$T/units/nxp.socket" "$T/units/nxp.service" >"$T/verify" 2>&1 ||
        { cat "$T/verify"; fail "systemd-analyze verify"; }
    ! grep -i "nxp\.\(socket\|service\)" "$T/verify" || fail "systemd-analyze warns about the units"
    pass "systemd-analyze verify accepts nxp.socket and nxp.service"
else
    echo "skip: systemd-analyze missing; the units were not verified"
fi

command -v systemd-socket-activate >/dev/null || { echo "skip: no systemd-socket-activate"; exit 0; }
echo_root_with_launcher
# The service's ExecStart with this build and this root, under systemd's socket passing.
argv[0]=$NXP
argv[2]=$NXP_ROOT
systemd-socket-activate -l "$EXPORT/nxp.sock" "${argv[@]}" >"$T/serve.out" 2>"$T/serve.log" &
SERVE=$!
trap 'kill "$SERVE" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -S "$EXPORT/nxp.sock" ] && break; sleep 0.1; done
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
run_rc 0 timeout 30 "$EXPORT/nxp-launch" --socket "$EXPORT/nxp.sock" echo <<<"$init"
out_has '"serverInfo"'
grep -q "listening on $EXPORT/nxp.sock (socket from systemd)" "$T/serve.out" ||
    { cat "$T/serve.out" "$T/serve.log"; fail "nxp serve did not take systemd's socket"; }
pass "the service's ExecStart serves the launcher on systemd's socket (LISTEN_FDS)"
kill -TERM "$SERVE"
wait "$SERVE" || true
