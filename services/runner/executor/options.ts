import type { StepState } from '../../shared/job/events.js';
import type { Logger } from '../../shared/log.js';
import type { RegistryAuth } from '../docker/engine.js';

/** Credentials the clone step writes into $HOME/.netrc. */
export interface Netrc {
  machine: string;
  login: string;
  password: string;
}

/** Everything a job needs besides its plan. The runner daemon and `hangar exec` fill it. */
export interface RunOptions {
  /** Labels every container, network and volume of the job (`io.hangar.job`). */
  jobId: string;
  /** Labels them too (`io.hangar.runner`), so a runner cleans up only its own leftovers. */
  runnerId?: string;
  /** Whether the repository may use privileged mode, host volumes, devices and network modes. */
  trusted: boolean;
  /** Secret values by secret name (`StepSpec.secrets[].source`); masked in every log line. */
  secrets?: Record<string, string>;
  /** Registry credentials by host name ('registry.example.com', 'docker.io'). */
  registries?: Record<string, RegistryAuth>;
  /**
   * Why the pipeline's `image_pull_secrets` cannot be used, one sentence
   * each: the first step that must pull an image fails with them; a job that
   * pulls nothing logs them as a warning.
   */
  pullSecretErrors?: string[];
  /** `image_pull_secrets` the secret rules kept from this build: added to a failed pull's message. */
  pullSecretNotes?: string[];
  /** Clone credentials; the password is masked in logs. */
  netrc?: Netrc;
  /** The repository to clone; falls back to DRONE_REMOTE_URL / CI_REPO_REMOTE in the plan's environment. */
  cloneUrl?: string;
  /** Image of the default clone step (HANGAR_CLONE_IMAGE). */
  cloneImage?: string;
  /**
   * Image of the idle container whose network solo steps share (see
   * sandbox.ts); it must have `sleep`. Defaults to the clone image.
   */
  sandboxImage?: string;
  /** False: every step joins the job network on its own (slower to start, no shared namespace). */
  networkSandbox?: boolean;
  /** Memory limit in bytes for steps that set none (`mem_limit` wins). */
  memLimit?: number;
  /** Whole-job timeout in milliseconds. */
  timeoutMs?: number;
  /** Cancels the job: running containers are stopped, nothing else starts. */
  signal?: AbortSignal;
  /** A host directory bound as the workspace instead of a fresh volume (`hangar exec`). */
  workspaceHostDir?: string;
  /** How long a stopped container gets between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
  /** Called on every step state change, in order. Must not throw. */
  onStep?: (state: StepState) => void;
  /** Bounds of the log line queue; producers wait when it is full. */
  logLimits?: { maxItems: number; maxBytes: number };
  log?: Logger;
}

export const DEFAULT_CLONE_IMAGE = 'hangar/git:latest';
export const DEFAULT_RUNNER_ID = 'local';
export const DEFAULT_STOP_GRACE_MS = 5_000;
export const DEFAULT_LOG_LIMITS = { maxItems: 4096, maxBytes: 8 * 1024 * 1024 };

/** Labels on everything a job creates. */
export const LABEL_JOB = 'io.hangar.job';
export const LABEL_RUNNER = 'io.hangar.runner';
export const LABEL_STEP = 'io.hangar.step';
