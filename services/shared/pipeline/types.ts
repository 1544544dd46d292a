/**
 * The typed plan that a `.drone.yml` compiles into. This file is the contract
 * between the compiler (services/shared/pipeline), the runner's executor, the
 * coordinator and the bot. Change it with care.
 *
 * Two levels:
 * - `PipelineConfig` / `PipelineDef` / `StepDef`: the file as written, normalised
 *   from either format (0.8 or 1.x), not yet evaluated against a build.
 * - `JobPlan` / `StepSpec`: what runs for one build (event, branch, ...), for one
 *   pipeline and one matrix axis: conditions evaluated, variables resolved,
 *   environment complete. The executor needs nothing else.
 */

/** Build events, as Drone names them. */
export const EVENTS = [
  'push',
  'pull_request',
  'tag',
  'deployment',
  'cron',
  'custom',
  'promote',
  'rollback',
] as const;
export type BuildEvent = (typeof EVENTS)[number];

/** 1-based position in the pipeline file. */
export interface Position {
  line: number;
  column: number;
}

export interface Diagnostic extends Position {
  severity: 'error' | 'warning';
  /** One sentence that says what is wrong and what to change. */
  message: string;
}

/** One condition field after normalisation: a string, a list or {include, exclude}. */
export interface Constraint {
  include: string[];
  exclude: string[];
}

/** `when:` on a step, `trigger:` on a 1.x pipeline, `branches:` on a 0.8 file (as `branch`). */
export interface Conditions {
  branch?: Constraint;
  event?: Constraint;
  ref?: Constraint;
  repo?: Constraint;
  status?: Constraint;
  platform?: Constraint;
  instance?: Constraint;
  environment?: Constraint;
  /** 1.x `target` (promote / rollback target). */
  target?: Constraint;
  cron?: Constraint;
  action?: Constraint;
  /** 0.8 matrix condition: every listed key must equal the axis value. */
  matrix?: Record<string, string>;
  /** 0.8 `matrix: exclude:`: the axis is excluded when every listed key equals its value. */
  matrixExclude?: Record<string, string>;
}

export type PullPolicy = 'always' | 'if-not-exists' | 'never';

/** An environment value: a literal or a reference to a secret (1.x `from_secret`). */
export type EnvValue = { value: string } | { fromSecret: string };

export interface VolumeMount {
  /** 1.x: the name of a pipeline-level volume. */
  name?: string;
  /** 0.8 and resolved 1.x host volumes: path on the Docker host. */
  hostPath?: string;
  /** 1.x temp volume (`temp: {}`): an anonymous volume that lives for the job. */
  temp?: boolean;
  /** Path inside the container. */
  target: string;
  readOnly: boolean;
}

export interface SecretRef {
  /** The secret's name in the repository's secret store. */
  source: string;
  /** The environment variable it is exposed as. */
  target: string;
}

export interface StepDef {
  name: string;
  image: string;
  pull: PullPolicy;
  commands: string[];
  entrypoint?: string[];
  command?: string[];
  environment: Record<string, EnvValue>;
  secrets: SecretRef[];
  /** Plugin settings (0.8 extra keys, 1.x `settings:`), exposed as PLUGIN_<KEY>. */
  settings: Record<string, unknown>;
  when: Conditions;
  dependsOn: string[];
  /** 0.8 parallel group name. */
  group?: string;
  detach: boolean;
  privileged: boolean;
  volumes: VolumeMount[];
  networkMode?: string;
  extraHosts: string[];
  devices: string[];
  /** Bytes. */
  memLimit?: number;
  /** Bytes. */
  shmSize?: number;
  /** CPU count, may be fractional (1.5). */
  cpus?: number;
  failure: 'fail' | 'ignore';
  user?: string;
  workingDir?: string;
  /** Step timeout in milliseconds, when the file gives one. */
  timeoutMs?: number;
  /** Service ports (informational; services are reached by name on the job network). */
  ports: number[];
  position: Position;
}

export interface MatrixDef {
  axes: Record<string, string[]>;
  /** 0.8 `matrix: include:` — an explicit list of axes instead of the product. */
  include?: Record<string, string>[];
}

export interface PipelineDef {
  name: string;
  /** 1.x `type:`; 0.8 files are `docker`. Only `docker` runs on Hangar's runners. */
  type: string;
  platform: { os: string; arch: string };
  workspace: { base: string; path: string };
  clone: {
    disable: boolean;
    depth?: number;
    /** 0.8 `clone:` section (or 1.x never): a replacement clone step. */
    step?: StepDef;
  };
  /** 1.x `trigger:`; 0.8 top-level `branches:` lands in `trigger.branch`. */
  trigger: Conditions;
  services: StepDef[];
  steps: StepDef[];
  /** 1.x pipeline volumes by name. */
  volumes: Record<string, { hostPath?: string; temp?: boolean }>;
  /** Names of pipelines this one waits for (1.x). */
  dependsOn: string[];
  /** 1.x pipeline-level `environment:`. */
  environment: Record<string, EnvValue>;
  imagePullSecrets: string[];
  concurrency?: number;
  node: Record<string, string>;
  labels: Record<string, string>;
  position: Position;
}

