# bash completion for nxp
_nxp() {
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    }
    local commands="init install remove update autoremove rollback history list info search why verify repair audit doctor files owns hold unhold config enable disable permissions exec nextchat gc repo refresh key pack lint"
    local globals="--root --yes --dry-run --json --quiet --verbose --offline --no-wait --no-progress --progress-fd --color --grant --policy --allow-unsandboxed --help --version"
    local cmd="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --root|--color) ((i++)) ;;
            -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done
    case $prev in
        --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    esac
    case $cmd in
        "") COMPREPLY=($(compgen -W "$commands $globals" -- "$cur")) ;;
        repo) COMPREPLY=($(compgen -W "add list remove build" -- "$cur")) ;;
        key) COMPREPLY=($(compgen -W "generate" -- "$cur")) ;;
        history) COMPREPLY=($(compgen -W "info undo" -- "$cur")) ;;
        nextchat) COMPREPLY=($(compgen -W "set status" -- "$cur")) ;;
        owns|pack|lint) COMPREPLY=($(compgen -f -- "$cur")) ;;
        remove|update|info|files|verify|repair|why|hold|unhold|config|enable|disable|permissions|exec)
            local names
            names=$(nxp list --json 2>/dev/null | sed -n 's/^ *"name": "\(.*\)",$/\1/p')
            COMPREPLY=($(compgen -W "$names" -- "$cur")) ;;
    esac
}
complete -F _nxp nxp
