import type { StoreContext } from './context.js';
import { NotFoundError } from './errors.js';
import { json, num, optNumber, str } from './rows.js';
import { hashToken, newToken } from './tokens.js';
import type { Runner, RunnerInput } from './types.js';

export interface RunnerStore {
  /** Creates the runner or, when one of that name exists, updates it. Marks it seen. */
  register(input: RunnerInput): Promise<Runner>;
  get(id: number): Promise<Runner | undefined>;
  byName(name: string): Promise<Runner | undefined>;
  list(): Promise<Runner[]>;
  /** A new per-runner token, returned once; only its hash is kept. Replaces any earlier token. */
  issueToken(id: number): Promise<string>;
  /** The runner a per-runner token belongs to. */
  authenticate(token: string): Promise<Runner | undefined>;
  touch(id: number): Promise<void>;
  remove(id: number): Promise<boolean>;
}

const SELECT = `SELECT r.*, (SELECT COUNT(*) FROM jobs j WHERE j.runner_id = r.id AND j.status = 'running') AS running
  FROM runners r`;

function toRunner(r: Record<string, unknown>): Runner {
  return {
    id: num(r.id),
    name: str(r.name),
    labels: json(r.labels, {}),
    platform: str(r.platform),
    capacity: num(r.capacity),
    version: str(r.version),
    hasToken: r.token_hash !== null && r.token_hash !== undefined,
    createdAt: num(r.created_at),
    lastSeenAt: optNumber(r.last_seen_at),
    running: num(r.running ?? 0),
  };
}

export function runnerStore({ db, now }: StoreContext): RunnerStore {
  const one = async (where: string, param: string | number) => {
    const row = await db.get<Record<string, unknown>>(`${SELECT} WHERE ${where}`, [param]);
    return row === undefined ? undefined : toRunner(row);
  };
  return {
    async register(input) {
      if (input.name.trim() === '') throw new RangeError('a runner needs a name');
      const capacity = input.capacity ?? 1;
      if (!Number.isInteger(capacity) || capacity < 1)
        throw new RangeError(`runner capacity must be 1 or more, not ${capacity}`);
      const t = now();
      const row = await db.get<{ id: number }>(
        `INSERT INTO runners (name, labels, platform, capacity, version, created_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET labels = excluded.labels, platform = excluded.platform,
           capacity = excluded.capacity, version = excluded.version, last_seen_at = excluded.last_seen_at
         RETURNING id`,
        [
          input.name,
          JSON.stringify(input.labels ?? {}),
          input.platform ?? 'linux/amd64',
          capacity,
          input.version ?? '',
          t,
          t,
        ],
      );
      return (await one('r.id = ?', Number(row?.id))) as Runner;
    },

    get: (id) => one('r.id = ?', id),
    byName: (name) => one('r.name = ?', name),

    async list() {
      const rows = await db.all<Record<string, unknown>>(`${SELECT} ORDER BY r.name`);
      return rows.map(toRunner);
    },

    async issueToken(id) {
      const token = newToken();
      const n = await db.run('UPDATE runners SET token_hash = ? WHERE id = ?', [hashToken(token), id]);
      if (n === 0) throw new NotFoundError(`runner ${id} is not registered`);
      return token;
    },

    // The lookup is by the SHA-256 of a 256-bit random token: timing reveals nothing about the token.
    authenticate: (token) => one('r.token_hash = ?', hashToken(token)),

    async touch(id) {
      await db.run('UPDATE runners SET last_seen_at = ? WHERE id = ?', [now(), id]);
    },

    async remove(id) {
      return (await db.run('DELETE FROM runners WHERE id = ?', [id])) > 0;
    },
  };
}
