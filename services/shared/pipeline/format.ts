/**
 * Which Drone format a file is written in. A document with `kind:` or
 * `steps:`, or several documents, is 1.x; one mapping otherwise is 0.8
 * (whose parser then names any misspelt section).
 */
import { type Diagnostics, START } from './diagnostics.js';
import { describe, pair } from './read.js';
import type { YDoc, YMap } from './yaml-load.js';

export type Detected = { format: '0.8'; root: YMap } | { format: '1.x'; docs: YDoc[] };

export function detectFormat(docs: YDoc[], diags: Diagnostics): Detected | undefined {
  const present = docs.filter((d) => d.root !== null);
  if (present.length === 0) {
    diags.error(docs[0]?.pos ?? START, "the file is empty; add a pipeline ('kind: pipeline' with steps:)");
    return undefined;
  }
  const looks1x = present.some(
    (d) => d.root?.kind === 'map' && (pair(d.root, 'kind') || pair(d.root, 'steps')),
  );
  if (looks1x || present.length > 1) return { format: '1.x', docs };
  const root = present[0]!.root!;
  if (root.kind !== 'map') {
    diags.error(
      root.pos,
      `the file is a ${describe(root)}, not a pipeline; a pipeline file is a mapping with 'kind: pipeline' and 'steps:' (or a Drone 0.8 'pipeline:' section)`,
    );
    return undefined;
  }
  return { format: '0.8', root };
}
