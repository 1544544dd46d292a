/**
 * Step overhead: a 10-step pipeline of trivial steps run through `hangar
 * exec` (in-process: the file is compiled, the current directory is the
 * workspace, every log line is printed to a sink) against 10 plain
 * create/start/wait/remove cycles of the same image through the Docker
 * adapter (default bridge network). Rounds alternate which side goes first.
 * The executor is measured twice: as configured by default (solo steps share
 * one network namespace, see services/runner/executor/sandbox.ts) and with
 * HANGAR_NETWORK_SANDBOX=false (each step joins the job network itself).
 * Target: ratio ≤ 1.10.
 *
 *   npx tsx bench/runner-overhead.ts [rounds]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execPipelines } from '../services/cli/commands/exec.js';
import type { CliIO } from '../services/cli/main.js';
import { readRunnerConfig } from '../services/runner/config.js';
import { connectDocker } from '../services/runner/docker/dockerode-engine.js';

const IMAGE = 'hangar/busybox:latest';
const STEPS = 10;
const rounds = Number(process.argv[2] ?? 5);
const engine = connectDocker();

const dir = mkdtempSync(join(tmpdir(), 'hangar-bench-'));
const file = join(dir, '.drone.yml');
writeFileSync(
  file,
  `kind: pipeline\ntype: docker\nname: bench\nclone:\n  disable: true\nsteps:\n${Array.from(
    { length: STEPS },
    (_, i) => `- name: step-${i}\n  image: ${IMAGE}\n  commands:\n  - "true"\n`,
  ).join('')}`,
);

let printed = 0;
const sink: CliIO = {
  out: (t) => {
    printed += t.length;
  },
  err: (t) => process.stderr.write(t),
  setExitCode: () => {},
  isTTY: false,
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

async function exec(sandbox: boolean): Promise<number> {
  const t0 = performance.now();
  const code = await execPipelines(
    {
      file,
      dir,
      ctx: {
        repo: { slug: 'local/bench' },
        commit: { sha: '0'.repeat(40), ref: 'refs/heads/main', branch: 'main' },
        build: { number: 1, event: 'push' },
        trusted: false,
      },
      pipelines: [],
      secrets: {},
      format: 'pretty',
      config: readRunnerConfig({ HANGAR_NETWORK_SANDBOX: String(sandbox) }),
      engine,
    },
    sink,
  );
  if (code !== 0) throw new Error(`the bench pipeline failed (exit ${code})`);
  return performance.now() - t0;
}

await engine.imageExists(IMAGE);
await raw();
await exec(true);
await exec(false);
const totals = { raw: 0, shared: 0, own: 0 };
const ratios: { shared: number[]; own: number[] } = { shared: [], own: [] };
for (let r = 0; r < rounds; r++) {
  const order: (keyof typeof totals)[] = r % 2 === 0 ? ['raw', 'shared', 'own'] : ['own', 'shared', 'raw'];
  const t: Record<string, number> = {};
  for (const k of order) t[k] = k === 'raw' ? await raw() : await exec(k === 'shared');
  const a = t.raw ?? Number.NaN;
  const b = t.shared ?? Number.NaN;
  const c = t.own ?? Number.NaN;
  totals.raw += a;
  totals.shared += b;
  totals.own += c;
  ratios.shared.push(b / a);
  ratios.own.push(c / a);
  console.log(
    `round ${r + 1}: raw ${a.toFixed(0)} ms, exec ${b.toFixed(0)} ms (ratio ${(b / a).toFixed(3)}), ` +
      `exec without sandbox ${c.toFixed(0)} ms (ratio ${(c / a).toFixed(3)})`,
  );
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? Number.NaN;
const perStep = (ms: number) => (ms / rounds / STEPS).toFixed(0);
console.log(
  `per step: raw ${perStep(totals.raw)} ms, exec ${perStep(totals.shared)} ms, exec without sandbox ${perStep(totals.own)} ms`,
);
console.log(
  `ratio exec/raw: total ${(totals.shared / totals.raw).toFixed(3)}, median round ${median(ratios.shared).toFixed(3)} (target ≤ 1.10)`,
);
console.log(
  `ratio exec without sandbox/raw: total ${(totals.own / totals.raw).toFixed(3)}, median round ${median(ratios.own).toFixed(3)}`,
);
console.log(`(${printed} characters of output printed to a sink)`);
rmSync(dir, { recursive: true, force: true });
