import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, openStore } from '../../services/coordinator/store/index.js';
import { freePort } from '../support/nats-server.js';

describe('opening the store', () => {
  it('says which PostgreSQL it could not reach, without the password', async () => {
    const port = await freePort();
    const open = openStore({
      database: { engine: 'postgres', url: `postgres://ci:s3cr3t-pw@127.0.0.1:${port}/hangar` },
    });
    const err = await open.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err?.message).toMatch(
      new RegExp(`^cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/hangar: .+; check DATABASE_URL`),
    );
    expect(err?.message).not.toContain('s3cr3t-pw');
  });

  it('says which SQLite file it could not open and what to check', async () => {
    // A file where the database's directory should be.
    const dir = mkdtempSync(join(tmpdir(), 'hangar-open-'));
    const notADir = join(dir, 'file');
    writeFileSync(notADir, '');
    try {
      const err = await openStore({ database: { engine: 'sqlite', path: join(notADir, 'hangar.db') } }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect(err?.message).toContain(`cannot open the SQLite database ${join(notADir, 'hangar.db')}: `);
      expect(err?.message).toMatch(/; check HANGAR_DATABASE_PATH and that its directory is writable$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
