#!/usr/bin/env bash
# The nxp demo (README command 1): pack the example plugins, build and sign a repository
# with a demo key, add it to a fresh root kept in step with a (minimal) NextChat tree,
# install an MCP server and a mask with their dependencies, show what NextChat now lists,
# remove one, roll back, and show `nxp list` after each step. Non-interactive throughout.
set -euo pipefail
cd "$(dirname "$0")/.."
NXP=${NXP:-$PWD/build/cli/nxp}
W=${DEMO_DIR:-$PWD/demo-root}
rm -rf "$W"
mkdir -p "$W/packages"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ nxp %s\n' "$*"; "$NXP" "$@"; }

step "Publisher: a demo signing key, the example plugins packed, a signed repository"
run key generate -o "$W/demo"
for dir in examples/plugins/*/; do
    run pack "$dir" -o "$W/packages/"
done
run repo build "$W/repo" "$W"/packages/*.nxp --key "$W/demo.key" --id demo

export NXP_ROOT="$W/root"
step "Operator: a fresh root that trusts the demo key, kept in step with a NextChat tree"
# A NextChat checkout's files nxp touches, in NextChat's formats, with one mask of its own.
mkdir -p "$W/nextchat/app/mcp" "$W/nextchat/public"
echo '{"mcpServers": {}}' >"$W/nextchat/app/mcp/mcp_config.json"
cat >"$W/nextchat/public/masks.json" <<'JSON'
{"cn": [], "tw": [], "en": [{"avatar": "1f47e", "name": "GitHub Copilot", "lang": "en", "builtin": true,
  "context": [{"id": "Copilot-0", "role": "system", "content": "You are an AI programming assistant.", "date": ""}],
  "modelConfig": {"model": "gpt-4", "temperature": 0.3}, "createdAt": 1688899480410}]}
JSON
echo '{"cn": [], "tw": [], "en": [["Linux Terminal", "I want you to act as a linux terminal."]]}' \
    >"$W/nextchat/public/prompts.json"
run init --nextchat "$W/nextchat" --nextchat-version 2.16.0
run repo add demo "file://$W/repo" --key "$W/demo.pub"
run search notes

step "Install weather and translator-mask (weather pulls mcp-common, the library its server loads its JSON-RPC code from, and, as a recommendation, writing-prompts; Node.js comes from the host as node-runtime)"
echo "(weather asks for network access to api.open-meteo.com: granted with --grant weather)"
run --yes --grant weather install weather translator-mask
run list

step "NextChat now lists the MCP server, the mask and the prompt pack next to its own"
jq -c '.mcpServers | map_values({command, args, status})' "$W/nextchat/app/mcp/mcp_config.json"
echo "masks:   $(jq -c '[.en[] | .name + (if .nxpPlugin then " (nxp: " + .nxpPlugin + ")" else "" end)]' "$W/nextchat/public/masks.json")"
echo "prompts: $(jq -c '[.en[] | .[0] + (if .[2] then " (" + .[2] + ")" else "" end)]' "$W/nextchat/public/prompts.json")"
run --yes disable translator-mask
echo "masks:   $(jq -c '[.en[].name]' "$W/nextchat/public/masks.json")"
run --yes enable translator-mask
run nextchat status

step "A conflicting install is refused with an explanation (exit 3)"
run --yes install notes-sqlite notes-json && exit 1 || echo "(exit status $?, nothing changed)"

step "Remove weather (its dependencies go with it)"
run --yes remove weather
run list

step "Roll back: weather and its dependencies are back, no network needed"
run --yes rollback
run list
run history
printf '\nThe root is in %s; plugins are under %s/current/plugins/.\n' "$W/root" "$W/root"
