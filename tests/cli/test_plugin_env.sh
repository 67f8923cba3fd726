#!/usr/bin/env bash
# permissions.env means something (issue 15 item 5): a granted variable passes its value from
# nxp's environment into the sandbox, an ungranted or unasked one never does, the grant
# question names the variables, "*" is no env policy; ${state_dir} in a config default
# reaches the plugin expanded, in its environment and its arguments.
. "$(dirname "$0")/testlib.sh"

mkdir -p "$T/src/envy/files"
cat >"$T/src/envy/plugin.json" <<'JSON'
{ "name": "envy", "version": "1.0.0", "kind": "mcp-server", "summary": "reports its environment",
  "mcp": { "command": "sh", "args": ["${plugin_dir}/show.sh", "--file=${config.memory}"] },
  "config": { "memory": { "type": "string", "default": "${state_dir}/memory.json",
                          "env": "MEMORY_FILE_PATH" } },
  "permissions": { "env": ["FOO_TOKEN", "PATHISH", "OPENAI_API_KEY"] },
  "hooks": { "post-install": "show.sh" } }
JSON
cat >"$T/src/envy/files/show.sh" <<'SH'
echo "args: $*"
env | grep -E '^(FOO_TOKEN|BAR_TOKEN|PATHISH|OPENAI_API_KEY|MEMORY_FILE_PATH|NXP_ROOT)=' | sort
env | grep -E '^(FOO_TOKEN|BAR_TOKEN|OPENAI_API_KEY)=' >"$HOME/hook-env" 2>/dev/null || true
SH
make_repo "$T/src/envy"
make_root

# Not granted: nothing is installed, and the question names the variables, that their
# values come from nxp's environment, and which is NextChat's own secret.
run_rc 1 nxp --yes install envy
err_has "env FOO_TOKEN, PATHISH, OPENAI_API_KEY (NextChat's own secret) (their values passed from nxp's environment)"
# A policy that lists "*" under env is refused, naming the file; naming each variable works.
echo '{"env": ["*"]}' >"$T/star.json"
run_rc 1 nxp --yes --policy "$T/star.json" install envy
err_has "$T/star.json: env"
err_has "name each variable"
assert_not_installed envy
pass "env asked for by name, values from nxp's environment, NextChat's secret marked, no wildcard"

echo '{"env": ["FOO_TOKEN", "PATHISH", "OPENAI_API_KEY"]}' >"$T/policy.json"
FOO_TOKEN=hook-foo BAR_TOKEN=hook-bar run_rc 0 nxp --yes --policy "$T/policy.json" install envy
grep -qx "FOO_TOKEN=hook-foo" "$NXP_ROOT/state/envy/hook-env" || fail "the hook lacks FOO_TOKEN"
grep -q "BAR_TOKEN" "$NXP_ROOT/state/envy/hook-env" && fail "the hook saw BAR_TOKEN (never asked for)"

state=$NXP_ROOT/state/envy
# shellcheck disable=SC2016  # ${state_dir} is for nxp to replace
FOO_TOKEN=foo-value BAR_TOKEN=bar-value OPENAI_API_KEY=sk-nextchat PATHISH='${state_dir}/x' \
    NXP_ROOT="$NXP_ROOT" timeout 20 "$NXP" exec envy </dev/null >"$T/out" 2>"$T/err" ||
    { cat "$T/out" "$T/err"; fail "exec envy"; }
out_has "^FOO_TOKEN=foo-value$"
out_has "^OPENAI_API_KEY=sk-nextchat$"  # named and granted: passed
grep -qx "PATHISH=$state/x" "$T/out" || { cat "$T/out"; fail "\${state_dir} in a passed value"; }
grep -q "BAR_TOKEN" "$T/out" && fail "an unasked variable reached the plugin"
grep -q "NXP_ROOT" "$T/out" && fail "nxp's own NXP_ROOT reached the plugin"
grep -qx "MEMORY_FILE_PATH=$state/memory.json" "$T/out" || { cat "$T/out"; fail "\${state_dir} in a config default (env)"; }
grep -qx "args: --file=$state/memory.json" "$T/out" || { cat "$T/out"; fail "\${state_dir} in a config default (arg)"; }
timeout 20 "$NXP" exec envy </dev/null >"$T/out" 2>"$T/err" || fail "exec envy without the variables"
grep -q "FOO_TOKEN" "$T/out" && fail "FOO_TOKEN appeared though unset"
pass "granted variables pass from nxp's environment; \${state_dir} expanded in a config default"

# The grant dropped: the variable's value no longer reaches the plugin (nxp exec may also
# refuse to start it at all).
run_rc 0 nxp --yes permissions envy --revoke
FOO_TOKEN=foo-after-revoke timeout 20 "$NXP" exec envy </dev/null >"$T/out" 2>"$T/err" || true
grep -q "foo-after-revoke" "$T/out" "$T/err" && fail "FOO_TOKEN passed after its grant was revoked"
pass "ungranted, a variable does not pass"
