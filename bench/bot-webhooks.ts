/**
 * Webhook intake: `POST /hook` of the bot ÷ a bare koa endpoint that only
 * reads and parses the same body, measured in the same run with the same load
 * client, which runs in its own process so it does not share the server's
 * event loop. Every delivery is a real Push Hook body (GitLab's example) with
 * its own Idempotency-Key, so each one is authenticated, recorded in SQLite
 * and queued; the queued work (a branch deletion) needs no GitLab or
 * coordinator call and runs alongside, as it would in production.
 *
 * Two kinds of load, each against both servers:
 * - open loop at fixed offered rates (200/s and 500/s, far above what a busy
 *   GitLab sends one Hangar): requests go out on a schedule whether or not
 *   earlier ones were answered, and latency counts from the scheduled send
 *   time, so a stall of the server (or of the client) shows in the p99
 *   instead of quietly slowing the load down;
 * - closed loop at a fixed concurrency: throughput.
 *
 *   npx tsx bench/bot-webhooks.ts [seconds per open-loop run=5] [closed-loop deliveries=4000] [concurrency=8] [rounds=3]
 * Targets (median round): /hook p99 < 50 ms at each open-loop rate; closed-loop
 * deliveries/s of /hook ÷ bare koa ≥ 0.3; every delivery answered 202. Exits 1
 * when one is missed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { openStore } from '../services/coordinator/store/index.js';
import { startBot } from '../services/gitlab-bot/bot.js';
import { loadBotConfig } from '../services/gitlab-bot/config.js';
import { silentLogger } from '../services/shared/log.js';
import { freePort, startNatsServer } from '../test/support/nats-server.js';

const RATES = [200, 500];
const TOKEN = 'bench-hook-token';
/** Requests each load client sends, unmeasured, before it starts measuring. */
const CLIENT_WARMUP = 200;
const PROJECT_ID = 4242;

const fixture = JSON.parse(
  readFileSync(new URL('../test/gitlab-double/fixtures/push.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const body = JSON.stringify({
  ...fixture,
  project_id: PROJECT_ID,
  project: { ...(fixture.project as object), id: PROJECT_ID },
  after: '0'.repeat(40),
  checkout_sha: null,
});

interface Result {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  /** Server CPU per request, ms (filled in by the server side). */
  cpuMs?: number;
}

type Load =
  | { kind: 'closed'; total: number; concurrency: number }
  | { kind: 'open'; rate: number; seconds: number };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function summary(latencies: number[], failed: number, seconds: number): Result {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? 0,
    failed,
  };
}

// ---- the load client (its own process) ----

/** node:http with kept-alive connections: much less client CPU per request than fetch. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const payload = Buffer.from(body);

function post(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': payload.length,
          'X-Gitlab-Event': 'Push Hook',
          'X-Gitlab-Token': TOKEN,
          'Idempotency-Key': randomUUID(),
          'X-Gitlab-Event-UUID': randomUUID(),
          'X-Gitlab-Webhook-UUID': 'bench',
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode === 202));
        res.once('error', () => resolve(false));
      },
    );
    req.once('error', () => resolve(false));
    req.end(payload);
  });
}

async function closedLoop(url: string, total: number, concurrency: number): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      next += 1;
      const t = performance.now();
      const ok = await post(url);
      latencies.push(performance.now() - t);
      if (!ok) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summary(latencies, failed, (performance.now() - started) / 1000);
}

/** Sends on a fixed schedule; each latency runs from the request's scheduled time to its answer. */
async function openLoop(url: string, rate: number, seconds: number): Promise<Result> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let failed = 0;
  const started = performance.now();
  for (let i = 0; i < total; ) {
    const now = performance.now();
    while (i < total && started + i * interval <= now) {
      const due = started + i * interval;
      pending.push(
        post(url).then((ok) => {
          latencies.push(performance.now() - due);
          if (!ok) failed += 1;
        }),
      );
      i += 1;
    }
    if (i < total)
      await new Promise((r) => setTimeout(r, Math.max(0, started + i * interval - performance.now())));
  }
  await Promise.all(pending);
  return summary(latencies, failed, seconds);
}

