import { errorMessage } from '../../shared/errors.js';
import type { JobContext } from './context.js';
import type { Unit } from './job-state.js';
import { runStep, startBackground } from './run-step.js';

/**
 * Runs the pipeline's steps as a graph: a step starts once every step it
 * depends on has ended (a detached step counts once it runs; a skipped one
 * counts as ended), so 0.8 groups run side by side and 1.x `depends_on`
 * runs as a DAG. Whether a ready step runs depends on the pipeline's
 * status at that moment and the step's `when.status`.
 */
export async function runSteps(ctx: JobContext, steps: Unit[]): Promise<void> {
  const known = new Set(steps.map((u) => u.spec.name));
  const ended = new Set<string>();
  const waiting = new Set(steps.filter((u) => u.state.status === 'pending'));
  for (const u of steps) if (u.state.status !== 'pending') ended.add(u.spec.name);
  const active = new Map<Unit, Promise<void>>();

  const ready = (u: Unit) => u.spec.dependsOn.every((d) => ended.has(d) || !known.has(d));
  for (;;) {
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const u of waiting) {
        if (!ready(u)) continue;
        waiting.delete(u);
        progressed = true;
        const reason = skipReason(ctx, u);
        if (reason !== null) {
          ctx.state.skip(u, reason);
          ended.add(u.spec.name);
          continue;
        }
        const run = u.spec.detach ? startBackground(ctx, u) : runStep(ctx, u);
        active.set(
          u,
          run
            .catch((err: unknown) => {
              ctx.log.error({ err, step: u.spec.name }, 'step failed unexpectedly');
              ctx.state.finish(u, {
                status: 'error',
                error: `step "${u.spec.name}" failed: ${errorMessage(err)}`,
              });
            })
            .finally(() => {
              active.delete(u);
              ended.add(u.spec.name);
            }),
        );
      }
    }
    if (active.size === 0) break;
    await Promise.race(active.values());
  }
  for (const u of waiting) {
    const missing = u.spec.dependsOn.filter((d) => !ended.has(d));
    ctx.state.skip(u, `never became ready: it waits for ${missing.join(', ')}`);
  }
}

/** Why a ready step does not run, or null when it runs. */
export function skipReason(ctx: JobContext, u: Unit): string | undefined | null {
  if (!u.spec.run) return u.spec.skipReason ?? 'excluded by its conditions';
  if (ctx.killedBecause !== undefined) return ctx.killedBecause;
  if (ctx.state.failing && !u.spec.onFailure) return undefined;
  if (!ctx.state.failing && !u.spec.onSuccess) return undefined;
  return null;
}
