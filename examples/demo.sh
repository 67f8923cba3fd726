#!/usr/bin/env bash
# The nxp demo (README command 1): pack the example plugins, build and sign a repository
# with a demo key, add it to a fresh root, install two plugins with their dependencies,
# remove one, roll back, and show `nxp list` after each step.
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
step "Operator: a fresh root that trusts the demo key"
run init --nextchat-version 2.16.0
run repo add demo "file://$W/repo" --key "$W/demo.pub"
run search notes

step "Install weather and translator-mask (weather pulls mcp-common, node20 and, as a recommendation, writing-prompts)"
run --yes install weather translator-mask
run list

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
