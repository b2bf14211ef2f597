#!/usr/bin/env bash
# Checks that the committed web/dist (embedded in the `mosaic` binary by
# crates/mosaic-server/src/web.rs) is exactly what the sources build to: type-checks,
# builds into a temporary folder with the locked packages, and compares. Vite builds are
# deterministic, so any difference means someone changed web/src without rebuilding
# (fix: `cd web && npm run build`, then commit web/dist).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
npx tsc --noEmit
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx vite build --logLevel warn --outDir "$out" >&2
if ! diff -r "$out" dist >/dev/null; then
  echo "web/dist is out of date with web/src: run 'cd web && npm run build' and commit web/dist" >&2
  diff -rq "$out" dist >&2 || true
  exit 1
fi
echo "web/dist is up to date" >&2
