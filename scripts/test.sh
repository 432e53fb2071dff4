#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what it needs (system packages with apt
# when run as root), then lint, type check, build and every test, and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm() { bash scripts/pnpm.sh "$@"; }
step() { printf '\n== %s\n' "$*"; }

node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  if (a < 20 || (a === 20 && b < 19)) { console.error(`netbearer needs Node >= 20.19, this is ${process.version}`); process.exit(1); }'

step "system packages"
bash scripts/install-system-deps.sh

step "dependencies"
pnpm install --frozen-lockfile

step "lint and format (biome)"
pnpm exec biome check .

step "type check and build (tsc -b)"
pnpm exec tsc -b
pnpm exec tsc -p tsconfig.check.json

step "tests (vitest)"
report=$(mktemp -d)/vitest.json
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
node scripts/test-summary.mjs "$report" || status=$((status == 0 ? 1 : status))
exit "$status"
