/**
 * Restarting a build: a new build (its parent the old one) of the same commit
 * and the same pipeline file, with the old parameters and the new ones merged
 * over them. With `failedOnly`, pipelines that passed in the old build are
 * skipped and the failed ones run, with everything that depends on them (of a
 * matrix, only the axes that failed run again; a pipeline that depends on
 * one runs with all its axes); with `pipeline`, only that pipeline runs, every
 * axis of it.
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

/** One job's identity across builds of the same file: its pipeline name and matrix axis. */
export function jobKey(name: string, axis: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(axis ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([name, entries]);
}

/** What a failed-only restart runs again. */
export interface RerunSet {
  /** Jobs (by jobKey) that failed: only these axes of their pipeline run. */
  failed: Set<string>;
  /** Pipelines that depend, directly or not, on one that failed: every axis of them runs. */
  dependents: Set<string>;
}

/**
 * The failed jobs (each matrix axis on its own) and the pipelines that depend
 * on a pipeline with a failed job, directly or not.
 */
export function failedWithDependents(
  jobs: readonly Pick<Job, 'name' | 'axis' | 'status' | 'dependsOn'>[],
): RerunSet {
  const failedJobs = jobs.filter((j) => FAILED.has(j.status));
  const failed = new Set(failedJobs.map((j) => jobKey(j.name, j.axis)));
  const reached = new Set(failedJobs.map((j) => j.name));
  const dependents = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const j of jobs) {
      if (!dependents.has(j.name) && j.dependsOn.some((d) => reached.has(d))) {
        dependents.add(j.name);
        reached.add(j.name);
        grew = true;
      }
    }
  }
  return { failed, dependents };
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
    if (run.failed.size === 0) {
      throw new StatusError(
        status.FAILED_PRECONDITION,
        `build ${old.number} has no failed pipeline to restart; restart the whole build instead`,
      );
    }
    filter = (plan) =>
      run.dependents.has(plan.pipeline) || run.failed.has(jobKey(plan.pipeline, plan.axis))
        ? undefined
        : { skip: `skipped: it passed in build ${old.number}` };
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
