import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../services/shared/log.js';
import { Bus } from '../../services/shared/nats/bus.js';
import { Cluster, containersOf, type LogCapture, pipeline, uniqueName, waitFor } from './harness.js';

describe('two runners offered the same job', () => {
  let cluster: Cluster;
  let bus: Bus;
  const names = [uniqueName('race-a'), uniqueName('race-b')];
  const logs: LogCapture[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start();
    for (const n of names) logs.push((await cluster.runner(n)).logs);
    bus = await Bus.connect({ url: cluster.nats.url, name: 'test-duplicate', log: silentLogger });
  });
  afterAll(async () => {
    await bus?.close();
    await cluster?.dispose();
  });

  it('runs it once: one Accept wins, the other runner lets the message go', async () => {
    const created = await cluster.api.createBuild(
      pipeline('once', [{ name: 'mark', commands: ['echo RAN-ONCE-MARK', 'sleep 1'] }]),
    );
    const jobId = created.jobs[0]?.id;
    expect(jobId).toBeGreaterThan(0);
    // A second delivery of the same job, as a republish after a lost
    // acknowledgement would make it: both idle runners get one each.
    await bus.publishJob('linux-amd64', { jobId: String(jobId), attempt: 99 });

    const build = await cluster.api.waitFinished(Number(created.number));
    expect(build.status).toBe('SUCCESS');
    expect(build.jobs[0]?.attempt).toBe(1);
    await waitFor('the duplicate to be refused', () =>
      logs.reduce((n, l) => n + l.count('job not available'), 0) >= 1 ? true : undefined,
    );
    const started = logs.map((l) => l.count('job started'));
    expect(started.reduce((a, b) => a + b, 0)).toBe(1);
    const log = await cluster.stepLog(build.id, 'once', 'mark');
    expect(log.split('\n').filter((l) => l === 'RAN-ONCE-MARK')).toHaveLength(1);
    for (const n of names) expect(await containersOf(n)).toBe(0);
    // Nothing is left in the queue for anyone to run again.
    expect(await bus.queueDepth('linux-amd64')).toBe(0);
  });
});
