# Shared helpers for the hand-run benchmarks in bench/ (sourced, not run).
# Never part of the test suite: timings on shared machines are not pass/fail material.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$BENCH/.." && pwd)
BUILD=${BUILD:-$SRC/build-bench}
NXP=${NXP:-$BUILD/cli/nxp}
export NO_COLOR=1

# need_tools CMD:PACKAGE…: installs the Debian packages of missing commands (root only).
need_tools() {
    local missing=() spec
    for spec in "$@"; do
        command -v "${spec%%:*}" >/dev/null 2>&1 || missing+=("${spec#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "bench: missing ${missing[*]}; install them with apt-get" >&2
        exit 1
    fi
    echo "== apt-get install -y ${missing[*]} =="
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
}

# Release build of nxp in $BUILD (tests off: the benchmarks need only the binary).
build_nxp() {
    if [ -n "${NXP_PREBUILT:-}" ]; then return 0; fi
    [ -d "$BUILD" ] || meson setup "$BUILD" "$SRC" --buildtype=release -Dtests=false >/dev/null
    echo "== ninja -C $BUILD =="
    ninja -C "$BUILD" >/dev/null
    "$NXP" --version
}

# build_rev REV: a release build of commit REV (a baseline measured in the same run as the
# working tree), from a detached worktree in /tmp; prints the binary's path. Cached per commit.
build_rev() {
    local rev src dir
    rev=$(git -C "$SRC" rev-parse --short=12 "$1^{commit}")
    src=/tmp/nxp-bench-src-$rev
    dir=$src/build-release
    if [ ! -x "$dir/cli/nxp" ]; then
        [ -d "$src" ] || git -C "$SRC" worktree add --detach "$src" "$rev" >/dev/null 2>&1
        [ -d "$dir" ] || meson setup "$dir" "$src" --buildtype=release -Dtests=false >/dev/null
        ninja -C "$dir" -j "$(nproc)" >/dev/null
    fi
    printf '%s\n' "$dir/cli/nxp"
}

now_ns() { date +%s%N; }

# tm LABEL CMD…: runs CMD once with stdout/stderr in $W/<label>.out/.err and prints
# "LABEL: <ms> ms wall, <u> s user, <s> s sys, <rss> KiB maxrss". The wall clock comes from
# date(1) around the run (ms resolution; /usr/bin/time's %e has only 10 ms); user, sys and
# maxrss come from /usr/bin/time. Appends "LABEL<TAB>ms" to $W/times.tsv. Returns CMD's status.
tm() {
    local label=$1 slug rc=0 t0 t1 ms u s m
    shift
    slug=$(printf '%s' "$label" | tr -c 'A-Za-z0-9_-' '_')
    t0=$(now_ns)
    /usr/bin/time -o "$W/.time" -f '%U %S %M' "$@" >"$W/$slug.out" 2>"$W/$slug.err" || rc=$?
    t1=$(now_ns)
    ms=$(( (t1 - t0) / 1000000 ))
    read -r u s m < <(tail -n 1 "$W/.time")
    if [ "$rc" -ne 0 ]; then
        echo "$label: FAILED (exit $rc) after $ms ms; stderr tail:"
        tail -n 5 "$W/$slug.err" | sed 's/^/    /'
        printf '%s\tFAILED\n' "$label" >>"$W/times.tsv"
        return "$rc"
    fi
    echo "$label: $ms ms wall, $u s user, $s s sys, $m KiB maxrss"
    printf '%s\t%s\n' "$label" "$ms" >>"$W/times.tsv"
}

# median of the numbers on stdin (empty if none)
median() { sort -n | awk '{a[NR]=$1} END{if(NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# ms values of the $W/times.tsv rows whose label matches the ERE $1
times_of() { awk -F'\t' -v re="$1" '$1 ~ re && $2 != "FAILED" {print $2}' "$W/times.tsv"; }

# ratio A B: A/B with two decimals, or "n/a"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
