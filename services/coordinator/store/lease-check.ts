import type { Dialect, Queryable } from './db.js';
import { LeaseLostError } from './errors.js';

/**
 * Inside a transaction: throws LeaseLostError unless `token` holds job
 * `jobId`'s lease now. On PostgreSQL the job row stays share-locked until
 * commit, so a lease expiry cannot slip in between this check and the write
 * it guards.
 */
export async function verifyLease(
  q: Queryable,
  d: Dialect,
  jobId: number,
  token: string,
  now: number,
): Promise<void> {
  const row = await q.get<{ lease_token: string | null; status: string; lease_expires_at: number | null }>(
    `SELECT lease_token, status, lease_expires_at FROM jobs WHERE id = ?${d.forShare}`,
    [jobId],
  );
  if (
    row === undefined ||
    row.status !== 'running' ||
    row.lease_token === null ||
    row.lease_token !== token ||
    row.lease_expires_at === null ||
    Number(row.lease_expires_at) < now
  ) {
    throw new LeaseLostError(jobId);
  }
}
