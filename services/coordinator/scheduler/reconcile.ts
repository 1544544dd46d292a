/**
 * The periodic checks that keep every job moving when something was lost:
 * - leases that lapsed (a runner died or lost its network): the job goes back
 *   to the queue once, and ends as "runner lost" the second time;
 * - queued jobs whose publish failed, or that no runner accepted in time while
 *   the work queue holds fewer messages than there are queued jobs (a lost
 *   publish, a NATS store that was wiped): published again. A job still in the
 *   queue is deduplicated by NATS or refused at Accept, so a second copy is harmless.
 */
import { poolFor } from '../../shared/nats/bus.js';
import { jobEnded } from '../builds/lifecycle.js';
import type { CoordinatorContext } from '../context.js';
import { publishStepEnd } from '../logs/live.js';
import type { Job } from '../store/index.js';
import { type PublishLedger, publishJobs } from './dispatch.js';

/** Runs that end in "runner lost" after this many accepts. */
export const MAX_ATTEMPTS = 2;

export async function sweepLeases(ctx: CoordinatorContext): Promise<boolean> {
  const expired = await ctx.store.jobs.expireLeases({ maxAttempts: MAX_ATTEMPTS });
  let requeued = false;
  for (const { job, requeued: back } of expired) {
    ctx.metrics.leasesLapsed.inc();
    ctx.log.warn(
      { job: job.id, build: job.buildId, attempt: job.attempt, requeued: back },
      back ? 'lease lapsed; job goes back to the queue' : 'lease lapsed again; job failed as runner lost',
    );
    if (back) {
      requeued = true;
      const steps = await ctx.store.steps.listByJob(job.id);
      await ctx.events.job(job, steps);
      for (const s of steps) publishStepEnd(ctx.bus, s.id);
    } else {
      await jobEnded(ctx, job);
    }
  }
  return requeued;
}

export interface RedispatchState extends PublishLedger {
  /** Jobs whose last publish failed. */
  failed: ReadonlySet<number>;
  /** When each job was last published (monotonic ms); unknown after a restart. */
  publishedAt(jobId: number): number | undefined;
  /** When this coordinator started (monotonic ms): the publish time assumed for unknown jobs. */
  startedAt: number;
  /** Whether jobs queued before this coordinator started have been looked at. */
  checkedSinceStart: boolean;
  /** The earliest publish time of a job not yet accepted. */
  oldestPublish(): number | undefined;
  /** Forgets publish times older than `before` of jobs no longer queued. */
  forgetStale(before: number, queued: ReadonlySet<number>): void;
}

/** Whether any job may need publishing again: a failed publish, or one waiting longer than allowed. */
function anythingStale(ctx: CoordinatorContext, state: RedispatchState, now: number): boolean {
  if (state.failed.size > 0) return true;
  // After a start, jobs queued by an earlier coordinator have no publish time: look once they could be stale.
  if (!state.checkedSinceStart && now - state.startedAt >= ctx.cfg.redispatchAfterMs) return true;
  const oldest = state.oldestPublish();
  return oldest !== undefined && now - oldest >= ctx.cfg.redispatchAfterMs;
}

export async function redispatch(ctx: CoordinatorContext, state: RedispatchState): Promise<number> {
  const now = performance.now();
  if (!anythingStale(ctx, state, now)) return 0;
  if (now - state.startedAt >= ctx.cfg.redispatchAfterMs) state.checkedSinceStart = true;
  const queued = await ctx.store.jobs.listByStatus(['queued'], 2000);
  state.forgetStale(now - ctx.cfg.redispatchAfterMs, new Set(queued.map((j) => j.id)));
  if (queued.length === 0) return 0;
  const failedBefore: Job[] = [];
  const again: Job[] = [];
  const byPool = new Map<string, Job[]>();
  for (const job of queued) {
    if (state.failed.has(job.id)) {
      failedBefore.push(job);
      continue;
    }
    const pool = poolFor(job.plan.platform);
    const list = byPool.get(pool);
    if (list === undefined) byPool.set(pool, [job]);
    else list.push(job);
  }
  for (const [pool, jobs] of byPool) {
    const stale = jobs.filter(
      (j) => now - (state.publishedAt(j.id) ?? state.startedAt) >= ctx.cfg.redispatchAfterMs,
    );
    if (stale.length === 0) continue;
    const depth = await ctx.bus.queueDepth(pool);
    if (depth >= jobs.length) continue;
    ctx.log.warn(
      { pool, queued: jobs.length, inQueue: depth, republished: stale.length },
      'work queue holds fewer jobs than are queued; publishing waiting jobs again',
    );
    again.push(...stale);
  }
  // A publish that failed may be sent with its usual id; a lost one needs a new id.
  if (failedBefore.length > 0) await publishJobs(ctx, failedBefore, state);
  if (again.length > 0) await publishJobs(ctx, again, state, { again: true });
  return failedBefore.length + again.length;
}
