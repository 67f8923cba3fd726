#!/usr/bin/env bash
# The bash, zsh and fish completions offer every command, subcommand and option that
# `nxp --help` (and each command's --help) lists, and plugin and repository names read from
# the root given on the command line. A command added to nxp without completions fails here.
. "$(dirname "$0")/testlib.sh"
command -v zsh >/dev/null || fail "zsh is not installed (.ci/install-deps installs it)"
command -v fish >/dev/null || fail "fish is not installed (.ci/install-deps installs it)"

# --- what the binary has -------------------------------------------------------------
# Each command's --help, read once (the keys are "" for nxp itself, "repo", "repo add", …).
declare -A HELP
load_help() {
    # shellcheck disable=SC2086
    HELP[.$1]=$("$NXP" $1 --help)
}
help_of() { printf '%s\n' "${HELP[.$1]}"; }
subs_of() {  # the subcommands `nxp $1 --help` lists
    help_of "$1" | sed -n '/^Subcommands:/,$p' | awk '/^  [a-z]/ { print $1 }' | sort -u
}
opts_of() {  # the options `nxp $1 --help` lists, short and long, without -h/--help
    help_of "$1" | sed -n '/^Options:/,/^[A-Z]/p' | grep -oE '^  (-[a-zA-Z],)?--[a-z][-a-z]*' |
        tr ',' '\n' | tr -d ' ' | grep -vx -- '-h\|--help' || true
}
load_help ""
commands=$(subs_of "")
[ "$(wc -l <<<"$commands")" -ge 20 ] || fail "too few commands in --help: $commands"
paths=()  # every command and "command subcommand"
for c in $commands; do
    paths+=("$c")
    load_help "$c"
    for s in $(subs_of "$c"); do paths+=("$c $s"); load_help "$c $s"; done
done
globals=$(opts_of "")
declare -A SUBS OPTS
for p in "${paths[@]}"; do SUBS[$p]=$(subs_of "$p"); OPTS[$p]=$(opts_of "$p"); done

