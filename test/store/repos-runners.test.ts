import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../services/coordinator/store/index.js';
import { ENGINES, newRepo, useDatabase } from './engines.js';

describe.each(ENGINES)('repositories on %s', (engine) => {
  const db = useDatabase(engine);

  it('registers a project with Drone-like defaults and finds it by id, project and path', async () => {
    const store = await db.open();
    const repo = await store.repos.create({
      projectId: 42,
      slug: 'Group/Sub/App',
      cloneUrl: 'https://gitlab.example.com/group/sub/app.git',
    });
    expect(repo).toMatchObject({
      projectId: 42,
      slug: 'Group/Sub/App',
      defaultBranch: 'main',
      active: false,
      configPath: '.drone.yml',
      trusted: false,
      timeoutMinutes: 60,
      concurrency: 0,
      cancelPrevious: false,
      allowForkSecrets: false,
      visibility: 'private',
      buildCounter: 0,
      hasHookToken: false,
    });
    expect((await store.repos.byProjectId(42))?.id).toBe(repo.id);
    expect((await store.repos.bySlug('group/sub/app'))?.id).toBe(repo.id);
    await expect(
      store.repos.create({ projectId: 43, slug: 'group/sub/APP', cloneUrl: 'x' }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(store.repos.create({ projectId: 42, slug: 'other/name', cloneUrl: 'x' })).rejects.toThrow(
      /repository other\/name \(GitLab project 42\) is registered already/,
    );
  });

  it('changes settings and refuses impossible ones', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const updated = await store.repos.update(repo.id, {
      active: true,
      trusted: true,
      timeoutMinutes: 90,
      concurrency: 2,
      cancelPrevious: true,
      configPath: '.ci/drone.yml',
    });
    expect(updated).toMatchObject({
      active: true,
      trusted: true,
      timeoutMinutes: 90,
      concurrency: 2,
      cancelPrevious: true,
    });
    expect((await store.repos.list({ active: true })).map((r) => r.id)).toContain(repo.id);
    await expect(store.repos.update(repo.id, { timeoutMinutes: 0 })).rejects.toThrow(/timeout must be/);
    await expect(store.repos.update(repo.id, { visibility: 'secret' as never })).rejects.toThrow(
      /visibility/,
    );
  });

  it('checks the webhook token without keeping it in clear', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    expect(await store.repos.verifyHookToken(repo.id, '')).toBe(false);
    const withHook = await store.repos.setHook(repo.id, { hookId: 77, token: 'hook-token-123' });
    expect(withHook).toMatchObject({ hookId: 77, hasHookToken: true });
    expect(await store.repos.verifyHookToken(repo.id, 'hook-token-123')).toBe(true);
    expect(await store.repos.verifyHookToken(repo.id, 'hook-token-124')).toBe(false);
    const raw = await db.raw();
    const row = await raw.get<{ hook_token_hash: string }>('SELECT hook_token_hash FROM repos WHERE id = ?', [
      repo.id,
    ]);
    expect(row?.hook_token_hash).not.toContain('hook-token-123');
  });

  it('deletes a repository with its builds', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    await store.builds.create(repo.id, { event: 'push', ref: 'refs/heads/main', sha: 'c'.repeat(40) });
    expect(await store.repos.remove(repo.id)).toBe(true);
    expect(await store.builds.list({ repoId: repo.id })).toEqual([]);
  });
});

describe.each(ENGINES)('runners on %s', (engine) => {
  const db = useDatabase(engine);

  it('registers by name idempotently and updates what the runner reports', async () => {
    const store = await db.open();
    const first = await store.runners.register({ name: 'build-1', labels: { os: 'linux' }, capacity: 2 });
    const again = await store.runners.register({
      name: 'build-1',
      labels: { gpu: 'yes' },
      capacity: 4,
      version: '0.2',
    });
    expect(again.id).toBe(first.id);
    expect(again).toMatchObject({ labels: { gpu: 'yes' }, capacity: 4, version: '0.2', running: 0 });
    expect((await store.runners.list()).filter((r) => r.name === 'build-1')).toHaveLength(1);
    await expect(store.runners.register({ name: 'x', capacity: 0 })).rejects.toThrow(
      /capacity must be 1 or more/,
    );
  });

  it('authenticates a per-runner token; a replaced token stops working', async () => {
    const store = await db.open();
    const runner = await store.runners.register({ name: 'tokened' });
    const token = await store.runners.issueToken(runner.id);
    expect((await store.runners.authenticate(token))?.id).toBe(runner.id);
    expect(await store.runners.authenticate(`${token}x`)).toBeUndefined();
    const next = await store.runners.issueToken(runner.id);
    expect(await store.runners.authenticate(token)).toBeUndefined();
    expect((await store.runners.authenticate(next))?.name).toBe('tokened');
  });
});
