#!/usr/bin/env bash
# Hand-run benchmark (issue 20 item 3): installs shaped like MCP servers vendored from npm.
# N plugins (default 300) of ~100 small files (100 B - 6 KiB) in nested node_modules trees
# (bench/gen_nodemods.py), installed side by side in one run by:
#   before  nxp built from BASE_REV (default d374b54, the code before issue 20; lib.sh build_rev)
#   main    optional: nxp built from MAIN_REV (MAIN_REV=d08d9c3, or NXP_MAIN=binary): a second
#           baseline, e.g. the branch before the change measured
#   after   nxp from $BUILD (this tree; NXP=... for another binary)
#   pacman  pacman -S of the same payload as N packages (built as /work/shared/peers/pacman.sh
#           builds its packages: bsdtar | zstd, .PKGINFO first, repo-add, file:// repository,
#           cold package cache on the same filesystem)
#   floor   bsdtar -xf of the whole payload as one .tar.zst (libarchive), then sync -f (syncfs)
# Each tool and rep gets a freshly made ext4 on a loop device (as install_vs_pacman.sh; the
# VM's root filesystem has no journal and slows down after rm -rf), the order of the tools
# rotates between reps, and the timed commands run under `nice -n -5` (RT=1: chrt -f 20).
# nxp runs with its durability on (syncfs before the `current` switch, SQLite
# synchronous=FULL); pacman does not sync.
#
#   bash bench/install_nodemods.sh                      # N=300, FILES=100, REPS=3
#   N=50 REPS=1 bash bench/install_nodemods.sh          # a quick look
#   BUILD=build-inst NXP_PREBUILT=1 bash bench/install_nodemods.sh
#   SKIP_BEFORE=1 / SKIP_PACMAN=1 / SKIP_FLOOR=1        # leave a column out
#   NXP_PREBUILT=1 NXP=<new> NXP_MAIN=<old> SKIP_BEFORE=1 bash bench/install_nodemods.sh
#                                   # two binaries already built, no baseline build at all
#
# Targets (issue 20 item 3): after <= 0.6x pacman and <= 0.9x the extraction-plus-syncfs floor.
. "$(dirname "$0")/lib.sh"
N=${N:-300}
FILES=${FILES:-100}
REPS=${REPS:-3}
BASE_REV=${BASE_REV:-d374b54}
W=${BENCH_DIR:-/tmp/nxp-bench-nodemods}
[ "$(id -u)" = 0 ] || { echo "bench: run as root (loop-mounted ext4 per tool)" >&2; exit 1; }

need_tools python3:python3 zstd:zstd jq:jq meson:meson ninja:ninja-build
[ -x /usr/bin/time ] || need_tools time:time
need_tools pacman:pacman-package-manager bsdtar:libarchive-tools
build_nxp
BEFORE=
[ "${SKIP_BEFORE:-0}" = 1 ] || BEFORE=${NXP_BEFORE:-$(build_rev "$BASE_REV")}
MAIN=${NXP_MAIN:-}
[ -n "$MAIN" ] || [ -z "${MAIN_REV:-}" ] || MAIN=$(build_rev "$MAIN_REV")
if [ "${RT:-0}" = 1 ]; then PRIO=(chrt -f 20); else PRIO=(nice -n -5); fi

FS_MOUNTS=()
cleanup_fs() {
    local m
    for m in "${FS_MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" || true; rm -f "$m.img"; done
    FS_MOUNTS=()
}
fresh_fs() { # $1 = mount point: a new ext4 (mkfs defaults, journal on) on a loop device
    truncate -s "${FS_SIZE:-4G}" "$1.img"
    mkfs.ext4 -q -F "$1.img"
    mkdir -p "$1"
    mount -o loop "$1.img" "$1"
    FS_MOUNTS=("$1" "${FS_MOUNTS[@]}")
}
trap cleanup_fs EXIT
for m in "$W"/fs-*; do [ -d "$m" ] && { umount "$m" 2>/dev/null || true; }; done
rm -rf "$W"
mkdir -p "$W"
: >"$W/times.tsv"
echo "== after: $NXP; before: ${BEFORE:-skipped} ($BASE_REV); main: ${MAIN:-skipped}; N=$N x ~$FILES files, REPS=$REPS, $(nproc) cores," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ) =="

echo "== generate, pack, repo build (nxp), packages + repo-add (pacman), tarball (floor) =="
python3 "$BENCH/gen_nodemods.py" --count "$N" --files "$FILES" --dirs "$W/src" --pacman "$W/pac"
mkdir -p "$W/pkgs" "$W/pacrepo"
t0=$(now_ns)
for d in "$W"/src/*/; do "$NXP" pack "$d" -o "$W/pkgs/" >/dev/null; done
echo "nxp pack x$N: $(( ($(now_ns) - t0) / 1000000 )) ms; $(du -sh "$W/pkgs" | cut -f1) of packages"
"$NXP" key generate -o "$W/key" >/dev/null
"$NXP" repo build "$W/repo" "$W"/pkgs/*.nxp --key "$W/key.key" --id nm >/dev/null
for d in "$W"/pac/*/; do
    n=$(basename "$d")
    (cd "$d" && bsdtar --uid 0 --gid 0 --uname root --gname root -cf - .PKGINFO usr) |
        zstd -q -c -T1 >"$W/pacrepo/$n-1.0.0-1-any.pkg.tar.zst"
