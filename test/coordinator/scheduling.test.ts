/**
 * What runs when: matrix axes are jobs of their own; a pipeline that depends
 * on others waits for them and runs after success, or is skipped after a
 * failure unless its trigger allows failure; a repository's concurrency
 * limit holds extra builds back; a restart runs the failed pipelines again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type SimRunner, waitFor } from './harness.js';

let cluster: Cluster;
let runner: SimRunner;
beforeAll(async () => {
  cluster = await Cluster.start();
  runner = await cluster.runner('scheduler-sim');
  await runner.register();
});
afterAll(async () => {
  await cluster?.dispose();
});

const MATRIX = `pipeline:
  test:
    image: hangar/busybox:latest
    commands: [echo $GO $DB]
matrix:
  GO: ['1.20', '1.21']
  DB: [pg, mysql]
`;

const step = (name: string) =>
  `steps:\n- name: ${name}\n  image: hangar/busybox:latest\n  commands: [echo ${name}]\n`;
const DEPENDS = `kind: pipeline
name: build
${step('compile')}---
kind: pipeline
name: deploy
depends_on: [build]
${step('ship')}---
kind: pipeline
name: notify
depends_on: [build]
trigger:
  status: [success, failure]
${step('tell')}`;

const TWO = `kind: pipeline
name: a
${step('one')}---
kind: pipeline
name: b
${step('two')}`;

/** Job ids the queue offers within `ms`, acknowledged and not accepted. */
async function offered(ms: number): Promise<number[]> {
  const out: number[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const d of await runner.take(10, 500)) {
      out.push(Number(d.jobId));
      d.ack();
    }
  }
  return out;
}

