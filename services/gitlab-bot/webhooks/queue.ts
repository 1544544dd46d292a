/**
 * The bounded queue webhook work runs from. A delivery is recorded in the
 * database before it enters; at most `limit` deliveries are held (waiting,
 * running or waiting to retry), and the hook refuses more until there is room.
 * Deliveries of one project run one after another, in arrival order; different
 * projects run side by side. On start, deliveries left queued by an earlier
 * process are loaded again.
 */
import type { Logger } from '../../shared/log.js';
import type { WorkOutcome } from './work.js';

export interface QueueItem {
  id: number;
  projectId: number;
}

export interface WebhookQueueOptions {
  limit: number;
  concurrency: number;
  work(id: number): Promise<WorkOutcome>;
  /** Deliveries recorded but not done, oldest first, after `afterId`. */
  load(limit: number, afterId: number): Promise<QueueItem[]>;
  log: Logger;
}

export class WebhookQueue {
  private readonly waiting: QueueItem[] = [];
  private readonly busyProjects = new Set<number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakeOnStop = new Set<() => void>();
  private readonly running = new Set<Promise<void>>();
  private reserved = 0;
  /** Deliveries in the database not yet loaded (more than the limit were left queued). */
  private backlogAfter: number | undefined;
  private stopped = false;
  private pumpScheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: WebhookQueueOptions) {}

  /** Deliveries held now. */
  get size(): number {
    return this.waiting.length + this.running.size + this.reserved;
  }

  /** Takes a place for a delivery about to be recorded; false when the queue is full. */
  reserve(): boolean {
    if (this.stopped || this.size >= this.opts.limit) return false;
    this.reserved += 1;
    return true;
  }

  /** Gives back a place taken with reserve() (the delivery was a duplicate, or recording failed). */
  unreserve(): void {
    this.reserved = Math.max(0, this.reserved - 1);
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.size === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * Adds a recorded delivery in a place taken with reserve(). The work starts
   * on a later turn of the event loop, so the hook's answer goes out first
   * instead of waiting behind the work's own database calls.
   */
  push(item: QueueItem): void {
    this.reserved = Math.max(0, this.reserved - 1);
    this.waiting.push(item);
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Loads deliveries an earlier process left queued. */
  async start(): Promise<void> {
    await this.refill(0);
  }

  /** Resolves when nothing is held (for tests and benchmarks). */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; waits for what runs to finish. Waiting deliveries stay queued in the database. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of [...this.wakeOnStop]) wake();
    this.waiting.length = 0;
    await Promise.allSettled([...this.running]);
  }

  private async refill(afterId: number): Promise<void> {
    const room = this.opts.limit - this.size;
    if (room <= 0) {
      this.backlogAfter = afterId;
      return;
    }
    const items = await this.opts.load(room, afterId);
    const known = new Set(this.waiting.map((w) => w.id));
    for (const it of items) if (!known.has(it.id)) this.waiting.push(it);
    const last = items.at(-1);
    this.backlogAfter = items.length === room && last ? last.id : undefined;
    if (items.length > 0)
      this.opts.log.info({ deliveries: items.length }, 'queued webhook deliveries picked up');
    this.pump();
  }

  private pump(): void {
    if (this.stopped) return;
    while (this.running.size < this.opts.concurrency) {
      const i = this.waiting.findIndex((w) => !this.busyProjects.has(w.projectId));
      if (i < 0) break;
      const [item] = this.waiting.splice(i, 1);
      if (item === undefined) break;
      this.busyProjects.add(item.projectId);
      const p: Promise<void> = this.runOne(item).finally(() => {
        this.running.delete(p);
        this.busyProjects.delete(item.projectId);
        this.afterWork();
      });
      this.running.add(p);
    }
  }

  /** Runs one delivery to its end; a retry waits in place so later deliveries of the project keep their order. */
  private async runOne(item: QueueItem): Promise<void> {
    while (!this.stopped) {
      let outcome: WorkOutcome;
      try {
        outcome = await this.opts.work(item.id);
      } catch (err) {
        // The database failed while recording the outcome: try again later.
        this.opts.log.error({ err, delivery: item.id }, 'webhook work could not be recorded');
        outcome = { kind: 'retry', afterMs: 5000 };
      }
      if (outcome.kind !== 'retry') return;
      const wait = outcome.afterMs;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.timers.delete(t);
          this.wakeOnStop.delete(done);
          resolve();
        };
        const t = setTimeout(done, wait);
        this.timers.add(t);
        this.wakeOnStop.add(done);
      });
    }
  }

  private afterWork(): void {
    if (this.backlogAfter !== undefined && !this.stopped && this.size < this.opts.limit / 2) {
      const after = this.backlogAfter;
      this.backlogAfter = undefined;
      void this.refill(after).catch((err) => {
        this.backlogAfter = after;
        this.opts.log.error({ err }, 'loading queued webhook deliveries failed');
      });
    }
    this.pump();
    this.notifyIdle();
  }
}
