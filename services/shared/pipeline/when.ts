/**
 * Reading a `when:` / `trigger:` / `branches:` block from the YAML tree into
 * Conditions. The matching rules themselves live in conditions.ts.
 */
import { toConstraint, toMatrixConstraint } from './conditions.js';
import { type Diagnostics, didYouMean } from './diagnostics.js';
import { describe, isNull } from './read.js';
import { type Conditions, type Constraint, EVENTS } from './types.js';
import type { YNode } from './yaml-load.js';

const FIELDS = [
  'branch',
  'event',
  'ref',
  'repo',
  'status',
  'platform',
  'instance',
  'environment',
  'target',
  'cron',
  'action',
] as const;

/** Keys Drone accepts that Hangar reads but cannot act on. */
const IGNORED: Record<string, string> = {
  paths:
    "'paths' conditions need Drone's paths extension, which Hangar does not have; the step runs whatever files changed",
  local: "'local' has no meaning on Hangar and is ignored",
};

const STATUSES = ['success', 'failure'];

/** Text of every scalar (so `1.10` stays '1.10'), lists and maps kept as they are. */
export function plainText(node: YNode): unknown {
  if (node.kind === 'scalar') return node.value === null ? null : node.text;
  if (node.kind === 'seq') return node.items.map(plainText);
  const out: Record<string, unknown> = {};
  for (const p of node.pairs) out[p.key] = plainText(p.value);
  return out;
}

/**
 * Conditions of a step (`when:`) or a pipeline (`trigger:`). `what` names the
 * block in messages ("when of step 'build'"), `subject` what it decides about
 * ('step' unless told). Unknown condition keys are ignored with a warning, as
 * Drone's YAML decoding silently ignored them.
 */
export function readConditions(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
  opts: { matrix: boolean; subject?: string },
): Conditions {
  const out: Conditions = {};
  if (node === undefined || isNull(node)) return out;
  if (node.kind !== 'map') {
    diags.error(
      node.pos,
      `${what} must be a mapping of conditions like 'branch: master', not a ${describe(node)}`,
    );
    return out;
  }
  const known: string[] = [...FIELDS, ...(opts.matrix ? ['matrix'] : [])];
  for (const p of node.pairs) {
    if (p.key === 'matrix' && opts.matrix) {
      const m = toMatrixConstraint(plainText(p.value));
      if ('error' in m) {
        diags.error(p.value.pos, `${what}: ${m.error}`);
        continue;
      }
      out.matrix = m.include;
      if (Object.keys(m.exclude).length > 0) out.matrixExclude = m.exclude;
      continue;
    }
    const ignored = IGNORED[p.key];
    if (ignored !== undefined) {
      diags.warn(p.keyPos, `${what}: ${ignored}`);
      continue;
    }
    if (!(FIELDS as readonly string[]).includes(p.key)) {
      const hint =
        p.key === 'matrix' ? '; matrix conditions exist only in Drone 0.8 files' : didYouMean(p.key, known);
      diags.warn(
        p.keyPos,
        `${what}: unknown condition '${p.key}' is ignored, as Drone does, so it does not limit when the ${opts.subject ?? 'step'} runs${hint}`,
      );
      continue;
    }
    const key = p.key as (typeof FIELDS)[number];
    const c = toConstraint(plainText(p.value));
    if ('error' in c) {
      diags.error(p.value.pos, `${what}: ${key} ${c.error}`);
      continue;
    }
    checkValues(key, c, p.value, what, diags);
    out[key] = c;
  }
  return out;
}

function checkValues(key: string, c: Constraint, node: YNode, what: string, diags: Diagnostics): void {
  for (const v of [...c.include, ...c.exclude]) {
    if (/,\s*\S/.test(v) && !/[{[]/.test(v)) {
      diags.warn(
        node.pos,
        `${what}: '${v}' is one ${key} value, not a list, so it matches nothing; write [${v
          .split(',')
          .map((s) => s.trim())
          .join(', ')}]`,
      );
      continue;
    }
    if (key === 'event' && !(EVENTS as readonly string[]).includes(v) && !/[*?[]/.test(v)) {
      diags.warn(
        node.pos,
        `${what}: '${v}' is not a Drone event${didYouMean(v, EVENTS)}; the events are ${EVENTS.join(', ')}`,
      );
    }
    if (key === 'status' && !STATUSES.includes(v) && !/[*?[]/.test(v)) {
      diags.warn(
        node.pos,
        `${what}: status '${v}' is not one Hangar knows, so it never matches; use success or failure`,
      );
    }
  }
}
