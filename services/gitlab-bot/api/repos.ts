/**
 * /api/repos: list, info, switch on (creates the GitLab webhook with a fresh
 * token), switch off (deletes it) and settings.
 */
import { randomBytes } from 'node:crypto';
import type { Router } from '@koa/router';
import { z } from 'zod';
import type { Repo, RepoSettings } from '../../coordinator/store/types.js';
import { GitLabNotFoundError } from '../gitlab/errors.js';
import type { GitLabProject } from '../gitlab/schemas.js';
import { readBody } from './body.js';
import type { ApiDeps } from './deps.js';
import { HttpError } from './http-error.js';
import { presentRepo } from './present.js';
import { findRepo, repoRef } from './repo-param.js';

const updateSchema = z.strictObject({
  trusted: z.boolean({ error: 'must be true or false' }).optional(),
  timeout: z
    .number({ error: 'must be a number of minutes' })
    .int({ error: 'must be a whole number of minutes' })
    .min(1, { error: 'must be at least 1 minute' })
    .max(7 * 24 * 60, { error: 'must be at most 10080 minutes (a week)' })
    .optional(),
  config_path: z
    .string({ error: 'must be a path in the repository, like .drone.yml' })
    .trim()
    .min(1, { error: 'must not be empty; the default is .drone.yml' })
    .optional(),
  concurrency: z
    .number({ error: 'must be a number of builds' })
    .int({ error: 'must be a whole number of builds' })
    .min(0, { error: 'must be 0 (no limit) or more' })
    .optional(),
  cancel_previous: z.boolean({ error: 'must be true or false' }).optional(),
  allow_fork_secrets: z.boolean({ error: 'must be true or false' }).optional(),
});

/** The address GitLab posts webhooks to. */
export function hookUrl(publicUrl: string): string {
  return `${publicUrl}/hook`;
}

function projectSettings(p: GitLabProject): RepoSettings & { slug: string; cloneUrl: string } {
  return {
    slug: p.pathWithNamespace,
    cloneUrl: p.httpUrlToRepo,
    webUrl: p.webUrl,
    ...(p.defaultBranch ? { defaultBranch: p.defaultBranch } : {}),
    visibility: p.visibility,
  };
}

/**
 * Switches a repository on: registers the GitLab project (or refreshes its
 * path and URLs), replaces any earlier Hangar hook with a new one carrying a
 * fresh random token, and stores the token's hash.
 */
export async function enableRepo(deps: ApiDeps, ref: string): Promise<{ repo: Repo; created: boolean }> {
  const project = await deps.gitlab.project(/^\d+$/.test(ref) ? Number(ref) : ref);
  const existing = await deps.store.repos.byProjectId(project.id);
  const repo = existing
    ? await deps.store.repos.update(existing.id, projectSettings(project))
    : await deps.store.repos.create({ projectId: project.id, ...projectSettings(project), active: false });

  const url = hookUrl(deps.publicUrl);
  const stale = new Set<number>();
  if (repo.hookId !== undefined) stale.add(repo.hookId);
  for (const h of await deps.gitlab.listProjectHooks(project.id)) if (h.url === url) stale.add(h.id);
  for (const id of stale) await deps.gitlab.deleteProjectHook(project.id, id);

  const token = randomBytes(32).toString('base64url');
  const hook = await deps.gitlab.createProjectHook(project.id, {
    url,
    token,
    pushEvents: true,
    tagPushEvents: true,
    mergeRequestsEvents: true,
    noteEvents: true,
    enableSslVerification: true,
  });
  await deps.store.repos.setHook(repo.id, { hookId: hook.id, token });
  const enabled = await deps.store.repos.update(repo.id, { active: true });
  deps.log.info({ repo: enabled.slug, projectId: project.id, hookId: hook.id }, 'repository switched on');
  return { repo: enabled, created: existing === undefined };
}

/** Switches a repository off: deletes its GitLab hook (gone already is fine) and forgets the token. */
export async function disableRepo(deps: ApiDeps, repo: Repo): Promise<Repo> {
  if (repo.hookId !== undefined) {
    try {
      await deps.gitlab.deleteProjectHook(repo.projectId, repo.hookId);
    } catch (err) {
      // The project itself is gone or hidden from the bot: there is no hook left to delete.
      if (!(err instanceof GitLabNotFoundError)) throw err;
    }
  }
  await deps.store.repos.setHook(repo.id, { hookId: null, token: null });
  const off = await deps.store.repos.update(repo.id, { active: false });
  deps.log.info({ repo: off.slug }, 'repository switched off');
  return off;
}

export function repoRoutes(router: Router, deps: ApiDeps): void {
  router.get('/repos', async (ctx) => {
    const active = ctx.query.active;
    const filter = active === 'true' ? { active: true } : active === 'false' ? { active: false } : {};
    ctx.body = (await deps.store.repos.list(filter)).map(presentRepo);
  });

  router.get('/repos/:repo', async (ctx) => {
    ctx.body = presentRepo(await findRepo(deps.store, repoRef(ctx)));
  });

  router.post('/repos/:repo', async (ctx) => {
    await readBody(ctx, z.strictObject({}));
    const { repo, created } = await enableRepo(deps, repoRef(ctx));
    ctx.status = created ? 201 : 200;
    ctx.body = presentRepo(repo);
  });

  router.delete('/repos/:repo', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    ctx.body = presentRepo(await disableRepo(deps, repo));
  });

  router.patch('/repos/:repo', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const body = await readBody(ctx, updateSchema);
    const settings: RepoSettings = {
      ...(body.trusted === undefined ? {} : { trusted: body.trusted }),
      ...(body.timeout === undefined ? {} : { timeoutMinutes: body.timeout }),
      ...(body.config_path === undefined ? {} : { configPath: body.config_path }),
      ...(body.concurrency === undefined ? {} : { concurrency: body.concurrency }),
      ...(body.cancel_previous === undefined ? {} : { cancelPrevious: body.cancel_previous }),
      ...(body.allow_fork_secrets === undefined ? {} : { allowForkSecrets: body.allow_fork_secrets }),
    };
    if (Object.keys(settings).length === 0) {
      throw new HttpError(
        400,
        'the request body changes nothing; send one of trusted, timeout, config_path, concurrency, cancel_previous, allow_fork_secrets',
      );
    }
    ctx.body = presentRepo(await deps.store.repos.update(repo.id, settings));
  });
}
