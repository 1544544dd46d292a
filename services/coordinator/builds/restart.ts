/**
 * Restarting a build: a new build (its parent the old one) of the same commit
 * and the same pipeline file, with the old parameters and the new ones merged
 * over them. With `failedOnly`, pipelines that passed in the old build are
 * skipped and the failed ones run, with everything that depends on them; with
 * `pipeline`, only that pipeline runs.
 */
import { status } from '@grpc/grpc-js';
import { StatusError } from '../../shared/grpc/status.js';
import type { CoordinatorContext } from '../context.js';
import type { Build, BuildWithJobs, Job, Repo } from '../store/index.js';
import { createBuild, type JobFilter } from './create.js';

export interface RestartOptions {
  failedOnly: boolean;
  pipeline: string;
  params: Record<string, string>;
}

const FAILED = new Set(['failure', 'error', 'killed']);

/** Names of the pipelines that failed and of all pipelines that depend on them, directly or not. */
export function failedWithDependents(jobs: readonly Job[]): Set<string> {
  const run = new Set(jobs.filter((j) => FAILED.has(j.status)).map((j) => j.name));
  for (let grew = true; grew; ) {
    grew = false;
    for (const j of jobs) {
      if (!run.has(j.name) && j.dependsOn.some((d) => run.has(d))) {
        run.add(j.name);
        grew = true;
      }
    }
  }
  return run;
}

export async function restartBuild(
  ctx: CoordinatorContext,
  repo: Repo,
  old: Build,
  opts: RestartOptions,
): Promise<BuildWithJobs> {
  const inputs = await ctx.store.builds.inputs(old.id);
  if (inputs === undefined) {
    throw new StatusError(
      status.FAILED_PRECONDITION,
      `build ${old.number} of ${repo.slug} kept no pipeline file, so it cannot be restarted; push the commit again`,
    );
  }
  let filter: JobFilter | undefined;
  if (opts.pipeline !== '') {
    const jobs = await ctx.store.jobs.listByBuild(old.id);
    if (!jobs.some((j) => j.name === opts.pipeline)) {
      throw new StatusError(
        status.INVALID_ARGUMENT,
        `build ${old.number} has no pipeline '${opts.pipeline}'; its pipelines are ${[...new Set(jobs.map((j) => `'${j.name}'`))].join(', ')}`,
      );
    }
    filter = (plan) =>
      plan.pipeline === opts.pipeline
        ? undefined
        : { skip: `skipped: the restart runs only '${opts.pipeline}'` };
  } else if (opts.failedOnly) {
    const jobs = await ctx.store.jobs.listByBuild(old.id);
    const run = failedWithDependents(jobs);
    if (run.size === 0) {
      throw new StatusError(
        status.FAILED_PRECONDITION,
        `build ${old.number} has no failed pipeline to restart; restart the whole build instead`,
      );
    }
    filter = (plan) =>
      run.has(plan.pipeline) ? undefined : { skip: `skipped: it passed in build ${old.number}` };
  }
  const netrc = inputs.netrc ?? ctx.netrcs.get(old.id);
  return createBuild(ctx, {
    repo,
    input: {
      parentId: old.id,
      event: old.event,
      ref: old.ref,
      branch: old.branch,
      sha: old.sha,
      beforeSha: old.beforeSha,
      message: old.message,
      title: old.title,
      author: old.author,
      authorEmail: old.authorEmail,
      authorAvatar: old.authorAvatar,
      sender: old.sender,
      sourceBranch: old.sourceBranch,
      targetBranch: old.targetBranch,
      ...(old.mergeRequestIid === undefined ? {} : { mergeRequestIid: old.mergeRequestIid }),
      fork: old.fork,
      link: old.link,
      deployTo: old.deployTo,
      params: { ...old.params, ...opts.params },
    },
    config: inputs.config,
    ...(netrc === undefined ? {} : { netrc }),
    ...(filter === undefined ? {} : { filter }),
  });
}
