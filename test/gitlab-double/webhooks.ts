import { randomUUID } from 'node:crypto';
import type { GitLabDouble } from './double.js';
import type { Hook, Project } from './state.js';

/** The `X-Gitlab-Event` values of the events Hangar subscribes to. */
export type WebhookEvent = 'Push Hook' | 'Tag Push Hook' | 'Merge Request Hook' | 'Note Hook';

export interface DeliveryIds {
  /** Same on a retry of the same delivery (GitLab 17.4+). */
  idempotencyKey: string;
  /** Same for events triggered by the same action (GitLab 14.8+). */
  eventUuid: string;
}

/** The headers GitLab sends with a webhook delivery (see fixtures/README.md). */
export function webhookHeaders(opts: {
  event: WebhookEvent;
  token?: string | null;
  webhookUuid: string;
  ids: DeliveryIds;
  instance: string;
}): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'GitLab/17.6.0',
    'X-Gitlab-Event': opts.event,
    ...(opts.token ? { 'X-Gitlab-Token': opts.token } : {}),
    'X-Gitlab-Instance': opts.instance,
    'X-Gitlab-Webhook-UUID': opts.webhookUuid,
    'X-Gitlab-Event-UUID': opts.ids.eventUuid,
    'Idempotency-Key': opts.ids.idempotencyKey,
  };
}

export function newDeliveryIds(): DeliveryIds {
  return { idempotencyKey: randomUUID(), eventUuid: randomUUID() };
}

const FLAG: Record<WebhookEvent, (h: Hook) => boolean> = {
  'Push Hook': (h) => h.pushEvents,
  'Tag Push Hook': (h) => h.tagPushEvents,
  'Merge Request Hook': (h) => h.mergeRequestsEvents,
  'Note Hook': (h) => h.noteEvents,
};

export interface Delivery {
  hookId: number;
  url: string;
  headers: Record<string, string>;
  status: number;
  responseBody: string;
  ids: DeliveryIds;
}

/**
 * Sends `payload` to every hook of the project subscribed to `event`, as GitLab
 * does after the event. Pass the `ids` of an earlier delivery to resend it
 * (GitLab's retry or "Resend request").
 */
export async function deliver(
  d: GitLabDouble,
  project: Project,
  event: WebhookEvent,
  payload: unknown,
  ids: DeliveryIds = newDeliveryIds(),
): Promise<Delivery[]> {
  const body = JSON.stringify(payload);
  const out: Delivery[] = [];
  for (const hook of project.hooks.filter(FLAG[event])) {
    const headers = webhookHeaders({
      event,
      token: hook.token,
      webhookUuid: hook.uuid,
      ids,
      instance: d.url,
    });
    const res = await fetch(hook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
    out.push({
      hookId: hook.id,
      url: hook.url,
      headers,
      status: res.status,
      responseBody: await res.text(),
      ids,
    });
  }
  return out;
}
