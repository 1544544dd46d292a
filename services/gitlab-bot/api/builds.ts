/**
 * /api/repos/:repo/builds: list, info with pipelines and steps, create for a
 * branch or commit, restart, cancel. Builds change only through the
 * coordinator's BuildService.
 */
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Repo } from '../../coordinator/store/types.js';
import { readBody } from './body.js';
import type { BuildMessage } from './build-service.js';
import type { ApiDeps } from './deps.js';
import { HttpError } from './http-error.js';
import { presentBuild } from './present.js';
import { findRepo, repoRef } from './repo-param.js';

const params = z.record(z.string(), z.string({ error: 'must be text' }), {
  error: 'must be an object of names to text values',
});

const createSchema = z.strictObject({
  branch: z.string({ error: 'must be a branch name' }).trim().min(1, { error: 'must not be empty' }),
  commit: z
    .string({ error: 'must be a commit sha' })
    .regex(/^[0-9a-fA-F]{7,64}$/, { error: 'must be a commit sha (7 to 64 hex digits)' })
    .optional(),
  params: params.optional(),
});

const restartSchema = z.strictObject({
  failed_only: z.boolean({ error: 'must be true or false' }).optional(),
  pipeline: z
    .string({ error: 'must be a pipeline name' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .optional(),
  params: params.optional(),
});

export function buildNumber(ctx: Context & { params: Record<string, string | undefined> }): number {
  const raw = ctx.params.number ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    throw new HttpError(400, `build number '${raw}' is not a number; builds are numbered 1, 2, 3, …`);
  }
  return n;
}

function limitOf(raw: unknown): number {
  if (raw === undefined) return 25;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 1 || n > 100) {
    throw new HttpError(400, 'limit must be a number from 1 to 100');
  }
  return n;
}

/** Fetches the commit and the pipeline file from GitLab and asks the coordinator for a build. */
export async function createBuildFor(
  deps: ApiDeps,
  repo: Repo,
  input: { branch: string; commit?: string; params?: Record<string, string>; sender: string },
) {
  if (!repo.active) {
    throw new HttpError(
      409,
      `repository ${repo.slug} is switched off; switch it on with: hangar repo enable ${repo.slug}`,
    );
  }
  const commit = await deps.gitlab.commit(repo.projectId, input.commit ?? input.branch);
  if (!commit) {
    throw new HttpError(
      404,
      input.commit === undefined
        ? `branch ${input.branch} does not exist in ${repo.slug}`
        : `commit ${input.commit} does not exist in ${repo.slug}`,
    );
  }
  const config = await deps.gitlab.fileRaw(repo.projectId, repo.configPath, commit.sha);
  if (config === null) {
    throw new HttpError(
      422,
      `${repo.slug} has no ${repo.configPath} at ${commit.sha.slice(0, 8)}; add the file, or set its path with: hangar repo update ${repo.slug} --config-path PATH`,
    );
  }
  const build = await deps.builds.createBuild({
    repo: { projectId: repo.projectId },
    event: 'custom',
    ref: `refs/heads/${input.branch}`,
    branch: input.branch,
    sha: commit.sha,
    message: commit.message,
    title: commit.title,
    author: commit.authorName,
    authorEmail: commit.authorEmail,
    sender: input.sender,
    link: commit.webUrl ?? `${repo.webUrl}/-/commit/${commit.sha}`,
    config,
    params: input.params ?? {},
    ...netrcOf(deps, repo),
  });
  await announce(deps, build, repo);
  return build;
}

/** Lets the rest of the bot know of a new build; a failure there does not undo the build. */
async function announce(deps: ApiDeps, build: BuildMessage, repo: Repo): Promise<void> {
  try {
    await deps.onBuild?.(build, repo);
  } catch (err) {
    deps.log.warn({ err, repo: repo.slug, build: build.number }, 'first statuses of an API build failed');
  }
}

export function buildRoutes(router: Router, deps: ApiDeps): void {
  router.get('/repos/:repo/builds', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const branch = typeof ctx.query.branch === 'string' ? ctx.query.branch : '';
    const before = ctx.query.before === undefined ? 0 : Number(ctx.query.before);
    if (!Number.isInteger(before) || before < 0) throw new HttpError(400, 'before must be a build number');
    const builds = await deps.builds.listBuilds({
      repo: { projectId: repo.projectId },
      branch,
      limit: limitOf(ctx.query.limit),
      before,
    });
    ctx.body = builds.map((b) => presentBuild(b, deps.publicUrl));
  });

  router.post('/repos/:repo/builds', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const body = await readBody(ctx, createSchema);
    const build = await createBuildFor(deps, repo, {
      branch: body.branch,
      ...(body.commit === undefined ? {} : { commit: body.commit }),
      ...(body.params === undefined ? {} : { params: body.params }),
      sender: 'api',
    });
    ctx.status = 201;
    ctx.body = presentBuild(build, deps.publicUrl);
  });

  router.get('/repos/:repo/builds/:number', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const build = await deps.builds.getBuild({
      repo: { projectId: repo.projectId },
      number: buildNumber(ctx),
    });
    ctx.body = presentBuild(build, deps.publicUrl);
  });

  router.post('/repos/:repo/builds/:number/restart', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const number = buildNumber(ctx);
    const body = await readBody(ctx, restartSchema);
    const build = await deps.builds.restartBuild({
      repo: { projectId: repo.projectId },
      number,
      failedOnly: body.failed_only ?? false,
      pipeline: body.pipeline ?? '',
      params: body.params ?? {},
    });
    await announce(deps, build, repo);
    ctx.status = 201;
    ctx.body = presentBuild(build, deps.publicUrl);
  });

  router.post('/repos/:repo/builds/:number/cancel', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const number = buildNumber(ctx);
    await readBody(ctx, z.strictObject({}));
    const build = await deps.builds.cancelBuild({ repo: { projectId: repo.projectId }, number });
    ctx.body = presentBuild(build, deps.publicUrl);
  });
}

function netrcOf(
  deps: ApiDeps,
  repo: Repo,
): { netrc?: { machine: string; login: string; password: string } } {
  const netrc = deps.netrc?.(repo);
  return netrc === undefined ? {} : { netrc };
}
