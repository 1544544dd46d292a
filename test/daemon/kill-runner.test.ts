import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, containersOf, docker, pipeline, uniqueName, waitFor } from './harness.js';

describe('a runner process killed with SIGKILL mid-step', () => {
  let cluster: Cluster;
  const victim = uniqueName('kill9');
  const rescuer = uniqueName('rescue');

  beforeAll(async () => {
    cluster = await Cluster.start({ lease: '3s' });
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('gets its job requeued to another runner within the lease; a restart removes its leftovers', async () => {
    const first = await cluster.spawnRunner(victim);
    const created = await cluster.api.createBuild(
      pipeline('work', [{ name: 'slow', commands: ['echo begin', 'sleep 4', 'echo end'] }]),
    );
    const number = Number(created.number);
    await waitFor('the step to run on the first runner', async () => {
      const job = (await cluster.api.getBuild(number)).jobs[0];
      return job?.runner === victim && job.steps[0]?.status === 'RUNNING' && (await containersOf(victim)) > 0
        ? true
        : undefined;
    });
    await cluster.runner(rescuer);
    first.proc.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toBe(null);

    const build = await cluster.api.waitFinished(number, 60_000);
    const job = build.jobs[0];
    expect(build.status).toBe('SUCCESS');
    expect(job?.runner).toBe(rescuer);
    expect(job?.attempt).toBe(2);
    // Requeued within the lease (3 s) and a few scheduler ticks, then run (4 s).
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    expect(await cluster.stepLog(build.id, 'work', 'slow')).toBe(
      '+ echo begin\nbegin\n+ sleep 4\n+ echo end\nend\n',
    );

    // The killed runner's container, network and volume are still there...
    const left = await docker.listLabelled([`io.hangar.runner=${victim}`]);
    expect(left.containers.length).toBeGreaterThan(0);
    expect(left.networks.length + left.volumes.length).toBeGreaterThan(0);
    // ...until a runner with its name starts again.
    const again = await cluster.spawnRunner(victim);
    const after = await docker.listLabelled([`io.hangar.runner=${victim}`]);
    expect(after.containers.length + after.networks.length + after.volumes.length).toBe(0);
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
