import type { JobPlan } from '../../shared/pipeline/types.js';
import type { StoreContext } from './context.js';
import type { Queryable } from './db.js';
import { NotFoundError } from './errors.js';
import { verifyLease } from './lease-check.js';
import { bool, num, optNumber, str } from './rows.js';
import { type LeaseProof, STEP_STATUSES, type Step, type StepStatus, type StepUpdate } from './types.js';

export interface StepStore {
  get(id: number): Promise<Step | undefined>;
  /** In order: clone, services, steps. */
  listByJob(jobId: number): Promise<Step[]>;
  listByJobs(jobIds: readonly number[]): Promise<Step[]>;
  /** A runner's report on a step; refused (LeaseLostError) unless it holds the job's lease. */
  update(stepId: number, lease: LeaseProof, update: StepUpdate): Promise<Step>;
}

export function toStep(r: Record<string, unknown>): Step {
  return {
    id: num(r.id),
    jobId: num(r.job_id),
    number: num(r.number),
    name: str(r.name),
    status: str(r.status) as StepStatus,
    exitCode: num(r.exit_code),
    oomKilled: bool(r.oom_killed),
    error: str(r.error),
    startedAt: optNumber(r.started_at),
    finishedAt: optNumber(r.finished_at),
  };
}

/** The steps the store tracks for a plan: clone, services, then steps, numbered from 1. */
export function planStepNames(plan: JobPlan): string[] {
  return [
    ...(plan.clone ? [plan.clone.name] : []),
    ...plan.services.map((s) => s.name),
    ...plan.steps.map((s) => s.name),
  ];
}

export async function insertSteps(
  q: Queryable,
  jobId: number,
  names: readonly string[],
  status: StepStatus,
): Promise<Step[]> {
  const out: Step[] = [];
  for (const [i, name] of names.entries()) {
    const row = await q.get<Record<string, unknown>>(
      'INSERT INTO steps (job_id, number, name, status) VALUES (?, ?, ?, ?) RETURNING *',
      [jobId, i + 1, name, status],
    );
    out.push(toStep(row as Record<string, unknown>));
  }
  return out;
}

/** A job goes back to the queue: its steps start over and the lost attempt's logs go. */
export async function resetSteps(q: Queryable, jobId: number): Promise<void> {
  await q.run('DELETE FROM log_chunks WHERE step_id IN (SELECT id FROM steps WHERE job_id = ?)', [jobId]);
  await q.run(
    `UPDATE steps SET status = 'pending', exit_code = 0, oom_killed = FALSE, error = '', started_at = NULL,
       finished_at = NULL, log_size = 0, log_acked = 0, log_truncated = FALSE
     WHERE job_id = ?`,
    [jobId],
  );
}

/** Ends every step of a job that has not ended, saying why. */
export async function endUnfinishedSteps(
  q: Queryable,
  jobId: number,
  status: StepStatus,
  error: string,
  at: number,
): Promise<void> {
  await q.run(
    `UPDATE steps SET status = ?, error = ?, finished_at = ?
     WHERE job_id = ? AND status IN ('pending', 'running')`,
    [status, error, at, jobId],
  );
}

export function stepStore({ db, now }: StoreContext): StepStore {
  return {
    async get(id) {
      const row = await db.get<Record<string, unknown>>('SELECT * FROM steps WHERE id = ?', [id]);
      return row === undefined ? undefined : toStep(row);
    },

    async listByJob(jobId) {
      const rows = await db.all<Record<string, unknown>>(
        'SELECT * FROM steps WHERE job_id = ? ORDER BY number',
        [jobId],
      );
      return rows.map(toStep);
    },

    async listByJobs(jobIds) {
      if (jobIds.length === 0) return [];
      const rows = await db.all<Record<string, unknown>>(
        `SELECT * FROM steps WHERE job_id IN (${jobIds.map(() => '?').join(', ')}) ORDER BY job_id, number`,
        [...jobIds],
      );
      return rows.map(toStep);
    },

    async update(stepId, lease, u) {
      if (!(STEP_STATUSES as readonly string[]).includes(u.status)) {
        throw new RangeError(`unknown step status ${u.status}`);
      }
      return db.tx(async (q) => {
        await verifyLease(q, db.dialect, lease.jobId, lease.token, now());
        const row = await q.get<Record<string, unknown>>(
          `UPDATE steps SET status = ?, exit_code = COALESCE(?, exit_code), oom_killed = COALESCE(?, oom_killed),
             error = COALESCE(?, error), started_at = COALESCE(?, started_at), finished_at = COALESCE(?, finished_at)
           WHERE id = ? AND job_id = ? RETURNING *`,
          [
            u.status,
            u.exitCode ?? null,
            u.oomKilled ?? null,
            u.error ?? null,
            u.startedAt ?? null,
            u.finishedAt ?? null,
            stepId,
            lease.jobId,
          ],
        );
        if (row === undefined) throw new NotFoundError(`step ${stepId} is not a step of job ${lease.jobId}`);
        return toStep(row);
      });
    },
  };
}
