/**
 * A real Hangar cluster for the runner daemon's tests: a nats-server, a
 * coordinator on SQLite in a temp directory (restartable on the same file and
 * port), runner daemons in-process or as `node bin/hangar.js runner`
 * processes, and a BuildService client to create and watch builds.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { credentials, Metadata } from '@grpc/grpc-js';
import type { Build__Output } from '../../proto/generated/hangar/v1/Build.js';
import { type BuildClient, BuildServiceClient } from '../../proto/load.js';
import { loadCoordinatorConfig } from '../../services/coordinator/config.js';
import { type CoordinatorHandle, startCoordinator } from '../../services/coordinator/coordinator.js';
import { readRunnerDaemonConfig } from '../../services/runner/config.js';
import { type RunnerDaemon, startRunnerDaemon } from '../../services/runner/daemon/daemon.js';
import { connectDocker } from '../../services/runner/docker/dockerode-engine.js';
import { createLogger, silentLogger } from '../../services/shared/log.js';
import { type HangarProcess, spawnHangar } from '../support/hangar-process.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';

export const REPO = 'group/app';
export const SECRET = 'daemon-test-secret';
export const docker = connectDocker();
const ROOT = new URL('../../', import.meta.url).pathname;

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Structured log lines a daemon wrote, for assertions on what it did. */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      for (const l of chunk.toString().split('\n')) {
        if (l.trim() !== '') this.lines.push(JSON.parse(l) as Record<string, unknown>);
      }
      cb();
    },
  });

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }
}

/** Thrown by a waitFor probe to give up at once (the process being waited for died). */
export class GiveUp extends Error {}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const FINISHED = ['SUCCESS', 'FAILURE', 'KILLED', 'ERROR', 'SKIPPED'];

/** A BuildService client, as the bot and the CLI use it. */
export class BuildApi {
  private readonly client: BuildClient;

  constructor(
    address: string,
    private readonly secret: string,
  ) {
    this.client = new BuildServiceClient(address, credentials.createInsecure());
  }

  private call<Req, Res>(method: 'CreateBuild' | 'GetBuild' | 'CancelBuild', req: Req): Promise<Res> {
    const md = new Metadata();
    md.set('authorization', `Bearer ${this.secret}`);
    return new Promise((resolve, reject) => {
      const fn = this.client[method].bind(this.client) as unknown as (
        r: Req,
        m: Metadata,
        o: { deadline: number },
        cb: (err: Error | null, res?: Res) => void,
      ) => void;
      fn(req, md, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res as Res)));
    });
  }

  /** Creates a build of `config` (a .drone.yml text) for a push to main. */
  createBuild(config: string): Promise<Build__Output> {
    return this.call('CreateBuild', {
      repo: { slug: REPO },
      event: 'push',
      ref: 'refs/heads/main',
      branch: 'main',
      sha: randomBytes(20).toString('hex'),
      message: 'test',
      author: 'tester',
      config,
    });
  }

  getBuild(number: number): Promise<Build__Output> {
    return this.call('GetBuild', { repo: { slug: REPO }, number });
  }

  cancelBuild(number: number): Promise<Build__Output> {
    return this.call('CancelBuild', { repo: { slug: REPO }, number });
  }

  /** Waits for the build and every job of it to end (coordinator restarts in between are fine). */
  waitFinished(number: number, timeoutMs = 60_000): Promise<Build__Output> {
    return waitFor(
      `build ${number} to finish`,
      async () => {
        const b = await this.getBuild(number);
        return FINISHED.includes(b.status) && b.jobs.every((j) => FINISHED.includes(j.status))
          ? b
          : undefined;
      },
      timeoutMs,
      200,
    );
  }

  close(): void {
    this.client.close();
  }
}

export interface ClusterOptions {
  /** HANGAR_LEASE_TIMEOUT of the coordinator. */
  lease?: string;
  /** HANGAR_REDISPATCH_AFTER: how long a queued job waits before it is published again. */
  redispatch?: string;
}

export class Cluster {
  coordinator!: CoordinatorHandle;
  readonly api: BuildApi;
  readonly runners: RunnerDaemon[] = [];
  readonly processes: ChildProcess[] = [];

