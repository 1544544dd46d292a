/**
 * Applies the migrations a database lacks, each in its own transaction, and
 * records them. Safe to run on every start and from several processes at
 * once: PostgreSQL serialises on a lock of the migrations table, SQLite on its
 * write lock.
 */
import { HangarError } from '../../shared/errors.js';
import { type Db, isUniqueViolation } from './db.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export interface MigrateResult {
  /** Versions applied by this call. */
  applied: number[];
  /** The schema version afterwards. */
  version: number;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

export async function migrate(
  db: Db,
  now: () => number = Date.now,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrateResult> {
  try {
    await db.run(CREATE_TABLE);
  } catch (err) {
    // Two PostgreSQL sessions creating it at once: one wins, the other sees a duplicate.
    const code = (err as { code?: unknown }).code;
    if (!isUniqueViolation(err) && code !== '42P07') throw err;
  }
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.tx(async (q) => {
      if (db.dialect.name === 'postgres') await q.run('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const row = await q.get<{ version: number }>(
        'SELECT version FROM schema_migrations WHERE version = ?',
        [m.version],
      );
      if (row !== undefined) return false;
      await db.exec(m.sql(db.dialect), q);
      await q.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        now(),
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  const top = await db.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  const version = Number(top?.v ?? 0);
  if (version > latest) {
    throw new HangarError(
      `the database schema is at version ${version}, newer than this Hangar knows (${latest}); run a Hangar release at least as new as the one that last used this database`,
    );
  }
  return { applied, version };
}
