/**
 * What follows when a job ends, however it ended (its runner completed it,
 * its lease lapsed, it was cancelled or skipped): events for the job and its
 * steps, an end-of-log signal for live viewers, the next dispatch pass (for
 * pipelines that depend on it and builds held by the concurrency limit), and
 * the build's own end once all its jobs have ended.
 */
import type { CoordinatorContext } from '../context.js';
import { publishStepEnd } from '../logs/live.js';
import { type Build, type BuildStatus, isFinished, type Job } from '../store/index.js';

/** The status of a build whose jobs have all ended. */
export function buildOutcome(jobs: readonly Pick<Job, 'status'>[]): BuildStatus {
  const statuses = new Set(jobs.map((j) => j.status));
  if (statuses.has('killed')) return 'killed';
  if (statuses.has('error')) return 'error';
  if (statuses.has('failure')) return 'failure';
  if (jobs.length > 0 && jobs.every((j) => j.status === 'skipped')) return 'skipped';
  return 'success';
}

export async function jobEnded(ctx: CoordinatorContext, job: Job): Promise<void> {
  ctx.dispatcher.forget(job.id);
  const steps = await ctx.store.steps.listByJob(job.id);
  await ctx.events.job(job, steps);
  for (const s of steps) publishStepEnd(ctx.bus, s.id);
  // An ended build wakes the dispatcher itself; otherwise its dependents may be ready now.
  if ((await settleBuild(ctx, job.buildId)) === undefined) ctx.dispatcher.kickSoon();
}

/** Ends the build when every job has ended; returns the ended build, if this call ended it. */
export async function settleBuild(ctx: CoordinatorContext, buildId: number): Promise<Build | undefined> {
  const jobs = await ctx.store.jobs.statesByBuild(buildId);
  if (jobs.some((j) => !isFinished(j.status))) return undefined;
  const status = buildOutcome(jobs);
  const errored = jobs.find((j) => j.status === 'error' && j.error !== '');
  const ended = await ctx.store.builds.setStatus(
    buildId,
    status,
    status === 'error' && errored ? `pipeline '${errored.name}': ${errored.error}` : undefined,
  );
  if (ended === undefined) return undefined;
  await buildEnded(ctx, ended);
  return ended;
}

/** Events and metrics of a build that just ended. */
export async function buildEnded(ctx: CoordinatorContext, build: Build): Promise<void> {
  await ctx.events.build(build);
  ctx.metrics.buildsFinished.inc({ status: build.status });
  if (build.finishedAt !== undefined) {
    ctx.metrics.buildDuration.observe((build.finishedAt - (build.startedAt ?? build.createdAt)) / 1000);
  }
  ctx.dispatcher.kickSoon();
}
