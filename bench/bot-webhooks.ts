/**
 * Webhook intake: deliveries per second and p99 latency of the bot's
 * `POST /hook` under concurrent load on loopback, divided by a bare koa
 * endpoint that only reads and parses the same body, measured in the same run
 * with the same client. The client runs in its own process, so it does not
 * share the server's event loop. Every delivery is a real Push Hook body (GitLab's
 * example) with its own Idempotency-Key, so each one is authenticated,
 * recorded in SQLite and queued; the queued work (a branch deletion) needs no
 * GitLab or coordinator call.
 *
 *   npx tsx bench/bot-webhooks.ts [deliveries=4000] [concurrency=32] [rounds=3]
 * Targets: ratio ≥ 0.3, p99 < 50 ms.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { openStore } from '../services/coordinator/store/index.js';
import { startBot } from '../services/gitlab-bot/bot.js';
import { loadBotConfig } from '../services/gitlab-bot/config.js';
import { silentLogger } from '../services/shared/log.js';
import { freePort, startNatsServer } from '../test/support/nats-server.js';

const CLIENT = process.argv[2] === '--client';
const args = CLIENT ? process.argv.slice(4) : process.argv.slice(2);
const TOTAL = Number(args[0] ?? 4000);
const CONCURRENCY = Number(args[1] ?? 32);
const ROUNDS = Number(args[2] ?? 3);
const TOKEN = 'bench-hook-token';
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
  perSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function cpuMsPer(since: NodeJS.CpuUsage, n: number): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000 / n;
}

/** Runs the load in a child process and returns what it measured. */
function load(url: string, total = TOTAL): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        fileURLToPath(import.meta.url),
        '--client',
        url,
        String(total),
        String(CONCURRENCY),
      ],
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

async function measure(url: string, total = TOTAL): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      next += 1;
      const t = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Gitlab-Event': 'Push Hook',
          'X-Gitlab-Token': TOKEN,
          'Idempotency-Key': randomUUID(),
          'X-Gitlab-Event-UUID': randomUUID(),
          'X-Gitlab-Webhook-UUID': 'bench',
        },
        body,
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - t);
      if (res.status !== 202) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: total / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed,
  };
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

async function main(): Promise<void> {
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
  const bot = await startBot(
    loadBotConfig({
      DRONE_GITLAB_URL: 'http://gitlab.invalid',
      HANGAR_GITLAB_TOKEN: 'unused',
      DRONE_SERVER: '127.0.0.1:1',
      HANGAR_NATS_URL: nats.url,
      HANGAR_HTTP_ADDR: `127.0.0.1:${port}`,
      HANGAR_WEBHOOK_QUEUE: String(TOTAL * 2),
    }),
    { store },
    silentLogger,
  );
  const baseline = await bare();
  try {
    // Warm both up so neither pays for JIT or first connections in the measurement.
    await load(baseline.url, 300);
    await load(`http://127.0.0.1:${port}/hook`, 300);
    await bot.queue.idle();
    // Alternate rounds so a busy machine weighs on both sides alike; report the median round.
    const rounds: { b: Result; h: Result; ratio: number; bareCpu: number; hookCpu: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Server CPU per delivery does not depend on what else the machine runs.
      let cpu = process.cpuUsage();
      const b = await load(baseline.url);
      const bareCpu = cpuMsPer(cpu, TOTAL);
      cpu = process.cpuUsage();
      const h = await load(`http://127.0.0.1:${port}/hook`);
      await bot.queue.idle();
      const hookCpu = cpuMsPer(cpu, TOTAL);
      rounds.push({ b, h, ratio: h.perSecond / b.perSecond, bareCpu, hookCpu });
    }
    const line = (name: string, r: Result) =>
      `${name.padEnd(14)} ${r.perSecond.toFixed(0).padStart(6)} deliveries/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  non-2xx ${r.failed}`;
    console.log(
      `POST /hook: ${TOTAL} deliveries per round, ${CONCURRENCY} at once, loopback, ${ROUNDS} rounds`,
    );
    rounds.forEach((r, i) => {
      console.log(`round ${i + 1}`);
      console.log(`  ${line('bare koa', r.b)}`);
      console.log(`  ${line('hangar /hook', r.h)}`);
      console.log(
        `  ratio ${r.ratio.toFixed(2)}; server CPU per delivery: bare ${r.bareCpu.toFixed(3)} ms, hook ${r.hookCpu.toFixed(3)} ms (queued work included), ratio ${(r.bareCpu / r.hookCpu).toFixed(2)}`,
      );
    });
    const median = [...rounds].sort((x, y) => x.ratio - y.ratio)[Math.floor(rounds.length / 2)];
    if (median === undefined) return;
    const { h, ratio } = median;
    const recorded = (await store.deliveries.queued(1)).length;
    console.log(
      `median round: ratio ${ratio.toFixed(2)} (target ≥ 0.3)  hook p99 ${h.p99.toFixed(2)} ms (target < 50 ms)`,
    );
    console.log(`deliveries left queued after the queue drained: ${recorded}`);
    process.exitCode = ratio >= 0.3 && h.p99 < 50 && h.failed === 0 ? 0 : 1;
  } finally {
    await new Promise((r) => baseline.server.close(r));
    await bot.stop();
    await store.close();
    await nats.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (CLIENT) {
  process.stdout.write(JSON.stringify(await measure(process.argv[3] ?? '', TOTAL)));
} else {
  await main();
}
