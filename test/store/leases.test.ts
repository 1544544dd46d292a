import { describe, expect, it } from 'vitest';
import { LeaseLostError, RUNNER_LOST } from '../../services/coordinator/store/index.js';
import { ENGINES, manualClock, newRepo, PUSH, plan, useDatabase } from './engines.js';

const LEASE = 30_000;

describe.each(ENGINES)('job leases on %s', (engine) => {
  const db = useDatabase(engine);

  async function setup(name: string) {
    const clock = manualClock();
    const store = await db.open({ clock: clock.now });
    const repo = await newRepo(store);
    const runners = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => store.runners.register({ name: `${engine}-${name}-${i}` })),
    );
    const { jobs } = await store.builds.create(repo.id, PUSH, [{ plan: plan('default', ['build', 'test']) }]);
    const job = jobs[0];
    if (!job) throw new Error('no job');
    return { store, clock, runners, job };
  }

  it('gives a job to exactly one of several runners claiming it at once', async () => {
    const { store, runners, job } = await setup('race');
    await store.jobs.markQueued([job.id]);
    const claims = await Promise.all(runners.map((r) => store.jobs.claim(job.id, r.id, LEASE)));
    const winners = claims.filter((c) => c !== undefined);
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    const held = await store.jobs.get(job.id);
    expect(held).toMatchObject({ status: 'running', attempt: 1, runnerId: winner?.job.runnerId });
    expect(await store.runners.get(winner?.job.runnerId ?? 0)).toMatchObject({ running: 1 });
  });

  it('extends a lease only for the token that holds it', async () => {
    const { store, clock, runners, job } = await setup('extend');
    const lease = await store.jobs.claim(job.id, runners[0]?.id ?? 0, LEASE);
    if (!lease) throw new Error('claim failed');
    clock.advance(20_000);
    await expect(store.jobs.extend(job.id, 'not-the-token', LEASE)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.jobs.extend(job.id, lease.token, LEASE)).toEqual({
      cancelled: false,
      expiresAt: clock.now() + LEASE,
    });
    // 20 s after the first lease would have lapsed, the extended one still holds.
    clock.advance(20_000);
    const expired = await store.jobs.expireLeases();
    expect(expired.filter((e) => e.job.id === job.id)).toEqual([]);
    await store.jobs.extend(job.id, lease.token, LEASE);
  });

  it('requeues a job whose runner went silent; the old token is refused everywhere', async () => {
    const { store, clock, runners, job } = await setup('expire');
    const first = await store.jobs.claim(job.id, runners[0]?.id ?? 0, LEASE);
    if (!first) throw new Error('claim failed');
    const [clone] = await store.steps.listByJob(job.id);
    const proof = { jobId: job.id, token: first.token };
    await store.steps.update(clone?.id ?? 0, proof, { status: 'running', startedAt: clock.now() });
    await store.logs.append(clone?.id ?? 0, [{ seq: 1, lines: ['Cloning into /drone/src'] }], proof);

    clock.advance(LEASE + 1);
    // A lapsed lease is lost even before the sweep.
    await expect(store.jobs.extend(job.id, first.token, LEASE)).rejects.toBeInstanceOf(LeaseLostError);
    const expired = (await store.jobs.expireLeases()).filter((e) => e.job.id === job.id);
    expect(expired.map((e) => [e.job.id, e.job.status, e.requeued])).toEqual([[job.id, 'pending', true]]);
    expect((await store.jobs.expireLeases()).filter((e) => e.job.id === job.id)).toEqual([]);
    // The lost attempt's step states and log are gone; the job starts over.
    const steps = await store.steps.listByJob(job.id);
    expect(steps.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);
    expect(await store.logs.text(clone?.id ?? 0)).toBe('');

    const second = await store.jobs.claim(job.id, runners[1]?.id ?? 0, LEASE);
    expect(second).toMatchObject({ attempt: 2 });
    expect(second?.token).not.toBe(first.token);
    // The first runner comes back: nothing it sends is accepted.
    await expect(store.jobs.extend(job.id, first.token, LEASE)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.jobs.complete(job.id, first.token, 'success')).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.steps.update(clone?.id ?? 0, proof, { status: 'success' })).rejects.toThrow(
      /no longer holds the job's lease/,
    );
    await expect(
      store.logs.append(clone?.id ?? 0, [{ seq: 1, lines: ['late'] }], proof),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.logs.text(clone?.id ?? 0)).toBe('');
  });

  it('fails a job with "runner lost" when its last attempt lapses too, and says so on its steps', async () => {
    const { store, clock, runners, job } = await setup('lost');
    for (const runner of runners.slice(0, 2)) {
      expect(await store.jobs.claim(job.id, runner.id, LEASE)).toBeDefined();
      clock.advance(LEASE + 1);
      await store.jobs.expireLeases({ maxAttempts: 2 });
    }
    const ended = await store.jobs.get(job.id);
    expect(ended).toMatchObject({ status: 'error', error: RUNNER_LOST, attempt: 2, finishedAt: clock.now() });
    const steps = await store.steps.listByJob(job.id);
    expect(steps.map((s) => [s.status, s.error])).toEqual([
      ['error', RUNNER_LOST],
      ['error', RUNNER_LOST],
      ['error', RUNNER_LOST],
    ]);
    expect(await store.jobs.claim(job.id, runners[2]?.id ?? 0, LEASE)).toBeUndefined();
  });

  it('completes with the token once; later reports are refused and unreported steps close', async () => {
    const { store, runners, job } = await setup('complete');
    const lease = await store.jobs.claim(job.id, runners[0]?.id ?? 0, LEASE);
    if (!lease) throw new Error('claim failed');
    const steps = await store.steps.listByJob(job.id);
    const proof = { jobId: job.id, token: lease.token };
    await store.steps.update(steps[0]?.id ?? 0, proof, { status: 'success', exitCode: 0, finishedAt: 5 });
    const failed = await store.steps.update(steps[1]?.id ?? 0, proof, {
      status: 'failure',
      exitCode: 137,
      oomKilled: true,
      error: 'killed: out of memory',
    });
    expect(failed).toMatchObject({ status: 'failure', exitCode: 137, oomKilled: true });
    await expect(store.jobs.complete(job.id, 'wrong', 'failure')).rejects.toBeInstanceOf(LeaseLostError);
    const done = await store.jobs.complete(job.id, lease.token, 'failure', 'step build failed');
    expect(done).toMatchObject({ status: 'failure', error: 'step build failed' });
    expect((await store.steps.listByJob(job.id)).map((s) => s.status)).toEqual([
      'success',
      'failure',
      'skipped',
    ]);
    await expect(store.jobs.complete(job.id, lease.token, 'success')).rejects.toBeInstanceOf(LeaseLostError);
    expect((await store.jobs.get(job.id))?.status).toBe('failure');
    expect(await store.jobs.claim(job.id, runners[1]?.id ?? 0, LEASE)).toBeUndefined();
  });

  it('ends a lapsed job as killed when a cancel was pending', async () => {
    const { store, clock, runners, job } = await setup('cancel-lost');
    await store.jobs.claim(job.id, runners[0]?.id ?? 0, LEASE);
    await store.builds.cancel(job.buildId);
    clock.advance(LEASE + 1);
    const expired = (await store.jobs.expireLeases()).find((e) => e.job.id === job.id);
    expect(expired).toMatchObject({ requeued: false, job: { status: 'killed' } });
  });

  it('does not give a cancelled or ended job to a runner', async () => {
    const { store, runners, job } = await setup('no-claim');
    await store.builds.cancel(job.buildId);
    expect(await store.jobs.claim(job.id, runners[0]?.id ?? 0, LEASE)).toBeUndefined();
    expect((await store.jobs.get(job.id))?.status).toBe('killed');
  });
});
