/**
 * Idle memory of the runner daemon as users run it: `node bin/hangar.js
 * runner` (the bundle in dist/, rebuilt first when the sources are newer) as
 * its own process, registered with a coordinator and pulling from NATS with no
 * work, next to a bare `node -e` process measured in the same run. Resident
 * set sizes come from /proc. Target: the runner at most 80 MB; exits 1 when
 * missed.
 *
 *   npx tsx bench/runner-idle-memory.ts [idle-seconds]
 *   BENCH_NODE_ARGS='--max-semi-space-size=1' npx tsx bench/runner-idle-memory.ts   # try V8 flags
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCoordinatorConfig } from '../services/coordinator/config.js';
import { startCoordinator } from '../services/coordinator/coordinator.js';
import { silentLogger } from '../services/shared/log.js';
import { freePort, startNatsServer } from '../test/support/nats-server.js';
import { rssMb, startBundled, stopProcess } from './support/bundled-hangar.js';

const IDLE_SECONDS = Number(process.argv[2] ?? 10);
const TARGET_MB = 80;
const SECRET = 'bench-secret';

/** Processes started by `pid`, with their RSS: there should be none. */
function children(pid: number): { pid: number; command: string; mb: number }[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,rss=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l);
      return { pid: Number(m?.[1]), mb: Number(m?.[2]) / 1024, command: (m?.[3] ?? '').slice(0, 60) };
    });
}

async function sample(pid: number, seconds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    out.push(rssMb(pid));
  }
  return out;
}

const nats = await startNatsServer();
const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-idle-'));
const port = await freePort();
const coordinator = await startCoordinator(
  loadCoordinatorConfig({
    HANGAR_DATABASE_PATH: join(dir, 'hangar.db'),
    DRONE_SECRET: SECRET,
    HANGAR_GRPC_ADDR: `127.0.0.1:${port}`,
    HANGAR_METRICS_ADDR: '127.0.0.1:0',
    HANGAR_NATS_URL: nats.url,
  }),
  silentLogger,
);

try {
  const { proc: runner } = await startBundled(
    'runner',
    {
      ...process.env,
      DRONE_SERVER: coordinator.grpcAddress,
      DRONE_SECRET: SECRET,
      HANGAR_NATS_URL: nats.url,
      HANGAR_RUNNER_NAME: 'bench-idle',
      HANGAR_RUNNER_CAPACITY: '2',
      HANGAR_LOG_LEVEL: 'info',
    },
    'runner ready',
    30_000,
  );
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });

  const [runnerSamples, bareSamples] = await Promise.all([
    sample(runner.pid as number, IDLE_SECONDS),
    sample(bare.pid as number, IDLE_SECONDS),
  ]);
  const helpers = children(runner.pid as number);
  await Promise.all([stopProcess(runner), stopProcess(bare)]);

  const runnerMb = Math.max(...runnerSamples);
  const bareMb = Math.max(...bareSamples);
  const fmt = (n: number) => n.toFixed(1);
  const met = runnerMb <= TARGET_MB;
  console.log(
    `runner daemon (node bin/hangar.js runner, from dist/), idle ${IDLE_SECONDS}s, connected to a coordinator and NATS`,
  );
  console.log(
    `  runner RSS (max of ${runnerSamples.length} samples): ${fmt(runnerMb)} MB   target ≤ ${TARGET_MB} MB: ${met ? 'met' : 'NOT met'}`,
  );
  console.log(`  bare node -e RSS, same run:                ${fmt(bareMb)} MB`);
  console.log(
    `  runner over bare node:                     ${fmt(runnerMb - bareMb)} MB (ratio ${(runnerMb / bareMb).toFixed(2)})`,
  );
  console.log(`  runner samples: ${runnerSamples.map(fmt).join(', ')} MB`);
  for (const h of helpers) console.log(`  child process ${h.pid} (${h.command}): ${fmt(h.mb)} MB`);
  process.exitCode = met ? 0 : 1;
} finally {
  await coordinator.stop();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
}
