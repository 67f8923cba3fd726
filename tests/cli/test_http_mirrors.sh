#!/usr/bin/env bash
# A repository built with `nxp repo build`, served by nginx on 127.0.0.1 with mirrors: the
# primary is down, the first mirror is stale (mid-sync: new index, old packages, one of them
# different) or serves an older index; installs and refreshes succeed through failover, a
# dead mirror is tried once per run, and downloads run in parallel and resume.
. "$(dirname "$0")/testlib.sh"
. "$SRC/tests/security/servers.sh"
export NXP_CONNECT_TIMEOUT=3

# Version 1 of the repository: the example plugins.
make_repo
cp -a "$T/repo" "$T/v1"
# Version 2 adds a package.
plugin extra 1.0.0
nxp pack "$T/src/extra-1.0.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T/pkgs/extra-1.0.0.nxp" --key "$T/key.key" >/dev/null
# The stale mirror: version 2's index over version 1's packages, one of them altered.
cp -a "$T/v1" "$T/stale"
cp "$T/repo/index.json.zst" "$T/repo/index.json.zst.minisig" "$T/stale/"
printf 'X' | dd of="$T/stale/packages/weather-1.2.0.nxp" bs=1 seek=100 conv=notrunc status=none

start_nginx "$T/repo";  GOOD=http://127.0.0.1:$PORT; GOOD_LOG=$NGINX_LOG
start_nginx "$T/stale"; STALE=http://127.0.0.1:$PORT; STALE_LOG=$NGINX_LOG
ln -s "$T/repo" "$T/oldroot"   # switched to version 1 later
start_nginx "$T/oldroot"; OLD=http://127.0.0.1:$PORT
DOWN=http://127.0.0.1:$(free_port)

nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "$DOWN" --mirror "$STALE" --mirror "$GOOD" --key "$T/key.pub" >/dev/null
run_rc 0 env NXP_PARALLEL_DOWNLOADS=1 "$NXP" --yes --grant weather install weather extra
assert_installed weather 1.2.0
assert_installed extra 1.0.0
cmp "$NXP_ROOT/current/plugins/weather/server.js" "$SRC/examples/plugins/weather/files/server.js" \
    || fail "weather's server.js differs from the packed one"
# Whichever stale file was asked for first (wrong bytes, or missing) made the mirror unhealthy.
grep -Eq "$STALE/packages/(weather-1.2.0.nxp: sha256 mismatch|extra-1.0.0.nxp: HTTP status 404)" "$T/err" \
    || { cat "$T/err"; fail "no failover away from the stale mirror"; }
# The primary was found dead on the first package and skipped for the rest of the run.
[ "$(grep -c "$DOWN" "$T/err")" -eq 1 ] || { cat "$T/err"; fail "the dead primary was tried more than once"; }
pass "install through a dead primary and a stale mirror"

# An older, validly signed index on a mirror is a rollback: skipped for the good one.
rm -rf "$NXP_ROOT"
nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "$DOWN" --mirror "$OLD" --mirror "$GOOD" --key "$T/key.pub" >/dev/null
run_rc 0 nxp refresh                 # version 2, from the mirror while it is current
ln -sfn "$T/v1" "$T/oldroot"         # the mirror now serves version 1
run_rc 0 nxp refresh
run_rc 0 nxp --yes install extra     # only in version 2
assert_installed extra 1.0.0
pass "refresh skips a mirror serving an older index"

# Parallel transfers from nginx, and resume: a .part left by an interrupted run is continued
# with a Range request (nginx answers 206) and still checked against the signed sha256.
rm -rf "$NXP_ROOT"
nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "$GOOD" --key "$T/key.pub" >/dev/null
nxp refresh >/dev/null
sha=$(zstd -dc "$T/repo/index.json.zst" | jq -r '.packages[] | select(.name=="weather") | .sha256')
mkdir -p "$NXP_ROOT/cache/packages"
head -c 200 "$T/repo/packages/weather-1.2.0.nxp" >"$NXP_ROOT/cache/packages/$sha.nxp.part"
: >"$GOOD_LOG"
run_rc 0 nxp --yes --grant weather install weather
assert_installed weather 1.2.0
grep -q '"GET /packages/weather-1.2.0.nxp HTTP/1.1" 206' "$GOOD_LOG" \
    || { cat "$GOOD_LOG"; fail "the interrupted download was not resumed"; }
grep -c '"GET /packages/' "$GOOD_LOG" | grep -qx 3 || { cat "$GOOD_LOG"; fail "expected 3 package downloads (weather, mcp-common, writing-prompts)"; }
pass "parallel downloads and resume from nginx"

# A .part holding wrong bytes is resumed, fails the hash, and is downloaded again whole.
rm -rf "$NXP_ROOT"
nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "$GOOD" --key "$T/key.pub" >/dev/null
nxp refresh >/dev/null
mkdir -p "$NXP_ROOT/cache/packages"
head -c 200 /dev/urandom >"$NXP_ROOT/cache/packages/$sha.nxp.part"
run_rc 0 nxp --json --progress-fd 3 --yes --grant weather install weather 3>"$T/progress"
assert_installed weather 1.2.0
pass "a corrupt partial download is discarded and fetched again"

# Progress: JSON lines on --progress-fd ending with the whole total; nothing drawn on a
# stderr that is not a terminal.
jq -se '[.[] | select(.type == "progress" and .scope == "total")] | last | .done == .total and .total > 0' \
    "$T/progress" >/dev/null || { cat "$T/progress"; fail "no final total progress line"; }
jq -se '[.[] | select(.scope == "file" and .file == "weather 1.2.0")] | length > 0' "$T/progress" >/dev/null \
    || fail "no progress line for weather"
! grep -q "Total \[" "$T/err" || fail "progress drawn on a stderr that is not a terminal"
pass "progress as JSON lines on --progress-fd"
