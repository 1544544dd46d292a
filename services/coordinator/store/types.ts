/**
 * What the coordinator's store keeps, as the rest of the coordinator sees it.
 * Times are milliseconds since the Unix epoch; ids are numbers the database
 * assigns.
 */
import type { BuildEvent, JobPlan } from '../../shared/pipeline/types.js';
import type { JobPlanHead } from './job-plan.js';

export type { JobPlanHead } from './job-plan.js';

export const BUILD_STATUSES = [
  'pending',
  'running',
  'success',
  'failure',
  'killed',
  'error',
  'blocked',
  'skipped',
] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** Jobs add `queued`: published to the work queue, not yet accepted by a runner. */
export const JOB_STATUSES = [...BUILD_STATUSES, 'queued'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const STEP_STATUSES = [
  'pending',
  'running',
  'success',
  'failure',
  'killed',
  'error',
  'skipped',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** States a build, job or step never leaves. */
export const FINISHED_STATUSES = ['success', 'failure', 'killed', 'error', 'skipped'] as const;
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];

export function isFinished(status: string): status is FinishedStatus {
  return (FINISHED_STATUSES as readonly string[]).includes(status);
}

export type Visibility = 'public' | 'internal' | 'private';

export interface Repo {
  id: number;
  /** GitLab project id. */
  projectId: number;
  /** 'group/subgroup/name'. */
  slug: string;
  cloneUrl: string;
  webUrl: string;
  defaultBranch: string;
  active: boolean;
  /** GitLab's id of the project hook Hangar installed. */
  hookId?: number;
  /** Whether a hook token is set (the token itself is only kept hashed). */
  hasHookToken: boolean;
  configPath: string;
  trusted: boolean;
  timeoutMinutes: number;
  /** Builds of this repository that may run at once; 0 means no limit. */
  concurrency: number;
  /** A new build of a branch or merge request cancels older unfinished ones. */
  cancelPrevious: boolean;
  /** Secrets may go to merge requests from forks. */
  allowForkSecrets: boolean;
  visibility: Visibility;
  /** The number the last build got. */
  buildCounter: number;
  createdAt: number;
  updatedAt: number;
}

/** Settings a person may change on a repository. */
export interface RepoSettings {
  slug?: string;
  cloneUrl?: string;
  webUrl?: string;
  defaultBranch?: string;
  active?: boolean;
  configPath?: string;
  trusted?: boolean;
  timeoutMinutes?: number;
  concurrency?: number;
  cancelPrevious?: boolean;
  allowForkSecrets?: boolean;
  visibility?: Visibility;
}

export interface RepoInput extends RepoSettings {
  projectId: number;
  slug: string;
  cloneUrl: string;
}

export interface Build {
  id: number;
  repoId: number;
  /** Sequential per repository, never reused. */
  number: number;
  /** The build this one restarts. */
  parentId?: number;
  event: BuildEvent;
  status: BuildStatus;
  error: string;
  ref: string;
  branch: string;
  sha: string;
  beforeSha: string;
  message: string;
  title: string;
  author: string;
  authorEmail: string;
  authorAvatar: string;
  sender: string;
  sourceBranch: string;
  targetBranch: string;
  mergeRequestIid?: number;
  /** The merge request comes from another project. */
  fork: boolean;
  /** Commit, compare or merge-request page in GitLab. */
  link: string;
  deployTo: string;
  params: Record<string, string>;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

/** Credentials the clone step uses (written to ~/.netrc in its container). */
export interface Netrc {
  machine: string;
  login: string;
  password: string;
}

/** What a build was made from, kept for restarts and for handing jobs to runners. */
/** A build as a runner taking one of its jobs is told about it. */
export interface AcceptView {
  build: Build;
  /** The job's plan as stored: JSON of services/shared/pipeline/types.ts JobPlan. */
  planJson: string;
  netrc?: Netrc;
}

export interface BuildInputs {
  /** The pipeline file's text. */
  config: string;
  /** Kept encrypted; absent when none was given or no secret key is configured. */
  netrc?: Netrc;
}

export type BuildInput = Pick<Build, 'event' | 'ref' | 'sha'> &
  Partial<BuildInputs> &
  Partial<
    Pick<
      Build,
      | 'parentId'
      | 'status'
      | 'error'
      | 'branch'
      | 'beforeSha'
      | 'message'
      | 'title'
      | 'author'
      | 'authorEmail'
      | 'authorAvatar'
      | 'sender'
      | 'sourceBranch'
      | 'targetBranch'
      | 'mergeRequestIid'
      | 'fork'
      | 'link'
      | 'deployTo'
      | 'params'
    >
  >;

/** One pipeline (or one matrix axis of it) of a build. */
export interface Job {
  id: number;
  buildId: number;
  /** 1-based stage number within the build. */
  number: number;
  /** Pipeline name. */
  name: string;
  axis: Record<string, string>;
  status: JobStatus;
  /** What scheduling needs of the plan; the whole plan (steps, environment) is read with jobs.plan(id), or with builds.forAccept when a runner takes the job. */
  plan: JobPlanHead;
  dependsOn: string[];
  labels: Record<string, string>;
  runnerId?: number;
  /** How many times a runner accepted the job. */
  attempt: number;
  leaseExpiresAt?: number;
  /** A cancel was asked for while a runner held the job. */
  cancelRequested: boolean;
  error: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface JobInput {
  plan: JobPlan;
  /** Defaults to the plan's pipeline name. */
  name?: string;
  /** Defaults to `skipped` when the plan does not run, else `pending`. */
  status?: JobStatus;
  error?: string;
}

/** What a runner holds after accepting a job. */
export interface Lease {
  job: Job;
  token: string;
  attempt: number;
  expiresAt: number;
}

export interface ExpiredLease {
  job: Job;
  /** True when the job went back to `pending` for another runner; false when it ended. */
  requeued: boolean;
}

export interface Step {
  id: number;
  jobId: number;
  /** 1-based position within the job: clone, services, then steps. */
  number: number;
  name: string;
  status: StepStatus;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt?: number;
  finishedAt?: number;
}

export interface StepUpdate {
  status: StepStatus;
  exitCode?: number;
  oomKilled?: boolean;
  error?: string;
  startedAt?: number;
  finishedAt?: number;
}

/** Proof that the caller holds a job's lease. */
export interface LeaseProof {
  jobId: number;
  token: string;
}

export interface BuildWithJobs {
  build: Build;
  jobs: Job[];
  steps: Step[];
}

export interface LogBatchInput {
  /** 1-based and consecutive per step. */
  seq: number;
  lines: readonly string[];
}

export interface LogChunk {
  seq: number;
  /** The batch's lines, each ending in a newline. */
  text: string;
  lines: number;
}

export interface LogAppendResult {
  /** Every batch up to this sequence number is stored. */
  acked: number;
  /** Batches stored by this call (resent ones are not stored again). */
  stored: number;
  /** The step's log reached the size limit. */
  truncated: boolean;
}

export interface Runner {
  id: number;
  name: string;
  labels: Record<string, string>;
  /** 'linux/amd64'. */
  platform: string;
  capacity: number;
  version: string;
  hasToken: boolean;
  createdAt: number;
  lastSeenAt?: number;
  /** Jobs the runner holds a lease on now. */
  running: number;
}

export interface RunnerInput {
  name: string;
  labels?: Record<string, string>;
  platform?: string;
  capacity?: number;
  version?: string;
}

export interface Secret {
  id: number;
  repoId: number;
  name: string;
  /** Events whose builds get the secret; `pull_request` must be listed for merge requests. */
  events: BuildEvent[];
  /** Images (glob patterns) the secret may go to; empty means any. */
  images: string[];
  createdAt: number;
  updatedAt: number;
}

export interface SecretWithValue extends Secret {
  value: string;
}

export interface SecretInput {
  name: string;
  value: string;
  events?: BuildEvent[];
  images?: string[];
}

export interface Registry {
  id: number;
  repoId: number;
  /** Registry host: 'registry.gitlab.example.com', 'docker.io'. */
  address: string;
  username: string;
  createdAt: number;
  updatedAt: number;
}

export interface RegistryWithPassword extends Registry {
  password: string;
}

export interface RegistryInput {
  address: string;
  username: string;
  password: string;
}
