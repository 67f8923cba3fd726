# fish completion for nxp.
# Commands and options mirror `nxp --help` and `nxp COMMAND --help`;
# tests/cli/test_completion.sh fails when one is missing here (or in the bash and zsh files).
# Plugin and repository names come from nxp itself, reading the root given on the command line.

# The command and subcommand typed so far: the first words that are not options or their values.
function __nxp_words
    set -l valued --root --progress-fd --color --grant --policy --nextchat --nextchat-version \
        --key --mirror --priority --password-file --id --expires-days --revoke --advisory -o --output --to --keep \
        --unset --from-file --restart-cmd --path-map --kind --name --bin --lockfile --bundle --allow-uid --max-sessions
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    set -l first 1
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if string match -q -- '-*' $t
            contains -- $t $valued; and set skip 1
        else
            # The aliases (nxp(1) COMMAND ALIASES) complete as their commands.
            if test $first = 1
                switch $t
                    case add
                        set t install
                    case del erase uninstall
                        set t remove
                    case upgrade
                        set t update
                end
                set first 0
            end
            echo $t
        end
    end
end

# True when the words typed so far are exactly $argv (command [subcommand]).
function __nxp_at
    set -l w (__nxp_words)
    test (count $w) -eq (count $argv); and test "$w" = "$argv"
end

# True when the command (and subcommand, if given) are $argv, whatever follows.
function __nxp_in
    set -l w (__nxp_words)
    set -l n (count $argv)
    test (count $w) -ge $n; or return 1
    test "$w[1..$n]" = "$argv"
end

function __nxp_query  # installed | available | repos: names, one per line
    set -l args --json
    set -l tokens (commandline -opc)
    set -l i (contains -i -- --root $tokens)
    and set -a args --root $tokens[(math $i + 1)]
    for t in $tokens
        string match -q -- '--root=*' $t; and set -a args $t
    end
    switch $argv[1]
        case installed
            nxp $args list 2>/dev/null
        case available
            nxp $args --offline search "" 2>/dev/null
        case repos
            nxp $args repo list 2>/dev/null
    end | string replace -rf '^ *"name": "([^"]*)",?$' '$1' | sort -u
end

complete -c nxp -f

# Global options, accepted before or after the command.
complete -c nxp -s h -l help -d 'Print help and exit'
complete -c nxp -l version -d 'Print the version and exit'
complete -c nxp -l root -x -a '(__fish_complete_directories)' -d 'Install root'
complete -c nxp -s y -l yes -d 'Answer yes to questions'
complete -c nxp -l dry-run -d 'Show what would change, change nothing'
complete -c nxp -l json -d 'Print one JSON document on stdout; never prompt'
complete -c nxp -s q -l quiet -d 'Print only errors'
complete -c nxp -s v -l verbose -d 'Print more detail'
complete -c nxp -l offline -d 'Use only cached indexes and packages'
complete -c nxp -l no-wait -d 'Exit 6 instead of waiting for the lock'
complete -c nxp -l no-progress -d 'Do not draw progress'
complete -c nxp -l progress-fd -x -d 'Write progress as JSON lines to this descriptor'
complete -c nxp -l color -x -a 'auto always never' -d 'Colour'
complete -c nxp -l grant -x -a 'all (__nxp_query available)' -d 'Grant permissions without asking'
complete -c nxp -l policy -r -F -d 'JSON file of acceptable permissions'
complete -c nxp -l allow-unsandboxed -d 'Run plugin code without bubblewrap where it cannot work'

