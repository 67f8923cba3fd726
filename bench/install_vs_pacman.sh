#!/usr/bin/env bash
# Hand-run benchmark (issue 3, "Speed"): nxp installing N synthetic plugins from a local
# signed repository into a fresh root, against pacman installing the same package graph
# (/work/shared/peers/pacman.sh) in the same run. Also times `nxp list`, `nxp rollback`
# on the N-plugin root, and removing everything.
#
#   bash bench/install_vs_pacman.sh                # N=1000 packages x 10 files, REPS=3
#   N=200 REPS=1 bash bench/install_vs_pacman.sh   # a quick look
#   SKIP_PACMAN=1 ...                               # nxp only (no ratios)
#   BENCH_DIR=/tmp/x ... NXP=/path/to/nxp ...       # work directory / another binary
#   FRESH_FS=0 ...                                  # no fresh loop-mounted ext4 (see below)
#
# Targets (bench/README.md): install <= 0.5x pacman's wall time, with nxp's durability on
# (syncfs before the switch, SQLite synchronous=FULL; pacman does not fsync); rollback < 50 ms.
. "$(dirname "$0")/lib.sh"
N=${N:-1000}
FILES=${FILES:-10}
REPS=${REPS:-3}
W=${BENCH_DIR:-/tmp/nxp-bench-install}
PEER=${PEER:-/work/shared/peers/pacman.sh}

need_tools python3:python3 zstd:zstd jq:jq meson:meson ninja:ninja-build
[ -x /usr/bin/time ] || need_tools time:time
[ "${SKIP_PACMAN:-0}" = 1 ] || need_tools pacman:pacman-package-manager bsdtar:libarchive-tools
build_nxp

rm -rf "$W"
mkdir -p "$W"
: >"$W/times.tsv"
# Where the packages and roots live. FRESH_FS=1 (the default as root) gives nxp and pacman
# each a freshly made ext4 filesystem (journal on, mkfs defaults) on a loop device: this
# VM's root filesystem has no journal, and there ext4 skips recently deleted inodes when
# allocating new ones (fs/ext4/ialloc.c, recently_deleted), so after the benchmark's own
# rm -rf between reps every file creation scanned thousands of inodes — install times for
# *both* tools grew 1.4 s -> 10 s over three reps (perf: 30% in recently_deleted and
# find_inode_bit). A fresh filesystem per tool makes the reps comparable.
D=$W
FS_MOUNTS=()
fresh_fs() { # $1 = mount point
    local img="$1.img"
    truncate -s "${FS_SIZE:-6G}" "$img"
    mkfs.ext4 -q -F "$img"
    mkdir -p "$1"
    mount -o loop "$img" "$1"
    FS_MOUNTS=("$1" "${FS_MOUNTS[@]}")
}
cleanup_fs() {
    local m
    for m in "${FS_MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" || true; rm -f "$m.img"; done
}
if [ "${FRESH_FS:-$([ "$(id -u)" = 0 ] && echo 1 || echo 0)}" = 1 ]; then
    trap cleanup_fs EXIT
    fresh_fs "$W/nxpfs"
    D=$W/nxpfs
    echo "== fresh ext4 for nxp at $D, for pacman at $W/pacfs (FRESH_FS=0 to use $W as it is) =="
fi
mkdir -p "$D/pkgs"
echo "== nxp $("$NXP" --version | awk '{print $2}'), N=$N packages x $FILES files, REPS=$REPS, $(nproc) cores, $(date -u +%FT%TZ) =="

