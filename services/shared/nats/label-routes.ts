/**
 * Where a job waits in the work queue, by the labels it asks for. A job
 * without labels waits on its pool's subject (`<prefix>.<pool>`), which every
 * runner of the pool reads. A job with labels waits on a subject of its own
 * label set (`<prefix>.<pool>.<token>`); a runner reads the subject of every
 * set it can serve, i.e. every subset of its own labels, so a job only ever
 * reaches runners that can run it.
 *
 * The token is a hash of the sorted `key=value` pairs: the same set gives the
 * same token in the coordinator and in every runner, and it holds none of the
 * characters a NATS subject token may not contain (`.`, `*`, `>`, spaces).
 */
import { createHash } from 'node:crypto';

export type Labels = Readonly<Record<string, string>>;

/**
 * Most labels a runner may have and still read a subject per subset of them
 * (2^5 = 32 subjects). A runner with more reads only its pool's subject, and
 * jobs it can serve are sent there (see `sharedRoute`).
 */
export const MAX_ROUTED_LABELS = 5;

/**
 * Whether a runner with `have` may take a job asking for `wanted`: every
 * label the job asks for is one of the runner's, with the same value. A job
 * that asks for nothing runs anywhere in its platform's pool.
 */
export function labelsMatch(wanted: Labels | undefined, have: Labels): boolean {
  if (wanted === undefined) return true;
  return Object.entries(wanted).every(([k, v]) => have[k] === v);
}

/** The labels a job asks for that a runner lacks, as 'key=value'. */
export function missingLabels(wanted: Labels | undefined, have: Labels): string[] {
  return Object.entries(wanted ?? {})
    .filter(([k, v]) => have[k] !== v)
    .map(([k, v]) => `${k}=${v}`);
}

/** 'a=1, b=2', sorted by key: how a label set is shown to people. */
export function describeLabels(labels: Labels): string {
  return sortedPairs(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

function sortedPairs(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The subject token of a label set; undefined for the empty set (the pool's own subject). */
export function labelToken(labels: Labels | undefined): string | undefined {
  if (labels === undefined || Object.keys(labels).length === 0) return undefined;
  const canonical = JSON.stringify(sortedPairs(labels));
  return `l${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

/** Every non-empty subset of a runner's labels: the label sets it can serve. */
export function labelSubsets(labels: Labels): Record<string, string>[] {
  const pairs = sortedPairs(labels);
  if (pairs.length > MAX_ROUTED_LABELS) {
    throw new RangeError(`${pairs.length} labels are more than ${MAX_ROUTED_LABELS} routed ones`);
  }
  const out: Record<string, string>[] = [];
  for (let mask = 1; mask < 1 << pairs.length; mask++) {
    out.push(Object.fromEntries(pairs.filter((_, i) => (mask & (1 << i)) !== 0)));
  }
  return out;
}

/** Whether a runner with these labels reads a subject per label set (or only its pool's subject). */
export function routesByLabels(labels: Labels): boolean {
  return Object.keys(labels).length <= MAX_ROUTED_LABELS;
}
