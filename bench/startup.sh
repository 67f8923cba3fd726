#!/usr/bin/env bash
# Hand-run benchmark (issue 20 item 2, "Process start-up"): how long nxp takes to start and
# answer when there is almost nothing to do, side by side in one run:
#
#   nxp --version, nxp --root R list, nxp --root R --json list (R: 1,000 installed plugins)
#   for the code before this work (BEFORE, a release build of d374b54), optionally another
#   baseline (MAIN, e.g. main before a change), and after (the working tree, release
#   build), and pacman -Q on a root with 1,000 pacman packages (the named peer baseline,
#   /work/shared/peers/pacman.sh's synthetic packages).
#
#   bash bench/startup.sh                      # builds what is missing, RUNS=200
#   BUILD=build-start bash bench/startup.sh    # "after" from an existing release build dir
#   KEEP=1 bash bench/startup.sh               # keep (and reuse) the roots in $BENCH_DIR
#   BEFORE=rev|/path/to/nxp ...                # another baseline (default d374b54)
#   MAIN=rev|/path/to/nxp ...                  # a third column between before and after
#   RT=0 ...                                   # timed processes without chrt -f 20
#
# Targets: nxp --version <= 3 ms; nxp list and --json list with 1,000 plugins <= 8 ms.
# The timed processes run under `chrt -f 20` (as root): the machine is shared with compilers
# that otherwise preempt them, which moves a 3 ms figure by more than itself.
#
# The root is made by the baseline binary, in its schema. A newer nxp migrates a database
# when it opens it, and an older one then refuses it ("written by a newer nxp"), so the
# after binary lists a copy of that root ($W/root.new, migrated once before timing; the same
# path length, so the same bytes) and the baselines the root itself ($W/root.old).
. "$(dirname "$0")/lib.sh"
N=${N:-1000}
RUNS=${RUNS:-200}
W=${BENCH_DIR:-/tmp/nxp-bench-startup}
BEFORE=${BEFORE:-d374b54}
PEER=${PEER:-/work/shared/peers/pacman.sh}

need_tools python3:python3 jq:jq meson:meson ninja:ninja-build hyperfine:hyperfine \
    pacman:pacman-package-manager bsdtar:libarchive-tools zstd:zstd
export CXX=${CXX:-ccache g++}
command -v ccache >/dev/null || export CXX=g++
build_nxp
if [ -x "$BEFORE" ]; then OLD=$BEFORE; else OLD=$(build_rev "$BEFORE"); fi
MID=
if [ -n "${MAIN:-}" ]; then
    if [ -x "$MAIN" ]; then MID=$MAIN; else MID=$(build_rev "$MAIN"); fi
