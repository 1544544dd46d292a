import type { JobPlan } from '../../shared/pipeline/types.js';
import type { StoreContext } from './context.js';
import type { Queryable } from './db.js';
import { type JobLeaseStore, jobLeaseStore } from './job-leases.js';
import { planHead } from './job-plan.js';
import { toJob } from './job-row.js';
import { type JobWaitStore, jobWaitStore } from './job-waits.js';
import { inList } from './rows.js';
import { insertSteps, planStepNames } from './steps.js';
import { isFinished, JOB_STATUSES, type Job, type JobInput, type JobStatus, type Step } from './types.js';

/** Other jobs of the same repository and pipeline name that hold or wait for a place. */
export interface LimitCounts {
  /** Queued or running. */
  active: number;
  /** Pending and older than the job. */
  ahead: number;
}

export type LimitOutcome =
  | { queued: true; job: Job }
  /** `changed`: the waiting sentence differs from the one the job had. */
  | { queued: false; job: Job; counts: LimitCounts; changed: boolean };

export interface JobStore extends JobLeaseStore, JobWaitStore {
  get(id: number): Promise<Job | undefined>;
  /** In stage order. */
  listByBuild(buildId: number): Promise<Job[]>;
  /** A job's whole plan (steps, services, environment), as parsed and as stored. */
  plan(id: number): Promise<{ plan: JobPlan; json: string } | undefined>;
  /** In stage order, every field but the plan (the largest by far): for showing a build. */
  summariesByBuild(buildId: number): Promise<Omit<Job, 'plan'>[]>;
  /** In stage order, without the plans: what deciding a build's end needs. */
  statesByBuild(buildId: number): Promise<Pick<Job, 'id' | 'number' | 'name' | 'status' | 'error'>[]>;
  /** Jobs in these states, oldest first (for the scheduler's queue). */
  listByStatus(statuses: readonly JobStatus[], limit?: number): Promise<Job[]>;
  /** `pending` → `queued` once published to the work queue. Returns how many changed. */
  markQueued(ids: readonly number[]): Promise<number>;
  /** Like markQueued, returning the jobs that moved from `pending` to `queued` (their waiting sentence cleared). */
  queue(ids: readonly number[]): Promise<Job[]>;
  /**
   * Keeps a pending job pending with `reason` (why it waits, the sentence a
   * person reads) as its error. Returns the job when the sentence changed;
   * undefined when it was the same or the job is no longer pending.
   */
  wait(id: number, reason: string): Promise<Job | undefined>;
  /**
   * Ends a job that no runner holds (dependency failed, blocked job declined,
   * cancelled before it started). Returns undefined when the job had ended already.
   */
  finish(id: number, status: JobStatus, error?: string): Promise<Job | undefined>;
  /**
   * Moves a pending job to `queued` when fewer than `limit` other jobs of the
   * same repository and pipeline name are queued, running, or pending ahead
   * of it (older); otherwise keeps it pending with `waiting(counts)` as its
   * error, the sentence a person reads. Checked and changed under the
   * repository's row lock, so two passes cannot both start the last free place.
   * Undefined when the job is no longer pending.
   */
  queueWithinLimit(
    id: number,
    limit: number,
    waiting: (counts: LimitCounts) => string,
  ): Promise<LimitOutcome | undefined>;
  /** Jobs of a repository that runners hold now (for its concurrency limit). */
  countRunning(repoId: number): Promise<number>;
  /** How many jobs are waiting, queued and running now. */
  countActive(): Promise<{ pending: number; queued: number; running: number }>;
}

