#!/usr/bin/env bash
# A bind-mounted NextChat config (issue 17 item 2): Docker users mount app/mcp/mcp_config.json
# (and public/masks.json) as single files. Renaming over a mount point fails with EBUSY, so
# nxp writes such a file in place. Each nxp below runs in a private mount namespace (unshare
# -m, as root; skipped otherwise) where NextChat's files are bind mounts of the operator's
# files in $T/host. Writable: install, disable, a mask and remove reach the operator's files,
# foreign entries intact. Read-only, or a full disk: the transaction commits (nxp list shows
# it, consistent), nxp exits 7 naming the file and saying the change took effect, --json has
# after_commit_errors, nextchat status reports drift, the operator's file is untouched (not
# torn); once writable, the next transaction or nxp nextchat set writes it, status in step.
# shellcheck disable=SC2016  # the sh -c scripts expand their own arguments
. "$(dirname "$0")/testlib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: bind mounts in a private mount namespace need root"; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: unshare -m is not available here"; exit 77; }

cp -r "$SRC/tests/nextchat/fixtures/nextchat" "$T/nc"
CFG=$T/nc/app/mcp/mcp_config.json MASKS=$T/nc/public/masks.json
mkdir "$T/host"
HOST_CFG=$T/host/mcp_config.json HOST_MASKS=$T/host/masks.json
cp "$CFG" "$HOST_CFG"
cp "$MASKS" "$HOST_MASKS"
# What lies underneath the mounts: never written (nxp writes through the mounts).
echo underneath >"$CFG"
echo underneath >"$MASKS"

# mounted rw|ro CMD…: CMD where NextChat's two files are bind mounts of the operator's.
mounted() {
    unshare -m -- sh -c '
        mount --bind "$1" "$2" && mount --bind "$3" "$4" || exit 90
        if [ "$5" = ro ]; then
            mount -o remount,bind,ro "$2" && mount -o remount,bind,ro "$4" || exit 90
        fi
        shift 5
        exec "$@"' sh "$HOST_CFG" "$CFG" "$HOST_MASKS" "$MASKS" "$@"
}

# The setup really is the one that breaks an atomic replace: renaming over the mounted file
# fails with EBUSY (what nxp met before it wrote in place), so this test exercises that path.
if mounted rw sh -c 'echo "{}" >"$1.probe" && mv "$1.probe" "$1"' sh "$CFG" 2>"$T/probe"; then
    fail "renaming over the bind-mounted file worked: the test would not exercise writing in place"
fi
grep -q "busy" "$T/probe" || { cat "$T/probe"; fail "renaming over the mount failed, but not with EBUSY"; }
rm -f "$CFG.probe"
mounted rw sh -c 'cat "$1"' sh "$CFG" | cmp -s - "$HOST_CFG" || fail "the bind mount does not show the host file"
pass "renaming over the bind-mounted mcp_config.json fails with EBUSY"

make_repo
run_rc 0 mounted rw "$NXP" init --nextchat "$T/nc"
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
self=$(readlink -f "$NXP")

# The operator's file belongs to NextChat's uid in the container, 0640: kept (the same inode).
chown 4242:4243 "$HOST_CFG"
chmod 0640 "$HOST_CFG"
inode=$(stat -c %i "$HOST_CFG")
run_rc 0 mounted rw "$NXP" --yes --grant weather install weather
[ "$(stat -c '%i %u:%g %a' "$HOST_CFG")" = "$inode 4242:4243 640" ] ||
    fail "the bind source was replaced or lost its owner or mode: $(stat -c '%i %u:%g %a' "$HOST_CFG")"
[ ! -s "$T/err" ] || ! grep -qi "warning\|error" "$T/err" || { cat "$T/err"; fail "install warned"; }
jq -e --arg nxp "$self" --arg root "$NXP_ROOT" \
    '.mcpServers.weather.command == $nxp and .mcpServers.weather.args == ["--root", $root, "exec", "weather"]
     and .mcpServers.weather.status == "active"' "$HOST_CFG" >/dev/null ||
    { cat "$HOST_CFG"; fail "the bind source does not hold the weather entry"; }
jq -e '.mcpServers.filesystem.args[1] == "@modelcontextprotocol/server-filesystem"
       and .mcpServers["remote-search"].headers.Authorization == "Bearer operator-token"
       and .mcpServers["remote-search"].status == "paused"
       and .["x-operator-note"] != null and .enableMcp == true' "$HOST_CFG" >/dev/null ||
    { cat "$HOST_CFG"; fail "the operator's foreign entries were not kept"; }
run_rc 0 mounted rw "$NXP" nextchat status
out_has "In step."
pass "install writes the entry through the bind mount (same inode, owner, mode), foreign entries intact"

run_rc 0 mounted rw "$NXP" --yes disable weather
jq -e '.mcpServers.weather.status == "paused"' "$HOST_CFG" >/dev/null ||
    { cat "$HOST_CFG"; fail "disable did not pause the entry in the bind source"; }
run_rc 0 mounted rw "$NXP" --yes enable weather
jq -e '.mcpServers.weather.status == "active"' "$HOST_CFG" >/dev/null || fail "enable did not reactivate"
pass "disable pauses, enable reactivates, in the bind source"

run_rc 0 mounted rw "$NXP" --yes install translator-mask
jq -e '(.en | map(.name)) == ["GitHub Copilot", "Translator"] and .en[1].nxpPlugin == "translator-mask"' \
    "$HOST_MASKS" >/dev/null || { cat "$HOST_MASKS"; fail "the mask did not reach the bind-mounted masks.json"; }
