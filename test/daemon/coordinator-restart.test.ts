import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type LogCapture, pipeline, uniqueName, waitFor } from './harness.js';

const LINES = 80;

describe('the coordinator restarting mid-build', () => {
  let cluster: Cluster;
  let logs: LogCapture;

  beforeAll(async () => {
    // A fresh database numbers jobs from 1 again, and NATS drops a publish it
    // has seen lately as a duplicate: the coordinator publishes it again soon.
    cluster = await Cluster.start({ lease: '8s', redispatch: '3s' });
    logs = (await cluster.runner(uniqueName('restart'))).logs;
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('the build completes and the log has every line once, in order', async () => {
    const created = await cluster.api.createBuild(
      pipeline('count', [
        {
          name: 'numbers',
          commands: [`i=1; while [ $i -le ${LINES} ]; do echo "n=$i"; i=$((i+1)); sleep 0.05; done`],
        },
        { name: 'after', commands: ['echo after the restart'] },
      ]),
    );
    const number = Number(created.number);
    await waitFor('some lines to be stored', async () => {
      const log = await cluster.stepLog(created.id, 'count', 'numbers').catch(() => '');
      return log.includes('n=10\n') ? true : undefined;
    });
    await cluster.stopCoordinator();
    // Lines keep coming while the coordinator is away; they wait in the runner.
    await new Promise((r) => setTimeout(r, 1500));
    await cluster.startCoordinator();

    const build = await cluster.api.waitFinished(number, 60_000);
    expect(build.status).toBe('SUCCESS');
    expect(build.jobs[0]?.attempt).toBe(1);
    expect(build.jobs[0]?.steps.map((s) => [s.name, s.status])).toEqual([
      ['numbers', 'SUCCESS'],
      ['after', 'SUCCESS'],
    ]);
    const numbers = (await cluster.stepLog(build.id, 'count', 'numbers'))
      .split('\n')
      .filter((l) => l.startsWith('n='))
      .map((l) => Number(l.slice(2)));
    expect(numbers).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
    expect(await cluster.stepLog(build.id, 'count', 'after')).toContain('after the restart\n');
    // The runner noticed the coordinator going and came back to it.
    expect(logs.count('log stream broke; reconnecting')).toBeGreaterThan(0);
  });

  it('a coordinator that lost its database: the runner registers again and runs the next build', async () => {
    await cluster.stopCoordinator();
    for (const f of ['hangar.db', 'hangar.db-wal', 'hangar.db-shm'])
      rmSync(join(cluster.dir, f), { force: true });
    await cluster.startCoordinator();
    expect(await cluster.coordinator.store.runners.list()).toEqual([]);

    const created = await cluster.api.createBuild(
      pipeline('fresh', [{ name: 'hello', commands: ['echo fresh'] }]),
    );
    const build = await cluster.api.waitFinished(Number(created.number), 60_000);
    expect(build.status).toBe('SUCCESS');
    expect(logs.count('coordinator does not know this runner; registering again')).toBeGreaterThan(0);
    expect((await cluster.coordinator.store.runners.list()).map((r) => r.name)).toEqual([
      build.jobs[0]?.runner,
    ]);
  });
});
