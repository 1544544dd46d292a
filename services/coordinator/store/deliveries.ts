import type { StoreContext } from './context.js';
import { num, str } from './rows.js';

/**
 * Webhook deliveries the GitLab bot accepted: recorded before it answers
 * GitLab, so a redelivery is recognised and work accepted before a restart is
 * picked up after it.
 */
export interface WebhookDelivery {
  id: number;
  /** Idempotency-Key, else event UUID + webhook UUID. */
  dedupeKey: string;
  /** X-Gitlab-Event, e.g. 'Push Hook'. */
  event: string;
  projectId: number;
  /** The body as GitLab sent it; emptied once the delivery is done. */
  payload: string;
  state: DeliveryState;
  attempts: number;
  error: string;
  receivedAt: number;
  finishedAt?: number;
}

export type DeliveryState = 'queued' | 'done' | 'failed';

export interface DeliveryInput {
  dedupeKey: string;
  event: string;
  projectId: number;
  payload: string;
}

export interface DeliveryStore {
  /** Records a delivery; undefined when one with the same key was recorded before (a redelivery). */
  record(input: DeliveryInput): Promise<WebhookDelivery | undefined>;
  get(id: number): Promise<WebhookDelivery | undefined>;
  /** Deliveries not yet worked on, oldest first, after `afterId`. */
  queued(limit: number, afterId?: number): Promise<WebhookDelivery[]>;
  /** Counts one more attempt at a delivery. */
  attempted(id: number, error: string): Promise<void>;
  /** Ends a delivery; its payload is dropped, its key kept for deduplication. */
  finish(id: number, state: 'done' | 'failed', error?: string): Promise<void>;
  /** Forgets finished deliveries received before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

function toDelivery(r: Record<string, unknown>): WebhookDelivery {
  const finishedAt = r.finished_at;
  return {
    id: num(r.id),
    dedupeKey: str(r.dedupe_key),
    event: str(r.event),
    projectId: num(r.project_id),
    payload: str(r.payload),
    state: str(r.state) as DeliveryState,
    attempts: num(r.attempts),
    error: str(r.error),
    receivedAt: num(r.received_at),
    ...(finishedAt === null || finishedAt === undefined ? {} : { finishedAt: num(finishedAt) }),
  };
}

export function deliveryStore({ db, now }: StoreContext): DeliveryStore {
  return {
    async record(input) {
      const row = await db.get<Record<string, unknown>>(
        `INSERT INTO webhook_deliveries (dedupe_key, event, project_id, payload, received_at)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
        [input.dedupeKey, input.event, input.projectId, input.payload, now()],
      );
      return row === undefined ? undefined : toDelivery(row);
    },

    async get(id) {
      const row = await db.get<Record<string, unknown>>('SELECT * FROM webhook_deliveries WHERE id = ?', [
        id,
      ]);
      return row === undefined ? undefined : toDelivery(row);
    },

    async queued(limit, afterId = 0) {
      const rows = await db.all<Record<string, unknown>>(
        "SELECT * FROM webhook_deliveries WHERE state = 'queued' AND id > ? ORDER BY id LIMIT ?",
        [afterId, limit],
      );
      return rows.map(toDelivery);
    },

    async attempted(id, error) {
      await db.run('UPDATE webhook_deliveries SET attempts = attempts + 1, error = ? WHERE id = ?', [
        error,
        id,
      ]);
    },

    async finish(id, state, error = '') {
      await db.run(
        "UPDATE webhook_deliveries SET state = ?, error = ?, payload = '', finished_at = ? WHERE id = ?",
        [state, error, now(), id],
      );
    },

    async prune(before) {
      return db.run("DELETE FROM webhook_deliveries WHERE state <> 'queued' AND received_at < ?", [before]);
    },
  };
}
