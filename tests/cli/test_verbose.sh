#!/usr/bin/env bash
# Issue 18 item 21: -v traces every phase of an install with its duration on stderr
# ("[  0.012s] resolve: 1 job(s) → 1 step(s) (4 ms)"): indexes, resolve, download (each file
# and where from), verify, stage, the hook and its output, the MCP health check, switch and
# NextChat. -vv adds the resolver's decisions and the sandbox command line, secrets masked.
. "$(dirname "$0")/testlib.sh"
cd "$T"
nxp new srv --kind mcp-server >/dev/null
printf '#!/bin/sh\necho "hook says hi"\n' >srv/files/hook.sh
chmod +x srv/files/hook.sh
jq '.hooks = {"post-install": "hook.sh"}
    | .config = {"token": {"type": "string", "secret": true, "env": "SRV_TOKEN",
                           "description": "API token"}}' srv/plugin.json >p.json && mv p.json srv/plugin.json
make_repo "$T/srv"
make_root

phase() {  # NAME TEXT-PART: a -v trace line of that phase, with a duration
    grep -E "^\[ *[0-9]+\.[0-9]{3}s\] $1: .*$2.*\([0-9.]+ (ms|s)\)$" "$T/err" >/dev/null ||
        { cat "$T/err"; fail "no '$1' phase line with '$2' and a duration"; }
}
run_rc 0 nxp -v --yes install srv
phase indexes "1 repository"
phase resolve "1 job\(s\) → 1 step\(s\)"
phase download "srv 0.1.0 from file://$T/repo"
phase verify "srv 0.1.0: sha256 matches the signed index"
phase stage "srv 0.1.0 -> store/srv-0.1.0-"
phase hook "srv: post-install hook \(hook.sh\): exited with status 0, 1 line"
err_has "hook says hi"
phase health "srv: 1 tool"
phase switch "current -> generations/1"
phase nextchat ""
# Phases come in order, and -v has no -vv detail.
order=$(sed -nE 's/^\[ *[0-9.]+s\] ([a-z]+):.*/\1/p' "$T/err" | uniq | tr '\n' ' ')
[[ $order == "indexes resolve download verify stage hook health switch nextchat " ]] ||
    fail "phases out of order: $order"
grep -q "decision:\|\] sandbox:" "$T/err" && fail "-v printed -vv detail"
# Without -v, no trace.
nxp --yes remove srv >/dev/null
run_rc 0 nxp --yes install srv
grep -qE '^\[ *[0-9.]+s\]' "$T/err" && fail "a trace line without -v"
# A second install takes the package from the cache.
nxp --yes remove srv >/dev/null
run_rc 0 nxp -v --yes install srv
phase download "srv 0.1.0: in the package cache"

# -vv: the resolver's decisions and the sandbox command line, without the secret (the
# environment is passed on a descriptor; anything of a secret on the line is masked).
SECRET=s3cr3t-$RANDOM-value
run_rc 0 nxp -vv --yes config srv token "$SECRET"
grep -qE '^\[ *[0-9.]+s\] sandbox: srv: MCP health check: .*--die-with-parent.*server\.js' "$T/err" ||
    { cat "$T/err"; fail "-vv shows no sandbox command line"; }
grep -qF -- "$SECRET" "$T/err" && { cat "$T/err"; fail "-vv printed the secret"; }
grep -qF -- "$SECRET" "$T/out" && fail "the secret is on stdout"
nxp --yes remove srv >/dev/null
run_rc 0 nxp -vv --yes install srv
err_has "] resolve: job: install srv"
err_has "] resolve: decision: install srv 0.1.0 from demo (asked for)"
grep -F "] sandbox: srv: post-install hook" "$T/err" | grep -qF "hook.sh" ||
    { cat "$T/err"; fail "-vv shows no hook command line"; }
grep -qF -- "$SECRET" "$T/err" && fail "-vv printed the secret at install"
pass "-v traces each phase with its duration; -vv adds decisions and sandbox command lines, masked"
