#!/usr/bin/env bash
# Issue 18 item 1: nxp install ./x.nxp. A file whose sha256 an accepted signed index lists
# installs as that repository's package (no flag, the repository recorded); any other file
# is refused without --allow-untrusted (the message names the flag, nothing changes) and
# installed with it, marked untrusted in list, info and history (human and --json). Its
# dependencies come from the repositories.
. "$(dirname "$0")/testlib.sh"

plugin base 1.0.0
plugin signed 1.0.0 '"requires": ["base ^1"],'
make_repo "$T/src/base-1.0.0" "$T/src/signed-1.0.0"
make_root
cp "$T/pkgs/signed-1.0.0.nxp" "$T/signed.nxp"

# A file listed in the signed index: installed without any flag, from that repository.
cd "$T"
run_rc 0 nxp --yes install ./signed.nxp
assert_installed signed 1.0.0
assert_installed base 1.0.0
[ "$(nxp list --json | jq -r '.packages[] | select(.name=="signed") | .repo')" = demo ] ||
    fail "the signed file's repository is not recorded"
[ "$(nxp list --json | jq -r '.packages[] | select(.name=="signed") | .untrusted')" = false ] ||
    fail "a signed file is marked untrusted"
pass "a file listed in the signed index installs as that repository's package"

# A foreign package: a plugin no index lists, requiring a plugin from the repository.
plugin foreign 2.0.0 '"requires": ["base ^1"],'
nxp pack "$T/src/foreign-2.0.0" -o "$T/elsewhere/" >/dev/null
gen=$(readlink "$NXP_ROOT/current")
run_rc 4 nxp --yes install "$T/elsewhere/foreign-2.0.0.nxp"
err_has "not in the signed index of any configured repository"
err_has "--allow-untrusted"
err_has "foreign-2.0.0.nxp"
[ "$(readlink "$NXP_ROOT/current")" = "$gen" ] || fail "a refused file changed the generation"
assert_not_installed foreign
pass "a foreign file is refused without --allow-untrusted, naming the flag"

# The same, by a bare file name ending in .nxp.
cp "$T/elsewhere/foreign-2.0.0.nxp" "$T/foreign.nxp"
run_rc 4 nxp --yes install foreign.nxp
err_has "--allow-untrusted"

# --json: the refusal is a document naming the flag.
run_rc 4 nxp --json --yes install ./foreign.nxp
jq -e '.ok == false and (.error.message | test("--allow-untrusted"))' "$T/out" >/dev/null ||
    fail "--json refusal does not name --allow-untrusted: $(cat "$T/out")"

# With --allow-untrusted: installed, marked untrusted everywhere.
run_rc 0 nxp --yes install --allow-untrusted ./foreign.nxp
err_has "untrusted"
assert_installed foreign 2.0.0
[ "$(cat "$NXP_ROOT/current/plugins/foreign/README")" = "foreign 2.0.0" ] || fail "wrong tree"
run_rc 0 nxp list
grep -E '^foreign +2\.0\.0 .*UNTRUSTED' "$T/out" >/dev/null || { cat "$T/out"; fail "list does not mark foreign untrusted"; }
grep -E '^signed .*UNTRUSTED' "$T/out" >/dev/null && fail "list marks the signed plugin untrusted"
run_rc 0 nxp list --json
jq -e '.packages[] | select(.name=="foreign") | .untrusted == true and .repo == "@commandline"' "$T/out" >/dev/null ||
    fail "list --json: foreign is not untrusted: $(cat "$T/out")"
run_rc 0 nxp info foreign
out_has "UNTRUSTED"
# A lockfile pins only what a signed repository offers: the refusal says why.
run_rc 1 nxp lock -o "$T/nxp.lock"
err_has "foreign 2.0.0: was installed from an untrusted package file"
[ -e "$T/nxp.lock" ] && fail "nxp lock wrote a lockfile with an untrusted plugin"
run_rc 0 nxp info signed
grep -q UNTRUSTED "$T/out" && fail "info marks the signed plugin untrusted"
run_rc 0 nxp info --json foreign
jq -e '.untrusted == true and .installed == "2.0.0" and .installed_repo == "@commandline"' "$T/out" >/dev/null ||
    fail "info --json: $(cat "$T/out")"
