/**
 * `hangar plan [FILE] --event EVENT --branch BRANCH ...`: which pipelines and
 * steps would run for a build. Exit 0 when the file compiled (whether or not
 * anything runs), 1 when it did not.
 */
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { HangarError } from '../../shared/errors.js';
import { compile, formatDiagnostic } from '../../shared/pipeline/compile.js';
import {
  type BuildContext,
  type BuildEvent,
  EVENTS,
  type JobPlan,
  type StepSpec,
} from '../../shared/pipeline/types.js';
import type { CliIO } from '../main.js';
import { outputFormat, readPipelineFile } from './lint.js';

interface PlanOptions {
  event: string;
  branch?: string;
  sourceBranch?: string;
  targetBranch?: string;
  ref?: string;
  tag?: string;
  status: string;
  repo?: string;
  matrix?: string[];
  trusted: boolean;
  format: string;
}

export interface StepView {
  name: string;
  image: string;
  run: boolean;
  reason?: string;
  environment?: Record<string, string>;
}

export interface PipelineView {
  name: string;
  run: boolean;
  reason?: string;
  axis?: Record<string, string>;
  services: StepView[];
  steps: StepView[];
}

export function register(program: Command, io: CliIO): void {
  program
    .command('plan')
    .description('show which pipelines and steps would run for an event')
    .argument('[file]', 'pipeline file', '.drone.yml')
    .requiredOption('--event <event>', `build event: ${EVENTS.join(', ')}`)
    .option('--branch <branch>', 'branch pushed to (for pull_request: the target branch)')
    .option('--source-branch <branch>', 'pull_request: the branch the merge request comes from')
    .option(
      '--target-branch <branch>',
      'pull_request: the branch it merges into, which branch conditions match (default: --branch)',
    )
    .option('--ref <ref>', 'git ref (default refs/heads/BRANCH, or refs/tags/TAG)')
    .option('--tag <tag>', 'tag name, for tag events')
    .option('--status <status>', 'pipeline status so far: success or failure', 'success')
    .option('--repo <owner/name>', 'repository slug, for repo conditions')
    .option('--matrix <key=value...>', 'only the matrix axes with these values')
    .option('--trusted', 'allow options only trusted repositories may use', false)
    .option('--format <format>', 'output format: text or json', 'text')
    .action((file: string, opts: PlanOptions) => {
      const format = outputFormat(opts.format);
      const ctx = buildContext(file, opts);
      const text = readPipelineFile(file);
      const result = compile(text, ctx, { file, trusted: opts.trusted });
      for (const d of [...result.errors, ...result.warnings]) io.err(`${formatDiagnostic(file, d)}\n`);
      if (!result.ok) {
        io.setExitCode(1);
        return;
      }
      const wanted = matrixFilter(opts.matrix ?? []);
      const jobs = result.jobs.filter((j) => wanted.every(([k, v]) => j.axis?.[k] === v));
      if (wanted.length > 0 && jobs.length === 0) {
        const axes = result.jobs.map((j) => axisText(j.axis ?? {})).filter((a) => a !== '');
        throw new HangarError(
          `no matrix axis has ${wanted.map(([k, v]) => `${k}=${v}`).join(' ')}; ${axes.length > 0 ? `the axes are: ${axes.join('; ')}` : 'the file has no matrix'}`,
        );
      }
      const views = jobs.map((j) => viewOf(j, ctx.status ?? 'success'));
      io.out(format === 'json' ? `${JSON.stringify({ pipelines: views }, null, 2)}\n` : renderText(views));
      io.setExitCode(0);
    });
}

function buildContext(file: string, opts: PlanOptions): BuildContext {
  const event = opts.event as BuildEvent;
  if (!(EVENTS as readonly string[]).includes(event)) {
    throw new HangarError(`--event '${opts.event}' is not a build event; use one of ${EVENTS.join(', ')}`);
  }
  if (opts.status !== 'success' && opts.status !== 'failure') {
    throw new HangarError(`--status '${opts.status}' is not known; use --status success or --status failure`);
  }
  const { branch, target } = branchesOf(event, opts);
  const tag =
    opts.tag ?? (opts.ref?.startsWith('refs/tags/') ? opts.ref.slice('refs/tags/'.length) : undefined);
  if (event === 'tag' && !tag)
    throw new HangarError('a tag event needs --tag NAME (or --ref refs/tags/NAME)');
  const ref =
    opts.ref ??
    (event === 'tag'
      ? `refs/tags/${tag}`
      : event === 'pull_request'
        ? 'refs/merge-requests/1/head'
        : `refs/heads/${branch}`);
  const repo = opts.repo ?? `local/${basename(dirname(resolve(file)))}`;
  if (!/^[^/\s]+(\/[^/\s]+)+$/.test(repo)) {
    throw new HangarError(`--repo '${repo}' is not OWNER/NAME; give it like --repo group/project`);
  }
  const ctx: BuildContext = {
    repo: { slug: repo },
    commit: { sha: '0'.repeat(40), ref, branch },
    build: { number: 1, event },
    trusted: opts.trusted,
    status: opts.status,
  };
  if (tag) ctx.tag = tag;
  if (target !== undefined) ctx.pullRequest = { number: 1, sourceBranch: branch, targetBranch: target };
  return ctx;
}

