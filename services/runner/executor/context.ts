import { randomBytes } from 'node:crypto';
import type { LogLine } from '../../shared/job/events.js';
import { type Logger, silentLogger } from '../../shared/log.js';
import type { JobPlan } from '../../shared/pipeline/types.js';
import type { DockerEngine } from '../docker/engine.js';
import type { LogQueue } from '../logs/log-queue.js';
import { SecretMasker } from '../logs/masker.js';
import type { JobState, Unit } from './job-state.js';
import {
  DEFAULT_RUNNER_ID,
  DEFAULT_STOP_GRACE_MS,
  LABEL_JOB,
  LABEL_RUNNER,
  type RunOptions,
} from './options.js';

/** What the parts of one job's run share. */
export class JobContext {
  readonly log: Logger;
  readonly masker: SecretMasker;
  /** Prefix of every Docker name the job creates; unique per run. */
  readonly prefix: string;
  readonly labels: Record<string, string>;
  readonly networkName: string;
  /** Docker volume names by plan volume name (temp volumes) and the workspace volume under ''. */
  readonly volumes = new Map<string, string>();
  /** Containers whose end the job waits for or stops, by id. */
  readonly running = new Map<string, Unit>();
  /** Everything created that teardown must remove. */
  readonly created = {
    containers: new Set<string>(),
    networks: new Set<string>(),
    volumes: new Set<string>(),
  };
  /** Ends of services and detached steps, awaited at teardown. */
  readonly background: Promise<void>[] = [];
  /** Container removals started as steps end, awaited at teardown. */
  readonly removals: Promise<void>[] = [];
  /** One pull (or presence check) per image and policy per job. */
  readonly images = new Map<string, Promise<void>>();
  /** The idle container whose network solo steps share (see sandbox.ts). */
  sandbox: { id: string; members: Set<string> } | undefined;
  /** Set when the job is being cancelled or timed out: the sentence every killed step reports. */
  killedBecause: string | undefined;
  /** Set while services and detached steps are being stopped because the job is over. */
  tearingDown = false;
  private readonly abortCtl = new AbortController();

  constructor(
    readonly engine: DockerEngine,
    readonly plan: JobPlan,
    readonly opts: RunOptions,
    readonly state: JobState,
    readonly logs: LogQueue<LogLine>,
  ) {
    this.log = (opts.log ?? silentLogger).child({ job: opts.jobId });
    const secretValues = Object.values(opts.secrets ?? {});
    if (opts.netrc) secretValues.push(opts.netrc.password);
    this.masker = new SecretMasker(secretValues);
    this.prefix = `hangar-${dockerSafe(opts.jobId).slice(0, 40)}-${randomBytes(3).toString('hex')}`;
    this.labels = { [LABEL_JOB]: opts.jobId, [LABEL_RUNNER]: opts.runnerId ?? DEFAULT_RUNNER_ID };
    this.networkName = this.prefix;
  }

  /** Aborted when the job is cancelled or times out: pulls and log reads stop. */
  get signal(): AbortSignal {
    return this.abortCtl.signal;
  }

  get stopGraceSeconds(): number {
    return Math.ceil((this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS) / 1000);
  }

  /** Stops the job: running containers get a stop (grace, then kill); nothing new starts. */
  kill(because: string): void {
    if (this.killedBecause !== undefined) return;
    this.killedBecause = because;
    this.log.info({ because }, 'job killed');
    this.abortCtl.abort(new Error(because));
    for (const id of this.running.keys()) this.stop(id);
  }

  stop(id: string, graceSeconds = this.stopGraceSeconds): void {
    this.engine.stopContainer(id, graceSeconds).catch((err: unknown) => {
      this.log.warn({ err, container: id }, 'container stop failed');
    });
  }

  /** Removes a finished container in the background; teardown waits for it. */
  remove(id: string): void {
    this.removals.push(
      this.engine.removeContainer(id).then(
        () => {
          this.created.containers.delete(id);
        },
        (err: unknown) => this.log.warn({ err, container: id }, 'container removal failed'),
      ),
    );
  }

  /** A Docker-safe, unique container name for a unit. */
  containerName(unit: Unit): string {
    return `${this.prefix}-${this.state.units.indexOf(unit)}-${dockerSafe(unit.spec.name).slice(0, 60)}`;
  }
}

/** Lower-case letters, digits, '.', '_' and '-' only. */
export function dockerSafe(s: string): string {
  const safe = s
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  return safe === '' ? 'x' : safe;
}
