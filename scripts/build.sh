#!/usr/bin/env bash
# Bundles the `hangar` command (services/cli/main.ts and what it imports) into
# dist/ with esbuild: ESM for Node 20, one chunk per lazily imported
# subcommand, so `hangar runner` loads neither the coordinator nor the bot.
# Native packages stay in node_modules and are loaded from there at run time.
# bin/hangar.js runs dist/ while dist/.stamp is newer than every file under
# services/ and proto/, and the TypeScript sources through tsx otherwise.
#
#   scripts/build.sh            (also: npm run build)
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hangar-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Recorded before bundling, so a source saved during the build makes the
# bundle stale rather than silently current.
started=$(node -p "Date.now()")

node_modules/.bin/esbuild services/cli/main.ts \
  --bundle --splitting --format=esm --platform=node --target=node20 \
  --outdir="$tmp" --entry-names='[name]' --chunk-names='chunks/[name]-[hash]' \
  --external:better-sqlite3 --external:pg-native --external:cpu-features --external:ssh2 \
  --banner:js="import { createRequire as __hangarRequire } from 'node:module'; const require = __hangarRequire(import.meta.url);" \
  --legal-comments=none --log-level=warning

printf '%s\n' "$started" >"$tmp/.stamp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
printf '[build] %s: %s files, %s\n' "$out" "$(find "$out" -name '*.js' | wc -l)" "$(du -sh "$out" | cut -f1)" >&2
