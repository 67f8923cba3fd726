#!/usr/bin/env bash
# Issue 13 items 7 and 8: nothing in ROOT/cache decides what is installed unless it agrees
# with the verified index, no cache file makes nxp write outside ROOT, and revocations the
# root accepted are not undone by a bundle or a rollback. Every hostile variant is refused
# with exit 4 (verification) or repaired from the signed source, never a crash or a hang,
# and the files outside ROOT stay as they were.
. "$(dirname "$0")/testlib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed"; exit 77; }

plugin a 1.0.0
plugin b 1.0.0
make_repo "$T/src/a-1.0.0" "$T/src/b-1.0.0"
cp -a "$T/repo" "$T/repo-v1"  # the publisher's state before any later build
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
sha_a=$(sha_of "$T/pkgs/a-1.0.0.nxp")

# The attacker's package: a 1.0.0 with other bytes, and c, in no index the root trusts.
mkdir -p "$T/evil"
cp -a "$T/src/a-1.0.0" "$T/evil/a"
echo EVIL >"$T/evil/a/files/README"
plugin c 1.0.0
nxp pack "$T/evil/a" -o "$T/evil/" >/dev/null
nxp pack "$T/src/c-1.0.0" -o "$T/evil/" >/dev/null
evil_sha=$(sha_of "$T/evil/a-1.0.0.nxp")
c_sha=$(sha_of "$T/evil/c-1.0.0.nxp")
# An index of the same id listing them, signed with the attacker's own key, and the caches
# a root made from it.
nxp key generate -o "$T/evilkey" >/dev/null
nxp repo build "$T/repo-evil" "$T/evil/a-1.0.0.nxp" "$T/evil/c-1.0.0.nxp" "$T/pkgs/b-1.0.0.nxp" \
    --key "$T/evilkey.key" --id demo >/dev/null
nxp --root "$T/evil-root" init --nextchat-version 2.16.0 --set resolve.narrow_min=0 >/dev/null
nxp --root "$T/evil-root" repo add demo "file://$T/repo-evil" --key "$T/evilkey.pub" >/dev/null
nxp --root "$T/evil-root" --dry-run install a >/dev/null
EVIL_CACHE=$T/evil-root/cache/repos/demo
[ -s "$EVIL_CACHE/repo.solv" ] && [ -s "$EVIL_CACHE/graph.db" ] || fail "setup: no evil caches"

# Everything outside ROOT that an attack could aim at.
mkdir -p "$T/outside/dir"
echo precious >"$T/outside/victim"
outside_state() { (cd "$T/outside" && find . -printf '%p %y %n %s\n' | sort && cat victim); }
OUTSIDE=$(outside_state)
outside_unchanged() { [ "$OUTSIDE" = "$(outside_state)" ] || fail "$1: a file outside ROOT changed"; }

CACHE=$NXP_ROOT/cache/repos/demo
PKGS=$NXP_ROOT/cache/packages
fresh() {  # [narrow_min]: a root with the repository and caches written by a dry run
    rm -rf "$NXP_ROOT"
    nxp init --nextchat-version 2.16.0 --set "resolve.narrow_min=${1:-10000}" >/dev/null
    nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
    nxp --dry-run install b >/dev/null
    [ -s "$CACHE/repo.solv" ] || fail "setup: no .solv cache"
    mkdir -p "$PKGS"
    # The attacker's archives sit in the package cache: no download is needed to use them.
    cp "$T/evil/a-1.0.0.nxp" "$PKGS/$evil_sha.nxp"
    cp "$T/evil/c-1.0.0.nxp" "$PKGS/$c_sha.nxp"
}
key_of() { head -n 1 "$1" | cut -d' ' -f3; }
# restamp FILE KEY: gives a .solv cache the stamp of another index (a public sha256).
restamp() {
    python3 - "$1" "$2" <<'PY'
import sys
path, key = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
nl = data.index(b"\n")
f = data[:nl].split(b" ")
f[2] = key.encode()
open(path, "wb").write(b" ".join(f) + data[nl:])
PY
}
graph_sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$@"; }
no_evil_installed() {
    if [ -d "$NXP_ROOT/store" ] && grep -rq EVIL "$NXP_ROOT/store"; then fail "$1: the attacker's bytes were installed"; fi
    assert_not_installed c
}
genuine_a() {
    assert_installed a 1.0.0
    [ "$(cat "$NXP_ROOT/current/plugins/a/README")" = "a 1.0.0" ] || fail "$1: a is not the signed package"
}

