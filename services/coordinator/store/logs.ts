/**
 * Step logs, stored as the batches runners send. A batch is identified by
 * (step, seq): one sent again after a reconnect is acknowledged, not stored
 * twice. The acknowledgement is the highest seq up to which every batch is
 * stored, so the runner knows exactly what to resend. Past the per-step size
 * limit, lines are dropped and a marker line says so; the batches still count
 * as stored so acknowledgements keep moving.
 */
import { formatBytes } from '../../shared/config/values.js';
import type { StoreContext } from './context.js';
import type { Queryable, SqlValue } from './db.js';
import { NotFoundError } from './errors.js';
import { verifyLease } from './lease-check.js';
import { bool, num } from './rows.js';
import type { LeaseProof, LogAppendResult, LogBatchInput, LogChunk } from './types.js';

export interface LogStore {
  /**
   * Stores batches of a step's log. With `lease`, refused (LeaseLostError)
   * unless the caller holds the lease of the step's job.
   */
  append(stepId: number, batches: readonly LogBatchInput[], lease?: LeaseProof): Promise<LogAppendResult>;
  /**
   * Batches after `afterSeq`, in order, up to the acknowledged seq (a batch
   * behind a gap waits until the gap is filled, so a reader following with
   * its last seq never skips one).
   */
  read(stepId: number, opts?: { afterSeq?: number; limit?: number }): Promise<LogChunk[]>;
  /** The whole stored log of a step, every batch in seq order. */
  text(stepId: number): Promise<string>;
  state(stepId: number): Promise<{ acked: number; size: number; truncated: boolean }>;
}

export function truncationMarker(limit: number): string {
  return `[hangar] log truncated: this step wrote more than ${formatBytes(limit)}; later output was not kept\n`;
}

