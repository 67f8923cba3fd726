#!/usr/bin/env bash
# Issue 18 item 20: `nxp test DIR|FILE.nxp` lints, packs, signs a one-package repository with a
# throwaway key, installs into a throwaway root (hooks, MCP health check), prints the tools and
# removes everything: on success, on a failed step (named, non-zero exit) and on Ctrl-C.
. "$(dirname "$0")/testlib.sh"
cd "$T"
EX=$SRC/examples/authoring
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
no_leftovers() {  # nothing of nxp test is left in TMPDIR, and NXP_ROOT was never made
    local left
    left=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 | head -5)
    [ -z "$left" ] || fail "$1: left behind: $left"
    [ ! -e "$NXP_ROOT" ] || fail "$1: nxp test touched NXP_ROOT"
}

# --- a passing MCP server with a post-install hook: each step, the tools -----------------------
run_rc 0 nxp test "$EX/hello-mcp"
for step in lint pack repository root install hooks health cleanup; do
    grep -q "^$step: ok" "$T/out" || { cat "$T/out" "$T/err"; fail "step $step not reported ok"; }
done
out_has "hooks: ok (hello-mcp: post-install hook (setup.sh): exited with status 0, 1 line(s) of output)"
out_has "  | hello-mcp is set up"
out_has "health: ok (hello-mcp: 2 tool(s))"
grep -Eq '^hello +Greets someone by name$' "$T/out" || { cat "$T/out"; fail "tool hello not listed"; }
grep -Eq '^add +Adds two numbers$' "$T/out" || { cat "$T/out"; fail "tool add not listed"; }
out_has "the plugin installs and works"
dir=$(sed -n 's/^cleanup: ok (removed \(.*\))$/\1/p' "$T/out")
[ -n "$dir" ] && [ ! -e "$dir" ] || fail "the temporary directory '$dir' is still there"
no_leftovers "a passing test"

# --json: one document, the same steps.
run_rc 0 nxp --json test "$EX/hello-mcp"
jq -e '.schema == 1 and .command == "test" and .ok and .cleaned_up
       and ([.steps[].step] == ["lint", "pack", "repository", "root", "install", "hooks", "health"])
       and ([.tools[].name] | sort) == ["add", "hello"]
       and any(.tools[]; .name == "hello" and .description == "Greets someone by name")
       and .steps[5].hooks[0].output == "hello-mcp is set up\n"
       and .name == "hello-mcp" and .version == "1.0.0"' "$T/out" >/dev/null ||
    { cat "$T/out"; fail "nxp --json test"; }
[ ! -e "$(jq -r .dir "$T/out")" ] || fail "--json: the temporary directory is still there"
no_leftovers "--json"

# A .nxp file is tested as it is; a dependency comes with --with (a directory or a file).
nxp pack "$SRC/examples/plugins/weather" -o pkgs/ >/dev/null
run_rc 0 nxp test pkgs/weather-1.2.0.nxp --with "$SRC/examples/plugins/mcp-common"
out_has "pack: ok (weather 1.2.0"
out_has ", as given)"
grep -Eq '^forecast ' "$T/out" || { cat "$T/out"; fail "weather's tools not listed"; }
run_rc 0 nxp test "$SRC/examples/plugins/translator-mask"
out_has "health: ok (not an MCP server)"
no_leftovers "files and masks"

# --- broken plugins fail at the right step, exit non-zero, clean up -----------------------------
failed_at() {  # STEP: the last run (its status checked by run_rc) failed at STEP
    grep -q "^$1: FAILED: " "$T/out" || { cat "$T/out" "$T/err"; fail "no '$1: FAILED'"; }
    out_has "failed at $1"
    out_has "cleanup: ok (removed"
}
run_rc 1 nxp test "$EX/broken-server"
failed_at health
out_has "hooks: ok"
grep -q "^health: FAILED: .*broken-server" "$T/out" || fail "the health failure does not name the plugin"
no_leftovers "a broken server"
run_rc 1 nxp --json test "$EX/broken-server"
jq -e '.ok == false and .failed_step == "health" and .cleaned_up and (.steps[-1].error.message | length > 0)' \
    "$T/out" >/dev/null || { cat "$T/out"; fail "--json of a failed test"; }

# A failing hook; a lint error; an unsatisfiable requirement.
cp -r "$EX/hello-mcp" hookfail
printf '#!/bin/sh\necho "cannot set up" >&2\nexit 4\n' >hookfail/files/setup.sh
run_rc 1 nxp test hookfail
failed_at hooks
out_has "exited with status 4"
out_has "cannot set up"
cp -r "$EX/hello-mcp" lintfail
jq '.hooks["post-install"] = "missing.sh"' hookfail/plugin.json >lintfail/plugin.json
run_rc 1 nxp test lintfail
failed_at lint
err_has "error: plugin.json: hooks.post-install"
grep -q "^pack:" "$T/out" && fail "pack ran after a lint error"
cp -r "$EX/hello-mcp" unsolvable
jq '.requires += ["no-such-plugin"]' "$EX/hello-mcp/plugin.json" >unsolvable/plugin.json
run_rc 3 nxp test unsolvable
failed_at install
out_has "no-such-plugin"
no_leftovers "failed steps"

# --- Ctrl-C while the hook runs: exit 130, everything removed, nothing left running -------------
cp -r "$EX/hello-mcp" slow
# (The sandbox cannot write outside itself: the hook is seen by its command line.)
nap=$((600 + RANDOM % 300)).5
printf '#!/bin/sh\nsleep %s\n' "$nap" >slow/files/setup.sh
setsid "$NXP" test slow >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 300); do pgrep -f "sleep $nap" >/dev/null && break; sleep 0.1; done
pgrep -f "sleep $nap" >/dev/null || { cat "$T/out" "$T/err"; fail "the slow hook never started"; }
kill -INT -- "-$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || { cat "$T/out" "$T/err"; fail "Ctrl-C: exit $rc, not 130"; }
out_has "interrupted"
out_has "cleanup: ok (removed"
sleep 0.5
pgrep -f "sleep $nap" >/dev/null && fail "Ctrl-C left the hook running"
pgrep -f "$TMPDIR" >/dev/null && fail "Ctrl-C left processes running"
no_leftovers "Ctrl-C"

# Usage: a missing target.
run_rc 1 nxp test does-not-exist
err_has "does-not-exist: no such plugin directory or package file"
pass "nxp test: every step, the tools, failures at the right step, cleaned up always"
