/**
 * Whether a pipeline that `depends_on` others may run yet. Drone's rules: it
 * waits until every pipeline it names has ended; then it runs when they all
 * passed (a skipped pipeline counts as passed) unless its trigger excludes
 * success (`status: [failure]`), and when one failed only if its trigger
 * allows failure. Otherwise it is skipped, saying which pipeline failed.
 */
import { isFinished, type Job } from '../store/index.js';

export type Verdict = { kind: 'wait' } | { kind: 'run' } | { kind: 'skip'; reason: string };

const FAILED = new Set(['failure', 'error', 'killed']);

export function dependencyVerdict(job: Job, siblings: readonly Job[]): Verdict {
  const wanted = job.dependsOn;
  const onSuccess = job.plan.onSuccess ?? true;
  const onFailure = job.plan.onFailure ?? false;
  if (wanted.length === 0) return { kind: 'run' };
  const deps = siblings.filter((s) => s.id !== job.id && wanted.includes(s.name));
  if (deps.some((d) => !isFinished(d.status))) return { kind: 'wait' };
  const failed = deps.filter((d) => FAILED.has(d.status));
  if (failed.length > 0) {
    if (onFailure) return { kind: 'run' };
    const names = [...new Set(failed.map((d) => `'${d.name}'`))].join(', ');
    return {
      kind: 'skip',
      reason: `skipped because ${names} did not succeed; add failure to its trigger's status to run it anyway`,
    };
  }
  if (!onSuccess) {
    return { kind: 'skip', reason: 'skipped: its trigger runs it only when a pipeline it depends on fails' };
  }
  return { kind: 'run' };
}
