/**
 * The REST API under /api: every route needs the admin token; every failure
 * answers `{ "error": "one sentence" }` with a status code that fits.
 */
import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type { BotServices } from '../bot.js';
import { netrcFor } from '../webhooks/clone-credentials.js';
import { requireAdminToken } from './auth.js';
import { buildRoutes } from './builds.js';
import type { ApiDeps } from './deps.js';
import { HttpError, httpFailure } from './http-error.js';
import { logRoutes } from './logs.js';
import { registryRoutes } from './registries.js';
import { repoRoutes } from './repos.js';
import { runnerRoutes } from './runners.js';
import { secretRoutes } from './secrets.js';

export type { ApiDeps } from './deps.js';

function jsonErrors(deps: ApiDeps): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, `no API route ${ctx.method} ${ctx.path}; see the README for the routes`);
      }
    } catch (err) {
      const f = httpFailure(err);
      if (f.expected) deps.log.debug({ method: ctx.method, path: ctx.path, status: f.status }, f.message);
      else deps.log.error({ err, method: ctx.method, path: ctx.path }, 'API request failed');
      ctx.status = f.status;
      ctx.set(f.headers);
      ctx.body = { error: f.message };
    }
  };
}

/** The API's parts, from a running bot's. */
export function apiDepsOf(s: BotServices): ApiDeps {
  return {
    store: s.store,
    gitlab: s.gitlab,
    builds: s.builds,
    ...(s.cfg.adminToken === undefined ? {} : { adminToken: s.cfg.adminToken }),
    publicUrl: s.cfg.publicUrl,
    log: s.log.child({ component: 'api' }),
    netrc: (repo) => netrcFor(s.cfg, repo),
    onBuild: (build, repo) => s.statuses.publishBuild(build, repo),
  };
}

export function apiRouter(deps: ApiDeps): Router {
  const api = new Router({ prefix: '/api' });
  api.use(jsonErrors(deps));
  api.use(requireAdminToken(deps.adminToken));
  repoRoutes(api, deps);
  buildRoutes(api, deps);
  logRoutes(api, deps);
  secretRoutes(api, deps);
  registryRoutes(api, deps);
  runnerRoutes(api, deps);
  api.all('/{*rest}', () => {
    throw new HttpError(404, 'no such API route; see the README for the routes');
  });
  return api;
}
