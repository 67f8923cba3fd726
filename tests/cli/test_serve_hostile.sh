#!/usr/bin/env bash
# Hostile clients of nxp serve (issue 17 item 1): garbage, another protocol version, no
# descriptors, one, five or 250 of them, a directory or an O_PATH handle as stdio, names of 0
# and 255 bytes, a path or a control character as the name, an unknown plugin, descriptors
# sent after the request, a partial request, a slowloris, connections beyond --max-sessions,
# 300 clients at once. Each is refused (or dropped) with a message, and after each nxp serve
# still runs, holds a bounded number of descriptors and memory, and serves the real launcher
# (tests/cli/serve_hostile.py).
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/servelib.sh"

echo_root_with_launcher
"$NXP" serve --max-sessions 8 >"$T/serve.out" 2>"$T/serve.log" &
SERVE=$!
trap 'kill "$SERVE" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 100); do grep -q listening "$T/serve.out" && break; sleep 0.1; done
grep -q listening "$T/serve.out" || { cat "$T/serve.log"; fail "nxp serve did not start"; }
# nxp serve holds ~15 MiB; linked with AddressSanitizer (the .ci/run build) its allocator and
# shadow take hundreds of MiB before anything happens, so the bound is wider there.
SERVE_MAX_RSS_KB=65536
case "$(ldd "$NXP" 2>/dev/null || true)" in *libasan*) SERVE_MAX_RSS_KB=900000 ;; esac
export SERVE_MAX_RSS_KB
python3 "$SRC/tests/cli/serve_hostile.py" "$SERVE" "$EXPORT/nxp.sock" "$EXPORT/nxp-launch" echo ||
    { tail -40 "$T/serve.log"; fail "a hostile client"; }
# Every session and refusal got its one line; none mentions a crash.
grep -q "refused uid 0 pid [0-9]*: not an nxp-launch request" "$T/serve.log" ||
    { cat "$T/serve.log"; fail "no log line for a refused client"; }
grep -q "session uid 0 pid [0-9]* plugin echo: nxp exec exited .* (sent data after its request: stopped)" \
    "$T/serve.log" || { cat "$T/serve.log"; fail "the session that sent data after its request"; }
kill -TERM "$SERVE"
rc=0
wait "$SERVE" || rc=$?
[ "$rc" = 0 ] || { tail "$T/serve.log"; fail "nxp serve exited $rc on SIGTERM after the clients"; }
pass "nxp serve survived every hostile client and stopped cleanly"
