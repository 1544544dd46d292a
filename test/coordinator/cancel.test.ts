/**
 * Cancelling: a queued job ends at once; a running job's runner hears it on
 * NATS and from its next lease extension; a newer push to a branch cancels
 * the older build when the repository asks for it.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, pipeline, waitFor } from './harness.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await Cluster.start();
});
afterAll(async () => {
  await cluster?.dispose();
});

describe('cancel', () => {
  it('kills a queued job at once, and a runner that takes its message is refused', async () => {
    const repo = await cluster.repo();
    const created = await cluster.createBuild(repo, pipeline('default', ['test']));
    const jobId = Number(created.jobs[0]?.id);
    await waitFor(
      'the job to be queued',
      async () => (await cluster.store.jobs.get(jobId))?.status === 'queued',
    );
    const t0 = Date.now();
    const cancelled = await cluster.cancelBuild(repo, created.number);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(cancelled.status).toBe('KILLED');
    expect(cancelled.jobs[0]?.status).toBe('KILLED');
    expect(cancelled.jobs[0]?.steps.map((s) => s.status)).toEqual(['SKIPPED', 'SKIPPED']);

    const runner = await cluster.runner('late-taker');
    await runner.register();
    const d = await runner.next(15_000, jobId);
    await expect(runner.accept(d.jobId)).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    d.ack();
  });

  it('tells the runner of a running job on NATS and in the lease extension', async () => {
    const repo = await cluster.repo();
    const runner = await cluster.runner('cancel-running');
    await runner.register();
    const heard: string[] = [];
    const sub = runner.bus.onCancel((id) => heard.push(id));
    await runner.bus.flush();
    const created = await cluster.createBuild(repo, pipeline('default', ['sleep']));
    const job = await runner.acceptNext(15_000, Number(created.jobs[0]?.id));
    await runner.step(job.jobId, job.leaseToken, job.steps[1]!.id, 'RUNNING');
    expect((await runner.extend(job.jobId, job.leaseToken)).cancelled).toBe(false);

    const t0 = Date.now();
    const b = await cluster.cancelBuild(repo, created.number);
    expect(b.status).toBe('KILLED');
    await waitFor('the cancel signal', () => heard.includes(String(job.jobId)), 3000);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await runner.extend(job.jobId, job.leaseToken)).cancelled).toBe(true);

    await runner.step(job.jobId, job.leaseToken, job.steps[1]!.id, 'KILLED', { exitCode: 137 });
    await runner.complete(job.jobId, job.leaseToken, 'KILLED');
    const done = await cluster.getBuild(repo, created.number);
    expect(done.status).toBe('KILLED');
    expect(done.jobs[0]?.status).toBe('KILLED');
    expect(done.jobs[0]?.steps.map((s) => s.status)).toEqual(['SKIPPED', 'KILLED']);
    sub.unsubscribe();
  });

  it('cancels the older build of a branch when a newer one comes, if the repository asks', async () => {
    const repo = await cluster.repo({ cancelPrevious: true });
    const runner = await cluster.runner('cancel-previous');
    await runner.register();
    const heard: string[] = [];
    const sub = runner.bus.onCancel((id) => heard.push(id));
    await runner.bus.flush();
    const first = await cluster.createBuild(repo, pipeline('default', ['test']));
    const job = await runner.acceptNext(15_000, Number(first.jobs[0]?.id));
    const other = await cluster.createBuild(repo, pipeline('default', ['test']), {
      ref: 'refs/heads/feature',
      branch: 'feature',
    });
    expect((await cluster.getBuild(repo, first.number)).status).toBe('RUNNING');

    const second = await cluster.createBuild(repo, pipeline('default', ['test']));
    const old = await cluster.getBuild(repo, first.number);
    expect(old.status).toBe('KILLED');
    await waitFor('the cancel signal', () => heard.includes(String(job.jobId)), 3000);
    expect((await runner.extend(job.jobId, job.leaseToken)).cancelled).toBe(true);
    expect((await cluster.getBuild(repo, second.number)).status).not.toBe('KILLED');
    expect((await cluster.getBuild(repo, other.number)).status).not.toBe('KILLED');

    const plain = await cluster.repo();
    const a = await cluster.createBuild(plain, pipeline('default', ['test']));
    await cluster.createBuild(plain, pipeline('default', ['test']));
    expect((await cluster.getBuild(plain, a.number)).status).not.toBe('KILLED');
    sub.unsubscribe();
  });
});
