/**
 * However the running job of a limited pipeline ends (failure, cancel of its
 * build, its runner lost), the next waiting build in build order starts; a
 * job whose lease lapsed once goes back to the head of the line, not behind
 * the builds that waited. Simulated runners, real NATS, both store engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Build__Output } from '../../proto/generated/hangar/v1/Build.js';
import { shellPipeline } from './docker-runner.js';
import { Cluster, type SimRunner } from './harness.js';

const deploy = shellPipeline('deploy', ['echo deploying'], 'concurrency:\n  limit: 1');

describe.each(['sqlite', 'postgres'] as const)('limited pipeline endings on %s', (engine) => {
  let cluster: Cluster;
  let runner: SimRunner;
  beforeAll(async () => {
    cluster = await Cluster.start({ engine, lease: '1500ms' });
    runner = await cluster.runner(`endings-${engine}`);
    await runner.register();
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  const jobOf = (b: Build__Output) => Number(b.jobs[0]?.id);

  it('starts the next build after a failure, a cancel of the running build and a lost runner', async () => {
    const repo = await cluster.repo();
    const builds: Build__Output[] = [];
    for (let i = 0; i < 4; i++) builds.push(await cluster.createBuild(repo, deploy));
    const [one, two, three, four] = builds as [Build__Output, Build__Output, Build__Output, Build__Output];

    // Failure: the next in build order starts.
    const first = await runner.acceptNext(15_000);
    expect(first.jobId).toBe(jobOf(one));
    await runner.runAll(first, 'FAILURE');
    await cluster.waitStatus(repo, one.number, 'FAILURE');

    // Cancel of the running build: its runner ends the job as killed; the next starts.
    const second = await runner.acceptNext(15_000);
    expect(second.jobId).toBe(jobOf(two));
    await cluster.cancelBuild(repo, two.number);
    expect((await runner.extend(second.jobId, second.leaseToken)).cancelled).toBe(true);
    await runner.complete(second.jobId, second.leaseToken, 'KILLED');
    await cluster.waitStatus(repo, two.number, 'KILLED');

    // Runner lost: the lapsed job goes back ahead of build four, then ends as runner lost.
    const third = await runner.acceptNext(15_000);
    expect(third.jobId).toBe(jobOf(three));
    const again = await runner.acceptNext(15_000);
    expect(again.jobId).toBe(jobOf(three));
    expect(again.attempt).toBe(2);
    const behind = await cluster.getBuild(repo, four.number);
    expect(behind.jobs.map((j) => [j.status, j.error])).toEqual([
      ['PENDING', "waiting: 1 other 'deploy' pipeline running (concurrency limit 1)"],
    ]);
    const lost = await cluster.waitStatus(repo, three.number, 'ERROR', 15_000);
    expect(lost.jobs[0]?.error).toMatch(/runner/);

    const fourth = await runner.acceptNext(15_000);
    expect(fourth.jobId).toBe(jobOf(four));
    await runner.runAll(fourth);
    await cluster.waitStatus(repo, four.number, 'SUCCESS');
    const all = await Promise.all(builds.map((b) => cluster.getBuild(repo, b.number)));
    expect(all.map((b) => b.status)).toEqual(['FAILURE', 'KILLED', 'ERROR', 'SUCCESS']);
  }, 60_000);
});
