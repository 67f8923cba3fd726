#!/usr/bin/env bash
# Hand-run benchmark (issue 20 item 1): `nxp repo add` (the first refresh) and `nxp refresh`
# (the index changed) of a large index, this tree against the code before issue 20 (a release
# build of BEFORE_REV, made in the same run by build_rev), beside the floor of what a refresh
# must do at least: verify the signature, decompress, parse the JSON.
#
#   bash bench/refresh.sh                        # COUNTS="10000 100000", RUNS=3
#   COUNTS=100000 RUNS=5 bash bench/refresh.sh
#   BUILD=/work/main/build-refresh NXP_PREBUILT=1 bash bench/refresh.sh
#   NXP=... NXP_PREBUILT=1 NXP_BEFORE=/path/to/old/nxp REUSE=1 bash bench/refresh.sh
# NXP_BEFORE: a prebuilt "before" binary instead of build_rev's; REUSE=1: keep the signed
# indexes a previous run left in BENCH_DIR (same COUNTS) instead of generating them again.
#
# The index comes from bench/gen_synth.py index (version 1, then version 2 for the refresh),
# compressed with zstd -19 (ZSTD_LEVEL) and signed with the minisign tool, as in resolve_vs_testsolv.sh.
# Each run: a fresh root (untimed `init`), timed `repo add` of version 1, version 2 put in
# its place, timed `refresh`; before and after alternate within a run. Timed processes run
# under `nice -n -5` (root) so that compiles elsewhere on the machine disturb them less.
# Results: median wall ms and median maxrss of RUNS, ratios after/before and after/floor,
# and whether both builds wrote the same .solv cache and graph.db (their SQL dump).
# Targets (bench/README.md): repo add / refresh of 100,000 packages <= 1.0 s and <= 150 MB.
. "$(dirname "$0")/lib.sh"
COUNTS=${COUNTS:-"10000 100000"}
RUNS=${RUNS:-3}
BEFORE_REV=${BEFORE_REV:-d374b54}
ZSTD_LEVEL=${ZSTD_LEVEL:-19}  # as resolve_vs_testsolv.sh; lower only to save time (decompression barely differs)
W=${BENCH_DIR:-/tmp/nxp-bench-refresh}

need_tools python3:python3 zstd:zstd minisign:minisign meson:meson ninja:ninja-build \
    sqlite3:sqlite3
[ -x /usr/bin/time ] || need_tools time:time
build_nxp
AFTER=$NXP
echo "== baseline: release build of $BEFORE_REV =="
BEFORE=${NXP_BEFORE:-$(build_rev "$BEFORE_REV")}
NICE=()
[ "$(id -u)" = 0 ] && NICE=(nice -n -5)

if [ -z "${REUSE:-}" ] || [ ! -f "$W/bench.key" ]; then
    rm -rf "$W"
    mkdir -p "$W"
    minisign -G -W -p "$W/bench.pub" -s "$W/bench.key" >/dev/null
fi
: >"$W/times.tsv"
: >"$W/rss.tsv"
echo "== nxp after: $AFTER; before: $BEFORE ($BEFORE_REV); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ) =="

# t LABEL CMD…: tm, plus the maxrss (KiB) in $W/rss.tsv.
t() {
    local label=$1
    shift
    tm "$label" "${NICE[@]}" "$@" || return $?
    printf '%s\t%s\n' "$label" "$(awk '{print $3}' "$W/.time" | tail -n 1)" >>"$W/rss.tsv"
}
rss_of() { awk -F'\t' -v re="$1" '$1 ~ re {print $2}' "$W/rss.tsv"; }

