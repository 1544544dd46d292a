import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../services/shared/log.js';
import { Bus } from '../../services/shared/nats/bus.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});

const open = (name: string) => Bus.connect({ url: server.url, name, log: silentLogger, jobAckWaitMs: 1000 });

describe('job work queue', () => {
  it('gives each job to exactly one of several pullers, and dedupes a repeated publish', async () => {
    const coord = await open('coordinator');
    const r1 = await open('runner-1');
    const r2 = await open('runner-2');
    for (let i = 0; i < 20; i++) await coord.publishJob('linux-amd64', { jobId: `j${i}`, attempt: 1 });
    await coord.publishJob('linux-amd64', { jobId: 'j0', attempt: 1 }); // duplicate of attempt 1
    const p1 = await r1.jobPuller('linux-amd64');
    const p2 = await r2.jobPuller('linux-amd64');
    const seen: string[] = [];
    while (seen.length < 20) {
      const [a, b] = await Promise.all([p1.take(3, 1000), p2.take(3, 1000)]);
      for (const d of [...a, ...b]) {
        seen.push(d.jobId);
        d.ack();
      }
      if (a.length + b.length === 0) break;
    }
    expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `j${i}`).sort());
    // Acknowledgements travel on the pullers' connections; once they reach the
    // server the work queue holds nothing more.
    await Promise.all([r1.flush(), r2.flush()]);
    await expect.poll(() => coord.queueDepth('linux-amd64'), { timeout: 5000 }).toBe(0);
    await Promise.all([coord.close(), r1.close(), r2.close()]);
  });

  it('returns as soon as one job is there instead of waiting for a full batch', async () => {
    const coord = await open('coordinator');
    const runner = await open('runner-batch');
    const puller = await runner.jobPuller('linux-ppc64le');
    const waiting = puller.take(4, 5000);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await coord.publishJob('linux-ppc64le', { jobId: 'only-one', attempt: 1 });
    const got = await waiting;
    expect(Date.now() - t0).toBeLessThan(500);
    expect(got.map((d) => d.jobId)).toEqual(['only-one']);
    got[0]?.ack();
    for (let i = 0; i < 3; i++) await coord.publishJob('linux-ppc64le', { jobId: `more-${i}`, attempt: 1 });
    const rest = await puller.take(10, 5000);
    expect(rest.map((d) => d.jobId)).toEqual(['more-0', 'more-1', 'more-2']);
    for (const d of rest) d.ack();
    expect(await puller.take(2, 1000)).toEqual([]);
    await Promise.all([coord.close(), runner.close()]);
  });

  it('loses no delivery while jobs arrive during a large take (none waits for the ack wait)', async () => {
    // A take asks for more than the queue holds while a publisher keeps adding:
    // every message the server sends for a request must reach the caller. With
    // an ack wait of 60 s, one dropped delivery would hold the test far past its end.
    const coord = await Bus.connect({ url: server.url, name: 'coordinator', log: silentLogger });
    const runner = await Bus.connect({
      url: server.url,
      name: 'runner-bulk',
      log: silentLogger,
      jobAckWaitMs: 60_000,
    });
    const puller = await runner.jobPuller('linux-riscv64');
    const total = 3000;
    const seen = new Set<string>();
    const publishing = (async () => {
      for (let i = 0; i < total; i += 25) {
        await Promise.all(
          Array.from({ length: 25 }, (_, k) =>
            coord.publishJob('linux-riscv64', { jobId: `bulk-${i + k}`, attempt: 1 }),
          ),
        );
      }
    })();
    const deadline = Date.now() + 20_000;
    while (seen.size < total && Date.now() < deadline) {
      for (const d of await puller.take(256, 500)) {
        seen.add(d.jobId);
        d.ack();
      }
    }
    await publishing;
    expect(seen.size).toBe(total);
    await Promise.all([coord.close(), runner.close()]);
  });

  it('redelivers a job whose puller died without acknowledging it', async () => {
    const coord = await open('coordinator');
    await coord.publishJob('linux-arm64', { jobId: 'lost', attempt: 1 });
    const dead = await open('dead-runner');
    const [first] = await (await dead.jobPuller('linux-arm64')).take(1, 2000);
    expect(first?.jobId).toBe('lost');
    await dead.close(); // never acked
    const alive = await open('alive-runner');
    const again = await (await alive.jobPuller('linux-arm64')).take(1, 4000);
    expect(again.map((d) => d.jobId)).toEqual(['lost']);
    expect(again[0]?.deliveries).toBeGreaterThanOrEqual(2);
    again[0]?.ack();
    await Promise.all([coord.close(), alive.close()]);
  });

  it('keeps queued jobs across a NATS restart', async () => {
    const coord = await open('coordinator');
    await coord.publishJob('linux-s390x', { jobId: 'survivor', attempt: 1 });
    await coord.close();
    await server.stop();
    await server.start();
    const runner = await open('runner');
    const got = await (await runner.jobPuller('linux-s390x')).take(1, 3000);
    expect(got.map((d) => d.jobId)).toEqual(['survivor']);
    got[0]?.ack();
    await runner.close();
  });
});

describe('build events', () => {
  it('a durable consumer resumes after a restart without losing events', async () => {
    const opts = { ackWaitMs: 500 };
    const coord = await open('coordinator');
    for (let i = 1; i <= 5; i++) await coord.publishEvent('build', { n: i }, `ev-${i}`);
    await coord.publishEvent('build', { n: 5 }, 'ev-5'); // retried publish: deduplicated

    const bot1 = await open('bot');
    const got: number[] = [];
    for await (const d of bot1.events<{ n: number }>('bot-test', opts)) {
      got.push(d.event.n);
      d.ack();
      if (got.length === 2) break;
    }
    await bot1.close();
    for (let i = 6; i <= 7; i++) await coord.publishEvent('build', { n: i }, `ev-${i}`);

    const bot2 = await open('bot');
    for await (const d of bot2.events<{ n: number }>('bot-test', opts)) {
      got.push(d.event.n);
      d.ack();
      if (got.length === 7) break;
    }
    // Events taken by the first consumer but not acknowledged come again: none is lost.
    expect(got.slice(0, 2)).toEqual([1, 2]);
    expect([...got].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await Promise.all([coord.close(), bot2.close()]);
  });
});

describe('core signals', () => {
  it('delivers cancel signals to subscribers', async () => {
    const a = await open('a');
    const b = await open('b');
    const got = new Promise<string>((resolve) => b.onCancel(resolve));
    await b.flush();
    a.publishCancel('job-42');
    expect(await got).toBe('job-42');
    await Promise.all([a.close(), b.close()]);
  });
});
