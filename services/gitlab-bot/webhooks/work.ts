/**
 * Works on one recorded delivery: finds the repository, runs the event's
 * handler, and records the outcome. Retryable failures (GitLab or the
 * coordinator unreachable) are tried again with backoff; the delivery stays
 * queued in the database meanwhile, so a restart picks it up.
 */
import type { WebhookDelivery } from '../../coordinator/store/index.js';
import { errorMessage, HangarError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { backoffMs } from '../statuses/backoff.js';
import type { HookContext, WebhookDeps } from './deps.js';
import { handleMergeRequest } from './merge-request.js';
import { handleNote } from './note.js';
import { handlePush } from './push.js';
import { handleTagPush } from './tag-push.js';
import { keepVisibilityCurrent } from './visibility.js';

const HANDLERS: Record<string, (hc: HookContext, body: unknown) => Promise<string>> = {
  'Push Hook': handlePush,
  'Tag Push Hook': handleTagPush,
  'Merge Request Hook': handleMergeRequest,
  'Note Hook': handleNote,
};

export interface WorkOptions {
  /** Tries per delivery before it is given up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_WORK: WorkOptions = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000 };

export type WorkOutcome =
  | { kind: 'done'; summary: string }
  | { kind: 'failed'; error: string }
  | { kind: 'retry'; afterMs: number };

function isRetryable(err: unknown): boolean {
  return err instanceof HangarError && err.retryable;
}

export async function workOn(
  deps: WebhookDeps,
  d: WebhookDelivery,
  log: Logger,
  opts: WorkOptions = DEFAULT_WORK,
): Promise<WorkOutcome> {
  const handler = HANDLERS[d.event];
  const repo = await deps.store.repos.byProjectId(d.projectId);
  if (handler === undefined || repo === undefined || !repo.active) {
    await deps.store.deliveries.finish(d.id, 'done', 'ignored');
    return { kind: 'done', summary: 'ignored' };
  }
  try {
    const body: unknown = JSON.parse(d.payload);
    const current = await keepVisibilityCurrent(deps.store, repo, body, log);
    const summary = await handler({ deps, repo: current, log }, body);
    await deps.store.deliveries.finish(d.id, 'done');
    return { kind: 'done', summary };
  } catch (err) {
    const reason = errorMessage(err);
    const attempt = d.attempts + 1;
    if (isRetryable(err) && attempt < opts.maxAttempts) {
      await deps.store.deliveries.attempted(d.id, reason);
      const afterMs = backoffMs(attempt, { baseMs: opts.baseDelayMs, maxMs: opts.maxDelayMs });
      log.warn({ attempt, retryInMs: afterMs, reason }, 'webhook work failed; will retry');
      return { kind: 'retry', afterMs };
    }
    log.error({ err, attempt, reason }, 'webhook work failed');
    await deps.store.deliveries.finish(d.id, 'failed', reason);
    return { kind: 'failed', error: reason };
  }
}
