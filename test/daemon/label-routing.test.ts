import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type LogCapture, pipeline, uniqueName, waitFor } from './harness.js';

const REFUSED = 'job needs labels this runner lacks';

/** A one-step pipeline asking for `node:` labels. */
function labelled(name: string, labels: Record<string, string>): string {
  const node = Object.entries(labels)
    .map(([k, v]) => `  ${k}: "${v}"\n`)
    .join('');
  return pipeline(name, [{ name: 'work', commands: [`echo ${name}`] }], `node:\n${node}`);
}

describe('jobs routed to runners by their labels', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start();
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('a job no runner can serve says why it waits, and runs as soon as a runner with its labels starts', async () => {
    const plain = await cluster.runner(uniqueName('plain'));
    const created = await cluster.api.createBuild(labelled('cuda', { gpu: 'true' }));
    const number = Number(created.number);
    const waiting = await waitFor('the job to say why it waits', async () => {
      const job = (await cluster.api.getBuild(number)).jobs[0];
      return job?.error ? job : undefined;
    });
    expect(waiting.status).toBe('PENDING');
    expect(waiting.error).toBe(
      'waiting for a runner with labels gpu=true; connected runners: 1, none has them',
    );
    // Still waiting, not bounced between runners.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await cluster.api.getBuild(number)).jobs[0]).toMatchObject({ status: 'PENDING', attempt: 0 });

    const gpuName = uniqueName('gpu');
    const gpu = await cluster.runner(gpuName, { HANGAR_RUNNER_LABELS: 'gpu=true,zone=eu' });
    const build = await cluster.api.waitFinished(number);
    expect(build.status).toBe('SUCCESS');
    expect(build.jobs[0]).toMatchObject({ runner: gpuName, attempt: 1, error: '' });
    expect(await cluster.stepLog(build.id, 'cuda', 'work')).toContain('cuda\n');
    expect(plain.logs.count(REFUSED) + gpu.logs.count(REFUSED)).toBe(0);
    await Promise.all([plain.daemon.stop(), gpu.daemon.stop()]);
  });

  it('two runners with different labels each get theirs at once; a job without labels goes to either', async () => {
    const names = { arm: uniqueName('neon'), x86: uniqueName('avx') };
    const runners: LogCapture[] = [];
    for (const [name, labels] of [
      [names.arm, 'simd=neon'],
      [names.x86, 'simd=avx,disk=ssd'],
    ] as const) {
      runners.push(
        (await cluster.runner(name, { HANGAR_RUNNER_LABELS: labels, HANGAR_RUNNER_CAPACITY: '2' })).logs,
      );
    }
    const builds = [
      await cluster.api.createBuild(labelled('neon', { simd: 'neon' })),
      await cluster.api.createBuild(labelled('avx', { simd: 'avx', disk: 'ssd' })),
      await cluster.api.createBuild(pipeline('anywhere', [{ name: 'work', commands: ['echo ok'] }])),
    ];
    const done = await Promise.all(builds.map((b) => cluster.api.waitFinished(Number(b.number))));
    expect(done.map((b) => b.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(done[0]?.jobs[0]?.runner).toBe(names.arm);
    expect(done[1]?.jobs[0]?.runner).toBe(names.x86);
    expect([names.arm, names.x86]).toContain(done[2]?.jobs[0]?.runner);
    for (const b of done) {
      const job = b.jobs[0];
      // Accepted on the first try, within moments of the build being created.
      expect(job?.attempt).toBe(1);
      expect(Number(job?.startedMs) - Number(b.createdMs)).toBeLessThan(2000);
    }
    expect(runners.reduce((n, l) => n + l.count(REFUSED), 0)).toBe(0);
    await Promise.all(cluster.runners.map((r) => r.stop()));
  });

  it('a runner with more labels than are routed says so at start and still gets its jobs', async () => {
    const plain = await cluster.runner(uniqueName('plain'));
    const manyName = uniqueName('many');
    const many = await cluster.runner(manyName, { HANGAR_RUNNER_LABELS: 'a=1,b=1,c=1,d=1,e=1,f=1' });
    await waitFor(
      'the start-up warning',
      () =>
        many.logs.lines.some((l) => String(l.msg).startsWith('this runner has more than 5 labels')) ||
        undefined,
    );
    const created = await cluster.api.createBuild(labelled('six', { f: '1', a: '1' }));
    const build = await cluster.api.waitFinished(Number(created.number));
    expect(build.status).toBe('SUCCESS');
    expect(build.jobs[0]?.runner).toBe(manyName);
    await Promise.all([plain.daemon.stop(), many.daemon.stop()]);
  });
});
