#!/usr/bin/env bash
# Runs the project's pinned pnpm: the one on PATH if it is that version, else a copy installed
# into .tools/ with npm (no global install, no root needed, works on a fresh machine).
set -euo pipefail
version=10.34.8
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$version" ]; then
  exec pnpm "$@"
fi
local_pnpm="$root/.tools/node_modules/.bin/pnpm"
if [ ! -x "$local_pnpm" ] || [ "$("$local_pnpm" --version 2>/dev/null)" != "$version" ]; then
  echo "netbearer: installing pnpm $version into .tools/" >&2
  npm install --prefix "$root/.tools" --no-audit --no-fund --loglevel=error "pnpm@$version" >&2 \
    || { echo "netbearer: could not install pnpm $version with npm (is the npm registry reachable?)" >&2; exit 1; }
fi
exec "$local_pnpm" "$@"
