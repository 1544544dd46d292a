/**
 * What the coordinator publishes on the NATS events stream (subjects
 * hangar.events.build / .job / .step). Every message names its build and
 * carries a `version` that only grows, so consumers keep the newest.
 */
import type { BuildStatus, JobStatus, StepStatus } from './store/index.js';

export interface BuildRef {
  buildId: number;
  buildNumber: number;
  repoId: number;
  repoSlug: string;
  projectId: number;
}

export interface BuildEventMessage extends BuildRef {
  kind: 'build';
  version: number;
  status: BuildStatus;
  error: string;
  event: string;
  ref: string;
  branch: string;
  sha: string;
  parentId?: number;
  mergeRequestIid?: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
}

export interface JobEventMessage extends BuildRef {
  kind: 'job';
  version: number;
  jobId: number;
  jobNumber: number;
  name: string;
  axis: Record<string, string>;
  status: JobStatus;
  attempt: number;
  runnerId?: number;
  error: string;
  startedAt?: number;
  finishedAt?: number;
  /** Every step of the job, when the job has ended or was put back (no separate step events then). */
  steps?: StepSummary[];
}

export interface StepEventMessage extends BuildRef, StepSummary {
  kind: 'step';
  version: number;
  jobId: number;
  jobNumber: number;
  startedAt?: number;
  finishedAt?: number;
}

export type CoordinatorEvent = BuildEventMessage | JobEventMessage | StepEventMessage;

export interface StepSummary {
  stepId: number;
  stepNumber: number;
  name: string;
  status: StepStatus;
  exitCode: number;
  oomKilled: boolean;
  error: string;
}
