/**
 * Runs dispatch passes when asked (coalesced: one at a time, one more if asked
 * meanwhile) and on a timer, and the reconciler on a timer. After a pass, it
 * looks at queued jobs waiting for labels when runners came or went (see
 * label-waits.ts). Remembers when it published each job, for the dispatch
 * latency and for republishing.
 */
import type { CoordinatorContext, Dispatcher } from '../context.js';
import { dispatchPass } from './dispatch.js';
import { reviewLabelWaits } from './label-waits.js';
import { type RedispatchState, redispatch, sweepLeases } from './reconcile.js';

/** Publish times kept at most; older entries go first. */
const LEDGER_LIMIT = 100_000;
/** How long kickSoon waits for other endings to share the pass. */
const SOON_MS = 5;

export class Scheduler implements Dispatcher, RedispatchState {
  readonly startedAt = performance.now();
  checkedSinceStart = false;
  private readonly times = new Map<number, number>();
  private readonly failedIds = new Set<number>();
  private ctx: CoordinatorContext | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private reconciling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly tickMs: number) {}

  get failed(): ReadonlySet<number> {
    return this.failedIds;
  }

  published(jobId: number): void {
    this.failedIds.delete(jobId);
    this.times.delete(jobId);
    this.times.set(jobId, performance.now());
    if (this.times.size > LEDGER_LIMIT) {
      const oldest = this.times.keys().next().value;
      if (oldest !== undefined) this.times.delete(oldest);
    }
  }

  publishFailed(jobId: number): void {
    this.failedIds.add(jobId);
  }

  publishedAt(jobId: number): number | undefined {
    return this.times.get(jobId);
  }

  forgetStale(before: number, queued: ReadonlySet<number>): void {
    for (const [id, t] of this.times) {
      if (t >= before) break;
      if (!queued.has(id)) this.times.delete(id);
    }
  }

  /** Entries are kept in publish order (re-publishing moves one to the end), so the first is the oldest. */
  oldestPublish(): number | undefined {
    return this.times.values().next().value;
  }

  forget(jobId: number): void {
    this.times.delete(jobId);
    this.failedIds.delete(jobId);
  }

  start(ctx: CoordinatorContext): void {
    this.ctx = ctx;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
    this.kick();
  }

  kickSoon(): void {
    if (this.soon !== undefined || this.stopped) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.kick();
    }, SOON_MS);
  }

  kick(): void {
    if (this.soon !== undefined) {
      clearTimeout(this.soon);
      this.soon = undefined;
    }
    if (this.stopped || this.ctx === undefined) return;
    if (this.pass !== undefined) {
      this.again = true;
      return;
    }
    const ctx = this.ctx;
    this.pass = (async () => {
      do {
        this.again = false;
        try {
          await dispatchPass(ctx, this);
          await reviewLabelWaits(ctx);
        } catch (err) {
          ctx.log.error({ err }, 'dispatch pass failed; trying again on the next tick');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.pass = undefined;
    });
  }

  private tick(): void {
    this.kick();
    const ctx = this.ctx;
    if (this.reconciling !== undefined || ctx === undefined || this.stopped) return;
    this.reconciling = (async () => {
      try {
        if (await sweepLeases(ctx)) this.kick();
        await redispatch(ctx, this);
      } catch (err) {
        ctx.log.warn({ err }, 'reconciling jobs failed; trying again on the next tick');
      }
    })().finally(() => {
      this.reconciling = undefined;
    });
  }

  /** Stops the timers and waits for a running pass to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.soon !== undefined) clearTimeout(this.soon);
    await Promise.allSettled([this.pass, this.reconciling]);
  }
}
