import { randomBytes } from 'node:crypto';
import { connectDocker } from '../../services/runner/docker/dockerode-engine.js';
import type { LabelledResources } from '../../services/runner/docker/engine.js';
import type { RunOptions } from '../../services/runner/executor/options.js';
import { runJob } from '../../services/runner/executor/run-job.js';
import type { JobResult, LogLine, StepState } from '../../services/shared/job/events.js';
import type { JobPlan, StepSpec } from '../../services/shared/pipeline/types.js';

/** Plans built by hand for the executor's tests, with the defaults a compiled plan would have. */
export const BUSYBOX = 'hangar/busybox:latest';
export const RUNNER_ID = 'runner-tests';
export const engine = connectDocker();

export function step(name: string, over: Partial<StepSpec> = {}): StepSpec {
  return {
    name,
    image: BUSYBOX,
    pull: 'if-not-exists',
    commands: [],
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
    ...over,
  };
}

/** Steps run one after another unless they say otherwise (like 0.8 steps without groups). */
export function sequential(steps: StepSpec[]): StepSpec[] {
  return steps.map((s, i) =>
    i === 0 || s.dependsOn.length > 0 ? s : { ...s, dependsOn: [steps[i - 1]?.name ?? ''] },
  );
}

export function plan(steps: StepSpec[], over: Partial<JobPlan> = {}): JobPlan {
  return {
    pipeline: 'default',
    run: true,
    platform: { os: 'linux', arch: 'amd64' },
    workspace: { base: '/drone', path: 'src', dir: '/drone/src' },
    clone: null,
    services: [],
    steps,
    volumes: {},
    dependsOn: [],
    environment: { CI: 'true', DRONE: 'true' },
    imagePullSecrets: [],
    labels: {},
    ...over,
  };
}

export function newJobId(): string {
  return `test-${randomBytes(5).toString('hex')}`;
}

export interface Outcome {
  jobId: string;
  result: JobResult;
  lines: LogLine[];
  events: StepState[];
  /** The lines of one step, text only. */
  text: (step: string) => string[];
  step: (name: string) => StepState;
  /** How the job and each step ended, for an assertion's message. */
  summary: () => string;
}

/** Runs a plan to the end, collecting states and lines; fails if the job left anything behind. */
export async function run(p: JobPlan, over: Partial<RunOptions> = {}): Promise<Outcome> {
  const jobId = over.jobId ?? newJobId();
  const events: StepState[] = [];
  const job = runJob(engine, p, {
    jobId,
    runnerId: RUNNER_ID,
    trusted: false,
    stopGraceMs: 1000,
    onStep: (s) => events.push(s),
    ...over,
  });
  const lines: LogLine[] = [];
  for await (const line of job.logs) lines.push(line);
  const result = await job.done;
  // Whatever happened, nothing of the job may be left on the engine.
  await expectNothingLeft(jobId);
  return {
    jobId,
    result,
    lines,
    events,
    text: (name) => lines.filter((l) => l.step === name).map((l) => l.line),
    step: (name) => {
      const s = result.steps.find((x) => x.name === name);
      if (!s) throw new Error(`no step ${name} in result`);
      return s;
    },
    summary: () =>
      [
        `job ${result.status}${result.error ? `: ${result.error}` : ''}`,
        ...result.steps.map(
          (s) => `${s.name} ${s.status} exit ${s.exitCode ?? '-'}${s.error ? `: ${s.error}` : ''}`,
        ),
      ].join('; '),
  };
}

/** Everything still on the engine that carries the job's label. */
export async function leftovers(jobId: string): Promise<LabelledResources> {
  return engine.listLabelled([`io.hangar.job=${jobId}`]);
}

export async function expectNothingLeft(jobId: string): Promise<void> {
  const left = await leftovers(jobId);
  const names = [
    ...left.containers.map((c) => `container ${c.name}`),
    ...left.networks.map((n) => `network ${n.name}`),
    ...left.volumes.map((v) => `volume ${v.name}`),
  ];
  if (names.length > 0) throw new Error(`job ${jobId} left behind: ${names.join(', ')}`);
}
