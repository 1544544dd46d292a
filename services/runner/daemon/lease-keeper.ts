/**
 * Keeps a job's lease alive: ExtendLease every third of the lease time, and
 * sooner (with backoff) after a failed try. The answer says whether the job
 * was cancelled, which reaches the runner even when the NATS signal did not.
 */
import type { Logger } from '../../shared/log.js';
import { Backoff } from './backoff.js';
import {
  type CoordinatorConnection,
  grpcMessage,
  isAway,
  LeaseLostError,
  RunnerRefusedError,
} from './connection.js';

export interface LeaseKeeperOptions {
  conn: CoordinatorConnection;
  jobId: number;
  leaseToken: string;
  leaseTimeoutMs: number;
  log: Logger;
  onCancelled: () => void;
  onLost: (err: Error) => void;
}

export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoff: Backoff;
  private readonly intervalMs: number;

  constructor(private readonly opts: LeaseKeeperOptions) {
    this.intervalMs = Math.max(200, Math.floor(opts.leaseTimeoutMs / 3));
    this.backoff = new Backoff({ initialMs: 200, maxMs: this.intervalMs });
  }

  start(): void {
    this.schedule(this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.extend(), ms);
  }

  private async extend(): Promise<void> {
    const { conn, jobId, leaseToken, log } = this.opts;
    try {
      const res = await conn.extendLease({ jobId, leaseToken }, this.intervalMs);
      if (this.stopped) return;
      this.backoff.reset();
      if (res.cancelled) this.opts.onCancelled();
      this.schedule(this.intervalMs);
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof LeaseLostError || err instanceof RunnerRefusedError) {
        this.stop();
        this.opts.onLost(err);
        return;
      }
      const delay = this.backoff.next();
      const fields = { job: jobId, reason: grpcMessage(err), retryInMs: delay };
      if (isAway(err)) log.warn(fields, 'lease extension failed; coordinator unreachable');
      else log.error(fields, 'lease extension failed');
      this.schedule(delay);
    }
  }
}
