/**
 * Dispatch throughput: N one-pipeline builds go through a real coordinator
 * (SQLite, NATS JetStream, gRPC) to R simulated runners that take each job
 * from the work queue, Accept it and Complete it (no Docker; over the Calls
 * stream, as the runner daemon does), against raw
 * JetStream: the same N messages published and consumed (fetch + ack) by R
 * pullers through the same NATS adapter. Both run in this process on the same
 * nats-server. Target: ratio ≥ 0.25. The raw side takes messages the way
 * runners do (R consumers, at most CAPACITY at a time); a single consumer
 * taking 256 at a time is printed too, for scale.
 *
 * Two coordinator figures:
 *  - dispatch: builds created first (jobs wait in the queue), then the clock
 *    runs from starting the runners until every build has ended;
 *  - end to end: runners already pulling, the clock runs from the first
 *    CreateBuild (compile, store, publish) until every build has ended.
 * Latency p50 / p99 publish → accept comes from the coordinator's own
 * histogram (hangar_dispatch_latency_seconds) in the end-to-end run,
 * interpolated within buckets as Prometheus' histogram_quantile does.
 *
 * A warm-up round (both sides, so the JIT has compiled both paths) comes
 * first and is printed but not counted; the ratio is the median of the
 * rounds after it.
 *
 *   npx tsx bench/coordinator-dispatch.ts [jobs] [runners] [rounds]
 */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../services/shared/log.js';
import { Bus } from '../services/shared/nats/bus.js';
import { Cluster, POOL, pipeline, type SimRunner, waitFor } from '../test/coordinator/harness.js';

const N = Number(process.argv[2] ?? 2000);
const R = Number(process.argv[3] ?? 4);
const CAPACITY = 8;
const CREATE_CONCURRENCY = 16;

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** A take that failed (NATS answered nothing in time) is retried after a pause, as the runner daemon does. */
async function takeOrRetry<T>(take: () => Promise<T[]>): Promise<T[]> {
  try {
    return await take();
  } catch (err) {
    console.error(`taking jobs failed, retrying: ${String(err)}`);
    await new Promise((r) => setTimeout(r, 100));
    return [];
  }
}

/** A runner that accepts and completes jobs until told to stop; it waits for a free slot, not polling. */
function work(runner: SimRunner, stop: { done: boolean }, counted: { n: number }): Promise<void> {
  let inFlight = 0;
  let slotFreed: (() => void) | undefined;
  return (async () => {
    while (!stop.done) {
      const free = CAPACITY - inFlight;
      if (free <= 0) {
        await new Promise<void>((r) => {
          slotFreed = r;
        });
        continue;
      }
      const got = await takeOrRetry(() => runner.take(free, 200));
      for (const d of got) {
        inFlight += 1;
        void (async () => {
          try {
            const job = await runner.accept(d.jobId);
            d.ack();
            await runner.complete(Number(d.jobId), job.leaseToken, 'SUCCESS');
            counted.n += 1;
          } catch {
            d.ack();
          } finally {
            inFlight -= 1;
            slotFreed?.();
            slotFreed = undefined;
          }
        })();
      }
    }
  })();
}

type Mode = 'dispatch' | 'end-to-end' | 'paced';

