#!/usr/bin/env bash
# Unknown commands, aliases, "did you mean" and option parsing (issue 18 items 5 and 6).
. "$(dirname "$0")/testlib.sh"

plugin uxprompts 1.0.0 '"permissions": { "network": ["api.example.org"] },
  "config": { "units": { "type": "string", "default": "metric" },
              "timeout": { "type": "integer", "default": 30 } },'
plugin uxdice 1.0.0 '"permissions": { "network": ["dice.example.org"] },'
plugin uxnever 1.0.0 '"permissions": { "network": ["never.example.org"] },'
plugin plain 1.0.0
make_repo "$T"/src/*/
make_root

# --- unknown commands and aliases ---------------------------------------------------------
run_rc 2 nxp instal uxprompts
err_has "unknown command 'instal'; did you mean 'install'?"
run_rc 2 nxp --yes rmove uxprompts
err_has "unknown command 'rmove'; did you mean 'remove'?"
run_rc 2 nxp frobnicate
err_has "unknown command 'frobnicate'; see 'nxp --help'"
! grep -q "A subcommand is required" "$T/err" || fail "CLI11's message instead of the word"
run_rc 2 nxp repo ad demo2 "file://$T/repo"
err_has "unknown command 'repo ad'; did you mean 'repo add'?"
run_rc 2 nxp history undoo 3
err_has "unknown command 'history undoo'; did you mean 'history undo'?"
run_rc 2 nxp --root "$NXP_ROOT" repo zzzzz
err_has "unknown command 'repo zzzzz'; see 'nxp repo --help'"
run_rc 2 nxp --json --root "$NXP_ROOT" instal x
jq -e '.ok == false and .error.kind == "usage" and (.error.message | test("instal"))' "$T/out" \
    >/dev/null || { cat "$T/out"; fail "--json: no usage error document"; }
pass "unknown commands are named, with the nearest command"

nxp --help >"$T/help"
grep -qE '^  install  ' "$T/help" || { cat "$T/help"; fail "--help does not list install alone"; }
! grep -q "install, add" "$T/help" || fail "--help lists aliases in the command list"
grep -q "^Aliases: add for install; del, erase, uninstall for remove; upgrade for update" \
    "$T/help" || { cat "$T/help"; fail "--help does not name the aliases"; }
nxp add --help | grep -q "^Also called: add" || fail "install --help does not name its alias"

run_rc 0 nxp --yes add plain
assert_installed plain 1.0.0
run_rc 0 nxp --yes upgrade
for a in del erase uninstall; do
    run_rc 0 nxp --yes $a plain
    assert_not_installed plain
    nxp --yes install plain >/dev/null
done
pass "add, del, erase, uninstall and upgrade work"

# --- option parsing: one value each ---------------------------------------------------------
# The issue's command: --grant takes "all", not the plugin names after it.
run_rc 0 nxp install -y --grant all uxprompts
assert_installed uxprompts 1.0.0
nxp -y remove uxprompts >/dev/null
# A comma list, and the option repeated; options between the names.
run_rc 0 nxp install -y --grant uxprompts,uxdice uxprompts uxdice
assert_installed uxprompts 1.0.0
assert_installed uxdice 1.0.0
nxp -y remove uxprompts uxdice >/dev/null
run_rc 0 nxp -y install --grant uxprompts uxprompts --grant uxdice uxdice
assert_installed uxdice 1.0.0
# A grant not given is still needed: --grant uxdice does not grant uxnever.
nxp -y remove uxprompts uxdice >/dev/null
run_rc 1 nxp -y install --grant uxdice uxdice uxnever </dev/null
err_has "uxnever"
assert_not_installed uxnever
pass "install --grant takes one value each (repeat or comma list)"

# The issue's second command: repo build --key K DIR pkg.
nxp pack "$T/src/plain-1.0.0" -o "$T/plain.nxp" >/dev/null
run_rc 0 nxp repo build --key "$T/key.key" "$T/repo2" "$T/plain.nxp" --id two
[ -f "$T/repo2/index.json.zst" ] || fail "repo build --key K DIR pkg built nothing"
# --revoke SPEC then the directory; --key repeated.
nxp key generate -o "$T/key2" >/dev/null
run_rc 0 nxp repo build --key "$T/key.key" --revoke plain@1.0.0 "$T/repo2"
# repo add --key K NAME URL, --mirror M NAME URL.
run_rc 0 nxp repo add --key "$T/key.pub" --mirror "file://$T/repo2" two "file://$T/repo2"
nxp repo list | grep -q "^two\b\|two " || { nxp repo list; fail "repo add --key K NAME URL"; }
# tools NAME --disable a,b: a comma list of tool names; --disable x NAME does not take NAME.
run_rc 1 nxp tools --disable nosuchtool uxdice
err_has "uxdice"
! grep -q "required" "$T/err" || { cat "$T/err"; fail "tools --disable swallowed the name"; }
pass "repo build, repo add and tools options take one value each"

# --- global options in every command's --help ------------------------------------------------
for c in install remove "repo add" config tools; do
    # shellcheck disable=SC2086
    nxp $c --help >"$T/help"
    grep -q "^Global options" "$T/help" || { cat "$T/help"; fail "nxp $c --help: no global options"; }
    for o in --yes --dry-run --json --root --grant --offline; do
        sed -n '/^Global options/,$p' "$T/help" | grep -q -- "$o" ||
            { cat "$T/help"; fail "nxp $c --help does not show $o"; }
    done
done
pass "each command's --help lists the global options"

# --- did you mean ------------------------------------------------------------------------------
nxp -y --grant all install uxprompts >/dev/null
run_rc 3 nxp -y install uxprompst
err_has "did you mean 'uxprompts'"
run_rc 1 nxp -y remove uxprompst
err_has "not installed; did you mean 'uxprompts'?"
run_rc 1 nxp enable uxprompst
err_has "did you mean 'uxprompts'"
run_rc 1 nxp config uxprompst
err_has "did you mean 'uxprompts'"
run_rc 1 nxp -y config uxprompts unitz imperial
err_has "did you mean 'units'"
run_rc 1 nxp config uxprompts timeuot
err_has "did you mean 'timeout'"
run_rc 1 nxp refresh dmeo
err_has "did you mean 'demo'"
run_rc 1 nxp repo remove dmeo
err_has "did you mean 'demo'"
run_rc 1 nxp tools uxprompst
err_has "did you mean 'uxprompts'"
# Nothing near: no suggestion.
run_rc 1 nxp -y remove zzzzzzzz
! grep -q "did you mean" "$T/err" || { cat "$T/err"; fail "a suggestion for a word nothing is near"; }
pass "misspelt plugin, config key and repository names get 'did you mean'"

# --- completions treat the aliases as their commands --------------------------------------
# shellcheck disable=SC1091
. "$SRC/completions/nxp.bash"
bash_complete() {
    COMP_WORDS=(nxp "$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
    COMPREPLY=(); _nxp; printf '%s\n' "${COMPREPLY[@]}"
}
bash_complete add --no-rec | grep -qx -- --no-recommends || fail "bash: add is not install"
bash_complete uninstall --pur | grep -qx -- --purge || fail "bash: uninstall is not remove"
bash_complete del --keep | grep -qx -- --keep-deps || fail "bash: del is not remove"
bash_complete upgrade --che | grep -qx -- --check || fail "bash: upgrade is not update"
bash_complete repo add --mir | grep -qx -- --mirror || fail "bash: 'repo add' became 'repo install'"
if command -v fish >/dev/null; then
    PATH=$(dirname "$NXP"):$PATH fish -c "source '$SRC/completions/nxp.fish'; complete -C 'nxp add --no-rec'" |
        grep -q -- --no-recommends || fail "fish: add is not install"
    PATH=$(dirname "$NXP"):$PATH fish -c "source '$SRC/completions/nxp.fish'; complete -C 'nxp repo add --mir'" |
        grep -q -- --mirror || fail "fish: 'repo add' became 'repo install'"
fi
pass "completions complete the aliases' arguments as their commands'"
