/** /api/repos/:repo/registries: registry credentials, added (or replaced), listed without passwords, removed. */
import type { Router } from '@koa/router';
import { z } from 'zod';
import { readBody } from './body.js';
import type { ApiDeps } from './deps.js';
import { HttpError } from './http-error.js';
import { presentRegistry } from './present.js';
import { findRepo, repoRef } from './repo-param.js';

const registrySchema = z.strictObject({
  address: z
    .string({ error: 'must be the registry host, like registry.example.com:5000' })
    .trim()
    .regex(/^[^\s/]+$/, { error: 'must be the registry host, like registry.example.com:5000' }),
  username: z.string({ error: 'must be the user name' }).min(1, { error: 'must not be empty' }),
  password: z.string({ error: 'must be the password or token' }).min(1, { error: 'must not be empty' }),
});

export function registryRoutes(router: Router, deps: ApiDeps): void {
  router.get('/repos/:repo/registries', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    ctx.body = (await deps.store.registries.list(repo.id)).map(presentRegistry);
  });

  router.post('/repos/:repo/registries', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const body = await readBody(ctx, registrySchema);
    const existed = (await deps.store.registries.list(repo.id)).some((r) => r.address === body.address);
    const registry = await deps.store.registries.set(repo.id, body);
    deps.log.info({ repo: repo.slug, registry: registry.address }, 'registry credentials saved');
    ctx.status = existed ? 200 : 201;
    ctx.body = presentRegistry(registry);
  });

  router.delete('/repos/:repo/registries/:address', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const address = ctx.params.address ?? '';
    if (!(await deps.store.registries.remove(repo.id, address))) {
      throw new HttpError(404, `${repo.slug} has no credentials for registry ${address}`);
    }
    deps.log.info({ repo: repo.slug, registry: address }, 'registry credentials removed');
    ctx.status = 204;
  });
}
