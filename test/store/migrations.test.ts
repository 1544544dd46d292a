import { describe, expect, it } from 'vitest';
import { migrate } from '../../services/coordinator/store/migrate.js';
import { MIGRATIONS } from '../../services/coordinator/store/migrations.js';
import { ENGINES, newRepo, PUSH, plan, useDatabase } from './engines.js';

const VERSIONS = MIGRATIONS.map((m) => m.version);
const LATEST = Math.max(...VERSIONS);

describe.each(ENGINES)('migrations on %s', (engine) => {
  const db = useDatabase(engine);

  it('creates the schema on an empty database, and a restart applies nothing and keeps the data', async () => {
    const first = await db.open();
    expect(first.schema).toEqual({ applied: VERSIONS, version: LATEST });
    const repo = await newRepo(first);
    await first.builds.create(repo.id, PUSH, [{ plan: plan('default', ['test']) }]);
    await first.close();

    const again = await db.open();
    expect(again.schema).toEqual({ applied: [], version: LATEST });
    expect((await again.builds.list({ repoId: repo.id })).map((b) => b.number)).toEqual([1]);
    const raw = await db.raw();
    const rows = await raw.all<{ version: number }>('SELECT version FROM schema_migrations');
    expect(rows.map((r) => Number(r.version)).sort((a, b) => a - b)).toEqual(VERSIONS);
  });

  it('lets several processes start at once: each migration is applied exactly once', async () => {
    const raws = await Promise.all([db.raw(), db.raw(), db.raw()]);
    const results = await Promise.all(raws.map((r) => migrate(r)));
    expect(results.every((r) => r.version === LATEST)).toBe(true);
    const counted = await raws[0]?.get<{ n: number }>('SELECT COUNT(*) AS n FROM schema_migrations');
    expect(Number(counted?.n)).toBe(VERSIONS.length);
  });

  it('refuses to run on a schema newer than it knows, saying what to do', async () => {
    const raw = await db.raw();
    await raw.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
      99,
      'future',
      1,
    ]);
    await expect(db.open()).rejects.toThrow(
      new RegExp(
        `database schema is at version 99, newer than this Hangar knows \\(${LATEST}\\); run a Hangar release at least as new`,
      ),
    );
    await raw.run('DELETE FROM schema_migrations WHERE version = ?', [99]);
  });
});
