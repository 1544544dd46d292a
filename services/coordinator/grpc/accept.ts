/**
 * Accept: gives a queued job to the runner that asks first. Of two runners
 * asking for the same job exactly one wins (one conditional UPDATE in the
 * store); the other gets FAILED_PRECONDITION and acknowledges its queue message.
 * The answer carries the plan and only the credentials the job may use.
 */
import { status } from '@grpc/grpc-js';
import type { AcceptResponse } from '../../../proto/generated/hangar/v1/AcceptResponse.js';
import { errorMessage } from '../../shared/errors.js';
import { StatusError } from '../../shared/grpc/status.js';
import type { JobPlan } from '../../shared/pipeline/types.js';
import { netrcForJob, pullCredentialsForJob, secretsForJob } from '../builds/credentials.js';
import { jobEnded } from '../builds/lifecycle.js';
import type { CoordinatorContext } from '../context.js';
import type { Job, Lease } from '../store/index.js';
import { takesSecrets } from '../store/job-plan.js';
import { stepMessage } from './convert.js';

const NO_PULLS = Object.freeze({ registries: [], errors: [], notes: [] });

async function describe(ctx: CoordinatorContext, lease: Lease): Promise<AcceptResponse> {
  const { store } = ctx;
  const { job } = lease;
  const found = await store.builds.forAccept(job.buildId, job.id);
  if (found === undefined) throw new Error(`build ${job.buildId} or the plan of job ${job.id} is gone`);
  const { build } = found;
  const repo = await store.repos.get(build.repoId);
  if (repo === undefined) throw new Error(`the repository of build ${build.id} is gone`);
  // The whole plan is parsed only when the job takes secrets or the repository has registry credentials.
  let parsed: JobPlan | undefined;
  const plan = () => {
    parsed ??= JSON.parse(found.planJson) as JobPlan;
    return parsed;
  };
  const head = job.plan;
  const usesSecrets = head.imagePullSecrets.length > 0 || (head.stepSecrets ?? takesSecrets(plan()));
  const [steps, secrets, registries] = await Promise.all([
    store.steps.listByJob(job.id),
    usesSecrets ? store.secrets.values(repo.id) : Promise.resolve([]),
    store.registries.credentials(repo.id),
  ]);
  const netrc = netrcForJob(repo, found.netrc ?? ctx.netrcs.get(build.id), ctx.cfg.netrc);
  const pulls =
    usesSecrets || registries.length > 0
      ? pullCredentialsForJob(plan(), build, repo, secrets, registries)
      : NO_PULLS;
  if (pulls.errors.length > 0)
    ctx.log.warn({ job: job.id, problems: pulls.errors }, 'image_pull_secrets unusable');
  return {
    leaseToken: lease.token,
    attempt: lease.attempt,
    leaseExpiresMs: lease.expiresAt,
    buildId: build.id,
    buildNumber: build.number,
    repoSlug: repo.slug,
    planJson: found.planJson,
    steps: steps.map(stepMessage),
    secrets: usesSecrets ? secretsForJob(plan(), build, repo, secrets) : [],
    registries: pulls.registries,
    pullSecretErrors: pulls.errors,
    pullSecretNotes: pulls.notes,
    netrc: netrc ?? null,
  };
}

export async function acceptJob(
  ctx: CoordinatorContext,
  jobId: number,
  runnerId: number,
): Promise<{ job: Job; response: AcceptResponse }> {
  const lease = await ctx.store.jobs.claim(jobId, runnerId, ctx.cfg.leaseTimeoutMs);
  if (lease === undefined) {
    throw new StatusError(
      status.FAILED_PRECONDITION,
      `job ${jobId} is not available: another runner took it, or it was cancelled or has ended; drop it`,
    );
  }
  const published = ctx.dispatcher.publishedAt(jobId);
  if (published !== undefined) ctx.metrics.dispatchLatency.observe((performance.now() - published) / 1000);
  ctx.dispatcher.forget(jobId);
  let response: AcceptResponse;
  try {
    response = await describe(ctx, lease);
  } catch (err) {
    // The runner cannot run a job it cannot be told about: end it with the reason.
    const reason = `the coordinator could not hand the job to a runner: ${errorMessage(err)}`;
    ctx.log.error({ err, job: jobId }, 'preparing an accepted job failed');
    const ended = await ctx.store.jobs.complete(jobId, lease.token, 'error', reason).catch(() => undefined);
    if (ended !== undefined) await jobEnded(ctx, ended);
    throw new StatusError(status.FAILED_PRECONDITION, `job ${jobId} cannot run: ${reason}`);
  }
  await ctx.events.job(lease.job);
  ctx.log.debug({ job: jobId, runner: runnerId, attempt: lease.attempt }, 'job accepted');
  return { job: lease.job, response };
}