done
repo-add -q "$W/pacrepo/nm.db.tar.gz" "$W"/pacrepo/*.pkg.tar.zst 2>/dev/null
(cd "$W/src" && bsdtar -cf - .) | zstd -q -c -T1 >"$W/payload.tar.zst"
echo "payload: $(find "$W/src" -type f | wc -l) files, $(find "$W/src" -type d | wc -l) directories;" \
    "tarball $(du -h "$W/payload.tar.zst" | cut -f1), pacman packages $(du -sh "$W/pacrepo" | cut -f1)"
ALL=$(seq -f 'nm%03g' 0 $((N - 1)))

run_nxp() { # label binary rep
    local label=$1 bin=$2 r=$3 R
    fresh_fs "$W/fs-$label-$r"
    R=$W/fs-$label-$r/root
    "$bin" --root "$R" init --nextchat-version 2.16.0 >/dev/null
    "$bin" --root "$R" repo add nm "file://$W/repo" --key "$W/key.pub" >/dev/null
    sync
    # shellcheck disable=SC2086
    if tm "I$r $label" "${PRIO[@]}" "$bin" --root "$R" --yes --no-progress install $ALL; then
        echo "  $label: $("$bin" --root "$R" --json list | jq '.packages | length') plugins," \
            "$(find -L "$R/current/plugins/" -type f | wc -l) files"
    fi
    cleanup_fs
}
run_pacman() { # rep
    local r=$1 M R
    M=$W/fs-pacman-$r
    fresh_fs "$M"
    R=$M/root
    mkdir -p "$R/var/lib/pacman" "$M/cache" "$M/gnupg"
    cat >"$M/pacman.conf" <<EOF
[options]
RootDir     = $R
DBPath      = $R/var/lib/pacman/
CacheDir    = $M/cache/
LogFile     = $M/pacman.log
GPGDir      = $M/gnupg/
HookDir     = $R/etc/pacman.d/hooks/
Architecture = auto
SigLevel    = Never
LocalFileSigLevel = Never
[nm]
SigLevel = Never
Server = file://$W/pacrepo
EOF
    local P=(pacman --root "$R" --dbpath "$R/var/lib/pacman" --config "$M/pacman.conf")
    "${P[@]}" -Sy >/dev/null
    sync
    # shellcheck disable=SC2086
    if tm "I$r pacman" "${PRIO[@]}" "${P[@]}" --noprogressbar -S --noconfirm $ALL; then
        echo "  pacman: $("${P[@]}" -Q | wc -l) packages, $(find "$R/usr" -type f | wc -l) files"
    fi
    cleanup_fs
}
run_floor() { # rep
    local r=$1 M
    M=$W/fs-floor-$r
    fresh_fs "$M"
    mkdir "$M/x"
    sync
    if tm "I$r floor" "${PRIO[@]}" sh -c 'bsdtar -xf "$1" -C "$2" && sync -f "$2"' sh \
        "$W/payload.tar.zst" "$M/x"; then
        echo "  floor: $(find "$M/x" -type f | wc -l) files"
    fi
    cleanup_fs
}

COLS=()
[ -n "$BEFORE" ] && COLS+=(before)
[ -n "$MAIN" ] && COLS+=(main)
COLS+=(after)
[ "${SKIP_PACMAN:-0}" = 1 ] || COLS+=(pacman)
[ "${SKIP_FLOOR:-0}" = 1 ] || COLS+=(floor)
for r in $(seq 1 "$REPS"); do
    echo "== rep $r (load $(cut -d' ' -f1-3 /proc/loadavg)) =="
    for k in $(seq 0 $((${#COLS[@]} - 1))); do
        c=${COLS[$(((k + r - 1) % ${#COLS[@]}))]}
        case $c in
        before) run_nxp before "$BEFORE" "$r" || true ;;
        main) run_nxp main "$MAIN" "$r" || true ;;
        after) run_nxp after "$NXP" "$r" || true ;;
        pacman) run_pacman "$r" || true ;;
        floor) run_floor "$r" || true ;;
        esac
    done
done

echo
echo "== summary: install $N node_modules-shaped plugins, median of $REPS, wall ms" \
    "(load at the end $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)) =="
med() { times_of "^I[0-9]+ $1\$" | median; }
B=$(med before) A=$(med after) P=$(med pacman) F=$(med floor) MA=$(med main)
for c in before main after pacman floor; do
    printf '%-8s %8s ms   (%s)\n' "$c" "$(med "$c")" "$(times_of "^I[0-9]+ $c\$" | tr '\n' ' ')"
done
printf 'after/pacman  %5s   (target <= 0.60)\n' "$(ratio "$A" "$P")"
printf 'after/floor   %5s   (target <= 0.90)\n' "$(ratio "$A" "$F")"
printf 'after/before  %5s\n' "$(ratio "$A" "$B")"
[ -z "$MAIN" ] || printf 'after/main    %5s   main/pacman %5s   main/floor %5s\n' \
    "$(ratio "$A" "$MA")" "$(ratio "$MA" "$P")" "$(ratio "$MA" "$F")"
printf 'before/pacman %5s   before/floor %5s\n' "$(ratio "$B" "$P")" "$(ratio "$B" "$F")"
echo "(all rows: $W/times.tsv; command output: $W/*.out, $W/*.err)"
