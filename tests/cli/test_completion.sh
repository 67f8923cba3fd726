#!/usr/bin/env bash
# The bash completion offers every command the binary has, and installed plugin names.
. "$(dirname "$0")/testlib.sh"
# shellcheck disable=SC1091
. "$SRC/completions/nxp.bash"
complete_words() {  # the candidates for the words given (the last one is being completed)
    COMP_WORDS=(nxp "$@"); COMP_CWORD=${#COMP_WORDS[@]}; COMP_CWORD=$((COMP_CWORD - 1))
    COMPREPLY=(); _nxp; printf '%s\n' "${COMPREPLY[@]}"
}
commands=$("$NXP" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$commands" ] || fail "no commands in --help"
offered=$(complete_words "")
for c in $commands; do
    grep -qx "$c" <<<"$offered" || fail "completion lacks the command $c"
done
complete_words "ins" | grep -qx install || fail "prefix completion"
complete_words history "" | grep -qx undo || fail "history subcommands"
make_repo
make_root
nxp --yes install translator-mask >/dev/null
nxp() { "$NXP" "$@"; }
export -f nxp 2>/dev/null || true
PATH="$(dirname "$NXP"):$PATH" complete_words remove "" | grep -qx translator-mask || fail "installed names for remove"
pass "bash completion covers every command and installed plugins"