# --- item 7: caches bound to the verified index -------------------------------------------
# Each variant plans from a changed cache; the plan is compared with the signed index before
# anything is fetched or extracted: exit 4, the caches removed, and the next run installs
# the signed package.
attack_cache() {  # NAME INSTALL-TARGET EXPECTED-MESSAGE
    run_rc 4 nxp --yes install "$2"
    err_has "$3"
    err_has "cache/repos/demo"
    no_evil_installed "$1"
    [ ! -e "$CACHE/repo.solv" ] && [ ! -e "$CACHE/graph.db" ] || fail "$1: the changed caches were kept"
    nxp verify >/dev/null || fail "$1: verify fails"
    if [ "$2" = a ]; then
        run_rc 0 nxp --yes install a
        genuine_a "$1"
    else
        run_rc 3 nxp --yes install "$2"
    fi
    outside_unchanged "$1"
    pass "cache attack: $1"
}

fresh
key=$(key_of "$CACHE/repo.solv")
cp "$EVIL_CACHE/repo.solv" "$CACHE/repo.solv"
restamp "$CACHE/repo.solv" "$key"
attack_cache ".solv of another index, restamped (changed entry)" a "differs from the signed index"

fresh
key=$(key_of "$CACHE/repo.solv")
cp "$EVIL_CACHE/repo.solv" "$CACHE/repo.solv"
restamp "$CACHE/repo.solv" "$key"
attack_cache ".solv of another index, restamped (package in no signed index)" c "is not in the signed index"

fresh 0
key=$(key_of "$CACHE/repo.solv")
cp "$EVIL_CACHE/graph.db" "$CACHE/graph.db"
graph_sql "$CACHE/graph.db" "UPDATE meta SET key = '$key'"
attack_cache "graph.db of another index, restamped" c "is not in the signed index"

fresh 0
evil_size=$(stat -c %s "$T/evil/a-1.0.0.nxp")
graph_sql "$CACHE/graph.db" "UPDATE pkg SET entry = replace(replace(entry, '$sha_a', '$evil_sha'), '\"size\":$(stat -c %s "$T/pkgs/a-1.0.0.nxp")', '\"size\":$evil_size')"
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); assert any(sys.argv[2] in r[0] for r in c.execute("SELECT entry FROM pkg"))' \
    "$CACHE/graph.db" "$evil_sha" || fail "setup: the graph row was not edited"
attack_cache "graph.db row edited (sha256 and size)" a "differs from the signed index"

# A revocation the root accepted, undone by putting back the cache of the older index.
fresh
cp "$CACHE/repo.solv" "$T/old.solv"
cp -a "$T/repo" "$T/repo.before-revoke"
nxp repo build "$T/repo" --key "$T/key.key" --revoke a@1.0.0 >/dev/null
run_rc 0 nxp refresh
key=$(key_of "$CACHE/repo.solv")
cp "$T/old.solv" "$CACHE/repo.solv"
restamp "$CACHE/repo.solv" "$key"
run_rc 4 nxp --yes install a
err_has "is revoked by the signed index of demo"
assert_not_installed a
outside_unchanged "revoked via old cache"
pass "cache attack: .solv of the index before a revocation, restamped"
rm -rf "$T/repo" && mv "$T/repo.before-revoke" "$T/repo"

# Random damage to the .solv: whatever it does, nothing crashes, and only the signed
# package is ever installed.
fresh
cp "$CACHE/repo.solv" "$T/good.solv"
size=$(stat -c %s "$T/good.solv")
for frac in 5 20 35 50 65 80 95; do
    off=$((size * frac / 100))
    python3 - "$T/good.solv" "$CACHE/repo.solv" "$off" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
