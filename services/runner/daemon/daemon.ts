/**
 * The runner daemon (`hangar runner`): registers with the coordinator, takes
 * jobs from the work queue up to its capacity, and runs each in a
 * JobSession. A state machine: starting → running → draining → stopped.
 *
 * drain(): takes no more jobs, lets the running ones finish within the grace
 * period, hands back what is still running after it (the job stops and the
 * coordinator requeues it for another runner), then stops.
 * stop(): hands back everything at once and stops.
 */
import { HangarError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { Bus, BusError, type JobDelivery, poolFor } from '../../shared/nats/bus.js';
import type { RunnerDaemonConfig } from '../config.js';
import { connectDocker } from '../docker/dockerode-engine.js';
import type { DockerEngine } from '../docker/engine.js';
import { DockerError } from '../docker/engine.js';
import { cleanupLeftovers } from '../executor/leftovers.js';
import { Backoff, sleep } from './backoff.js';
import {
  CallAbortedError,
  CoordinatorConnection,
  grpcMessage,
  isNotFound,
  LeaseLostError,
  RunnerRefusedError,
} from './connection.js';
import { JobSession, type SessionEnd } from './job-session.js';
import { PullLoop } from './pull-loop.js';
import { type Registration, registerRunner } from './register.js';

export type DaemonState = 'starting' | 'running' | 'draining' | 'stopped';

export interface RunnerDaemon {
  readonly state: DaemonState;
  /** The id the coordinator gave this runner. */
  readonly runnerId: number;
  /** Ids of the jobs running now. */
  running(): number[];
  /** Stop taking work, finish or hand back running jobs within the grace period, stop. */
  drain(): Promise<void>;
  /** Hand back running jobs and stop now. */
  stop(): Promise<void>;
  /** Settles when the daemon has stopped. */
  readonly done: Promise<void>;
}

export interface StartOptions {
  /** Gives up waiting for the coordinator, NATS or Docker at start-up. */
  signal?: AbortSignal;
  /** Override of the Docker engine (tests); default from `cfg.docker`. */
  engine?: DockerEngine;
}

/** How long one Accept may keep trying before the job goes back to the queue. */
const ACCEPT_PATIENCE_MS = 15_000;

export async function startRunnerDaemon(
  cfg: RunnerDaemonConfig,
  log: Logger,
  opts: StartOptions = {},
): Promise<RunnerDaemon> {
  const engine = opts.engine ?? connectDocker(cfg.docker);
  try {
    await engine.ping();
  } catch (err) {
    const reason = err instanceof DockerError ? err.reason : grpcMessage(err);
    throw new HangarError(
      `cannot reach the Docker engine at ${engine.address} (${reason}); start Docker or set DOCKER_HOST`,
      { cause: err },
    );
  }
  const conn = new CoordinatorConnection({
    server: cfg.server,
    ...(cfg.secret === undefined ? {} : { secret: cfg.secret }),
    log,
  });
  let registered: Registration;
  try {
    registered = await registerRunner(conn, cfg, log, opts.signal);
  } catch (err) {
    conn.close();
    if (err instanceof RunnerRefusedError || err instanceof CallAbortedError) throw err;
    throw new HangarError(
      `the coordinator at ${conn.address} did not register this runner (${grpcMessage(err)}); check DRONE_SERVER`,
      { cause: err },
    );
  }
  await cleanupLeftovers(engine, [], { runnerId: cfg.name, log });

  let bus: Bus;
  try {
    bus = await connectBus(cfg, log, opts.signal);
  } catch (err) {
    conn.close();
    throw err;
  }
  return new Daemon(cfg, log, engine, conn, bus, registered);
}

async function connectBus(
  cfg: RunnerDaemonConfig,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<Bus> {
  const backoff = new Backoff({ initialMs: 500, maxMs: 5_000 });
  for (;;) {
    try {
      return await Bus.connect({ url: cfg.natsUrl, name: `hangar-runner-${cfg.name}`, log });
    } catch (err) {
      if (!(err instanceof BusError) || !err.retryable || signal?.aborted) throw err;
      const delay = backoff.next();
      log.warn({ reason: err.message, retryInMs: delay }, 'NATS not reachable yet');
      await sleep(delay, signal);
      if (signal?.aborted) throw new CallAbortedError('gave up waiting for NATS: the runner is stopping');
    }
  }
}

class Daemon implements RunnerDaemon {
  state: DaemonState = 'starting';
  private readonly sessions = new Map<number, { session: JobSession; end: Promise<SessionEnd> }>();
  private readonly loop: PullLoop;
  private readonly cancelSub: { unsubscribe(): void };
  private stopping: Promise<void> | undefined;
  private readonly stopSignal = new AbortController();
  private reregistering: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(
    private readonly cfg: RunnerDaemonConfig,
    private readonly log: Logger,
    private readonly engine: DockerEngine,
    private readonly conn: CoordinatorConnection,
    private readonly bus: Bus,
    private registration: Registration,
  ) {
    const pool = poolFor(cfg.platform);
    this.cancelSub = bus.onCancel((jobId) => {
      this.sessions.get(Number(jobId))?.session.cancel('the job was cancelled');
    });
    this.loop = new PullLoop({
      bus,
      pool,
      capacity: cfg.capacity,
      labels: cfg.labels,
      log,
      handle: (d) => this.take(d),
    });
    this.loop.start();
    this.state = 'running';
    log.info(
      {
        runner: cfg.name,
        runnerId: registration.runnerId,
        pool,
        capacity: cfg.capacity,
        coordinator: conn.address,
        nats: cfg.natsUrl,
      },
      'runner ready',
    );
  }

  get runnerId(): number {
    return this.registration.runnerId;
  }

  /** Registers again (after the coordinator forgot this runner); concurrent calls share one try. */
  private register(): Promise<void> {
    this.reregistering ??= registerRunner(this.conn, this.cfg, this.log, this.stopSignal.signal)
      .then((r) => {
        this.registration = r;
      })
      .finally(() => {
        this.reregistering = undefined;
      });
    return this.reregistering;
  }

  running(): number[] {
    return [...this.sessions.keys()];
  }

  private async take(d: JobDelivery): Promise<void> {
    const jobId = Number(d.jobId);
    const patience = AbortSignal.any([AbortSignal.timeout(ACCEPT_PATIENCE_MS), this.stopSignal.signal]);
    let accepted: Awaited<ReturnType<CoordinatorConnection['accept']>>;
    try {
      accepted = await this.conn.retrying(() => this.conn.accept({ jobId, runnerId: this.runnerId }), {
        what: 'accept job',
        signal: patience,
      });
    } catch (err) {
      if (err instanceof LeaseLostError && /not registered/i.test(err.message)) {
        // The coordinator forgot this runner (its database was reset): announce it again.
        this.log.warn(
          { job: jobId, reason: err.message },
          'coordinator does not know this runner; registering again',
        );
        d.nak(1_000);
        await this.register().catch((e: unknown) => this.log.error({ err: e }, 'registering again failed'));
      } else if (err instanceof LeaseLostError || isNotFound(err)) {
        this.log.debug({ job: jobId, reason: grpcMessage(err) }, 'job not available');
        d.ack();
      } else {
        this.log.warn(
          { job: jobId, reason: grpcMessage(err) },
          'could not accept job; it goes back to the queue',
        );
        d.nak(2_000);
      }
      return;
    }
    d.ack();
    if (this.state !== 'running') {
      // Taken while the drain began: hand it straight back.
      this.log.info({ job: jobId }, 'job accepted while stopping; handing it back');
    }
    const session = new JobSession(
      {
        conn: this.conn,
        engine: this.engine,
        cfg: this.cfg,
        leaseTimeoutMs: this.registration.leaseTimeoutMs,
        log: this.log,
      },
      jobId,
      accepted,
    );
    const end = session.start();
    this.sessions.set(jobId, { session, end });
    if (this.state !== 'running') session.handBack();
    try {
      await end;
    } finally {
      this.sessions.delete(jobId);
    }
  }

  drain(): Promise<void> {
    this.draining ??= this.runDrain();
    return this.draining;
  }

  private async runDrain(): Promise<void> {
    if (this.state !== 'running') return this.stop();
    this.state = 'draining';
    const jobs = this.running();
    this.log.info({ jobs, graceMs: this.cfg.graceMs }, 'draining: taking no more jobs');
    // The pull in flight ends on its own; anything it brings goes back.
    void this.loop.stop();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace'>((resolve) => {
      timer = setTimeout(() => resolve('grace'), this.cfg.graceMs);
    });
    const finished = await Promise.race([this.loop.idle().then(() => 'idle' as const), graceOver]);
    clearTimeout(timer);
    if (finished === 'grace') this.log.warn({ jobs: this.running() }, 'grace period over');
    await this.stop();
  }

  stop(): Promise<void> {
    this.stopping ??= this.runStop();
    return this.stopping;
  }

  private async runStop(): Promise<void> {
    this.state = 'draining';
    this.stopSignal.abort();
    await this.loop.stop();
    for (const { session } of this.sessions.values()) session.handBack();
    await Promise.all([...this.sessions.values()].map((s) => s.end));
    await this.loop.idle();
    this.cancelSub.unsubscribe();
    await this.bus.close().catch((err: unknown) => this.log.warn({ err }, 'closing NATS failed'));
    this.conn.close();
    this.state = 'stopped';
    this.log.info('runner stopped');
    this.resolveDone();
  }
}