echo "== publisher side: generate, pack, key, repo build =="
python3 "$BENCH/gen_synth.py" dirs --count "$N" --files "$FILES" --out "$D/src"
t0=$(now_ns)
for d in "$D"/src/*/; do "$NXP" pack "$d" -o "$D/pkgs/" >/dev/null; done
echo "nxp pack x$N: $(( ($(now_ns) - t0) / 1000000 )) ms wall (one process per package)"
"$NXP" key generate -o "$D/key" >/dev/null
tm "repo build ($N packages)" "$NXP" repo build "$D/repo" "$D"/pkgs/*.nxp --key "$D/key.key" --id synth
ALL=$(seq -f 'p%04g' 0 $((N - 1)))

fresh_root() { # $1 = root: init + repo add (untimed, like pacman.sh's -Sy)
    rm -rf "$1"
    "$NXP" --root "$1" init --nextchat-version 2.16.0 >/dev/null
    "$NXP" --root "$1" repo add synth "file://$D/repo" --key "$D/key.pub" >/dev/null
}

for r in $(seq 1 "$REPS"); do
    echo "== rep $r: A: install all $N into a fresh root (empty package cache) =="
    R=$D/root$r
    fresh_root "$R"
    # shellcheck disable=SC2086
    if tm "A$r nxp install all" "$NXP" --root "$R" --yes --no-progress install $ALL; then
        n=$("$NXP" --root "$R" --json list | jq '.packages | length')
        f=$(find -L "$R/current/plugins/" -type f 2>/dev/null | wc -l)
        echo "A$r installed: $n packages, $f files; root $(du -sh "$R" | cut -f1)"
    fi

    echo "== rep $r: A2: same, warm package cache (cache/ copied from rep $r's root) =="
    R2=$D/root${r}b
    fresh_root "$R2"
    if [ -d "$R/cache" ]; then cp -a "$R/cache/." "$R2/cache/"; fi
    # shellcheck disable=SC2086
    tm "A2_$r nxp install all (warm cache)" "$NXP" --root "$R2" --yes --no-progress install $ALL || true
    rm -rf "$R2"

    echo "== rep $r: list, rollback and roll forward on the $N-plugin root =="
    tm "L$r nxp list" "$NXP" --root "$R" list || true
    tm "L$r nxp list --json" "$NXP" --root "$R" --json list || true
    gen=$(readlink "$R/current" | sed 's|.*/||')
    tm "R$r nxp rollback (to before the install)" "$NXP" --root "$R" --yes rollback || true
    tm "R$r nxp rollback --to $gen (forward again)" "$NXP" --root "$R" --yes rollback --to "$gen" || true
    n=$("$NXP" --root "$R" --json list 2>/dev/null | jq '.packages | length' || echo '?')
    echo "R$r after rolling forward: $n packages installed"

    echo "== rep $r: C: remove all $N =="
    # shellcheck disable=SC2086
    tm "C$r nxp remove all" "$NXP" --root "$R" --yes --no-progress remove $ALL || true
    rm -rf "$R"
done

if [ "${SKIP_PACMAN:-0}" != 1 ]; then
    echo "== peer: $PEER (N=$N REPS=$REPS) =="
    PD=$W/pacman
    if [ "$D" != "$W" ]; then fresh_fs "$W/pacfs"; PD=$W/pacfs/pacman; fi
    N=$N REPS=$REPS PEER_DIR=$PD bash "$PEER" 2>&1 | tee "$W/pacman.log"
    # "A1 install all (cold cache): 3.21 s elapsed, ..." -> tsv rows in ms
    sed -nE 's/^([A-C][0-9_]+[^:]*): ([0-9.]+) s elapsed.*/pacman \1\t\2/p' "$W/pacman.log" |
        awk -F'\t' '{printf "%s\t%d\n", $1, $2 * 1000}' >>"$W/times.tsv"
    rm -rf "$PD"
fi

echo
echo "== summary (median over $REPS reps, wall ms) =="
row() { # label, nxp ERE, pacman ERE, target note
    local a b
    a=$(times_of "$2" | median)
    b=$([ -n "$3" ] && times_of "$3" | median || true)
    printf '%-44s nxp %8s ms   pacman %8s ms   nxp/pacman %5s   %s\n' \
        "$1" "${a:-n/a}" "${b:-n/a}" "$(ratio "$a" "$b")" "$4"
}
row "install all $N, cold package cache" '^A[0-9]+ nxp install' '^pacman A[0-9]+ install all' "(target <= 0.50)"
row "install all $N, warm package cache" '^A2_[0-9]+ nxp' '^pacman A2_[0-9]+ install all' ""
row "remove all $N" '^C[0-9]+ nxp remove' '^pacman C[0-9]+ remove all' ""
row "nxp rollback ($N plugins)" '^R[0-9]+ nxp rollback \(' '' "(target < 50 ms)"
row "nxp rollback --to N (forward)" '^R[0-9]+ nxp rollback --to' '' ""
row "nxp list" '^L[0-9]+ nxp list$' '' ""
row "nxp list --json" '^L[0-9]+ nxp list --json' '' ""
echo "(all rows: $W/times.tsv; command output: $W/*.out, $W/*.err)"