/** Inserts a build's job as stage `number`, with a step row per step of its plan. */
export async function insertJob(
  q: Queryable,
  buildId: number,
  number: number,
  input: JobInput,
  at: number,
): Promise<{ job: Job; steps: Step[] }> {
  const status: JobStatus = input.status ?? (input.plan.run ? 'pending' : 'skipped');
  if (!(JOB_STATUSES as readonly string[]).includes(status))
    throw new RangeError(`unknown job status ${status}`);
  const finished = isFinished(status) ? at : null;
  const row = await q.get<Record<string, unknown>>(
    `INSERT INTO jobs (build_id, number, name, axis, status, plan, depends_on, labels, error, created_at, finished_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    [
      buildId,
      number,
      input.name ?? input.plan.pipeline,
      JSON.stringify(input.plan.axis ?? {}),
      status,
      JSON.stringify(planHead(input.plan)),
      JSON.stringify(input.plan.dependsOn),
      JSON.stringify(input.plan.labels),
      input.error ?? (status === 'skipped' ? (input.plan.skipReason ?? '') : ''),
      at,
      finished,
    ],
  );
  const job = toJob(row as Record<string, unknown>);
  await q.run('INSERT INTO job_plans (job_id, plan) VALUES (?, ?)', [job.id, JSON.stringify(input.plan)]);
  const steps = await insertSteps(
    q,
    job.id,
    planStepNames(input.plan),
    status === 'skipped' ? 'skipped' : 'pending',
  );
  return { job, steps };
}

export function jobStore(ctx: StoreContext): JobStore {
  const { db, now } = ctx;
  return {
    ...jobLeaseStore(ctx),
    ...jobWaitStore(ctx),

    async get(id) {
      const row = await db.get<Record<string, unknown>>('SELECT * FROM jobs WHERE id = ?', [id]);
      return row === undefined ? undefined : toJob(row);
    },

    async plan(id) {
      const row = await db.get<{ plan: string }>('SELECT plan FROM job_plans WHERE job_id = ?', [id]);
      return row === undefined ? undefined : { plan: JSON.parse(row.plan) as JobPlan, json: row.plan };
    },

    async listByBuild(buildId) {
      const rows = await db.all<Record<string, unknown>>(
        'SELECT * FROM jobs WHERE build_id = ? ORDER BY number',
        [buildId],
      );
      return rows.map(toJob);
    },

    async summariesByBuild(buildId) {
      const rows = await db.all<Record<string, unknown>>(
        `SELECT id, build_id, number, name, axis, status, depends_on, labels, runner_id, attempt, lease_expires_at,
           cancel_requested, error, created_at, started_at, finished_at
         FROM jobs WHERE build_id = ? ORDER BY number`,
        [buildId],
      );
      return rows.map((r) => {
        const { plan: _, ...rest } = toJob(r);
        return rest;
      });
    },

    async statesByBuild(buildId) {
      const rows = await db.all<Record<string, unknown>>(
        'SELECT id, number, name, status, error FROM jobs WHERE build_id = ? ORDER BY number',
        [buildId],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        number: Number(r.number),
        name: String(r.name),
        status: String(r.status) as JobStatus,
        error: String(r.error ?? ''),
      }));
    },

    async listByStatus(statuses, limit = 1000) {
      if (statuses.length === 0) return [];
      const rows = await db.all<Record<string, unknown>>(
        `SELECT * FROM jobs WHERE status IN ${inList(statuses.length)} ORDER BY id LIMIT ?`,
        [...statuses, limit],
      );
      return rows.map(toJob);
    },

    async markQueued(ids) {
      if (ids.length === 0) return 0;
      return db.run(
        `UPDATE jobs SET status = 'queued' WHERE status = 'pending' AND id IN ${inList(ids.length)}`,
        [...ids],
      );
    },

    async queue(ids) {
      if (ids.length === 0) return [];
      const rows = await db.all<Record<string, unknown>>(
        `UPDATE jobs SET status = 'queued', error = '' WHERE status = 'pending' AND id IN ${inList(ids.length)} RETURNING *`,
        [...ids],
      );
      return rows.map(toJob).sort((a, b) => a.id - b.id);
    },

    async wait(id, reason) {
      const row = await db.get<Record<string, unknown>>(
        `UPDATE jobs SET error = ? WHERE id = ? AND status = 'pending' AND error <> ? RETURNING *`,
        [reason, id, reason],
      );
      return row === undefined ? undefined : toJob(row);
    },

    async finish(id, status, error = '') {
      if (!isFinished(status)) throw new RangeError(`finish needs an end state, not ${status}`);
      return db.tx(async (q) => {
        const row = await q.get<Record<string, unknown>>(
          `UPDATE jobs SET status = ?, error = ?, finished_at = ?, lease_token = NULL, lease_expires_at = NULL
           WHERE id = ? AND status NOT IN ('success', 'failure', 'killed', 'error', 'skipped') RETURNING *`,
          [status, error, now(), id],
        );
        if (row === undefined) return undefined;
        await q.run(
          `UPDATE steps SET status = ?, finished_at = CASE WHEN status = 'running' THEN CAST(? AS BIGINT) ELSE finished_at END
           WHERE job_id = ? AND status IN ('pending', 'running')`,
          [status === 'killed' || status === 'error' ? status : 'skipped', now(), id],
        );
        return toJob(row);
      });
    },

    async queueWithinLimit(id, limit, waiting) {
      return db.tx(async (q) => {
        const row = await q.get<Record<string, unknown>>(
          `SELECT j.*, b.repo_id AS repo_id FROM jobs j JOIN builds b ON b.id = j.build_id WHERE j.id = ?`,
          [id],
        );
        if (row === undefined || row.status !== 'pending') return undefined;
        const job = toJob(row);
        await q.get(`SELECT id FROM repos WHERE id = ?${db.dialect.forUpdate}`, [Number(row.repo_id)]);
        const c = await q.get<{ active: number | null; ahead: number | null }>(
          `SELECT SUM(CASE WHEN j.status = 'pending' THEN 0 ELSE 1 END) AS active,
             SUM(CASE WHEN j.status = 'pending' THEN 1 ELSE 0 END) AS ahead
           FROM jobs j JOIN builds b ON b.id = j.build_id
           WHERE b.repo_id = ? AND j.name = ? AND j.id <> ?
             AND (j.status IN ('queued', 'running') OR (j.status = 'pending' AND j.id < ?))`,
          [Number(row.repo_id), job.name, id, id],
        );
        const counts = { active: Number(c?.active ?? 0), ahead: Number(c?.ahead ?? 0) };
        if (counts.active + counts.ahead < limit) {
          const queued = await q.get<Record<string, unknown>>(
            `UPDATE jobs SET status = 'queued', error = '' WHERE id = ? AND status = 'pending' RETURNING *`,
            [id],
          );
          return queued === undefined ? undefined : { queued: true as const, job: toJob(queued) };
        }
        const reason = waiting(counts);
        if (reason === job.error) return { queued: false as const, job, counts, changed: false };
        await q.run('UPDATE jobs SET error = ? WHERE id = ?', [reason, id]);
        return { queued: false as const, job: { ...job, error: reason }, counts, changed: true };
      });
    },

    async countActive() {
      const rows = await db.all<{ status: string; n: number }>(
        `SELECT status, COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'queued', 'running') GROUP BY status`,
      );
      const out = { pending: 0, queued: 0, running: 0 };
      for (const r of rows) out[r.status as keyof typeof out] = Number(r.n);
      return out;
    },

    async countRunning(repoId) {
      const row = await db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM jobs j JOIN builds b ON b.id = j.build_id
         WHERE b.repo_id = ? AND j.status = 'running'`,
        [repoId],
      );
      return Number(row?.n ?? 0);
    },
  };
}
