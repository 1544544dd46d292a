/**
 * Coordinator memory: `node bin/hangar.js coordinator` as users run it (the
 * bundle in dist/, rebuilt first when the sources are newer) as its own
 * process on a SQLite database holding 10,000 finished builds (one pipeline,
 * clone + two steps, a few log lines each), after it has served every build
 * once through GetBuild and listed them page by page. Its RSS is printed next
 * to the RSS of a bare `node -e` process measured in the same run.
 * Target: ≤ 150 MB; exits 1 when missed.
 *
 *   npx tsx bench/coordinator-memory.ts [builds] [database-file]
 *   BENCH_NODE_ARGS='--max-semi-space-size=1' npx tsx bench/coordinator-memory.ts   # try V8 flags
 * With a database file that exists, it is used as it is (seeded by an earlier
 * run with the same file) and kept.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import type { Build__Output } from '../proto/generated/hangar/v1/Build.js';
import type { ListBuildsResponse__Output } from '../proto/generated/hangar/v1/ListBuildsResponse.js';
import { BuildServiceClient } from '../proto/load.js';
import { openStore } from '../services/coordinator/store/index.js';
import { authMetadata } from '../services/shared/grpc/auth.js';
import { unary } from '../services/shared/grpc/call.js';
import { compile } from '../services/shared/pipeline/compile.js';
import { pipeline } from '../test/coordinator/harness.js';
import { freePort, startNatsServer } from '../test/support/nats-server.js';
import { type BundledProcess, rssMb, startBundled, stopProcess } from './support/bundled-hangar.js';

const BUILDS = Number(process.argv[2] ?? 10_000);
const SECRET = 'memory-bench-secret';
const TARGET_MB = 150;

const given = process.argv[3];
const dir = given === undefined ? mkdtempSync(join(tmpdir(), 'hangar-memory-')) : undefined;
const dbPath = given ?? join(dir as string, 'hangar.db');
const reuse = given !== undefined && existsSync(given);
const nats = await startNatsServer();

// 10,000 finished builds, written straight into the store.
const t0 = performance.now();
if (!reuse) await seed();
const seeded = performance.now() - t0;

async function seed(): Promise<void> {
  const store = await openStore({ database: { engine: 'sqlite', path: dbPath } });
  const repo = await store.repos.create({
    projectId: 1,
    slug: 'group/app',
    cloneUrl: 'https://gitlab.example.com/group/app.git',
  });
  const runner = await store.runners.register({ name: 'bench-runner' });
  const compiled = compile(pipeline('default', ['build', 'test']), {
    repo: { slug: 'group/app' },
    commit: { sha: 'a'.repeat(40), ref: 'refs/heads/main', branch: 'main' },
    build: { number: 1, event: 'push' },
    trusted: false,
  });
  const p = compiled.jobs[0];
  if (p === undefined)
    throw new Error(`the bench pipeline does not compile: ${JSON.stringify(compiled.errors)}`);
  for (let i = 0; i < BUILDS; i++) {
    const { jobs, steps } = await store.builds.create(
      repo.id,
      {
        event: 'push',
        ref: 'refs/heads/main',
        branch: 'main',
        sha: randomBytes(20).toString('hex'),
        message: `commit ${i}`,
        config: 'kind: pipeline\n',
      },
      [{ plan: p }],
    );
    const job = jobs[0]!;
    const lease = await store.jobs.claim(job.id, runner.id, 60_000);
    for (const s of steps) {
      await store.logs.append(s.id, [{ seq: 1, lines: [`${s.name} of build ${i}`, 'ok'] }], {
        jobId: job.id,
        token: lease!.token,
      });
      await store.steps.update(
        s.id,
        { jobId: job.id, token: lease!.token },
        { status: 'success', exitCode: 0 },
      );
    }
    await store.jobs.complete(job.id, lease!.token, 'success');
    await store.builds.setStatus(job.buildId, 'running');
    await store.builds.setStatus(job.buildId, 'success');
  }
  await store.close();
}

const grpcAddr = `127.0.0.1:${await freePort()}`;

const startCoordinator = () =>
  startBundled(
    'coordinator',
    {
      ...process.env,
      HANGAR_DATABASE_PATH: dbPath,
      DRONE_SECRET: SECRET,
      HANGAR_GRPC_ADDR: grpcAddr,
      HANGAR_METRICS_ADDR: '127.0.0.1:0',
      HANGAR_NATS_URL: nats.url,
    },
    'coordinator ready',
    60_000,
  );

const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
let started: BundledProcess | undefined;
try {
  started = await startCoordinator();
  const coordinator = started.proc;
  await new Promise((r) => setTimeout(r, 1000));
  const rssReady = rssMb(coordinator.pid!);
  const client = new BuildServiceClient(grpcAddr, credentials.createInsecure());
  const md = authMetadata(SECRET);
  let listed = 0;
  let before = 0;
  for (;;) {
    const page = await unary<ListBuildsResponse__Output>((o, cb) =>
      client.listBuilds(
        { repo: { slug: 'group/app' }, limit: 100, ...(before ? { before } : {}) },
        md,
        o,
        cb,
      ),
    );
    if (page.builds.length === 0) break;
    listed += page.builds.length;
    before = page.builds.at(-1)!.number;
  }
  for (let n = 1; n <= BUILDS; n += 1) {
    const b = await unary<Build__Output>((o, cb) =>
      client.getBuild({ repo: { slug: 'group/app' }, number: n }, md, o, cb),
    );
    if (b.status !== 'SUCCESS') throw new Error(`build ${n} is ${b.status}`);
  }
  client.close();
  // Idle for a while, as a coordinator between builds is: V8 gives back what it no longer needs.
  const samples: number[] = [];
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 5000));
    samples.push(rssMb(coordinator.pid!));
  }
  console.log(`RSS every 5 s after serving: ${samples.map((x) => x.toFixed(1)).join(', ')} MB`);
  const metricsAddr = /"metrics":"([^"]+)"/.exec(started.output())?.[1];
  if (metricsAddr !== undefined) {
    const text = await (await fetch(`http://${metricsAddr}/metrics`)).text();
    const kinds = [...text.matchAll(/^nodejs_memory_bytes\{kind="([a-z_]+)"\} (\S+)$/gm)].map(
      (m) => `${m[1]} ${(Number(m[2]) / 1024 / 1024).toFixed(1)}`,
    );
    console.log(`process memory by kind (from /metrics, MB): ${kinds.join(', ')}`);
  }
  const rss = samples.at(-1) as number;
  const bareRss = rssMb(bare.pid!);
  const met = rss <= TARGET_MB;
  console.log(
    `builds: ${BUILDS} finished (seeded in ${(seeded / 1000).toFixed(1)} s), listed ${listed}, each fetched once`,
  );
  console.log(
    `coordinator RSS (node bin/hangar.js coordinator, from dist/): ${rssReady.toFixed(1)} MB when ready, ${rss.toFixed(1)} MB 30 s after serving   target ≤ ${TARGET_MB} MB: ${met ? 'met' : 'NOT met'}`,
  );
  console.log(
    `bare node -e RSS, same run: ${bareRss.toFixed(1)} MB; coordinator above it: ${(rss - bareRss).toFixed(1)} MB`,
  );
  process.exitCode = met ? 0 : 1;
} finally {
  bare.kill('SIGKILL');
  if (started !== undefined) await stopProcess(started.proc);
  await nats.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}
