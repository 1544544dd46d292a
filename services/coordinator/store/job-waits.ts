/**
 * Why a queued job is not taken. A job asking for labels is published while
 * a runner with them is connected; when every such runner leaves, the job
 * stays in the work queue (a runner that comes back takes it from there) and
 * says why it waits. The sentence goes when a runner with the labels is back,
 * or when a runner accepts the job (see claim in job-leases.ts).
 */
import type { StoreContext } from './context.js';
import { toJob } from './job-row.js';
import type { Job } from './types.js';

export interface JobWaitStore {
  /** Queued jobs that ask for labels, oldest first. */
  listQueuedWithLabels(limit?: number): Promise<Job[]>;
  /**
   * Gives a queued job `reason` (why no runner takes it) as its error.
   * Returns the job when the sentence changed; undefined when it was the
   * same or the job is no longer queued.
   */
  waitQueued(id: number, reason: string): Promise<Job | undefined>;
  /**
   * Takes `reason` off a job still queued and still saying it. Returns the
   * job when it did; undefined otherwise (the job moved on or says something else).
   */
  clearWait(id: number, reason: string): Promise<Job | undefined>;
}

export function jobWaitStore({ db }: StoreContext): JobWaitStore {
  return {
    async listQueuedWithLabels(limit = 500) {
      const rows = await db.all<Record<string, unknown>>(
        `SELECT * FROM jobs WHERE status = 'queued' AND labels <> '{}' ORDER BY id LIMIT ?`,
        [limit],
      );
      return rows.map(toJob);
    },

    async waitQueued(id, reason) {
      const row = await db.get<Record<string, unknown>>(
        `UPDATE jobs SET error = ? WHERE id = ? AND status = 'queued' AND error <> ? RETURNING *`,
        [reason, id, reason],
      );
      return row === undefined ? undefined : toJob(row);
    },

    async clearWait(id, reason) {
      const row = await db.get<Record<string, unknown>>(
        `UPDATE jobs SET error = '' WHERE id = ? AND status = 'queued' AND error = ? RETURNING *`,
        [id, reason],
      );
      return row === undefined ? undefined : toJob(row);
    },
  };
}
