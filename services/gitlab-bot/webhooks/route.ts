/**
 * `POST /hook`: takes GitLab's deliveries. Checks the project's hook token in
 * constant time, refuses oversized and malformed bodies, ignores events
 * Hangar does not use, records each delivery durably (deduplicated by
 * Idempotency-Key, else event UUID + webhook UUID), and answers within
 * milliseconds; the work happens later from a bounded queue.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Store } from '../../coordinator/store/index.js';
import type { Logger } from '../../shared/log.js';
import { BodyTooLargeError, readBody } from '../http/body.js';
import type { Metrics } from '../http/metrics.js';
import { isHandledEvent, projectIdOf } from './payloads.js';
import type { WebhookQueue } from './queue.js';

export interface HookRouteOptions {
  store: Store;
  queue: WebhookQueue;
  maxBytes: number;
  log: Logger;
  metrics: Metrics;
}

/**
 * When the queue is full the hook answers 503 with Retry-After rather than
 * 429: GitLab disables a hook that keeps answering 4xx until someone
 * re-enables it by hand, while 5xx answers only pause it for a while (with
 * backoff) and it comes back by itself once Hangar catches up.
 */
const FULL_RETRY_AFTER_S = 30;

function header(ctx: Context, name: string): string | undefined {
  const v = ctx.get(name);
  return v === '' ? undefined : v;
}

/** The delivery's identity: the same on GitLab's retries of it. */
export function dedupeKey(ctx: Context, event: string): string | undefined {
  const idem = header(ctx, 'Idempotency-Key');
  if (idem !== undefined) return `idem:${idem}`;
  const eventUuid = header(ctx, 'X-Gitlab-Event-UUID');
  const hookUuid = header(ctx, 'X-Gitlab-Webhook-UUID');
  // One action (a push) triggers several events (Push Hook, Merge Request Hook) with the same event UUID.
  if (eventUuid !== undefined) return `uuid:${event}:${eventUuid}:${hookUuid ?? ''}`;
  return undefined;
}

export function hookRouter(opts: HookRouteOptions): Router {
  const router = new Router();
  const received = opts.metrics.counter(
    'hangar_bot_webhooks_total',
    'Webhook deliveries by event and outcome',
  );
  const latency = opts.metrics.histogram('hangar_bot_webhook_seconds', 'Time to answer a webhook delivery');

  router.post('/hook', async (ctx) => {
    const started = performance.now();
    const event = header(ctx, 'X-Gitlab-Event') ?? '';
    const answer = (status: number, body: Record<string, unknown>, outcome: string) => {
      ctx.status = status;
      ctx.body = body;
      received.inc({ event: event || 'none', outcome });
      latency.observe((performance.now() - started) / 1000);
    };

    let text: string;
    try {
      text = await readBody(ctx.req, opts.maxBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        ctx.set('Connection', 'close');
        return answer(
          413,
          { error: `the webhook body is larger than ${opts.maxBytes} bytes (HANGAR_WEBHOOK_MAX_BYTES)` },
          'too-large',
        );
      }
      throw err;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return answer(400, { error: 'the webhook body is not JSON' }, 'malformed');
    }

    const projectId = projectIdOf(body);
    if (projectId === undefined && !isHandledEvent(event)) {
      return answer(200, { ignored: true, reason: `Hangar does not act on '${event}'` }, 'ignored');
    }
    const token = header(ctx, 'X-Gitlab-Token') ?? '';
    const repo = projectId === undefined ? undefined : await opts.store.repos.byProjectId(projectId);
    // Compare even when there is no repository or token, so timing tells nothing.
    const tokenOk = await opts.store.repos.verifyHookToken(repo?.id ?? -1, token);
    if (!tokenOk || repo === undefined) {
      opts.log.warn(
        { event, project: projectId, tokenPresent: token !== '' },
        'webhook refused: wrong token',
      );
      return answer(
        401,
        {
          error:
            'X-Gitlab-Token does not match the hook token of this project; switch the repository off and on again in Hangar to renew the hook',
        },
        'unauthorized',
      );
    }
    if (!isHandledEvent(event) || !repo.active) {
      return answer(200, { ignored: true, reason: `Hangar does not act on '${event}'` }, 'ignored');
    }

    if (!opts.queue.reserve()) {
      ctx.set('Retry-After', String(FULL_RETRY_AFTER_S));
      opts.log.warn({ event, project: projectId, queued: opts.queue.size }, 'webhook queue full');
      return answer(503, { error: 'Hangar is busy; GitLab will send this delivery again' }, 'busy');
    }
    let recorded: Awaited<ReturnType<Store['deliveries']['record']>>;
    try {
      recorded = await opts.store.deliveries.record({
        dedupeKey: dedupeKey(ctx, event) ?? `none:${crypto.randomUUID()}`,
        event,
        projectId: repo.projectId,
        payload: text,
      });
    } catch (err) {
      opts.queue.unreserve();
      throw err;
    }
    if (recorded === undefined) {
      opts.queue.unreserve();
      return answer(200, { duplicate: true }, 'duplicate');
    }
    opts.queue.push({ id: recorded.id, projectId: repo.projectId });
    opts.log.debug({ event, project: projectId, delivery: recorded.id }, 'webhook queued');
    return answer(202, { queued: recorded.id }, 'queued');
  });
  return router;
}
