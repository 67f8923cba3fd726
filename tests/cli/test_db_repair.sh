#!/usr/bin/env bash
# A damaged install database (issue 18 item 11): nxp doctor names the damage without needing
# a healthy database, and nxp doctor --repair rebuilds it — the damaged file kept aside, what
# still reads copied, the generations on disk recorded again — after which list, files and
# rollback work. Variants: garbage pages in the middle, a file cut short, a zeroed header,
# nxp.db deleted with its WAL left.
. "$(dirname "$0")/testlib.sh"
. "$(dirname "$0")/applylib.sh"

make_repo "$SRC/examples/plugins/translator-mask/" "$SRC/examples/plugins/writing-prompts/"
make_root
run_rc 0 nxp --yes install translator-mask
run_rc 0 nxp --yes install writing-prompts
run_rc 0 nxp --yes hold writing-prompts
# Enough rows that the file has pages in the middle to damage.
for i in $(seq 1 40); do nxp --yes hold translator-mask >/dev/null; nxp --yes unhold translator-mask >/dev/null; done
gen=$(readlink "$NXP_ROOT/current"); gen=${gen#generations/}
# The WAL folded into nxp.db, so that damaging the file damages the data.
sqlite3 "$NXP_ROOT/nxp.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
cp -a "$NXP_ROOT" "$T/saved"
pages=$(( $(stat -c %s "$NXP_ROOT/nxp.db") / 4096 ))
[ "$pages" -ge 8 ] || fail "setup: nxp.db has only $pages pages"

damage() {
    rm -rf "$NXP_ROOT"; cp -a "$T/saved" "$NXP_ROOT"
    local db=$NXP_ROOT/nxp.db
    case $1 in
        garbage) head -c $((4096 * 3)) /dev/urandom | dd of="$db" bs=4096 seek=$((pages / 2)) conv=notrunc status=none ;;
        truncated) truncate -s $((4096 * (pages / 2))) "$db" ;;
        zeroed-header) head -c 100 /dev/zero | dd of="$db" conv=notrunc status=none ;;
        wal-only) cp "$db" "$T/full.db"; rm -f "$db"
                  printf 'stale' >"$NXP_ROOT/nxp.db-wal" ;;
    esac
}

for how in garbage truncated zeroed-header wal-only; do
    damage "$how"
    # doctor needs no healthy database and names the damage.
    run_rc 1 nxp doctor
    out_has "error \[database\] nxp.db"
    out_has "fix: nxp doctor --repair"
    case $how in
        garbage) out_has "in database main" ;;  # PRAGMA quick_check's report
        truncated) grep -Eq "malformed|quick_check|Page|corrupt|not a database" "$T/out" "$T/err" \
                       || { cat "$T/out" "$T/err"; fail "$how: the damage is not named"; } ;;
        zeroed-header) grep -q "not a database" "$T/out" || { cat "$T/out"; fail "$how: not named"; } ;;
        wal-only) out_has "missing"; out_has "nxp.db-wal is left" ;;
    esac
    run_rc 1 nxp --json doctor
    jq -e '.ok == false and ([.findings[] | select(.check == "database")] | length) >= 1' "$T/out" >/dev/null \
        || { cat "$T/out"; fail "$how: doctor --json"; }

    # Nothing is rebuilt without --yes (no terminal) or with --dry-run.
    before=$(ls "$NXP_ROOT")
    run_rc 1 nxp doctor --repair
    err_has "run again with --yes"
    run_rc 0 nxp --dry-run doctor --repair
    out_has "Would rebuild nxp.db"
    [ "$(ls "$NXP_ROOT")" = "$before" ] || fail "$how: the root changed without --yes"
    run_rc 0 nxp --yes doctor --repair
    case $how in
        wal-only) out_has "Rebuilt nxp.db" ;;
        *) out_has "Rebuilt nxp.db. The damaged file is kept as $NXP_ROOT/nxp.db.damaged-"
           ls "$NXP_ROOT"/nxp.db.damaged-* >/dev/null || fail "$how: the damaged file was not kept" ;;
    esac
    out_has "Installed now: 2 plugin(s)"
    out_has "translator-mask"
    out_has "writing-prompts"
    # What works afterwards.
    assert_installed translator-mask "[0-9.]*"
    assert_installed writing-prompts "[0-9.]*"
    [ "$(readlink "$NXP_ROOT/current")" = "generations/$gen" ] || fail "$how: current moved"
    run_rc 0 nxp files translator-mask
    run_rc 0 nxp verify
    run_rc 0 nxp --json doctor || true
    jq -e '[.findings[] | select(.check == "database" or .check == "generation" or .check == "store")] | length == 0' \
        "$T/out" >/dev/null || { cat "$T/out"; fail "$how: doctor after the repair"; }
    run_rc 0 nxp --yes --dry-run rollback
    # A second repair finds nothing to rebuild.
    run_rc 0 nxp --yes doctor --repair
    out_has "passes SQLite's integrity check"
    run_rc 0 nxp history --audit
    out_has "doctor-repair"
    pass "$how: doctor names it; --repair rebuilds it; list, files, verify, rollback work"