/** NUL cannot be stored in PostgreSQL text; it becomes U+FFFD on both engines. */
function clean(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

interface Fitted {
  text: string;
  /** UTF-8 size of `text`. */
  bytes: number;
  count: number;
  complete: boolean;
}

/**
 * Lines that fit in `room` bytes, whole. With `cutFirst` (nothing is stored
 * yet, so the first line alone is longer than the limit) that line is cut at a
 * character boundary instead, so the log does not end up empty.
 */
function fitLines(lines: readonly string[], room: number, cutFirst: boolean): Fitted {
  if (lines.length === 0) return { text: '', bytes: 0, count: 0, complete: true };
  // Usually the whole batch fits: one string, measured once.
  const whole = clean(`${lines.join('\n')}\n`);
  const wholeBytes = Buffer.byteLength(whole, 'utf8');
  if (wholeBytes <= room) return { text: whole, bytes: wholeBytes, count: lines.length, complete: true };
  let text = '';
  let used = 0;
  let count = 0;
  for (const line of lines) {
    const piece = `${clean(line)}\n`;
    const size = Buffer.byteLength(piece, 'utf8');
    if (used + size > room) {
      if (cutFirst && count === 0 && room > 1) {
        const cut = Buffer.from(piece, 'utf8')
          .subarray(0, room - 1)
          .toString('utf8')
          .replace(/\uFFFD$/, '');
        const cutText = `${cut}\n`;
        return { text: cutText, bytes: Buffer.byteLength(cutText, 'utf8'), count: 1, complete: false };
      }
      return { text, bytes: used, count, complete: false };
    }
    text += piece;
    used += size;
    count += 1;
  }
  return { text, bytes: used, count, complete: true };
}

/** Rows per INSERT statement, largest first: few statements per transaction, few distinct statements to prepare. */
const INSERT_SIZES = [32, 16, 8, 4, 2, 1] as const;

async function insertChunks(q: Queryable, rows: readonly SqlValue[][]): Promise<void> {
  let i = 0;
  for (const size of INSERT_SIZES) {
    while (rows.length - i >= size) {
      const part = rows.slice(i, i + size);
      await q.run(
        `INSERT INTO log_chunks (step_id, seq, data, lines) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}`,
        part.flat(),
      );
      i += size;
    }
  }
}

/** Batches in seq order, each seq once. */
function ordered(batches: readonly LogBatchInput[]): LogBatchInput[] {
  const out: LogBatchInput[] = [];
  let sorted = true;
  for (let i = 1; i < batches.length; i++) {
    if ((batches[i] as LogBatchInput).seq <= (batches[i - 1] as LogBatchInput).seq) sorted = false;
  }
  for (const b of sorted ? batches : [...batches].sort((x, y) => x.seq - y.seq)) {
    if (out.length === 0 || (out[out.length - 1] as LogBatchInput).seq !== b.seq) out.push(b);
  }
  return out;
}

export function logStore({ db, now, logLimit }: StoreContext): LogStore {
  return {
    async append(stepId, batches, lease) {
      for (const b of batches) {
        if (!Number.isSafeInteger(b.seq) || b.seq < 1)
          throw new RangeError(`log batch seq must be 1 or more, not ${b.seq}`);
      }
      const incoming = ordered(batches);
      return db.tx(async (q) => {
        if (lease !== undefined) await verifyLease(q, db.dialect, lease.jobId, lease.token, now());
        const step = await q.get<{
          job_id: number;
          log_size: number;
          log_acked: number;
          log_truncated: unknown;
        }>(
          `SELECT job_id, log_size, log_acked, log_truncated FROM steps WHERE id = ?${db.dialect.forUpdate}`,
          [stepId],
        );
        if (step === undefined || (lease !== undefined && Number(step.job_id) !== lease.jobId)) {
          throw new NotFoundError(`step ${stepId} does not exist${lease ? ` in job ${lease.jobId}` : ''}`);
        }
        let size = Number(step.log_size);
        let acked = Number(step.log_acked);
        let truncated = bool(step.log_truncated);
        const fresh = incoming.filter((b) => b.seq > acked);
        if (fresh.length === 0) return { acked, stored: 0, truncated };
        // The step's row is locked, so the batches above the acknowledgement
        // stored before this transaction are all there is to skip.
        const last = (fresh[fresh.length - 1] as LogBatchInput).seq;
        const held = await q.all<{ seq: number }>(
          'SELECT seq FROM log_chunks WHERE step_id = ? AND seq > ? AND seq <= ?',
          [stepId, acked, last],
        );
        const have = new Set(held.map((r) => Number(r.seq)));
        const rows: SqlValue[][] = [];
        for (const batch of fresh) {
          if (have.has(batch.seq)) continue;
          let text = '';
          let count = 0;
          if (!truncated) {
            const part = fitLines(batch.lines, logLimit - size, size === 0);
            text = part.text;
            count = part.count;
            size += part.bytes;
            if (!part.complete) {
              truncated = true;
              const marker = truncationMarker(logLimit);
              text += marker;
              count += 1;
              size += Buffer.byteLength(marker, 'utf8');
            }
          }
          rows.push([stepId, batch.seq, text, count]);
          have.add(batch.seq);
        }
        await insertChunks(q, rows);
        // Move the acknowledgement over every batch that is now contiguous:
        // first those this transaction knows of, then any stored earlier beyond them.
        while (have.has(acked + 1)) acked += 1;
        if (acked >= last) {
          for (;;) {
            const next = await q.all<{ seq: number }>(
              'SELECT seq FROM log_chunks WHERE step_id = ? AND seq > ? ORDER BY seq LIMIT 256',
              [stepId, acked],
            );
            let moved = 0;
            for (const r of next) {
              if (Number(r.seq) !== acked + 1) break;
              acked += 1;
              moved += 1;
            }
            if (moved < 256) break;
          }
        }
        await q.run('UPDATE steps SET log_size = ?, log_acked = ?, log_truncated = ? WHERE id = ?', [
          size,
          acked,
          truncated,
          stepId,
        ]);
        return { acked, stored: rows.length, truncated };
      });
    },

    async read(stepId, opts = {}) {
      const rows = await db.all<{ seq: number; data: string; lines: number }>(
        `SELECT seq, data, lines FROM log_chunks
         WHERE step_id = ? AND seq > ? AND seq <= (SELECT log_acked FROM steps WHERE id = ?)
         ORDER BY seq LIMIT ?`,
        [stepId, opts.afterSeq ?? 0, stepId, Math.min(Math.max(1, opts.limit ?? 1000), 10_000)],
      );
      return rows.map((r) => ({ seq: num(r.seq), text: r.data, lines: num(r.lines) }));
    },

    async text(stepId) {
      const rows = await db.all<{ data: string }>(
        'SELECT data FROM log_chunks WHERE step_id = ? ORDER BY seq',
        [stepId],
      );
      return rows.map((r) => r.data).join('');
    },

    async state(stepId) {
      const row = await db.get<{ log_acked: number; log_size: number; log_truncated: unknown }>(
        'SELECT log_acked, log_size, log_truncated FROM steps WHERE id = ?',
        [stepId],
      );
      if (row === undefined) throw new NotFoundError(`step ${stepId} does not exist`);
      return { acked: num(row.log_acked), size: num(row.log_size), truncated: bool(row.log_truncated) };
    },
  };
}
