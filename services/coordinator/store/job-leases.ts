/**
 * Who runs a job. A runner claims a queued job and gets a lease token; the
 * token must come with every later report, and the lease lapses unless it is
 * extended. Each change is one conditional UPDATE, so of two runners claiming
 * the same job exactly one wins, on either engine.
 */
import type { StoreContext } from './context.js';
import { LeaseLostError } from './errors.js';
import { toJob } from './job-row.js';
import { endUnfinishedSteps, resetSteps } from './steps.js';
import { newToken } from './tokens.js';
import type { ExpiredLease, Job, Lease } from './types.js';

export const RUNNER_LOST = 'runner lost: it stopped extending the lease of this job';

export interface JobLeaseStore {
  /**
   * Gives a pending or queued job to a runner: sets a new lease token, adds
   * one to the attempt, starts the lease and takes off the sentence saying
   * why the job waited. Undefined when the job is not
   * available (another runner has it, it ended or was cancelled).
   */
  claim(jobId: number, runnerId: number, leaseMs: number): Promise<Lease | undefined>;
  /** Extends a held lease; says whether the job was cancelled meanwhile. Throws LeaseLostError. */
  extend(jobId: number, token: string, leaseMs: number): Promise<{ cancelled: boolean; expiresAt: number }>;
  /** The runner's final word on a job. Throws LeaseLostError. */
  complete(
    jobId: number,
    token: string,
    status: 'success' | 'failure' | 'killed' | 'error',
    error?: string,
  ): Promise<Job>;
  /**
   * A runner hands a job back without finishing it (it is shutting down): the
   * job goes back to `pending` for another runner and its steps start over.
   * A job whose cancel is pending ends as `killed` instead. Throws LeaseLostError.
   */
  release(jobId: number, token: string): Promise<Job>;
  /**
   * Takes back every job whose lease lapsed. A job below `maxAttempts`
   * attempts goes back to `pending` (its steps start over); otherwise it ends
   * as `error` ("runner lost"), or `killed` when a cancel was pending.
   */
  expireLeases(opts?: { maxAttempts?: number }): Promise<ExpiredLease[]>;
}

const END_STATES = ['success', 'failure', 'killed', 'error'];

export function jobLeaseStore({ db, now }: StoreContext): JobLeaseStore {
  return {
    async claim(jobId, runnerId, leaseMs) {
      const t = now();
      const token = newToken();
      const row = await db.get<Record<string, unknown>>(
        `UPDATE jobs SET status = 'running', runner_id = ?, lease_token = ?, attempt = attempt + 1,
           lease_expires_at = ?, started_at = COALESCE(started_at, ?), error = ''
         WHERE id = ? AND status IN ('pending', 'queued') AND cancel_requested = FALSE
         RETURNING *`,
        [runnerId, token, t + leaseMs, t, jobId],
      );
      if (row === undefined) return undefined;
      const job = toJob(row);
      return { job, token, attempt: job.attempt, expiresAt: t + leaseMs };
    },

    async extend(jobId, token, leaseMs) {
      const t = now();
      const row = await db.get<{ cancel_requested: unknown; lease_expires_at: number }>(
        `UPDATE jobs SET lease_expires_at = ?
         WHERE id = ? AND lease_token = ? AND status = 'running' AND lease_expires_at >= ?
         RETURNING cancel_requested, lease_expires_at`,
        [t + leaseMs, jobId, token, t],
      );
      if (row === undefined) throw new LeaseLostError(jobId);
      return {
        cancelled: row.cancel_requested === true || row.cancel_requested === 1,
        expiresAt: Number(row.lease_expires_at),
      };
    },

    async complete(jobId, token, status, error = '') {
      if (!END_STATES.includes(status))
        throw new RangeError(`a job completes as ${END_STATES.join(', ')}, not ${status}`);
      const t = now();
      return db.tx(async (q) => {
        const row = await q.get<Record<string, unknown>>(
          `UPDATE jobs SET status = ?, error = ?, finished_at = ?, lease_token = NULL, lease_expires_at = NULL
           WHERE id = ? AND lease_token = ? AND status = 'running' AND lease_expires_at >= ?
           RETURNING *`,
          [status, error, t, jobId, token, t],
        );
        if (row === undefined) throw new LeaseLostError(jobId);
        // Steps never reported as ended: detached steps and services stop with the job,
        // steps the runner never reached did not run.
        await q.run(
          `UPDATE steps SET status = CASE WHEN status = 'running' THEN CAST(? AS TEXT) ELSE 'skipped' END,
             finished_at = CASE WHEN status = 'running' THEN CAST(? AS BIGINT) ELSE finished_at END
           WHERE job_id = ? AND status IN ('pending', 'running')`,
          [status === 'success' ? 'success' : 'killed', t, jobId],
        );
        return toJob(row);
      });
    },

    async release(jobId, token) {
      const t = now();
      return db.tx(async (q) => {
        const row = await q.get<Record<string, unknown>>(
          `UPDATE jobs SET
             status = CASE WHEN cancel_requested THEN 'killed' ELSE 'pending' END,
             finished_at = CASE WHEN cancel_requested THEN CAST(? AS BIGINT) ELSE NULL END,
             started_at = CASE WHEN cancel_requested THEN started_at ELSE NULL END,
             runner_id = CASE WHEN cancel_requested THEN runner_id ELSE NULL END,
             lease_token = NULL,
             lease_expires_at = NULL
           WHERE id = ? AND lease_token = ? AND status = 'running' AND lease_expires_at >= ?
           RETURNING *`,
          [t, jobId, token, t],
        );
        if (row === undefined) throw new LeaseLostError(jobId);
        const job = toJob(row);
        if (job.status === 'pending') await resetSteps(q, jobId);
        else await endUnfinishedSteps(q, jobId, 'killed', '', t);
        return job;
      });
    },

    async expireLeases(opts = {}) {
      const maxAttempts = opts.maxAttempts ?? 2;
      const t = now();
      return db.tx(async (q) => {
        const rows = await q.all<Record<string, unknown>>(
          `UPDATE jobs SET
             status = CASE WHEN cancel_requested THEN 'killed' WHEN attempt < ? THEN 'pending' ELSE 'error' END,
             error = CASE WHEN cancel_requested OR attempt < ? THEN error ELSE CAST(? AS TEXT) END,
             finished_at = CASE WHEN cancel_requested OR attempt >= ? THEN CAST(? AS BIGINT) ELSE NULL END,
             started_at = CASE WHEN cancel_requested OR attempt >= ? THEN started_at ELSE NULL END,
             runner_id = CASE WHEN cancel_requested OR attempt >= ? THEN runner_id ELSE NULL END,
             lease_token = NULL,
             lease_expires_at = NULL
           WHERE status = 'running' AND lease_expires_at < ?
           RETURNING *`,
          [maxAttempts, maxAttempts, RUNNER_LOST, maxAttempts, t, maxAttempts, maxAttempts, t],
        );
        const out: ExpiredLease[] = [];
        for (const row of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
          const job = toJob(row);
          if (job.status === 'pending') {
            await resetSteps(q, job.id);
            out.push({ job, requeued: true });
          } else {
            await endUnfinishedSteps(q, job.id, job.status === 'killed' ? 'killed' : 'error', RUNNER_LOST, t);
            out.push({ job, requeued: false });
          }
        }
        return out;
      });
    },
  };
}
