/**
 * Queued jobs that ask for labels no connected runner has any more. Such a
 * job was published while a runner with its labels was there; that runner
 * left (stopped, or fell silent and was taken for gone) before taking it. The
 * job stays in the work queue, where a runner with the labels that comes (back)
 * takes it, so it is not published again; meanwhile it says why it waits,
 * with the same sentence as a pending job (runner-roster.ts). The sentence is
 * written when it changes, not on every pass, and taken off when a runner
 * with the labels is back (or when a runner accepts the job).
 *
 * Looked at after a pass when runners arrived or left since the last look,
 * and every REVIEW_EVERY_MS in any case (a job queued while its last runner
 * was leaving, jobs queued before this coordinator started).
 */
import { PRESENCE_EVERY_MS } from '../../shared/nats/presence.js';
import type { CoordinatorContext } from '../context.js';
import { type RunnerRoster, rosterFor, startedRoster } from './runner-roster.js';

/** The longest time between two looks at queued jobs with labels. */
const REVIEW_EVERY_MS = PRESENCE_EVERY_MS;
/** Queued jobs with labels looked at per review. */
const REVIEW_LIMIT = 500;

interface Review {
  /** Roster version at the last look (-1: none yet). */
  version: number;
  /** When the last look was (monotonic ms). */
  at: number;
}

const reviews = new WeakMap<CoordinatorContext['bus'], Review>();

function due(review: Review, roster: RunnerRoster | undefined, now: number): boolean {
  if (now - review.at >= REVIEW_EVERY_MS) return true;
  return roster !== undefined && roster.version !== review.version;
}

/** Gives queued jobs whose labels no connected runner has the waiting sentence, and takes it off when one is back. */
export async function reviewLabelWaits(ctx: CoordinatorContext): Promise<void> {
  let review = reviews.get(ctx.bus);
  if (review === undefined) {
    review = { version: -1, at: Number.NEGATIVE_INFINITY };
    reviews.set(ctx.bus, review);
  }
  const now = performance.now();
  const started = startedRoster(ctx);
  if (!due(review, started, now)) return;
  review.at = now;
  if (started !== undefined) review.version = started.version;
  const jobs = await ctx.store.jobs.listQueuedWithLabels(REVIEW_LIMIT);
  if (jobs.length === 0) return;
  const roster = started ?? rosterFor(ctx);
  await roster.settled;
  review.version = roster.version;
  for (const job of jobs) {
    const v = roster.verdict(job.plan.platform, job.labels);
    if (!v.run) {
      if (job.error === v.reason) continue;
      const waiting = await ctx.store.jobs.waitQueued(job.id, v.reason);
      if (waiting === undefined) continue;
      ctx.log.info(
        { job: job.id, build: job.buildId, reason: v.reason },
        'queued job lost the last runner with its labels',
      );
      await ctx.events.job(waiting);
    } else if (job.error !== '') {
      const back = await ctx.store.jobs.clearWait(job.id, job.error);
      if (back === undefined) continue;
      ctx.log.info({ job: job.id, build: job.buildId }, 'a runner with the labels of a queued job is back');
      await ctx.events.job(back);
    }
  }
}
