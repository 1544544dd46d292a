// Whether dist/ (built by scripts/build.sh) may run instead of the TypeScript
// sources: it exists and nothing it is built from changed after its stamp.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Folders the bundle is built from. Tests and notes in them are not part of it. */
const SOURCES = ['services', 'proto'];
const NOT_BUNDLED = /\.(test\.ts|test-support\.ts|md)$/;
const MANIFESTS = ['package.json', 'package-lock.json'];

/** When the bundle was built (ms since the epoch), or undefined without one. */
function builtAt(root) {
  try {
    const ms = Number(readFileSync(join(root, 'dist', '.stamp'), 'utf8'));
    return Number.isFinite(ms) && ms > 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

function newer(path, since) {
  return (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) > since;
}

/** The first file under `dir` modified after `since`, or undefined. */
function changedSince(dir, since) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      const found = changedSince(path, since);
      if (found !== undefined) return found;
    } else if (!NOT_BUNDLED.test(e.name) && newer(path, since)) {
      return path;
    }
  }
  return undefined;
}

/**
 * 'current' when dist/ may run; otherwise why not: 'missing' (never built),
 * or the path of a source changed after the build.
 */
export function bundleState(root = ROOT) {
  const since = builtAt(root);
  if (since === undefined) return 'missing';
  for (const dir of SOURCES) {
    const changed = changedSince(join(root, dir), since);
    if (changed !== undefined) return changed;
  }
  return MANIFESTS.map((f) => join(root, f)).find((f) => newer(f, since)) ?? 'current';
}
