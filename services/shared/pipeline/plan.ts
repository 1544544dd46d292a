/**
 * A parsed PipelineConfig plus the facts of one build → the jobs that build
 * runs: conditions evaluated, step order fixed, environment complete.
 */
import { posix } from 'node:path';
import {
  evaluateConditions,
  evaluateTrigger,
  type MatchContext,
  matchContextFor,
  statusRuns,
} from './conditions.js';
import { buildVariables } from './metadata.js';
import { settingsToEnv } from './settings-env.js';
import type {
  BuildContext,
  EnvValue,
  JobPlan,
  PipelineConfig,
  PipelineDef,
  SecretRef,
  StepDef,
  StepSpec,
} from './types.js';

/** Plugins Drone runs privileged by default, so Docker-in-Docker works without trust. */
export const PRIVILEGED_PLUGINS = [
  'plugins/docker',
  'plugins/acr',
  'plugins/ecr',
  'plugins/gcr',
  'plugins/heroku',
];

export function planJobs(
  config: PipelineConfig,
  ctx: BuildContext,
  axis?: Record<string, string>,
): JobPlan[] {
  return config.pipelines.map((p, i) => planPipeline(config.format, p, i + 1, ctx, axis));
}

function planPipeline(
  format: '0.8' | '1.x',
  pipeline: PipelineDef,
  number: number,
  ctx: BuildContext,
  axis: Record<string, string> | undefined,
): JobPlan {
  const workspace = workspaceOf(format, pipeline, ctx);
  const match = matchContextFor(ctx, pipeline.platform, axis, format);
  const vars = buildVariables(ctx, {
    name: pipeline.name,
    number,
    workspaceDir: workspace.dir,
    workspace: { base: workspace.base, path: workspace.path },
    platform: pipeline.platform,
    dependsOn: pipeline.dependsOn,
    ...(axis ? { axis } : {}),
  });
  const base: Record<string, string> = { ...literal(pipeline.environment), ...vars };
  const pipelineSecrets = secretsOf(pipeline.environment);

  const spec = (s: StepDef, service: boolean): StepSpec => stepSpec(s, base, pipelineSecrets, match, service);
  const steps = pipeline.steps.map((s) => spec(s, false));
  fillDependsOn(format, pipeline.steps, steps);
  const services = pipeline.services.map((s) => spec(s, true));

  let clone: StepSpec | null = null;
  if (!pipeline.clone.disable) {
    if (pipeline.clone.step) {
      clone = { ...spec(pipeline.clone.step, false), name: 'clone', dependsOn: [] };
    } else {
      const env = { ...base };
      if (pipeline.clone.depth !== undefined) env.PLUGIN_DEPTH = String(pipeline.clone.depth);
      clone = defaultClone(env, pipelineSecrets);
    }
  }

  const trigger = evaluateTrigger(pipeline.trigger, match, format);
  const status = statusRuns(pipeline.trigger);
  const job: JobPlan = {
    pipeline: pipeline.name,
    run: trigger.match,
    platform: { ...pipeline.platform },
    workspace,
    clone,
    services,
    steps,
    volumes: { ...pipeline.volumes },
    dependsOn: [...pipeline.dependsOn],
    environment: { ...vars },
    imagePullSecrets: [...pipeline.imagePullSecrets],
    labels: { ...pipeline.labels, ...pipeline.node },
    onSuccess: status.onSuccess,
    onFailure: status.onFailure,
  };
  if (axis) job.axis = { ...axis };
  if (pipeline.concurrency !== undefined) job.concurrency = pipeline.concurrency;
  if (pipeline.type !== 'docker') {
    job.run = false;
    job.skipReason = `pipelines of type '${pipeline.type}' do not run on Hangar, which runs type docker only`;
  } else if (!trigger.match) {
    job.skipReason = `the pipeline's ${format === '0.8' ? 'branches' : 'trigger'} excludes this build: ${trigger.reason ?? 'no match'}`;
  }
  return job;
}