/**
 * The commit's branch, and for a pull request the target branch, which branch
 * conditions match (as Drone does). --branch is the target when
 * --target-branch is not given; the source defaults to the target.
 */
function branchesOf(event: BuildEvent, opts: PlanOptions): { branch: string; target?: string } {
  if (event !== 'pull_request') {
    if (opts.sourceBranch !== undefined || opts.targetBranch !== undefined) {
      throw new HangarError(
        `--source-branch and --target-branch are for pull_request events; for a ${event} event give --branch`,
      );
    }
    if (opts.branch === undefined && event !== 'tag') {
      throw new HangarError(`--branch is required for a ${event} event; give the branch, e.g. --branch main`);
    }
    return { branch: opts.branch ?? '' };
  }
  const { branch, targetBranch } = opts;
  if (branch !== undefined && targetBranch !== undefined && branch !== targetBranch) {
    throw new HangarError(
      `--branch '${branch}' and --target-branch '${targetBranch}' differ; for a pull_request --branch is the target branch, give only one of them`,
    );
  }
  const target = targetBranch ?? branch;
  if (target === undefined) {
    throw new HangarError(
      '--target-branch (or --branch) is required for a pull_request event; give the branch it merges into, e.g. --target-branch main',
    );
  }
  return { branch: opts.sourceBranch ?? target, target };
}

function matrixFilter(pairs: string[]): [string, string][] {
  return pairs.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0)
      throw new HangarError(`--matrix '${p}' is not KEY=VALUE; write it like --matrix GO_VERSION=1.22`);
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
}

/** A job as the plan shows it, with `--status` applied to the status conditions. */
export function viewOf(job: JobPlan, status: 'success' | 'failure'): PipelineView {
  let run = job.run;
  let reason = job.skipReason;
  if (run) {
    const onSuccess = job.onSuccess ?? true;
    const onFailure = job.onFailure ?? false;
    if (status === 'success' && !onSuccess) {
      run = false;
      reason = "its trigger's status runs it only after a pipeline it depends on fails";
    } else if (status === 'failure' && !onFailure && job.dependsOn.length > 0) {
      run = false;
      reason = `it waits for ${job.dependsOn.join(', ')} to pass, and the build has failed`;
    }
  }
  const step = (s: StepSpec): StepView => stepView(s, job.environment, status, run);
  return {
    name: job.pipeline,
    run,
    ...(reason ? { reason } : {}),
    ...(job.axis ? { axis: { ...job.axis } } : {}),
    services: job.services.map(step),
    steps: [...(job.clone ? [job.clone] : []), ...job.steps].map(step),
  };
}

function stepView(
  s: StepSpec,
  buildEnv: Record<string, string>,
  status: 'success' | 'failure',
  pipelineRuns: boolean,
): StepView {
  let run = s.run;
  let reason = s.skipReason;
  if (run && status === 'success' && !s.onSuccess) {
    run = false;
    reason = 'it runs only after a failure (when: status: failure)';
  } else if (run && status === 'failure' && !s.onFailure) {
    run = false;
    reason = "it runs only while the pipeline passes (its when: status: has no 'failure')";
  }
  if (!pipelineRuns && run) {
    run = false;
    reason = 'the pipeline does not run';
  }
  const own: Record<string, string> = {};
  for (const [k, value] of Object.entries(s.environment)) if (buildEnv[k] !== value) own[k] = value;
  return {
    name: s.name,
    image: s.image,
    run,
    ...(reason ? { reason } : {}),
    ...(Object.keys(own).length > 0 ? { environment: own } : {}),
  };
}

function axisText(axis: Record<string, string>): string {
  return Object.entries(axis)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function imageText(image: string): string {
  return image === '' ? '(built-in clone)' : image;
}

function renderText(views: PipelineView[]): string {
  const lines: string[] = [];
  for (const p of views) {
    const axis = p.axis ? ` [${axisText(p.axis)}]` : '';
    lines.push(`pipeline '${p.name}'${axis}: ${p.run ? 'runs' : `does not run (${p.reason ?? 'excluded'})`}`);
    const rows = [
      ...p.services.map((s) => ({ ...s, kind: 'service' })),
      ...p.steps.map((s) => ({ ...s, kind: 'step' })),
    ];
    const width = Math.max(0, ...rows.map((r) => r.name.length));
    const imageWidth = Math.max(0, ...rows.map((r) => imageText(r.image).length));
    for (const r of rows) {
      const image = imageText(r.image).padEnd(imageWidth);
      const mark = r.run ? 'run ' : 'skip';
      const why = !r.run && r.reason && r.reason !== 'the pipeline does not run' ? `  - ${r.reason}` : '';
      lines.push(`  ${mark}  ${r.kind.padEnd(7)} ${r.name.padEnd(width)}  ${image}${why}`.trimEnd());
    }
  }
  if (views.length === 0) lines.push('no pipelines');
  return `${lines.join('\n')}\n`;
}
