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

node --input-type=module - "$tmp" <<'JS'
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = process.argv[2];
// Recorded before bundling, so a source saved during the build makes the
// bundle stale rather than silently current.
const started = Date.now();

/**
 * docker-modem requires ssh2 when it loads, for DOCKER_HOST=ssh:// only; ssh2's
 * WebAssembly poly1305 alone reserves 16 MB. This loads it on first use instead.
 */
const lazySsh2 = {
  name: 'lazy-ssh2',
  setup(b) {
    b.onResolve({ filter: /^ssh2$/ }, (args) =>
      args.namespace === 'lazy-ssh2' ? { path: 'ssh2', external: true } : { path: 'ssh2', namespace: 'lazy-ssh2' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-ssh2' }, () => ({
      loader: 'js',
      contents: `
        let ssh2;
        class Client {
          constructor(...args) {
            ssh2 ??= require('ssh2');
            return new ssh2.Client(...args);
          }
        }
        module.exports = { Client };`,
    }));
  },
};

await build({
  entryPoints: ['services/cli/main.ts'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['better-sqlite3', 'pg-native', 'cpu-features'],
  plugins: [lazySsh2],
  // CommonJS packages inside an ES module still call require().
  banner: {
    js: "import { createRequire as __hangarRequire } from 'node:module'; const require = __hangarRequire(import.meta.url);",
  },
  // Every loaded chunk's source stays in memory: no comments or indentation in
  // it. Identifiers keep their names, so stack traces in logs still read.
  minifyWhitespace: true,
  minifySyntax: true,
  // For `node --enable-source-maps bin/hangar.js`; not read otherwise.
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
writeFileSync(`${outdir}/.stamp`, `${started}\n`);
JS

# Replace the old bundle whole; -T never nests the new one inside it.
rm -rf "$out"
mv -T "$tmp" "$out"
trap - EXIT
printf '[build] %s: %s files, %s of JavaScript\n' "$out" "$(find "$out" -name '*.js' | wc -l)" \
  "$(find "$out" -name '*.js' -print0 | du -ch --files0-from=- | tail -1 | cut -f1)" >&2
