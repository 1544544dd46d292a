/**
 * `hangar exec [FILE]`: runs a pipeline file locally on the Docker engine
 * from DOCKER_HOST, with the current directory as the workspace and no
 * clone, the way `drone exec` does. Exit 0 only when every pipeline passed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  connectDocker,
  type DockerEngine,
  dockerConnection,
  type RunnerConfig,
  readRunnerConfig,
  runJob,
} from '../../runner/index.js';
import { HangarError } from '../../shared/errors.js';
import type { JobResult, JobStatus } from '../../shared/job/events.js';
import { compile, formatDiagnostic } from '../../shared/pipeline/compile.js';
import { type BuildContext, type BuildEvent, EVENTS, type JobPlan } from '../../shared/pipeline/types.js';
import type { CliIO } from '../main.js';
import { Printer } from './exec-printer.js';
import { commandLineSecrets, execPullCredentials, namedValues, stepSecrets } from './exec-secrets.js';
import { readPipelineFile } from './lint.js';

interface ExecFlags {
  event: string;
  branch: string;
  trusted: boolean;
  pipeline?: string[];
  env?: string[];
  secret?: string[];
  secretFile?: string[];
  format: string;
}

export interface ExecRequest {
  file: string;
  /** The workspace bound into every container. */
  dir: string;
  ctx: BuildContext;
  pipelines: string[];
  /** Secret values by name: what steps ask for, and what `image_pull_secrets` names. */
  secrets: Record<string, string>;
  format: 'pretty' | 'json';
  config: RunnerConfig;
  signal?: AbortSignal;
  engine?: DockerEngine;
}

