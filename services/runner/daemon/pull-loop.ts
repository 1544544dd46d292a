/**
 * Takes jobs from the platform's work queue, never more than the free
 * capacity: jobs without labels, and jobs whose labels are a subset of this
 * runner's (each label set has a subject of its own, so jobs for other
 * runners never come here). Only jobs on the pool's shared subject may ask
 * for labels this runner lacks (published before label routing, or for
 * runners with more labels than are routed): such a job goes back to the
 * queue after a delay (growing with each refusal), for a runner that has
 * them. Survives NATS going away: a failed pull waits (with backoff) and
 * tries again.
 */

import type { Logger } from '../../shared/log.js';
import type { Bus, JobDelivery } from '../../shared/nats/bus.js';
import { MAX_ROUTED_LABELS } from '../../shared/nats/label-routes.js';
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
  private warned = false;
  private puller: Puller | undefined;

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
    // Ends a pull that waits for a job; what it already holds goes back.
    this.puller?.close();
    this.wake?.();
    await this.loop;
  }

  /** Resolves once no taken job is running. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    const { pool, capacity, log } = this.opts;
    const stopped = this.stopCtl.signal;
    const backoff = new Backoff({ initialMs: 500, maxMs: 5_000 });
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
        this.puller ??= await this.openPuller();
        deliveries = await this.puller.take(free, this.opts.waitMs ?? 3_000);
        backoff.reset();
      } catch (err) {
        this.puller?.close();
        this.puller = undefined;
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
    this.puller?.close();
  }

  private async openPuller(): Promise<Puller> {
    const { bus, pool, labels, log } = this.opts;
    const puller = await bus.jobPuller(pool, { labels });
    if (!puller.routed && !this.warned) {
      this.warned = true;
      log.warn(
        { labels: Object.keys(labels).length, routed: MAX_ROUTED_LABELS },
        `this runner has more than ${MAX_ROUTED_LABELS} labels: jobs asking for labels reach it through the pool's shared queue, where runners without them pass them on after a delay; give it at most ${MAX_ROUTED_LABELS} labels for direct routing`,
      );
    }
    return puller;
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