run_rc 0 nxp history
grep -E 'UNTRUSTED.*allow-untrusted' "$T/out" >/dev/null || { cat "$T/out"; fail "history does not mark the untrusted install"; }
id=$(nxp history --json | jq -r '[.transactions[] | select(.untrusted)] | last | .id')
[ -n "$id" ] && [ "$id" != null ] || fail "history --json has no untrusted transaction"
[ "$(nxp history --json | jq '[.transactions[] | select(.untrusted)] | length')" = 1 ] ||
    fail "history --json marks more than the one untrusted transaction"
run_rc 0 nxp history info "$id"
out_has "install foreign 2.0.0 UNTRUSTED"
run_rc 0 nxp history info --json "$id"
jq -e '.steps[] | select(.name=="foreign") | .untrusted == true' "$T/out" >/dev/null ||
    fail "history info --json: $(cat "$T/out")"
pass "with --allow-untrusted: installed, UNTRUSTED in list, info and history (human and --json)"

# Later transactions keep it (it is installed, no repository offers it) and it can go.
run_rc 0 nxp --yes update
assert_installed foreign 2.0.0
run_rc 0 nxp --yes remove foreign
assert_not_installed foreign
pass "an untrusted plugin survives an update and is removed like any other"

# A missing dependency: the resolver says so, nothing changes.
plugin lonely 1.0.0 '"requires": ["nowhere ^1"],'
nxp pack "$T/src/lonely-1.0.0" -o "$T/elsewhere/" >/dev/null
run_rc 3 nxp --yes install --allow-untrusted "$T/elsewhere/lonely-1.0.0.nxp"
err_has "nowhere"
assert_not_installed lonely
pass "an untrusted file's dependencies are resolved from the repositories"

# A file that does not exist, and a directory.
run_rc 1 nxp --yes install ./missing.nxp
err_has "missing.nxp"
mkdir -p "$T/dir.nxp"
run_rc 1 nxp --yes install --allow-untrusted ./dir.nxp
err_has "not a regular file"
pass "a missing file or a directory is named"

# A file with the name and version of a repository's package but other bytes: without the
# flag refused; with it, what is installed is the file's own bytes, marked untrusted (never
# silently the repository's package, never the file's bytes recorded as the repository's).
mkdir -p "$T/impostor"
cp -a "$T/src/base-1.0.0" "$T/impostor/base"
echo "impostor" >"$T/impostor/base/files/README"
nxp pack "$T/impostor/base" -o "$T/impostor/" >/dev/null
rm -rf "$NXP_ROOT"
make_root
run_rc 4 nxp --yes install "$T/impostor/base-1.0.0.nxp"
err_has "--allow-untrusted"
assert_not_installed base
run_rc 0 nxp --yes install --allow-untrusted "$T/impostor/base-1.0.0.nxp"
[ "$(cat "$NXP_ROOT/current/plugins/base/README")" = impostor ] || fail "not the file's bytes"
[ "$(nxp list --json | jq -r '.packages[] | select(.name=="base") | .repo')" = "@commandline" ] ||
    fail "the file's bytes are recorded as the repository's package"
pass "a file impersonating a repository's package installs only untrusted, as itself"

# The same version already installed from the repository: the file is not silently ignored.
rm -rf "$NXP_ROOT"
make_root
run_rc 0 nxp --yes install base
run_rc 2 nxp --yes install --allow-untrusted "$T/impostor/base-1.0.0.nxp"
err_has "already installed from demo with other bytes"
[ "$(cat "$NXP_ROOT/current/plugins/base/README")" = "base 1.0.0" ] || fail "the installed base changed"
run_rc 0 nxp --yes install "$T/pkgs/base-1.0.0.nxp"
out_has "Nothing to do"
pass "a file of an installed version with other bytes is refused; the same bytes are nothing to do"
