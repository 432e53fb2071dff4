#!/usr/bin/env bash
# One command from a fresh clone: install the dependencies, build, and run the main job —
# `netbearer list` on this machine, on NetworkManager if it answers, else the generic engine.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm() { bash scripts/pnpm.sh "$@"; }
pnpm install --frozen-lockfile
pnpm exec tsc -b netbearer examples
node netbearer/dist/cli.js list "$@"
