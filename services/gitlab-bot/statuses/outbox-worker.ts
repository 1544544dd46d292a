/**
 * Posts the commit statuses waiting in the durable outbox to GitLab: the
 * oldest entry of each key (project, commit, name) first, one at a time per
 * key, several keys at once. Retryable failures (409, 429, 5xx, network) wait
 * with backoff, as long as GitLab's Retry-After asks when it says; entries
 * survive a restart because they live in the database until GitLab took them.
 */
import type { OutboxEntry, StatusOutbox } from '../../coordinator/store/index.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import {
  type CommitState,
  type GitLabApi,
  GitLabAuthError,
  GitLabNotFoundError,
  GitLabRejectedError,
} from '../gitlab/index.js';
import type { Counter } from '../http/metrics.js';
import { backoffMs, sleep } from './backoff.js';

export interface OutboxWorkerOptions {
  outbox: StatusOutbox;
  gitlab: GitLabApi;
  log: Logger;
  /** Keys posted at once. */
  concurrency?: number;
  /** First retry delay; doubles up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest sleep when nothing is due (a safety net; enqueue wakes the worker). */
  idleMs?: number;
  posted?: Counter;
}

/**
 * A token without the right (401/403) is retried at the longest delay this
 * many times, in case a person fixes the bot's role meanwhile, then given up
 * (kept in the outbox with the reason).
 */
const AUTH_ATTEMPTS = 10;

const keyOf = (e: Pick<OutboxEntry, 'projectId' | 'sha' | 'name'>) =>
  `${e.projectId}\u0000${e.sha}\u0000${e.name}`;

export class OutboxWorker {
  private readonly inFlight = new Set<string>();
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  /** Set by kick() so a kick that comes before the worker sleeps is not lost. */
  private kicked = false;
  private loop: Promise<void> | undefined;
  private readonly concurrency: number;
  private readonly delays: { baseMs: number; maxMs: number };

  constructor(private readonly opts: OutboxWorkerOptions) {
    this.concurrency = opts.concurrency ?? 4;
    this.delays = { baseMs: opts.baseDelayMs ?? 1000, maxMs: opts.maxDelayMs ?? 30_000 };
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Something was queued: look now rather than at the next timer. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.kick();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const running = new Set<Promise<void>>();
    while (!signal.aborted) {
      let entries: OutboxEntry[] = [];
      this.kicked = false;
      try {
        const room = this.concurrency - running.size;
        if (room > 0) {
          entries = (await this.opts.outbox.due(room + this.inFlight.size)).filter(
            (e) => !this.inFlight.has(keyOf(e)),
          );
          entries = entries.slice(0, room);
        }
      } catch (err) {
        this.opts.log.error({ err, reason: errorMessage(err) }, 'reading the status outbox failed');
        await sleep(this.delays.maxMs, signal);
        continue;
      }
      for (const e of entries) {
        const key = keyOf(e);
        this.inFlight.add(key);
        const p: Promise<void> = this.send(e)
          .catch((err) => this.opts.log.error({ err, reason: errorMessage(err) }, 'status post failed'))
          .finally(() => {
            this.inFlight.delete(key);
            running.delete(p);
            this.kick();
          });
        running.add(p);
      }
      if (entries.length > 0 && running.size < this.concurrency) continue;
      await this.idle(signal);
    }
    await Promise.allSettled([...running]);
  }

  private async idle(signal: AbortSignal): Promise<void> {
    let wait = this.opts.idleMs ?? 5000;
    try {
      const next = await this.opts.outbox.nextDueAt();
      if (next !== undefined) wait = Math.max(0, Math.min(wait, next - Date.now()));
    } catch {}
    if (wait === 0) wait = 10;
    if (this.kicked) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, wait);
      this.wake = done;
      if (signal.aborted) done();
    });
  }

  private async send(e: OutboxEntry): Promise<void> {
    const { outbox, gitlab } = this.opts;
    const log = this.opts.log.child({ project: e.projectId, sha: e.sha, status: e.name, state: e.state });
    if ((await outbox.postedState(e.projectId, e.sha, e.name)) === e.state) {
      // GitLab refuses a repeated pending or running; a finished status already says it.
      await outbox.delivered(e);
      return;
    }
    try {
      await gitlab.createCommitStatus(e.projectId, {
        sha: e.sha,
        state: e.state as CommitState,
        name: e.name,
        ...(e.ref === '' ? {} : { ref: e.ref }),
        ...(e.targetUrl === '' ? {} : { targetUrl: e.targetUrl }),
        description: e.description,
      });
      await outbox.delivered(e);
      this.opts.posted?.inc({ state: e.state });
      if (e.attempts > 0) log.info({ attempts: e.attempts + 1 }, 'status posted after retries');
    } catch (err) {
      if (err instanceof GitLabRejectedError && err.alreadyInState) {
        await outbox.delivered(e);
        return;
      }
      if (err instanceof GitLabRejectedError || err instanceof GitLabNotFoundError) {
        // GitLab will not take it however often we ask: a state it cannot move to, a commit, branch or
        // project that is gone or hidden from the bot. The entry stays among the refused ones with the reason.
        log.warn({ reason: err.message }, 'status refused by GitLab; given up');
        await outbox.giveUp(e.id, err.message);
        return;
      }
      const attempt = e.attempts + 1;
      if (err instanceof GitLabAuthError && attempt >= AUTH_ATTEMPTS) {
        log.error(
          { attempts: attempt, reason: err.message },
          'status refused: the bot may not post here; given up',
        );
        await outbox.giveUp(e.id, `${err.message} (tried ${attempt} times)`);
        return;
      }
      const asked = (err as { retryAfterMs?: unknown }).retryAfterMs;
      let delay = backoffMs(attempt, this.delays);
      if (typeof asked === 'number' && asked > delay) delay = asked;
      if (err instanceof GitLabAuthError) delay = this.delays.maxMs;
      const level = attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug';
      log[level]({ attempt, retryInMs: delay, reason: errorMessage(err) }, 'status post failed; will retry');
      await outbox.retryAt(e.id, Date.now() + delay, errorMessage(err));
    }
  }
}
