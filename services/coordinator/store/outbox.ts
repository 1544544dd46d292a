import type { StoreContext } from './context.js';
import type { Queryable } from './db.js';
import { num, str } from './rows.js';

/**
 * The GitLab bot's durable outbox of commit statuses. Entries of one key
 * (project, commit, status name) go out one at a time in the order they were
 * queued; different keys do not wait for each other.
 */
export interface OutboxEntry {
  id: number;
  projectId: number;
  sha: string;
  name: string;
  ref: string;
  /** GitLab's state: pending, running, success, failed, canceled, skipped. */
  state: string;
  description: string;
  targetUrl: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string;
  createdAt: number;
  /** When the entry was given up (GitLab refused it for good); undefined while it waits or is being posted. */
  givenUpAt?: number;
}

export interface OutboxInput {
  projectId: number;
  sha: string;
  name: string;
  ref: string;
  state: string;
  description: string;
  targetUrl: string;
  /** The build the state comes from: a state of an older build of the same repository is ignored. */
  repoId: number;
  buildNumber: number;
}

export type EnqueueResult = 'queued' | 'unchanged' | 'stale';

export interface StatusOutbox {
  /**
   * Queues a state for a key. Skipped ('unchanged') when the same build already
   * queued this state, or ('stale') when it would move the key backwards: to an
   * older build, or within a build from a later state to an earlier one. While
   * the oldest entry of the key is failing, newer pending/running entries behind
   * it are replaced by this one; final states are never replaced.
   */
  enqueue(input: OutboxInput): Promise<EnqueueResult>;
  /** The first entry of each key whose next attempt is due, oldest first. */
  due(limit: number): Promise<OutboxEntry[]>;
  /** GitLab took (or already had) the entry's state. */
  delivered(entry: OutboxEntry): Promise<void>;
  /** The attempt failed; try again at `nextAttemptAt`. */
  retryAt(id: number, nextAttemptAt: number, error: string): Promise<void>;
  /** Gives up on an entry GitLab refuses for good, without a trace. */
  discard(id: number): Promise<void>;
  /**
   * Gives up on an entry GitLab refuses for good and keeps it, with the
   * reason, among the refused ones; the next entry of its key goes next.
   */
  giveUp(id: number, reason: string): Promise<void>;
  /** Entries given up, newest first. */
  refused(limit: number): Promise<OutboxEntry[]>;
  /** When the earliest waiting entry is due, or undefined when the outbox is empty. */
  nextDueAt(): Promise<number | undefined>;
  size(): Promise<number>;
  /** The state last posted to GitLab for a key, when any. */
  postedState(projectId: number, sha: string, name: string): Promise<string | undefined>;
  /** Forgets keys untouched since `before` that have nothing waiting. */
  prune(before: number): Promise<number>;
}

const FINAL = new Set(['success', 'failed', 'canceled', 'skipped']);

function rank(state: string): number {
  if (state === 'pending') return 0;
  if (state === 'running') return 1;
  return 2;
}

function toEntry(r: Record<string, unknown>): OutboxEntry {
  return {
    id: num(r.id),
    projectId: num(r.project_id),
    sha: str(r.sha),
    name: str(r.name),
    ref: str(r.ref),
    state: str(r.state),
    description: str(r.description),
    targetUrl: str(r.target_url),
    attempts: num(r.attempts),
    nextAttemptAt: num(r.next_attempt_at),
    lastError: str(r.last_error),
    createdAt: num(r.created_at),
    ...(r.given_up_at === null || r.given_up_at === undefined ? {} : { givenUpAt: num(r.given_up_at) }),
  };
}

const KEY = 'project_id = ? AND sha = ? AND name = ?';

async function decide(q: Queryable, e: OutboxInput): Promise<EnqueueResult | 'go'> {
  const k = await q.get<Record<string, unknown>>(`SELECT * FROM status_keys WHERE ${KEY}`, [
    e.projectId,
    e.sha,
    e.name,
  ]);
  if (k === undefined) return 'go';
  const sameRepo = num(k.repo_id) === e.repoId;
  const number = num(k.build_number);
  if (sameRepo && number > e.buildNumber) return 'stale';
  if (sameRepo && number === e.buildNumber) {
    const last = str(k.last_state);
    if (last === e.state) return 'unchanged';
    if (FINAL.has(last) || rank(e.state) < rank(last)) return 'stale';
  }
  return 'go';
}