# --- bash -------------------------------------------------------------------------------
# shellcheck disable=SC1091
. "$SRC/completions/nxp.bash"
bash_complete() {  # the candidates for the words given (the last one is being completed)
    COMP_WORDS=(nxp "$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=(); _nxp; printf '%s\n' "${COMPREPLY[@]}"
}
offered=$(bash_complete "")
for c in $commands; do grep -qx -- "$c" <<<"$offered" || fail "bash: no command $c"; done
for o in $globals; do grep -qx -- "$o" <<<"$offered" || fail "bash: no global option $o"; done
for p in "${paths[@]}"; do
    read -ra w <<<"$p"
    offered=$(bash_complete "${w[@]}" "")
    for s in ${SUBS[$p]}; do grep -qx -- "$s" <<<"$offered" || fail "bash: no subcommand $p $s"; done
    offered=$(bash_complete "${w[@]}" "-")
    for o in ${OPTS[$p]} $globals; do
        grep -qx -- "$o" <<<"$offered" || fail "bash: 'nxp $p' lacks option $o"
    done
done
bash_complete ins | grep -qx install || fail "bash: prefix completion"
[ "$(bash_complete ins)" = install ] || fail "bash: 'ins' offers more than install"
bash_complete --color "" | grep -qx never || fail "bash: values of --color"
bash_complete --root "$T" install --no-rec | grep -qx -- --no-recommends || fail "bash: options after --root DIR"

# --- zsh: the file loads through compinit, and its functions give the same lists ---------
zsh -n "$SRC/completions/_nxp" || fail "zsh: syntax"
comp=$(zsh -f -c "fpath=('$SRC/completions' \$fpath); autoload -Uz compinit; compinit -u -D; print -r -- \$_comps[nxp]")
[ "$comp" = _nxp ] || fail "zsh: compinit does not bind _nxp to nxp (got '$comp')"
# Runs _nxp with the completion builtins replaced by ones that print what they were given:
# _describe prints its candidates, _arguments its option specs (and moves to state $2).
zsh_batch() {  # STATE PATH…: for each path ("repo add"), what _nxp offers after it
    zsh -f -c '
        state_want=$1; shift
        _describe() { local a; for a in "${@:3}"; do print -rl -- "${(@P)a}"; done; }
        _arguments() { print -rl -- "$@"; state=$state_want; return 1; }
        _alternative() { :; }
        source "$0"
        for p in "$@"; do
            print -r -- "@@$p"
            ( words=(${(z)p} ""); [[ $state_want == command ]] && words=(nxp ""); CURRENT=$#words; _nxp )
        done' "$SRC/completions/_nxp" "$@" 2>&1 || true
}
section() { awk -v k="@@$1" '$0 == k { on = 1; next } /^@@/ { on = 0 } on' <<<"$2"; }
zopts() { grep -oE '(^|[)*}])--?[a-zA-Z][-a-zA-Z]*' | sed 's/^[^-]*//' | sort -u; }
offered=$(section "" "$(zsh_batch command "")")
for c in $commands; do grep -q "^$c:" <<<"$offered" || fail "zsh: no command $c"; done
for o in $globals; do zopts <<<"$offered" | grep -qx -- "$o" || fail "zsh: no global option $o"; done
all=$(zsh_batch argument "${paths[@]}")
for p in "${paths[@]}"; do
    offered=$(section "$p" "$all")
    for s in ${SUBS[$p]}; do grep -q "^$s:" <<<"$offered" || fail "zsh: no subcommand $p $s"; done
    [ -n "${SUBS[$p]}" ] && continue
    for o in ${OPTS[$p]}; do
        zopts <<<"$offered" | grep -qx -- "$o" || fail "zsh: 'nxp $p' lacks option $o"
    done
done

# --- fish: real completion through `complete -C` ----------------------------------------
fish_batch() {  # LINE…: `complete -C LINE` for each, in one fish, each answer after "@@LINE"
    fish --no-config -c 'source $argv[1]
        for l in $argv[2..-1]; echo "@@$l"; complete -C "$l" | string split -f1 \t; end' \
        "$SRC/completions/nxp.fish" "$@"
}
fish_complete() { section "$1" "$(fish_batch "$1")"; }
lines=("nxp " "nxp -")
for p in "${paths[@]}"; do lines+=("nxp $p " "nxp $p -"); done
all=$(fish_batch "${lines[@]}")
offered=$(section "nxp " "$all")
for c in $commands; do grep -qx -- "$c" <<<"$offered" || fail "fish: no command $c"; done
offered=$(section "nxp -" "$all")
for o in $globals; do grep -qx -- "$o" <<<"$offered" || fail "fish: no global option $o"; done
for p in "${paths[@]}"; do
    offered=$(section "nxp $p " "$all")
    for s in ${SUBS[$p]}; do grep -qx -- "$s" <<<"$offered" || fail "fish: no subcommand $p $s"; done
    offered=$(section "nxp $p -" "$all")
    for o in ${OPTS[$p]}; do grep -qx -- "$o" <<<"$offered" || fail "fish: 'nxp $p' lacks option $o"; done
done
[ "$(fish_complete 'nxp ins')" = install ] || fail "fish: 'nxp ins' does not give install alone"

# --- names from the root named on the command line -------------------------------------
make_repo
make_root
nxp --yes install translator-mask >/dev/null
root=$NXP_ROOT
unset NXP_ROOT  # the completions must use the --root on the command line
PATH="$(dirname "$NXP"):$PATH"
export PATH

offered=$(bash_complete --root "$root" remove "")
[ "$offered" = translator-mask ] || fail "bash: installed names for remove: '$offered'"
offered=$(bash_complete --root "$root" install "")
grep -qx translator-mask <<<"$offered" || fail "bash: available names for install: '$offered'"
[ "$(wc -l <<<"$offered")" -ge 3 ] || fail "bash: only '$offered' available"
[ "$(bash_complete --root "$root" repo remove "")" = demo ] || fail "bash: repository names"
[ -z "$(bash_complete --root "$T/nowhere" remove "")" ] || fail "bash: names from a root that does not exist"
[ "$(bash_complete --root "$root" history "")" = "$(printf 'info\nundo')" ] || fail "bash: history subcommands"

offered=$(zsh -f -c 'source "$0"; _nxp_words=(nxp --root "$1" remove ""); _nxp_query installed' \
    "$SRC/completions/_nxp" "$root")
[ "$offered" = translator-mask ] || fail "zsh: installed names: '$offered'"
offered=$(zsh -f -c 'source "$0"; _nxp_words=(nxp "--root=$1" install ""); _nxp_query available' \
    "$SRC/completions/_nxp" "$root")
grep -qx translator-mask <<<"$offered" || fail "zsh: available names: '$offered'"

offered=$(fish_complete "nxp --root $root remove ")
[ "$offered" = translator-mask ] || fail "fish: installed names for remove: '$offered'"
offered=$(fish_complete "nxp --root $root install ")
grep -qx translator-mask <<<"$offered" || fail "fish: available names for install: '$offered'"
[ "$(fish_complete "nxp --root $root repo remove ")" = demo ] || fail "fish: repository names"
pass "bash, zsh and fish completions cover every command and option, and plugin names"
