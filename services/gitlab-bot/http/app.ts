/**
 * The bot's HTTP application: /healthz, /metrics, and the routers of the
 * parts (webhooks, REST API) mounted in the order given. Errors that escape a
 * route become a JSON sentence; the stack goes to the log.
 */
import type Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from '../../shared/log.js';
import type { Metrics } from './metrics.js';

export interface AppParts {
  routers: Router[];
  metrics: Metrics;
  log: Logger;
  /** Checks that answer /healthz: each returns null when fine, else a sentence. */
  health?: Record<string, () => Promise<string | null> | string | null>;
}

export function createApp(parts: AppParts): Koa {
  const app = new Koa();
  app.proxy = true;
  const requests = parts.metrics.counter(
    'hangar_bot_http_requests_total',
    'HTTP requests by route and status',
  );

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const e = err as { status?: number; expose?: boolean; message?: string };
      const status = typeof e.status === 'number' && e.status >= 400 && e.status < 600 ? e.status : 500;
      ctx.status = status;
      ctx.body = {
        error: status < 500 || e.expose ? (e.message ?? 'bad request') : 'internal error; see the bot log',
      };
      if (status >= 500) parts.log.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
    } finally {
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      requests.inc({ route: typeof route === 'string' ? route : 'other', status: String(ctx.status) });
    }
  });

  app.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/healthz') {
      const problems: Record<string, string> = {};
      for (const [name, check] of Object.entries(parts.health ?? {})) {
        try {
          const p = await check();
          if (p !== null) problems[name] = p;
        } catch (err) {
          problems[name] = err instanceof Error ? err.message : String(err);
        }
      }
      const ok = Object.keys(problems).length === 0;
      ctx.status = ok ? 200 : 503;
      ctx.body = ok ? { status: 'ok' } : { status: 'unhealthy', problems };
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/metrics') {
      ctx.type = 'text/plain; version=0.0.4';
      ctx.body = await parts.metrics.text();
      return;
    }
    await next();
  });

  for (const r of parts.routers) {
    app.use(r.routes());
    app.use(r.allowedMethods());
  }
  return app;
}