for N in $COUNTS; do
    D=$W/n$N
    if [ -z "${REUSE:-}" ] || [ ! -f "$D/v2/index.json.zst.minisig" ]; then
        echo "== $N packages: generate, zstd -$ZSTD_LEVEL, minisign =="
        mkdir -p "$D/v1" "$D/v2"
        for v in 1 2; do
            python3 "$BENCH/gen_synth.py" --count "$N" --index-version "$v" index \
                --out "$D/index.json" --repo-id synth
            zstd -q "-$ZSTD_LEVEL" -T0 -f "$D/index.json" -o "$D/v$v/index.json.zst"
            minisign -S -s "$W/bench.key" -m "$D/v$v/index.json.zst" -t "synth v$v, $N packages" >/dev/null
        done
        echo "index.json $(du -h "$D/index.json" | cut -f1), index.json.zst $(du -h "$D/v1/index.json.zst" | cut -f1)"
        rm -f "$D/index.json"
    else
        echo "== $N packages: the signed indexes of the last run (REUSE) =="
    fi
    FLOOR="minisign -q -Vm $D/v2/index.json.zst -p $W/bench.pub && zstd -q -d -c $D/v2/index.json.zst | python3 -c 'import json,sys; json.load(sys.stdin)'"
    for run in $(seq "$RUNS"); do
        for side in before after; do
            bin=$AFTER
            [ "$side" = before ] && bin=$BEFORE
            R=$D/root-$side
            rm -rf "$R" "$D/srv-$side"
            cp -r "$D/v1" "$D/srv-$side"
            "$bin" --root "$R" init >/dev/null
            t "$N $side repo add #$run" "$bin" --root "$R" repo add synth "file://$D/srv-$side" \
                --key "$W/bench.pub" || true
            cp "$D/v2/"* "$D/srv-$side/"
            t "$N $side refresh #$run" "$bin" --root "$R" refresh || true
        done
        t "$N floor #$run" sh -c "$FLOOR" || true
    done
    # The same caches from both builds (of the last run's refresh, index version 2); the
    # .solv only when both are of one format (its stamp's second field; 7 keeps the entry
    # texts out of libsolv, issue 20).
    fmt_of() { { head -c 200 "$1" 2>/dev/null || true; } | head -n 1 | cut -d' ' -f2; }
    fb=$(fmt_of "$D/root-before/cache/repos/synth/repo.solv")
    fa=$(fmt_of "$D/root-after/cache/repos/synth/repo.solv")
    same_solv=no
    if [ "$fb" != "$fa" ]; then
        same_solv="not compared (format $fb before, $fa after)"
    elif cmp -s "$D/root-before/cache/repos/synth/repo.solv" "$D/root-after/cache/repos/synth/repo.solv"; then
        same_solv=yes
    fi
    same_graph=no
    if [ -f "$D/root-before/cache/repos/synth/graph.db" ] &&
        cmp -s <(sqlite3 "$D/root-before/cache/repos/synth/graph.db" .dump) \
            <(sqlite3 "$D/root-after/cache/repos/synth/graph.db" .dump); then
        same_graph=yes
    fi
    echo "$N packages: same repo.solv: $same_solv; same graph.db (SQL dump): $same_graph"
done

echo
echo "== summary: median of $RUNS (wall ms, maxrss MB) =="
printf '%-22s %9s %9s %9s %9s %8s %8s %8s %8s\n' "" before after floor "" "after/" "after/" "rss MB" "rss MB"
printf '%-22s %9s %9s %9s %9s %8s %8s %8s %8s\n' "" ms ms ms "" before floor before after
for N in $COUNTS; do
    f=$(times_of "^$N floor #" | median)
    for op in "repo add" refresh; do
        b=$(times_of "^$N before $op #" | median)
        a=$(times_of "^$N after $op #" | median)
        rb=$(rss_of "^$N before $op #" | median)
        ra=$(rss_of "^$N after $op #" | median)
        printf '%-22s %9s %9s %9s %9s %8s %8s %8s %8s\n' "$N $op" "${b:-n/a}" "${a:-n/a}" \
            "${f:-n/a}" "" "$(ratio "$a" "$b")" "$(ratio "$a" "$f")" \
            "$(awk -v k="$rb" 'BEGIN{ if (k != "") printf "%.0f", k / 1024 }')" \
            "$(awk -v k="$ra" 'BEGIN{ if (k != "") printf "%.0f", k / 1024 }')"
    done
done
echo "targets: 100000 repo add / refresh <= 1000 ms and <= 150 MB maxrss (after)"
echo "(single runs: $W/times.tsv, maxrss: $W/rss.tsv, outputs: $W/*.out/.err)"
