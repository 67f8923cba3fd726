#!/usr/bin/env bash
# Hand-run benchmark (issue 3, "Speed"): resolving 50 install targets in a 100,000-package
# repository, `nxp --dry-run --json install` against libsolv's own `testsolv` fed the same
# problem, in the same run.
#
#   bash bench/resolve_vs_testsolv.sh             # COUNT=100000 packages, 50 targets, RUNS=5
#   COUNT=20000 RUNS=3 bash bench/resolve_vs_testsolv.sh
#   BENCH_DIR=/tmp/x NXP=/path/to/nxp ...
#
# The repository is index-only (bench/gen_synth.py index): its package files do not exist,
# so only --dry-run works. The index is zstd-compressed and signed with the minisign tool
# (prehashed), which nxp accepts like its own `nxp repo build` output.
#
# Baselines, both libsolv 0.7 from Debian's libsolv-tools:
#   testsolv (text)  the testcase with the universe inline as testtags: parse + solve;
#   testsolv (solv)  the same universe pre-converted to a .solv file (susetags2solv): load +
#                    solve, the fair match for nxp's warm run, which reads its .solv cache.
# nxp is measured twice on the same root: as shipped (the request narrowed to the packages
# it can reach, resolve.narrow_min) and with every package loaded from its .solv cache
# (narrowing off), the like-for-like match for testsolv; the two plans must be identical.
# Target (bench/README.md): warm nxp within 1.5x of testsolv and under 100 ms.
. "$(dirname "$0")/lib.sh"
COUNT=${COUNT:-100000}
TARGETS=${TARGETS:-50}
RUNS=${RUNS:-5}
W=${BENCH_DIR:-/tmp/nxp-bench-resolve}

need_tools python3:python3 zstd:zstd jq:jq minisign:minisign meson:meson ninja:ninja-build \
    testsolv:libsolv-tools susetags2solv:libsolv-tools hyperfine:hyperfine
[ -x /usr/bin/time ] || need_tools time:time
build_nxp

rm -rf "$W"
mkdir -p "$W/repo"
: >"$W/times.tsv"
echo "== nxp $("$NXP" --version | awk '{print $2}'), $COUNT packages, $TARGETS targets, $(nproc) cores, $(date -u +%FT%TZ) =="

echo "== index-only repository: generate, zstd, minisign =="
G=(python3 "$BENCH/gen_synth.py" --count "$COUNT" --targets "$TARGETS")
tm "generate index.json" "${G[@]}" index --out "$W/index.json" --repo-id synth
zstd -q -19 -T0 "$W/index.json" -o "$W/repo/index.json.zst"
echo "index.json $(du -h "$W/index.json" | cut -f1), index.json.zst $(du -h "$W/repo/index.json.zst" | cut -f1)"
minisign -G -W -p "$W/bench.pub" -s "$W/bench.key" >/dev/null
minisign -S -s "$W/bench.key" -m "$W/repo/index.json.zst" -t "nxp bench synth index, $COUNT packages" >/dev/null
mapfile -t T < <("${G[@]}" targets)

echo "== nxp: fresh root, repo add (fetch + verify + parse the index) =="
R=$W/root
"$NXP" --root "$R" init --nextchat-version 2.16.0 >/dev/null
tm "nxp repo add (cold)" "$NXP" --root "$R" repo add synth "file://$W/repo" --key "$W/bench.pub"
NX=("$NXP" --root "$R" --dry-run --json install "${T[@]}")
tm "nxp resolve, first run" "${NX[@]}" || true
tm "nxp resolve, second run (warm)" "${NX[@]}" || true
slug=$(printf '%s' "nxp resolve, second run (warm)" | tr -c 'A-Za-z0-9_-' '_')
if jq -e . "$W/$slug.out" >/dev/null 2>&1; then
    echo "nxp plan: $(jq '[.plan[] | select(.action == "install")] | length' "$W/$slug.out") installs"
fi
# The same root with narrowing off (resolve.narrow_min above the repository's size): every
# package loaded from the .solv cache, as testsolv does. Both plans must be identical.
RF=$W/root-full
cp -a "$R" "$RF"
"$NXP" --root "$RF" init --set resolve.narrow_min=1000000000 >/dev/null
NF=("$NXP" --root "$RF" --dry-run --json install "${T[@]}")
tm "nxp resolve, every package loaded (warm)" "${NF[@]}" || true
slugf=$(printf '%s' "nxp resolve, every package loaded (warm)" | tr -c 'A-Za-z0-9_-' '_')
if cmp -s "$W/$slug.out" "$W/$slugf.out"; then
    echo "nxp plans: identical with and without narrowing"
else
    echo "nxp plans: DIFFER with and without narrowing ($W/$slug.out, $W/$slugf.out)"
fi

echo "== testsolv: the same universe and job =="
"${G[@]}" testcase --out "$W/synth-text.t"
sed -n 's/^#>//p' "$W/synth-text.t" >"$W/synth.tags"
susetags2solv <"$W/synth.tags" >"$W/synth.solv"
sed -e 's/^repo synth 0 testtags <inline>$/repo synth 0 solv synth.solv/' -e '/^#>/d' \
    "$W/synth-text.t" >"$W/synth-solv.t"
tm "testsolv (text)" testsolv "$W/synth-text.t" || true
tm "testsolv (solv)" testsolv "$W/synth-solv.t" || true
echo "testsolv: $(sed -n 's/^\([0-9]*\) installed packages:$/\1/p' "$W/testsolv__solv_.out") installs"

echo "== hyperfine: $RUNS runs each, 1 warm-up =="
q() { printf '%q ' "$@"; }
HF=()
# A failing command would abort hyperfine; nxp is measured only if its warm run succeeded.
grep -q $'^nxp resolve, second run (warm)\t[0-9]' "$W/times.tsv" &&
    HF+=(-n "nxp --dry-run install (warm)" "$(q "${NX[@]}")")
grep -q $'^nxp resolve, every package loaded (warm)\t[0-9]' "$W/times.tsv" &&
    HF+=(-n "nxp, every package loaded" "$(q "${NF[@]}")")
HF+=(-n "testsolv (solv)" "$(q testsolv "$W/synth-solv.t")")
HF+=(-n "testsolv (text)" "$(q testsolv "$W/synth-text.t")")
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$W/hyperfine.json" "${HF[@]}" |
    tee "$W/hyperfine.txt" || true

echo
echo "== summary (hyperfine median, wall ms) =="
med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | (.median * 1000 | floor)' \
    "$W/hyperfine.json" 2>/dev/null; }
a=$(med "nxp --dry-run install (warm)"); b=$(med "testsolv (solv)"); c=$(med "testsolv (text)")
f=$(med "nxp, every package loaded")
printf '%-34s %8s ms   (target < 100 ms)\n' "nxp --dry-run install, warm" "${a:-n/a}"
printf '%-34s %8s ms   nxp-full/testsolv(.solv) %5s\n' "nxp, every package loaded" "${f:-n/a}" "$(ratio "$f" "$b")"
printf '%-34s %8s ms   nxp/testsolv %5s   (target <= 1.50)\n' "testsolv, .solv loaded" "${b:-n/a}" "$(ratio "$a" "$b")"
printf '%-34s %8s ms   nxp/testsolv %5s\n' "testsolv, testtags parsed" "${c:-n/a}" "$(ratio "$a" "$c")"
echo "(single runs: $W/times.tsv; hyperfine: $W/hyperfine.json)"
