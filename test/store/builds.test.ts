import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../services/coordinator/store/index.js';
import { ENGINES, newRepo, PUSH, plan, useDatabase } from './engines.js';

const run = promisify(execFile);
const CREATOR = fileURLToPath(new URL('./create-builds.ts', import.meta.url));

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe.each(ENGINES)('builds on %s', (engine) => {
  const db = useDatabase(engine);

  it('numbers builds per repository, starting at 1', async () => {
    const store = await db.open();
    const a = await newRepo(store);
    const b = await newRepo(store);
    const numbers = [];
    for (const repo of [a, a, b, a]) numbers.push((await store.builds.create(repo.id, PUSH)).build.number);
    expect(numbers).toEqual([1, 2, 1, 3]);
    expect((await store.repos.get(a.id))?.buildCounter).toBe(3);
  });

  it('gives concurrent creates distinct, gap-free numbers', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const created = await Promise.all(range(40).map(() => store.builds.create(repo.id, PUSH)));
    expect(created.map((c) => c.build.number).sort((x, y) => x - y)).toEqual(range(40));
  });

  it('keeps numbers distinct when several processes create builds in one database at once', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const outputs = await Promise.all(
      [0, 1, 2].map(() =>
        run(
          process.execPath,
          ['--import', 'tsx', CREATOR, JSON.stringify(db.config()), String(repo.id), '15'],
          {
            timeout: 60_000,
          },
        ),
      ),
    );
    const numbers = outputs.flatMap((o) => JSON.parse(o.stdout) as number[]);
    expect(numbers.sort((x, y) => x - y)).toEqual(range(45));
  });

  it('does not hand out a number when creating the build fails, and never reuses one', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    await store.builds.create(repo.id, PUSH);
    const bad = { plan: plan('default', ['test']), status: 'exploded' as never };
    await expect(store.builds.create(repo.id, PUSH, [bad])).rejects.toThrow(/unknown job status exploded/);
    expect((await store.builds.list({ repoId: repo.id })).map((b) => b.number)).toEqual([1]);
    expect((await store.builds.create(repo.id, PUSH)).build.number).toBe(2);
    await expect(store.builds.create(987_654, PUSH)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('stores jobs per pipeline and axis with their steps: clone, services, then steps', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const created = await store.builds.create(
      repo.id,
      { ...PUSH, message: 'Fix it', author: 'ada', params: { DEPLOY: 'yes' } },
      [
        { plan: plan('test', ['unit', 'lint'], { services: ['redis'], axis: { GO: '1.22' } }) },
        { plan: plan('deploy', ['ship'], { dependsOn: ['test'], labels: { pool: 'prod' } }) },
        { plan: plan('docs', ['build'], { run: false, skipReason: 'branch main is excluded' }) },
      ],
    );
    expect(created.build).toMatchObject({
      number: 1,
      status: 'pending',
      message: 'Fix it',
      params: { DEPLOY: 'yes' },
    });
    expect(
      created.jobs.map((j) => [j.number, j.name, j.status, j.axis, j.dependsOn, j.labels, j.error]),
    ).toEqual([
      [1, 'test', 'pending', { GO: '1.22' }, [], {}, ''],
      [2, 'deploy', 'pending', {}, ['test'], { pool: 'prod' }, ''],
      [3, 'docs', 'skipped', {}, [], {}, 'branch main is excluded'],
    ]);
    const [test] = created.jobs;
    const steps = await store.steps.listByJob(test?.id ?? 0);
    expect(steps.map((s) => [s.number, s.name, s.status])).toEqual([
      [1, 'clone', 'pending'],
      [2, 'redis', 'pending'],
      [3, 'unit', 'pending'],
      [4, 'lint', 'pending'],
    ]);
    const again = await store.jobs.get(test?.id ?? 0);
    expect(again?.plan).toMatchObject({ pipeline: 'test', axis: { GO: '1.22' }, labels: {} });
    expect(again?.plan).not.toHaveProperty('steps');
    const whole = await store.jobs.plan(test?.id ?? 0);
    expect(whole?.plan.steps.map((s) => s.name)).toEqual(['unit', 'lint']);
    expect(whole?.plan.services.map((s) => s.name)).toEqual(['redis']);
    expect(JSON.parse(whole?.json ?? '{}')).toEqual(whole?.plan);
  });

  it('lists newest first with filters and paging', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    for (const branch of ['main', 'dev', 'main', 'main'])
      await store.builds.create(repo.id, { ...PUSH, branch });
    await store.builds.create(repo.id, {
      event: 'pull_request',
      ref: 'refs/merge-requests/7/head',
      sha: 'b'.repeat(40),
      mergeRequestIid: 7,
      fork: true,
    });
    const numbers = async (f: Parameters<typeof store.builds.list>[0]) =>
      (await store.builds.list({ repoId: repo.id, ...f })).map((b) => b.number);
    expect(await numbers({})).toEqual([5, 4, 3, 2, 1]);
    expect(await numbers({ branch: 'main' })).toEqual([4, 3, 1]);
    expect(await numbers({ branch: 'main', before: 4, limit: 1 })).toEqual([3]);
    expect(await numbers({ mergeRequestIid: 7 })).toEqual([5]);
    expect((await store.builds.byNumber(repo.id, 5))?.fork).toBe(true);
  });

  it('stamps start and finish times and never changes an ended build', async () => {
    let t = 1_000;
    const store = await db.open({ clock: () => t });
    const repo = await newRepo(store);
    const { build } = await store.builds.create(repo.id, PUSH);
    t = 2_000;
    expect(await store.builds.setStatus(build.id, 'running')).toMatchObject({
      status: 'running',
      startedAt: 2_000,
    });
    expect(await store.builds.countRunning(repo.id)).toBe(1);
    t = 3_000;
    expect(await store.builds.setStatus(build.id, 'failure', 'step test failed')).toMatchObject({
      status: 'failure',
      error: 'step test failed',
      startedAt: 2_000,
      finishedAt: 3_000,
    });
    expect(await store.builds.setStatus(build.id, 'success')).toBeUndefined();
    expect((await store.builds.get(build.id))?.status).toBe('failure');
  });

  it('cancels: unstarted jobs end as killed, running ones are marked for their runner', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const runner = await store.runners.register({ name: `r-${engine}-cancel` });
    const { build, jobs } = await store.builds.create(repo.id, PUSH, [
      { plan: plan('a', ['x']) },
      { plan: plan('b', ['y']) },
    ]);
    const lease = await store.jobs.claim(jobs[0]?.id ?? 0, runner.id, 30_000);
    expect(lease).toBeDefined();
    const result = await store.builds.cancel(build.id);
    expect(result.cancelled).toBe(true);
    expect(result.build.status).toBe('killed');
    expect(result.stopped.map((j) => [j.name, j.status])).toEqual([['b', 'killed']]);
    expect(result.running.map((j) => [j.name, j.status, j.cancelRequested])).toEqual([
      ['a', 'running', true],
    ]);
    expect((await store.steps.listByJob(jobs[1]?.id ?? 0)).map((s) => s.status)).toEqual([
      'skipped',
      'skipped',
    ]);
    expect(await store.jobs.extend(jobs[0]?.id ?? 0, lease?.token ?? '', 30_000)).toMatchObject({
      cancelled: true,
    });
    const twice = await store.builds.cancel(build.id);
    expect(twice.cancelled).toBe(false);
  });
});
