#!/usr/bin/env bash
# Start-up (issue 20 item 2): libcurl, libarchive and libsolv, with the ~35 libraries they
# bring, are loaded on first use (cli/lazy_stubs.py), not at every start. No timing here:
# what is checked is the mechanism, through the dynamic loader's own account (LD_DEBUG=libs)
# and the binary's DT_NEEDED.
. "$(dirname "$0")/testlib.sh"

if [ "$(uname -m)" != x86_64 ]; then
    echo "skip: the lazy stubs are x86-64 only"
    exit 77
fi
command -v readelf >/dev/null || { echo "skip: no readelf"; exit 77; }

heavy='libcurl|libarchive|libsolv|libxml2|libicu|libgnutls|libssl|libcrypto|libldap|libgssapi|libssh2|librtmp'

# 1. The binary does not ask for them at all.
readelf -d "$NXP" >"$T/dyn"
if grep NEEDED "$T/dyn" | grep -E "$heavy"; then fail "nxp still needs the libraries above at start"; fi
pass "DT_NEEDED names none of libcurl, libarchive, libsolv"
# None of the stubs is exported (a stub in nxp's dynamic symbol table would take the place of
# the library's own function once it is loaded).
if nm -D --defined-only "$NXP" 2>/dev/null | grep -E ' (curl_|archive_|pool_|solver_|EVP_|OPENSSL_)'; then
    fail "nxp exports lazy stubs"
fi
pass "no stub is exported"

# loaded CMD…: the shared objects the loader opened while CMD ran, one per line.
loaded() { LD_DEBUG=libs "$@" 2>&1 >/dev/null | sed -n 's/.*calling init: //p' | sort -u; }

# 2. nxp --version loads none of them.
loaded nxp --version >"$T/libs"
[ -s "$T/libs" ] || fail "LD_DEBUG=libs printed nothing (cannot check)"
if grep -E "$heavy" "$T/libs"; then fail "nxp --version loaded the libraries above"; fi
n=$(wc -l <"$T/libs")
[ "$n" -le 16 ] || { cat "$T/libs"; fail "nxp --version loaded $n shared objects (more than 16)"; }
pass "nxp --version loads $n shared objects, none of the heavy ones"

# A plugin whose required config key is behind a member name spelled with an escape: list
# skips parsing manifests that cannot have a "config" member, and must not skip this one.
plugin_esc
make_repo "$SRC"/examples/plugins/*/ "$T/src/esc"
make_root
# 3. A command that needs them finds them on first use: install resolves (libsolv) and
# unpacks (libarchive); refresh fetches the index from the file:// repository (libcurl).
loaded nxp --yes install writing-prompts >"$T/libs"
grep -q libarchive "$T/libs" || { cat "$T/libs"; fail "install did not load libarchive"; }
grep -q libsolv "$T/libs" || { cat "$T/libs"; fail "install did not load libsolv"; }
# SHA-256 is libcrypto's (repo/digest.cpp), loaded on first use like the others.
grep -q libcrypto "$T/libs" || { cat "$T/libs"; fail "install did not load libcrypto"; }
assert_installed writing-prompts 2.0.1
pass "install loads libarchive, libsolv and libcrypto when it needs them, and installs"
loaded nxp refresh >"$T/libs"
grep -q libcurl "$T/libs" || { cat "$T/libs"; fail "refresh did not load libcurl"; }
pass "refresh loads libcurl when it fetches"

for args in "list" "--json list" "--help" "list --help"; do
    # shellcheck disable=SC2086
    loaded nxp $args >"$T/libs"
    if grep -E "$heavy" "$T/libs"; then fail "nxp $args loaded the libraries above"; fi
done
nxp list | grep -q '^writing-prompts ' || fail "list does not show writing-prompts"
nxp --yes install esc >/dev/null
nxp list >"$T/out"
grep -q '^esc .*paused: needs config token' "$T/out" || { cat "$T/out"; fail "esc not paused"; }
nxp --json list | jq -e '.packages[] | select(.name=="esc") | .needs_config == ["token"]' \
    >/dev/null || fail "list --json: esc lacks needs_config"
pass "a config member spelled with an escape still pauses the plugin in list"
pass "list, --json list and --help load none of them"

# 4. A library that cannot be loaded is named; exit 127 (as a shell's for a program that
# cannot run), no crash. The loader finds a broken libcurl.so.4 first on LD_LIBRARY_PATH.
mkdir -p "$T/broken"
printf 'not a library' >"$T/broken/libcurl.so.4"
run_rc 127 env LD_LIBRARY_PATH="$T/broken" "$NXP" refresh
err_has "nxp: cannot load libcurl.so.4"
LD_LIBRARY_PATH="$T/broken" nxp --version >/dev/null || fail "--version needed libcurl"
pass "a broken libcurl is named when first needed, exit 127; --version never needs it"
