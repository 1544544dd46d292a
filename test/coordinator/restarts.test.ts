/**
 * Things going away mid-build: the coordinator restarts on the same SQLite
 * file and NATS (the build completes, its log intact); NATS restarts (a job
 * published before is delivered after; one published while NATS was down is
 * published again); a job message that vanished is published again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, pipeline, sleep, waitFor } from './harness.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await Cluster.start({ lease: '5s', redispatchAfter: '1s' });
});
afterAll(async () => {
  await cluster?.dispose();
});

const TWO_STAGES = `kind: pipeline
name: first
steps:
- name: a
  image: hangar/busybox:latest
  commands: [echo a]
---
kind: pipeline
name: second
depends_on: [first]
steps:
- name: b
  image: hangar/busybox:latest
  commands: [echo b]
`;

describe('coordinator restart', () => {
  it('finishes a build that was running when the coordinator restarted, with its log intact', async () => {
    const repo = await cluster.repo();
    const runner = await cluster.runner('restart-sim');
    await runner.register();
    const b = await cluster.createBuild(repo, TWO_STAGES);
    const job = await runner.acceptNext(15_000, Number(b.jobs[0]?.id));
    const stepId = job.steps[1]!.id;
    await runner.step(job.jobId, job.leaseToken, stepId, 'RUNNING');
    const before = runner.logs();
    for (let seq = 1; seq <= 3; seq++) before.send(job.jobId, job.leaseToken, stepId, seq, [`line ${seq}`]);
    await waitFor('acknowledged', () => before.ackedFor(stepId) === 3);
    before.send(job.jobId, job.leaseToken, stepId, 4, ['line 4']);

    await cluster.coordinator.stop();
    await expect(before.ended).rejects.toBeDefined();
    const acked = before.ackedFor(stepId);
    await cluster.startCoordinator();

    // The runner carries on: its lease is in the database, its unacknowledged batches are resent.
    expect((await runner.extend(job.jobId, job.leaseToken)).cancelled).toBe(false);
    const after = runner.logs();
    for (let seq = acked + 1; seq <= 6; seq++)
      after.send(job.jobId, job.leaseToken, stepId, seq, [`line ${seq}`]);
    await waitFor('acknowledged after the restart', () => after.ackedFor(stepId) === 6);
    after.call.end();
    await after.ended;
    await runner.step(job.jobId, job.leaseToken, stepId, 'SUCCESS');
    await runner.complete(job.jobId, job.leaseToken, 'SUCCESS');

    // The dependent pipeline is dispatched by the new coordinator.
    const second = await runner.acceptNext(15_000, Number(b.jobs[1]?.id));
    await runner.runAll(second);
    const done = await cluster.waitStatus(repo, b.number, 'SUCCESS');
    expect(done.jobs.map((j) => j.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(await cluster.store.logs.text(stepId)).toBe('line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n');
  });
});

describe('NATS restart', () => {
  it('delivers a job published before NATS restarted', async () => {
    const repo = await cluster.repo();
    const b = await cluster.createBuild(repo, pipeline('default', ['test']));
    const jobId = Number(b.jobs[0]?.id);
    await waitFor('queued', async () => (await cluster.store.jobs.get(jobId))?.status === 'queued');
    await cluster.nats.stop();
    await cluster.nats.start();
    const runner = await cluster.runner('after-nats-restart');
    await runner.register();
    const job = await runner.acceptNext(20_000, jobId);
    await runner.runAll(job);
    await cluster.waitStatus(repo, b.number, 'SUCCESS');
  });

  it('publishes a job made while NATS was down once NATS is back', async () => {
    const repo = await cluster.repo();
    await cluster.nats.stop();
    const b = await cluster.createBuild(repo, pipeline('default', ['test']));
    expect(b.status).toBe('PENDING');
    await sleep(1500);
    await cluster.nats.start();
    const runner = await cluster.runner('nats-came-back');
    await runner.register();
    const job = await runner.acceptNext(30_000, Number(b.jobs[0]?.id));
    await runner.runAll(job);
    await cluster.waitStatus(repo, b.number, 'SUCCESS');
  });

  it('publishes again a queued job whose message vanished', async () => {
    const repo = await cluster.repo();
    const runner = await cluster.runner('vanishing');
    await runner.register();
    const b = await cluster.createBuild(repo, pipeline('default', ['test']));
    const jobId = Number(b.jobs[0]?.id);
    // A runner that takes the message and dies after acknowledging it, before Accept.
    const lost = await runner.next(15_000, jobId);
    lost.ack();
    const job = await runner.acceptNext(15_000, jobId);
    expect(job.attempt).toBe(1);
    await runner.runAll(job);
    await cluster.waitStatus(repo, b.number, 'SUCCESS');
  });
});