done

# The lost parts are said: with the whole file gone, repositories, history and grants are.
damage wal-only
run_rc 0 nxp --yes --json doctor --repair
jq -e '.rebuilt == true and (.lost | map(select(test("repositories"))) | length) == 1
        and (.lost | map(select(startswith("history"))) | length) == 1
        and (.plugins | length) == 2 and .missing == []' "$T/out" >/dev/null \
    || { cat "$T/out"; fail "--repair --json does not say repositories and history were lost"; }
json_documented "doctor --repair"
pass "what was lost is said"

# A healthy root: --repair changes nothing, and a root without an nxp.db is not guessed at.
rm -rf "$NXP_ROOT"; cp -a "$T/saved" "$NXP_ROOT"
run_rc 0 nxp --yes doctor --repair
out_has "passes SQLite's integrity check; it was kept"
ls "$NXP_ROOT"/nxp.db.damaged-* >/dev/null 2>&1 && fail "a healthy database was moved aside"
run_rc 1 nxp --root "$T/nothing" doctor --repair
pass "a healthy database is kept"

# Damage confined to a table exec does not read (the file lists of the store): exec of an
# installed plugin still gets as far as its manifest (translator-mask is a mask: "not an MCP
# server"), while what needs the damaged table says the database is damaged and what to do.
rm -rf "$NXP_ROOT"; cp -a "$T/saved" "$NXP_ROOT"
page=$(sqlite3 "$NXP_ROOT/nxp.db" "SELECT rootpage FROM sqlite_master WHERE name = 'files'")
head -c 4096 /dev/urandom | dd of="$NXP_ROOT/nxp.db" bs=4096 seek=$((page - 1)) conv=notrunc status=none
run_rc 1 nxp exec translator-mask
err_has "not an MCP server"
run_rc 1 nxp verify
err_has "nxp doctor --repair"
run_rc 1 nxp doctor
out_has "error \[database\] nxp.db"
run_rc 0 nxp --yes doctor --repair
run_rc 0 nxp verify
[ "$(sqlite3 "$NXP_ROOT/nxp.db" "SELECT count(*) FROM files")" -gt 0 ] || fail "the file lists were not recorded again"
store=$(readlink -f "$NXP_ROOT/current/plugins/translator-mask")
f=$(find "$store" -type f | head -1)
chmod u+w "$f" 2>/dev/null || true; echo tampered >>"$f"
run_rc 1 nxp verify
run_rc 1 nxp exec translator-mask
err_has "not an MCP server"
pass "exec works while the damage is elsewhere; verify names the fix; the repair restores verify"

# Damage that stops the database from opening at all (its bookkeeping table): nxp exec still
# starts an installed plugin from the rows that read, with a warning naming the repair.
rm -rf "$NXP_ROOT"; cp -a "$T/saved" "$NXP_ROOT"
page=$(sqlite3 "$NXP_ROOT/nxp.db" "SELECT rootpage FROM sqlite_master WHERE name = 'meta'")
head -c 4096 /dev/urandom | dd of="$NXP_ROOT/nxp.db" bs=4096 seek=$((page - 1)) conv=notrunc status=none
run_rc 1 nxp list
err_has "nxp doctor --repair"
before=$(cd "$NXP_ROOT" && find . -printf '%p %s\n' | sort)
run_rc 1 nxp exec translator-mask
err_has "nxp.db is damaged"
err_has "Run 'nxp doctor --repair'"
err_has "not an MCP server"
run_rc 1 nxp exec no-such-plugin
err_has "not installed"
[ "$(cd "$NXP_ROOT" && find . -printf '%p %s\n' | sort)" = "$before" ] || fail "exec wrote to a damaged root"
run_rc 0 nxp --yes doctor --repair
run_rc 0 nxp list
out_has "translator-mask"
pass "exec starts from what a database that cannot be opened still holds; nothing written"
