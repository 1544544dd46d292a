import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type LogCapture, pipeline, uniqueName, waitFor } from './harness.js';

describe('NATS restarting mid-build', () => {
  let cluster: Cluster;
  let logs: LogCapture;

  beforeAll(async () => {
    cluster = await Cluster.start({ lease: '5s' });
    logs = (await cluster.runner(uniqueName('nats'))).logs;
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('loses no job: the one waiting in the queue runs after the restart, and cancel still reaches the runner', async () => {
    // Capacity 1: 'second' waits in the work queue while 'first' runs.
    const created = await cluster.api.createBuild(
      [
        pipeline('first', [{ name: 'a', commands: ['echo first', 'sleep 3'] }]),
        pipeline('second', [{ name: 'b', commands: ['echo second'] }]),
      ].join('---\n'),
    );
    const number = Number(created.number);
    await waitFor('the first pipeline to run', async () => {
      const b = await cluster.api.getBuild(number);
      return b.jobs.some((j) => j.status === 'RUNNING') ? true : undefined;
    });
    await cluster.nats.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await cluster.nats.start();

    const build = await cluster.api.waitFinished(number, 60_000);
    expect(build.status).toBe('SUCCESS');
    expect(build.jobs.map((j) => [j.name, j.status, j.attempt])).toEqual([
      ['first', 'SUCCESS', 1],
      ['second', 'SUCCESS', 1],
    ]);
    expect(await cluster.stepLog(build.id, 'second', 'b')).toContain('second\n');
    expect(logs.count('job started')).toBe(2);

    // The cancel subscription came back with the connection.
    const long = await cluster.api.createBuild(pipeline('long', [{ name: 'wait', commands: ['sleep 60'] }]));
    await waitFor('the long step to run', async () => {
      const b = await cluster.api.getBuild(Number(long.number));
      return b.jobs[0]?.steps[0]?.status === 'RUNNING' ? true : undefined;
    });
    const t0 = Date.now();
    await cluster.api.cancelBuild(Number(long.number));
    const killed = await cluster.api.waitFinished(Number(long.number), 20_000);
    expect(killed.jobs[0]?.status).toBe('KILLED');
    expect(Date.now() - t0).toBeLessThan(15_000);
    const cancelled = logs.lines.find((l) => l.msg === 'job cancelled');
    expect(cancelled?.reason).toBe('the job was cancelled');
  });
});
