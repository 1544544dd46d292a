/**
 * What a running job reports: step state changes and log lines. The runner's
 * executor produces them; the coordinator stores them and the bot shows them.
 */

/** The life of one step (or service, or the clone step). */
export const STEP_STATUSES = [
  'pending',
  'running',
  'success',
  'failure',
  'skipped',
  'killed',
  'error',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Whether a step has reached its last state. */
export function isFinal(status: StepStatus): boolean {
  return status !== 'pending' && status !== 'running';
}

export type StepKind = 'clone' | 'service' | 'step';

export interface StepState {
  name: string;
  kind: StepKind;
  status: StepStatus;
  /** The container's exit code, when it ran and ended. */
  exitCode?: number;
  /** True when the kernel killed the container for exceeding its memory limit. */
  oomKilled: boolean;
  /** Epoch milliseconds when the step started (pulling its image counts). */
  startedAt?: number;
  /** Milliseconds from start to end, once the step has ended. */
  durationMs?: number;
  /** One sentence on why the step did not succeed or did not run, when that is worth saying. */
  error?: string;
}

export type LogStream = 'stdout' | 'stderr';

/** One line of a step's output, secrets already masked. */
export interface LogLine {
  step: string;
  stream: LogStream;
  /** Epoch milliseconds when the line was read from the engine. */
  time: number;
  /** The text, without its line break. */
  line: string;
  /** 0-based position of the line in the step's output (both streams counted together). */
  n: number;
}

/** How a job ended. `killed`: cancelled or timed out. `error`: something kept a step from running. */
export type JobStatus = 'success' | 'failure' | 'killed' | 'error';

export interface JobResult {
  status: JobStatus;
  /** Every step of the plan, in plan order: clone, services, steps. */
  steps: StepState[];
  /** One sentence when the job as a whole was cancelled, timed out or could not be set up. */
  error?: string;
  durationMs: number;
}
