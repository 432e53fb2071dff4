#!/usr/bin/env bash
# One command from a fresh clone: install the dependencies, build, and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm() { bash scripts/pnpm.sh "$@"; }
pnpm install --frozen-lockfile
pnpm exec tsc -b examples
pnpm run --silent tour
