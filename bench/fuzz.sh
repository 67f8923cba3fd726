#!/usr/bin/env bash
# Hand-run fuzzing (issue 13, "Proof that the classes are closed"): runs every libFuzzer
# target of fuzz/ (or the ones named) for MINUTES each, from its seed corpus, its kept
# regression inputs and what earlier runs found, and prints one line per target:
#   TARGET  MINUTES  EXECS  CORPUS  FINDINGS
#
#   bash bench/fuzz.sh                 # 10 minutes per target, one at a time
#   bash bench/fuzz.sh 1 index bundle  # 1 minute for two targets
#   JOBS=2 bash bench/fuzz.sh 10       # two targets at a time (nice'd)
#   BUILD=/path/to/build ...           # another -Dfuzz=true build directory
#   NO_BUILD=1 ...                     # use the binaries as they are (a build is running)
#
# Needs clang with libFuzzer (Debian: clang, libclang-rt-14-dev). Builds $BUILD (default
# build-fuzz) with -Dfuzz=true. Inputs found are kept in $BUILD/fuzz-work/TARGET (not the
# source tree); a crash, sanitizer report, timeout or broken invariant stops that target and
# leaves the input in $BUILD/fuzz-findings/TARGET/: copy it to fuzz/regressions/TARGET/
# (replayed by the `slow` suite from then on) and fix the parser.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$SRC/build-fuzz}
JOBS=${JOBS:-1}
MINUTES=${1:-10}
shift || true
ALL="version manifest index minisign lockfile desired archive bundle mcp_line"
TARGETS=${*:-$ALL}

if [ ! -d "$BUILD" ]; then
    CXX=${CXX:-clang++} meson setup "$BUILD" "$SRC" -Dfuzz=true -Dtests=false >/dev/null
fi
[ -n "${NO_BUILD:-}" ] || ninja -C "$BUILD" $(for t in $TARGETS; do printf 'fuzz/fuzz_%s ' "$t"; done) >/dev/null

run_one() {
    local t=$1 work=$BUILD/fuzz-work/$1 found=$BUILD/fuzz-findings/$1 log
    mkdir -p "$work" "$found"
    log=$found/last-run.log
    local regress=$SRC/fuzz/regressions/$t dict=()
    [ -d "$regress" ] || regress=
    case $t in version|archive|bundle) ;; *) dict=(-dict="$SRC/fuzz/json.dict") ;; esac
    nice -n 10 "$BUILD/fuzz/fuzz_$t" -max_total_time=$((MINUTES * 60)) -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$found/" \
        "${dict[@]}" "$work" "$SRC/fuzz/corpus/$t" $regress >"$log" 2>&1 || true
    local execs corpus findings
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corpus=$(find "$work" -type f | wc -l)
    findings=$(find "$found" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
        -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    printf '%-10s %3s min  %10s execs  %6s inputs  %s findings\n' \
        "$t" "$MINUTES" "${execs:-?}" "$corpus" "$findings"
}

printf '%-10s %7s  %16s  %13s  %s\n' TARGET MINUTES EXECS CORPUS FINDINGS
running=0
for t in $TARGETS; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
