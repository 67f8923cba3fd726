#!/usr/bin/env bash
# Runs the declarative resolver scenarios (scenarios/*.test, format in README.md) through the
# real binary $NXP with --dry-run --json; every failing scenario is named and the run fails.
# usage: NXP=build/cli/nxp tests/resolver/run_scenarios.sh [-v] [scenarios/NAME.test …]
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/run_scenarios.py" "$@"