off = int(sys.argv[3])
data[off] ^= 0x5a
open(sys.argv[2], "wb").write(bytes(data))
PY
    rc=0
    timeout 60 "$NXP" --yes install a >"$T/out" 2>"$T/err" || rc=$?
    case $rc in
        0) genuine_a "byte $off of the .solv flipped"; nxp --yes remove a >/dev/null ;;
        1 | 3 | 4) no_evil_installed "byte $off" ;;
        *) cat "$T/err"; fail "byte $off of the .solv flipped: exit $rc" ;;
    esac
    cp "$T/good.solv" "$CACHE/repo.solv" 2>/dev/null || true
done
outside_unchanged "damaged .solv"
pass "cache attack: damaged .solv bytes (7 offsets)"

# --- item 7: package cache files never followed --------------------------------------------
part_attack() {  # NAME SETUP-COMMAND
    fresh
    rm -f "$PKGS/$sha_a.nxp"
    eval "$2"
    run_rc 0 timeout 60 "$NXP" --yes install a
    genuine_a "$1"
    [ -f "$PKGS/$sha_a.nxp" ] && [ ! -L "$PKGS/$sha_a.nxp" ] || fail "$1: no regular cached package"
    [ ! -e "$PKGS/$sha_a.nxp.part" ] && [ ! -L "$PKGS/$sha_a.nxp.part" ] || fail "$1: .part left behind"
    outside_unchanged "$1"
    pass "package cache: $1"
}
part_attack ".part symlink to a file outside ROOT" "ln -s '$T/outside/victim' '$PKGS/$sha_a.nxp.part'"
part_attack ".part dangling symlink outside ROOT" "ln -s '$T/outside/dir/new' '$PKGS/$sha_a.nxp.part'"
part_attack ".part symlink to a directory outside ROOT" "ln -s '$T/outside/dir' '$PKGS/$sha_a.nxp.part'"
part_attack ".part hard link to a file outside ROOT" "ln '$T/outside/victim' '$PKGS/$sha_a.nxp.part'"
part_attack ".part FIFO" "mkfifo '$PKGS/$sha_a.nxp.part'"
part_attack "cached package is a symlink outside ROOT" "ln -s '$T/outside/victim' '$PKGS/$sha_a.nxp'"
part_attack "cached package truncated" "head -c 100 '$T/pkgs/a-1.0.0.nxp' >'$PKGS/$sha_a.nxp'"
part_attack "cached package with one byte changed" \
    "python3 -c 'import sys; d=bytearray(open(sys.argv[1],\"rb\").read()); d[300]^=1; open(sys.argv[2],\"wb\").write(d)' '$T/pkgs/a-1.0.0.nxp' '$PKGS/$sha_a.nxp'"
part_attack "cached package writable by others" "cp '$T/pkgs/a-1.0.0.nxp' '$PKGS/$sha_a.nxp'; chmod 666 '$PKGS/$sha_a.nxp'"

# Offline, a bad cached package is refused, not used.
fresh
head -c 100 "$T/pkgs/a-1.0.0.nxp" >"$PKGS/$sha_a.nxp"
run_rc 5 nxp --offline --yes install a
assert_not_installed a
pass "package cache: truncated package refused offline"

# The package cache directory itself pointing outside ROOT.
fresh
rm -rf "$PKGS"
ln -s "$T/outside/dir" "$PKGS"
run_rc 4 nxp --yes install a
err_has "cache/packages"
err_has "symlink"
assert_not_installed a
outside_unchanged "cache/packages symlink"
pass "package cache: cache/packages is a symlink outside ROOT"

# The repository caches pointing outside ROOT: refresh writes the index nowhere else.
for link in "cache/repos" "cache/repos/demo"; do
    fresh
    rm -rf "${NXP_ROOT:?}/$link"
    ln -s "$T/outside/dir" "$NXP_ROOT/$link"
    run_rc 4 nxp refresh
    err_has "$link"
    err_has "symlink"
    outside_unchanged "$link symlink"
    pass "repository cache: $link is a symlink outside ROOT"
done