  private constructor(
    readonly nats: NatsServer,
    readonly dir: string,
    readonly grpcAddress: string,
    private readonly opts: ClusterOptions,
  ) {
    this.api = new BuildApi(grpcAddress, SECRET);
  }

  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    const nats = await startNatsServer();
    const dir = mkdtempSync(join(tmpdir(), 'hangar-daemon-'));
    const c = new Cluster(nats, dir, `127.0.0.1:${await freePort()}`, opts);
    await c.startCoordinator();
    return c;
  }

  async startCoordinator(): Promise<void> {
    const cfg = loadCoordinatorConfig({
      HANGAR_DATABASE_PATH: join(this.dir, 'hangar.db'),
      DRONE_SECRET: SECRET,
      HANGAR_SECRET_KEY: 'b'.repeat(64),
      HANGAR_GRPC_ADDR: this.grpcAddress,
      HANGAR_METRICS_ADDR: '127.0.0.1:0',
      HANGAR_NATS_URL: this.nats.url,
      HANGAR_LEASE_TIMEOUT: this.opts.lease ?? '3s',
      ...(this.opts.redispatch ? { HANGAR_REDISPATCH_AFTER: this.opts.redispatch } : {}),
    });
    this.coordinator = await startCoordinator(cfg, silentLogger);
    if ((await this.coordinator.store.repos.bySlug(REPO)) === undefined) {
      await this.coordinator.store.repos.create({
        projectId: 1,
        slug: REPO,
        cloneUrl: 'http://git.invalid/group/app.git',
      });
    }
  }

  async stopCoordinator(): Promise<void> {
    await this.coordinator.stop();
  }

  /** Environment of a runner pointed at this cluster. */
  runnerEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      DRONE_SERVER: this.grpcAddress,
      DRONE_SECRET: SECRET,
      HANGAR_NATS_URL: this.nats.url,
      HANGAR_RUNNER_NAME: name,
      HANGAR_RUNNER_CAPACITY: '1',
      HANGAR_RUNNER_GRACE: '20s',
      HANGAR_STOP_GRACE: '1s',
      ...extra,
    };
  }

  async runner(
    name: string,
    extra: Record<string, string> = {},
  ): Promise<{ daemon: RunnerDaemon; logs: LogCapture }> {
    const logs = new LogCapture();
    const log = createLogger({ level: 'debug', destination: logs.stream });
    const daemon = await startRunnerDaemon(readRunnerDaemonConfig(this.runnerEnv(name, extra)), log);
    this.runners.push(daemon);
    return { daemon, logs };
  }

  /** `node bin/hangar.js runner` as a child process; resolves once it says it is ready. */
  async spawnRunner(name: string, extra: Record<string, string> = {}): Promise<HangarProcess> {
    const runner = spawnHangar(['runner'], this.runnerEnv(name, extra));
    this.processes.push(runner.proc);
    await waitFor(`runner ${name} to be ready`, () => {
      if (runner.proc.exitCode !== null) {
        throw new GiveUp(`runner exited with ${runner.proc.exitCode}: ${runner.output()}`);
      }
      return runner.output().includes('"msg":"runner ready"') || undefined;
    });
    return runner;
  }

  /** The stored log of a step of the build, as text. */
  async stepLog(buildId: number, pipeline: string, step: string): Promise<string> {
    const { store } = this.coordinator;
    const job = (await store.jobs.listByBuild(buildId)).find((j) => j.name === pipeline);
    if (job === undefined) throw new Error(`no pipeline ${pipeline} in build ${buildId}`);
    const s = (await store.steps.listByJob(job.id)).find((x) => x.name === step);
    if (s === undefined) throw new Error(`no step ${step} in pipeline ${pipeline}`);
    return store.logs.text(s.id);
  }

  async dispose(): Promise<void> {
    for (const p of this.processes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all(this.runners.map((r) => r.stop().catch(() => {})));
    await this.coordinator?.stop().catch(() => {});
    this.api.close();
    await this.nats.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Containers (running or not) a runner's jobs left on the Docker engine. */
export async function containersOf(runnerName: string): Promise<number> {
  const found = await docker.listLabelled([`io.hangar.runner=${runnerName}`]);
  return found.containers.length;
}

/** A 1.x pipeline without a clone step. */
export function pipeline(name: string, steps: { name: string; commands: string[] }[], extra = ''): string {
  const body = steps
    .map(
      (s) =>
        `  - name: ${s.name}\n    image: hangar/busybox:latest\n    commands:\n${s.commands.map((c) => `      - ${JSON.stringify(c)}`).join('\n')}`,
    )
    .join('\n');
  return `kind: pipeline\nname: ${name}\nclone:\n  disable: true\n${extra}steps:\n${body}\n`;
}

export const ROOT_DIR = ROOT;
