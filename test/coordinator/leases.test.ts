/**
 * Who holds a job: one of two competing runners wins Accept; a lapsed lease
 * sends the job to another runner once, and fails it as "runner lost" the
 * second time; a runner that lost its lease is refused on every later call;
 * a runner that shuts down can hand a job back.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_LOST } from '../../services/coordinator/store/index.js';
import { Cluster, pipeline, sleep, waitFor } from './harness.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await Cluster.start({ lease: '1500ms' });
});
afterAll(async () => {
  await cluster?.dispose();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (err: { code?: number }) => err.code,
  );

describe('leases', () => {
  it('gives a job to exactly one of two runners that both try to accept it', async () => {
    const repo = await cluster.repo();
    const a = await cluster.runner('compete-a');
    const b = await cluster.runner('compete-b');
    await Promise.all([a.register(), b.register()]);
    const created = await cluster.createBuild(repo, pipeline('default', ['test']));
    const d = await a.next(15_000, Number(created.jobs[0]?.id));
    const results = await Promise.allSettled([a.accept(d.jobId), b.accept(d.jobId)]);
    d.ack();
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason.code).toBe(status.FAILED_PRECONDITION);
    expect(lost[0]?.reason.details).toMatch(/is not available: another runner took it/);
    const job = await cluster.store.jobs.get(Number(d.jobId));
    expect(job?.attempt).toBe(1);
    const winner = results[0]?.status === 'fulfilled' ? a : b;
    expect(job?.runnerId).toBe(winner.id);
    const lease = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof a.accept>>>).value;
    await winner.runAll({ ...lease, jobId: Number(d.jobId) });
    expect((await cluster.waitStatus(repo, created.number, 'SUCCESS')).jobs[0]?.attempt).toBe(1);
  });

  it('requeues a job whose lease lapsed to another runner once, then fails it as runner lost', async () => {
    const repo = await cluster.repo();
    const first = await cluster.runner('lapse-1');
    const second = await cluster.runner('lapse-2');
    await Promise.all([first.register(), second.register()]);
    const created = await cluster.createBuild(repo, pipeline('default', ['build', 'test']));

    const one = await first.acceptNext(15_000, Number(created.jobs[0]?.id));
    expect(one.attempt).toBe(1);
    await first.step(one.jobId, one.leaseToken, one.steps[0]!.id, 'RUNNING');
    const logs = first.logs();
    logs.send(one.jobId, one.leaseToken, one.steps[0]!.id, 1, ['from the first attempt']);
    await waitFor('first log acknowledged', () => logs.ackedFor(one.steps[0]!.id) === 1);
    logs.call.end();
    // The first runner goes silent: no ExtendLease.

    const two = await second.acceptNext(10_000, one.jobId);
    expect(two.jobId).toBe(one.jobId);
    expect(two.attempt).toBe(2);
    expect(two.steps.map((s) => s.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect(await cluster.store.logs.text(one.steps[0]!.id)).toBe('');

    // The zombie's late reports are refused.
    expect(await code(first.extend(one.jobId, one.leaseToken))).toBe(status.FAILED_PRECONDITION);
    expect(await code(first.step(one.jobId, one.leaseToken, one.steps[1]!.id, 'SUCCESS'))).toBe(
      status.FAILED_PRECONDITION,
    );
    expect(await code(first.complete(one.jobId, one.leaseToken, 'SUCCESS'))).toBe(status.FAILED_PRECONDITION);
    const late = first.logs();
    late.send(one.jobId, one.leaseToken, one.steps[1]!.id, 1, ['zombie line']);
    await expect(late.ended).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(await cluster.store.logs.text(one.steps[1]!.id)).toBe('');

    // The second runner keeps its lease for a while, then goes silent too.
    await second.step(two.jobId, two.leaseToken, two.steps[0]!.id, 'RUNNING');
    for (let i = 0; i < 4; i++) {
      await sleep(500);
      expect((await second.extend(two.jobId, two.leaseToken)).cancelled).toBe(false);
    }
    const failed = await cluster.waitStatus(repo, created.number, 'ERROR', 15_000);
    const job = failed.jobs[0]!;
    expect(job.status).toBe('ERROR');
    expect(job.error).toBe(RUNNER_LOST);
    expect(job.attempt).toBe(2);
    expect(job.steps.map((s) => s.status)).toEqual(['ERROR', 'ERROR', 'ERROR']);
    expect(job.steps.every((s) => s.error === RUNNER_LOST)).toBe(true);
    expect(failed.error).toContain('runner lost');
    // Nothing offers the job a third time.
    expect(await second.take(1, 1500)).toEqual([]);
  });

  it('takes a handed-back job away at once and gives it to another runner', async () => {
    const repo = await cluster.repo();
    const leaving = await cluster.runner('handback-1');
    const staying = await cluster.runner('handback-2');
    await Promise.all([leaving.register(), staying.register()]);
    const created = await cluster.createBuild(repo, pipeline('default', ['test']));
    const job = await leaving.acceptNext(15_000, Number(created.jobs[0]?.id));
    await leaving.step(job.jobId, job.leaseToken, job.steps[0]!.id, 'RUNNING');
    const t0 = Date.now();
    await leaving.complete(job.jobId, job.leaseToken, 'PENDING');
    const again = await staying.acceptNext(5000, job.jobId);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(again.jobId).toBe(job.jobId);
    expect(again.steps.every((s) => s.status === 'PENDING')).toBe(true);
    await staying.runAll(again);
    await cluster.waitStatus(repo, created.number, 'SUCCESS');
  });
});
