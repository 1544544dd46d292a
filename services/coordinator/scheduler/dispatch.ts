/**
 * One dispatch pass: takes the jobs waiting to run (oldest first), decides for
 * each whether it may run now (pipelines it depends on, the repository's
 * concurrency limit, its pipeline's own limit), and publishes those that may to their pool's work queue.
 * A job is marked `queued` before it is published, so no runner can have it
 * yet when the `queued` event goes out; a publish that fails is tried again by
 * the reconciler.
 */
import { poolFor } from '../../shared/nats/bus.js';
import { jobEnded } from '../builds/lifecycle.js';
import type { CoordinatorContext } from '../context.js';
import { isFinished, type Job, type Repo } from '../store/index.js';
import { dependencyVerdict } from './dependencies.js';
import { pipelineLimit, queueLimited } from './pipeline-limit.js';
import { runnerAvailable, sharedQueue } from './runner-roster.js';

/** Jobs looked at per pass; a longer queue is worked through over several passes. */
const PASS_LIMIT = 500;

export interface PublishLedger {
  published(jobId: number): void;
  publishFailed(jobId: number): void;
}

/** Publishes jobs that are `queued` to their pools; returns the ids whose publish failed. */
export async function publishJobs(
  ctx: CoordinatorContext,
  jobs: readonly Job[],
  ledger: PublishLedger,
  opts: { again?: boolean } = {},
): Promise<number[]> {
  const failed: number[] = [];
  await Promise.all(
    jobs.map(async (job) => {
      ledger.published(job.id);
      try {
        const attempt = job.attempt + 1;
        await ctx.bus.publishJob(
          poolFor(job.plan.platform),
          {
            jobId: String(job.id),
            attempt,
            ...(Object.keys(job.labels).length > 0 ? { labels: job.labels } : {}),
          },
          {
            // A republish needs an id NATS has not seen, or it is dropped as a duplicate.
            ...(opts.again ? { msgId: `${job.id}:${attempt}:${Date.now()}` } : {}),
            shared: sharedQueue(ctx, job),
          },
        );
        ctx.metrics.jobsDispatched.inc();
      } catch (err) {
        ledger.publishFailed(job.id);
        failed.push(job.id);
        ctx.log.warn({ err, job: job.id }, 'publishing a job failed; it will be published again');
      }
    }),
  );
  return failed;
}

export async function dispatchPass(ctx: CoordinatorContext, ledger: PublishLedger): Promise<void> {
  const { store } = ctx;
  const pending = await store.jobs.listByStatus(['pending'], PASS_LIMIT);
  if (pending.length === 0) return;
  const byBuild = new Map<number, Job[]>();
  for (const job of pending) {
    const list = byBuild.get(job.buildId);
    if (list === undefined) byBuild.set(job.buildId, [job]);
    else list.push(job);
  }
  const repos = new Map<number, Repo | undefined>();
  const runningBuilds = new Map<number, number>();
  const ready: Job[] = [];
  const queuedLimited: Job[] = [];

  for (const [buildId, jobs] of byBuild) {
    const build = await store.builds.get(buildId);
    if (build === undefined) continue;
    if (isFinished(build.status)) {
      // The build ended (cancelled) while a lapsed lease put this job back.
      for (const job of jobs) {
        const ended = await store.jobs.finish(job.id, 'killed');
        if (ended !== undefined) await jobEnded(ctx, ended);
      }
      continue;
    }
    const siblings = jobs.some((j) => j.dependsOn.length > 0) ? await store.jobs.listByBuild(buildId) : [];
    const runnable: Job[] = [];
    for (const job of jobs) {
      const verdict = dependencyVerdict(job, siblings);
      if (verdict.kind === 'run' && (await runnerAvailable(ctx, job))) runnable.push(job);
      else if (verdict.kind === 'skip') {
        const ended = await store.jobs.finish(job.id, 'skipped', verdict.reason);
        if (ended !== undefined) await jobEnded(ctx, ended);
      }
    }
    if (runnable.length === 0) continue;
    let repo: Repo | undefined;
    if (build.status === 'pending') {
      if (!repos.has(build.repoId)) repos.set(build.repoId, await store.repos.get(build.repoId));
      repo = repos.get(build.repoId);
      if (repo !== undefined && repo.concurrency > 0) {
        const running = runningBuilds.get(repo.id) ?? (await store.builds.countRunning(repo.id));
        runningBuilds.set(repo.id, running);
        if (running >= repo.concurrency) continue;
      }
    }
    const free = runnable.filter((j) => pipelineLimit(j) === 0);
    const limited = await queueLimited(
      ctx,
      runnable.filter((j) => pipelineLimit(j) > 0),
    );
    if (free.length === 0 && limited.length === 0) continue;
    if (build.status === 'pending') {
      if (repo !== undefined && repo.concurrency > 0) {
        runningBuilds.set(repo.id, (runningBuilds.get(repo.id) ?? 0) + 1);
      }
      const started = await store.builds.setStatus(build.id, 'running');
      if (started !== undefined) await ctx.events.build(started, repo);
    }
    ready.push(...free);
    queuedLimited.push(...limited);
  }

  const queued = [...queuedLimited, ...(await store.jobs.queue(ready.map((j) => j.id)))].sort(
    (a, b) => a.id - b.id,
  );
  for (const job of queued) await ctx.events.job(job);
  await publishJobs(ctx, queued, ledger);
}
