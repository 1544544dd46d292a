/**
 * Log throughput of the executor: one step prints SIZE MiB (default 100) of
 * 128-byte lines. Measured in the same run:
 *   - the executor: from the step's start until its last line has been
 *     handed to the consumer; every line must arrive;
 *   - `docker logs -f` on the same container at the same time;
 *   - `docker logs` reading a finished container with the same output
 *     (pure reading speed, no producer in the way).
 * Target: executor rate ≥ 0.5× the `docker logs` rates; peak RSS < 200 MB.
 *
 *   npx tsx bench/runner-logs.ts [SIZE_MIB]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connectDocker } from '../services/runner/docker/dockerode-engine.js';
import { runJob } from '../services/runner/executor/run-job.js';
import type { JobPlan } from '../services/shared/pipeline/types.js';

const IMAGE = 'hangar/busybox:latest';
const MiB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 100);
const bytes = sizeMiB * MiB;
const LINE = 128;
const expectedLines = bytes / LINE; // whole: 1 MiB is 8192 lines
const command = `yes "$(printf '%0${LINE - 1}d' 0)" | head -c ${bytes}`;
const engine = connectDocker();

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);

function dockerLogs(id: string, follow: boolean): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['logs', ...(follow ? ['-f'] : []), id], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`docker logs exited ${code}`)),
    );
  });
}

async function executorRun(): Promise<{
  ms: number;
  lines: number;
  textBytes: number;
  followMs: number;
  cpuMs: number;
}> {
  const jobId = `bench-logs-${randomBytes(4).toString('hex')}`;
  const plan: JobPlan = {
    pipeline: 'bench',
    run: true,
    platform: { os: 'linux', arch: 'amd64' },
    workspace: { base: '/drone', path: 'src', dir: '/drone/src' },
    clone: null,
    services: [],
    steps: [
      {
        name: 'loud',
        image: IMAGE,
        pull: 'if-not-exists',
        commands: [command],
        environment: {},
        secrets: [],
        run: true,
        onSuccess: true,
        onFailure: false,
        dependsOn: [],
        detach: false,
        privileged: false,
        volumes: [],
        extraHosts: [],
        devices: [],
        failure: 'fail',
      },
    ],
    volumes: {},
    dependsOn: [],
    environment: {},
    imagePullSecrets: [],
    labels: {},
  };
  let startedAt = 0;
  let follow: Promise<number> | undefined;
  const job = runJob(engine, plan, {
    jobId,
    runnerId: 'bench',
    trusted: false,
    secrets: { unused: 'never-printed-secret' },
    onStep: (s) => {
      if (s.status !== 'running') return;
      startedAt = performance.now();
      // `docker logs -f` on the very same container, started as soon as it exists.
      follow = (async () => {
        for (;;) {
          const found = await engine.listLabelled([`io.hangar.job=${jobId}`]);
          const c = found.containers[0];
          if (c) return dockerLogs(c.id, true);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
    },
  });
  const cpu0 = process.cpuUsage();
  let lines = 0;
  let textBytes = 0;
  let lastAt = 0;
  for await (const batch of job.logs.batches()) {
    for (const l of batch) {
      if (l.line.startsWith('+ ')) continue;
      lines++;
      textBytes += l.line.length + 1;
    }
    lastAt = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  const result = await job.done;
  if (result.status !== 'success')
    throw new Error(`step ended ${result.status}: ${JSON.stringify(result.steps)}`);
  const followMs = (await follow) ?? Number.NaN;
  return { ms: lastAt - startedAt, lines, textBytes, followMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function finishedContainerRead(): Promise<number> {
  const id = await engine.createContainer({
    name: `hangar-bench-logs-${randomBytes(4).toString('hex')}`,
    image: IMAGE,
    env: [],
    entrypoint: ['/bin/sh', '-c'],
    cmd: [command],
    labels: { 'io.hangar.bench': 'logs' },
    binds: [],
    privileged: false,
    devices: [],
    extraHosts: [],
  });
  try {
    await engine.startContainer(id);
    await engine.waitContainer(id);
    return await dockerLogs(id, false);
  } finally {
    await engine.removeContainer(id);
  }
}

const ex = await executorRun();
const rate = (ms: number) => bytes / MiB / (ms / 1000);
const finishedMs = await finishedContainerRead();
clearInterval(sampler);
const maxRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

console.log(`output: ${sizeMiB} MiB in ${expectedLines} lines of ${LINE} bytes`);
console.log(
  `executor: ${ex.lines} lines (${ex.lines === expectedLines && ex.textBytes === bytes ? 'all arrived' : `MISSING: expected ${expectedLines}`}) in ${ex.ms.toFixed(0)} ms = ${rate(ex.ms).toFixed(1)} MiB/s`,
);
console.log(`executor process CPU time while reading: ${ex.cpuMs.toFixed(0)} ms`);
console.log(
  `docker logs -f, same container, same time: ${ex.followMs.toFixed(0)} ms = ${rate(ex.followMs).toFixed(1)} MiB/s`,
);
console.log(
  `docker logs, finished container with the same output: ${finishedMs.toFixed(0)} ms = ${rate(finishedMs).toFixed(1)} MiB/s`,
);
console.log(
  `ratio vs docker logs -f: ${(rate(ex.ms) / rate(ex.followMs)).toFixed(2)}; ratio vs docker logs (finished): ${(rate(ex.ms) / rate(finishedMs)).toFixed(2)}; target ≥ 0.5`,
);
console.log(`peak RSS: ${(maxRss / MiB).toFixed(0)} MiB (target < 200 MiB)`);
