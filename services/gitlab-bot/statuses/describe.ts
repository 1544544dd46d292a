/**
 * What GitLab should show for a build: one commit status per pipeline (or
 * matrix axis), with a state GitLab knows and a sentence a person understands.
 * Pure: the build as the coordinator reports it in, statuses out.
 */
import type { BuildMessage } from '../api/build-service.js';
import type { CommitState } from '../gitlab/index.js';

type JobMessage = BuildMessage['jobs'][number];
type StepMessage = JobMessage['steps'][number];

export interface DesiredStatus {
  name: string;
  state: CommitState;
  description: string;
  targetUrl: string;
}

export interface DescribeOptions {
  /** Status names start with it: `hangar/test`. */
  prefix: string;
  /** Hangar's public URL; build links are `<url>/<repo slug>/<build number>`. */
  publicUrl: string;
}

/** `hangar/test`, `hangar/test (GO_VERSION=1.21, DB=pg)`. */
export function statusName(prefix: string, pipeline: string, axis: Record<string, string> = {}): string {
  const vars = Object.entries(axis)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return `${prefix}/${pipeline}${vars.length > 0 ? ` (${vars.join(', ')})` : ''}`;
}

export function buildUrl(publicUrl: string, slug: string, number: number): string {
  return `${publicUrl}/${slug.split('/').map(encodeURIComponent).join('/')}/${number}`;
}

/** 90_000 → '1m 30s'; 4_200 → '4s'. */
export function formatSeconds(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** Why a step did not succeed, in words: "failed (exit 2)", "killed: out of memory (limit 512 MiB)". */
export function stepOutcome(step: StepMessage): string {
  if (step.oomKilled) {
    return step.error.startsWith('killed: out of memory') ? step.error : 'killed: out of memory';
  }
  if (step.status === 'KILLED') return step.error === '' ? 'was cancelled' : `was stopped: ${step.error}`;
  if (step.status === 'ERROR') return step.error === '' ? 'could not run' : `could not run: ${step.error}`;
  if (step.exitCode !== 0) return `failed (exit ${step.exitCode})`;
  return step.error === '' ? 'failed' : `failed: ${step.error}`;
}

function firstBad(job: JobMessage): StepMessage | undefined {
  return (
    job.steps.find((s) => s.status === 'FAILURE' || s.status === 'ERROR' || s.oomKilled) ??
    job.steps.find((s) => s.status === 'KILLED')
  );
}

function running(job: JobMessage): string {
  const step = job.steps.find((s) => s.status === 'RUNNING');
  return step ? `running step ${step.name}` : 'running';
}

function duration(job: JobMessage): string {
  return job.startedMs > 0 && job.finishedMs >= job.startedMs
    ? ` in ${formatSeconds(job.finishedMs - job.startedMs)}`
    : '';
}

/** The state and sentence of one pipeline; undefined for pipelines that do not run (skipped). */
export function jobStatus(job: JobMessage): Pick<DesiredStatus, 'state' | 'description'> | undefined {
  switch (job.status) {
    case 'PENDING':
    case 'STATUS_UNSPECIFIED':
      return {
        state: 'pending',
        description:
          job.dependsOn.length > 0 ? `waiting for ${job.dependsOn.join(', ')}` : 'waiting for a runner',
      };
    case 'QUEUED':
      return { state: 'pending', description: 'waiting for a runner' };
    case 'BLOCKED':
      return { state: 'pending', description: 'waiting for approval' };
    case 'RUNNING':
      return { state: 'running', description: running(job) };
    case 'SUCCESS':
      return { state: 'success', description: `passed${duration(job)}` };
    case 'FAILURE': {
      const step = firstBad(job);
      return {
        state: 'failed',
        description: step ? `step ${step.name} ${stepOutcome(step)}` : job.error || 'failed',
      };
    }
    case 'KILLED':
      return { state: 'canceled', description: job.error === '' ? 'cancelled' : `cancelled: ${job.error}` };
    case 'ERROR': {
      const step = firstBad(job);
      const why = job.error || (step ? `step ${step.name} ${stepOutcome(step)}` : 'could not run');
      return { state: 'failed', description: why };
    }
    case 'SKIPPED':
      return undefined;
  }
}

/** The build-level status, used when a build has no pipelines (an invalid file, nothing to run). */
function buildStatus(build: BuildMessage): Pick<DesiredStatus, 'state' | 'description'> | undefined {
  switch (build.status) {
    case 'ERROR':
    case 'FAILURE':
      return { state: 'failed', description: build.error || 'the build could not run' };
    case 'KILLED':
      return { state: 'canceled', description: build.error || 'cancelled' };
    case 'SKIPPED':
      return undefined;
    case 'SUCCESS':
      return { state: 'success', description: 'no pipeline ran for this event' };
    default:
      return { state: 'pending', description: 'preparing the build' };
  }
}

export function describeBuild(build: BuildMessage, opts: DescribeOptions): DesiredStatus[] {
  const targetUrl = buildUrl(opts.publicUrl, build.repoSlug, build.number);
  if (build.jobs.length === 0) {
    const s = buildStatus(build);
    return s === undefined ? [] : [{ name: opts.prefix, targetUrl, ...s }];
  }
  const out: DesiredStatus[] = [];
  for (const job of build.jobs) {
    const s = jobStatus(job);
    if (s === undefined) continue;
    out.push({ name: statusName(opts.prefix, job.name, job.axis), targetUrl, ...s });
  }
  return out;
}