describe('scheduling', () => {
  it('makes each matrix axis a job of its own', async () => {
    const repo = await cluster.repo();
    const b = await cluster.createBuild(repo, MATRIX);
    expect(b.jobs.map((j) => j.axis)).toEqual([
      { GO: '1.20', DB: 'pg' },
      { GO: '1.20', DB: 'mysql' },
      { GO: '1.21', DB: 'pg' },
      { GO: '1.21', DB: 'mysql' },
    ]);
    expect(b.jobs.map((j) => j.number)).toEqual([1, 2, 3, 4]);
    const seen = new Map<number, Record<string, string>>();
    for (let i = 0; i < 4; i++) {
      const job = await runner.acceptNext();
      const plan = JSON.parse(job.planJson) as {
        axis: Record<string, string>;
        environment: Record<string, string>;
      };
      seen.set(job.jobId, plan.axis);
      expect(plan.environment.GO).toBe(plan.axis.GO);
      await runner.runAll(job);
    }
    expect(new Set(seen.keys())).toEqual(new Set(b.jobs.map((j) => Number(j.id))));
    await cluster.waitStatus(repo, b.number, 'SUCCESS');
  });

  it('runs a dependent pipeline only after its dependency succeeded', async () => {
    const repo = await cluster.repo();
    const b = await cluster.createBuild(repo, DEPENDS);
    const [build, deploy, notify] = b.jobs.map((j) => Number(j.id));
    const first = await runner.acceptNext(15_000);
    expect(first.jobId).toBe(build);
    expect(await offered(1200)).toEqual([]);
    expect((await cluster.getBuild(repo, b.number)).jobs.map((j) => j.status)).toEqual([
      'RUNNING',
      'PENDING',
      'PENDING',
    ]);
    await runner.runAll(first);
    const next = [await runner.acceptNext(), await runner.acceptNext()];
    expect(next.map((j) => j.jobId).sort()).toEqual([deploy, notify].sort());
    for (const j of next) await runner.runAll(j);
    const done = await cluster.waitStatus(repo, b.number, 'SUCCESS');
    expect(done.jobs.map((j) => j.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  it('skips a dependent pipeline after a failure unless its trigger allows failure', async () => {
    const repo = await cluster.repo();
    const b = await cluster.createBuild(repo, DEPENDS);
    const first = await runner.acceptNext(15_000, Number(b.jobs[0]?.id));
    await runner.runAll(first, 'FAILURE');
    const notify = await runner.acceptNext(15_000);
    expect(notify.jobId).toBe(Number(b.jobs[2]?.id));
    await runner.runAll(notify);
    const done = await cluster.waitStatus(repo, b.number, 'FAILURE');
    expect(done.jobs.map((j) => [j.name, j.status])).toEqual([
      ['build', 'FAILURE'],
      ['deploy', 'SKIPPED'],
      ['notify', 'SUCCESS'],
    ]);
    expect(done.jobs[1]?.error).toMatch(/skipped because 'build' did not succeed/);
    expect(done.jobs[1]?.steps.every((s) => s.status === 'SKIPPED')).toBe(true);
  });

  it('holds a build back while the repository is at its concurrency limit', async () => {
    const repo = await cluster.repo({ concurrency: 1 });
    const one = await cluster.createBuild(repo, TWO);
    const two = await cluster.createBuild(repo, TWO);
    const a = await runner.acceptNext(15_000);
    const b = await runner.acceptNext(15_000);
    expect([a.buildNumber, b.buildNumber]).toEqual([one.number, one.number]);
    expect(await offered(1200)).toEqual([]);
    const held = await cluster.getBuild(repo, two.number);
    expect(held.status).toBe('PENDING');
    expect(held.jobs.map((j) => j.status)).toEqual(['PENDING', 'PENDING']);
    await runner.runAll(a);
    expect(await offered(800)).toEqual([]); // one pipeline of the first build still runs
    await runner.runAll(b);
    await cluster.waitStatus(repo, one.number, 'SUCCESS');
    const c = await runner.acceptNext(15_000);
    expect(c.buildNumber).toBe(two.number);
    const d = await runner.acceptNext(15_000);
    await runner.runAll(c);
    await runner.runAll(d);
    await cluster.waitStatus(repo, two.number, 'SUCCESS');
  });

  it('restarts only the failed pipelines of a build, as a new build of the same commit', async () => {
    const repo = await cluster.repo();
    const b = await cluster.createBuild(repo, TWO, { params: { RELEASE: '1' } });
    for (let i = 0; i < 2; i++) {
      const j = await runner.acceptNext();
      await runner.runAll(j, j.jobId === Number(b.jobs[0]?.id) ? 'FAILURE' : 'SUCCESS');
    }
    await cluster.waitStatus(repo, b.number, 'FAILURE');

    const again = await new Promise<Awaited<ReturnType<typeof cluster.getBuild>>>((resolve, reject) =>
      cluster.client.restartBuild(
        { repo: { slug: repo.slug }, number: b.number, failedOnly: true, params: { EXTRA: 'x' } },
        cluster.md(),
        { deadline: Date.now() + 10_000 },
        (err, res) => (err ? reject(err) : resolve(res!)),
      ),
    );
    expect(again.number).toBe(b.number + 1);
    expect(again.parent).toBe(Number(b.id));
    expect(again.sha).toBe(b.sha);
    expect(again.params).toEqual({ RELEASE: '1', EXTRA: 'x' });
    expect(again.jobs.map((j) => [j.name, j.status])).toEqual([
      ['a', 'PENDING'],
      ['b', 'SKIPPED'],
    ]);
    expect(again.jobs[1]?.error).toBe(`skipped: it passed in build ${b.number}`);
    const rerun = await runner.acceptNext();
    expect(rerun.jobId).toBe(Number(again.jobs[0]?.id));
    expect(
      (JSON.parse(rerun.planJson) as { environment: Record<string, string> }).environment.DRONE_BUILD_NUMBER,
    ).toBe(String(again.number));
    await runner.runAll(rerun);
    await cluster.waitStatus(repo, again.number, 'SUCCESS');
    await waitFor('no leftover jobs', async () => (await offered(300)).length === 0);
  });
});
