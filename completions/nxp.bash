# bash completion for nxp.
# Commands and options mirror `nxp --help` and `nxp COMMAND --help`;
# tests/cli/test_completion.sh fails when one is missing here (or in the zsh and fish files).
# Plugin and repository names come from nxp itself (`list`, `search`, `repo list` with
# --json), reading the root given on the command line.

_nxp_query() {  # installed | available | repos: names, one per line
    local args=(--json) i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --root) args+=(--root "${words[i + 1]/#\~/$HOME}") ;;
            --root=*) args+=("${words[i]}") ;;
        esac
    done
    case $1 in
        installed) nxp "${args[@]}" list ;;
        available) nxp "${args[@]}" --offline search "" ;;
        repos) nxp "${args[@]}" repo list ;;
    esac 2>/dev/null | sed -n 's/^ *"name": "\([^"]*\)",\{0,1\}$/\1/p' | sort -u
}

_nxp() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local commands="init repo refresh search info list install remove update rollback history
        key pack lint verify repair hold unhold mark autoremove why gc clean audit config enable disable
        permissions tools exec nextchat serve doctor files owns new test import export apply lock bundle"
    local globals="-h --help --version --root -y --yes --dry-run --json -q --quiet -v --verbose
        --offline --no-wait --no-progress --progress-fd --color --grant --policy --allow-unsandboxed"
    # Options that take a value (global and per command), so their value is not a word.
    local valued=" --root --progress-fd --color --grant --policy --nextchat --nextchat-version
        --key --mirror --priority --password-file --id --expires-days --revoke --advisory -o --output --to --keep
        --unset --from-file --restart-cmd --path-map --kind --name --bin --lockfile --bundle
        --new-key --threshold --max-age --set --since --disable --allow-uid --max-sessions --with "

    # The command (and its subcommand) are the first words that are not options.
    local cmd="" sub="" i w
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -* ]]; then
            [[ $valued == *" $w "* ]] && ((i++))
        elif [[ -z $cmd ]]; then
            cmd=$w
        elif [[ -z $sub ]]; then
            sub=$w
        fi
    done
    # The aliases (nxp(1) COMMAND ALIASES) complete as their commands.
    case $cmd in
        add) cmd=install ;;
        del | erase | uninstall) cmd=remove ;;
        upgrade) cmd=update ;;
    esac

    case $prev in
        --root | --nextchat) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --policy | --key | --new-key | --password-file | --from-file | -o | --output | --lockfile | --bundle | --with)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --kind) COMPREPLY=($(compgen -W "mcp-server mask prompts" -- "$cur")); return ;;
        --grant)
            # permissions NAME --grant takes items of NAME's permissions, not plugin names.
            [[ $cmd == permissions ]] && COMPREPLY=($(compgen -W "all" -- "$cur")) ||
                COMPREPLY=($(compgen -W "all $(_nxp_query available)" -- "$cur"))
            return ;;
        --progress-fd | --nextchat-version | --mirror | --priority | --id | --expires-days | --revoke | --advisory | \
            --to | --keep | --unset | --restart-cmd | --path-map | --name | --bin | \
            --threshold | --max-age | --since | --disable | --enable | --allow-uid | --max-sessions)
            return ;;
        --set)
            COMPREPLY=($(compgen -W "repo.max_age= extract.max_entries= extract.max_bytes=
                download.parallel= gc.keep= resolve.narrow_min=" -- "$cur"))
            compopt -o nospace 2>/dev/null
            return ;;
    esac

    local opts="" subs="" what=""
    case $cmd in
        "") COMPREPLY=($(compgen -W "$commands $globals" -- "$cur")); return ;;
        init) opts="--nextchat --nextchat-version --set" ;;
        repo)
            subs="add list remove build rotate-key push"
            case $sub in
                add) opts="--key --mirror --priority --threshold --max-age" ;;
                remove) what=repos ;;
                build) opts="--key --password-file --id --expires-days --revoke --advisory --pin-tools --url --mcp-registry --mcp-registry-namespace"; what=files ;;
                rotate-key) opts="--key --new-key --threshold --password-file"; what=dirs ;;
                push) what=dirs ;;
            esac ;;
        refresh) what=repos ;;
        search) opts="--regex" ;;
        autoremove | audit) ;;
        doctor) opts="--repair" ;;
        list) opts="--explicit --dependencies --orphans --upgradable --held --available" ;;
        mark) opts="--explicit --dependency"; what=installed ;;
        owns) what=files ;;
        info) what=any ;;
        install) opts="--no-recommends --download-only --allow-untrusted --allow-erasing"; what=available ;;
        remove) opts="--keep-deps --purge"; what=installed ;;
        update) opts="--check --download-only --allow-erasing"; what=installed ;;
        verify | repair | hold | unhold | why | enable | disable | exec | files) what=installed ;;
        apply) opts="--locked --lockfile --bundle --key"; what=files ;;
        lock) opts="-o --output" ;;
        bundle) opts="-o --output --key --password-file" ;;
        rollback) opts="--to --force" ;;
        history) subs="info undo"; [[ -z $sub ]] && opts="--audit" ;;
        key)
            subs="generate"
            [[ $sub == generate ]] && opts="-o --output --password-file --force" ;;
        pack) opts="-o --output"; what=dirs ;;
        lint) what=files ;;
        gc) opts="--keep" ;;
        config) opts="--unset --from-file --edit"; what=installed ;;
        permissions) opts="--grant --revoke --log --since --denied"; what=installed ;;
        tools) opts="--disable --enable --allow-unpinned --pinned-only"; what=installed ;;
        nextchat)
            subs="set status"
            [[ $sub == set ]] && opts="--restart-cmd --path-map --nextchat-version --launcher --no-launcher" && what=dirs ;;
        serve) opts="--allow-uid --max-sessions" ;;
        new) opts="--kind --name"; what=dirs ;;
        test) opts="--with --nextchat-version --keep"; what=files ;;
        import)
            subs="npm node-runtime server.json mcpb"
            [[ $sub == npm ]] && opts="-o --output --name --bin --no-check --no-build-native --env --min-age --previous"
            [[ $sub == server.json ]] && opts="-o --output --name --remote --no-check" && what=files
            [[ $sub == node-runtime ]] && opts="-o --output --arch --name"
            [[ $sub == mcpb ]] && opts="-o --output --name --no-check" && what=files ;;
        export)
            subs="mcpb"
            [[ $sub == mcpb ]] && opts="-o --output" && what=installed ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
    elif [[ -n $subs && -z $sub ]]; then
        COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    else
        case $what in
            installed | available | repos) COMPREPLY=($(compgen -W "$(_nxp_query $what)" -- "$cur")) ;;
            any) COMPREPLY=($(compgen -W "$(_nxp_query available) $(_nxp_query installed)" -- "$cur")) ;;
            files) COMPREPLY=($(compgen -f -- "$cur")) ;;
            dirs) COMPREPLY=($(compgen -d -- "$cur")) ;;
        esac
    fi
}
complete -F _nxp nxp