run_rc 0 mounted rw "$NXP" --yes remove translator-mask
jq -e '(.en | map(.name)) == ["GitHub Copilot"]' "$HOST_MASKS" >/dev/null || fail "the removed mask stayed listed"
pass "masks.json bind-mounted too: a mask added and removed"

run_rc 0 mounted rw "$NXP" --yes remove weather
jq -e '(.mcpServers | has("weather") | not) and (.mcpServers | has("filesystem"))
       and (.mcpServers | has("remote-search"))' "$HOST_CFG" >/dev/null ||
    { cat "$HOST_CFG"; fail "remove did not drop only nxp's entry"; }
if [ "$(cat "$CFG")" != underneath ] || [ "$(cat "$MASKS")" != underneath ]; then
    fail "a file underneath a mount was written"
fi
leftover=$(find "$T/nc/app/mcp" "$T/nc/public" "$T/host" -name '*.nxp-*')
[ -z "$leftover" ] || fail "temporary files left: $leftover"
pass "remove drops the entry; nothing underneath the mounts written, no temporary file left"

# Read-only bind mounts: the change commits and stays consistent; nxp says NextChat was not
# updated and exits 7.
cp "$HOST_CFG" "$T/cfg-before"
run_rc 7 mounted ro "$NXP" --yes --grant weather install weather
err_has "app/mcp/mcp_config.json"
err_has "bind-mounted"
err_has "Read-only file system"
err_has "the change itself took effect"
err_has "nxp nextchat set DIR"
cmp -s "$HOST_CFG" "$T/cfg-before" || fail "the read-only file changed"
assert_installed weather 1.2.0
run_rc 1 mounted ro "$NXP" nextchat status
out_has "drift: weather"
run_rc 1 mounted ro "$NXP" nextchat set "$T/nc"
err_has "app/mcp/mcp_config.json: is bind-mounted"
cmp -s "$HOST_CFG" "$T/cfg-before" || fail "the read-only file changed"
run_rc 7 mounted ro "$NXP" --json --yes config weather units imperial
jq -e '.after_commit_errors | length == 1 and (.[0].context | endswith("app/mcp/mcp_config.json"))
       and (.[0].message | contains("bind-mounted") and contains("took effect"))' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "--json lacks after_commit_errors naming the file"; }
nxp list --json | jq -e '.packages[] | select(.name == "weather")' >/dev/null || fail "weather not listed"
pass "read-only: install exits 7, names the file, the change committed, drift reported, --json says so; nextchat set fails naming it"

# Writable again: the next transaction, whatever it changes, writes the file.
run_rc 0 mounted rw "$NXP" --yes config weather timeout 45
err_has "Updated NextChat's app/mcp/mcp_config.json"
jq -e '.mcpServers.weather.status == "active"
       and (.mcpServers | has("filesystem"))' "$HOST_CFG" >/dev/null ||
    { cat "$HOST_CFG"; fail "the next transaction did not write the entry once writable"; }
run_rc 0 mounted rw "$NXP" nextchat status
out_has "In step."
pass "writable again: the next transaction writes it, status in step"

# A full disk: the operator's file sits on a small tmpfs that is full, and the new entry needs
# more space than the file has. nxp exits 7 naming the file and ENOSPC; the file keeps its old
# content exactly (not torn: nothing is written when the space cannot be reserved).
run_rc 0 mounted rw "$NXP" --yes remove weather
# 4090 bytes: one page of the tmpfs, which the weather entry would have to grow past.
jq '.["x-operator-note"] = "z"' "$HOST_CFG" >"$T/x"
jq --argjson n $((4090 - $(stat -c %s "$T/x"))) '.["x-operator-note"] = ("z" * (1 + $n))' "$T/x" >"$HOST_CFG"
[ "$(stat -c %s "$HOST_CFG")" = 4090 ] || fail "could not make a 4090-byte mcp_config.json"
run_rc 0 mounted rw "$NXP" nextchat status
mkdir "$T/full"
rc=0
unshare -m -- sh -c '
    mount -t tmpfs -o size=64k tmpfs "$1" && cp "$2" "$1/mcp_config.json" || exit 90
    dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null
    mount --bind "$1/mcp_config.json" "$3" && mount --bind "$6" "$7" || exit 90
    "$4" --yes --grant weather install weather
    rc=$?
    cp "$1/mcp_config.json" "$5"
    exit $rc' sh "$T/full" "$HOST_CFG" "$CFG" "$NXP" "$T/cfg-full" "$HOST_MASKS" "$MASKS" \
    >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 7 ] || { cat "$T/out" "$T/err"; fail "install on a full disk: exit $rc, want 7"; }
err_has "app/mcp/mcp_config.json"
err_has "No space left on device"
err_has "the change itself took effect"
cmp -s "$T/cfg-full" "$HOST_CFG" || fail "the file on the full disk was changed (torn?)"
assert_installed weather 1.2.0
run_rc 1 mounted rw "$NXP" nextchat status
out_has "drift: weather"
run_rc 0 mounted rw "$NXP" nextchat set "$T/nc"
out_has "updated app/mcp/mcp_config.json"
jq -e '.mcpServers.weather.status == "active"' "$HOST_CFG" >/dev/null || fail "set did not repair it"
run_rc 0 mounted rw "$NXP" nextchat status
out_has "In step."
pass "full disk: exit 7 naming the file and ENOSPC, the old content kept whole; set repairs it"
