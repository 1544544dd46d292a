import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../services/shared/log.js';
import { Bus, type RunnerPresence } from '../../services/shared/nats/bus.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});

const open = (name: string) => Bus.connect({ url: server.url, name, log: silentLogger, jobAckWaitMs: 1000 });
type Puller = Awaited<ReturnType<Bus['jobPuller']>>;

/** Takes what a puller gets within `waitMs` and acknowledges it. */
async function got(p: Puller, waitMs: number): Promise<string[]> {
  const ds = await p.take(5, waitMs);
  for (const d of ds) d.ack();
  return ds.map((d) => d.jobId);
}

describe('jobs routed by labels', () => {
  it('gives a labelled job at once to the runner with the labels, never to one without', async () => {
    const coord = await open('coordinator');
    const plainBus = await open('runner-plain');
    const gpuBus = await open('runner-gpu');
    const plain = await plainBus.jobPuller('linux-amd64');
    const gpu = await gpuBus.jobPuller('linux-amd64', { labels: { gpu: 'true', zone: 'eu' } });

    // Only the runner without the label is asking: it gets nothing.
    const plainTakes = got(plain, 1500);
    await new Promise((r) => setTimeout(r, 100));
    await coord.publishJob('linux-amd64', { jobId: 'render', attempt: 1, labels: { gpu: 'true' } });
    expect(await plainTakes).toEqual([]);
    expect(await got(gpu, 1000)).toEqual(['render']);

    // Both ask: the runner with the label gets it on the first delivery, at once.
    const bothPlain = got(plain, 2500);
    const gpuTakes = gpu.take(5, 2500);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await coord.publishJob('linux-amd64', { jobId: 'train', attempt: 1, labels: { gpu: 'true' } });
    const taken = await gpuTakes;
    const latency = Date.now() - t0;
    for (const d of taken) d.ack();
    expect(taken.map((d) => d.jobId)).toEqual(['train']);
    expect(taken[0]?.deliveries).toBe(1);
    expect(latency).toBeLessThan(500);
    expect(await bothPlain).toEqual([]);
    await Promise.all([coord.close(), plainBus.close(), gpuBus.close()]);
  });

  it('gives two runners with different labels each its own jobs, and jobs without labels to either', async () => {
    const coord = await open('coordinator');
    const armBus = await open('runner-a');
    const x86Bus = await open('runner-b');
    const a = await armBus.jobPuller('linux-ppc64le', { labels: { cpu: 'avx512', disk: 'ssd' } });
    const b = await x86Bus.jobPuller('linux-ppc64le', { labels: { cpu: 'sve' } });
    for (let i = 0; i < 3; i++) {
      await coord.publishJob('linux-ppc64le', { jobId: `avx-${i}`, attempt: 1, labels: { cpu: 'avx512' } });
      await coord.publishJob('linux-ppc64le', { jobId: `sve-${i}`, attempt: 1, labels: { cpu: 'sve' } });
      await coord.publishJob('linux-ppc64le', { jobId: `any-${i}`, attempt: 1 });
    }
    await coord.publishJob('linux-ppc64le', {
      jobId: 'avx-ssd',
      attempt: 1,
      labels: { disk: 'ssd', cpu: 'avx512' },
    });
    const byA: string[] = [];
    const byB: string[] = [];
    for (let round = 0; round < 10 && byA.length + byB.length < 10; round++) {
      const [x, y] = await Promise.all([got(a, 300), got(b, 300)]);
      byA.push(...x);
      byB.push(...y);
    }
    expect(byA.filter((j) => !j.startsWith('any')).sort()).toEqual(['avx-0', 'avx-1', 'avx-2', 'avx-ssd']);
    expect(byB.filter((j) => !j.startsWith('any')).sort()).toEqual(['sve-0', 'sve-1', 'sve-2']);
    expect([...byA, ...byB].filter((j) => j.startsWith('any')).sort()).toEqual(['any-0', 'any-1', 'any-2']);
    await Promise.all([armBus.flush(), x86Bus.flush()]);
    await expect.poll(() => coord.queueDepth('linux-ppc64le'), { timeout: 5000 }).toBe(0);
    await Promise.all([coord.close(), armBus.close(), x86Bus.close()]);
  });

  it('never takes more jobs than asked for, over all its label sets', async () => {
    const coord = await open('coordinator');
    const bus = await open('runner-small');
    const p = await bus.jobPuller('linux-mips64', { labels: { a: '1', b: '2' } });
    const sets: (Record<string, string> | undefined)[] = [
      { a: '1' },
      { b: '2' },
      { a: '1', b: '2' },
      undefined,
    ];
    for (const labels of sets) {
      await coord.publishJob('linux-mips64', {
        jobId: JSON.stringify(labels ?? {}),
        attempt: 1,
        ...(labels ? { labels } : {}),
      });
    }
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ds = await p.take(1, 1000);
      expect(ds).toHaveLength(1);
      for (const d of ds) {
        seen.push(d.jobId);
        d.ack();
      }
    }
    expect(seen.sort()).toEqual(['{"a":"1","b":"2"}', '{"a":"1"}', '{"b":"2"}', '{}']);
    expect(await p.take(1, 300)).toEqual([]);
    await Promise.all([coord.close(), bus.close()]);
  });

  it('keeps queued labelled jobs across a NATS restart', async () => {
    const coord = await open('coordinator');
    await coord.publishJob('linux-s390x', {
      jobId: 'labelled-survivor',
      attempt: 1,
      labels: { fpga: 'yes' },
    });
    await coord.close();
    await server.stop();
    await server.start();
    const runner = await open('runner');
    const p = await runner.jobPuller('linux-s390x', { labels: { fpga: 'yes' } });
    expect(await got(p, 3000)).toEqual(['labelled-survivor']);
    await runner.close();
  });

  it('still hands out jobs queued on the pool subject before label routing, labels and all', async () => {
    const coord = await open('old-coordinator');
    // What an earlier coordinator published: every job of the pool on one subject.
    await coord.publishJob('linux-riscv64', { jobId: 'old-plain', attempt: 1 }, { shared: true });
    await coord.publishJob(
      'linux-riscv64',
      { jobId: 'old-gpu', attempt: 1, labels: { gpu: 'true' } },
      { shared: true },
    );
    const runner = await open('upgraded-runner');
    const p = await runner.jobPuller('linux-riscv64', { labels: { gpu: 'true' } });
    const ds = await p.take(5, 2000);
    for (const d of ds) d.ack();
    expect(ds.map((d) => [d.jobId, d.labels])).toEqual([
      ['old-plain', undefined],
      ['old-gpu', { gpu: 'true' }],
    ]);
    await Promise.all([coord.close(), runner.close()]);
  });
});

describe('runner presence', () => {
  it('a pulling runner says it is there, answers when asked, and says when it leaves', async () => {
    const coord = await open('coordinator');
    const heard: RunnerPresence[] = [];
    coord.onRunnerPresence((p) => heard.push(p));
    await coord.flush();
    const runnerBus = await open('hangar-runner-gpu-1');
    const p = await runnerBus.jobPuller('linux-amd64', { labels: { gpu: 'true' } });
    await expect.poll(() => heard.length, { timeout: 2000 }).toBe(1);
    expect(heard[0]).toMatchObject({
      name: 'hangar-runner-gpu-1',
      pool: 'linux-amd64',
      labels: { gpu: 'true' },
      routed: true,
    });
    coord.askRunnersPresence();
    await expect.poll(() => heard.length, { timeout: 2000 }).toBe(2);
    p.close();
    await expect.poll(() => heard.at(-1)?.leaving, { timeout: 2000 }).toBe(true);
    expect(new Set(heard.map((h) => h.instance)).size).toBe(1);
    await Promise.all([coord.close(), runnerBus.close()]);
  });
});