# Commands.
complete -c nxp -n '__nxp_at' -a init -d 'Create an install root (idempotent)'
complete -c nxp -n '__nxp_at' -a repo -d 'Manage repositories'
complete -c nxp -n '__nxp_at' -a refresh -d 'Fetch and verify repository indexes'
complete -c nxp -n '__nxp_at' -a search -d 'Search plugins by name, summary and publisher'
complete -c nxp -n '__nxp_at' -a info -d "Show a plugin's details"
complete -c nxp -n '__nxp_at' -a list -d 'List installed plugins'
complete -c nxp -n '__nxp_at' -a install -d 'Install plugins and what they require'
complete -c nxp -n '__nxp_at' -a remove -d 'Remove plugins and dependencies nothing else needs'
complete -c nxp -n '__nxp_at' -a update -d 'Update plugins to the best versions that fit together'
complete -c nxp -n '__nxp_at' -a rollback -d 'Switch back to the previous (or a chosen) generation'
complete -c nxp -n '__nxp_at' -a history -d 'Show past transactions'
complete -c nxp -n '__nxp_at' -a key -d 'Manage signing keys'
complete -c nxp -n '__nxp_at' -a pack -d 'Pack a plugin directory into a reproducible .nxp'
complete -c nxp -n '__nxp_at' -a lint -d 'Check a plugin directory or .nxp file'
complete -c nxp -n '__nxp_at' -a verify -d 'Check installed files against the database'
complete -c nxp -n '__nxp_at' -a repair -d 'Restore damaged installed files'
complete -c nxp -n '__nxp_at' -a hold -d 'Keep plugins at their installed version'
complete -c nxp -n '__nxp_at' -a unhold -d 'Let held plugins change again'
complete -c nxp -n '__nxp_at' -a mark -d 'Change why installed plugins are installed (explicit or dependency)'
complete -c nxp -n '__nxp_at' -a autoremove -d 'Remove dependencies nothing needs any more'
complete -c nxp -n '__nxp_at' -a why -d 'Show what keeps a plugin installed'
complete -c nxp -n '__nxp_at' -a gc -d 'Drop old generations and store trees nothing uses'
complete -c nxp -n '__nxp_at' -a clean -d 'Remove cached packages nothing needs, partial downloads and old index copies'
complete -c nxp -n '__nxp_at' -a audit -d 'Report revoked or advised installed plugins'
complete -c nxp -n '__nxp_at' -a config -d "Show or change a plugin's configuration"
complete -c nxp -n '__nxp_at' -a enable -d 'Enable plugins'
complete -c nxp -n '__nxp_at' -a disable -d 'Disable plugins (paused in NextChat)'
complete -c nxp -n '__nxp_at' -a permissions -d "Show, grant or revoke a plugin's permissions; egress log"
complete -c nxp -n '__nxp_at' -a tools -d "Show an MCP server's tools; hide or restore them"
complete -c nxp -n '__nxp_at' -a exec -d "Start a plugin's MCP server in its sandbox"
complete -c nxp -n '__nxp_at' -a nextchat -d 'Point nxp at NextChat and check it is in step'
complete -c nxp -n '__nxp_at' -a serve -d "Start plugins for NextChat's launcher entries"
complete -c nxp -n '__nxp_at' -a doctor -d 'Check the root, repositories, plugins, sandbox and NextChat'
complete -c nxp -n '__nxp_at' -a files -d 'List the files an installed plugin owns'
complete -c nxp -n '__nxp_at' -a owns -d 'Show which installed plugin owns a file'
complete -c nxp -n '__nxp_at' -a apply -d 'Make the root match a desired-state file in one transaction'
complete -c nxp -n '__nxp_at' -a lock -d 'Write a lockfile of the exact installed set'
complete -c nxp -n '__nxp_at' -a bundle -d 'Write the installed set as a signed offline bundle'
complete -c nxp -n '__nxp_at' -a new -d 'Create a plugin directory that passes lint and pack'
complete -c nxp -n '__nxp_at' -a test -d 'Install a plugin into a throwaway root and show its tools'
complete -c nxp -n '__nxp_at' -a import -d 'Turn a published package into a plugin directory'
complete -c nxp -n '__nxp_at' -a export -d 'Write a plugin in another format (an MCPB bundle)'

# Subcommands.
complete -c nxp -n '__nxp_at repo' -a add -d 'Add a repository and fetch its index'
complete -c nxp -n '__nxp_at repo' -a list -d 'List repositories'
complete -c nxp -n '__nxp_at repo' -a remove -d 'Remove a repository'
complete -c nxp -n '__nxp_at repo' -a build -d 'Add packages to a static repository and sign its index'
complete -c nxp -n '__nxp_at repo' -a rotate-key -d 'Hand a repository over to new signing keys'
complete -c nxp -n '__nxp_at repo' -a push -d 'Push a built repository to an OCI registry'
complete -c nxp -n '__nxp_at history' -a info -d 'Show one transaction'
complete -c nxp -n '__nxp_at history' -a undo -d 'Reverse one transaction'
complete -c nxp -n '__nxp_at history' -l audit -d 'Show the audit log and check its hash chain'
complete -c nxp -n '__nxp_in doctor' -l repair -d 'Rebuild a damaged install database (the damaged file is kept aside)'
complete -c nxp -n '__nxp_at key' -a generate -d 'Create a minisign-compatible key pair'
complete -c nxp -n '__nxp_at nextchat' -a set -d "Keep DIR's app/mcp/mcp_config.json in step"
complete -c nxp -n '__nxp_at nextchat' -a status -d "Show drift between nxp's state and NextChat's files"
complete -c nxp -n '__nxp_at import' -a npm -d 'Turn an npm-published MCP server into a plugin directory'
complete -c nxp -n '__nxp_at import' -a node-runtime -d 'Turn a Node.js build from npm into a runtime plugin'
complete -c nxp -n '__nxp_at import' -a mcpb -d 'Turn an MCPB bundle (.mcpb) into a plugin directory'
complete -c nxp -n '__nxp_at export' -a mcpb -d 'Write a plugin as an MCPB bundle'
complete -c nxp -n '__nxp_at import' -a server.json -d 'Turn an MCP Registry server.json into a plugin directory'

