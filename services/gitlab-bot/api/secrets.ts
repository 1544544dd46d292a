/** /api/repos/:repo/secrets: add (or replace), list without values, remove. */
import type { Router } from '@koa/router';
import { z } from 'zod';
import { EVENTS } from '../../shared/pipeline/types.js';
import { readBody } from './body.js';
import type { ApiDeps } from './deps.js';
import { HttpError } from './http-error.js';
import { presentSecret } from './present.js';
import { findRepo, repoRef } from './repo-param.js';

const secretSchema = z.strictObject({
  name: z
    .string({ error: 'must be the secret name' })
    .regex(/^[A-Za-z0-9_.-]{1,128}$/, { error: "must be 1 to 128 letters, digits, '_', '.' or '-'" }),
  value: z.string({ error: 'must be the secret value as text' }).min(1, { error: 'must not be empty' }),
  events: z
    .array(z.enum(EVENTS, { error: `must be one of ${EVENTS.join(', ')}` }), {
      error: 'must be a list of events',
    })
    .optional(),
  images: z
    .array(z.string({ error: 'must be image names' }), { error: 'must be a list of images' })
    .optional(),
});

export function secretRoutes(router: Router, deps: ApiDeps): void {
  router.get('/repos/:repo/secrets', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    ctx.body = (await deps.store.secrets.list(repo.id)).map(presentSecret);
  });

  router.post('/repos/:repo/secrets', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const body = await readBody(ctx, secretSchema);
    const existed = (await deps.store.secrets.get(repo.id, body.name)) !== undefined;
    const secret = await deps.store.secrets.set(repo.id, {
      name: body.name,
      value: body.value,
      ...(body.events === undefined ? {} : { events: body.events }),
      ...(body.images === undefined ? {} : { images: body.images }),
    });
    deps.log.info({ repo: repo.slug, secret: secret.name, replaced: existed }, 'secret saved');
    ctx.status = existed ? 200 : 201;
    ctx.body = presentSecret(secret);
  });

  router.delete('/repos/:repo/secrets/:name', async (ctx) => {
    const repo = await findRepo(deps.store, repoRef(ctx));
    const name = ctx.params.name ?? '';
    if (!(await deps.store.secrets.remove(repo.id, name))) {
      throw new HttpError(404, `${repo.slug} has no secret named ${name}`);
    }
    deps.log.info({ repo: repo.slug, secret: name }, 'secret removed');
    ctx.status = 204;
  });
}
