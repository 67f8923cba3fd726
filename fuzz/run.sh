#!/bin/sh
# Meson test wrapper: runs one fuzz target over its seed corpus and kept regression inputs.
#   run.sh fuzz|replay BINARY CORPUS_DIR REGRESSIONS_DIR [SECONDS]
# fuzz (a -Dfuzz=true build): the regression inputs once each, then SECONDS (default 10) of
# fuzzing from both directories; new inputs go to a temporary directory, never into the
# source tree. replay (any other build): every input once, through fuzz/replay_main.cpp.
# A crash, a sanitizer report, a timeout or a broken invariant fails the test.
set -eu
mode=$1 bin=$2 corpus=$3 regressions=$4 seconds=${5:-10}
[ -d "$regressions" ] || regressions=$corpus  # no crash kept for this target yet
if [ "$mode" = replay ]; then
    exec "$bin" "$corpus" "$regressions"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/nxp-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new"
if [ -n "$(ls -A "$regressions" 2>/dev/null)" ]; then
    "$bin" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/" "$regressions"/*
fi
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$work/" -print_final_stats=1 "$work/new" "$corpus" "$regressions"