# Options and arguments of each command.
complete -c nxp -n '__nxp_in init' -l nextchat -x -a '(__fish_complete_directories)' -d 'NextChat checkout or mounted volume'
complete -c nxp -n '__nxp_in init' -l nextchat-version -x -d 'NextChat version'
complete -c nxp -n '__nxp_in init' -l set -x -a 'repo.max_age= extract.max_entries= extract.max_bytes= download.parallel= gc.keep= resolve.narrow_min=' -d 'Root setting KEY=VALUE'
complete -c nxp -n '__nxp_in repo add' -l key -r -F -d 'Pinned minisign public key'
complete -c nxp -n '__nxp_in repo add' -l mirror -x -d 'Mirror base URL'
complete -c nxp -n '__nxp_in repo add' -l priority -x -d 'Higher wins between repositories'
complete -c nxp -n '__nxp_in repo add' -l threshold -x -d 'Distinct valid signatures the index needs'
complete -c nxp -n '__nxp_in repo add' -l max-age -x -d 'Refresh the index when older (6h; 0 never)'
complete -c nxp -n '__nxp_in repo remove' -a '(__nxp_query repos)'
complete -c nxp -n '__nxp_in repo build' -F
complete -c nxp -n '__nxp_in repo build' -l key -r -F -d 'Secret key file'
complete -c nxp -n '__nxp_in repo build' -l password-file -r -F -d 'Password of an encrypted secret key'
complete -c nxp -n '__nxp_in repo build' -l id -x -d 'Repository id'
complete -c nxp -n '__nxp_in repo build' -l expires-days -x -d 'Days until clients refuse the index'
complete -c nxp -n '__nxp_in repo build' -l revoke -x -d 'Revoke a published package (sha256 or NAME@VERSION)'
complete -c nxp -n '__nxp_in repo build' -l advisory -x -d 'Publish an advisory ID;PACKAGE;VERSIONS;SEVERITY;SUMMARY'
complete -c nxp -n '__nxp_in repo build' -l pin-tools -d 'Start each added MCP server and pin its tool definitions'
complete -c nxp -n '__nxp_in repo build' -l url -x -d 'URL users add the repository from'
complete -c nxp -n '__nxp_in repo build' -l mcp-registry -d 'Also write the MCP Registry API tree (v0/servers)'
complete -c nxp -n '__nxp_in repo build' -l mcp-registry-namespace -x -d 'Reverse-DNS namespace of the server names'
complete -c nxp -n '__nxp_in repo rotate-key' -F
complete -c nxp -n '__nxp_in repo push' -F
complete -c nxp -n '__nxp_in repo rotate-key' -l key -r -F -d 'Current secret key file'
complete -c nxp -n '__nxp_in repo rotate-key' -l new-key -r -F -d 'New secret key file'
complete -c nxp -n '__nxp_in repo rotate-key' -l threshold -x -d 'How many new keys must sign'
complete -c nxp -n '__nxp_in repo rotate-key' -l password-file -r -F -d 'Password of the encrypted secret key(s)'
complete -c nxp -n '__nxp_in refresh' -a '(__nxp_query repos)'
complete -c nxp -n '__nxp_in info' -a '(__nxp_query available; __nxp_query installed)'
complete -c nxp -n '__nxp_in install' -a '(__nxp_query available)'
complete -c nxp -n '__nxp_in install' -l no-recommends -d 'Do not install recommended plugins'
complete -c nxp -n '__nxp_in install' -l download-only -d 'Download and verify into the cache, install nothing'
complete -c nxp -n '__nxp_in install' -l allow-untrusted -d 'Install package files no signed index lists'
complete -c nxp -n '__nxp_in install' -l allow-erasing -d 'Remove installed plugins where the request needs it'
complete -c nxp -n '__nxp_in remove' -a '(__nxp_query installed)'
complete -c nxp -n '__nxp_in remove' -l keep-deps -d 'Keep dependencies that are no longer needed'
complete -c nxp -n '__nxp_in remove' -l purge -d 'Also drop configuration and data'
for c in update verify repair hold unhold mark why config enable disable permissions tools exec files
    complete -c nxp -n "__nxp_in $c" -a '(__nxp_query installed)'