export interface PipelineConfig {
  format: '0.8' | '1.x';
  pipelines: PipelineDef[];
  /** 0.8 `matrix:`; absent when the file has none. */
  matrix?: MatrixDef;
  warnings: Diagnostic[];
}

/** Facts about the build a plan is made for. Everything Drone's variables come from. */
export interface BuildContext {
  repo: {
    /** 'group/subgroup/project' as GitLab spells it. */
    slug: string;
    link?: string;
    cloneUrl?: string;
    private?: boolean;
    defaultBranch?: string;
    visibility?: string;
  };
  commit: {
    sha: string;
    ref: string;
    branch: string;
    message?: string;
    author?: string;
    authorEmail?: string;
    authorAvatar?: string;
    link?: string;
    before?: string;
  };
  build: {
    number: number;
    event: BuildEvent;
    link?: string;
    created?: number;
    started?: number;
    parent?: number;
    /** Deployment target (promote / deployment events). */
    deployTo?: string;
    cron?: string;
    action?: string;
  };
  tag?: string;
  pullRequest?: {
    number: number;
    sourceBranch: string;
    targetBranch: string;
    title?: string;
    fork?: boolean;
  };
  /** Whether the repository is trusted (privileged, host volumes, ...). */
  trusted: boolean;
  /** Pipeline status so far, for `status:` conditions; 'success' when planning a fresh build. */
  status?: 'success' | 'failure';
  /** Name of this Hangar instance (host), for `instance:` conditions. */
  instance?: string;
  system?: { host?: string; proto?: string; version?: string };
  /** Extra variables (`hangar plan --env`, build parameters), applied before substitution. */
  params?: Record<string, string>;
}

/** Why a step or pipeline will not run, in words. */
export type SkipReason = string;

export interface StepSpec {
  name: string;
  image: string;
  pull: PullPolicy;
  /** Shell commands; empty for plugin steps. */
  commands: string[];
  entrypoint?: string[];
  command?: string[];
  /** Complete environment: DRONE_* / CI_* variables, pipeline and step environment, PLUGIN_*. Secrets excluded. */
  environment: Record<string, string>;
  /** Secrets to inject at run time (values come with the job, never in the plan). */
  secrets: SecretRef[];
  /**
   * False when the step's non-status conditions (branch, event, ...) exclude it
   * for this build; then it never runs and `skipReason` says why.
   */
  run: boolean;
  skipReason?: SkipReason;
  /** Status conditions: whether the step runs while the pipeline is passing, and after it has failed. */
  onSuccess: boolean;
  onFailure: boolean;
  /**
   * Steps that must end (or, when detached, start) before this one. The compiler
   * fills this for every format: sequential 0.8 steps depend on the previous
   * stage (a run of steps sharing a `group`), 1.x steps use `depends_on` when
   * any step has it, else the previous step. Empty for the first step.
   * The clone step is not listed; it always runs first.
   */
  dependsOn: string[];
  detach: boolean;
  privileged: boolean;
  volumes: VolumeMount[];
  networkMode?: string;
  extraHosts: string[];
  devices: string[];
  memLimit?: number;
  shmSize?: number;
  cpus?: number;
  failure: 'fail' | 'ignore';
  user?: string;
  workingDir?: string;
  timeoutMs?: number;
}

export interface JobPlan {
  pipeline: string;
  /** Matrix axis values for this job, when the file has a matrix. */
  axis?: Record<string, string>;
  /** False when `trigger:` / `branches:` exclude the pipeline for this build. */
  run: boolean;
  skipReason?: SkipReason;
  /**
   * 1.x `trigger: status:`: whether the pipeline runs when the pipelines it
   * depends on passed, and when one of them failed. Absent means success only.
   */
  onSuccess?: boolean;
  onFailure?: boolean;
  platform: { os: string; arch: string };
  /** Absolute path of the working directory in every container (base + path). */
  workspace: { base: string; path: string; dir: string };
  /** The clone step, or null when cloning is disabled. */
  clone: StepSpec | null;
  services: StepSpec[];
  steps: StepSpec[];
  /** Named volumes the job needs (1.x temp volumes). */
  volumes: Record<string, { hostPath?: string; temp?: boolean }>;
  /** Pipelines that must finish first (1.x). */
  dependsOn: string[];
  /** Pipeline-level environment: the DRONE_* / CI_* variables for this build. */
  environment: Record<string, string>;
  imagePullSecrets: string[];
  concurrency?: number;
  labels: Record<string, string>;
}

/** The result of compiling a file for one build. */
export interface CompileResult {
  ok: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  jobs: JobPlan[];
}
