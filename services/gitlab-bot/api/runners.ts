/** GET /api/runners: the runners the coordinator knows. */
import type { Router } from '@koa/router';
import type { ApiDeps } from './deps.js';
import { presentRunner } from './present.js';

export function runnerRoutes(router: Router, deps: ApiDeps): void {
  router.get('/runners', async (ctx) => {
    ctx.body = (await deps.builds.listRunners()).map(presentRunner);
  });
}
