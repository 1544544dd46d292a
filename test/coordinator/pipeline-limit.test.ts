/**
 * A pipeline's `concurrency: { limit: N }`, with simulated runners on real
 * NATS and both store engines: waiting builds say why and start in build
 * order; a cancelled waiting build leaves the line; the line survives a
 * coordinator restart; two builds ending at once start no more than the limit.
 * Also: a failed-only restart of a matrix runs only the axes that failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Build__Output } from '../../proto/generated/hangar/v1/Build.js';
import { restartBuild, shellPipeline } from './docker-runner.js';
import { Cluster, type SimRunner, waitFor } from './harness.js';

const deploy = (limit: number) =>
  shellPipeline('deploy', ['echo deploying'], `concurrency:\n  limit: ${limit}`);

const MATRIX = `pipeline:
  test:
    image: hangar/busybox:latest
    commands: [echo $DB]
matrix:
  DB: [pg, mysql]
`;

describe.each(['sqlite', 'postgres'] as const)('pipeline concurrency limit on %s', (engine) => {
  let cluster: Cluster;
  let runner: SimRunner;
  beforeAll(async () => {
    cluster = await Cluster.start({ engine });
    runner = await cluster.runner(`limit-sim-${engine}`);
    await runner.register();
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  const jobOf = (b: Build__Output) => Number(b.jobs[0]?.id);

  /** Job ids the queue offers within `ms`, acknowledged and not accepted. */
  async function offered(ms: number): Promise<number[]> {
    const out: number[] = [];
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      for (const d of await runner.take(10, 300)) {
        out.push(Number(d.jobId));
        d.ack();
      }
    }
    return out;
  }

  async function waitingSays(repo: Awaited<ReturnType<Cluster['repo']>>, number: number, text: string) {
    return waitFor(`build ${number} to say ${text}`, async () => {
      const b = await cluster.getBuild(repo, number);
      return b.jobs[0]?.status === 'PENDING' && b.jobs[0]?.error === text ? b : undefined;
    });
  }

  it('leaves the next build pending with its reason until the running one ends, then starts it', async () => {
    const repo = await cluster.repo();
    const one = await cluster.createBuild(repo, deploy(1));
    const two = await cluster.createBuild(repo, deploy(1));
    const first = await runner.acceptNext(15_000, jobOf(one));
    const held = await waitingSays(
      repo,
      two.number,
      "waiting: 1 other 'deploy' pipeline running (concurrency limit 1)",
    );
    expect(held.status).toBe('PENDING');
    expect(await offered(1000)).toEqual([]);
    await runner.runAll(first);
    await cluster.waitStatus(repo, one.number, 'SUCCESS');
    const second = await runner.acceptNext(15_000, jobOf(two));
    await runner.runAll(second);
    const done = await cluster.waitStatus(repo, two.number, 'SUCCESS');
    expect(done.jobs[0]?.error).toBe('');
  });

  it('drops a cancelled waiting build from the line; the next one in build order starts', async () => {
    const repo = await cluster.repo();
    const builds = [];
    for (let i = 0; i < 3; i++) builds.push(await cluster.createBuild(repo, deploy(1)));
    const [one, two, three] = builds as [Build__Output, Build__Output, Build__Output];
    const first = await runner.acceptNext(15_000, jobOf(one));
    await waitingSays(
      repo,
      three.number,
      "waiting: 1 other 'deploy' pipeline running and 1 earlier one waiting (concurrency limit 1)",
    );
    const cancelled = await cluster.cancelBuild(repo, two.number);
    expect(cancelled.status).toBe('KILLED');
    expect(cancelled.jobs.map((j) => [j.status, j.error])).toEqual([['KILLED', '']]);
    await waitingSays(repo, three.number, "waiting: 1 other 'deploy' pipeline running (concurrency limit 1)");
    expect(await offered(800)).toEqual([]);
    await runner.runAll(first);
    const next = await runner.acceptNext(15_000);
    expect(next.jobId).toBe(jobOf(three));
    await runner.runAll(next);
    await cluster.waitStatus(repo, three.number, 'SUCCESS');
    expect((await cluster.getBuild(repo, two.number)).status).toBe('KILLED');
  });

  it('keeps a waiting build waiting across a coordinator restart and starts it after', async () => {
    const repo = await cluster.repo();
    const one = await cluster.createBuild(repo, deploy(1));
    const two = await cluster.createBuild(repo, deploy(1));
    const first = await runner.acceptNext(15_000, jobOf(one));
    await waitingSays(repo, two.number, "waiting: 1 other 'deploy' pipeline running (concurrency limit 1)");

    await cluster.coordinator.stop();
    await cluster.startCoordinator();

    const after = await cluster.getBuild(repo, two.number);
    expect(after.jobs.map((j) => [j.status, j.error])).toEqual([
      ['PENDING', "waiting: 1 other 'deploy' pipeline running (concurrency limit 1)"],
    ]);
    expect(await offered(1500)).toEqual([]);
    await runner.runAll(first);
    const second = await runner.acceptNext(15_000);
    expect(second.jobId).toBe(jobOf(two));
    await runner.runAll(second);
    await cluster.waitStatus(repo, two.number, 'SUCCESS');
  });

  it('starts no more than the limit when two running builds end at the same moment', async () => {
    const repo = await cluster.repo();
    const builds: Build__Output[] = [];
    for (let i = 0; i < 5; i++) builds.push(await cluster.createBuild(repo, deploy(2)));
    const ids = builds.map(jobOf);
    const a = await runner.acceptNext(15_000);
    const b = await runner.acceptNext(15_000);
    expect([a.jobId, b.jobId].sort((x, y) => x - y)).toEqual(ids.slice(0, 2));
    await waitingSays(
      repo,
      builds[4]!.number,
      "waiting: 2 other 'deploy' pipelines running and 2 earlier ones waiting (concurrency limit 2)",
    );
    await Promise.all([runner.runAll(a), runner.runAll(b)]);
    const c = await runner.acceptNext(15_000);
    const d = await runner.acceptNext(15_000);
    expect([c.jobId, d.jobId].sort((x, y) => x - y)).toEqual(ids.slice(2, 4));
    expect(await offered(1000)).toEqual([]);
    const last = await waitingSays(
      repo,
      builds[4]!.number,
      "waiting: 2 other 'deploy' pipelines running (concurrency limit 2)",
    );
    expect(last.status).toBe('PENDING');
    await Promise.all([runner.runAll(c), runner.runAll(d)]);
    const e = await runner.acceptNext(15_000);
    expect(e.jobId).toBe(ids[4]);
    await runner.runAll(e);
    await cluster.waitStatus(repo, builds[4]!.number, 'SUCCESS');
  });

  it('runs pipelines without a limit, and other pipelines of a limited build, at once', async () => {
    const repo = await cluster.repo();
    const config = `${deploy(1)}---\n${shellPipeline('lint', ['echo lint'])}`;
    const one = await cluster.createBuild(repo, config);
    const two = await cluster.createBuild(repo, config);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await runner.acceptNext(15_000));
    const byId = new Map(got.map((j) => [j.jobId, j]));
    // Build one's two pipelines and build two's lint run; build two's deploy waits.
    expect([...byId.keys()].sort((x, y) => x - y)).toEqual(
      [Number(one.jobs[0]?.id), Number(one.jobs[1]?.id), Number(two.jobs[1]?.id)].sort((x, y) => x - y),
    );
    expect(await offered(800)).toEqual([]);
    for (const j of got) await runner.runAll(j);
    const last = await runner.acceptNext(15_000);
    expect(last.jobId).toBe(Number(two.jobs[0]?.id));
    await runner.runAll(last);
    await cluster.waitStatus(repo, two.number, 'SUCCESS');
  });

  it('restarts only the failed axis of a matrix; naming the pipeline runs every axis', async () => {
    const repo = await cluster.repo();
    const b = await cluster.createBuild(repo, MATRIX);
    const axes = new Map(b.jobs.map((j) => [Number(j.id), j.axis.DB]));
    for (let i = 0; i < 2; i++) {
      const j = await runner.acceptNext(15_000);
      await runner.runAll(j, axes.get(j.jobId) === 'mysql' ? 'FAILURE' : 'SUCCESS');
    }
    await cluster.waitStatus(repo, b.number, 'FAILURE');

    const failedOnly = await restartBuild(cluster, {
      slug: repo.slug,
      number: b.number,
      failedOnly: true,
      pipeline: '',
    });
    expect(failedOnly.jobs.map((j) => [j.axis.DB, j.status, j.error])).toEqual([
      ['pg', 'SKIPPED', `skipped: it passed in build ${b.number}`],
      ['mysql', 'PENDING', ''],
    ]);
    const rerun = await runner.acceptNext(15_000);
    expect(rerun.jobId).toBe(Number(failedOnly.jobs[1]?.id));
    expect(await offered(800)).toEqual([]);
    await runner.runAll(rerun);
    const done = await cluster.waitStatus(repo, failedOnly.number, 'SUCCESS');
    expect(done.jobs.map((j) => j.status)).toEqual(['SKIPPED', 'SUCCESS']);

    const named = await restartBuild(cluster, {
      slug: repo.slug,
      number: b.number,
      failedOnly: true,
      pipeline: 'default',
    });
    expect(named.jobs.map((j) => [j.axis.DB, j.status])).toEqual([
      ['pg', 'PENDING'],
      ['mysql', 'PENDING'],
    ]);
    const both = [await runner.acceptNext(15_000), await runner.acceptNext(15_000)];
    expect(both.map((j) => j.jobId).sort((x, y) => x - y)).toEqual(named.jobs.map((j) => Number(j.id)));
    for (const j of both) await runner.runAll(j);
    await cluster.waitStatus(repo, named.number, 'SUCCESS');
  });
});
