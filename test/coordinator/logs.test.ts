/**
 * Step logs: batches resent after a broken stream are stored once, in order;
 * the per-step limit truncates with a visible marker; TailLog gives stored
 * lines then live ones to every viewer, and ends when the step is over; lines
 * go out on NATS only while someone follows the step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { truncationMarker } from '../../services/coordinator/store/index.js';
import { silentLogger } from '../../services/shared/log.js';
import { Bus } from '../../services/shared/nats/bus.js';
import { Cluster, pipeline, type SimRunner, sleep, waitFor } from './harness.js';

let cluster: Cluster;
let small: Cluster;
beforeAll(async () => {
  [cluster, small] = await Promise.all([Cluster.start(), Cluster.start({ logLimit: '1KiB' })]);
});
afterAll(async () => {
  await Promise.all([cluster?.dispose(), small?.dispose()]);
});

const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

async function started(c: Cluster, runner: SimRunner, steps = ['test']) {
  const repo = await c.repo();
  const created = await c.createBuild(repo, pipeline('default', steps));
  const job = await runner.acceptNext(15_000, Number(created.jobs[0]?.id));
  return { repo, created, job };
}

describe('log ingest', () => {
  it('stores batches resent after a broken stream once, with no gap', async () => {
    const runner = await cluster.runner('resender');
    await runner.register();
    const { job } = await started(cluster, runner);
    const stepId = job.steps[1]!.id;
    const batches = Array.from({ length: 12 }, (_, i) => numbered(i * 10 + 1, i * 10 + 10));

    const first = runner.logs();
    for (let seq = 1; seq <= 6; seq++) first.send(job.jobId, job.leaseToken, stepId, seq, batches[seq - 1]!);
    // Batch 8 arrives before 7: stored, but not acknowledged past the gap.
    first.send(job.jobId, job.leaseToken, stepId, 8, batches[7]!);
    await waitFor('some acknowledgements', () => first.ackedFor(stepId) >= 3);
    first.call.cancel();
    await first.ended.catch(() => {});
    const acked = first.ackedFor(stepId);
    expect(acked).toBeLessThanOrEqual(6);

    // The runner reconnects and resends everything above what was acknowledged (and, to be
    // sure, a batch that was acknowledged already).
    const second = runner.logs();
    for (let seq = Math.max(1, acked - 1); seq <= 12; seq++) {
      second.send(job.jobId, job.leaseToken, stepId, seq, batches[seq - 1]!);
    }
    await waitFor('every batch acknowledged', () => second.ackedFor(stepId) === 12);
    second.call.end();
    await second.ended;

    const text = await cluster.store.logs.text(stepId);
    expect(text).toBe(`${numbered(1, 120).join('\n')}\n`);
    expect((await cluster.store.logs.state(stepId)).acked).toBe(12);
    await runner.runAll(job);
  });

  it('cuts a step log at the limit with a marker, and keeps acknowledging', async () => {
    const runner = await small.runner('chatty');
    await runner.register();
    const { repo, created, job } = await started(small, runner);
    const stepId = job.steps[1]!.id;
    const logs = runner.logs();
    const long = (n: number) => `${String(n).padStart(4, '0')} ${'x'.repeat(95)}`;
    for (let seq = 1; seq <= 20; seq++) logs.send(job.jobId, job.leaseToken, stepId, seq, [long(seq)]);
    await waitFor('all acknowledged', () => logs.ackedFor(stepId) === 20);
    expect(logs.acks.at(-1)?.truncated).toBe(true);
    logs.call.end();
    await logs.ended;

    const text = await small.store.logs.text(stepId);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024 + truncationMarker(1024).length);
    expect(text.endsWith(truncationMarker(1024))).toBe(true);
    expect(text.startsWith(`${long(1)}\n${long(2)}\n`)).toBe(true);
    expect(text).not.toContain(long(20));

    await runner.runAll(job);
    const tail = small.tail({
      repo: { slug: repo.slug },
      buildNumber: created.number,
      jobNumber: 1,
      step: 'test',
    });
    await tail.done;
    expect(tail.chunks.at(-1)).toMatchObject({ eof: true, truncated: true });
    expect(tail.chunks.flatMap((c) => c.lines).at(-1)).toBe(truncationMarker(1024).trimEnd());
  });
});

describe('TailLog', () => {
  it('streams stored then live lines to two viewers, and ends when the step is over', async () => {
    const runner = await cluster.runner('tailed');
    await runner.register();
    const { repo, created, job } = await started(cluster, runner);
    const stepId = job.steps[1]!.id;
    await runner.step(job.jobId, job.leaseToken, stepId, 'RUNNING');
    const logs = runner.logs();
    logs.send(job.jobId, job.leaseToken, stepId, 1, numbered(1, 3));
    logs.send(job.jobId, job.leaseToken, stepId, 2, numbered(4, 5));
    await waitFor('stored', () => logs.ackedFor(stepId) === 2);

    const req = {
      repo: { slug: repo.slug },
      buildNumber: created.number,
      jobNumber: 1,
      step: 'test',
      follow: true,
    };
    const one = cluster.tail(req);
    const two = cluster.tail(req);
    const later = cluster.tail({ ...req, afterSeq: 2 });
    await waitFor('stored lines at both viewers', () => one.chunks.length >= 2 && two.chunks.length >= 2);

    const sentAt = Date.now();
    logs.send(job.jobId, job.leaseToken, stepId, 3, numbered(6, 8));
    await waitFor('a live line at both viewers', () =>
      [one, two].every((v) => v.chunks.some((c) => c.lines.includes('line 8'))),
    );
    const liveMs = Date.now() - sentAt;
    expect(liveMs).toBeLessThan(900); // faster than the store poll: it came live
    for (let seq = 4; seq <= 10; seq++) {
      logs.send(job.jobId, job.leaseToken, stepId, seq, numbered(seq * 3 - 3, seq * 3 - 1));
      await sleep(20);
    }
    await waitFor('stored', () => logs.ackedFor(stepId) === 10);
    logs.call.end();
    await logs.ended;
    await runner.step(job.jobId, job.leaseToken, stepId, 'SUCCESS');
    await runner.complete(job.jobId, job.leaseToken, 'SUCCESS');
    await Promise.all([one.done, two.done, later.done]);

    const expected = [
      ...numbered(1, 8),
      ...Array.from({ length: 7 }, (_, i) => numbered((i + 4) * 3 - 3, (i + 4) * 3 - 1)).flat(),
    ];
    for (const v of [one, two]) {
      expect(v.chunks.flatMap((c) => c.lines)).toEqual(expected);
      expect(v.chunks.filter((c) => !c.eof).map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(v.chunks.at(-1)?.eof).toBe(true);
    }
    expect(later.chunks.flatMap((c) => c.lines)).toEqual(expected.slice(5));
  });

  it('publishes a step on NATS only while someone follows it', async () => {
    const runner = await cluster.runner('watched');
    await runner.register();
    const { repo, created, job } = await started(cluster, runner);
    const stepId = job.steps[1]!.id;
    await runner.step(job.jobId, job.leaseToken, stepId, 'RUNNING');
    const bus = await Bus.connect({ url: cluster.nats.url, name: 'log-watch-test', log: silentLogger });
    const published: string[] = [];
    const sub = bus.onLogs(String(stepId), (m) => published.push(JSON.stringify(m)));
    try {
      const logs = runner.logs();
      logs.send(job.jobId, job.leaseToken, stepId, 1, numbered(1, 2));
      await waitFor('stored', () => logs.ackedFor(stepId) === 1);
      await sleep(300);
      expect(published).toEqual([]);

      const viewer = cluster.tail({
        repo: { slug: repo.slug },
        buildNumber: created.number,
        jobNumber: 1,
        step: 'test',
        follow: true,
      });
      await waitFor('stored lines at the viewer', () => viewer.chunks.length >= 1);
      logs.send(job.jobId, job.leaseToken, stepId, 2, numbered(3, 4));
      await waitFor('the new lines published', () => published.some((m) => m.includes('line 4')));
      await waitFor('the new lines at the viewer', () =>
        viewer.chunks.some((c) => c.lines.includes('line 4')),
      );
      logs.call.end();
      await logs.ended;
      await runner.step(job.jobId, job.leaseToken, stepId, 'SUCCESS');
      await runner.complete(job.jobId, job.leaseToken, 'SUCCESS');
      await viewer.done;
      expect(viewer.chunks.flatMap((c) => c.lines)).toEqual(numbered(1, 4));
    } finally {
      sub.unsubscribe();
      await bus.close();
    }
  });

  it('says which step does not exist', async () => {
    const runner = await cluster.runner('tailed-missing');
    await runner.register();
    const { repo, created, job } = await started(cluster, runner);
    const t = cluster.tail({
      repo: { slug: repo.slug },
      buildNumber: created.number,
      jobNumber: 1,
      step: 'nope',
    });
    await expect(t.done).rejects.toMatchObject({
      details: expect.stringMatching(/has no step 'nope'; its steps are 'clone', 'test'/),
    });
    await runner.runAll(job);
  });
});