// ---- the servers and the report ----

function load(url: string, spec: Load): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--client', url, JSON.stringify(spec)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Result);
      else reject(new Error(`the load client exited with ${code}`));
    });
  });
}

async function bare(): Promise<{ url: string; server: Server }> {
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req as AsyncIterable<Buffer>) chunks.push(c);
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    ctx.status = 202;
    ctx.body = { queued: 1 };
  });
  const server = createServer(app.callback());
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/hook`, server };
}

/**
 * The time the bot's /hook handler itself took (body read to answer, from its
 * own metrics): what the server adds, without the client, the network stack
 * or requests waiting for the event loop.
 */
async function handlerTimes(metricsUrl: string): Promise<string> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  const count = value(/^hangar_bot_webhook_seconds_count (\S+)$/m);
  const sum = value(/^hangar_bot_webhook_seconds_sum (\S+)$/m);
  const under = (le: string) =>
    value(new RegExp(`^hangar_bot_webhook_seconds_bucket\\{le="${le}"\\} (\\S+)$`, 'm'));
  const pct = (n: number) => ((100 * n) / count).toFixed(2);
  return `/hook handler time over all ${count} deliveries (bot metrics): mean ${((1000 * sum) / count).toFixed(3)} ms; ≤ 1 ms ${pct(under('0.001'))}%, ≤ 5 ms ${pct(under('0.005'))}%, ≤ 50 ms ${pct(under('0.05'))}%`;
}

const load1 = () => loadavg()[0]?.toFixed(2) ?? '?';
const line = (name: string, r: Result) =>
  `${name.padEnd(13)} ${r.perSecond.toFixed(0).padStart(5)}/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(7)} ms  max ${r.max.toFixed(1).padStart(6)} ms  server CPU ${(r.cpuMs ?? 0).toFixed(3)} ms/req  non-202 ${r.failed}`;

interface Round {
  closed: { bare: Result; hook: Result };
  open: Map<number, { bare: Result; hook: Result }>;
}

async function main(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 5);
  const total = Number(args[1] ?? 4000);
  const concurrency = Number(args[2] ?? 8);
  const roundCount = Number(args[3] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-bot-'));
  const nats = await startNatsServer();
  const store = await openStore({ database: { engine: 'sqlite', path: join(dir, 'hangar.db') } });
  const repo = await store.repos.create({
    projectId: PROJECT_ID,
    slug: 'mike/diaspora',
    cloneUrl: 'http://gitlab.invalid/mike/diaspora.git',
    active: true,
  });
  await store.repos.setHook(repo.id, { hookId: 1, token: TOKEN });
  const port = await freePort();
  const most = Math.max(total, ...RATES.map((r) => r * seconds));
  const bot = await startBot(
    loadBotConfig({
      DRONE_GITLAB_URL: 'http://gitlab.invalid',
      HANGAR_GITLAB_TOKEN: 'unused',
      DRONE_SERVER: '127.0.0.1:1',
      HANGAR_NATS_URL: nats.url,
      HANGAR_HTTP_ADDR: `127.0.0.1:${port}`,
      HANGAR_WEBHOOK_QUEUE: String(most * 2),
    }),
    { store },
    silentLogger,
  );
  const hookUrl = `http://127.0.0.1:${port}/hook`;
  const baseline = await bare();
  // Server CPU per request (this process: both servers, the bot's queued work included) does not
  // depend on what else the machine runs, unlike latency.
  const cpuPer = (since: NodeJS.CpuUsage, r: Result) => {
    const d = process.cpuUsage(since);
    return (d.user + d.system) / 1000 / (r.requests + CLIENT_WARMUP);
  };
  const both = async (spec: Load) => {
    let cpu = process.cpuUsage();
    const b = await load(baseline.url, spec);
    b.cpuMs = cpuPer(cpu, b);
    cpu = process.cpuUsage();
    const h = await load(hookUrl, spec);
    await bot.queue.idle();
    h.cpuMs = cpuPer(cpu, h);
    return { bare: b, hook: h };
  };
  try {
    console.log(`load average at start: ${load1()} (1 min)`);
    // Warm both up so neither pays for JIT or first connections in the measurement.
    await both({ kind: 'closed', total: 500, concurrency });
    const rounds: Round[] = [];
    for (let i = 0; i < roundCount; i++) {
      // Alternating rounds let a busy machine weigh on both sides alike.
      const closed = await both({ kind: 'closed', total, concurrency });
      const open = new Map<number, { bare: Result; hook: Result }>();
      for (const rate of RATES) open.set(rate, await both({ kind: 'open', rate, seconds }));
      rounds.push({ closed, open });
      console.log(`round ${i + 1} (load ${load1()})`);
      console.log(`  closed loop, ${concurrency} at once, ${total} deliveries`);
      console.log(`    ${line('bare koa', closed.bare)}`);
      console.log(`    ${line('hangar /hook', closed.hook)}`);
      console.log(`    ratio ${(closed.hook.perSecond / closed.bare.perSecond).toFixed(2)}`);
      for (const [rate, r] of open) {
        console.log(`  open loop, ${rate}/s offered for ${seconds} s (latency from the scheduled send)`);
        console.log(`    ${line('bare koa', r.bare)}`);
        console.log(`    ${line('hangar /hook', r.hook)}`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    const ratio = median(rounds.map((r) => r.closed.hook.perSecond / r.closed.bare.perSecond));
    const failed = rounds.reduce(
      (n, r) => n + r.closed.hook.failed + [...r.open.values()].reduce((m, o) => m + o.hook.failed, 0),
      0,
    );
    const verdicts: boolean[] = [ratio >= 0.3, failed === 0];
    console.log(`median of ${rounds.length} rounds (load average now ${load1()}):`);
    console.log(`  closed loop deliveries/s ratio /hook ÷ bare koa ${ratio.toFixed(2)} (target ≥ 0.3)`);
    for (const rate of RATES) {
      const p99 = median(rounds.map((r) => r.open.get(rate)?.hook.p99 ?? Number.POSITIVE_INFINITY));
      const bareP99 = median(rounds.map((r) => r.open.get(rate)?.bare.p99 ?? Number.POSITIVE_INFINITY));
      console.log(
        `  open loop ${rate}/s: /hook p99 ${p99.toFixed(2)} ms (target < 50 ms), bare koa p99 ${bareP99.toFixed(2)} ms`,
      );
      verdicts.push(p99 < 50);
    }
    console.log(`  /hook answers other than 202: ${failed}`);
    console.log(`  ${await handlerTimes(`http://127.0.0.1:${port}/metrics`)}`);
    console.log(
      `  deliveries left queued after the queue drained: ${(await store.deliveries.queued(1)).length}`,
    );
    process.exitCode = verdicts.every(Boolean) ? 0 : 1;
    if (process.exitCode !== 0) console.log('a target was missed');
  } finally {
    await new Promise((r) => baseline.server.close(r));
    await bot.stop();
    await store.close();
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--client') {
  const url = process.argv[3] ?? '';
  const spec = JSON.parse(process.argv[4] ?? '{}') as Load;
  // Open the connections and warm the client's code before anything is measured.
  await closedLoop(url, CLIENT_WARMUP, 16);
  const result =
    spec.kind === 'closed'
      ? await closedLoop(url, spec.total, spec.concurrency)
      : await openLoop(url, spec.rate, spec.seconds);
  process.stdout.write(JSON.stringify(result));
} else {
  await main(process.argv.slice(2));
}
