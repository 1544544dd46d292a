/**
 * Takes jobs from the platform's work queue, never more than the free
 * capacity. A job asking for labels this runner lacks goes back to the queue
 * after a delay (growing with each refusal), for a runner that has them. Survives NATS going away: a
 * failed pull waits (with backoff) and tries again.
 */

import type { Logger } from '../../shared/log.js';
import type { Bus, JobDelivery } from '../../shared/nats/bus.js';
import { Backoff, sleep } from './backoff.js';
import { labelsMatch, missingLabels } from './labels.js';

export interface PullLoopOptions {
  bus: Bus;
  pool: string;
  capacity: number;
  labels: Readonly<Record<string, string>>;
  log: Logger;
  /** Runs a job; the slot is free again when the promise settles. */
  handle: (delivery: JobDelivery) => Promise<void>;
  /** The longest a job refused for its labels stays away from the queue. */
  labelDelayMs?: number;
  /** How long one pull waits for a job. */
  waitMs?: number;
}

type Puller = Awaited<ReturnType<Bus['jobPuller']>>;

export class PullLoop {
  private active = 0;
  private readonly stopCtl = new AbortController();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: PullLoopOptions) {}

  /** Jobs taken and not yet finished. */
  get running(): number {
    return this.active;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Takes no more jobs; resolves once the loop has let go of the queue. */
  async stop(): Promise<void> {
    this.stopCtl.abort();
    this.wake?.();
    await this.loop;
  }

  /** Resolves once no taken job is running. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    const { bus, pool, capacity, log } = this.opts;
    const stopped = this.stopCtl.signal;
    const backoff = new Backoff({ initialMs: 500, maxMs: 5_000 });
    let puller: Puller | undefined;
    while (!stopped.aborted) {
      const free = capacity - this.active;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      let deliveries: JobDelivery[];
      try {
        puller ??= await bus.jobPuller(pool);
        deliveries = await puller.take(free, this.opts.waitMs ?? 3_000);
        backoff.reset();
      } catch (err) {
        puller = undefined;
        const delay = backoff.next();
        const fields = { err, pool, retryInMs: delay };
        if (backoff.attempts === 1 || backoff.attempts % 10 === 0)
          log.warn(fields, 'pulling jobs from NATS failed');
        else log.debug(fields, 'pulling jobs from NATS failed');
        await sleep(delay, stopped);
        continue;
      }
      for (const d of deliveries) this.dispatch(d, stopped.aborted);
    }
  }

  private dispatch(d: JobDelivery, stopping: boolean): void {
    const { log, labels } = this.opts;
    if (stopping) {
      d.nak();
      return;
    }
    if (!labelsMatch(d.labels, labels)) {
      // Quick at first, so a runner with the labels gets it soon; slower the
      // longer no runner takes it, so a job nobody can run costs little.
      const delay = Math.min(
        this.opts.labelDelayMs ?? 5_000,
        200 * 2 ** Math.min(10, Math.max(0, d.deliveries - 1)),
      );
      log.debug(
        { job: d.jobId, missing: missingLabels(d.labels, labels), retryInMs: delay },
        'job needs labels this runner lacks',
      );
      d.nak(delay);
      return;
    }
    this.active++;
    this.opts
      .handle(d)
      .catch((err: unknown) => log.error({ err, job: d.jobId }, 'job handling failed'))
      .finally(() => {
        this.active--;
        this.wake?.();
        if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
  }
}
