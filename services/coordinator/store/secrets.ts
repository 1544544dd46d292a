import { type BuildEvent, EVENTS } from '../../shared/pipeline/types.js';
import type { StoreContext } from './context.js';
import { json, num, str } from './rows.js';
import { sealer } from './sealed.js';
import type { Secret, SecretInput, SecretWithValue } from './types.js';

export interface SecretStore {
  /** Creates or replaces a repository's secret; the value is encrypted before it is stored. */
  set(repoId: number, input: SecretInput): Promise<Secret>;
  /** Without values. */
  list(repoId: number): Promise<Secret[]>;
  get(repoId: number, name: string): Promise<Secret | undefined>;
  remove(repoId: number, name: string): Promise<boolean>;
  /** With values decrypted, for handing to a job. */
  values(repoId: number): Promise<SecretWithValue[]>;
}

/** Drone's default: every event except pull requests. */
export const DEFAULT_SECRET_EVENTS: readonly BuildEvent[] = [
  'push',
  'tag',
  'deployment',
  'cron',
  'custom',
  'promote',
  'rollback',
];

function toSecret(r: Record<string, unknown>): Secret {
  return {
    id: num(r.id),
    repoId: num(r.repo_id),
    name: str(r.name),
    events: json(r.events, []),
    images: json(r.images, []),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

function check(input: SecretInput): void {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(input.name)) {
    throw new RangeError(
      `secret name '${input.name}' is not valid; use 1 to 128 letters, digits, '_', '.' or '-'`,
    );
  }
  for (const e of input.events ?? []) {
    if (!(EVENTS as readonly string[]).includes(e))
      throw new RangeError(`secret event '${e}' is not one of ${EVENTS.join(', ')}`);
  }
}

export function secretStore(ctx: StoreContext): SecretStore {
  const { db, now } = ctx;
  const sealed = sealer(ctx, 'secret');
  return {
    async set(repoId, input) {
      check(input);
      const t = now();
      const row = await db.get<Record<string, unknown>>(
        `INSERT INTO secrets (repo_id, name, value, events, images, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (repo_id, name) DO UPDATE SET value = excluded.value, events = excluded.events,
           images = excluded.images, updated_at = excluded.updated_at
         RETURNING *`,
        [
          repoId,
          input.name,
          sealed.seal(repoId, input.name, input.value),
          JSON.stringify(input.events ?? DEFAULT_SECRET_EVENTS),
          JSON.stringify(input.images ?? []),
          t,
          t,
        ],
      );
      return toSecret(row as Record<string, unknown>);
    },

    async list(repoId) {
      const rows = await db.all<Record<string, unknown>>(
        'SELECT * FROM secrets WHERE repo_id = ? ORDER BY name',
        [repoId],
      );
      return rows.map(toSecret);
    },

    async get(repoId, name) {
      const row = await db.get<Record<string, unknown>>(
        'SELECT * FROM secrets WHERE repo_id = ? AND name = ?',
        [repoId, name],
      );
      return row === undefined ? undefined : toSecret(row);
    },

    async remove(repoId, name) {
      return (await db.run('DELETE FROM secrets WHERE repo_id = ? AND name = ?', [repoId, name])) > 0;
    },

    async values(repoId) {
      const rows = await db.all<Record<string, unknown>>(
        'SELECT * FROM secrets WHERE repo_id = ? ORDER BY name',
        [repoId],
      );
      return rows.map((r) => {
        const s = toSecret(r);
        return {
          ...s,
          value: sealed.open(repoId, s.name, str(r.value), `secret '${s.name}' of repository ${repoId}`),
        };
      });
    },
  };
}
