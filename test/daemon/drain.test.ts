import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, containersOf, pipeline, uniqueName, waitFor } from './harness.js';

async function runningOn(cluster: Cluster, number: number, runner: string): Promise<true | undefined> {
  const job = (await cluster.api.getBuild(number)).jobs[0];
  return job?.runner === runner && job.steps[0]?.status === 'RUNNING' ? true : undefined;
}

describe('SIGTERM to a runner process', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start({ lease: '4s' });
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('lets the running job finish, takes no new one, and exits 0', async () => {
    const name = uniqueName('drain');
    const runner = await cluster.spawnRunner(name, { HANGAR_RUNNER_GRACE: '30s' });
    const first = await cluster.api.createBuild(
      pipeline('short', [{ name: 'work', commands: ['sleep 3', 'echo finished'] }]),
    );
    await waitFor('the job to run', () => runningOn(cluster, Number(first.number), name));
    runner.proc.kill('SIGTERM');
    await waitFor('the drain to begin', () => (runner.output().includes('draining') ? true : undefined));
    const second = await cluster.api.createBuild(
      pipeline('later', [{ name: 'x', commands: ['echo later'] }]),
    );

    expect(await runner.exited).toBe(0);
    const done = await cluster.api.getBuild(Number(first.number));
    expect(done.status).toBe('SUCCESS');
    expect(await cluster.stepLog(done.id, 'short', 'work')).toContain('finished\n');
    // The job created during the drain was left for another runner.
    const waiting = await cluster.api.getBuild(Number(second.number));
    expect(['PENDING', 'QUEUED']).toContain(waiting.jobs[0]?.status);
    expect(waiting.jobs[0]?.attempt).toBe(0);

    await cluster.runner(uniqueName('after'));
    expect((await cluster.api.waitFinished(Number(second.number))).status).toBe('SUCCESS');
  });

  it('hands a job back when the grace period is over; only a runner with its labels takes it again', async () => {
    const name = uniqueName('handback');
    const labels = { HANGAR_RUNNER_LABELS: 'role=stopper' };
    const runner = await cluster.spawnRunner(name, { ...labels, HANGAR_RUNNER_GRACE: '1s' });
    // 'node:' makes the job ask for the label: the unlabelled runner of the
    // first test keeps handing it back to the queue.
    const created = await cluster.api.createBuild(
      pipeline(
        'long',
        [{ name: 'work', commands: ['echo attempt', 'sleep 6', 'echo done'] }],
        'node:\n  role: stopper\n',
      ),
    );
    const number = Number(created.number);
    await waitFor('the job to run on the labelled runner', () => runningOn(cluster, number, name));
    const t0 = Date.now();
    runner.proc.kill('SIGTERM');
    expect(await runner.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(runner.output()).toContain('job handed back');
    expect(await containersOf(name)).toBe(0);

    // Back in the queue, and no runner without the label takes it.
    await new Promise((r) => setTimeout(r, 3000));
    const waiting = (await cluster.api.getBuild(number)).jobs[0];
    expect(['PENDING', 'QUEUED']).toContain(waiting?.status);
    expect(waiting?.attempt).toBe(1);

    const rescuer = uniqueName('labelled');
    await cluster.runner(rescuer, labels);
    const build = await cluster.api.waitFinished(number, 60_000);
    expect(build.status).toBe('SUCCESS');
    expect(build.jobs[0]?.attempt).toBe(2);
    expect(build.jobs[0]?.runner).toBe(rescuer);
    // The unfinished attempt's lines went with it.
    expect(await cluster.stepLog(build.id, 'long', 'work')).toBe(
      '+ echo attempt\nattempt\n+ sleep 6\n+ echo done\ndone\n',
    );
  });
});