end
complete -c nxp -n '__nxp_in rollback' -l to -x -d 'Generation to switch to'
complete -c nxp -n '__nxp_in rollback' -l force -d 'Roll back even onto revoked packages'
complete -c nxp -n '__nxp_in key generate' -s o -l output -r -F -d 'Path prefix for PREFIX.key and PREFIX.pub'
complete -c nxp -n '__nxp_in key generate' -l password-file -r -F -d 'Encrypt the secret key with this password'
complete -c nxp -n '__nxp_in key generate' -l force -d 'Overwrite existing key files'
complete -c nxp -n '__nxp_in pack' -a '(__fish_complete_directories)'
complete -c nxp -n '__nxp_in pack' -s o -l output -r -F -d 'Output file or directory'
complete -c nxp -n '__nxp_in lint' -F
complete -c nxp -n '__nxp_in owns' -F
complete -c nxp -n '__nxp_in gc' -l keep -x -d 'Generations to keep besides the current one'
complete -c nxp -n '__nxp_in config' -l unset -x -d "Remove a key's value"
complete -c nxp -n '__nxp_in config' -l from-file -r -F -d 'Set keys from a JSON object'
complete -c nxp -n '__nxp_in config' -l edit -d 'Edit the configuration as JSON in $EDITOR'
complete -c nxp -n '__nxp_in permissions' -l grant -d 'Grant what it asks for (or the items named)'
complete -c nxp -n '__nxp_in permissions' -l revoke -d 'Revoke every grant'
complete -c nxp -n '__nxp_in permissions' -l log -d 'Show the egress decisions its sandbox recorded'
complete -c nxp -n '__nxp_in permissions' -l since -x -d 'With --log: only since TIME (ISO, or Nm/Nh/Nd ago)'
complete -c nxp -n '__nxp_in permissions' -l denied -d 'With --log: only denied decisions'
complete -c nxp -n '__nxp_in tools' -l disable -x -d 'Hide these tools from NextChat'
complete -c nxp -n '__nxp_in tools' -l enable -d 'Show these hidden tools again (none: all)'
complete -c nxp -n '__nxp_in tools' -l allow-unpinned -d 'Let changed and new tool definitions through'
complete -c nxp -n '__nxp_in tools' -l pinned-only -d 'Withhold definitions that differ from the pinned ones'
complete -c nxp -n '__nxp_in nextchat set' -a '(__fish_complete_directories)'
complete -c nxp -n '__nxp_in nextchat set' -l restart-cmd -x -d 'Run after each change'
complete -c nxp -n '__nxp_in nextchat set' -l path-map -x -d 'HOST=CONTAINER'
complete -c nxp -n '__nxp_in nextchat set' -l nextchat-version -x -d 'NextChat version'
complete -c nxp -n '__nxp_in nextchat set' -l launcher -d "Entries start plugins through the launcher and nxp serve"
complete -c nxp -n '__nxp_in nextchat set' -l no-launcher -d "Entries run nxp exec directly"
complete -c nxp -n '__nxp_in serve' -l allow-uid -x -d 'Also start plugins for this uid'
complete -c nxp -n '__nxp_in serve' -l max-sessions -x -d 'Sessions at once (default 64)'
complete -c nxp -n '__nxp_in new' -a '(__fish_complete_directories)'
complete -c nxp -n '__nxp_in new' -l kind -x -a 'mcp-server mask prompts' -d 'Kind of plugin'
complete -c nxp -n '__nxp_in new' -l name -x -d 'Plugin name (default: the directory name)'
complete -c nxp -n '__nxp_in test' -F
complete -c nxp -n '__nxp_in test' -l with -r -F -d 'Another plugin directory or .nxp for the repository'
complete -c nxp -n '__nxp_in test' -l nextchat-version -x -d 'NextChat version of the throwaway root'
complete -c nxp -n '__nxp_in test' -l keep -d 'Keep the temporary directory'
complete -c nxp -n '__nxp_in import npm' -s o -l output -x -a '(__fish_complete_directories)' -d 'Plugin directory to write'
complete -c nxp -n '__nxp_in import npm' -l name -x -d 'Plugin name'
complete -c nxp -n '__nxp_in import npm' -l bin -x -d 'Which program of the package is the server'
complete -c nxp -n '__nxp_in import npm' -l no-check -d 'Do not run the MCP health check at install'
complete -c nxp -n '__nxp_in import npm' -l no-build-native -d 'Do not build native addons (binding.gyp) from source'
complete -c nxp -n '__nxp_in import mcpb' -F
complete -c nxp -n '__nxp_in import mcpb' -s o -l output -x -a '(__fish_complete_directories)' -d 'Plugin directory to write'
complete -c nxp -n '__nxp_in import mcpb' -l name -x -d 'Plugin name'
complete -c nxp -n '__nxp_in import mcpb' -l no-check -d 'Do not run the MCP health check at install'
complete -c nxp -n '__nxp_in export mcpb' -F
complete -c nxp -n '__nxp_in export mcpb' -s o -l output -r -F -d 'Bundle to write (default NAME-VERSION.mcpb)'
complete -c nxp -n '__nxp_in import node-runtime' -s o -l output -x -a '(__fish_complete_directories)' -d 'Plugin directory to write'
complete -c nxp -n '__nxp_in import node-runtime' -l arch -x -a 'x64 arm64' -d 'Node.js build architecture'
complete -c nxp -n '__nxp_in import node-runtime' -l name -x -d 'Plugin name (default: nodeMAJOR)'
complete -c nxp -n '__nxp_in import npm' -l env -x -d 'Config key for an environment variable (NAME[=secret|required])'
complete -c nxp -n '__nxp_in import npm' -l min-age -x -d 'Newest version at least this old (7d, 12h, 30m)'
complete -c nxp -n '__nxp_in import npm' -l previous -r -F -d 'plugin.json of an earlier import'
complete -c nxp -n '__nxp_in import server.json' -F
complete -c nxp -n '__nxp_in import server.json' -s o -l output -x -a '(__fish_complete_directories)' -d 'Plugin directory to write'
complete -c nxp -n '__nxp_in import server.json' -l name -x -d 'Plugin name'
complete -c nxp -n '__nxp_in import server.json' -l remote -d 'Import remotes[0] even when an npm package is offered'
complete -c nxp -n '__nxp_in import server.json' -l no-check -d 'Do not run the MCP health check at install'
complete -c nxp -n '__nxp_in mark' -l explicit -d 'Mark as explicitly installed: autoremove keeps them'
complete -c nxp -n '__nxp_in mark' -l dependency -d 'Mark as dependencies: autoremove removes them once nothing needs them'
complete -c nxp -n '__nxp_in list' -l explicit -d 'Only plugins installed explicitly'
complete -c nxp -n '__nxp_in list' -l dependencies -d 'Only plugins installed as dependencies'
complete -c nxp -n '__nxp_in list' -l orphans -d "Only dependencies nothing needs (what 'nxp autoremove' would remove)"
complete -c nxp -n '__nxp_in list' -l upgradable -d "Only plugins 'nxp update' would upgrade"
complete -c nxp -n '__nxp_in list' -l held -d 'Only held plugins'
complete -c nxp -n '__nxp_in list' -l available -d 'Every plugin the repositories offer'
complete -c nxp -n '__nxp_in update' -l check -d 'Only report available updates: exit 10 when some'
complete -c nxp -n '__nxp_in update' -l download-only -d 'Download and verify into the cache, update nothing'
complete -c nxp -n '__nxp_in update' -l allow-erasing -d 'Remove installed plugins where the update needs it'
complete -c nxp -n '__nxp_in apply' -F
complete -c nxp -n '__nxp_in apply' -l locked -d 'Install exactly the lockfile next to FILE'
complete -c nxp -n '__nxp_in apply' -l lockfile -r -F -d 'Install exactly this lockfile'
complete -c nxp -n '__nxp_in apply' -l bundle -r -F -d 'Install from an offline bundle'
complete -c nxp -n '__nxp_in apply' -l key -r -F -d 'Public key the bundle must be signed with'
complete -c nxp -n '__nxp_in lock' -s o -l output -r -F -d 'Lockfile to write'
complete -c nxp -n '__nxp_in bundle' -s o -l output -r -F -d 'Bundle file to write'
complete -c nxp -n '__nxp_in bundle' -l key -r -F -d 'Secret key to sign the lockfile with'
complete -c nxp -n '__nxp_in bundle' -l password-file -r -F -d 'Password of an encrypted secret key'
complete -c nxp -n '__nxp_in search' -l regex -d 'Each word is an RE2 regular expression'
