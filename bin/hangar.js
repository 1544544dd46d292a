#!/usr/bin/env node
// Entry point of the `hangar` command. Runs the bundle in dist/ (scripts/build.sh,
// `npm run build`) when it is newer than every source it was built from, and the
// TypeScript sources through tsx otherwise, or when HANGAR_FROM_SOURCE=1.
import { bundleState } from './bundle.js';

let main;
if (process.env.HANGAR_FROM_SOURCE !== '1' && bundleState() === 'current') {
  ({ main } = await import('../dist/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../services/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
