#!/bin/sh
# Every C++ file git tracks (*.cpp, *.hpp) must be exactly what clang-format makes of it
# with the repository's .clang-format (STYLE "Habits"). Fails naming each file that is not,
# with the start of the change clang-format wants; `clang-format -i FILE` fixes it.
# Skips (exit 77) without clang-format or git, or outside a git checkout (a source tarball),
# unless NXP_REQUIRE_FORMAT_CHECK=1 (set by .ci/run), where a check that cannot run fails.
set -u
root=${NXP_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}

skip() {
    echo "format check not run: $1"
    [ "${NXP_REQUIRE_FORMAT_CHECK:-0}" = 1 ] && exit 1
    exit 77
}

# clang-format's output differs between major versions; the tree is formatted with 14
# (Debian 12), which is preferred when several are installed.
cf=${CLANG_FORMAT:-}
if [ -z "$cf" ]; then
    for c in clang-format-14 clang-format; do
        if command -v "$c" >/dev/null 2>&1; then cf=$c; break; fi
    done
fi
[ -n "$cf" ] || skip "no clang-format (Debian: clang-format)"
command -v git >/dev/null 2>&1 || skip "no git"
git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "$root is not a git checkout"
cd "$root" || exit 1

list=$(mktemp) || exit 1
trap 'rm -f "$list"' EXIT
# Tracked files only; one deleted in the work tree (not yet committed) is not checked.
git ls-files -z -- '*.cpp' '*.hpp' | xargs -0 -r sh -c 'for f; do [ -f "$f" ] && echo "$f"; done' sh \
    >"$list"
total=$(wc -l <"$list")
[ "$total" -gt 0 ] || skip "git lists no C++ file"

bad=0
while IFS= read -r f; do
    if ! "$cf" --dry-run --Werror "$f" >/dev/null 2>&1; then
        bad=$((bad + 1))
        echo "not clang-format clean: $f"
        "$cf" "$f" | diff -u "$f" - | sed -n '3,14p' | sed 's/^/    /'
    fi
done <"$list"

echo "$($cf --version | head -n 1): $bad of $total C++ files not clean"
[ "$bad" -eq 0 ] || { echo "fix with: clang-format -i FILE..."; exit 1; }
