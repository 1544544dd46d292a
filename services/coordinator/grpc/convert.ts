/** Store records → gRPC messages, and the status enum both ways. */
import type { Build as BuildMessage } from '../../../proto/generated/hangar/v1/Build.js';
import type { Job as JobMessage } from '../../../proto/generated/hangar/v1/Job.js';
import type { RunnerInfo } from '../../../proto/generated/hangar/v1/RunnerInfo.js';
import type { Status, Status__Output } from '../../../proto/generated/hangar/v1/Status.js';
import type { StepState } from '../../../proto/generated/hangar/v1/StepState.js';
import type { Build, Job, Repo, Runner, Step } from '../store/index.js';

export function statusMessage(status: string): Status {
  return status.toUpperCase() as Status;
}

/** The store's name of a status from the wire; undefined for STATUS_UNSPECIFIED or an unknown value. */
export function statusFromMessage(status: Status__Output | string | number): string | undefined {
  if (typeof status !== 'string' || status === 'STATUS_UNSPECIFIED') return undefined;
  return status.toLowerCase();
}

const ms = (t: number | undefined) => t ?? 0;

export function stepMessage(s: Step): StepState {
  return {
    id: s.id,
    number: s.number,
    name: s.name,
    status: statusMessage(s.status),
    exitCode: s.exitCode,
    oomKilled: s.oomKilled,
    error: s.error,
    startedMs: ms(s.startedAt),
    finishedMs: ms(s.finishedAt),
  };
}

export function jobMessage(
  j: Omit<Job, 'plan'>,
  steps: readonly Step[],
  runnerNames: ReadonlyMap<number, string>,
): JobMessage {
  return {
    id: j.id,
    number: j.number,
    name: j.name,
    axis: j.axis,
    status: statusMessage(j.status),
    dependsOn: j.dependsOn,
    runner: j.runnerId === undefined ? '' : (runnerNames.get(j.runnerId) ?? String(j.runnerId)),
    attempt: j.attempt,
    error: j.error,
    startedMs: ms(j.startedAt),
    finishedMs: ms(j.finishedAt),
    steps: steps.filter((s) => s.jobId === j.id).map(stepMessage),
  };
}

export function buildMessage(
  b: Build,
  repo: Pick<Repo, 'slug'>,
  jobs: readonly Omit<Job, 'plan'>[] = [],
  steps: readonly Step[] = [],
  runnerNames: ReadonlyMap<number, string> = new Map(),
): BuildMessage {
  return {
    id: b.id,
    repoSlug: repo.slug,
    number: b.number,
    parent: b.parentId ?? 0,
    event: b.event,
    status: statusMessage(b.status),
    error: b.error,
    ref: b.ref,
    branch: b.branch,
    sha: b.sha,
    message: b.message,
    title: b.title,
    author: b.author,
    sourceBranch: b.sourceBranch,
    targetBranch: b.targetBranch,
    mergeRequestIid: b.mergeRequestIid ?? 0,
    fork: b.fork,
    link: b.link,
    createdMs: b.createdAt,
    startedMs: ms(b.startedAt),
    finishedMs: ms(b.finishedAt),
    params: b.params,
    jobs: jobs.map((j) => jobMessage(j, steps, runnerNames)),
  };
}

export function runnerMessage(r: Runner): RunnerInfo {
  return {
    id: r.id,
    name: r.name,
    labels: r.labels,
    platform: r.platform,
    capacity: r.capacity,
    version: r.version,
    lastSeenMs: ms(r.lastSeenAt),
    running: r.running,
  };
}
