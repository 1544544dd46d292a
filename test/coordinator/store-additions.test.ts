/**
 * The store pieces the coordinator relies on beyond the data layer's own
 * tests: jobs planned inside the create transaction, the kept pipeline file
 * and clone credentials, handing a job back, and the active-job counts.
 */
import { describe, expect, it } from 'vitest';
import { LeaseLostError, SecretKeyError } from '../../services/coordinator/store/index.js';
import { ENGINES, newRepo, PUSH, plan, useDatabase } from '../store/engines.js';

const KEY = Buffer.alloc(32, 7);

describe.each(ENGINES)('coordinator store additions on %s', (engine) => {
  const db = useDatabase(engine);

  it('plans jobs with the build number it is given, inside the create transaction', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    await store.builds.create(repo.id, PUSH);
    const made = await store.builds.create(repo.id, PUSH, (build) => ({
      jobs: [{ plan: plan(`build-${build.number}`, ['test']) }],
    }));
    expect(made.build.number).toBe(2);
    expect(made.jobs.map((j) => j.name)).toEqual(['build-2']);
    expect(made.build.status).toBe('pending');
  });

  it('ends a build at creation when the planner says so', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const made = await store.builds.create(repo.id, PUSH, () => ({
      jobs: [],
      status: 'error',
      error: '.drone.yml:3:5: steps must be a list',
    }));
    expect(made.build.status).toBe('error');
    expect(made.build.error).toBe('.drone.yml:3:5: steps must be a list');
    expect(made.build.finishedAt).toBeDefined();
    expect((await store.builds.get(made.build.id))?.status).toBe('error');
  });

  it('keeps the pipeline file, and clone credentials only encrypted', async () => {
    const store = await db.open({ secretKey: KEY });
    const repo = await newRepo(store);
    const netrc = { machine: 'gitlab.example.com', login: 'oauth2', password: 'glpat-very-secret' };
    const { build } = await store.builds.create(repo.id, { ...PUSH, config: 'kind: pipeline\n', netrc });
    expect(await store.builds.inputs(build.id)).toEqual({ config: 'kind: pipeline\n', netrc });
    const raw = await db.raw();
    const row = await raw.get<{ netrc: string }>('SELECT netrc FROM build_inputs WHERE build_id = ?', [
      build.id,
    ]);
    expect(row?.netrc).not.toContain('glpat-very-secret');

    const plain = await db.open();
    expect(plain.canEncrypt).toBe(false);
    await expect(plain.builds.create(repo.id, { ...PUSH, netrc })).rejects.toBeInstanceOf(SecretKeyError);
    const { build: noNetrc } = await plain.builds.create(repo.id, { ...PUSH, config: 'x' });
    expect(await plain.builds.inputs(noNetrc.id)).toEqual({ config: 'x' });
    expect(await plain.builds.inputs(987_654)).toBeUndefined();
  });

  it('reads what Accept tells a runner in one go: the build, the plan as stored, the clone credentials', async () => {
    const store = await db.open({ secretKey: KEY });
    const repo = await newRepo(store);
    const netrc = { machine: 'gitlab.example.com', login: 'oauth2', password: 'glpat-for-accept' };
    const made = await store.builds.create(repo.id, { ...PUSH, message: 'Accept me', netrc }, [
      { plan: plan('one', ['unit']) },
      { plan: plan('two', ['lint', 'vet']) },
    ]);
    const [one, two] = made.jobs;
    const view = await store.builds.forAccept(made.build.id, two?.id ?? 0);
    expect(view?.build).toEqual(await store.builds.get(made.build.id));
    expect(view?.planJson).toBe((await store.jobs.plan(two?.id ?? 0))?.json);
    expect(JSON.parse(view?.planJson ?? '{}').steps.map((s: { name: string }) => s.name)).toEqual([
      'lint',
      'vet',
    ]);
    expect(view?.netrc).toEqual(netrc);
    expect(
      JSON.parse((await store.builds.forAccept(made.build.id, one?.id ?? 0))?.planJson ?? '{}').pipeline,
    ).toBe('one');

    const { build: bare } = await store.builds.create(repo.id, PUSH, [{ plan: plan('bare', ['x']) }]);
    const bareJob = (await store.jobs.listByBuild(bare.id))[0];
    const noNetrc = await store.builds.forAccept(bare.id, bareJob?.id ?? 0);
    expect(noNetrc?.build.id).toBe(bare.id);
    expect(noNetrc).not.toHaveProperty('netrc');
    expect(await store.builds.forAccept(made.build.id, 987_654)).toBeUndefined();
    expect(await store.builds.forAccept(987_654, two?.id ?? 0)).toBeUndefined();
  });

  it('takes a handed-back job away from its runner and offers it again', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const runner = await store.runners.register({ name: `r-${engine}-release` });
    const { jobs, steps } = await store.builds.create(repo.id, PUSH, [{ plan: plan('default', ['test']) }]);
    const job = jobs[0]!;
    const lease = await store.jobs.claim(job.id, runner.id, 60_000);
    await store.steps.update(steps[0]!.id, { jobId: job.id, token: lease!.token }, { status: 'running' });
    await store.logs.append(steps[0]!.id, [{ seq: 1, lines: ['cloning'] }], {
      jobId: job.id,
      token: lease!.token,
    });

    const back = await store.jobs.release(job.id, lease!.token);
    expect(back.status).toBe('pending');
    expect(back.runnerId).toBeUndefined();
    expect((await store.steps.listByJob(job.id)).map((s) => s.status)).toEqual(['pending', 'pending']);
    expect(await store.logs.text(steps[0]!.id)).toBe('');
    await expect(store.jobs.release(job.id, lease!.token)).rejects.toBeInstanceOf(LeaseLostError);

    const again = await store.jobs.claim(job.id, runner.id, 60_000);
    expect(again?.attempt).toBe(2);
  });

  it('ends a handed-back job as killed when a cancel is pending', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const runner = await store.runners.register({ name: `r-${engine}-release-cancel` });
    const { build, jobs } = await store.builds.create(repo.id, PUSH, [{ plan: plan('default', ['test']) }]);
    const lease = await store.jobs.claim(jobs[0]!.id, runner.id, 60_000);
    await store.builds.cancel(build.id);
    const back = await store.jobs.release(jobs[0]!.id, lease!.token);
    expect(back.status).toBe('killed');
    expect((await store.steps.listByJob(back.id)).every((s) => s.status === 'killed')).toBe(true);
  });

  it('counts pending, queued and running jobs', async () => {
    const store = await db.open();
    const before = await store.jobs.countActive();
    const repo = await newRepo(store);
    const runner = await store.runners.register({ name: `r-${engine}-count` });
    const { jobs } = await store.builds.create(repo.id, PUSH, [
      { plan: plan('a', ['x']) },
      { plan: plan('b', ['x']) },
      { plan: plan('c', ['x']) },
    ]);
    await store.jobs.markQueued([jobs[1]!.id, jobs[2]!.id]);
    await store.jobs.claim(jobs[2]!.id, runner.id, 60_000);
    const after = await store.jobs.countActive();
    expect({
      pending: after.pending - before.pending,
      queued: after.queued - before.queued,
      running: after.running - before.running,
    }).toEqual({ pending: 1, queued: 1, running: 1 });
  });

  it('queues pending jobs and returns only those it moved', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const { jobs } = await store.builds.create(repo.id, PUSH, [
      { plan: plan('a', ['x']) },
      { plan: plan('b', ['x']) },
    ]);
    await store.jobs.finish(jobs[1]!.id, 'killed');
    const moved = await store.jobs.queue(jobs.map((j) => j.id));
    expect(moved.map((j) => [j.name, j.status])).toEqual([['a', 'queued']]);
    expect(await store.jobs.queue([jobs[0]!.id])).toEqual([]);
  });

  it("lists the states of a build's jobs without their plans", async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const { build, jobs } = await store.builds.create(repo.id, PUSH, [
      { plan: plan('a', ['x']) },
      { plan: plan('b', ['x']) },
    ]);
    await store.jobs.finish(jobs[1]!.id, 'skipped', 'not today');
    expect(await store.jobs.statesByBuild(build.id)).toEqual([
      { id: jobs[0]!.id, number: 1, name: 'a', status: 'pending', error: '' },
      { id: jobs[1]!.id, number: 2, name: 'b', status: 'skipped', error: 'not today' },
    ]);
  });

  it('lists the jobs of a build without their plans, everything else as listByBuild has it', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const { build } = await store.builds.create(repo.id, PUSH, [
      { plan: plan('a', ['x'], { dependsOn: [] }) },
    ]);
    const [full] = await store.jobs.listByBuild(build.id);
    const [summary] = await store.jobs.summariesByBuild(build.id);
    const { plan: _, ...rest } = full!;
    expect(summary).toEqual(rest);
    expect(summary).not.toHaveProperty('plan');
  });
});
