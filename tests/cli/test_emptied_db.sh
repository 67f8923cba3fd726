#!/usr/bin/env bash
# Issue 13 item 10: a root whose nxp.db is missing, empty, schema-less, damaged or replaced
# is an error naming the fix, for every command, and nothing is created in it; only
# `nxp init` creates a database, and not over generations it would orphan.
. "$(dirname "$0")/testlib.sh"
make_repo
make_root
nxp --yes install translator-mask >/dev/null
nxp --yes install writing-prompts >/dev/null
gen=$(readlink "$NXP_ROOT/current"); gen=${gen#generations/}
mkdir -p "$T/backup"
cp -a "$NXP_ROOT"/nxp.db* "$T/backup/"
sqlite3 "$T/backup/nxp.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null

restore() {
    rm -rf "$NXP_ROOT"/nxp.db "$NXP_ROOT"/nxp.db-wal "$NXP_ROOT"/nxp.db-shm
    cp -a "$T/backup"/nxp.db* "$NXP_ROOT/"
}
# Everything under ROOT with type, size and link target: nothing may appear or change.
snapshot() { (cd "$NXP_ROOT" && find . -printf '%p %y %s %l\n' | sort); }

damage() {
    rm -rf "$NXP_ROOT"/nxp.db "$NXP_ROOT"/nxp.db-wal "$NXP_ROOT"/nxp.db-shm
    case $1 in
        deleted) ;;
        deleted-keep-wal) printf 'wal' >"$NXP_ROOT/nxp.db-wal"; : >"$NXP_ROOT/nxp.db-shm" ;;
        zero-bytes) : >"$NXP_ROOT/nxp.db" ;;
        no-tables) sqlite3 "$NXP_ROOT/nxp.db" "CREATE TABLE t(x); DROP TABLE t;" ;;
        foreign) sqlite3 "$NXP_ROOT/nxp.db" "CREATE TABLE notes(x); PRAGMA user_version = 3;" ;;
        zeros) head -c 8192 /dev/zero >"$NXP_ROOT/nxp.db" ;;
        text) printf 'not a database at all\n%.0s' $(seq 1 200) >"$NXP_ROOT/nxp.db" ;;
        header) cp "$T/backup/nxp.db" "$NXP_ROOT/nxp.db"
                printf 'SQLite format 9\0' | dd of="$NXP_ROOT/nxp.db" conv=notrunc status=none ;;
        directory) mkdir "$NXP_ROOT/nxp.db" ;;
        symlink) cp "$T/backup/nxp.db" "$T/elsewhere.db"; ln -s "$T/elsewhere.db" "$NXP_ROOT/nxp.db" ;;
        dangling) ln -s "$T/nowhere.db" "$NXP_ROOT/nxp.db" ;;
        fifo) mkfifo "$NXP_ROOT/nxp.db" ;;
    esac
}

for how in deleted deleted-keep-wal zero-bytes no-tables foreign zeros text header directory \
    symlink dangling fifo; do
    damage "$how"
    before=$(snapshot)
    [ -e "$T/elsewhere.db" ] && sum=$(sha256sum <"$T/elsewhere.db")
    for cmd in "list" "--json list" "install writing-prompts" "remove translator-mask" "history" \
        "doctor" "config translator-mask" "files translator-mask" "rollback" "gc" "verify" \
        "repo add other file:///nowhere --key $T/key.pub" "refresh" "init"; do
        rc=0
        timeout 20 "$NXP" --yes $cmd >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" -ne 0 ] || { cat "$T/out" "$T/err"; fail "$how: 'nxp $cmd' succeeded"; }
        [ "$rc" -ne 124 ] || fail "$how: 'nxp $cmd' hung"
        [ "$rc" -lt 128 ] || fail "$how: 'nxp $cmd' died of a signal ($rc)"
        grep -q "No plugins installed" "$T/out" && fail "$how: 'nxp $cmd' shows an empty root"
        err_has "$NXP_ROOT/nxp.db"
        err_has "generation $gen (2 plugin(s))"
        err_has "from a backup"
        if [ "$cmd" = "--json list" ]; then
            jq -e '.ok == false and (.error.message | test("backup"))' "$T/out" >/dev/null \
                || fail "$how: --json lacks the error"
        fi
        [ "$(snapshot)" = "$before" ] || { diff <(echo "$before") <(snapshot) || true
            fail "$how: 'nxp $cmd' changed the root"; }
    done
    [ -e "$T/elsewhere.db" ] && { [ "$(sha256sum <"$T/elsewhere.db")" = "$sum" ] \
        || fail "$how: the symlink's target was written"; rm -f "$T/elsewhere.db"; }
    case $how in
        deleted*) err_has "missing" ;;
        zero-bytes) err_has "empty (0 bytes)" ;;
        no-tables | foreign) err_has "no nxp schema" ;;
        zeros | text | header) err_has "not an nxp install database" ;;
        directory) err_has "is a directory" ;;
        symlink | dangling) err_has "symbolic link" ;;
        fifo) err_has "not a regular file" ;;
    esac
    pass "$how nxp.db: every command refuses, names the fix, changes nothing"
    restore
done

run_rc 0 nxp list
out_has translator-mask
pass "restoring nxp.db from the backup brings the root back"

# A directory that is no root at all: not an nxp root, and nothing is created in it.
mkdir "$T/empty"
run_rc 1 nxp --root "$T/empty" list
err_has "not an nxp root"
[ -z "$(ls -A "$T/empty")" ] || fail "a command created files in a directory that is no root"
run_rc 1 nxp --root "$T/absent" --yes install writing-prompts
[ ! -e "$T/absent" ] || fail "a command created a root"
pass "no root: an error, nothing created"

# A root with nothing installed whose database went missing: an error too, and `nxp init`
# may create a new database (nothing is orphaned), which is what the message says.
export NXP_ROOT=$T/fresh
nxp init >/dev/null
rm "$NXP_ROOT/nxp.db"*
run_rc 1 nxp list
err_has "nothing is installed"
err_has "nxp init --root"
run_rc 0 nxp init
run_rc 0 nxp list
out_has "No plugins installed"
pass "an empty root's lost database: init makes a new one"