export function register(program: Command, io: CliIO): void {
  program
    .command('exec')
    .description('run a pipeline file locally on Docker, with the current directory as the workspace')
    .argument('[file]', 'pipeline file', '.drone.yml')
    .option('--event <event>', `build event: ${EVENTS.join(', ')}`, 'push')
    .option('--branch <branch>', 'branch the build is for', 'main')
    .option('--trusted', 'allow privileged mode, host volumes, devices and network modes', false)
    .option('--pipeline <name...>', 'run only these pipelines (and in this order of the file)')
    .option('--env <KEY=VALUE...>', 'extra build variables')
    .option(
      '--secret <NAME=VALUE...>',
      'secret values, by the name steps and image_pull_secrets ask for them',
    )
    .option(
      '--secret-file <NAME=PATH...>',
      'secrets read from files, e.g. --secret-file dockerconfig=$HOME/.docker/config.json for image_pull_secrets',
    )
    .option('--format <format>', 'output format: pretty or json', 'pretty')
    .action(async (file: string, flags: ExecFlags) => {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const dir = process.cwd();
        const request: ExecRequest = {
          file,
          dir,
          ctx: buildContext(dir, flags),
          pipelines: flags.pipeline ?? [],
          secrets: commandLineSecrets(flags.secret ?? [], flags.secretFile ?? []),
          format: execFormat(flags.format),
          config: readRunnerConfig(process.env),
          signal: abort.signal,
        };
        io.setExitCode(await execPipelines(request, io));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** Compiles the file and runs the selected pipelines one after another. Returns the exit code. */
export async function execPipelines(req: ExecRequest, io: CliIO): Promise<number> {
  const text = readPipelineFile(req.file);
  const compiled = compile(text, req.ctx, { file: req.file, trusted: req.ctx.trusted });
  for (const d of [...compiled.errors, ...compiled.warnings]) io.err(`${formatDiagnostic(req.file, d)}\n`);
  if (!compiled.ok) return 1;
  const jobs = selectJobs(compiled.jobs, req.pipelines);
  const engine = req.engine ?? connectDocker(dockerConnection(req.config));
  await engine.ping();

  const printer = new Printer(io, req.format, jobs);
  const results = new Map<string, JobResult>();
  for (const job of jobs) {
    const name = jobName(job);
    const reason = notRunning(job, results);
    if (reason !== undefined) {
      results.set(name, skippedResult(job, reason));
      printer.skipped(name, reason);
      continue;
    }
    const pulls = execPullCredentials(job, req.secrets);
    const run = runJob(
      engine,
      { ...job, clone: null },
      {
        jobId: `exec-${randomBytes(4).toString('hex')}`,
        runnerId: 'exec',
        trusted: req.ctx.trusted,
        secrets: stepSecrets(job, req.secrets),
        registries: Object.fromEntries(
          pulls.registries.map((r) => [r.address, { username: r.username, password: r.password }]),
        ),
        pullSecretErrors: pulls.errors,
        pullSecretNotes: pulls.notes,
        workspaceHostDir: req.dir,
        cloneImage: req.config.cloneImage,
        timeoutMs: req.config.jobTimeoutMs,
        stopGraceMs: req.config.stopGraceMs,
        networkSandbox: req.config.networkSandbox,
        ...(req.config.memLimit === undefined ? {} : { memLimit: req.config.memLimit }),
        ...(req.signal ? { signal: req.signal } : {}),
      },
    );
    for await (const batch of run.logs.batches()) printer.lines(name, batch);
    const result = await run.done;
    if (job.clone) {
      result.steps.unshift({
        name: job.clone.name,
        kind: 'clone',
        status: 'skipped',
        oomKilled: false,
        error: 'hangar exec uses the current directory instead of a clone',
      });
    }
    results.set(name, result);
    printer.summary(name, result);
  }
  const status = worst([...results.values()].map((r) => r.status));
  printer.end(status, results);
  return status === 'success' ? 0 : 1;
}

function selectJobs(jobs: JobPlan[], wanted: string[]): JobPlan[] {
  if (wanted.length === 0) return jobs;
  const names = new Set(jobs.map((j) => j.pipeline));
  const unknown = wanted.filter((w) => !names.has(w));
  if (unknown.length > 0) {
    throw new HangarError(
      `no pipeline named ${unknown.map((u) => `'${u}'`).join(', ')} in the file; its pipelines are: ${[...names].join(', ')}`,
    );
  }
  return jobs.filter((j) => wanted.includes(j.pipeline));
}

/** Why a pipeline does not run: its trigger, or how the pipelines it depends on ended. */
function notRunning(job: JobPlan, done: Map<string, JobResult>): string | undefined {
  if (!job.run) return job.skipReason ?? 'its trigger excludes this build';
  const deps = job.dependsOn.map((d) => done.get(d)).filter((r): r is JobResult => r !== undefined);
  const failed = deps.some((r) => r.status !== 'success');
  if (failed && !(job.onFailure ?? false))
    return `a pipeline it depends on (${job.dependsOn.join(', ')}) did not pass`;
  if (!failed && job.onSuccess === false) return 'it runs only after a pipeline it depends on fails';
  return undefined;
}

function skippedResult(job: JobPlan, reason: string): JobResult {
  const all = [
    ...job.services.map((s) => [s, 'service'] as const),
    ...job.steps.map((s) => [s, 'step'] as const),
  ];
  return {
    status: 'success',
    steps: all.map(([s, kind]) => ({
      name: s.name,
      kind,
      status: 'skipped',
      oomKilled: false,
      error: reason,
    })),
    durationMs: 0,
  };
}

const RANK: Record<JobStatus, number> = { success: 0, failure: 1, error: 2, killed: 3 };

function worst(statuses: JobStatus[]): JobStatus {
  return statuses.reduce<JobStatus>((w, s) => (RANK[s] > RANK[w] ? s : w), 'success');
}

function jobName(job: JobPlan): string {
  const axis = Object.entries(job.axis ?? {}).map(([k, v]) => `${k}=${v}`);
  return axis.length > 0 ? `${job.pipeline} (${axis.join(' ')})` : job.pipeline;
}

function execFormat(value: string): 'pretty' | 'json' {
  if (value === 'pretty' || value === 'json') return value;
  throw new HangarError(`--format '${value}' is not known; use --format pretty or --format json`);
}

/** The build `hangar exec` pretends to run: the directory's git commit when there is one. */
function buildContext(dir: string, flags: ExecFlags): BuildContext {
  const event = flags.event as BuildEvent;
  if (!(EVENTS as readonly string[]).includes(event)) {
    throw new HangarError(`--event '${flags.event}' is not a build event; use one of ${EVENTS.join(', ')}`);
  }
  const branch = flags.branch;
  return {
    repo: { slug: `local/${basename(resolve(dir))}` },
    commit: { sha: gitHead(dir) ?? '0'.repeat(40), ref: `refs/heads/${branch}`, branch },
    build: { number: 1, event },
    trusted: flags.trusted,
    params: namedValues(flags.env ?? [], '--env', 'KEY=VALUE'),
  };
}

function gitHead(dir: string): string | undefined {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return /^[0-9a-f]{40}$/.test(sha.trim()) ? sha.trim() : undefined;
  } catch {
    return undefined;
  }
}
