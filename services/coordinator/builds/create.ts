/**
 * Creating a build: the pipeline file is compiled with the build's own facts
 * (its number comes from the store inside the same transaction), one job is
 * stored per pipeline or matrix axis (pipelines excluded by `trigger:` /
 * `branches:` as skipped, with the reason), and the dispatcher is woken. A
 * file that does not compile gives a build in `error` whose message is the
 * first problem as `file:line:column: message`.
 */
import { compile, formatDiagnostic } from '../../shared/pipeline/compile.js';
import type { JobPlan } from '../../shared/pipeline/types.js';
import type { CoordinatorContext } from '../context.js';
import type { Build, BuildInput, BuildWithJobs, JobInput, Netrc, Repo } from '../store/index.js';
import { cancelBuild } from './cancel.js';
import { buildContext } from './context.js';

/** Makes a job skipped, with a reason, when a restart does not run it. */
export type JobFilter = (plan: JobPlan) => { skip: string } | undefined;

export interface NewBuild {
  repo: Repo;
  input: Omit<BuildInput, 'config' | 'netrc'>;
  config: string;
  netrc?: Netrc;
  filter?: JobFilter;
}

/** Clone credentials kept in memory at most (when no secret key is configured). */
const MEMORY_NETRCS = 10_000;

export function planBuild(repo: Repo, build: Build, config: string, filter?: JobFilter) {
  const result = compile(config, buildContext(repo, build), {
    file: repo.configPath,
    trusted: repo.trusted,
  });
  const first = result.errors[0];
  if (!result.ok || first !== undefined) {
    return {
      jobs: [],
      status: 'error' as const,
      error:
        first === undefined
          ? `${repo.configPath}: does not compile`
          : formatDiagnostic(repo.configPath, first),
    };
  }
  if (result.jobs.length === 0) {
    return {
      jobs: [],
      status: 'error' as const,
      error: `${repo.configPath}: the file defines no pipeline; add one with kind: pipeline and steps:`,
    };
  }
  const jobs: JobInput[] = result.jobs.map((plan) => {
    const skip = plan.run ? filter?.(plan) : undefined;
    return skip === undefined ? { plan } : { plan, status: 'skipped', error: skip.skip };
  });
  if (jobs.every((j) => j.status === 'skipped' || !j.plan.run)) {
    const reason = jobs[0]?.error || jobs[0]?.plan.skipReason || 'no pipeline runs for this event';
    return { jobs, status: 'skipped' as const, error: reason };
  }
  return { jobs };
}

export async function createBuild(ctx: CoordinatorContext, nb: NewBuild): Promise<BuildWithJobs> {
  const { store } = ctx;
  const keep = nb.netrc !== undefined && store.canEncrypt;
  const made = await store.builds.create(
    nb.repo.id,
    { ...nb.input, config: nb.config, ...(keep ? { netrc: nb.netrc } : {}) },
    (build) => planBuild(nb.repo, build, nb.config, nb.filter),
  );
  if (nb.netrc !== undefined && !keep) {
    ctx.netrcs.set(made.build.id, nb.netrc);
    if (ctx.netrcs.size > MEMORY_NETRCS) {
      const oldest = ctx.netrcs.keys().next().value;
      if (oldest !== undefined) ctx.netrcs.delete(oldest);
    }
  }
  await ctx.events.build(made.build, nb.repo);
  for (const job of made.jobs) await ctx.events.job(job);
  ctx.log.info(
    { repo: nb.repo.slug, build: made.build.number, status: made.build.status, jobs: made.jobs.length },
    'build created',
  );
  if (nb.repo.cancelPrevious) await cancelPrevious(ctx, nb.repo, made.build);
  ctx.dispatcher.kick();
  return made;
}

/** Cancels older unfinished builds of the same branch (pushes) or merge request. */
async function cancelPrevious(ctx: CoordinatorContext, repo: Repo, build: Build): Promise<void> {
  if (build.event !== 'push' && build.event !== 'pull_request') return;
  const older = await ctx.store.builds.list({
    repoId: repo.id,
    ...(build.event === 'pull_request' && build.mergeRequestIid !== undefined
      ? { mergeRequestIid: build.mergeRequestIid }
      : { branch: build.branch }),
    statuses: ['pending', 'running', 'blocked'],
    before: build.number,
    limit: 100,
  });
  for (const old of older) {
    if (old.event !== build.event) continue;
    ctx.log.info({ repo: repo.slug, build: old.number, by: build.number }, 'cancelling an older build');
    await cancelBuild(
      ctx,
      old,
      `cancelled: build ${build.number} of the same ${build.event === 'push' ? 'branch' : 'merge request'} replaces it`,
    );
  }
}
