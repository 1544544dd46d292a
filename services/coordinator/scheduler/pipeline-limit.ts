/**
 * A pipeline's own `concurrency: { limit: N }`: at most N jobs of that
 * pipeline (same repository, same name) queued or running at once across
 * builds. The others stay pending, saying why, and start in build order: an
 * older waiting job keeps its place ahead of newer ones. The check and the
 * move to `queued` happen in one store transaction, so passes racing for the
 * last free place cannot both take it; the state is the jobs' own, so it
 * survives a coordinator restart.
 */
import type { CoordinatorContext } from '../context.js';
import type { Job } from '../store/index.js';
import type { LimitCounts } from '../store/jobs.js';

const pipelines = (n: number, name: string) => `'${name}' ${n === 1 ? 'pipeline' : 'pipelines'}`;

/** The sentence a waiting job shows. */
export function waitingReason(name: string, limit: number, { active, ahead }: LimitCounts): string {
  const running = `${active} other ${pipelines(active, name)} running`;
  const why =
    active > 0 && ahead > 0
      ? `${running} and ${ahead} earlier ${ahead === 1 ? 'one' : 'ones'} waiting`
      : active > 0
        ? running
        : `${ahead} earlier ${pipelines(ahead, name)} ${ahead === 1 ? 'waits' : 'wait'} to run first`;
  return `waiting: ${why} (concurrency limit ${limit})`;
}

/** The limit a job's pipeline sets, 0 for none. */
export function pipelineLimit(job: Job): number {
  const limit = job.plan.concurrency;
  return limit !== undefined && Number.isInteger(limit) && limit > 0 ? limit : 0;
}

/**
 * Queues the limited jobs that have a free place (in id order, so older jobs
 * take places first) and returns them; jobs that wait get their reason, and
 * an event when it changed.
 */
export async function queueLimited(ctx: CoordinatorContext, jobs: readonly Job[]): Promise<Job[]> {
  const queued: Job[] = [];
  for (const job of [...jobs].sort((a, b) => a.id - b.id)) {
    const limit = pipelineLimit(job);
    const out = await ctx.store.jobs.queueWithinLimit(job.id, limit, (c) =>
      waitingReason(job.name, limit, c),
    );
    if (out === undefined) continue;
    if (out.queued) queued.push(out.job);
    else if (out.changed) {
      ctx.log.info(
        { job: job.id, build: job.buildId, pipeline: job.name, ...out.counts },
        'job waits for its pipeline concurrency limit',
      );
      await ctx.events.job(out.job);
    }
  }
  return queued;
}
