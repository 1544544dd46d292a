/**
 * Step overhead of the executor: a 10-step pipeline of trivial steps, run the
 * way `hangar exec` runs it (in-process: job network, the current directory
 * bound as the workspace, logs read to the end), against 10 plain
 * create/start/wait/remove cycles of the same image through the Docker
 * adapter. Rounds alternate which side goes first. Target: ratio ≤ 1.10.
 *
 *   npx tsx bench/runner-overhead.ts [rounds]
 */
import { randomBytes } from 'node:crypto';
import { connectDocker } from '../services/runner/docker/dockerode-engine.js';
import { runJob } from '../services/runner/executor/run-job.js';
import type { JobPlan, StepSpec } from '../services/shared/pipeline/types.js';

const IMAGE = 'hangar/busybox:latest';
const STEPS = 10;
const rounds = Number(process.argv[2] ?? 5);
const engine = connectDocker();

function trivialStep(i: number): StepSpec {
  return {
    name: `step-${i}`,
    image: IMAGE,
    pull: 'if-not-exists',
    commands: ['true'],
    environment: {},
    secrets: [],
    run: true,
    onSuccess: true,
    onFailure: false,
    dependsOn: i === 0 ? [] : [`step-${i - 1}`],
    detach: false,
    privileged: false,
    volumes: [],
    extraHosts: [],
    devices: [],
    failure: 'fail',
  };
}

const plan: JobPlan = {
  pipeline: 'bench',
  run: true,
  platform: { os: 'linux', arch: 'amd64' },
  workspace: { base: '/drone', path: 'src', dir: '/drone/src' },
  clone: null,
  services: [],
  steps: Array.from({ length: STEPS }, (_, i) => trivialStep(i)),
  volumes: {},
  dependsOn: [],
  environment: {},
  imagePullSecrets: [],
  labels: {},
};

async function raw(): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const id = await engine.createContainer({
      name: `hangar-bench-raw-${randomBytes(4).toString('hex')}`,
      image: IMAGE,
      env: [],
      cmd: ['true'],
      labels: { 'io.hangar.bench': 'raw' },
      binds: [],
      privileged: false,
      devices: [],
      extraHosts: [],
    });
    await engine.startContainer(id);
    await engine.waitContainer(id);
    await engine.removeContainer(id);
  }
  return performance.now() - t0;
}

async function executor(): Promise<number> {
  const t0 = performance.now();
  const job = runJob(engine, plan, {
    jobId: `bench-${randomBytes(4).toString('hex')}`,
    runnerId: 'bench',
    trusted: false,
    workspaceHostDir: process.cwd(),
  });
  for await (const _ of job.logs) {
    // read every line, as `hangar exec` prints them
  }
  const result = await job.done;
  if (result.status !== 'success')
    throw new Error(`bench pipeline ended ${result.status}: ${JSON.stringify(result)}`);
  return performance.now() - t0;
}

await engine.imageExists(IMAGE);
await raw();
await executor();
const ratios: number[] = [];
let rawTotal = 0;
let execTotal = 0;
for (let r = 0; r < rounds; r++) {
  let a: number;
  let b: number;
  if (r % 2 === 0) {
    a = await raw();
    b = await executor();
  } else {
    b = await executor();
    a = await raw();
  }
  rawTotal += a;
  execTotal += b;
  ratios.push(b / a);
  console.log(
    `round ${r + 1}: raw ${a.toFixed(0)} ms, executor ${b.toFixed(0)} ms, ratio ${(b / a).toFixed(3)}`,
  );
}
ratios.sort((x, y) => x - y);
const median = ratios[Math.floor(ratios.length / 2)] ?? Number.NaN;
console.log(
  `step overhead: ${STEPS} steps × ${rounds} rounds; raw ${(rawTotal / rounds / STEPS).toFixed(0)} ms/step, ` +
    `executor ${(execTotal / rounds / STEPS).toFixed(0)} ms/step`,
);
console.log(
  `ratio (total) ${(execTotal / rawTotal).toFixed(3)}, ratio (median round) ${median.toFixed(3)}, target ≤ 1.10`,
);