# --- item 8: bundles cannot undo what the root accepted ---------------------------------------
nxp key generate -o "$T/ci" >/dev/null
# bundle_from NAME REPO-DIR: installs a from REPO-DIR in a scratch root and bundles it.
bundle_from() {
    local r=$T/bundle-root-$1
    rm -rf "$r"
    nxp --root "$r" init --nextchat-version 2.16.0 >/dev/null
    nxp --root "$r" repo add demo "file://$2" --key "$T/key.pub" >/dev/null
    nxp --root "$r" --yes install "${3:-a}" >/dev/null
    nxp --root "$r" bundle -o "$T/$1.bundle" --key "$T/ci.key" >/dev/null
}
bundle_from old "$T/repo-v1"                         # index version 1, a not revoked
cp -a "$T/repo-v1" "$T/repo-same"
nxp repo build "$T/repo-same" "$T/evil/c-1.0.0.nxp" --key "$T/key.key" >/dev/null   # v2, other bytes
bundle_from same "$T/repo-same"
cp -a "$T/repo-v1" "$T/repo-newer"
nxp repo build "$T/repo-newer" --key "$T/key.key" >/dev/null
nxp repo build "$T/repo-newer" --key "$T/key.key" >/dev/null                         # v3, no revocation
bundle_from newer "$T/repo-newer"
bundle_from newer-b "$T/repo-newer" b

# The target accepted version 2, which revokes a 1.0.0.
rm -rf "$T/repo" && cp -a "$T/repo-v1" "$T/repo"
nxp repo build "$T/repo" --key "$T/key.key" --revoke a@1.0.0 >/dev/null
rm -rf "$NXP_ROOT"
nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
run_rc 0 nxp refresh
bundle_attack() {  # NAME BUNDLE MESSAGE
    run_rc 4 nxp --yes apply --bundle "$T/$2.bundle" --key "$T/ci.pub"
    err_has "$3"
    assert_not_installed a
    outside_unchanged "$1"
    pass "bundle: $1"
}
bundle_attack "index older than the accepted one" old "older than version 2"
bundle_attack "same index version, other bytes" same "differs from the version 2"
bundle_attack "newer index, package the accepted index revokes" newer "is revoked by repository demo"
run_rc 0 nxp --yes apply --bundle "$T/newer-b.bundle" --key "$T/ci.pub"
assert_installed b 1.0.0
pass "bundle: a newer index with no revoked package applies"

# --- item 8: rollback onto revoked packages ---------------------------------------------------
rm -rf "$T/repo" && cp -a "$T/repo-v1" "$T/repo"
rm -rf "$NXP_ROOT"
nxp init --nextchat-version 2.16.0 >/dev/null
nxp repo add demo "file://$T/repo" --key "$T/key.pub" >/dev/null
run_rc 0 nxp --yes install a b                       # generation 1: a 1.0.0
plugin a 1.1.0
nxp pack "$T/src/a-1.1.0" -o "$T/pkgs/" >/dev/null
nxp repo build "$T/repo" "$T/pkgs/a-1.1.0.nxp" --key "$T/key.key" >/dev/null
run_rc 0 nxp refresh
run_rc 0 nxp --yes update a                          # generation 2: a 1.1.0
update_txn=$(nxp history --json | jq '[.transactions[] | select(.kind == "update")][0].id')
nxp repo build "$T/repo" --key "$T/key.key" --revoke a@1.0.0 >/dev/null
run_rc 0 nxp refresh
gen=$(readlink "$NXP_ROOT/current")
for cmd in "rollback" "rollback --to 1" "--dry-run rollback"; do
    # shellcheck disable=SC2086
    run_rc 4 nxp --yes $cmd
    err_has "a 1.0.0 (sha256 $sha_a) is revoked by repository demo; pass --force"
    [ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "$cmd switched generations"
    assert_installed a 1.1.0
done
rc=0
nxp --yes history undo "$update_txn" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "history undo brought back the revoked a 1.0.0"
assert_installed a 1.1.0
run_rc 0 nxp --yes rollback --force
err_has "revoked"
assert_installed a 1.0.0
assert_installed b 1.0.0
outside_unchanged "rollback"
pass "rollback onto a revoked package: refused (rollback, --to, --dry-run, history undo), allowed with --force"
