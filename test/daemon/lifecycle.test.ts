import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerRefusedError } from '../../services/runner/daemon/connection.js';
import { Cluster, containersOf, pipeline, uniqueName, waitFor } from './harness.js';

describe('a build through the coordinator and two runners', () => {
  let cluster: Cluster;
  const names = [uniqueName('life-a'), uniqueName('life-b')];

  beforeAll(async () => {
    cluster = await Cluster.start();
    for (const n of names) await cluster.runner(n);
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('runs a two-pipeline build on both runners and stores states and logs', async () => {
    const config = [
      pipeline('backend', [
        { name: 'compile', commands: ['echo compiling backend', 'sleep 2', 'echo backend built'] },
        { name: 'test', commands: ['echo backend tests pass'] },
      ]),
      pipeline('frontend', [{ name: 'bundle', commands: ['echo bundling', 'sleep 2', 'echo bundle ready'] }]),
    ].join('---\n');
    const created = await cluster.api.createBuild(config);
    const build = await cluster.api.waitFinished(Number(created.number));

    expect(build.status).toBe('SUCCESS');
    expect(build.jobs.map((j) => [j.name, j.status])).toEqual([
      ['backend', 'SUCCESS'],
      ['frontend', 'SUCCESS'],
    ]);
    // Capacity 1 each and both pipelines sleep: each runner took one.
    expect(new Set(build.jobs.map((j) => j.runner))).toEqual(new Set(names));
    const steps = build.jobs.flatMap((j) => j.steps.map((s) => [s.name, s.status, s.exitCode]));
    expect(steps).toEqual([
      ['compile', 'SUCCESS', 0],
      ['test', 'SUCCESS', 0],
      ['bundle', 'SUCCESS', 0],
    ]);
    for (const s of build.jobs.flatMap((j) => j.steps)) {
      expect(s.startedMs).toBeGreaterThan(0);
      expect(s.finishedMs).toBeGreaterThanOrEqual(s.startedMs);
    }
    expect(await cluster.stepLog(build.id, 'backend', 'compile')).toBe(
      '+ echo compiling backend\ncompiling backend\n+ sleep 2\n+ echo backend built\nbackend built\n',
    );
    expect(await cluster.stepLog(build.id, 'frontend', 'bundle')).toContain('bundle ready\n');
    for (const n of names) expect(await containersOf(n)).toBe(0);
  });

  it('reports a failing step and fails the build', async () => {
    const created = await cluster.api.createBuild(
      pipeline('check', [
        { name: 'lint', commands: ['echo checking', 'exit 3'] },
        { name: 'after', commands: ['echo never'] },
      ]),
    );
    const build = await cluster.api.waitFinished(Number(created.number));
    expect(build.status).toBe('FAILURE');
    const [job] = build.jobs;
    expect(job?.steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([
      ['lint', 'FAILURE', 3],
      ['after', 'SKIPPED', 0],
    ]);
  });

  it('shows a step as finished only once its whole log is stored', async () => {
    const lines = 5000;
    const created = await cluster.api.createBuild(
      pipeline('chatty', [
        { name: 'talk', commands: [`seq 1 ${lines}`] },
        { name: 'next', commands: ['sleep 2'] },
      ]),
    );
    const number = Number(created.number);
    // Watch closely: the moment the step reads as ended, its log must be all there.
    const seen = await waitFor(
      'the step to end',
      async () => {
        const b = await cluster.api.getBuild(number);
        if (b.jobs[0]?.steps[0]?.status !== 'SUCCESS') return undefined;
        return cluster.stepLog(created.id, 'chatty', 'talk');
      },
      60_000,
      10,
    );
    const numbers = seen.split('\n').filter((l) => /^\d+$/.test(l));
    expect(numbers).toHaveLength(lines);
    expect(numbers.at(-1)).toBe(String(lines));
    expect((await cluster.api.waitFinished(number)).status).toBe('SUCCESS');
  });

  it('refuses to start a runner with the wrong secret, saying which variable to fix', async () => {
    const err = await cluster
      .runner(uniqueName('wrong'), { DRONE_SECRET: 'not-the-secret' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunnerRefusedError);
    expect((err as Error).message).toMatch(
      /^the coordinator at 127\.0\.0\.1:\d+ refused this runner: .*DRONE_SECRET/,
    );
    expect((err as Error).message).not.toContain('not-the-secret');
  });
});
