#!/usr/bin/env bash
# Packages from a misbehaving HTTP server (tests/security/faultserver.py on 127.0.0.1):
# with a good mirror behind it every fault ends in a successful failover; alone, it ends in
# a clear error naming the URL and the reason, exit 5 (network) or 4 (wrong bytes), and
# nothing of the package is installed, stored or cached.
. "$(dirname "$0")/testlib.sh"
. "$SRC/tests/security/servers.sh"
export NXP_LOW_SPEED_TIME=2   # the slow drip is cut off after 2 s instead of 30
export NXP_CONNECT_TIMEOUT=3

make_repo
start_faultserver "$T/repo"
F=http://127.0.0.1:$PORT

# fresh_root URL [MIRROR]: a new root with the repository at URL. The fault server misbehaves
# only on packages/ there, so the index arrives intact and the package transfer is tested.
fresh_root() {
    rm -rf "$NXP_ROOT"
    nxp init --nextchat-version 2.16.0 >/dev/null
    if [ $# -gt 1 ]; then nxp repo add demo "$1" --mirror "$2" --key "$T/key.pub" >/dev/null
    else nxp repo add demo "$1" --key "$T/key.pub" >/dev/null; fi
}

nothing_of_weather() {
    assert_not_installed weather
    ! ls "$NXP_ROOT/store" 2>/dev/null | grep -q weather || fail "$1: weather reached the store"
    local sha
    sha=$(zstd -dc "$T/repo/index.json.zst" | jq -r '.packages[] | select(.name=="weather") | .sha256')
    [ ! -e "$NXP_ROOT/cache/packages/$sha.nxp" ] || fail "$1: an unverified weather is in the cache"
}

# mode  exit-code-alone  reason-in-the-message
cases=(
    "404html 5 404"
    "500 5 500"
    "truncate 5 transfer closed"
    "extra 4 signed size"
    "wrongbytes 4 sha256 mismatch"
    "drip 5 too slow"
    "loop 5 redirect"
    "otherhost 5 port 9"
    "tofile 5 file"
    "endless 4 signed size"
)
for c in "${cases[@]}"; do
    read -r mode want reason <<<"$c"
    fresh_root "$F/$mode" "$F/ok"
    run_rc 0 nxp --yes --grant weather install weather
    assert_installed weather 1.2.0
    cmp "$NXP_ROOT/current/plugins/weather/server.js" "$SRC/examples/plugins/weather/files/server.js" \
        || fail "$mode: installed server.js differs"
    err_has "$F/$mode/packages/"           # the warning names the failing URL …
    err_has "$reason"                        # … and why
    pass "$mode: failover to the mirror"

    fresh_root "$F/$mode"
    run_rc "$want" nxp --yes --grant weather install weather
    err_has "$F/$mode/packages/"
    err_has "$reason"
    nothing_of_weather "$mode"
    pass "$mode alone: exit $want naming the URL and the reason"
done