export function statusOutbox({ db, now }: StoreContext): StatusOutbox {
  return {
    enqueue(e) {
      return db.tx(async (q) => {
        const verdict = await decide(q, e);
        if (verdict !== 'go') return verdict;
        const t = now();
        const key = [e.projectId, e.sha, e.name];
        const head = await q.get<{ id: number; attempts: number }>(
          `SELECT id, attempts FROM status_outbox WHERE ${KEY} AND given_up_at IS NULL ORDER BY id LIMIT 1`,
          key,
        );
        if (head !== undefined && num(head.attempts) > 0) {
          await q.run(
            `DELETE FROM status_outbox WHERE ${KEY} AND id <> ? AND given_up_at IS NULL AND state IN ('pending', 'running')`,
            [...key, num(head.id)],
          );
        }
        await q.run(
          `INSERT INTO status_outbox (project_id, sha, name, ref, state, description, target_url, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [...key, e.ref, e.state, e.description, e.targetUrl, t, t],
        );
        await q.run(
          `INSERT INTO status_keys (project_id, sha, name, repo_id, build_number, last_state, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (project_id, sha, name) DO UPDATE SET repo_id = excluded.repo_id,
             build_number = excluded.build_number, last_state = excluded.last_state, updated_at = excluded.updated_at`,
          [...key, e.repoId, e.buildNumber, e.state, t],
        );
        return 'queued';
      });
    },

    async due(limit) {
      const rows = await db.all<Record<string, unknown>>(
        `SELECT o.* FROM status_outbox o
         WHERE o.given_up_at IS NULL AND o.next_attempt_at <= ?
           AND NOT EXISTS (SELECT 1 FROM status_outbox e WHERE e.project_id = o.project_id AND e.sha = o.sha
             AND e.name = o.name AND e.id < o.id AND e.given_up_at IS NULL)
         ORDER BY o.id LIMIT ?`,
        [now(), limit],
      );
      return rows.map(toEntry);
    },

    async delivered(entry) {
      await db.tx(async (q) => {
        await q.run('DELETE FROM status_outbox WHERE id = ?', [entry.id]);
        await q.run(`UPDATE status_keys SET posted_state = ?, updated_at = ? WHERE ${KEY}`, [
          entry.state,
          now(),
          entry.projectId,
          entry.sha,
          entry.name,
        ]);
      });
    },

    async retryAt(id, nextAttemptAt, error) {
      await db.run(
        'UPDATE status_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
        [nextAttemptAt, error.slice(0, 1000), id],
      );
    },

    async discard(id) {
      await db.run('DELETE FROM status_outbox WHERE id = ?', [id]);
    },

    async giveUp(id, reason) {
      await db.run(
        'UPDATE status_outbox SET attempts = attempts + 1, given_up_at = ?, last_error = ? WHERE id = ?',
        [now(), reason.slice(0, 1000), id],
      );
    },

    async refused(limit) {
      const rows = await db.all<Record<string, unknown>>(
        'SELECT * FROM status_outbox WHERE given_up_at IS NOT NULL ORDER BY given_up_at DESC, id DESC LIMIT ?',
        [limit],
      );
      return rows.map(toEntry);
    },

    async nextDueAt() {
      const row = await db.get<{ t: number | null }>(
        'SELECT MIN(next_attempt_at) AS t FROM status_outbox WHERE given_up_at IS NULL',
      );
      return row?.t === null || row?.t === undefined ? undefined : num(row.t);
    },

    async size() {
      const row = await db.get<{ n: number }>(
        'SELECT COUNT(*) AS n FROM status_outbox WHERE given_up_at IS NULL',
      );
      return num(row?.n ?? 0);
    },

    async postedState(projectId, sha, name) {
      const row = await db.get<{ posted_state: string }>(
        `SELECT posted_state FROM status_keys WHERE ${KEY}`,
        [projectId, sha, name],
      );
      const s = str(row?.posted_state);
      return s === '' ? undefined : s;
    },

    async prune(before) {
      await db.run('DELETE FROM status_outbox WHERE given_up_at IS NOT NULL AND given_up_at < ?', [before]);
      return db.run(
        `DELETE FROM status_keys WHERE updated_at < ? AND NOT EXISTS (SELECT 1 FROM status_outbox o
           WHERE o.project_id = status_keys.project_id AND o.sha = status_keys.sha AND o.name = status_keys.name)`,
        [before],
      );
    },
  };
}
