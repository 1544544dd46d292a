/**
 * Sends a job's step states to the coordinator, one at a time and in the
 * order they happened, each retried until the coordinator takes it. A step's
 * final state may wait for a condition first (its log being stored), so a
 * step never shows as ended while lines of it are still on the way.
 */
import type { UpdateStepRequest } from '../../../proto/generated/hangar/v1/UpdateStepRequest.js';
import type { StepState } from '../../shared/job/events.js';
import type { Logger } from '../../shared/log.js';
import {
  CallAbortedError,
  type CoordinatorConnection,
  grpcMessage,
  LeaseLostError,
  RunnerRefusedError,
} from './connection.js';
import { protoStatus } from './status.js';

export interface ReporterOptions {
  conn: CoordinatorConnection;
  jobId: number;
  leaseToken: string;
  log: Logger;
  /** Aborts retries: the job is being handed back or the daemon stops. */
  signal: AbortSignal;
  onLost: (err: Error) => void;
}

export class StepReporter {
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: ReporterOptions) {}

  report(stepId: number, state: StepState, before?: Promise<void>): void {
    if (this.stopped) return;
    const req = updateRequest(this.opts.jobId, this.opts.leaseToken, stepId, state);
    this.chain = this.chain.then(async () => {
      if (before) await before.catch(() => {});
      if (this.stopped) return;
      const { conn, signal, log } = this.opts;
      try {
        await conn.retrying(() => conn.updateStep(req), { what: 'update step', signal });
      } catch (err) {
        if (err instanceof LeaseLostError || err instanceof RunnerRefusedError) {
          this.stopped = true;
          this.opts.onLost(err);
        } else if (!(err instanceof CallAbortedError)) {
          log.error({ err, step: state.name, reason: grpcMessage(err) }, 'step update refused');
        }
      }
    });
  }

  /** Resolves once every update asked for so far has been sent (or given up). */
  idle(): Promise<void> {
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
  }
}

export function updateRequest(
  jobId: number,
  leaseToken: string,
  stepId: number,
  s: StepState,
): UpdateStepRequest {
  const finishedMs = s.startedAt !== undefined && s.durationMs !== undefined ? s.startedAt + s.durationMs : 0;
  return {
    jobId,
    leaseToken,
    stepId,
    status: protoStatus(s.status),
    exitCode: s.exitCode ?? 0,
    oomKilled: s.oomKilled,
    error: s.error ?? '',
    startedMs: s.startedAt ?? 0,
    finishedMs: finishedMs || (s.status !== 'pending' && s.status !== 'running' ? Date.now() : 0),
  };
}
