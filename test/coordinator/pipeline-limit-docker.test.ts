/**
 * A pipeline's `concurrency: { limit: N }` with a real runner daemon on
 * Docker (room for three jobs at once), real NATS and both store engines:
 * when each build's step really started and finished shows that no more
 * than N ran at once, in build order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Build__Output } from '../../proto/generated/hangar/v1/Build.js';
import type { RunnerDaemon } from '../../services/runner/daemon/daemon.js';
import { dockerRunner, shellPipeline } from './docker-runner.js';
import { Cluster, waitFor } from './harness.js';

const deploy = (limit: number) =>
  shellPipeline('deploy', ['echo deploying', 'sleep 2', 'echo deployed'], `concurrency:\n  limit: ${limit}`);

/** When a build's one step ran, from the runner's own reports. */
function span(b: Build__Output): { start: number; end: number } {
  const s = b.jobs[0]?.steps.find((x) => x.name === 'run');
  if (s === undefined) throw new Error(`build ${b.number} has no step run`);
  return { start: Number(s.startedMs), end: Number(s.finishedMs) };
}

describe.each(['sqlite', 'postgres'] as const)('pipeline concurrency limit on Docker, %s', (engine) => {
  let cluster: Cluster;
  let runner: RunnerDaemon;
  beforeAll(async () => {
    cluster = await Cluster.start({ engine });
    runner = await dockerRunner(cluster, 3);
  });
  afterAll(async () => {
    await runner?.stop();
    await cluster?.dispose();
  });

  it('runs two builds of a pipeline limited to 1 one after the other', async () => {
    const repo = await cluster.repo();
    const one = await cluster.createBuild(repo, deploy(1));
    const two = await cluster.createBuild(repo, deploy(1));
    const waiting = await waitFor('the second build to wait', async () => {
      const b = await cluster.getBuild(repo, two.number);
      return b.jobs[0]?.error !== '' ? b : undefined;
    });
    expect(waiting.jobs[0]?.status).toBe('PENDING');
    expect(waiting.jobs[0]?.error).toBe("waiting: 1 other 'deploy' pipeline running (concurrency limit 1)");
    const a = await cluster.waitStatus(repo, one.number, 'SUCCESS', 60_000);
    const b = await cluster.waitStatus(repo, two.number, 'SUCCESS', 60_000);
    expect(span(a).end).toBeGreaterThan(span(a).start + 1500);
    expect(span(b).start).toBeGreaterThanOrEqual(span(a).end);
    expect(b.jobs[0]?.error).toBe('');
  }, 90_000);

  it('runs two of three builds at once under limit 2; the third starts when one ends', async () => {
    const repo = await cluster.repo();
    const made: Build__Output[] = [];
    for (let i = 0; i < 3; i++) made.push(await cluster.createBuild(repo, deploy(2)));
    const third = await waitFor('the third build to wait', async () => {
      const b = await cluster.getBuild(repo, made[2]!.number);
      return b.jobs[0]?.error !== '' ? b : undefined;
    });
    expect(third.jobs[0]?.error).toBe("waiting: 2 other 'deploy' pipelines running (concurrency limit 2)");
    const done: Build__Output[] = [];
    for (const m of made) done.push(await cluster.waitStatus(repo, m.number, 'SUCCESS', 60_000));
    const [s1, s2, s3] = done.map(span) as [
      ReturnType<typeof span>,
      ReturnType<typeof span>,
      ReturnType<typeof span>,
    ];
    // The first two overlapped: the limit is 2, not 1.
    expect(s2.start).toBeLessThan(s1.end);
    expect(s1.start).toBeLessThan(s2.end);
    // The third started only once one of them had ended.
    expect(s3.start).toBeGreaterThanOrEqual(Math.min(s1.end, s2.end));
  }, 90_000);
});