async function dispatchRun(mode: Mode, n: number) {
  const cluster = await Cluster.start({ lease: '60s' });
  const repo = await cluster.repo();
  const runners: SimRunner[] = [];
  for (let i = 0; i < R; i++) {
    const r = await cluster.runner(`bench-${i}`);
    await r.register();
    runners.push(r);
  }
  const config = pipeline('default', ['test']);
  const stop = { done: false };
  const counted = { n: 0 };
  const one = () =>
    cluster.createBuild(repo, config, { sha: randomBytes(20).toString('hex') }).then(() => {});
  const create = () =>
    pool(
      Array.from({ length: n }, (_, i) => i),
      mode === 'paced' ? 1 : CREATE_CONCURRENCY,
      async () => {
        await one();
        // Paced: one build at a time, each taken before the next is made.
        if (mode === 'paced') {
          const target = counted.n + 1;
          await waitFor('the build taken', () => counted.n >= target, 60_000, 1);
        }
      },
    );
  let t0: number;
  let workers: Promise<void>[];
  let cpu0 = process.cpuUsage();
  if (mode === 'dispatch') {
    await create();
    await waitFor(
      'every job queued',
      async () => (await cluster.store.jobs.countActive()).queued === n,
      120_000,
      100,
    );
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    workers = runners.map((r) => work(r, stop, counted));
  } else {
    workers = runners.map((r) => work(r, stop, counted));
    t0 = performance.now();
    await create();
  }
  await waitFor('every job completed', () => counted.n >= n, 600_000, 5);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  stop.done = true;
  await Promise.all(workers);
  await waitFor(
    'every build finished',
    async () => (await cluster.store.builds.countRunning(repo.id)) === 0,
    60_000,
    50,
  );
  const finished = await cluster.store.builds.list({ repoId: repo.id, statuses: ['success'], limit: 1000 });
  if (finished.length < Math.min(n, 1000))
    throw new Error(`only ${finished.length} of ${n} builds succeeded`);
  const metrics = await (await fetch(`http://${cluster.coordinator.metricsAddress}/metrics`)).text();
  await cluster.dispose();
  return { ms, metrics, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Raw JetStream with `pullers` consumers taking up to `batch` messages at a time. */
async function rawRun(pullerCount = R, batch = CAPACITY) {
  const { startNatsServer } = await import('../test/support/nats-server.js');
  const nats = await startNatsServer();
  const pub = await Bus.connect({ url: nats.url, name: 'raw-pub', log: silentLogger });
  const subs = await Promise.all(
    Array.from({ length: pullerCount }, (_, i) =>
      Bus.connect({ url: nats.url, name: `raw-${i}`, log: silentLogger }),
    ),
  );
  const pullers = await Promise.all(subs.map((b) => b.jobPuller(POOL)));
  let consumed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const consumers = pullers.map(async (p) => {
    while (consumed < N) {
      for (const d of await takeOrRetry(() => p.take(batch, 200))) {
        d.ack();
        consumed += 1;
      }
    }
  });
  for (let i = 0; i < N; i += 64) {
    await Promise.all(
      Array.from({ length: Math.min(64, N - i) }, (_, k) =>
        pub.publishJob(POOL, { jobId: String(i + k + 1), attempt: 1 }),
      ),
    );
  }
  await Promise.all(consumers);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all([pub.close(), ...subs.map((s) => s.close())]);
  await nats.dispose();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function quantile(metrics: string, name: string, q: number): number {
  const buckets: [number, number][] = [];
  for (const line of metrics.split('\n')) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`).exec(line);
    if (m) buckets.push([m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])]);
  }
  const total = buckets.at(-1)?.[1] ?? 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return Number.NaN;
}

const ROUNDS = Number(process.argv[4] ?? 5);
const rate = (ms: number) => (N / ms) * 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const raws: number[] = [];
const dispatches: number[] = [];
const e2es: number[] = [];
const cpuPerJob: number[] = [];
const cpuPerMsg: number[] = [];
console.log(
  `jobs: ${N}, simulated runners: ${R} × capacity ${CAPACITY}, rounds: ${ROUNDS} after a warm-up (raw, dispatch, end to end in turn)`,
);
for (let round = 0; round <= ROUNDS; round++) {
  const raw = await rawRun();
  const dispatch = await dispatchRun('dispatch', N);
  const e2e = await dispatchRun('end-to-end', N);
  if (round === 0) {
    console.log(
      `warm-up (not counted): raw ${rate(raw.ms).toFixed(0)} msgs/s, dispatch ${rate(dispatch.ms).toFixed(0)} jobs/s, end to end ${rate(e2e.ms).toFixed(0)} jobs/s`,
    );
    continue;
  }
  raws.push(rate(raw.ms));
  dispatches.push(rate(dispatch.ms));
  e2es.push(rate(e2e.ms));
  cpuPerJob.push(dispatch.cpuMs / N);
  cpuPerMsg.push(raw.cpuMs / N);
  console.log(
    `round ${round}: raw ${rate(raw.ms).toFixed(0)} msgs/s, dispatch ${rate(dispatch.ms).toFixed(0)} jobs/s (ratio ${(rate(dispatch.ms) / rate(raw.ms)).toFixed(3)}), end to end ${rate(e2e.ms).toFixed(0)} jobs/s (ratio ${(rate(e2e.ms) / rate(raw.ms)).toFixed(3)}), this process's CPU ${(raw.cpuMs / N).toFixed(2)} ms/msg raw vs ${(dispatch.cpuMs / N).toFixed(2)} ms/job dispatched`,
  );
}
const paced = await dispatchRun('paced', Math.min(N, 300));
const bulk = await rawRun(1, 256);
const ratio = (xs: number[]) => median(xs.map((x, i) => x / (raws[i] as number)));
console.log(`raw JetStream publish + consume (median): ${median(raws).toFixed(0)} msgs/s`);
console.log(`coordinator dispatch, queued → done (median): ${median(dispatches).toFixed(0)} jobs/s`);
console.log(`coordinator end to end, create → done (median): ${median(e2es).toFixed(0)} jobs/s`);
const dispatchRatio = ratio(dispatches);
console.log(`ratio dispatch / raw (median of rounds): ${dispatchRatio.toFixed(3)} (target ≥ 0.25)`);
console.log(`ratio end to end / raw (median of rounds): ${ratio(e2es).toFixed(3)}`);
console.log(
  `for scale: raw JetStream with one consumer taking 256 at a time: ${rate(bulk.ms).toFixed(0)} msgs/s (dispatch / that: ${(median(dispatches) / rate(bulk.ms)).toFixed(3)})`,
);
console.log(
  `this process's CPU (coordinator + simulated runners; nats-server not counted): ${median(cpuPerMsg).toFixed(2)} ms per raw message, ${median(cpuPerJob).toFixed(2)} ms per dispatched job`,
);
const p50 = quantile(paced.metrics, 'hangar_dispatch_latency_seconds', 0.5) * 1000;
const p99 = quantile(paced.metrics, 'hangar_dispatch_latency_seconds', 0.99) * 1000;
console.log(
  `dispatch latency publish → accept (${Math.min(N, 300)} builds one at a time, idle runners): p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
);
if (dispatchRatio < 0.25) {
  console.log('target missed: dispatch / raw < 0.25');
  process.exitCode = 1;
}
