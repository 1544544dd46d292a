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
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleState, ROOT } from '../bin/bundle.js';
import { loadCoordinatorConfig } from '../services/coordinator/config.js';
import { startCoordinator } from '../services/coordinator/coordinator.js';
import { silentLogger } from '../services/shared/log.js';
import { freePort, startNatsServer } from '../test/support/nats-server.js';

const IDLE_SECONDS = Number(process.argv[2] ?? 10);
const TARGET_MB = 80;
const SECRET = 'bench-secret';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

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

function waitForLine(proc: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no '${text}' within ${timeoutMs} ms:\n${seen}`)),
      timeoutMs,
    );
    proc.stderr?.on('data', (d: Buffer) => {
      seen = (seen + d.toString()).slice(-8000);
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`exited with ${code}:\n${seen}`)));
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

function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

/**
 * Starts `node bin/hangar.js runner` running dist/: rebuilds it when a source
 * is newer, and starts again when one changed before the runner was ready
 * (bin/hangar.js would then have run the sources through tsx).
 */
async function startRunner(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  for (let attempt = 1; ; attempt++) {
    if (bundleState() !== 'current')
      execFileSync('bash', ['scripts/build.sh'], { cwd: ROOT, stdio: 'ignore' });
    const runner = spawn(
      process.execPath,
      [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), 'bin/hangar.js', 'runner'],
      { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await waitForLine(runner, 'runner ready', 30_000);
    const state = bundleState();
    if (state === 'current') return runner;
    await stopProcess(runner);
    if (attempt === 3)
      throw new Error(`dist/ keeps going stale (${state} changed); not measuring the sources`);
  }
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
  const { HANGAR_FROM_SOURCE: _, ...env } = process.env;
  const runner = await startRunner({
    ...env,
    DRONE_SERVER: coordinator.grpcAddress,
    DRONE_SECRET: SECRET,
    HANGAR_NATS_URL: nats.url,
    HANGAR_RUNNER_NAME: 'bench-idle',
    HANGAR_RUNNER_CAPACITY: '2',
    HANGAR_LOG_LEVEL: 'info',
  });
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