fi
NEW=$NXP
prio=()
if [ "${RT:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v chrt >/dev/null; then prio=(chrt -f 20); fi

[ "${KEEP:-0}" = 1 ] || rm -rf "$W"
mkdir -p "$W"
R=$W/root.old
RN=$W/root.new
if [ ! -f "$R/nxp.db" ]; then
    echo "== nxp root with $N plugins (gen_synth.py dirs, pack, repo build, install; $OLD) =="
    rm -rf "$W/src" "$W/pkgs" "$W/repo" "$R" "$RN"
    python3 "$BENCH/gen_synth.py" dirs --count "$N" --files 10 --out "$W/src" >/dev/null
    mkdir -p "$W/pkgs"
    for d in "$W"/src/*/; do "$OLD" pack "$d" -o "$W/pkgs/" >/dev/null; done
    "$OLD" key generate -o "$W/key" >/dev/null
    "$OLD" repo build "$W/repo" "$W"/pkgs/*.nxp --key "$W/key.key" --id synth >/dev/null
    "$OLD" --root "$R" init --nextchat-version 2.16.0 >/dev/null
    "$OLD" --root "$R" repo add synth "file://$W/repo" --key "$W/key.pub" >/dev/null
    # shellcheck disable=SC2046
    "$OLD" --root "$R" --yes --no-progress install $(seq -f 'p%04g' 0 $((N - 1))) >/dev/null
fi
# The after binary's copy, migrated to its schema (if it has a newer one) by one list.
rm -rf "${RN:?}"
cp -a "${R:?}" "${RN:?}"
"$NEW" --root "$RN" list >/dev/null
n=$("$NEW" --root "$RN" --json list | jq '.packages | length')
echo "nxp root: $n plugins installed"

P=$W/pacman
if [ ! -d "$P/root/var/lib/pacman/local" ]; then
    echo "== pacman root with $N packages ($PEER's packages) =="
    B=$W/pacman-build
    if [ -f "$B/repo/synth.db.tar.gz" ]; then :; else
        N=$N REPS=0 PEER_DIR=$B bash "$PEER" >/dev/null
    fi
    mkdir -p "$P/root/var/lib/pacman" "$P/cache" "$P/gnupg"
    cat >"$P/pacman.conf" <<EOF
[options]
RootDir     = $P/root
DBPath      = $P/root/var/lib/pacman/
CacheDir    = $P/cache/
LogFile     = $P/pacman.log
GPGDir      = $P/gnupg/
HookDir     = $P/root/etc/pacman.d/hooks/
Architecture = auto
SigLevel    = Never
LocalFileSigLevel = Never
[synth]
SigLevel = Never
Server = file://$B/repo
EOF
    PAC=(pacman --root "$P/root" --dbpath "$P/root/var/lib/pacman" --config "$P/pacman.conf")
    "${PAC[@]}" -Sy >/dev/null
    # shellcheck disable=SC2046
    "${PAC[@]}" -S --noconfirm --noprogressbar $(seq -f 'p%04g' 0 $((N - 1))) >/dev/null
fi
PACQ="pacman --root $P/root --dbpath $P/root/var/lib/pacman --config $P/pacman.conf -Q"
echo "pacman root: $($PACQ | wc -l) packages installed"

# Same output before and after (the work must not change what is printed); the after
# binary's root path is put back to the baselines' one to compare.
for args in "--version" "list" "--json list"; do
    for base in "$OLD" ${MID:+"$MID"}; do
        if [ "$args" = --version ]; then oa=(--version) na=(--version); else
            # shellcheck disable=SC2206
            oa=(--root "$R" $args) na=(--root "$RN" $args)
        fi
        if ! cmp -s <("$base" "${oa[@]}" 2>&1) <("$NEW" "${na[@]}" 2>&1 | sed "s|$RN|$R|g"); then
            echo "note: output differs between $base and after for 'nxp $args'"
        fi
    done
done
libs() { LD_DEBUG=libs "$1" --version 2>&1 >/dev/null | grep -c 'calling init:' || true; }
echo "shared objects initialised by nxp --version: before $(libs "$OLD"), after $(libs "$NEW")"
echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)," \
    "timed processes ${prio[*]:-without chrt}, $RUNS runs each =="

# One hyperfine run times all the commands, one after the other (each with its warm-up),
# so that before, main, after and pacman share the same minutes of the machine.
cmds=()
for what in "--version" "list" "--json list"; do
    if [ "$what" = --version ]; then ro=() rn=(); else ro=(--root "$R") rn=(--root "$RN"); fi
    cmds+=(-n "before $what" "$OLD ${ro[*]} $what")
    [ -z "$MID" ] || cmds+=(-n "main $what" "$MID ${ro[*]} $what")
    cmds+=(-n "after $what" "$NEW ${rn[*]} $what")
done
"${prio[@]}" hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$W/hyperfine.json" \
    "${cmds[@]}" -n "pacman -Q" "$PACQ" >"$W/hyperfine.out" 2>&1 || {
    cat "$W/hyperfine.out"
    exit 1
}

ms() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$W/hyperfine.json"; }
mean() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .mean * 1000' "$W/hyperfine.json"; }
echo
printf '%-22s %10s %10s %10s %12s %12s %12s\n' "ms (median of $RUNS)" before main after \
    after/before after/pacman target
pq=$(ms "pacman -Q")
for what in "--version:3" "list:8" "--json list:8"; do
    name=${what%:*} target=${what##*:}
    b=$(ms "before $name") a=$(ms "after $name") m=
    [ -z "$MID" ] || m=$(ms "main $name")
    printf '%-22s %10.2f %10s %10.2f %12s %12s %12s\n' "nxp $name" "$b" \
        "$([ -n "$m" ] && printf '%.2f' "$m" || echo -)" "$a" "$(ratio "$a" "$b")" \
        "$(ratio "$a" "$pq")" "<= $target"
done
printf '%-22s %10.2f\n' "pacman -Q ($N)" "$pq"
echo
echo "means (ms): $(jq -r '.results[] | "\(.command) \(.mean * 1000 * 100 | round / 100);"' \
    "$W/hyperfine.json" | tr '\n' ' ')"
echo "binaries: before $OLD${MID:+, main $MID}, after $NEW"
echo "hyperfine's own report: $W/hyperfine.out"
