import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, containersOf, type LogCapture, pipeline, uniqueName, waitFor } from './harness.js';

describe('cancelling a running build', () => {
  let cluster: Cluster;
  const name = uniqueName('cancel');
  let logs: LogCapture;

  beforeAll(async () => {
    cluster = await Cluster.start();
    logs = (await cluster.runner(name)).logs;
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('stops the step container within seconds and ends the build as killed', async () => {
    const created = await cluster.api.createBuild(
      pipeline('long', [
        { name: 'wait', commands: ['echo waiting', 'sleep 120'] },
        { name: 'never', commands: ['echo not reached'] },
      ]),
    );
    const number = Number(created.number);
    await waitFor('the step to run', async () => {
      const b = await cluster.api.getBuild(number);
      return b.jobs[0]?.steps[0]?.status === 'RUNNING' && (await containersOf(name)) > 0 ? true : undefined;
    });
    const t0 = Date.now();
    await cluster.api.cancelBuild(number);
    await waitFor(
      'the container to go',
      async () => ((await containersOf(name)) === 0 ? true : undefined),
      20_000,
    );
    const goneMs = Date.now() - t0;
    const build = await cluster.api.waitFinished(number, 15_000);

    // Seconds, not the two minutes the step would sleep (the container gets 1 s between SIGTERM and SIGKILL).
    expect(goneMs).toBeLessThan(15_000);
    expect(build.status).toBe('KILLED');
    expect(build.jobs[0]?.status).toBe('KILLED');
    expect(build.jobs[0]?.steps.map((s) => [s.name, s.status])).toEqual([
      ['wait', 'KILLED'],
      ['never', 'SKIPPED'],
    ]);
    expect(await cluster.stepLog(build.id, 'long', 'wait')).toContain('waiting\n');
    // The NATS signal got there first.
    expect(logs.lines.find((l) => l.msg === 'job cancelled')?.reason).toBe('the job was cancelled');
  });

  it('reaches the runner through the lease answer when the NATS signal cannot', async () => {
    const created = await cluster.api.createBuild(
      pipeline('deaf', [{ name: 'wait', commands: ['sleep 120'] }]),
    );
    const number = Number(created.number);
    await waitFor('the step to run', async () => {
      const b = await cluster.api.getBuild(number);
      return b.jobs[0]?.steps[0]?.status === 'RUNNING' ? true : undefined;
    });
    const before = logs.count('job cancelled');
    await cluster.nats.stop();
    try {
      await cluster.api.cancelBuild(number);
      await waitFor(
        'the container to go',
        async () => ((await containersOf(name)) === 0 ? true : undefined),
        15_000,
      );
      const build = await cluster.api.waitFinished(number, 15_000);
      expect(build.jobs[0]?.status).toBe('KILLED');
      const reasons = logs.lines.filter((l) => l.msg === 'job cancelled').slice(before);
      expect(reasons.map((l) => l.reason)).toEqual(['the coordinator says the job was cancelled']);
    } finally {
      await cluster.nats.start();
    }
  });
});
