import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretKeyError } from '../../services/coordinator/store/index.js';
import { ENGINES, newRepo, useDatabase } from './engines.js';

describe.each(ENGINES)('secrets and registry credentials on %s', (engine) => {
  const db = useDatabase(engine);
  const key = randomBytes(32);

  it('round-trips values, stores only ciphertext, and lists without values', async () => {
    const store = await db.open({ secretKey: key });
    const repo = await newRepo(store);
    await store.secrets.set(repo.id, { name: 'DOCKER_PASSWORD', value: 'hunter2-ßecret' });
    await store.secrets.set(repo.id, {
      name: 'SSH_KEY',
      value: 'PRIVATE KEY',
      events: ['push', 'pull_request'],
      images: ['plugins/*'],
    });
    await store.registries.set(repo.id, {
      address: 'registry.example.com',
      username: 'ci',
      password: 'reg-pass',
    });

    const listed = await store.secrets.list(repo.id);
    expect(listed.map((s) => [s.name, s.events, s.images])).toEqual([
      ['DOCKER_PASSWORD', ['push', 'tag', 'deployment', 'cron', 'custom', 'promote', 'rollback'], []],
      ['SSH_KEY', ['push', 'pull_request'], ['plugins/*']],
    ]);
    expect(JSON.stringify(listed)).not.toContain('hunter2');
    expect(JSON.stringify(await store.registries.list(repo.id))).not.toContain('reg-pass');

    expect((await store.secrets.values(repo.id)).map((s) => [s.name, s.value])).toEqual([
      ['DOCKER_PASSWORD', 'hunter2-ßecret'],
      ['SSH_KEY', 'PRIVATE KEY'],
    ]);
    expect(await store.registries.credentials(repo.id)).toMatchObject([
      { address: 'registry.example.com', username: 'ci', password: 'reg-pass' },
    ]);

    const raw = await db.raw();
    const stored = await raw.all<{ value: string }>('SELECT value FROM secrets WHERE repo_id = ?', [repo.id]);
    const passwords = await raw.all<{ password: string }>(
      'SELECT password FROM registries WHERE repo_id = ?',
      [repo.id],
    );
    for (const v of [...stored.map((r) => r.value), ...passwords.map((r) => r.password)]) {
      expect(v).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
      expect(v).not.toContain('hunter2');
      expect(v).not.toContain('PRIVATE');
      expect(v).not.toContain('reg-pass');
    }
  });

  it('replaces a secret of the same name and removes one', async () => {
    const store = await db.open({ secretKey: key });
    const repo = await newRepo(store);
    await store.secrets.set(repo.id, { name: 'TOKEN', value: 'old' });
    await store.secrets.set(repo.id, { name: 'TOKEN', value: 'new', events: ['tag'] });
    expect(await store.secrets.values(repo.id)).toMatchObject([
      { name: 'TOKEN', value: 'new', events: ['tag'] },
    ]);
    expect(await store.secrets.remove(repo.id, 'TOKEN')).toBe(true);
    expect(await store.secrets.remove(repo.id, 'TOKEN')).toBe(false);
    expect(await store.secrets.list(repo.id)).toEqual([]);
  });

  it('refuses to open with a key other than the one the database was set up with', async () => {
    await (await db.open({ secretKey: key })).close();
    const wrong = db.open({ secretKey: randomBytes(32) });
    await expect(wrong).rejects.toBeInstanceOf(SecretKeyError);
    await expect(db.open({ secretKey: randomBytes(32) })).rejects.toThrow(
      /HANGAR_SECRET_KEY \(or DRONE_DATABASE_SECRET\) is not the key this database was set up with/,
    );
  });

  it('says which value cannot be decrypted when it was stored with another key', async () => {
    const store = await db.open({ secretKey: key });
    const repo = await newRepo(store);
    await store.secrets.set(repo.id, { name: 'API_TOKEN', value: 'abc' });
    // Forget the remembered key, as if the database came from elsewhere.
    const raw = await db.raw();
    await raw.run('DELETE FROM meta');
    const other = await db.open({ secretKey: randomBytes(32) });
    await expect(other.secrets.values(repo.id)).rejects.toThrow(
      new RegExp(
        `cannot decrypt secret 'API_TOKEN' of repository ${repo.id}: it was stored with another secret key`,
      ),
    );
    await raw.run('DELETE FROM meta');
    await (await db.open({ secretKey: key })).close();
  });

  it('explains how to set a key when none is configured', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    await expect(store.secrets.set(repo.id, { name: 'X', value: 'y' })).rejects.toThrow(
      /no secret key is configured.*set HANGAR_SECRET_KEY .*openssl rand -hex 32/,
    );
    expect(await store.secrets.list(repo.id)).toEqual([]);
  });

  it('refuses bad secret names and events', async () => {
    const store = await db.open({ secretKey: key });
    const repo = await newRepo(store);
    await expect(store.secrets.set(repo.id, { name: 'has space', value: 'v' })).rejects.toThrow(
      /is not valid/,
    );
    await expect(
      store.secrets.set(repo.id, { name: 'OK', value: 'v', events: ['merge' as never] }),
    ).rejects.toThrow(/secret event 'merge' is not one of/);
  });
});