function stepSpec(
  s: StepDef,
  base: Record<string, string>,
  pipelineSecrets: SecretRef[],
  match: MatchContext,
  service: boolean,
): StepSpec {
  const cond = evaluateConditions(s.when, match);
  const status = statusRuns(s.when);
  const environment: Record<string, string> = { ...base, ...literal(s.environment) };
  if (!service) Object.assign(environment, settingsToEnv(s.settings));
  const secrets = mergeSecrets([...pipelineSecrets, ...secretsOf(s.environment), ...s.secrets]);
  for (const secret of secrets) delete environment[secret.target];
  const out: StepSpec = {
    name: s.name,
    image: s.image,
    pull: s.pull,
    commands: [...s.commands],
    environment,
    secrets,
    run: cond.match,
    onSuccess: status.onSuccess,
    onFailure: status.onFailure,
    dependsOn: [],
    detach: service || s.detach,
    privileged: s.privileged || escalated(s),
    volumes: s.volumes.map((v) => ({ ...v })),
    extraHosts: [...s.extraHosts],
    devices: [...s.devices],
    failure: s.failure,
  };
  if (!cond.match) out.skipReason = `its when excludes this build: ${cond.reason ?? 'no match'}`;
  if (s.entrypoint) out.entrypoint = [...s.entrypoint];
  if (s.command) out.command = [...s.command];
  if (s.networkMode) out.networkMode = s.networkMode;
  if (s.memLimit !== undefined) out.memLimit = s.memLimit;
  if (s.shmSize !== undefined) out.shmSize = s.shmSize;
  if (s.cpus !== undefined) out.cpus = s.cpus;
  if (s.user) out.user = s.user;
  if (s.workingDir) out.workingDir = s.workingDir;
  if (s.timeoutMs !== undefined) out.timeoutMs = s.timeoutMs;
  return out;
}

function defaultClone(environment: Record<string, string>, secrets: SecretRef[]): StepSpec {
  return {
    name: 'clone',
    image: '',
    pull: 'if-not-exists',
    commands: [],
    environment,
    secrets: [...secrets],
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
  };
}

/**
 * 0.8: each step waits for the previous stage (a run of steps sharing a
 * `group`). 1.x: `depends_on` when any step has it, else the previous step.
 */
function fillDependsOn(format: '0.8' | '1.x', defs: StepDef[], specs: StepSpec[]): void {
  if (format === '1.x') {
    const graph = defs.some((d) => d.dependsOn.length > 0);
    defs.forEach((d, i) => {
      specs[i]!.dependsOn = graph
        ? d.dependsOn.filter((n) => n !== 'clone')
        : i > 0
          ? [defs[i - 1]!.name]
          : [];
    });
    return;
  }
  let previous: string[] = [];
  let current: string[] = [];
  let group: string | undefined;
  defs.forEach((d, i) => {
    if (i === 0 || !d.group || d.group !== group) {
      if (i > 0) previous = current;
      current = [];
      group = d.group;
    }
    current.push(d.name);
    specs[i]!.dependsOn = [...previous];
  });
}

function workspaceOf(format: '0.8' | '1.x', p: PipelineDef, ctx: BuildContext): JobPlan['workspace'] {
  if (format === '0.8') {
    const base = p.workspace.base || '/drone';
    const path = p.workspace.path || posix.join('src', repoHost(ctx), ctx.repo.slug);
    return { base, path, dir: posix.join(base, path) };
  }
  let base = p.workspace.base;
  let path = p.workspace.path;
  if (!base) {
    if (path.startsWith('/')) {
      base = path;
      path = '';
    } else base = '/drone/src';
  }
  return { base, path, dir: posix.join(base, path) };
}

function repoHost(ctx: BuildContext): string {
  for (const link of [ctx.repo.link, ctx.repo.cloneUrl]) {
    if (!link) continue;
    try {
      return new URL(link).host;
    } catch {
      /* not a URL; try the next one */
    }
  }
  return '';
}

function literal(env: Record<string, EnvValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if ('value' in v) out[k] = v.value;
  return out;
}

function secretsOf(env: Record<string, EnvValue>): SecretRef[] {
  const out: SecretRef[] = [];
  for (const [k, v] of Object.entries(env))
    if ('fromSecret' in v) out.push({ source: v.fromSecret, target: k });
  return out;
}

/** Later references to the same variable replace earlier ones. */
function mergeSecrets(list: SecretRef[]): SecretRef[] {
  const byTarget = new Map<string, SecretRef>();
  for (const s of list) {
    byTarget.delete(s.target);
    byTarget.set(s.target, s);
  }
  return [...byTarget.values()];
}

/** Whether Drone would run this step privileged without asking: a known Docker plugin, used as a plugin. */
function escalated(s: StepDef): boolean {
  if (s.commands.length > 0 || s.entrypoint || s.command || s.volumes.length > 0) return false;
  return PRIVILEGED_PLUGINS.includes(imageName(s.image));
}

/** 'docker.io/plugins/docker:20' → 'plugins/docker'. */
export function imageName(image: string): string {
  let name = image.split('@')[0] ?? '';
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  return name
    .replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '')
    .replace(/^library\//, '');
}
