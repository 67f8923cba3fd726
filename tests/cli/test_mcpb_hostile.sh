#!/usr/bin/env bash
# nxp import mcpb refuses hostile bundles (issue 19 item 4): each zip rule and each lying
# manifest, built here with python3's zipfile (tests/cli/mcpb_zip.py), gets its exit code,
# a message naming the bundle and the entry or field, and leaves nothing: the output
# directory absent (or still empty when it existed), no temporary directory, nothing
# written outside.
. "$(dirname "$0")/testlib.sh"
cd "$T"
ZIP="python3 $SRC/tests/cli/mcpb_zip.py"

# refused VARIANT RC PATTERN…: the bundle VARIANT is refused with RC and every PATTERN in
# the message; nothing is left in out-VARIANT or beside it.
refused() {
    local v=$1 rc=$2
    shift 2
    $ZIP "$v" "$v.mcpb"
    run_rc "$rc" nxp import mcpb "$v.mcpb" -o "out-$v"
    grep -q -- "$v.mcpb" "$T/err" || { cat "$T/err"; fail "$v: the message does not name the bundle"; }
    for p in "$@"; do
        grep -q -- "$p" "$T/err" || { cat "$T/err"; fail "$v: the message lacks '$p'"; }
    done
    [ ! -e "out-$v" ] || fail "$v: out-$v was left behind"
    [ -z "$(find . -maxdepth 1 -name '.nxp-import-*')" ] || fail "$v: a temporary directory was left"
    # An existing empty directory stays, empty.
    mkdir "empty-$v"
    run_rc "$rc" nxp import mcpb "$v.mcpb" -o "empty-$v"
    [ -d "empty-$v" ] && [ -z "$(ls -A "empty-$v")" ] || fail "$v: empty-$v is not left empty"
    rmdir "empty-$v"
}

# The zip rules (exit 4, the entry named).
refused duplicate 4 'entry "server/index.js"' 'given twice'
refused duplicate-dir 4 'entry "README.md/"' 'given twice'
refused symlink 4 'entry "server/link"' 'symlink'
refused symlink-relative 4 'entry "server/link"' 'symlink'
refused setuid 4 'entry "server/su"' 'setuid'
refused dotdot 4 'entry "../escaped.txt"' "'..' path component"
refused dotdot-inner 4 'entry "server/../../escaped.txt"' "'..' path component"
refused absolute 4 'entry "/tmp/nxp-mcpb-absolute.txt"' 'absolute path'
# libarchive reads a '\' in a zip name as the separator Windows tools take it for: caught as '..'.
refused backslash 4 'entry "../../escaped.txt"' "'..' path component"
refused control 4 'entry "server/a\\e\[31m.js"' 'control character'
refused zip64 4 'entry "big.bin"' 'declares 1099511627776 bytes' 'ZIP64'
refused bomb 4 'entry "zeros.bin"' 'decompression bomb'
refused not-zip 1 'not an MCPB bundle'
refused no-manifest 1 'no manifest.json'
[ ! -e /tmp/nxp-mcpb-absolute.txt ] && [ ! -e "$T/../escaped.txt" ] && [ ! -e escaped.txt ] ||
    fail "an entry was written outside"

# A FIFO's (or device's) attributes: libarchive reads such an entry as a regular file, and
# a regular file (mode 0644) is what is written; never a FIFO.
$ZIP fifo fifo.mcpb
run_rc 0 nxp import mcpb fifo.mcpb -o fifo
[ -f fifo/files/server/pipe ] && [ ! -p fifo/files/server/pipe ] || fail "a FIFO entry is not a regular file"
[ "$(stat -c %a fifo/files/server/pipe)" = 644 ] || fail "the FIFO entry's mode is not normalised"

# Manifests that are endless, deep, or lie (exit 1, the field named).
refused deep-json 1 'manifest.json' 'deeper than 128'
refused huge-json 1 'manifest.json' 'larger than 1048576 bytes'
refused dupkey-json 1 'manifest.json' 'duplicate key'
refused no-linux 1 'manifest.json: compatibility.platforms' 'Linux'
refused missing-entry 1 'manifest.json: server.entry_point' '"server/main.js" is not a file in the bundle'
refused command-outside 1 'manifest.json: server.mcp_config.command' '"/usr/bin/curl" is outside the bundle'
refused command-escape 1 'manifest.json: server.mcp_config.command' 'leaves the bundle'
refused bad-name 1 'manifest.json: name' 'no valid plugin name' '--name'
refused secret-arg 1 'user_config.api_key' 'environment'
refused unknown-key 1 'server.mcp_config.env.X' 'names no key of user_config'
refused binary-not-elf 1 'server.mcp_config.command' 'not a Linux (ELF) program'

# --json: the error is one document too.
$ZIP no-linux nl.mcpb
run_rc 1 nxp --json import mcpb nl.mcpb -o nl
jq -e '.error.context | test("compatibility.platforms")' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "--json error"; }

# A signature block is cut off and said to be ignored; the bundle imports.
$ZIP signed signed.mcpb
run_rc 0 nxp --json import mcpb signed.mcpb -o signed
jq -e '.signed == true and (.notes | any(test("signature.*ignored")))' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "the signature block is not reported as ignored"; }
printf 'MCPB_SIG_V1\377\377\377\377xMCPB_SIG_END' >>signed.mcpb
run_rc 4 nxp import mcpb signed.mcpb -o signed2
err_has 'malformed MCPB signature block'
[ ! -e signed2 ] || fail "a malformed signature block left signed2"
pass "nxp import mcpb: hostile zips and lying manifests refused, naming the entry or field; nothing left"
